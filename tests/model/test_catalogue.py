"""The catalogue (corsguard.findings): one severity for one configuration in lint and audit,
fixes written with the user's origins, and fixes that clear their finding when the same
tool checks them again.

Audit runs against the real Starlette CORSMiddleware (in process, through its test client),
lint reads the same configuration as source; corsguard.Policy fixes are built for real.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import corsguard
from corsguard.audit import output as audit_output
from corsguard.audit.model import (
    Exchange,
    ProbeRequest,
    ProbeResponse,
    Target,
    TargetReport,
    analyse,
    build_trust,
    next_probes,
    parse_trusted,
)
from corsguard.audit.output import fixes_of, remediation_of
from corsguard.findings import (
    AUDIT_IDS,
    KINDS,
    LINT_IDS,
    ORDER,
    SECURITY_SEVERITY,
    Context,
    Severity,
    fixes,
    render_fix,
)
from corsguard.lint import lint_source
from corsguard.lint import report as lint_report
from corsguard.remediation import STACKS, UNKNOWN_ORIGIN, FixContext
from tests.helpers.paths import DOCS

URL = "https://api.example.test/data"
TRUSTED = "https://app.example.test"
USER_ORIGINS = ("https://app.example.test", "https://admin.example.test")


def starlette_server(**options: object) -> Callable[[ProbeRequest], ProbeResponse]:
    async def data(request: object) -> PlainTextResponse:
        return PlainTextResponse("secret")

    app = Starlette(routes=[Route("/data", data, methods=["GET", "PUT", "OPTIONS"])])
    app.add_middleware(CORSMiddleware, **options)  # type: ignore[arg-type]
    client = TestClient(app, base_url="https://api.example.test")

    def server(probe: ProbeRequest) -> ProbeResponse:
        response = client.request(probe.method, "/data", headers=dict(probe.all_headers))
        return ProbeResponse.keep_cors(response.status_code, list(response.headers.items()))

    return server


def audit(server: Callable[[ProbeRequest], ProbeResponse]) -> TargetReport:
    target = Target(URL, build_trust(URL, parse_trusted([TRUSTED])))
    exchanges: list[Exchange] = []
    while wave := next_probes(target, exchanges):
        exchanges += [Exchange(probe, server(probe)) for probe in wave]
    return analyse(target, exchanges)


def starlette_source(options: str) -> str:
    return textwrap.dedent(
        f"""\
        from starlette.applications import Starlette
        from starlette.middleware.cors import CORSMiddleware
        app = Starlette()
        app.add_middleware(CORSMiddleware, {options})
        """
    )


def lint_ids(source: str, path: str = "app.py") -> dict[str, Severity]:
    return {f.id: f.severity for f in lint_source(source, path).findings}


# (Starlette options, the id both tools report, its severity)
SAME_CONFIGURATION = [
    (r'allow_origin_regex=r"https://.*\.example\.test", allow_credentials=True',
     "any-subdomain-trusted", Severity.MEDIUM),
    (r'allow_origin_regex=r"https://.*\.example\.test"', "any-subdomain-trusted", Severity.LOW),
    ('allow_origins=["https://app.example.test", "http://app.example.test"], '
     "allow_credentials=True", "insecure-origin-trusted", Severity.MEDIUM),
    ('allow_origins=["https://app.example.test", "null"], allow_credentials=True',
     "null-origin-trusted", Severity.HIGH),
    ('allow_origins=["https://app.example.test", "null"]', "null-origin-trusted", Severity.MEDIUM),
    ('allow_origins=["https://app.example.test", "http://localhost:3000"], '
     "allow_credentials=True", "localhost-trusted", Severity.MEDIUM),
    (r'allow_origin_regex=r"https://app\.example\.test.*", allow_credentials=True',
     "prefix-match", Severity.HIGH),
    (r'allow_origins=["https://app.example.test"], allow_origin_regex=r"https://.*\.github\.io", '
     "allow_credentials=True", "third-party-origin-trusted", Severity.HIGH),
    ('allow_origins=["*"]', "wildcard-origin", Severity.LOW),
]  # fmt: skip


@pytest.mark.parametrize(("options", "kind", "severity"), SAME_CONFIGURATION)
def test_lint_and_audit_give_one_severity_for_one_configuration(
    options: str, kind: str, severity: Severity
) -> None:
    linted = lint_ids(starlette_source(options))
    kwargs = eval(f"dict({options})")  # the same literal options, run for real
    audited = {f.id: f.severity for f in audit(starlette_server(**kwargs)).findings}
    assert linted.get(kind) is severity
    assert audited.get(kind) is severity


CONTEXTS = [Context(c, readable=r) for c in (True, False, None) for r in (True, False)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_id_has_one_complete_entry(kind: str) -> None:
    entry = KINDS[kind]
    assert entry.title and entry.meaning and entry.advice and entry.condition
    assert entry.proof.provable or entry.proof.why_not
    assert entry.audit or entry.lint
    assert {entry.severity(ctx) for ctx in CONTEXTS} <= set(Severity)
    assert kind in ORDER


def test_severity_rules_follow_what_the_attacker_gets() -> None:
    # Outsiders' bypasses: high with credentials, medium anonymous, low when not honoured.
    for kind in ("origin-reflected", "prefix-match", "null-origin-trusted"):
        assert KINDS[kind].severity(Context(True)) is Severity.HIGH
        assert KINDS[kind].severity(Context(False)) is Severity.MEDIUM
        assert KINDS[kind].severity(Context(False, readable=False)) is Severity.LOW
        assert KINDS[kind].severity(Context(True, weak=True)) is Severity.LOW
    # A foothold first: one step less.
    for kind in ("any-subdomain-trusted", "insecure-origin-trusted", "localhost-trusted"):
        assert KINDS[kind].severity(Context(True)) is Severity.MEDIUM
        assert KINDS[kind].severity(Context(None)) is Severity.MEDIUM
        assert KINDS[kind].severity(Context(False)) is Severity.LOW
    # A missing Vary: Origin matters where a shared cache may store the answer.
    vary = KINDS["missing-vary-origin"]
    assert vary.severity(Context(cacheable=None)) is Severity.MEDIUM
    assert vary.severity(Context(cacheable=True)) is Severity.MEDIUM
    assert vary.severity(Context(cacheable=False)) is Severity.LOW
    # A leftover CORS library: high where it answers instead of corsguard.
    conflict = KINDS["cors-library-conflict"]
    assert conflict.severity(Context(False, exposed=True)) is Severity.HIGH
    assert conflict.severity(Context(False)) is Severity.MEDIUM


# --- remediation ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fixes_use_the_users_origins_never_a_placeholder(kind: str) -> None:
    written = fixes(kind, FixContext(USER_ORIGINS, credentials=True))
    assert set(written) == set(STACKS)
    for stack, text in written.items():
        assert UNKNOWN_ORIGIN not in text and "app.example.com" not in text, stack
        if stack != "aiohttp-cors" or "*" not in "".join(USER_ORIGINS):
            assert all(origin in text for origin in USER_ORIGINS), (stack, text)


def test_unknown_origins_are_said_to_be_unknown() -> None:
    for text in fixes("origin-reflected", FixContext()).values():
        assert "list the origins your front ends use" in text


def _policy_call(text: str) -> str:
    return text.split("  #", 1)[0]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_corsguard_fix_builds_a_policy(kind: str) -> None:
    for ctx in (FixContext(USER_ORIGINS, credentials=True), FixContext(public=True)):
        text = fixes(kind, ctx)["corsguard"]
        policy = eval(_policy_call(text), {"corsguard": corsguard})
        assert isinstance(policy, corsguard.Policy)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"wildcard-origin"}))
def test_no_origin_known_every_stack_gets_the_header_level_fix(kind: str) -> None:
    # Never an invented origin: the catalogue's origin-free text, the same in every stack.
    written = fixes(kind, FixContext(credentials=True))
    assert len(set(written.values())) == 1, written
    assert written["express"] == render_fix(kind, "headers", FixContext(credentials=True))
    assert written["express"].startswith("When Origin is one of your front ends' origins: ")
    assert UNKNOWN_ORIGIN not in written["express"]


def test_a_wildcard_with_no_origin_known_is_kept_as_public_data() -> None:
    # '*' for public data is a valid choice: every stack keeps it and says when it is fine.
    for stack, text in fixes("wildcard-origin", FixContext(credentials=True)).items():
        assert ("*" in text or "ALLOW_ALL" in text) and UNKNOWN_ORIGIN not in text, stack
        assert "credentials=True" not in text and "credentials: true" not in text, stack


def _starlette_kwargs(text: str) -> dict[str, object]:
    call = _policy_call(text)
    inner = re.fullmatch(r"app\.add_middleware\(CORSMiddleware, (.*)\)", call)
    assert inner is not None, text
    kwargs: dict[str, object] = eval(f"dict({inner.group(1)})")
    return kwargs


@pytest.mark.parametrize("kind", sorted(LINT_IDS))
@pytest.mark.parametrize("stack", ["starlette", "flask-cors", "django-cors-headers"])
def test_python_fix_linted_again_has_no_finding_of_its_id(kind: str, stack: str) -> None:
    text = fixes(kind, FixContext(USER_ORIGINS, credentials=True))[stack]
    if stack == "starlette":
        source = starlette_source(_policy_call(text).split("CORSMiddleware, ", 1)[1][:-1])
        path = "app.py"
    elif stack == "flask-cors":
        source = "from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\n"
        source += _policy_call(text) + "\n"
        path = "app.py"
    else:
        source = "INSTALLED_APPS = ['corsheaders']\n" + text + "\n"
        path = "settings.py"
    compile(source, path, "exec")  # valid in its stack's language
    found = lint_ids(source, path)
    assert kind not in found, (source, found)


# A real Starlette configuration that shows each id in the audit, where one exists (the others
# are covered by the Policy and lint tests above; Starlette answers allow_methods=["*"] with a
# fixed list, so it cannot show preflight-any-method).
BAD_STARLETTE: dict[str, dict[str, object]] = {
    "origin-reflected": {"allow_origin_regex": ".*", "allow_credentials": True},
    "null-origin-trusted": {"allow_origins": [TRUSTED, "null"], "allow_credentials": True},
    "prefix-match": {"allow_origin_regex": r"https://app\.example\.test.*"},
    "any-subdomain-trusted": {"allow_origin_regex": r"https://.*\.example\.test"},
    "unescaped-dot": {"allow_origin_regex": r"https://app.example.test"},
    "insecure-origin-trusted": {"allow_origins": [TRUSTED, "http://app.example.test"]},
    "localhost-trusted": {"allow_origins": [TRUSTED, "http://localhost:3000"]},
    "third-party-origin-trusted": {
        "allow_origins": [TRUSTED],
        "allow_origin_regex": r"https://.*\.github\.io",
    },
    "wildcard-origin": {"allow_origins": ["*"]},
    "preflight-any-header": {"allow_origins": [TRUSTED], "allow_headers": ["*"]},
}
assert set(BAD_STARLETTE) <= set(AUDIT_IDS)


@pytest.mark.parametrize("kind", sorted(BAD_STARLETTE))
def test_audit_fix_applied_and_audited_again_clears_its_finding(kind: str) -> None:
    report = audit(starlette_server(**BAD_STARLETTE[kind]))
    finding = next(f for f in report.findings if f.id == kind)
    assert TRUSTED in remediation_of(report, finding)
    fixed = audit(starlette_server(**_starlette_kwargs(fixes_of(report, finding)["starlette"])))
    assert kind not in {f.id for f in fixed.findings}


# (Policy options, the equivalent Starlette options, the id, the severity all three give)
POLICY_WARNINGS = [
    (
        {"allow_origins": ["http://app.example.test"], "allow_credentials": True,
         "tolerate_insecure_origins": True},
        'allow_origins=["https://app.example.test", "http://app.example.test"], '
        "allow_credentials=True",
        "insecure-origin-trusted",
        Severity.MEDIUM,
    ),
    (
        {"allow_origins": ["http://app.example.test"]},
        'allow_origins=["https://app.example.test", "http://app.example.test"]',
        "insecure-origin-trusted",
        Severity.LOW,
    ),
]  # fmt: skip


@pytest.mark.parametrize(("policy", "options", "kind", "severity"), POLICY_WARNINGS)
def test_policy_warnings_name_the_id_and_severity_lint_and_audit_give(
    policy: dict[str, object], options: str, kind: str, severity: Severity
) -> None:
    warnings = corsguard.Policy(**policy).warnings  # type: ignore[arg-type]
    assert any(w.endswith(f"[{kind}, {severity.value}]") for w in warnings), warnings
    assert lint_ids(starlette_source(options)).get(kind) is severity
    kwargs = eval(f"dict({options})")
    assert {f.id: f.severity for f in audit(starlette_server(**kwargs)).findings}.get(
        kind
    ) is severity


# --- one SARIF writer -------------------------------------------------------------------


def _sarif_of_both(options: str) -> tuple[dict[str, Any], dict[str, Any]]:
    linted = lint_source(starlette_source(options), "app.py")
    lint_doc = json.loads(lint_report.render_sarif([linted], 1))
    kwargs = eval(f"dict({options})")
    audit_doc = json.loads(audit_output.render_sarif([audit(starlette_server(**kwargs))]))
    return lint_doc["runs"][0], audit_doc["runs"][0]


@pytest.mark.parametrize(
    ("options", "kind", "severity"),
    [
        (r'allow_origin_regex=r"https://.*\.example\.test"', "any-subdomain-trusted", "low"),
        (
            r'allow_origin_regex=r"https://.*\.example\.test", allow_credentials=True',
            "any-subdomain-trusted",
            "medium",
        ),
        ('allow_origins=["https://app.example.test", "null"], allow_credentials=True',
         "null-origin-trusted", "high"),
    ],
)  # fmt: skip
def test_audit_and_lint_sarif_describe_a_rule_alike_from_its_actual_severity(
    options: str, kind: str, severity: str
) -> None:
    lint_run, audit_run = _sarif_of_both(options)
    lint_driver, audit_driver = lint_run["tool"]["driver"], audit_run["tool"]["driver"]
    assert lint_driver["name"] == audit_driver["name"] == "corsguard"
    assert [r["id"] for r in lint_driver["rules"]] == list(LINT_IDS)
    assert [r["id"] for r in audit_driver["rules"]] == list(AUDIT_IDS)
    lint_rule = next(r for r in lint_driver["rules"] if r["id"] == kind)
    audit_rule = next(r for r in audit_driver["rules"] if r["id"] == kind)
    assert lint_rule == audit_rule
    expected = SECURITY_SEVERITY[Severity(severity)]
    assert audit_rule["properties"]["security-severity"] == expected
    level = {"high": "error", "medium": "warning", "low": "note"}[severity]
    for run in (lint_run, audit_run):
        results = [r for r in run["results"] if r["ruleId"] == kind]
        assert results and all(r["level"] == level for r in results)
        assert all(r["properties"]["security-severity"] == expected for r in results)


def test_docs_audit_table_is_the_catalogue() -> None:
    """docs/audit.md "What it finds": one row per audit id, its "shown by" the condition."""
    docs = DOCS / "audit.md"
    rows = {}
    for line in docs.read_text().splitlines():
        match = re.fullmatch(r"\| `([a-z-]+)` \| (.*) \| ([^|]*) \|", line)
        if match and match.group(1) in KINDS:
            rows[match.group(1)] = match.group(2)
    assert set(rows) == set(AUDIT_IDS)
    for kind, shown_by in rows.items():
        assert KINDS[kind].condition == shown_by, kind


# --- flask-cors and django-cors-headers fixes, run by the real libraries and audited ------


def _distinct(stack: str, ctx: FixContext) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for kind in AUDIT_IDS:
        texts.setdefault(fixes(kind, ctx)[stack], []).append(kind)
    return texts


FIX_CONTEXTS = [FixContext(USER_ORIGINS, credentials=True), FixContext(USER_ORIGINS, False)]


def _probe_headers(probe: ProbeRequest) -> dict[str, str]:
    return dict(probe.all_headers)


@pytest.mark.parametrize("ctx", FIX_CONTEXTS, ids=["credentials", "anonymous"])
def test_flask_cors_fixes_audited_again_have_no_finding_of_their_id(ctx: FixContext) -> None:
    from flask import Flask
    from flask_cors import CORS

    for fix, kinds in _distinct("flask-cors", ctx).items():
        app = Flask(__name__)
        app.add_url_rule("/data", "data", lambda: "data", methods=["GET", "PUT", "OPTIONS"])
        exec(_policy_call(fix), {"CORS": CORS, "app": app})  # the printed call, as written
        client = app.test_client()

        def server(probe: ProbeRequest, client: Any = client) -> ProbeResponse:
            response = client.open("/data", method=probe.method, headers=_probe_headers(probe))
            return ProbeResponse.keep_cors(response.status_code, list(response.headers.items()))

        report = audit(server)
        assert not set(kinds) & {f.id for f in report.findings}, (fix, report.findings)
        granted = server(ProbeRequest("trusted", "GET", USER_ORIGINS[1]))
        assert granted.get("access-control-allow-origin") == USER_ORIGINS[1]


@pytest.mark.parametrize("ctx", FIX_CONTEXTS, ids=["credentials", "anonymous"])
def test_django_cors_headers_fixes_audited_again_have_no_finding_of_their_id(
    ctx: FixContext,
) -> None:
    from django.test import Client
    from django.test.utils import override_settings

    from tests.helpers.apps_frameworks import django_settings

    for fix, kinds in _distinct("django-cors-headers", ctx).items():
        settings: dict[str, Any] = {}
        exec(fix, {}, settings)  # the printed settings, as written
        with (
            django_settings(),
            override_settings(MIDDLEWARE=["corsheaders.middleware.CorsMiddleware"], **settings),
        ):
            client = Client()

            def server(probe: ProbeRequest, client: Client = client) -> ProbeResponse:
                response = client.generic(probe.method, "/data", headers=_probe_headers(probe))
                return ProbeResponse.keep_cors(response.status_code, list(response.headers.items()))

            report = audit(server)
            granted = server(ProbeRequest("trusted", "GET", USER_ORIGINS[1]))
        assert not set(kinds) & {f.id for f in report.findings}, (fix, report.findings)
        assert granted.get("access-control-allow-origin") == USER_ORIGINS[1]


def test_black_box_remediation_shows_the_targets_own_origin_as_a_stand_in() -> None:
    target = Target(URL, build_trust(URL))  # no --origin
    exchanges: list[Exchange] = []
    server = starlette_server(allow_origin_regex=".*", allow_credentials=True)
    while wave := next_probes(target, exchanges):
        exchanges += [Exchange(probe, server(probe)) for probe in wave]
    report = analyse(target, exchanges)
    finding = next(f for f in report.findings if f.id == "origin-reflected")
    text = remediation_of(report, finding)
    assert "https://api.example.test" in text and "list your front ends' origins" in text
    assert all("https://api.example.test" in fix for fix in fixes_of(report, finding).values())
    assert UNKNOWN_ORIGIN not in text
