"""Origin regexes to corsguard patterns: exact when possible, never wider, every gap said.

Each case is checked two ways: the expected patterns (a table), and the real regex (with
the library's matching: Starlette ``fullmatch``, flask-cors/django ``re.match``) against
corsguard's real matcher on a pool of browser origins, both the intended ones and the
bypasses the audit probes send. A translation marked exact must agree on every origin of
the pool; any translation must never trust an origin the regex refused.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsguard import Policy
from corsguard.migrate.regex import translate_regex
from corsguard.origin import parse_origin

HOSTS = [
    "example.com",
    "app.example.com",
    "admin.example.com",
    "a.b.example.com",
    "a_b.example.com",
    "evilexample.com",
    "example.com.attacker.example",
    "app.example.com.attacker.example",
    "example.community",
    "myapp-pr-1.preview.example.com",
    "myapp-.preview.example.com",
    "myapp-x_y.preview.example.com",
    "myapp-a.b.preview.example.com",
    "evilmyapp-1.preview.example.com",
    "preview.example.com",
    "localhost",
    "127.0.0.1",
    "localhost.attacker.example",
    "x.vercel.app",
    "myapp-x.vercel.app",
    "www.example.com",
    "wwwexample.com",
    "app.localhost",
    "app.preview.example.com",
    "a-b.example.com",
    "attacker.example",
]
PORTS = ["", ":3000", ":8443"]
POOL = [
    f"{scheme}://{host}{port}" for scheme in ("https", "http") for host in HOSTS for port in PORTS
]


def regex_allows(regex: str, mode: str, origin: str, ignore_case: bool = False) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    compiled = re.compile(regex, flags)
    return bool(compiled.fullmatch(origin) if mode == "fullmatch" else compiled.match(origin))


# (regex, mode, expected patterns, exact)
CASES = [
    (r"https://.*\.example\.com", "fullmatch", ["https://*.example.com"], True),
    (r"^https://.*\.example\.com$", "match", ["https://*.example.com"], True),
    (r"^https://.+\.example\.com$", "match", ["https://*.example.com"], True),
    # Unanchored with re.match: also trusted example.com.attacker.example; narrowed.
    (r"^https://.*\.example\.com", "match", ["https://*.example.com"], False),
    (r"https://app\.example\.com", "match", ["https://app.example.com"], False),
    (r"https://app\.example\.com", "fullmatch", ["https://app.example.com"], True),
    # One label only (issue #13): corsguard's one-label form, never *. (a.b.example.com).
    (r"^https://[a-z0-9-]+\.example\.com$", "match", ["https://+.example.com"], True),
    (r"https://[a-z0-9-]+\.example\.com", "fullmatch", ["https://+.example.com"], True),
    (r"(?i)^https://[A-Z0-9-]+\.example\.com$", "match", ["https://+.example.com"], True),
    (r"^https://[-a-z0-9]{1,63}\.example\.com$", "match", ["https://+.example.com"], True),
    (r"^https?://[a-z0-9-]+\.example\.com$", "match",
     ["http://+.example.com", "https://+.example.com"], True),
    (r"^https://[a-z0-9-]+\.example\.com(:\d+)?$", "match", ["https://+.example.com:*"], True),
    (r"^https://([a-z0-9-]+\.)?example\.com$", "match",
     ["https://example.com", "https://+.example.com"], True),
    # Wider label classes ('_', any non-dot): narrowed to '+.', which never admits '_'.
    (r"https://[^.]+\.example\.com", "fullmatch", ["https://+.example.com"], False),
    (r"https://[\w-]+\.example\.com", "fullmatch", ["https://+.example.com"], False),
    # Narrower label classes: '+.' would add hyphens, digits or long labels: nothing kept.
    (r"https://\w+\.example\.com", "fullmatch", [], False),
    (r"https://[a-z]+\.example\.com", "fullmatch", [], False),
    (r"https://[a-z0-9-]{1,20}\.example\.com", "fullmatch", [], False),
    (r"https://[a-z0-9-]{2,}\.example\.com", "fullmatch", [], False),
    # Deeper names admitted: the any-depth form.
    (r"^https://.+\.example\.com$", "fullmatch", ["https://*.example.com"], True),
    (r"^https://[a-z0-9.-]+\.example\.com$", "fullmatch", [], False),
    # One label on a hosting platform: anyone's, refused.
    (r"^https://[a-z]+\.netlify\.app$", "match", [], False),
    (r"^https://[a-z0-9-]+\.vercel\.app$", "match", [], False),
    # s3.amazonaws.com, one label down, is a public suffix: '+.amazonaws.com' is refused.
    (r"^https://[a-z0-9-]+\.amazonaws\.com$", "match", [], False),
    # Within one label: corsguard's * is exactly [a-z0-9-]+.
    (
        r"https://myapp-[a-z0-9-]+\.preview\.example\.com",
        "fullmatch",
        ["https://myapp-*.preview.example.com"],
        True,
    ),
    (
        r"^https://myapp-[A-Za-z0-9-]+\.preview\.example\.com$",
        "match",
        ["https://myapp-*.preview.example.com"],
        True,
    ),
    # Narrower class: corsguard's * would also admit hyphens.
    (r"https://myapp-[a-z0-9]+\.preview\.example\.com", "fullmatch", [], False),
    # Wider class (dots, underscores): narrowed to the one-label form.
    (
        r"https://myapp-.*\.preview\.example\.com",
        "fullmatch",
        ["https://myapp-*.preview.example.com"],
        False,
    ),
    (
        r"https://myapp-[\w-]+\.preview\.example\.com",
        "fullmatch",
        ["https://myapp-*.preview.example.com"],
        False,
    ),
    # Ports: corsguard's :* also matches no port, so it needs the optional form.
    (r"http://localhost(:\d+)?", "fullmatch", ["http://localhost:*"], True),
    (r"^http://localhost(:[0-9]+)?$", "match", ["http://localhost:*"], True),
    (r"http://localhost:\d+", "fullmatch", [], False),
    (r"http://localhost:3000", "fullmatch", ["http://localhost:3000"], True),
    (r"http://localhost:\d{4}", "fullmatch", [], False),
    # Alternations and optional parts spelled out.
    (
        r"^https?://(app|admin)\.example\.com$",
        "match",
        [
            "http://app.example.com",
            "http://admin.example.com",
            "https://app.example.com",
            "https://admin.example.com",
        ],
        True,
    ),
    (r"https://(www\.)?example\.com", "fullmatch",
     ["https://example.com", "https://www.example.com"], True),
    (r"^https://app\.example\.com$|^https://admin\.example\.com$", "match",
     ["https://app.example.com", "https://admin.example.com"], True),
    # No dot before the domain: also evilexample.com; narrowed to the domain and below.
    (r"https://.*example\.com", "fullmatch",
     ["https://*.example.com", "https://example.com"], False),
    # Matches everything https: nothing kept.
    (r"https://.*", "fullmatch", [], False),
    (r"https://.*", "match", [], False),
    # Unsupported constructs and flask-cors glob confusion.
    (r"https://(?=a)app\.example\.com", "fullmatch", [], False),
    (r"https://*.example.com", "match", [], False),
    (r"https://([a-z]+\.)*example\.com", "fullmatch", [], False),
    # Uppercase never matches what browsers send (case-sensitive).
    (r"https://App\.example\.com", "fullmatch", [], True),
    # Unescaped dots: app.example.com, plus appxexample.com etc.: narrowed? no pattern
    # says "any character" in a fixed position, so they are only kept when exact.
    (r"https://app.example.com", "fullmatch", [], False),
]  # fmt: skip


@pytest.mark.parametrize(("regex", "mode", "patterns", "exact"), CASES)
def test_translation_table(regex: str, mode: str, patterns: list[str], exact: bool) -> None:
    result = translate_regex(regex, mode)  # type: ignore[arg-type]
    assert result.patterns == patterns, result.notes
    assert result.exact is exact, result.notes
    if not exact:
        assert result.notes, "every difference is explained"


@pytest.mark.parametrize(("regex", "mode", "patterns", "exact"), CASES)
def test_never_wider_and_exact_when_said(
    regex: str, mode: str, patterns: list[str], exact: bool
) -> None:
    result = translate_regex(regex, mode)  # type: ignore[arg-type]
    if not result.patterns:
        return
    policy = Policy(allow_origins=result.patterns)
    for origin in POOL:
        ours = policy.allows_origin(origin)
        theirs = regex_allows(regex, mode, origin)
        assert not (ours and not theirs), f"{origin} trusted by {result.patterns}, not by {regex}"
        # Exact over the origins corsguard reads as a browser's (parse_origin): it never
        # matches a label that ends in "-", whatever the pattern.
        if result.exact and parse_origin(origin) is not None:
            assert ours == theirs, f"{origin}: {result.patterns} vs {regex}"


def test_ignore_case_reads_classes_as_flask_cors_does() -> None:
    # flask-cors compiles origins with IGNORECASE: [A-Z0-9-]+ then covers [a-z0-9-]+.
    regex = r"https://myapp-[A-Z0-9-]+\.preview\.example\.com"
    assert translate_regex(regex, "match", ignore_case=False).patterns == []
    assert translate_regex(regex, "fullmatch", ignore_case=True).patterns == [
        "https://myapp-*.preview.example.com"
    ]


def test_one_label_note_says_what_to_decide() -> None:
    # A narrower one-label class: no pattern is written, the note names '+.' to decide on.
    notes = translate_regex(r"^https://\w+\.example\.com$", "match").notes
    assert any("'-'" in n and "'+.example.com'" in n for n in notes), notes
    assert all("*.example.com" not in n for n in notes)
    # Never a suggestion to trust a whole hosting platform.
    notes = translate_regex(r"^https://[a-z0-9-]+\.netlify\.app$", "match").notes
    assert notes and all("*.netlify.app" not in n for n in notes)
    assert any("public hosting platform" in n for n in notes)


def test_hostile_regexes_end_in_a_note_not_an_exception() -> None:
    for regex in ["(", "[a-", "a{2,1}", "\\", "(" * 500 + ")" * 500, "x" * 5000, "(a|b)" * 40]:
        result = translate_regex(regex, "fullmatch")
        assert result.patterns == []
        assert result.notes


# Regexes as people write them, assembled from their usual parts.
_PARTS = [
    ["", "^"],
    ["https://", "http://", "https?://", "(https|http)://"],
    ["", "app", "myapp-", "(app|admin)", "(www\\.)?"],
    [
        "",
        ".*",
        ".+",
        "[a-z0-9-]+",
        "[a-z]+",
        "[^.]+",
        "\\w+",
        "[a-z0-9_-]+",
        "[-a-z0-9]{1,63}",
        "[a-z0-9-]*",
        "[\\w.-]+",
        "[A-Z0-9-]+",
    ],
    ["\\.", ".", ""],
    ["example\\.com", "preview\\.example\\.com", "vercel\\.app", "localhost"],
    ["", "(:\\d+)?", ":\\d+", ":3000", ":[0-9]{4}"],
    ["", "$", ".*", "/?"],
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.tuples(*(st.sampled_from(options) for options in _PARTS)),
    mode=st.sampled_from(["fullmatch", "match"]),
    ignore_case=st.booleans(),
)
def test_generated_regexes_are_never_widened(
    parts: tuple[str, ...], mode: str, ignore_case: bool
) -> None:
    regex = "".join(parts)
    result = translate_regex(regex, mode, ignore_case=ignore_case)  # type: ignore[arg-type]
    assert result.exact or result.notes
    if not result.patterns:
        return
    policy = Policy(allow_origins=result.patterns)
    for origin in POOL:
        ours = policy.allows_origin(origin)
        theirs = regex_allows(regex, mode, origin, ignore_case)
        assert not (ours and not theirs), f"{origin}: {result.patterns} wider than {regex}"
        if result.exact and parse_origin(origin) is not None:
            assert ours == theirs, f"{origin}: {result.patterns} not exactly {regex}"
