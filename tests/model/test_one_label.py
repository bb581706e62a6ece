"""The one-label origin pattern ``https://+.example.com`` (issue #13): exactly one label of
letters, digits and hyphens directly beneath the domain, never the apex, never deeper.

Matching is the serialised origin only (HTML Standard, "serialization of an origin"), so no
browser is needed for it; the end-to-end test runs the ASGI middleware under uvicorn.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corsguard import Policy, PolicyError, parse_origin_pattern
from corsguard.asgi import CORSMiddleware
from corsguard.check import KIND_LABELS
from corsguard.config import mapping_policy_and_problems
from corsguard.origin import OriginMatcher
from tests.helpers.asgi_calls import RecordingApp
from tests.helpers.servers import serve_asgi

# (pattern, origin, matches)
MATCHES = [
    ("https://+.example.com", "https://app.example.com", True),
    ("https://+.example.com", "https://a.example.com", True),
    ("https://+.example.com", "https://my-app-2.example.com", True),
    ("https://+.example.com", "https://0.example.com", True),
    ("https://+.example.com", "https://xn--bcher-kva.example.com", True),  # IDN, punycode
    ("https://+.example.com", "https://example.com", False),  # never the apex
    ("https://+.example.com", "https://a.b.example.com", False),  # two labels
    ("https://+.example.com", "https://x.y.z.example.com", False),
    ("https://+.example.com", "https://a_b.example.com", False),  # '_' is no site's label
    ("https://+.example.com", "https://-a.example.com", False),  # no browser sends it
    ("https://+.example.com", "https://App.example.com", False),  # browsers lowercase
    ("https://+.example.com", "https://app.EXAMPLE.com", False),
    ("https://+.example.com", "https://bücher.example.com", False),  # not serialised
    ("https://+.example.com", "https://app.example.com:8443", False),  # port not told
    ("https://+.example.com", "http://app.example.com", False),  # scheme
    ("https://+.example.com", "https://appexample.com", False),
    ("https://+.example.com", "https://app.example.com.attacker.test", False),
    ("https://+.example.com", "https://app.example.co", False),
    ("https://+.example.com", "https://.example.com", False),
    ("https://+.example.com", "null", False),
    ("https://+.example.com:*", "https://app.example.com", True),  # ':*' includes no port
    ("https://+.example.com:*", "https://app.example.com:8443", True),
    ("https://+.example.com:*", "https://a.b.example.com:8443", False),
    ("https://+.example.com:8443", "https://app.example.com:8443", True),
    ("https://+.example.com:8443", "https://app.example.com", False),
    ("https://+.example.com:8443", "https://app.example.com:9443", False),
    ("http://+.localhost:*", "http://app.localhost:3000", True),
    ("https://+.api.example.com", "https://v1.api.example.com", True),
    ("https://+.api.example.com", "https://api.example.com", False),
]


@pytest.mark.parametrize(("pattern", "origin", "expected"), MATCHES)
def test_one_label_matching(pattern: str, origin: str, expected: bool) -> None:
    parsed = parse_origin_pattern(pattern)
    assert parsed.kind == "one-label"
    assert parsed.is_wildcard_host
    assert parsed.matches(origin) is expected
    # The same answer from a policy whose matcher also holds other kinds of patterns.
    others = ["https://exact.example.org", "https://*.other.example", "https://p-*.example.net"]
    policy = Policy(allow_origins=[*others, pattern])
    assert policy.allows_origin(origin) is expected


def test_one_label_next_to_a_subdomain_pattern_of_another_domain() -> None:
    matcher = OriginMatcher(
        [parse_origin_pattern("https://+.example.com"), parse_origin_pattern("https://*.b.test")]
    )
    assert matcher.matches("https://x.y.b.test")
    assert matcher.matches("https://x.example.com")
    assert not matcher.matches("https://x.y.example.com")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://+.com", "every site under a top-level domain"),
        ("https://+", "'+' stands only as the whole first label"),
        ("https://a+.example.com", "'+' stands only as the whole first label"),
        ("https://+a.example.com", "'+' stands only as the whole first label"),
        ("https://x.+.example.com", "'+' stands only as the whole first label"),
        ("https://+.+.example.com", "'+' stands only as the whole first label"),
        ("https://+.*.example.com", "'+' stands only as the whole first label"),
        ("https://*.+.example.com", "'+' stands only as the whole first label"),
        ("https://+.127.0.0.1", "IP address"),
        ("https://+.example.com/", "trailing slash"),
        ("https://+.EXAMPLE.com", "uppercase"),
        ("https://+.example.com:0", "out of range"),
        ("https://+.example.com:443", "default port"),
        ("https://+.bücher.example", "punycode"),
        ("https://+.exa mple.com", "whitespace"),
    ],
)
def test_malformed_one_label_patterns_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_origin_pattern(text)
    with pytest.raises(PolicyError):
        Policy(allow_origins=[text])


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        # Directly on a public suffix or hosting platform: every tenant of it.
        ("https://+.vercel.app", "public suffix or shared hosting"),
        ("https://+.github.io", "public suffix or shared hosting"),
        ("https://+.co.uk", "public suffix or shared hosting"),
        ("https://+.compute.amazonaws.com", "public suffix or shared hosting"),  # a '*.' rule
        # s3.amazonaws.com is itself a public suffix one label beneath: anyone's bucket.
        ("https://+.amazonaws.com", "'s3.amazonaws.com'"),
    ],
)
def test_credentialed_one_label_over_a_public_suffix_is_refused(pattern: str, what: str) -> None:
    with pytest.raises(PolicyError, match=re.escape(what)) as caught:
        Policy(allow_origins=[pattern], allow_credentials=True)
    assert "third-party-origin-trusted" in str(caught.value)
    tolerated = Policy(
        allow_origins=[pattern], allow_credentials=True, tolerate_public_suffix_wildcards=True
    )
    assert "third-party-origin-trusted" in {f.id for f in tolerated.findings}


def test_one_label_is_not_refused_for_a_suffix_two_labels_down() -> None:
    # amazoncognito.com has Public Suffix List entries two labels down
    # (auth.<region>.amazoncognito.com) and none one label down: '*.' reaches them, '+.'
    # cannot.
    with pytest.raises(PolicyError, match="third-party-origin-trusted"):
        Policy(allow_origins=["https://*.amazoncognito.com"], allow_credentials=True)
    policy = Policy(allow_origins=["https://+.amazoncognito.com"], allow_credentials=True)
    assert "third-party-origin-trusted" not in {f.id for f in policy.findings}
    assert policy.allows_origin("https://auth.amazoncognito.com")
    assert not policy.allows_origin("https://auth.us-east-1.amazoncognito.com")


def test_one_label_findings_and_check_label(tmp_path: Path) -> None:
    policy = Policy(allow_origins=["https://+.example.com"], allow_credentials=True)
    finding = next(f for f in policy.findings if f.id == "any-subdomain-trusted")
    assert "one label deep" in finding.message
    # The fix for it does not trust every subdomain again.
    assert '+.example.com"' not in finding.fix.split("  #")[0]
    toml = tmp_path / "cors.toml"
    toml.write_text('allow_origins = ["https://+.example.com", "https://*.example.org"]\n')
    shown = subprocess.run(
        [sys.executable, "-m", "corsguard", "check", str(toml)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"https://+.example.com  {KIND_LABELS['one-label']}" in shown.stdout
    assert f"https://*.example.org  {KIND_LABELS['subdomain']}" in shown.stdout
    plain = Policy(allow_origins=["http://+.example.com"], tolerate_insecure_origins=True)
    assert {"insecure-origin-trusted", "any-subdomain-trusted"} <= {f.id for f in plain.findings}


# --- the configuration sources use the same parser -------------------------------------------


def test_env_toml_and_settings_mapping_accept_one_label(tmp_path: Path) -> None:
    env = Policy.from_env(environ={"CORSGUARD_ALLOW_ORIGINS": "https://+.example.com"})
    toml = tmp_path / "cors.toml"
    toml.write_text('allow_origins = ["https://+.example.com:*"]\n')
    from_file = Policy.from_file(toml)
    # The loader corsguard.django and corsguard.flask read their settings dict with.
    mapped, problems = mapping_policy_and_problems(
        {"allow_origins": ["https://+.example.com"]}, "settings.CORSGUARD", toml=False
    )
    assert not problems and mapped is not None
    for policy in (env, from_file, mapped):
        assert policy.allows_origin("https://app.example.com")
        assert not policy.allows_origin("https://a.b.example.com")
        assert not policy.allows_origin("https://example.com")
    bad, problems = mapping_policy_and_problems(
        {"allow_origins": ["https://+.vercel.app"], "allow_credentials": True}, "S", toml=False
    )
    assert bad is None and problems


def test_flask_app_with_one_label() -> None:
    from flask import Flask

    from corsguard.flask import CORSGuard

    app = Flask(__name__)
    app.config["CORSGUARD"] = {"allow_origins": ["https://+.example.com"]}
    CORSGuard(app)

    @app.get("/data")
    def data() -> str:
        return "ok"

    client = app.test_client()
    for origin, allowed in (
        ("https://app.example.com", True),
        ("https://a.b.example.com", False),
        ("https://example.com", False),
    ):
        response = client.get("/data", headers={"Origin": origin})
        assert (response.headers.get("Access-Control-Allow-Origin") == origin) is allowed


# --- end to end through the ASGI middleware under uvicorn ------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("https://app.example.com:8443", True),
        ("https://a.b.example.com", False),
        ("https://example.com", False),
        ("https://app.example.com.attacker.test", False),
    ],
)
def test_asgi_middleware_end_to_end(origin: str, allowed: bool) -> None:
    app = CORSMiddleware(
        RecordingApp(),
        allow_origins=["https://+.example.com:*"],
        allow_methods=["GET", "PUT"],
        allow_credentials=True,
    )
    with serve_asgi(app) as port:
        for method, headers in (
            ("GET", {"Origin": origin}),
            ("OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "PUT"}),
        ):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, "/data", headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            acao = response.getheader("Access-Control-Allow-Origin")
            assert (acao == origin) is allowed, (method, origin, acao)
            if allowed:
                assert response.getheader("Access-Control-Allow-Credentials") == "true"
