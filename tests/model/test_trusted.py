"""corsguard.trusted: the one classifier of a trusted origin or pattern (issue #11).

check (Policy.findings), lint (an allowlist entry) and audit (--origin) name the same
configuration with the same ids because they all ask this module; the table holds its rules,
and the agreement of its two entry points (a validated pattern, a lenient origin from source).
"""

from __future__ import annotations

import pytest

from corsguard.origin import parse_origin_pattern
from corsguard.trusted import classify_origin, classify_pattern

CASES: list[tuple[str, tuple[str, ...], str | None]] = [
    ("https://app.example.com", (), None),
    ("https://myapp-*.preview.example.com", (), None),
    ("http://localhost:3000", ("localhost-trusted",), None),
    ("http://localhost:*", ("localhost-trusted",), None),
    ("http://127.0.0.1:8000", ("localhost-trusted",), None),
    ("http://[::1]", ("localhost-trusted",), None),
    ("http://*.localhost", ("localhost-trusted",), None),
    # A host that merely starts with 127. is no loopback address.
    ("http://127.example.com", ("insecure-origin-trusted",), None),
    ("http://app.example.com", ("insecure-origin-trusted",), None),
    ("https://*.example.com", ("any-subdomain-trusted",), None),
    ("http://*.example.com", ("insecure-origin-trusted", "any-subdomain-trusted"), None),
    ("https://myorg.github.io", ("third-party-origin-trusted",), "github.io"),
    (
        "http://myorg.github.io",
        ("third-party-origin-trusted", "insecure-origin-trusted"),
        "github.io",
    ),
    ("https://*.vercel.app", ("third-party-origin-trusted",), "vercel.app"),
    ("https://myapp-*.vercel.app", ("third-party-origin-trusted",), "vercel.app"),
    # '*.' reaches beneath into a public suffix (s3.amazonaws.com: anyone makes a bucket).
    ("https://*.amazonaws.com", ("third-party-origin-trusted",), "s3.amazonaws.com"),
    # A public suffix's own origin: path-style S3 serves anyone's bucket there.
    ("https://s3.amazonaws.com", ("third-party-origin-trusted",), "s3.amazonaws.com"),
    ("https://github.io", ("third-party-origin-trusted",), "github.io"),
    ("https://co.uk", ("third-party-origin-trusted",), "co.uk"),
    # Only listed entries: the list's default rule would make every intranet name public.
    ("https://intranet", (), None),
    ("https://app.internal", (), None),
    ("https://amazonaws.com", (), None),
]


@pytest.mark.parametrize(("text", "ids", "platform"), CASES, ids=[c[0] for c in CASES])
def test_classify_pattern(text: str, ids: tuple[str, ...], platform: str | None) -> None:
    found = classify_pattern(parse_origin_pattern(text))
    assert found.ids == ids
    if platform != "s3.amazonaws.com" or "*" not in text:
        # (beneath a '*.' pattern: the shortest entry, whichever the list has)
        assert found.platform == platform
    else:
        assert found.platform is not None and found.platform.endswith(".amazonaws.com")


@pytest.mark.parametrize(
    ("text", "ids"), [(t, i) for t, i, _ in CASES if "*" not in t], ids=lambda x: str(x)
)
def test_an_exact_origin_from_source_is_classified_like_the_pattern(
    text: str, ids: tuple[str, ...]
) -> None:
    assert classify_origin(text).ids == ids
    assert classify_origin(text.upper()).ids == ids  # lint reads source text as written


@pytest.mark.parametrize(
    ("text", "ids"),
    [("null", ("null-origin-trusted",)), ("", ()), ("app.example.com", ()), ("https://", ())],
)
def test_lenient_origins(text: str, ids: tuple[str, ...]) -> None:
    assert classify_origin(text).ids == ids
