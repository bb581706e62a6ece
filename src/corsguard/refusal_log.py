"""Rate-limited WARNING lines for refusals and for origins the policy does not list.

Each refused request, and each cross-origin request from an unlisted origin, may be worth a
line: it is how an operator learns that a new front end is blocked. Every such request is
also attacker-made, so lines are budgeted: per class (refused or unlisted, request kind,
reason class: a fixed set that no client can grow) and in total, per window. Requests
over the budget are counted and reported by one "suppressed" line when the next window
opens. Memory is a handful of counters whatever clients send.

No timer and no thread: a window is closed by the first event after it ends. Counters are
updated under a lock, which is taken only on this path (never for an allowed request), and
only while the budget lasts: once a class's budget for the window is spent, an event costs a
clock read, one dict lookup and an atomic count, with no lock and no formatting.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("corsguard")

# Defaults: enough lines to see every distinct problem within a minute, few enough that a
# flood of hostile requests costs at most ~PER_WINDOW lines a minute.
WINDOW_SECONDS = 60.0
PER_CLASS = 10
PER_WINDOW = 50

# Reason classes: the engine's reasons, some of which name a client-chosen method or
# header, mapped to a fixed vocabulary (metric labels, rate-limit keys).
_REASON_PREFIXES = (
    ("origin not allowed", "origin-not-allowed"),
    ("origin is trusted without credentials", "credentials-not-allowed"),
    ("cross-site request without origin", "no-origin"),
    ("several origin headers", "several-origins"),
    ("origin header is not ascii", "origin-not-ascii"),
    ("invalid access-control-request-method", "invalid-request"),
    ("invalid access-control-request-headers", "invalid-request"),
    ("access-control-request-headers too long", "invalid-request"),
    ("private network access", "private-network-not-allowed"),
    ("method ", "method-not-allowed"),
    ("header ", "header-not-allowed"),
)
REASON_CLASSES = frozenset(label for _prefix, label in _REASON_PREFIXES) | {"other"}


def reason_class(reason: str) -> str:
    """A bounded label for an engine reason (never the client-chosen part of it)."""
    lowered = reason[:64].lower()
    for prefix, label in _REASON_PREFIXES:
        if lowered.startswith(prefix):
            return label
    return "other"


# The engine's fixed reasons recur; reasons naming a client's method or header may fill
# this up, after which they are classified afresh each time (no eviction, no growth).
_CLASS_CACHE_SIZE = 64
_CLASS_CACHE: dict[str, str] = {}


class RateLimiter:
    """Fixed-window budgets per class and in total; counts what it turns away."""

    def __init__(
        self,
        per_class: int = PER_CLASS,
        per_window: int = PER_WINDOW,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_class_budget = per_class
        self._per_window_budget = per_window
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._window_end = -1.0
        self._total = 0
        # Keys come from a fixed vocabulary (event x kind x REASON_CLASSES), so these dicts
        # have a few dozen entries at most, whatever the origins and paths.
        self._per_class: dict[tuple[str, str, str], int] = {}
        # The classes turned away in the open window, each with the window's end: the
        # flood path is one lookup. A class enters when its budget is spent, or on its first
        # event past the total budget (one locked pass per class per window).
        self._closed: dict[tuple[str, str, str], float] = {}
        # Turned-away events are counted by next() on an itertools.count, which is atomic,
        # so the flood path needs no lock; the window's count is the difference of marks.
        self._drops = itertools.count()
        self._mark = next(self._drops)

    # Budgets changed on a live limiter take effect at once: the closed classes are
    # judged afresh.
    @property
    def per_class(self) -> int:
        return self._per_class_budget

    @per_class.setter
    def per_class(self, value: int) -> None:
        with self._lock:
            self._per_class_budget = value
            self._closed.clear()

    @property
    def per_window(self) -> int:
        return self._per_window_budget

    @per_window.setter
    def per_window(self, value: int) -> None:
        with self._lock:
            self._per_window_budget = value
            self._closed.clear()

    def admit(self, key: tuple[str, str, str]) -> tuple[bool, int]:
        """(whether to log this event, lines suppressed in the window that just ended)."""
        now = self._clock()
        # The flood path: this class is spent for the open window.
        if now < self._closed.get(key, -1.0):
            next(self._drops)
            return False, 0
        return self._admit(key, now)

    def _admit(self, key: tuple[str, str, str], now: float) -> tuple[bool, int]:
        """admit() past the lock-free check: a window to close or a budget left."""
        with self._lock:
            ended = 0
            if now >= self._window_end:
                mark = next(self._drops)
                ended = mark - self._mark - 1
                self._mark = mark
                self._window_end = now + self.window
                self._total = 0
                self._per_class.clear()
                self._closed.clear()
            count = self._per_class.get(key, 0)
            if count >= self._per_class_budget or self._total >= self._per_window_budget:
                self._closed[key] = self._window_end
                next(self._drops)
                return False, ended
            self._per_class[key] = count + 1
            self._total += 1
            if count + 1 >= self._per_class_budget:
                self._closed[key] = self._window_end
            return True, ended

    def reset(self) -> None:
        with self._lock:
            self._window_end = -1.0
            self._total = 0
            self._per_class.clear()
            self._closed.clear()
            self._mark = next(self._drops)


limiter = RateLimiter()

# Set by report-only mode (corsguard.report_only) around its silent decisions: the engine's
# lines for refusals that are not made are left out, and leave the budget untouched.
muted: contextvars.ContextVar[bool] = contextvars.ContextVar("corsguard_muted", default=False)
# Whether anything in this process has ever muted (report-only sets it before its first
# silent decision): until then the flood path skips reading the ContextVar.
ever_muted = False


def mute() -> contextvars.Token[bool]:
    """Mute the engine's lines in this context (report-only); undo with ``muted.reset``."""
    global ever_muted
    ever_muted = True
    return muted.set(True)


def configure(
    per_class: int = PER_CLASS, per_window: int = PER_WINDOW, window: float = WINDOW_SECONDS
) -> None:
    """Change the budgets (process-wide). Silence the lines with the logging module instead:
    ``logging.getLogger("corsguard").setLevel(logging.ERROR)``."""
    if per_class < 0 or per_window < 0 or window <= 0:
        raise ValueError("budgets must be >= 0 and the window > 0 seconds")
    limiter.per_class, limiter.per_window, limiter.window = per_class, per_window, window
    limiter.reset()


def log(event: str, kind: str, reason: str, fields: Callable[..., str], *args: Any) -> None:
    """Log one ``corsguard <event> key=value...`` line if the budget admits it.

    ``fields(*args)`` builds the escaped key=value text; it runs only for an admitted line,
    so a flood costs a counter update per request, not an escape and a format.
    """
    label = _CLASS_CACHE.get(reason)
    if label is None:
        label = reason_class(reason)
        if len(_CLASS_CACHE) < _CLASS_CACHE_SIZE:
            _CLASS_CACHE[reason] = label
    log_class((event, kind, label), fields, args)


def log_class(key: tuple[str, str, str], fields: Callable[..., str], args: tuple[Any, ...]) -> None:
    """`log` for a caller that knows the class key (event, kind, reason class) beforehand.

    The engine's fixed reasons and the WSGI memo's remembered refusals come this way, so a
    flood of them costs this one call: the lock-free budget check below, inlined from
    RateLimiter.admit, runs before anything else (the logger's level included). ``args``
    come as one tuple, not spread: a flood then costs no packing of them either.
    """
    budget = limiter  # read once: tests swap the module's limiter
    now = budget._clock()
    if now < budget._closed.get(key, -1.0):
        if not (ever_muted and muted.get()):  # report-only's silent decision counts nothing
            next(budget._drops)
        return
    # A silenced logger spends no budget (checked here, past the flood path: a budget spent
    # before the logger was silenced keeps counting what it turns away).
    if not logger.isEnabledFor(logging.WARNING) or muted.get():
        return
    admitted, suppressed = budget._admit(key, now)
    if suppressed:
        logger.warning(
            "corsguard suppressed count=%d window=%gs (rate limit on refusal lines)",
            suppressed,
            budget.window,
        )
    if admitted:
        logger.warning("corsguard %s %s", key[0], fields(*args))
