"""The WSGI middleware's memo of pass-through decisions never changes an answer."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Policy, refusal_log
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


class _Lines(logging.Handler):
    """The refusal log's lines (the "corsguard" logger itself, not its startup child)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "corsguard":
            self.lines.append(record.getMessage())


@contextlib.contextmanager
def captured() -> Iterator[_Lines]:
    logger = logging.getLogger("corsguard")
    handler = _Lines()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


paths = st.sampled_from(["/x", "/y/z", "/caf\u00c3\u00a9", "/a\nb"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(requests, paths), min_size=1, max_size=30))
def test_a_warm_memo_logs_as_the_engine_does(sequence: list[tuple[dict[str, str], str]]) -> None:
    # Budgets wide enough that every line is written: the lines themselves are compared.
    saved = refusal_log.limiter
    refusal_log.limiter = refusal_log.RateLimiter(per_class=10_000, per_window=10_000)
    try:
        with captured() as log_lines:
            warm = CORSMiddleware(app, policy=POLICY)
            for request, path in sequence:
                request = {**request, "PATH_INFO": path}
                del log_lines.lines[:]
                warm_answer = call(warm, request)
                warm_lines = list(log_lines.lines)
                del log_lines.lines[:]
                assert warm_answer == call(CORSMiddleware(app, policy=POLICY), request)
                assert warm_lines == log_lines.lines
    finally:
        refusal_log.limiter = saved


def test_memo_hits_spend_the_budget_and_are_counted_as_suppressed() -> None:
    now = [0.0]
    saved = refusal_log.limiter
    refusal_log.limiter = refusal_log.RateLimiter(
        per_class=3, per_window=5, window=60, clock=lambda: now[0]
    )
    evil = {"REQUEST_METHOD": "GET", "HTTP_ORIGIN": "https://evil.example"}
    try:
        with captured() as log_lines:
            middleware = CORSMiddleware(app, policy=POLICY)
            for i in range(100):
                call(middleware, {**evil, "PATH_INFO": f"/p{i}"})
            # Answered from the memo from the second request on, and logged with each path.
            assert middleware._memo is not None and len(middleware._memo) == 1
            starts = [line.split(" path=")[1][:4] for line in log_lines.lines]
            assert starts == ['"/p0', '"/p1', '"/p2']
            now[0] = 61.0
            call(middleware, evil)
    finally:
        refusal_log.limiter = saved
    summary, fresh = log_lines.lines[3:]
    assert summary.startswith("corsguard suppressed count=97 ")
    assert fresh.startswith("corsguard unlisted kind=cross-origin") and "credentials=no" in fresh
