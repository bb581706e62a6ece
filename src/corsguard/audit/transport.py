"""How a probe reaches its target: the seam between the audit and the wire.

`corsguard.audit.prober.Prober` plans nothing and judges nothing: it hands each probe to a
:class:`Transport` and turns the :class:`RawResponse` into the model's evidence. Two
transports sit behind that one interface:

- the HTTP one (`prober.HttpTransport`, aiohttp): the live audit;
- :class:`AppTransport` (``corsguard audit --app MODULE:ATTR``): the same requests given to
  an ASGI or WSGI app in-process (`corsguard.inprocess`), so every probe, finding, output
  format and exit status is the live audit's, without a server.

Both keep at most ``BODY_CAP`` bytes of a body and bound each request by the --timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from corsguard import __version__
from corsguard.inprocess import (
    AppResponse,
    AppTimeout,
    Lifespan,
    ResponseTooLarge,
    call_asgi,
    call_wsgi,
    is_asgi,
)
from corsguard.untrusted import clean_text, text_from_bytes

BODY_CAP = 16 * 1024
"""Bytes of a response body read at most (only so that the connection can be reused)."""

USER_AGENT = f"corsguard/{__version__} (CORS audit; +https://pypi.org/project/corsguard/)"

DEFAULT_HEADERS = (("User-Agent", USER_AGENT), ("Accept", "*/*"))
"""Sent with every probe unless -H gives its own (the HTTP client's session defaults)."""


@dataclass(frozen=True)
class RawResponse:
    """One answer: header fields decoded from their bytes (`untrusted.text_from_bytes`)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""  # at most BODY_CAP bytes
    note: str | None = None  # the body could not be read in full: why


class TransportError(Exception):
    """The request got no answer; the message is the report's one-line error."""


class AppCrashed(TransportError):
    """The in-process app raised instead of answering: the target is an error entry."""


class Transport(Protocol):
    async def start(self) -> None:
        """Before the first request (--app: the app's lifespan startup)."""
        ...

    async def round_trip(
        self, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> RawResponse:
        """Send one request; raise TransportError when no answer came."""
        ...

    async def close(self) -> None: ...


def timed_out(timeout: float) -> str:
    return f"timed out: no answer within {timeout:g} s"


def body_timed_out(timeout: float) -> str:
    return f"the body did not arrive within {timeout:g} s"


def _wire_text(value: str) -> str:
    """A header name or value as a server puts it on the wire, read back as the client does.

    ASGI and PEP 3333 hand over latin-1 text (one character a byte); a WSGI app may break
    that rule with other characters, which are taken as UTF-8 bytes here.
    """
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
    return text_from_bytes(raw)


def _raw(answer: AppResponse, note: str | None = None) -> RawResponse:
    headers = tuple((_wire_text(n), _wire_text(v)) for n, v in answer.headers)
    return RawResponse(answer.status, headers, answer.body[:BODY_CAP], note)


def _crash(exc: BaseException) -> AppCrashed:
    text = " ".join(clean_text(str(exc)).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return AppCrashed(f"the app raised {type(exc).__name__}" + (f": {text}" if text else ""))


class _Workers:
    """Daemon threads for WSGI calls (a WSGI app blocks its caller).

    Daemon threads, not a ThreadPoolExecutor: an app that never returns must not keep the
    process from exiting at the end of the run. A call that times out leaves its thread
    stuck in the app, so another is started in its place, up to ``spare`` in all.
    """

    def __init__(self, size: int, spare: int = 64) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._size = size
        self._spare = spare
        self._threads = 0
        self._lock = threading.Lock()

    def _start(self) -> None:
        thread = threading.Thread(target=self._run, name="corsguard-app", daemon=True)
        thread.start()
        self._threads += 1

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._threads < self._size:
                self._start()
        self._jobs.put(job)

    def replace_stuck(self) -> None:
        with self._lock:
            if self._spare > 0:
                self._spare -= 1
                self._start()

    def close(self) -> None:
        for _ in range(self._threads):
            self._jobs.put(None)


class AppTransport:
    """``--app``: each probe is one in-process call of the ASGI or WSGI app.

    The URL keeps the base URL's scheme and host (the Host header and the ASGI scope's
    server), so the app routes and builds URLs as behind its real name. An app that raises
    is reported as AppCrashed; one that does not answer within ``timeout`` as a time-out,
    keeping its status and headers when those had arrived (as the HTTP client does).
    """

    def __init__(
        self, app: Any, timeout: float, concurrency: int, startup_timeout: float = 30.0
    ) -> None:
        self._app = app
        self._timeout = timeout
        self._asgi = is_asgi(app)
        self._workers = None if self._asgi else _Workers(max(1, min(concurrency, 64)))
        self._lifespan = Lifespan(app, startup_timeout) if self._asgi else None
        self._state: dict[str, Any] = {}

    async def start(self) -> None:
        """An ASGI app's lifespan startup, as uvicorn runs it before serving (its handlers
        may open what the routes need); inprocess.LifespanFailed when it fails."""
        if self._lifespan is not None:
            await self._lifespan.start()
            self._state = self._lifespan.state

    @property
    def interface(self) -> str:
        return "ASGI" if self._asgi else "WSGI"

    @staticmethod
    def _headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        given = {name.lower() for name, _ in headers}
        return [*(h for h in DEFAULT_HEADERS if h[0].lower() not in given), *headers]

    async def round_trip(
        self, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> RawResponse:
        wire = self._headers(headers)
        if not url.isascii():
            # A request line carries ASCII only; what the audit builds is percent-encoded,
            # so this is a bug on our side, never the app's exception.
            raise TransportError(f"cannot send {url!r}: the URL is not percent-encoded")
        try:
            if self._asgi:
                answer = await call_asgi(
                    self._app,
                    method,
                    url,
                    wire,
                    max_body=BODY_CAP,
                    timeout=self._timeout,
                    state=self._state,
                )
            else:
                answer = await self._wsgi(method, url, wire)
        except AppTimeout as exc:
            if exc.partial is None:
                raise TransportError(timed_out(self._timeout)) from None
            return _raw(exc.partial, body_timed_out(self._timeout))
        except ResponseTooLarge as exc:
            raise TransportError(str(exc)) from None
        except TransportError:
            raise
        except Exception as exc:  # the app's own exception: the target's error entry
            raise _crash(exc) from None
        except SystemExit as exc:  # sys.exit() in a view must not end the whole audit
            raise _crash(exc) from None
        return _raw(answer)

    async def _wsgi(self, method: str, url: str, wire: list[tuple[str, str]]) -> AppResponse:
        assert self._workers is not None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AppResponse] = loop.create_future()
        deadline = time.monotonic() + self._timeout

        def settle(result: AppResponse | None, error: BaseException | None) -> None:
            if future.done():  # timed out meanwhile
                return
            if error is not None:
                future.set_exception(error)
            else:
                assert result is not None
                future.set_result(result)

        def job() -> None:
            result: AppResponse | None = None
            error: BaseException | None = None
            try:
                result = call_wsgi(
                    self._app, method, url, wire, max_body=BODY_CAP, deadline=deadline
                )
            except BaseException as exc:  # handed to the event loop, raised there
                error = exc
            # RuntimeError: the run ended (its loop closed) while the app was busy.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, result, error)

        self._workers.submit(job)
        try:
            return await asyncio.wait_for(future, self._timeout)
        except asyncio.TimeoutError:
            self._workers.replace_stuck()
            raise TransportError(timed_out(self._timeout)) from None

    async def close(self) -> None:
        if self._lifespan is not None:
            await self._lifespan.stop()
        if self._workers is not None:
            self._workers.close()
