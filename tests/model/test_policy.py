"""Policy validation: every refused configuration, as a table, and what it says to do."""

from __future__ import annotations

from typing import Any

import pytest

from corsguard import Policy, PolicyError

APP = "https://app.example.com"


@pytest.mark.parametrize(
    ("options", "advice"),
    [
        ({"allow_origins": []}, "allow_origins is empty"),
        ({"allow_origins": APP}, "not a single string"),
        ({"allow_origins": ["null"]}, "any site can produce it"),
        ({"allow_origins": ["file://"]}, "Origin: null"),
        ({"allow_origins": ["app.example.com"]}, "no scheme"),
        ({"allow_origins": [APP + "/"]}, "trailing slash"),
        ({"allow_origins": [APP + "/api"]}, "a path"),
        ({"allow_origins": [APP + "?q"]}, "a query"),
        ({"allow_origins": [APP + "#f"]}, "a fragment"),
        ({"allow_origins": ["https://App.example.com"]}, "uppercase"),
        ({"allow_origins": [APP + ":443"]}, "default port 443"),
        ({"allow_origins": ["http://app.example.com:80"]}, "default port 80"),
        ({"allow_origins": ["https://app..example.com"]}, "not a valid host"),
        ({"allow_origins": [APP + ":0"]}, "out of range"),
        ({"allow_origins": [APP + ":65536"]}, "out of range"),
        ({"allow_origins": ["https://app.*.example.com"]}, "first label"),
        ({"allow_origins": ["https://*example.com*"]}, "only one '*'"),
        ({"allow_origins": ["https://*.10.0.0.1"]}, "IP address"),
        ({"allow_origins": ["*", APP]}, "mixes '*'"),
        ({"allow_origins": [APP, 42]}, "42 is not a string"),
        (
            {"allow_origins": ["*"], "allow_credentials": True},
            "browsers refuse '*' with credentials",
        ),
        (
            {"allow_origins": ["http://app.example.com"], "allow_credentials": True},
            "tolerate_insecure_origins",
        ),
        (
            {"allow_origins": ["https://*.github.io"], "allow_credentials": True},
            "directly on 'github.io', a public suffix",
        ),
        (
            {"allow_origins": ["https://*.co.uk"], "allow_credentials": True},
            "directly on 'co.uk', a public suffix",
        ),
        (
            {"allow_origins": ["https://myapp-*.vercel.app"], "allow_credentials": True},
            "domain you own",
        ),
        (
            {"allow_origins": [APP], "allow_credentials": True, "expose_headers": ["*"]},
            "expose_headers=['*'] with allow_credentials=True",
        ),
        (
            {"allow_origins": ["https://*.glitch.me"], "allow_credentials": True},
            "directly on 'glitch.me', a public suffix",
        ),
        (
            {"allow_origins": ["https://myapp-*.jsfiddle.net"], "allow_credentials": True},
            "domain you own",
        ),
        (
            {"allow_origins": [APP], "allow_origin_regex": r"https://.*\.vercel\.app"},
            "every tenant of a public hosting platform",
        ),
        ({"allow_origins": [APP], "allow_credentials": "true"}, "True or False"),
        ({"allow_origins": [APP], "allow_methods": ["GET POST"]}, "not an HTTP method"),
        ({"allow_origins": [APP], "allow_methods": ["CONNECT"]}, "forbidden method"),
        ({"allow_origins": [APP], "allow_methods": ["trace"]}, "forbidden method"),
        ({"allow_origins": [APP], "allow_methods": ["TRACK"]}, "forbidden method"),
        ({"allow_origins": [APP], "allow_methods": "GET"}, "not a single string"),
        ({"allow_origins": [APP], "allow_headers": ["X Token"]}, "not a header name"),
        ({"allow_origins": [APP], "allow_headers": ["Cookie"]}, "forbidden request header"),
        ({"allow_origins": [APP], "allow_headers": ["Host"]}, "forbidden request header"),
        ({"allow_origins": [APP], "allow_headers": ["Origin"]}, "forbidden request header"),
        ({"allow_origins": [APP], "allow_headers": ["Sec-Fetch-Site"]}, "forbidden request"),
        ({"allow_origins": [APP], "allow_headers": ["Proxy-Authorization"]}, "forbidden request"),
        ({"allow_origins": [APP], "allow_headers": ["Content-Length"]}, "forbidden request"),
        ({"allow_origins": [APP], "expose_headers": ["Set-Cookie"]}, "never be read"),
        ({"allow_origins": [APP], "expose_headers": ["set-cookie2"]}, "never be read"),
        ({"allow_origins": [APP], "expose_headers": ["X Y"]}, "not a header name"),
        ({"allow_origins": [APP], "max_age": -1}, "outside 0..86400"),
        ({"allow_origins": [APP], "max_age": 86401}, "outside 0..86400"),
        ({"allow_origins": [APP], "max_age": "600"}, "whole number"),
        ({"allow_origins": [APP], "max_age": True}, "whole number"),
        ({"allow_origins": [APP], "allow_origin": [APP]}, "did you mean 'allow_origins'"),
        ({"allow_origins": [APP], "allow_credential": True}, "did you mean 'allow_credentials'"),
        (
            {"allow_origins": [APP], "allow_origin_regex": r"https://.*\.example\.com"},
            "allow_origins=['https://*.example.com']",
        ),
        ({"allow_origin_regex": r"^https://(foo|bar)\.com$"}, "not accepted"),
        ({"allow_origins": [APP], "routes": {"api": Policy(allow_origins=[APP])}}, "start"),
        ({"allow_origins": [APP], "routes": {"/a/../b": Policy(allow_origins=[APP])}}, "'..'"),
        ({"allow_origins": [APP], "routes": {"/a": {"allow_origins": [APP]}}}, "must be a"),
        ({"allow_origins": [APP], "write_protection_exempt_paths": ["hooks"]}, "start"),
        ({"allow_origins": [APP], "on_reject": "log"}, "callable"),
    ],
)
def test_refused_configurations(options: dict[str, Any], advice: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(**options)
    assert advice in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            allow_origins=["null", "https://App.com", "*"],
            allow_credentials=True,
            allow_methods=["TRACE"],
            allow_headers=["Cookie"],
            expose_headers=["Set-Cookie"],
            max_age=10**6,
        )
    assert len(info.value.problems) == 8
    assert str(info.value).count("\n  - ") == 8


@pytest.mark.parametrize(
    "options",
    [
        {"allow_origins": ["*"]},
        {"allow_origins": [APP, "http://localhost:3000"], "allow_credentials": True},
        {
            "allow_origins": ["http://localhost:*", "http://127.0.0.1:8000"],
            "allow_credentials": True,
        },
        {"allow_origins": ["http://[::1]:5173"], "allow_credentials": True},
        {"allow_origins": ["https://*.example.com"], "allow_credentials": True},
        {"allow_origins": ["https://myapp-*.preview.example.com"], "allow_credentials": True},
        {"allow_origins": ["https://*.github.io"]},  # public data, no credentials
        {
            "allow_origins": ["https://*.github.io"],
            "allow_credentials": True,
            "tolerate_public_suffix_wildcards": True,
        },
        {
            "allow_origins": ["http://intranet.example.com"],
            "allow_credentials": True,
            "tolerate_insecure_origins": True,
        },
        {"allow_origins": [APP], "allow_methods": ["*"], "allow_headers": ["*"], "max_age": 0},
        {"allow_origins": ["https://vercel.app:*"], "allow_credentials": True},  # one host
        {"allow_origins": [APP], "allow_methods": ["GET", "PATCH", "delete"], "max_age": 86400},
        {"allow_origins": ["chrome-extension://abcdefghijklmnopabcdefghijklmnop"]},
        {"allow_origins": ["*"], "expose_headers": ["*"]},
    ],
)
def test_accepted_configurations(options: dict[str, Any]) -> None:
    policy = Policy(**options)
    assert policy.allow_origins == tuple(options["allow_origins"])


def test_policy_is_immutable() -> None:
    policy = Policy(allow_origins=[APP], routes={"/public": Policy(allow_origins=["*"])})
    with pytest.raises(AttributeError):
        policy.allow_credentials = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.routes["/x"] = policy  # type: ignore[index]
    origins = [APP]
    policy = Policy(allow_origins=origins)
    origins.append("https://evil.com")
    assert not policy.allows_origin("https://evil.com")


def test_normalised_methods_and_warnings() -> None:
    policy = Policy(allow_origins=[APP], allow_methods=["delete", "patch"], allow_headers=["*"])
    assert policy.allow_methods == ("DELETE", "patch")
    assert any("'patch' matches only" in w for w in policy.warnings)
    assert any("does not cover Authorization" in w for w in policy.warnings)


def test_middleware_refuses_policy_and_options_together() -> None:
    from corsguard.asgi import CORSMiddleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        pass

    with pytest.raises(TypeError, match="either policy"):
        CORSMiddleware(app, policy=Policy(allow_origins=[APP]), allow_credentials=True)
    with pytest.raises(PolicyError):
        CORSMiddleware(app, allow_origins=["*"], allow_credentials=True)


# A regex pasted into allow_origin_regex: the advice proposes patterns only when they
# trust exactly the origins the regex matches (corsguard.origin_regex), never more.
REGEX_ADVICE = [
    (r"https://.*\.example\.com", "write allow_origins=['https://*.example.com'] instead"),
    (
        r"^https?://(www\.)?example\.com$",
        "write allow_origins=['http://example.com', 'http://www.example.com', "
        "'https://example.com', 'https://www.example.com'] instead",
    ),
    # One label only: the one-label form ('*.example.com' would also trust a.b.example.com).
    (r"^https://[a-z0-9-]+\.example\.com$", "write allow_origins=['https://+.example.com']"),
    # One label without hyphens: '+.example.com' would add them; no pattern is proposed.
    (r"^https://\w+\.example\.com$", "list exact origins or patterns"),
    # Part of it cannot be a pattern ('*.evil' spans a top-level domain).
    (r"https://example\.com|https://.*\.evil", "list exact origins or patterns"),
    (r"https://(?=x).*", "list exact origins or patterns"),
]


@pytest.mark.parametrize(("regex", "advice"), REGEX_ADVICE)
def test_regex_advice_never_widens_trust(regex: str, advice: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(allow_origins=[APP], allow_origin_regex=regex)
    (text,) = info.value.problems
    assert advice in text
    if "list exact origins" in advice:
        assert "write allow_origins" not in text
