"""What audit reports about the origins it is told (--origin), judged with canned responses.

A told origin the catalogue names on its own (corsguard.trusted: localhost, plain http,
'*.', a hosting platform) is reported when the server grants it, with the id check and lint
give the same configuration and the catalogue's severity for what a page there can read;
the evidence is the observed grant. A told origin the server does not grant, or grants only
through '*', is no such finding: audit reports what it sees. The live counterpart, against
real corsguard, Starlette and flask-cors servers: tests/model/test_one_verdict.py.
"""

from __future__ import annotations

import pytest

from corsguard import Policy
from corsguard.audit.model import TOLD, ProbeRequest, ProbeResponse, TargetReport
from corsguard.findings import Severity
from tests.helpers.audit_driving import Server, allowlist, drive, target

LOW, MEDIUM, HIGH = Severity.LOW, Severity.MEDIUM, Severity.HIGH

# (told, what the server grants, credentials, expected {id: severity}, the evidence origin)
CASES: list[tuple[str, str, bool, dict[str, Severity], str | None]] = [
    ("http://localhost:3000", "exact", True, {"localhost-trusted": MEDIUM}, None),
    ("http://localhost:3000", "exact", False, {"localhost-trusted": LOW}, None),
    ("http://app.example.test", "exact", True, {"insecure-origin-trusted": MEDIUM}, None),
    ("http://app.example.test", "exact", False, {"insecure-origin-trusted": LOW}, None),
    (
        "https://*.example.test",
        "subdomains",
        True,
        {"any-subdomain-trusted": MEDIUM},
        "https://corsguard-probe.example.test",
    ),
    (
        "https://*.example.test",
        "subdomains",
        False,
        {"any-subdomain-trusted": LOW},
        "https://corsguard-probe.example.test",
    ),
    # Only names two labels deep granted: the deeper probe observes it.
    (
        "https://*.example.test",
        "deep",
        True,
        {"any-subdomain-trusted": MEDIUM},
        "https://corsguard-probe.deeper.example.test",
    ),
    ("https://myorg.github.io", "exact", True, {"third-party-origin-trusted": HIGH}, None),
    ("https://myorg.github.io", "exact", False, {"third-party-origin-trusted": MEDIUM}, None),
    (
        "http://myorg.github.io",
        "exact",
        False,
        {"third-party-origin-trusted": MEDIUM, "insecure-origin-trusted": LOW},
        None,
    ),
    (
        "https://*.vercel.app",
        "subdomains",
        False,
        {"third-party-origin-trusted": MEDIUM},
        "https://corsguard-probe.vercel.app",
    ),
    # Told, but not granted: nothing observed, nothing reported.
    ("http://localhost:3000", "none", True, {}, None),
    ("https://*.example.test", "none", True, {}, None),
    # A safe told origin, granted: no finding.
    ("https://app.example.test", "exact", True, {}, None),
    ("https://myapp-*.example.test", "label", True, {}, None),
]


def _server(told: str, grants: str, credentials: bool) -> Server:
    domain = told.split("*.", 1)[-1]

    def allowed(origin: str) -> bool:
        if grants == "exact":
            return origin == told
        if grants == "subdomains":
            return origin.startswith("https://") and origin.endswith("." + domain)
        if grants == "deep":
            host = origin.removeprefix("https://")
            deep = host.count(".") == domain.count(".") + 2
            return origin.startswith("https://") and host.endswith("." + domain) and deep
        if grants == "label":
            return origin.startswith("https://myapp-") and origin.endswith("." + domain)
        return False

    return allowlist(allowed, credentials="true" if credentials else None)


def found(report: TargetReport) -> dict[str, Severity]:
    return {f.id: f.severity for f in report.findings}


@pytest.mark.parametrize(
    ("told", "grants", "credentials", "expected", "evidence"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'creds' if c[2] else 'anon'}" for c in CASES],
)
def test_a_told_origin_the_server_grants_is_judged_as_check_judges_it(
    told: str,
    grants: str,
    credentials: bool,
    expected: dict[str, Severity],
    evidence: str | None,
) -> None:
    report, exchanges = drive(_server(told, grants, credentials), target(origins=(told,)))
    assert report.status == "ok"
    assert found(report) == expected
    for finding in report.findings:
        # What audit saw: the probe from the told origin and the grant of exactly it.
        assert finding.origin == finding.request.origin == (evidence or told)
        assert finding.response.values("access-control-allow-origin") == [finding.origin]
        granted_credentials = finding.response.values("access-control-allow-credentials")
        assert (granted_credentials == ["true"]) is credentials is finding.credentials
        assert f"--origin {told}" in finding.explanation
        assert any(e.request == finding.request for e in exchanges)
    if told.startswith("https://*."):
        sent = {e.request.origin for e in exchanges}
        assert {evidence or "", told.replace("*.", "corsguard-probe.deeper.")} <= sent | {""}


@pytest.mark.parametrize(
    ("told", "credentials", "options"),
    [
        ("http://localhost:3000", True, {}),
        ("http://localhost:3000", False, {}),
        ("http://app.example.test", False, {}),
        ("http://app.example.test", True, {"tolerate_insecure_origins": True}),
        ("https://*.example.test", True, {}),
        ("https://*.example.test", False, {}),
        ("https://myorg.github.io", True, {}),
        ("https://*.vercel.app", False, {}),
    ],
)
def test_the_same_ids_and_severities_as_policy_findings(
    told: str, credentials: bool, options: dict[str, bool]
) -> None:
    """audit of a server granting exactly the told origin's names, against `corsguard check`
    of the policy trusting it (Policy.findings): one verdict."""
    policy = Policy(allow_origins=[told], allow_credentials=credentials, **options)
    grants = "subdomains" if "*." in told else "exact"
    report, _ = drive(_server(told, grants, credentials), target(origins=(told,)))
    assert found(report) == {f.id: f.severity for f in policy.findings}


def test_a_wildcard_grant_is_not_a_grant_of_the_told_origin() -> None:
    def star(_probe: ProbeRequest) -> ProbeResponse:
        return ProbeResponse.keep_cors(200, [("Access-Control-Allow-Origin", "*")])

    report, _ = drive(star, target(origins=("http://localhost:3000",)))
    assert found(report) == {"wildcard-origin": LOW}


def test_a_server_granting_every_origin_is_origin_reflected_alone() -> None:
    report, _ = drive(allowlist(lambda o: True), target(origins=("http://localhost:3000",)))
    assert found(report) == {"origin-reflected": HIGH}


def test_one_finding_per_id_with_the_worse_severity() -> None:
    # Told http://localhost:3000 and granting every localhost origin: the generic probe
    # (http://localhost) and the told origin both show localhost-trusted; reported once.
    def server_fn(credentials_for_told: bool) -> Server:
        def local(origin: str) -> bool:
            return origin.startswith(("http://localhost", "http://127.0.0.1"))

        with_cookies, without = allowlist(local), allowlist(local, credentials=None)

        def serve(probe: ProbeRequest) -> ProbeResponse | None:
            told = probe.origin == "http://localhost:3000"
            return (with_cookies if told == credentials_for_told else without)(probe)

        return serve

    for creds_for_told, evidence in ((True, "http://localhost:3000"), (False, None)):
        report, _ = drive(server_fn(creds_for_told), target(origins=("http://localhost:3000",)))
        (finding,) = [f for f in report.findings if f.id == "localhost-trusted"]
        assert finding.severity is MEDIUM
        if evidence is not None:
            assert finding.origin == evidence
        else:
            assert finding.origin != "http://localhost:3000"


def test_told_probes_are_sent_once_and_only_for_origins_the_catalogue_names() -> None:
    _report, exchanges = drive(
        allowlist(lambda o: False),
        target(origins=("https://app.example.test", "http://localhost:3000")),
    )
    requests = [e.request for e in exchanges]
    assert len(requests) == len(set(requests))
    # http://localhost:3000 is a representative already (a "trusted" GET shows the grant).
    assert not [r for r in requests if r.purpose == TOLD]
    _report, exchanges = drive(allowlist(lambda o: False), target(origins=("https://*.x.test",)))
    told = sorted(e.request.origin for e in exchanges if e.request.purpose in ("trusted", TOLD))
    # '*.': a concrete subdomain (the representative) and one a level deeper.
    assert told == ["https://corsguard-probe.deeper.x.test", "https://corsguard-probe.x.test"]


def test_of_two_told_origins_with_one_id_the_worse_grant_is_reported() -> None:
    # The first told origin is granted without credentials (low), the second with (medium).
    anonymous = allowlist(lambda o: o == "http://localhost:3000", credentials=None)
    with_cookies = allowlist(lambda o: o == "http://localhost:8080")

    def serve(probe: ProbeRequest) -> ProbeResponse | None:
        return (with_cookies if probe.origin == "http://localhost:8080" else anonymous)(probe)

    told = ("http://localhost:3000", "http://localhost:8080")
    report, _ = drive(serve, target(origins=told))
    (finding,) = report.findings
    assert (finding.id, finding.severity, finding.origin) == (
        "localhost-trusted",
        MEDIUM,
        "http://localhost:8080",
    )
