"""The audit's pure judgement: probe planning and analysis with canned responses, no sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from corsguard.audit.model import (
    MAX_REQUESTS,
    ProbeRequest,
    ProbeResponse,
    TargetError,
    TargetReport,
    planned_probe_count,
    url_origin,
)
from corsguard.findings import Severity
from corsguard.probes import ARBITRARY_ORIGIN
from tests.helpers.audit_driving import TRUSTED, URL, Server, allowlist, drive, target


def static(*headers: tuple[str, str], status: int = 200) -> Server:
    return lambda probe: ProbeResponse.keep_cors(status, list(headers))


def ids(report: TargetReport) -> set[str]:
    return {finding.id for finding in report.findings}


def exact(*origins: str) -> Callable[[str], bool]:
    return lambda origin: origin in {TRUSTED, *origins}


# Each finding id against a server that has the hole and one that has not.
CASES: list[tuple[str, Server, set[str]]] = [
    ("strict allowlist", allowlist(exact()), set()),
    ("no CORS", static(("Content-Type", "application/json")), set()),
    ("reflect", allowlist(lambda o: True), {"origin-reflected"}),
    ("null", allowlist(exact("null")), {"null-origin-trusted"}),
    (
        "startswith",
        allowlist(lambda o: o.startswith(TRUSTED)),
        {"prefix-match", "special-char-bypass"},
    ),
    (
        "special char only",
        allowlist(lambda o: o == TRUSTED or o.startswith(TRUSTED + "_")),
        {"special-char-bypass"},
    ),
    (
        "endswith",
        allowlist(lambda o: o.endswith("app.example.test")),
        {"suffix-match", "insecure-origin-trusted"},
    ),
    ("in", allowlist(lambda o: o in TRUSTED), {"substring-match"}),
    ("unescaped dot", allowlist(exact("https://appxexample.test")), {"unescaped-dot"}),
    ("http", allowlist(exact("http://app.example.test")), {"insecure-origin-trusted"}),
    (
        "any subdomain",
        allowlist(lambda o: o.startswith("https://") and o.endswith(".example.test")),
        {"any-subdomain-trusted"},
    ),
    (
        "third party",
        allowlist(exact("https://corsguard-probe.netlify.app")),
        {"third-party-origin-trusted"},
    ),
    ("localhost", allowlist(exact("http://127.0.0.1")), {"localhost-trusted"}),
    ("wildcard", static(("Access-Control-Allow-Origin", "*")), {"wildcard-origin"}),
    (
        "wildcard with credentials",
        static(("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")),
        {"wildcard-origin", "wildcard-with-credentials"},
    ),
    ("no vary", allowlist(exact(), vary=False), {"missing-vary-origin"}),
    (
        "static allow-origin needs no vary",
        static(("Access-Control-Allow-Origin", TRUSTED)),
        set(),
    ),
    # A fixed value lets that one origin read: judged like an echo of it (npm cors with
    # origin: 'http://localhost:3000', found by tests/test_lint_audit_crosscheck.py).
    (
        "static localhost allow-origin",
        static(("Access-Control-Allow-Origin", "http://localhost:3000")),
        {"localhost-trusted"},
    ),
    (
        "preflight echo",
        allowlist(exact(), echo_preflight=True),
        {"preflight-any-method", "preflight-any-header"},
    ),
    (
        "private network to anyone",
        allowlist(lambda o: True, credentials=None, private_network=True),
        {"origin-reflected", "private-network-allowed"},
    ),
]


@pytest.mark.parametrize(("name", "server", "expected"), CASES, ids=[c[0] for c in CASES])
def test_findings(name: str, server: Server, expected: set[str]) -> None:
    report, exchanges = drive(server)
    assert report.status == "ok"
    assert ids(report) == expected
    assert len(exchanges) <= MAX_REQUESTS
    for finding in report.findings:
        assert finding.request.origin == finding.origin
        assert finding.remediation and finding.title and finding.explanation


@pytest.mark.parametrize(
    ("credentials", "severity", "readable_with_cookies"),
    [
        ("true", Severity.HIGH, True),
        (None, Severity.MEDIUM, False),
        ("True", Severity.MEDIUM, False),
    ],
)
def test_severity_follows_what_the_browser_lets_the_attacker_read(
    credentials: str | None, severity: Severity, readable_with_cookies: bool
) -> None:
    report, _ = drive(allowlist(lambda o: True, credentials=credentials))
    (finding,) = report.findings
    assert finding.severity is severity
    assert finding.credentials is readable_with_cookies


def test_wildcard_with_credentials_is_low_because_browsers_refuse_it() -> None:
    server = static(
        ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")
    )
    report, _ = drive(server)
    by_id = {f.id: f for f in report.findings}
    assert by_id["wildcard-with-credentials"].severity is Severity.LOW
    assert "refuse" in by_id["wildcard-with-credentials"].explanation
    # Low in audit as in lint (the catalogue's rule): '*' is the public-data grant.
    assert by_id["wildcard-origin"].severity is Severity.LOW
    assert by_id["wildcard-origin"].origin == ARBITRARY_ORIGIN


def test_two_allow_origin_headers_are_not_a_readable_grant() -> None:
    def server(probe: ProbeRequest) -> ProbeResponse:
        return ProbeResponse.keep_cors(
            200,
            [
                ("Access-Control-Allow-Origin", probe.origin),
                ("Access-Control-Allow-Origin", TRUSTED),
            ],
        )

    report, _ = drive(server)
    assert "origin-reflected" not in ids(report)


def test_endswith_the_domain_without_a_dot_is_a_suffix_match() -> None:
    # `origin.endswith("example.test")` meant as "any subdomain": the suffix probe under our
    # own domain (attackerapp.example.test) is only another subdomain, so the planner must go
    # on to the one outside it (attackerexample.test), which anyone can register.
    report, _ = drive(allowlist(lambda o: o.endswith("example.test")))
    by_id = {f.id: f for f in report.findings}
    assert "any-subdomain-trusted" in by_id
    assert by_id["suffix-match"].origin == "https://attackerexample.test"
    assert by_id["suffix-match"].severity is Severity.HIGH


def test_private_network_grant_without_cors_grant_is_low() -> None:
    report, _ = drive(allowlist(exact(), private_network=True))
    (finding,) = report.findings
    assert finding.id == "private-network-allowed"
    assert finding.severity is Severity.LOW
    assert "would not honour" in finding.explanation


def test_no_cors_costs_only_the_first_handful() -> None:
    _report, exchanges = drive(static(("Content-Type", "text/html")))
    purposes = [e.request.purpose for e in exchanges]
    assert purposes == [
        "trusted",
        "own-origin",
        "origin-reflected",
        "null-origin-trusted",
        "preflight",
    ]


def test_reflecting_endpoint_needs_no_bypass_probes() -> None:
    _report, exchanges = drive(allowlist(lambda o: True))
    # Any origin is granted: only the three open-proxy probes follow the first handful.
    proxy = [e for e in exchanges if e.request.path]
    assert [e.request.purpose for e in proxy] == ["proxy-direct", "proxy-fetch", "proxy-control"]
    assert len(exchanges) - len(proxy) <= 7


def test_full_set_runs_where_cors_is_present_and_stays_in_budget() -> None:
    t = target()
    _report, exchanges = drive(allowlist(exact()), t)
    assert 30 <= len(exchanges) <= MAX_REQUESTS
    sent = {e.request.purpose for e in exchanges}
    for purpose in (
        "prefix-match",
        "suffix-match",
        "unescaped-dot",
        "substring-match",
        "special-char-bypass",
        "insecure-origin-trusted",
        "any-subdomain-trusted",
        "localhost-trusted",
        "third-party-origin-trusted",
        "private-network-allowed",
    ):
        assert purpose in sent


def test_budget_holds_with_many_trusted_origins() -> None:
    t = target(
        origins=(
            TRUSTED,
            "https://admin.example.test",
            "https://*.partner.test",
            "http://localhost:*",
            "https://*.other.test",
            "https://third.test",
        )
    )
    assert planned_probe_count(t) > MAX_REQUESTS  # so the budget really cuts
    _report, exchanges = drive(allowlist(exact()), t)
    assert len(exchanges) <= MAX_REQUESTS
    assert len({e.request for e in exchanges}) == len(exchanges)


def test_trusted_patterns_are_never_reported() -> None:
    # A within-label pattern is no finding of its own (corsguard.trusted): the origins it
    # matches are the front ends, never a bypass. ('*.' is: tests/audit/test_audit_told.py.)
    t = target(origins=("https://myapp-*.example.test",))
    server = allowlist(lambda o: o.startswith("https://myapp-") and o.endswith(".example.test"))
    report, exchanges = drive(server, t)
    assert ids(report) == set()
    assert any(e.request.purpose == "trusted" for e in exchanges)


def test_without_origin_the_targets_own_origin_is_the_basis() -> None:
    t = target(origins=())
    report, exchanges = drive(allowlist(lambda o: o.startswith("https://api.example.test")), t)
    assert "prefix-match" in ids(report)
    assert any(e.request.origin == "https://api.example.test" for e in exchanges)


def test_errors_only_give_an_error_entry() -> None:
    report, exchanges = drive(lambda probe: None)
    assert report.status == "error"
    assert report.error == "connection refused"
    assert len(exchanges) == 5  # no second wave after a dead first one


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (URL, "redirects (301) to itself"),
        ("https://login.example.test/", "redirects (301) to https://login.example.test/;"),
        ("/v2/me", "redirects (301) to https://api.example.test/v2/me;"),
    ],
)
def test_redirects_are_recorded_not_followed(location: str, expected: str) -> None:
    report, _ = drive(static(("Location", location), status=301))
    assert report.status == "error"
    assert report.error is not None and report.error.startswith(expected)


def test_a_redirect_with_cors_headers_is_an_error_naming_the_final_url() -> None:
    # The hop's CORS headers say nothing about what a browser reads at the end (issue #12).
    def server(probe: ProbeRequest) -> ProbeResponse:
        return ProbeResponse.keep_cors(
            302,
            [
                ("Location", "/next"),
                ("Access-Control-Allow-Origin", probe.origin),
                ("Vary", "Origin"),
            ],
        )

    report, _ = drive(server)
    assert report.status == "error" and ids(report) == set()
    assert report.error is not None
    assert "redirects (302) to https://api.example.test/next;" in report.error


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Api.Example.TEST/x?y=1", "https://api.example.test"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("https://example.test:443/", "https://example.test"),
        ("http://[::1]:81/", "http://[::1]:81"),
    ],
)
def test_url_origin(url: str, origin: str) -> None:
    assert url_origin(url) == origin


@pytest.mark.parametrize(
    "url", ["example.test", "ftp://example.test/", "https://", "http://h:99999/", "https://a b/"]
)
def test_url_origin_refuses(url: str) -> None:
    with pytest.raises(TargetError):
        url_origin(url)
