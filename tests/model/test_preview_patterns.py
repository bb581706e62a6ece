"""Within-label patterns for preview deployments, attacked.

`https://myapp-*.preview.example.com` and `https://myapp-git-*-myteam.vercel.app` against
the bypass origins of the foundation issue (corsguard.probes plus hand-written forms), the
public-suffix refusal with credentials (anyone can create a deployment on a hosting
platform whose name ends in a team's own slug), and flat matching with 10,000 patterns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from corsguard import Policy, PolicyError, decide, parse_origin_pattern
from corsguard.probes import SPECIAL_CHARACTERS, bypass_probes, generic_probes, public_suffix_list

PREVIEW = "https://myapp-*.preview.example.com"
VERCEL = "https://myapp-git-*-myteam.vercel.app"

PREVIEW_OK = [
    "https://myapp-pr-42.preview.example.com",
    "https://myapp-1.preview.example.com",
    "https://myapp-feature-login.preview.example.com",
    "https://myapp-" + "a" * 57 + ".preview.example.com",  # a 63-character label
]
VERCEL_OK = [
    "https://myapp-git-main-myteam.vercel.app",
    "https://myapp-git-feature-x-myteam.vercel.app",
    "https://myapp-git-dependabot-npm-and-yarn-myteam.vercel.app",
]


def hostile(trusted: str) -> list[str]:
    """Origins that a sloppy check would take for a preview origin, built around ``trusted``."""
    scheme, host = trusted.split("://")
    first, _, parent = host.partition(".")
    origins = [probe.origin for probe in bypass_probes(trusted)]
    origins += [probe.origin for probe in generic_probes()]
    origins += [
        "null",
        "Null",
        "",
        "*",
        # prefix and suffix forms
        f"{trusted}.attacker.test",
        f"{scheme}://{host}.attacker.test:443",
        f"{scheme}://evil{host}",
        f"{scheme}://evil-{host}",
        f"{scheme}://x.{host}",
        f"{scheme}://{first}.evil.{parent}",
        f"{scheme}://{first}.{parent}.evil.test",
        # unescaped dots and truncations
        f"{scheme}://{first}x{parent}",
        f"{scheme}://{first}.{parent.replace('.', 'x', 1)}",
        f"{scheme}://{host[:-1]}",
        f"{scheme}://{host}m",
        f"{scheme}://{first}.{parent.rsplit('.', 1)[0]}",
        # the wildcard must be one or more of [a-z0-9-], inside one label
        f"{scheme}://{first.split('-')[0]}.{parent}",
        f"{scheme}://{first.split('-')[0]}-.{parent}",
        f"{scheme}://{first}.extra.{parent}",
        f"{scheme}://{first}_x.{parent}",
        f"{scheme}://{first}%2e{parent}",
        f"{scheme}://{first}\u00e4.{parent}",
        f"{scheme}://{first}.{parent}\u3002attacker.test",
        # special characters after the host
        *(f"{trusted}{char}.attacker.test" for char in SPECIAL_CHARACTERS),
        f"{trusted}\\.attacker.test",
        f"{trusted}\x00.attacker.test",
        f"{trusted}\r\n",
        f"{trusted} ",
        f"{trusted}#.attacker.test",
        f"{trusted}?.attacker.test",
        f"{trusted}/",
        f"{trusted}/path",
        # scheme, case, trailing dot, userinfo, ports
        f"http://{host}",
        f"ws://{host}",
        f"wss://{host}",
        f"HTTPS://{host}",
        f"{scheme}://{host.upper()}",
        f"{scheme}://{first.upper()}.{parent}",
        f"{scheme}://{host}.",
        f"{scheme}://user@{host}",
        f"{scheme}://{host}@attacker.test",
        f"{scheme}://{host}:443",
        f"{scheme}://{host}:8443",
        f"{scheme}://{host}:",
        f"{scheme}://{host}:0443",
        # the apex and the parent domains
        f"{scheme}://{parent}",
        f"{scheme}://{parent.split('.', 1)[1]}",
        # over-long label (64 characters)
        f"{scheme}://{first.split('-')[0]}-{'a' * 58}.{parent}",
    ]
    return origins


@pytest.mark.parametrize("trusted", PREVIEW_OK[:2])
def test_preview_pattern_refuses_bypass_origins(trusted: str) -> None:
    policy = Policy(allow_origins=[PREVIEW], allow_credentials=True)
    assert policy.allows_origin(trusted)
    allowed = [origin for origin in hostile(trusted) if policy.allows_origin(origin)]
    assert allowed == []


@pytest.mark.parametrize("trusted", VERCEL_OK[:2])
def test_platform_pattern_refuses_bypass_origins(trusted: str) -> None:
    # Without credentials a wildcard on a public suffix is accepted; it must still be exact
    # about everything but the one label.
    policy = Policy(allow_origins=[VERCEL])
    assert policy.allows_origin(trusted)
    allowed = [origin for origin in hostile(trusted) if policy.allows_origin(origin)]
    assert allowed == []


@pytest.mark.parametrize("origin", PREVIEW_OK)
def test_preview_origins_match(origin: str) -> None:
    assert parse_origin_pattern(PREVIEW).matches(origin)
    assert Policy(allow_origins=[PREVIEW], allow_credentials=True).allows_origin(origin)


def test_engine_with_preview_pattern() -> None:
    policy = Policy(allow_origins=[PREVIEW], allow_credentials=True, allow_methods=["GET", "PUT"])
    trusted = PREVIEW_OK[0]
    good = decide(policy, "PUT", "/api", [(b"origin", trusted.encode())])
    assert dict(good.headers)[b"access-control-allow-origin"] == trusted.encode()
    for origin in hostile(trusted):
        if origin.strip(" \t") == trusted:
            continue  # HTTP field parsing trims spaces and tabs: the browser's origin
        raw = origin.encode("utf-8")
        read = decide(policy, "GET", "/api", [(b"origin", raw)])
        assert b"access-control-allow-origin" not in dict(read.headers), origin
        write = decide(policy, "POST", "/api", [(b"origin", raw)])
        assert write.status == 403 and not write.allowed, origin
        preflight = decide(
            policy,
            "OPTIONS",
            "/api",
            [(b"origin", raw), (b"access-control-request-method", b"PUT")],
        )
        assert preflight.status == 403 and preflight.headers == (), origin


# Names anyone can create on a hosting platform, crafted to fit a team's pattern.
CRAFTED = [
    (VERCEL, "https://myapp-git-evil-myteam.vercel.app"),
    (VERCEL, "https://myapp-git-x-y-myteam.vercel.app"),
    ("https://*-myteam.vercel.app", "https://attacker-myteam.vercel.app"),
    ("https://myapp-*.netlify.app", "https://myapp-attacker.netlify.app"),
    ("https://deploy-preview-*--myapp.netlify.app", "https://deploy-preview-1--myapp.netlify.app"),
    ("https://*.myapp.pages.dev", "https://evil.myapp.pages.dev"),
    ("https://*.pages.dev", "https://myapp-evil.pages.dev"),
    ("https://myapp-*.herokuapp.com", "https://myapp-evil.herokuapp.com"),
    ("https://*.github.io", "https://attacker.github.io"),
    ("https://myteam-*.github.io", "https://myteam-evil.github.io"),
    ("https://myapp-*.web.app", "https://myapp-evil.web.app"),
    ("https://myapp-*.firebaseapp.com", "https://myapp-evil.firebaseapp.com"),
    ("https://myapp-*.azurewebsites.net", "https://myapp-evil.azurewebsites.net"),
    ("https://myapp-*.onrender.com", "https://myapp-evil.onrender.com"),
    ("https://myapp-*.fly.dev", "https://myapp-evil.fly.dev"),
    ("https://myapp-*.up.railway.app", "https://myapp-evil.up.railway.app"),
    ("https://myapp-*.workers.dev", "https://myapp-evil.workers.dev"),
    ("https://myapp-*.gitlab.io", "https://myapp-evil.gitlab.io"),
    ("https://myapp-*.amplifyapp.com", "https://myapp-evil.amplifyapp.com"),
    ("https://myapp-*.s3.amazonaws.com", "https://myapp-evil.s3.amazonaws.com"),
    ("https://*.co.uk", "https://attacker.co.uk"),
    ("https://myshop-*.co.uk", "https://myshop-evil.co.uk"),
    ("https://myapp-*.vercel.app:*", "https://myapp-evil.vercel.app"),
]


@pytest.mark.parametrize(("pattern", "crafted"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_public_suffix_wildcards_refused_with_credentials(pattern: str, crafted: str) -> None:
    suffix = pattern.split("://")[1].split(".", 1)[1].split(":")[0]
    if pattern == "https://*.myapp.pages.dev":
        # myapp.pages.dev is a registrable name: its subdomains belong to its owner.
        policy = Policy(allow_origins=[pattern], allow_credentials=True)
        # Its owner's subdomains: any-subdomain-trusted, as for any domain, not a third party.
        assert [(f.id, f.severity.value) for f in policy.findings] == [
            ("any-subdomain-trusted", "medium")
        ]
        assert policy.allows_origin(crafted)
        return
    assert public_suffix_list().is_public(suffix)
    # The crafted name really matches: the only protection is refusing the pattern.
    assert parse_origin_pattern(pattern).matches(crafted)
    with pytest.raises(PolicyError) as info:
        Policy(allow_origins=["https://app.example.com", pattern], allow_credentials=True)
    (problem,) = info.value.problems
    assert pattern in problem
    assert "public suffix" in problem and repr(suffix) in problem
    assert "anyone can register" in problem
    assert "preview.example.com" in problem  # the safe alternative: a domain the team owns
    assert "tolerate_public_suffix_wildcards=True" in problem
    # The explicit way out, with a warning that `corsguard check` prints.
    tolerated = Policy(
        allow_origins=[pattern], allow_credentials=True, tolerate_public_suffix_wildcards=True
    )
    assert tolerated.allows_origin(crafted)
    assert any(pattern in warning and "public suffix" in warning for warning in tolerated.warnings)
    assert [(f.id, f.severity.value) for f in tolerated.findings] == [
        ("third-party-origin-trusted", "high")
    ]
    # Without credentials nothing private can be read through it: accepted, with the finding
    # lint and audit give an anonymous read by anyone's page.
    anonymous = Policy(allow_origins=[pattern])
    assert anonymous.allows_origin(crafted)
    assert [(f.id, f.severity.value) for f in anonymous.findings] == [
        ("third-party-origin-trusted", "medium")
    ]


OWNED = [
    "https://myapp-*.preview.example.com",
    "https://*.preview.example.com",
    "https://myapp-git-*-myteam.previews.example.co.uk",
    "https://myapp-*.myteam.vercel.app",
    "http://myapp-*.localhost:*",
]


@pytest.mark.parametrize("pattern", OWNED)
def test_patterns_on_owned_domains_accepted_with_credentials(pattern: str) -> None:
    policy = Policy(allow_origins=[pattern], allow_credentials=True)
    # Accepted; never a third party's. What remains is the pattern's own kind of risk, with
    # the id lint and audit give it (issue #11): any subdomain, or a localhost origin.
    kind = parse_origin_pattern(pattern)
    risk = (
        "localhost-trusted"
        if kind.is_loopback
        else "any-subdomain-trusted"
        if kind.kind == "subdomain"
        else None
    )
    assert [f.id for f in policy.findings] == ([risk] if risk else [])


INVALID_PATTERNS = [
    ("https://myapp-**.preview.example.com", "only one '*'"),
    ("https://myapp-*.*.example.com", "only one '*'"),
    ("https://preview.myapp-*.example.com", "first label"),
    ("https://myapp_*.preview.example.com", "letters, digits and hyphens"),
    ("https://myapp-*", "a wildcard needs a domain after it"),
    ("https://myapp-*.com", "would match every site under a top-level domain"),
    # The pattern as written is named, not '*.ck'.
    ("https://x-*.ck", "'x-*.ck' would match every site under a top-level domain ('ck')"),
    ("https://MYAPP-*.preview.example.com", "uppercase"),
    ("https://myapp-*.preview.example.com/", "trailing slash"),
    ("https://myapp-*.preview.example.com.", "trailing dot"),
    ("myapp-*.preview.example.com", "has no scheme"),
    ("https://" + "a" * 63 + "*.preview.example.com", "at most 63"),
    ("https://myapp-*.1.2.3", "IP address"),
]


@pytest.mark.parametrize(("pattern", "message"), INVALID_PATTERNS)
def test_invalid_patterns(pattern: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_origin_pattern(pattern)
    assert message in str(info.value)


# ------------------------------------------------------------------ 10,000 patterns


def _count_lines(call: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``call`` and count the Python lines it executes (all modules)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        result = call()
    finally:
        sys.settrace(None)
    return result, count


def _patterns(n: int) -> list[str]:
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(f"https://site{i}.example.com")
        elif kind == 1:
            out.append(f"https://*.tenant{i}.example.com")
        elif kind == 2:
            out.append(f"https://app{i}-*.preview.example.com")
        else:
            out.append(f"https://*-team{i}.preview.example.net")
    return out


# (origin, expected) for patterns 9996..9999, which both policies below contain.
PROBES = [
    ("https://site9996.example.com", True),
    ("https://a.b.tenant9997.example.com", True),
    ("https://tenant9997.example.com", False),
    ("https://app9998-pr-1.preview.example.com", True),
    ("https://app9998-.preview.example.com", False),
    ("https://x-app9998-pr-1.preview.example.com", False),
    ("https://feature-branch-team9999.preview.example.net", True),
    ("https://team9999.preview.example.net", False),
    ("https://app12345-pr-1.preview.example.com", False),
    ("https://evil.attacker.test", False),
    ("https://app9998-pr-1.preview.example.com.attacker.test", False),
]


def test_matching_stays_flat_with_10000_patterns() -> None:
    big = _patterns(10_000)
    small = big[:6] + big[-4:]
    policies = {size: Policy(allow_origins=p) for size, p in ((10, small), (10_000, big))}
    # Every one of the 10,000 patterns works...
    large = policies[10_000]
    for i in range(0, 10_000, 4):
        assert large.allows_origin(f"https://site{i}.example.com")
        assert large.allows_origin(f"https://x.tenant{i + 1}.example.com")
        assert large.allows_origin(f"https://app{i + 2}-z.preview.example.com")
        assert large.allows_origin(f"https://z-team{i + 3}.preview.example.net")
        assert not large.allows_origin(f"https://app{i + 2}.preview.example.com")
    # ...and a match does the same work whatever the number of patterns. A scan over the
    # patterns would execute at least one line per pattern, i.e. thousands more.
    for origin, expected in PROBES:
        result_small, lines_small = _count_lines(lambda o=origin: policies[10].allows_origin(o))
        result_big, lines_big = _count_lines(lambda o=origin: large.allows_origin(o))
        assert result_small is expected and result_big is expected, origin
        assert lines_small > 0
        assert lines_big <= lines_small + 10, (origin, lines_small, lines_big)
