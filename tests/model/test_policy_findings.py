"""Policy.findings (issue #11): the catalogue findings a valid policy carries, with the
catalogue's severity rule, a fix written with the policy's own origins, and Policy.warnings
derived from them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from corsguard import Policy, PolicyError, PolicyFinding
from corsguard.findings import KINDS, Severity
from corsguard.remediation import FROM_ENV_NOTE, safe_origins
from tests.helpers.fixes import assert_no_placeholder, build_fix

APP = "https://app.example.com"

CASES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("clean", {"allow_origins": [APP], "allow_credentials": True}, []),
    ("localhost+creds", {"allow_origins": [APP, "http://localhost:3000"],
     "allow_credentials": True}, [("localhost-trusted", "medium")]),
    ("localhost", {"allow_origins": ["http://127.0.0.1:*"]}, [("localhost-trusted", "low")]),
    ("http", {"allow_origins": ["http://app.example.com"]},
     [("insecure-origin-trusted", "low")]),
    ("http+creds tolerated", {"allow_origins": ["http://app.example.com"],
     "allow_credentials": True, "tolerate_insecure_origins": True},
     [("insecure-origin-trusted", "medium")]),
    ("subdomain+creds", {"allow_origins": ["https://*.example.com"], "allow_credentials": True},
     [("any-subdomain-trusted", "medium")]),
    ("subdomain", {"allow_origins": ["https://*.example.com"]},
     [("any-subdomain-trusted", "low")]),
    ("label", {"allow_origins": ["https://myapp-*.preview.example.com"],
     "allow_credentials": True}, []),
    ("platform site+creds", {"allow_origins": ["https://myorg.github.io"],
     "allow_credentials": True}, [("third-party-origin-trusted", "high")]),
    ("platform tenants", {"allow_origins": ["https://*.vercel.app"]},
     [("third-party-origin-trusted", "medium")]),
    ("platform tenants+creds tolerated", {"allow_origins": ["https://*.vercel.app"],
     "allow_credentials": True, "tolerate_public_suffix_wildcards": True},
     [("third-party-origin-trusted", "high")]),
    # '*.' over a public suffix beneath the domain (s3.amazonaws.com): anyone's bucket.
    ("suffix beneath", {"allow_origins": ["https://*.amazonaws.com"]},
     [("third-party-origin-trusted", "medium")]),
    ("suffix beneath+creds tolerated", {"allow_origins": ["https://*.amazonaws.com"],
     "allow_credentials": True, "tolerate_public_suffix_wildcards": True},
     [("third-party-origin-trusted", "high")]),
    ("public", {"allow_origins": ["*"]}, [("wildcard-origin", "low")]),
    ("public+private network", {"allow_origins": ["*"], "allow_private_network": True},
     [("private-network-allowed", "medium"), ("wildcard-origin", "low")]),
    ("private network, listed", {"allow_origins": [APP], "allow_private_network": True}, []),
    ("any method/header+creds", {"allow_origins": [APP], "allow_methods": ["*"],
     "allow_headers": ["*"], "allow_credentials": True},
     [("preflight-any-method", "low"), ("preflight-any-header", "low")]),
    # Without credentials '*' is the standard's own wildcard, sent as is: not an echo.
    ("any method/header", {"allow_origins": [APP], "allow_methods": ["*"],
     "allow_headers": ["*"]}, []),
]  # fmt: skip


@pytest.mark.parametrize(("options", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_findings_table(options: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    policy = Policy(**options)
    assert [(f.id, f.severity.value) for f in policy.findings] == expected
    for finding in policy.findings:
        assert finding.id in KINDS and isinstance(finding.severity, Severity)
        assert_no_placeholder(finding.fix)
        if not (safe_origins(policy.allow_origins)[0] or policy.public) or (
            finding.fix.startswith("corsguard.Policy.from_env(")
        ):
            # Nothing of the policy's own left to trust in production (only development
            # origins, or only the subdomain pattern the finding is about): the origins come
            # from the deployment, never an invented one (issue #13).
            assert finding.fix.startswith("corsguard.Policy.from_env("), finding.fix
            assert FROM_ENV_NOTE in finding.fix
        else:
            assert finding.fix.startswith("corsguard.Policy(")
        build_fix(finding.fix.split("  #", 1)[0])
        assert finding.route is None
        # Each finding is one of the policy's warnings, with its id and severity.
        assert f"{finding.message} [{finding.id}, {finding.severity.value}]" in policy.warnings


def test_fix_uses_the_policys_own_origins() -> None:
    policy = Policy(allow_origins=[APP, "http://localhost:3000"], allow_credentials=True)
    (finding,) = policy.findings
    assert '["https://app.example.com"]' in finding.fix
    assert (
        "put http://localhost:3000 in development_origins "
        "(granted only with CORSGUARD_ENV=development)"
    ) in finding.fix
    # ... which that option accepts, and the production policy then has no finding.
    moved = Policy(
        allow_origins=[APP], development_origins=["http://localhost:3000"], allow_credentials=True
    )
    assert moved.findings == ()
    # And the fix itself is a policy without the finding.
    assert Policy(allow_origins=[APP], allow_credentials=True).findings == ()


def test_routes_are_prefixed_and_the_route_policy_keeps_its_own() -> None:
    public = Policy(allow_origins=["*"])
    policy = Policy(allow_origins=[APP], routes={"/public/": public})
    (finding,) = policy.findings
    assert finding.route == "/public"
    assert finding.message.startswith("routes /public: ")
    assert public.findings[0].message == finding.message.removeprefix("routes /public: ")
    # Policy.warnings stays the policy's own (corsguard check prefixes the routes' itself).
    assert policy.warnings == ()


def test_findings_are_immutable() -> None:
    policy = Policy(allow_origins=["*"])
    assert isinstance(policy.findings, tuple)
    with pytest.raises(AttributeError):
        policy.findings = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.findings[0].id = "other"  # type: ignore[misc]
    assert isinstance(policy.findings[0], PolicyFinding)


def test_notes_without_an_id_stay_warnings() -> None:
    policy = Policy(allow_origins=[APP], allow_headers=["*"], allow_methods=["Patch"])
    assert policy.findings == ()
    assert len(policy.warnings) == 2


REFUSALS = [
    ({"allow_origins": ["*"], "allow_credentials": True}, "wildcard-with-credentials"),
    ({"allow_origins": ["null"]}, "null-origin-trusted"),
    ({"allow_origins": ["http://app.example.com"], "allow_credentials": True},
     "insecure-origin-trusted"),
    ({"allow_origins": ["https://*.github.io"], "allow_credentials": True},
     "third-party-origin-trusted"),
    ({"allow_origins": [APP], "allow_origin_regex": r"https://.*\.example\.com"}, "regex-origin"),
]  # fmt: skip


@pytest.mark.parametrize(("options", "kind"), REFUSALS, ids=[k for _, k in REFUSALS])
def test_refusals_name_the_id(options: dict[str, Any], kind: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy(**options)
    assert any(p.endswith(f"[refused: {kind}]") for p in caught.value.problems)
