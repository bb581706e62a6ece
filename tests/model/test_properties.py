"""Property-based tests: for any input, the engine never raises and never over-grants."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Policy, decide

TRUSTED = ["https://app.example.com", "http://localhost:3000"]
PATTERNS = [
    "https://*.api.example.com",
    "https://myapp-*.preview.example.com",
    "https://+.team.example.com",
]
POLICY = Policy(
    allow_origins=TRUSTED + PATTERNS,
    allow_methods=["GET", "PUT", "patch"],
    allow_headers=["X-Token", "Authorization"],
    allow_credentials=True,
)
WILD = Policy(allow_origins=TRUSTED, allow_methods=["*"], allow_headers=["*"])

# An oracle written independently of corsguard.origin: full-string regexes.
_ORACLE = [
    re.compile(r"https://[a-z0-9_-]+(\.[a-z0-9_-]+)*\.api\.example\.com"),
    re.compile(r"https://myapp-[a-z0-9-]+\.preview\.example\.com"),
    re.compile(r"https://[a-z0-9-]+\.team\.example\.com"),  # one label, no '_'
]


def oracle_allows(origin: str) -> bool:
    if origin in TRUSTED:
        return True
    return any(p.fullmatch(origin) for p in _ORACLE) and ".." not in origin


def mutate(base: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda pre, post, cut: pre + base[:cut] + post,
        st.sampled_from(["", "http://", "https://", " ", "x"]),
        st.sampled_from(["", ".", "/", ":443", ":80", ".evil.com", "x", "%60", "_", "\r\n", "@e"]),
        st.integers(min_value=0, max_value=len(base)),
    )


origins = st.one_of(
    st.sampled_from(
        [*TRUSTED, "null", "https://v1.api.example.com", "https://myapp-pr-1.preview.example.com"]
    ),
    mutate("https://app.example.com"),
    mutate("https://v1.api.example.com"),
    mutate("https://myapp-x.preview.example.com"),
    mutate("https://v1.team.example.com"),
    st.text(max_size=60),
    st.builds(
        lambda label, host: f"https://{label}.{host}",
        st.from_regex(r"[a-z0-9_.-]{0,20}", fullmatch=True),
        st.sampled_from(
            ["api.example.com", "preview.example.com", "team.example.com", "example.com"]
        ),
    ),
)
tokens = st.from_regex(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}", fullmatch=True)
methods = st.one_of(st.sampled_from(["GET", "PUT", "patch", "PATCH", "POST", "DELETE"]), tokens)
header_lists = st.lists(st.one_of(tokens, st.text(max_size=10)), max_size=6).map(",".join)


@settings(max_examples=600, deadline=None)
@given(origins, methods, header_lists, st.sampled_from(["GET", "POST", "OPTIONS", "PUT"]))
def test_never_raises_and_never_grants_an_untrusted_origin(
    origin: str, method: str, requested: str, verb: str
) -> None:
    for policy in (POLICY, WILD):
        lines = [
            (b"origin", origin.encode("utf-8", "surrogatepass")),
            (b"access-control-request-method", method.encode("utf-8", "surrogatepass")),
            (b"access-control-request-headers", requested.encode("utf-8", "surrogatepass")),
            (b"host", b"server.example.net"),
        ]
        decision = decide(policy, verb, "/x", lines, "https")
        granted = [
            v.decode("latin-1") for k, v in decision.headers if k == b"access-control-allow-origin"
        ]
        # Surrounding whitespace is not part of a field value (RFC 9110 §5.5).
        origin = origin.strip(" \t")
        if granted:
            assert granted == [origin]
            assert oracle_allows(origin) if policy is POLICY else origin in TRUSTED
        elif decision.status is None and verb not in ("GET", "OPTIONS"):
            # An untrusted cross-origin write never reaches the app.
            assert oracle_allows(origin) if policy is POLICY else origin in TRUSTED


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.binary(max_size=30), st.binary(max_size=60)), max_size=20),
    st.text(max_size=20),
)
def test_arbitrary_header_lines_never_raise(lines: list[tuple[bytes, bytes]], path: str) -> None:
    for verb in ("GET", "OPTIONS", "POST"):
        decide(POLICY, verb, path, lines, "https")
        decide(POLICY, verb, path, lines, "wss", websocket=True)
