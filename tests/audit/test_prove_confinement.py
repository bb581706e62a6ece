"""What keeps `audit --prove` on the listed targets, without a browser (issue #16, point 7).

The browser side is in tests/audit/test_prove_hostile_chromium.py.
"""

from __future__ import annotations

import asyncio

import pytest

from corsguard.audit.model import Finding, ProbeRequest, ProbeResponse
from corsguard.audit.poc import poc_html
from corsguard.audit.prove import (
    PageOutcome,
    ProofContext,
    ProofPlan,
    attacker_page,
    interpret,
    is_local_address,
    launch_flags,
    page_policy,
    plan_proof,
    target_is_local,
)
from corsguard.findings import Severity

ORIGIN = "https://evil.attacker.test"


def finding(kind: str = "origin-reflected") -> Finding:
    return Finding(
        kind,
        Severity.HIGH,
        ORIGIN,
        True,
        ProbeRequest(kind, "GET", ORIGIN),
        ProbeResponse(200, (("access-control-allow-origin", ORIGIN),)),
        "The header verdict.",
    )


@pytest.mark.parametrize(
    ("url", "policy", "redirect"),
    [
        ("https://api.example.test/v1/me?x=1", "connect-src https://api.example.test", "follow"),
        ("http://127.0.0.1:8080/a", "connect-src http://127.0.0.1:8080", "follow"),
        ("https://API.Example.test:443/", "connect-src https://api.example.test", "follow"),
        # CSP cannot name an IPv6 literal: no redirect is followed at all there.
        ("http://[::1]:8080/", None, "error"),
        ("https://[2001:db8::1]/", None, "error"),
    ],
)
def test_the_attacker_page_may_connect_to_its_target_only(
    url: str, policy: str | None, redirect: str
) -> None:
    assert page_policy(url) == policy
    plan = plan_proof(url, 0, finding())
    assert isinstance(plan, ProofPlan)
    assert plan.fetch.redirect == redirect
    page = attacker_page(plan, 5.0)
    assert f'"redirect": "{redirect}"' in page
    # The PoC page an auditor hosts runs the same fetch.
    assert f'"redirect": "{redirect}"' in (poc_html(url, finding(), 5.0) or "")


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("[::1]", True),
        ("10.0.0.7", True),
        ("172.16.5.4", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata: link-local
        ("fd00::1", True),
        ("fe80::1", True),
        ("localhost", True),
        ("api.localhost", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("api.example.com", None),  # needs DNS
    ],
)
def test_local_addresses(address: str, local: bool | None) -> None:
    assert is_local_address(address) is local


@pytest.mark.parametrize(
    ("url", "resolve", "local"),
    [
        ("http://127.0.0.1:8000/", (), True),
        ("http://localhost:8000/", (), True),
        ("https://8.8.8.8/", (), False),
        ("https://api.example.test:8443/", (("api.example.test", 8443, "127.0.0.1"),), True),
        ("https://api.example.test:8443/", (("*", 8443, "10.1.2.3"),), True),
        ("https://api.example.test:8443/", (("api.example.test", 8443, "8.8.8.8"),), False),
        # A pin for another port does not apply: the public address itself counts.
        ("https://1.1.1.1/", (("1.1.1.1", 8443, "127.0.0.1"),), False),
    ],
)
def test_which_targets_are_local(
    url: str, resolve: tuple[tuple[str, int, str], ...], local: bool
) -> None:
    assert asyncio.run(target_is_local(url, resolve)) is local


def test_local_network_access_checks_are_off_only_for_local_targets() -> None:
    public, local = " ".join(launch_flags(False)), " ".join(launch_flags(True))
    assert "LocalNetworkAccessChecks" not in public
    assert "LocalNetworkAccessChecks" in local
    for flags in (public, local):
        assert flags.count("--disable-features=") == 1  # Chromium reads only one of them
        assert "HttpsUpgrades" in flags


def test_a_redirect_out_of_the_target_is_inconclusive_not_refuted() -> None:
    f = finding()
    plan = plan_proof("http://127.0.0.1:8080/", 0, f)
    assert isinstance(plan, ProofPlan)
    console = (
        "Connecting to 'http://127.0.0.1:9999/steal' violates the following Content Security "
        'Policy directive: "connect-src http://127.0.0.1:8080". The action has been blocked.'
    )
    outcome = PageOutcome.from_script(
        {"pageOrigin": ORIGIN, "read": False, "error": "TypeError: Failed to fetch"}, [console]
    )
    result = interpret(f, plan, outcome, ProofContext("Chromium 156"))
    assert result.proven is None and result.severity is Severity.HIGH
    assert result.proof is not None
    assert "redirected the request to another origin" in result.proof["notes"][0]


def test_what_the_page_read_is_valid_unicode() -> None:
    # JS strings may hold lone surrogates; the target chooses the body, headers and URL.
    outcome = PageOutcome.from_script(
        {
            "pageOrigin": ORIGIN,
            "read": True,
            "status": 200,
            "responseUrl": "http://x.test/\udc9b",
            "headers": [["x-evil", "a\ud800b"]],
            "body": "secret\udcff\x1b]0;owned\x07",
            "error": "\udfff",
        },
        ["console \ud83d"],
    )
    assert outcome.headers == (("x-evil", "a\\ud800b"),)
    assert outcome.body == "secret\\xff\x1b]0;owned\x07"  # the table escapes the rest
    assert outcome.response_url == "http://x.test/\\x9b"
    assert outcome.error == "\\udfff" and outcome.console == ("console \\ud83d",)
