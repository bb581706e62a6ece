"""The refusal log: what is logged, at which level, how it is escaped, and its rate limit."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Policy, decide, refusal_log
from corsguard.refusal_log import REASON_CLASSES, RateLimiter, reason_class

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
POLICY = Policy(allow_origins=[APP], allow_methods=["GET", "PUT"], allow_headers=["X-Token"])


def _decide(method: str, origin: str, **extra: str) -> None:
    headers = [(b"host", b"api.example.com"), (b"origin", origin.encode("latin-1"))]
    headers += [(k.encode(), v.encode("latin-1")) for k, v in extra.items()]
    decide(POLICY, method, "/api/items", headers)


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "corsguard"]


# (method, origin, extra headers, expected start of the line, or None for no line)
CASES = [
    ("GET", APP, {}, None),
    ("OPTIONS", APP, {"access-control-request-method": "PUT"}, None),
    ("GET", EVIL, {}, "corsguard unlisted kind=cross-origin"),
    ("GET", EVIL, {"sec-fetch-site": "same-origin"}, None),
    ("HEAD", EVIL, {}, "corsguard unlisted kind=cross-origin"),
    ("OPTIONS", EVIL, {"access-control-request-method": "PUT"}, "corsguard refused kind=preflight"),
    (
        "OPTIONS",
        APP,
        {"access-control-request-method": "DELETE"},
        "corsguard refused kind=preflight",
    ),
    ("POST", EVIL, {}, "corsguard refused kind=cross-origin"),
    ("GET", "https://caf\u00e9.example", {}, "corsguard unlisted kind=cross-origin"),
]


@pytest.mark.parametrize(("method", "origin", "extra", "start"), CASES)
def test_what_is_logged_at_warning(
    caplog: pytest.LogCaptureFixture,
    method: str,
    origin: str,
    extra: dict[str, str],
    start: str | None,
) -> None:
    caplog.set_level(logging.WARNING, logger="corsguard")
    _decide(method, origin, **extra)
    lines = _lines(caplog)
    if start is None:
        assert lines == []
        return
    assert len(lines) == 1 and lines[0].startswith(start)
    assert all(r.levelno == logging.WARNING for r in caplog.records)
    assert f"method={refusal_log_escape(method)}" in lines[0]
    assert 'path="/api/items"' in lines[0]


def refusal_log_escape(value: str) -> str:
    from corsguard.engine import escape

    return escape(value)


def test_unlisted_line_names_credentials_and_preflight_names_what_was_asked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="corsguard")
    _decide("GET", EVIL, cookie="session=1")
    _decide("OPTIONS", EVIL, **{"access-control-request-method": "PUT"}, **{
        "access-control-request-headers": "x-token,x-csrftoken"
    })  # fmt: skip
    unlisted, preflight = _lines(caplog)
    assert unlisted.endswith("credentials=yes")
    assert 'request_method="PUT"' in preflight
    assert 'request_headers="x-token,x-csrftoken"' in preflight


def test_hostile_values_stay_on_one_quoted_field(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="corsguard")
    forged = EVIL + '" reason="fine"\r\ncorsguard refused kind=forged'
    _decide("GET", forged)
    (line,) = _lines(caplog)
    assert "\n" not in line and "\r" not in line
    # The quote inside the origin is escaped, so only one reason= field starts a value.
    assert line.count(' reason="') == 1
    assert 'origin="https://evil.example.net\\" reason=\\"fine\\"\\r\\n' in line


def test_silenced_logger_costs_no_budget(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("corsguard")
    old = logger.level
    logger.setLevel(logging.ERROR)
    try:
        for _ in range(100):
            _decide("GET", EVIL)
    finally:
        logger.setLevel(old)
    caplog.set_level(logging.WARNING, logger="corsguard")
    _decide("GET", EVIL)
    assert len(_lines(caplog)) == 1


def test_flood_is_capped_and_summarised(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    limiter = RateLimiter(per_class=3, per_window=5, window=60, clock=lambda: now[0])
    saved = refusal_log.limiter
    refusal_log.limiter = limiter
    try:
        caplog.set_level(logging.WARNING, logger="corsguard")
        for i in range(1000):
            _decide("GET", f"https://x{i}.attacker.test")  # unlisted: one class
            _decide("POST", f"https://x{i}.attacker.test")  # refused: another class
        assert len(_lines(caplog)) == 5  # 3 of one class, 2 of the other: the total cap
        now[0] = 61.0
        _decide("GET", EVIL)
        summary, fresh = _lines(caplog)[5:]
    finally:
        refusal_log.limiter = saved
    assert summary.startswith("corsguard suppressed count=1995 ")
    assert fresh.startswith("corsguard unlisted")
    assert len(limiter._per_class) == 1  # the new window holds one class


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=5, allow_nan=False),
            st.sampled_from(["refused", "unlisted"]),
            st.sampled_from(["preflight", "cross-origin", "websocket", "no-origin"]),
            st.text(max_size=40),
        ),
        max_size=300,
    ),
    per_class=st.integers(0, 5),
    per_window=st.integers(0, 12),
)
def test_rate_limit_bounds_lines_and_memory(
    events: list[tuple[float, str, str, str]], per_class: int, per_window: int
) -> None:
    now = [0.0]
    limiter = RateLimiter(
        per_class=per_class, per_window=per_window, window=10, clock=lambda: now[0]
    )
    admitted: dict[int, int] = {}
    per_key: dict[tuple[int, tuple[str, str, str]], int] = {}
    reported = 0
    window_start = -1.0
    window = -1
    for step, event, kind, reason in events:
        now[0] += step
        if now[0] >= window_start + 10 or window < 0:
            window += 1
            window_start = now[0]
        key = (event, kind, reason_class(reason))
        # The reference: admitted while both budgets of this window last, no sooner closed.
        expected = (
            per_key.get((window, key), 0) < per_class and admitted.get(window, 0) < per_window
        )
        ok, suppressed = limiter.admit(key)
        assert ok == expected
        reported += suppressed
        if ok:
            admitted[window] = admitted.get(window, 0) + 1
            per_key[(window, key)] = per_key.get((window, key), 0) + 1
        assert len(limiter._per_class) <= 2 * 4 * len(REASON_CLASSES)
    assert all(n <= per_window for n in admitted.values())
    assert all(n <= per_class for n in per_key.values())
    # Nothing is lost: every event is either logged or reported as suppressed (the last
    # window's count comes with the first event after it).
    now[0] += 10
    _ok, pending = limiter.admit(("refused", "preflight", "other"))
    assert sum(admitted.values()) + reported + pending == len(events)


def test_budgets_changed_on_a_live_limiter_apply_at_once() -> None:
    # A class turned away for the window opens again when its budget is raised (the
    # flood path's table of closed classes is judged afresh), and closes when lowered.
    now = [0.0]
    limiter = RateLimiter(per_class=1, per_window=5, window=60, clock=lambda: now[0])
    key = ("unlisted", "cross-origin", "origin-not-allowed")
    assert limiter.admit(key) == (True, 0)
    assert limiter.admit(key) == (False, 0)
    limiter.per_class = 3
    assert limiter.admit(key) == (True, 0)
    limiter.per_window = 2
    assert limiter.admit(key) == (False, 0)
    assert limiter.admit(("refused", "preflight", "other")) == (False, 0)


@given(st.text(max_size=300))
def test_reason_class_is_a_fixed_vocabulary(reason: str) -> None:
    assert reason_class(reason) in REASON_CLASSES


def test_configure_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="budgets"):
        refusal_log.configure(per_class=-1)


def test_wsgi_memo_does_not_hide_repeated_unlisted_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from corsguard.wsgi import CORSMiddleware

    def app(environ: dict[str, object], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    middleware = CORSMiddleware(app, allow_origins=[APP])
    caplog.set_level(logging.WARNING, logger="corsguard")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "HTTP_ORIGIN": EVIL}
    for _ in range(3):
        middleware(dict(environ), lambda *args: None)
        middleware(dict(environ, HTTP_ORIGIN=APP), lambda *args: None)
    lines = _lines(caplog)
    assert len(lines) == 3 and all(line.startswith("corsguard unlisted") for line in lines)
