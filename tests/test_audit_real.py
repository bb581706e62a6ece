"""The audit's judgement on real-world shapes (issue #12), with canned responses.

Each table row is a server behaviour a penetration tester met, and what the audit must
conclude from it: right causes, preflights judged only when they succeed, missing Vary
rated by what a shared cache may do, black-box trust, cache keys, exit statuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from corsguard.audit.cli import exit_status
from corsguard.audit.model import (
    ProbeRequest,
    ProbeResponse,
    build_trust,
    missing_vary_severity,
    shared_cache_may_store,
    with_cache_key,
    without_cache_key,
)
from corsguard.cli import main
from corsguard.findings import Severity
from test_audit_model import TRUSTED, URL, allowlist, drive, target

Server = Callable[[ProbeRequest], ProbeResponse | None]


def ids(server: Server, origins: tuple[str, ...] = (TRUSTED,), url: str = URL) -> set[str]:
    report, _ = drive(server, target(url, origins) if origins else target(url, ()))
    assert report.status == "ok", report.error
    return {f.id for f in report.findings}


# --- Right causes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        # An unescaped dot in an anchored regex: the dot probe passes, its suffix twin not.
        (lambda o: re.fullmatch(r"https://app.example\.test", o) is not None, {"unescaped-dot"}),
        # endsWith("example.test") passes appxexample.test too: the suffix check is the cause.
        (
            lambda o: o.startswith("https://") and o.endswith("example.test"),
            {"suffix-match", "any-subdomain-trusted"},
        ),
        # A suffix check on the whole host, escaped regex: no dot probe passes.
        (
            lambda o: re.search(r"app\.example\.test$", o) is not None,
            {"suffix-match", "insecure-origin-trusted"},
        ),
    ],
    ids=["unescaped-regex-dot", "endswith-domain", "escaped-suffix-regex"],
)
def test_each_finding_names_the_actual_cause(
    check: Callable[[str], bool], expected: set[str]
) -> None:
    assert ids(allowlist(check)) == expected


def preflight_server(
    get_acao: str | None, preflight_acao: str | None, status: int = 204, echo: bool = False
) -> Server:
    """GETs answer ``get_acao`` (``"origin"``: reflect); preflights ``preflight_acao``."""

    def server(probe: ProbeRequest) -> ProbeResponse:
        headers: list[tuple[str, str]] = [("Vary", "Origin")]
        if probe.method == "OPTIONS":
            value = probe.origin if preflight_acao == "origin" else preflight_acao
            if value is not None:
                headers.append(("Access-Control-Allow-Origin", value))
            asked = dict(probe.headers)
            method = asked["Access-Control-Request-Method"] if echo else "GET, PUT"
            headers.append(("Access-Control-Allow-Methods", method))
            if echo and "Access-Control-Request-Headers" in asked:
                headers.append(
                    ("Access-Control-Allow-Headers", asked["Access-Control-Request-Headers"])
                )
            else:
                headers.append(("Access-Control-Allow-Headers", "content-type"))
            return ProbeResponse.keep_cors(status, headers)
        value = probe.origin if get_acao == "origin" else get_acao
        if get_acao == "trusted":
            value = probe.origin if probe.origin == TRUSTED else None
        if value is not None:
            headers.append(("Access-Control-Allow-Origin", value))
        return ProbeResponse.keep_cors(200, headers)

    return server


@pytest.mark.parametrize(
    ("get_acao", "preflight_acao", "status", "expected"),
    [
        # Reads only for the front end, every preflight reflected: the finding.
        ("trusted", "origin", 204, {"preflight-origin-reflected"}),
        # `*` on the preflight is never a reflection.
        ("trusted", "*", 204, set()),
        # Simple requests from the same origin are granted: the read finding says more.
        ("*", "origin", 204, {"wildcard-origin"}),
        # A failed preflight (400) grants nothing, whatever its headers.
        ("trusted", "origin", 400, set()),
    ],
)
def test_preflight_origin_reflected_only_where_documented(
    get_acao: str, preflight_acao: str, status: int, expected: set[str]
) -> None:
    assert ids(preflight_server(get_acao, preflight_acao, status)) == expected


@pytest.mark.parametrize(
    ("status", "expected"), [(204, True), (200, True), (400, False), (500, False)]
)
def test_preflight_findings_come_from_successful_preflights_only(
    status: int, expected: bool
) -> None:
    found = ids(preflight_server("trusted", "origin", status, echo=True))
    assert ({"preflight-any-method", "preflight-any-header"} <= found) is expected


# --- Missing Vary, rated by the cache ------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "cacheable", "why"),
    [
        ((), False, "nothing shows a shared cache"),
        ((("Cache-Control", "public, max-age=60"),), True, "(public)"),
        ((("Cache-Control", "max-age=60, s-maxage=600"),), True, "(s-maxage)"),
        ((("Cache-Control", "public"), ("Cache-Control", "private")), False, "forbids"),
        ((("Cache-Control", "no-store"), ("Age", "3")), False, "forbids"),
        ((("Age", "12"),), True, "Age"),
        ((("X-Cache", "HIT from edge"),), True, "X-Cache"),
        ((("CF-Cache-Status", "DYNAMIC"),), True, "CF-Cache-Status"),
        ((("Via", "1.1 varnish"),), True, "Via"),
        ((("CDN-Cache-Control", "max-age=60"),), True, "CDN-Cache-Control"),
        ((("Cache-Control", "max-age=60"),), False, "nothing shows"),
    ],
)
def test_shared_cache_may_store(
    headers: tuple[tuple[str, str], ...], cacheable: bool, why: str
) -> None:
    response = ProbeResponse.keep_cors(200, list(headers))
    may, reason = shared_cache_may_store(response)
    assert may is cacheable and why in reason
    assert missing_vary_severity(may) == (Severity.MEDIUM if cacheable else Severity.LOW)


@pytest.mark.parametrize(
    ("extra", "severity"),
    [((), Severity.LOW), ((("Cache-Control", "public, max-age=300"),), Severity.MEDIUM)],
)
def test_missing_vary_is_rated_by_whether_a_cache_may_store_it(
    extra: tuple[tuple[str, str], ...], severity: Severity
) -> None:
    def server(probe: ProbeRequest) -> ProbeResponse:
        grant = [("Access-Control-Allow-Origin", TRUSTED)] if probe.origin == TRUSTED else []
        return ProbeResponse.keep_cors(200, [*grant, *extra])

    report, _ = drive(server)
    (finding,) = report.findings
    assert (finding.id, finding.severity, finding.cacheable) == (
        "missing-vary-origin",
        severity,
        severity is Severity.MEDIUM,
    )
    assert finding.origin == TRUSTED  # the grant a cache would hand on
    assert "shared cache" in finding.explanation


# --- Black-box trust -----------------------------------------------------------------------


def test_black_box_probes_the_default_port_and_trusts_the_own_site() -> None:
    trust = build_trust("http://my.website.com:3000/api", ())
    assert trust.black_box
    assert trust.bases[:2] == ("http://my.website.com", "http://website.com")
    assert "http://my.website.com:3000" in trust.bases
    for own in ("http://my.website.com:3000", "http://my.website.com", "https://my.website.com"):
        assert trust.trusts(own)
    assert not trust.trusts("http://attackerwebsite.com")


def test_black_box_finds_a_port_blind_suffix_regex_and_does_not_stop_early() -> None:
    # cors({origin: /website\.com$/}): the probes on :3000 never match, the first wave
    # shows only Vary: Origin; the default-port probes find it.
    def server(probe: ProbeRequest) -> ProbeResponse:
        headers = [("Vary", "Origin")]
        if re.search(r"website\.com$", probe.origin):
            headers.append(("Access-Control-Allow-Origin", probe.origin))
        return ProbeResponse.keep_cors(200 if probe.method == "GET" else 204, headers)

    report, exchanges = drive(server, target("http://my.website.com:3000/api", ()))
    assert {f.id for f in report.findings} == {"suffix-match", "any-subdomain-trusted"}
    assert len(exchanges) > 20


# --- Cache keys and exit statuses -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.test/x", "https://a.test/x?corsguard=k-1"),
        ("https://a.test", "https://a.test/?corsguard=k-1"),
        ("https://a.test/x?page=2#top", "https://a.test/x?page=2&corsguard=k-1"),
    ],
)
def test_with_cache_key(url: str, expected: str) -> None:
    assert with_cache_key(url, "k-1") == expected
    assert with_cache_key(url, None) == url
    assert without_cache_key(expected) == expected.replace("?corsguard=k-1", "").replace(
        "&corsguard=k-1", ""
    )


@pytest.mark.parametrize(
    ("audited", "errored", "failing", "allow", "status"),
    [
        (3, 0, False, False, 0),
        (3, 0, True, False, 1),
        (2, 1, False, False, 3),  # a gate must not pass over a target it could not check
        (2, 1, False, True, 0),
        (2, 1, True, False, 1),
        (0, 3, False, False, 2),  # nothing audited
        (0, 3, False, True, 2),  # ... whatever --allow-errors says
    ],
)
def test_exit_status(audited: int, errored: int, failing: bool, allow: bool, status: int) -> None:
    assert exit_status(audited, errored, failing, allow) == status


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--keep-bodies"], "--poc-dir, --browser and --keep-bodies need --prove"),
        (["--browser", "/usr/bin/chromium"], "need --prove"),
    ],
)
def test_proof_options_without_prove_are_refused(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", *args, "http://a.test/"]) == 2
    assert message in capsys.readouterr().err


def test_a_run_where_every_target_errors_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens there: every target is an error entry, so nothing was checked.
    from servers import free_port

    port = free_port()
    status = main(["audit", "--allow-errors", "--timeout", "2", f"http://127.0.0.1:{port}/"])
    assert status == 2
    assert "no target could be audited" in capsys.readouterr().err
