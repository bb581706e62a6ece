"""Origin parsing and pattern matching, as tables."""

from __future__ import annotations

import pytest

from corsguard.origin import OriginMatcher, parse_origin, parse_origin_pattern


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("http://127.0.0.1", "http://127.0.0.1"),
        ("chrome-extension://abcdefghijklmnop", "chrome-extension://abcdefghijklmnop"),
        ("null", None),
        ("https://App.example.com", None),
        ("HTTPS://app.example.com", None),
        ("https://app.example.com/", None),
        ("https://app.example.com:443", None),
        ("http://app.example.com:80", None),
        ("https://app.example.com:0443", None),
        ("https://app.example.com:70000", None),
        ("https://app.example.com.", None),
        ("https://user@app.example.com", None),
        ("https://app.example.com@evil.com", None),
        ("https://app..example.com", None),
        ("https://[0:0::1]", None),
        ("https://256.1.1.1", None),
        ("https://app.example.com\r\nX: y", None),
        ("https://app.exa mple.com", None),
        ("https://bücher.de", None),
        ("app.example.com", None),
        ("", None),
    ],
)
def test_parse_origin_accepts_only_what_browsers_send(value: str, expected: str | None) -> None:
    parsed = parse_origin(value)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("https://app.example.com", "exact"),
        ("http://localhost:3000", "exact"),
        ("https://*.example.com", "subdomain"),
        ("https://*.example.com:8443", "subdomain"),
        ("http://localhost:*", "port"),
        ("https://myapp-*.preview.example.com", "label"),
        ("https://*-preview.example.com", "label"),
        ("https://myapp-git-*-team.example.com", "label"),
        ("http://[::1]:*", "port"),
    ],
)
def test_valid_patterns(pattern: str, kind: str) -> None:
    assert parse_origin_pattern(pattern).kind == kind


@pytest.mark.parametrize(
    ("pattern", "advice"),
    [
        ("null", "any site can produce it"),
        ("file://", "Origin: null"),
        ("data:text/html", "no scheme"),
        ("app.example.com", "write 'https://app.example.com'"),
        ("https://app.example.com/", "trailing slash"),
        ("https://app.example.com/api", "a path"),
        ("https://app.example.com?x=1", "a query"),
        ("https://app.example.com#top", "a fragment"),
        ("https://App.Example.com", "write 'https://app.example.com'"),
        ("https://app.example.com:443", "write 'https://app.example.com'"),
        ("http://app.example.com:80", "default port 80"),
        ("https://app.example.com:0", "out of range"),
        ("https://app.example.com:65536", "out of range"),
        ("https://app.example.com:https", "must be a number"),
        ("https://app.exa_mple..com", "not a valid host"),
        ("https://-app.example.com", "not a valid host"),
        ("https://app.example.com.", "trailing dot"),
        ("https://*", "needs a domain"),
        ("https://*.com", "top-level domain"),
        ("https://app.*.example.com", "first label"),
        ("https://*.*.example.com", "only one '*'"),
        ("https://ex*ample*.com", "only one '*'"),
        ("https://*.127.0.0.1", "IP address"),
        ("https://*.[::1]", "IP address"),
        ("https://a_*.example.com", "letters, digits and hyphens"),
        ("*", "only entry"),
        ("https://user@app.example.com", "user information"),
        ("wss://app.example.com", "write 'https://app.example.com'"),
        ("https://bücher.example", "xn--bcher-kva"),
        ("https://[0:0:0:0:0:0:0:1]", "write [::1]"),
        ("https://999.1.1.1", "not a valid IPv4"),
        (" https://app.example.com", "whitespace"),
    ],
)
def test_invalid_patterns_say_what_to_write(pattern: str, advice: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_origin_pattern(pattern)
    assert advice in str(info.value)


MATCHER_PATTERNS = [
    "https://app.example.com",
    "https://*.api.example.com",
    "http://localhost:*",
    "https://myapp-*.preview.example.com",
    "https://*-docs.example.org",
    "https://*.wide.example.net:*",
]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://app.example.com", True),
        ("https://v1.api.example.com", True),
        ("https://a.b.api.example.com", True),
        ("https://api.example.com", False),  # the apex of a subdomain pattern
        ("http://v1.api.example.com", False),
        ("https://v1.api.example.com:8443", False),
        ("https://v1api.example.com", False),
        ("https://x.api.example.com.evil.com", False),
        ("http://localhost", True),
        ("http://localhost:5173", True),
        ("https://localhost:5173", False),
        ("http://localhost.evil.com:5173", False),
        ("https://myapp-pr-42.preview.example.com", True),
        ("https://myapp-.preview.example.com", False),  # '*' is one or more characters
        ("https://myapp-a.b.preview.example.com", False),  # never a dot
        ("https://myapp-a_b.preview.example.com", False),
        ("https://xmyapp-1.preview.example.com", False),
        ("https://myapp-1.preview.example.com.evil.com", False),
        ("https://v2-docs.example.org", True),
        ("https://-docs.example.org", False),
        ("https://v2-docs.example.org.evil", False),
        ("https://x.wide.example.net", True),
        ("https://x.wide.example.net:9000", True),
        ("https://wide.example.net", False),
        ("null", False),
        ("", False),
    ],
)
def test_matcher(origin: str, allowed: bool) -> None:
    matcher = OriginMatcher(parse_origin_pattern(p) for p in MATCHER_PATTERNS)
    assert matcher.matches(origin) is allowed


def test_matcher_with_ten_thousand_patterns_still_matches_exactly() -> None:
    patterns = []
    for i in range(2500):
        patterns += [
            f"https://app{i}.example.com",
            f"https://*.tenant{i}.example.com",
            f"https://pr{i}-*.preview.example.com",
            f"https://*-{i}.docs.example.com",
        ]
    matcher = OriginMatcher(parse_origin_pattern(p) for p in patterns)
    assert matcher.matches("https://app2499.example.com")
    assert matcher.matches("https://x.tenant1234.example.com")
    assert matcher.matches("https://pr77-feature.preview.example.com")
    assert matcher.matches("https://v2-1999.docs.example.com")
    assert not matcher.matches("https://app2500.example.com")
    assert not matcher.matches("https://tenant1234.example.com")
    assert not matcher.matches("https://pr2500-x.preview.example.com")
    assert not matcher.matches("https://v2-2500.docs.example.com")


@pytest.mark.parametrize(
    ("pattern", "origin", "allowed"),
    [
        ("http://127.0.0.1:*", "http://127.0.0.1:8000", True),
        ("http://127.0.0.1:*", "http://127.0.0.1", True),
        ("http://127.0.0.1:*", "http://127.0.0.2:8000", False),
        ("http://[::1]:*", "http://[::1]:5173", True),
        ("http://[::1]:*", "http://[::2]:5173", False),
        ("https://*.example.com", "https://1.2.3.4", False),
        ("https://*.example.com", "https://a.example.com:99999", False),
        ("https://*.example.com", "https://a.example.com:443", False),
        ("https://*.example.com", "https://a.example.123", False),
    ],
)
def test_ip_and_port_forms(pattern: str, origin: str, allowed: bool) -> None:
    assert OriginMatcher([parse_origin_pattern(pattern)]).matches(origin) is allowed
