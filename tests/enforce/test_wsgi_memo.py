"""The WSGI middleware's memo of pass-through decisions never changes an answer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Policy
from corsguard.wsgi import _MEMO_SIZE, CORSMiddleware

POLICY = Policy(
    allow_origins=["https://app.example.com", "https://*.api.example.com"],
    allow_methods=["GET", "PUT"],
    allow_credentials=True,
    expose_headers=["X-Id"],
)


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response(
        "200 OK",
        [("Content-Type", "text/plain"), ("Vary", "Cookie"), ("Access-Control-Allow-Origin", "*")],
    )
    return [b"ok"]


def call(middleware: CORSMiddleware, request: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers))
        return lambda data: None

    environ = {"PATH_INFO": "/x", "wsgi.url_scheme": "https", **request}
    list(middleware(environ, start_response))
    return seen[0]


requests = st.fixed_dictionaries(
    {"REQUEST_METHOD": st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"])},
    optional={
        "HTTP_ORIGIN": st.sampled_from(
            ["https://app.example.com", "https://x.api.example.com", "https://evil.example",
             "null", "https://api.example.com", "https://app.example.com, https://evil.example"]
        ),
        "HTTP_SEC_FETCH_SITE": st.sampled_from(["same-origin", "same-site", "cross-site", "none"]),
        "HTTP_HOST": st.sampled_from(["api.example.com", "api.example.com:443", "other.example"]),
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": st.sampled_from(["PUT", "PATCH"]),
    },
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(requests, min_size=1, max_size=30))
def test_a_warm_memo_answers_as_the_engine_does(sequence: list[dict[str, str]]) -> None:
    warm = CORSMiddleware(app, policy=POLICY)
    for request in sequence:
        assert call(warm, request) == call(CORSMiddleware(app, policy=POLICY), request)


SELF = "https://api.example.com"


@pytest.mark.parametrize(
    "sequence",
    [
        # The same Origin is the server's own for one Host and a stranger for another.
        [
            {"REQUEST_METHOD": "POST", "HTTP_ORIGIN": SELF, "HTTP_HOST": "api.example.com"},
            {"REQUEST_METHOD": "POST", "HTTP_ORIGIN": SELF, "HTTP_HOST": "other.example"},
        ],
        # Sec-Fetch-Site alone turns a write away.
        [
            {"REQUEST_METHOD": "DELETE"},
            {"REQUEST_METHOD": "DELETE", "HTTP_SEC_FETCH_SITE": "cross-site"},
        ],
        # A granted GET must not grant a PUT, nor an untrusted origin.
        [
            {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://app.example.com"},
            {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://evil.example"},
            {"REQUEST_METHOD": "PUT", "HTTP_ORIGIN": "https://evil.example"},
        ],
        # OPTIONS without, then with, a requested method: the second is a preflight.
        [
            {"REQUEST_METHOD": "OPTIONS", "HTTP_ORIGIN": "https://evil.example"},
            {
                "REQUEST_METHOD": "OPTIONS",
                "HTTP_ORIGIN": "https://evil.example",
                "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
            },
        ],
    ],
)
def test_sequences_that_a_careless_memo_would_get_wrong(sequence: list[dict[str, str]]) -> None:
    warm = CORSMiddleware(app, policy=POLICY)
    answers = [call(warm, request) for request in sequence]
    assert answers == [call(CORSMiddleware(app, policy=POLICY), r) for r in sequence]
    assert answers[-1][0].startswith("403")


def test_the_memo_is_bounded_and_off_with_per_path_rules() -> None:
    middleware = CORSMiddleware(app, policy=POLICY)
    for i in range(3 * _MEMO_SIZE):
        call(middleware, {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": f"https://o{i}.example"})
    assert middleware._memo is not None and len(middleware._memo) <= _MEMO_SIZE
    routed = Policy(allow_origins=["https://a.example"], routes={"/p": Policy(allow_origins=["*"])})
    assert CORSMiddleware(app, policy=routed)._memo is None
