"""Calling an ASGI or WSGI app in-process, the way a server would, without a socket.

One request goes in as an ASGI 3 ``http`` scope or a PEP 3333 environ, and the app's answer
comes back as an :class:`AppResponse`. ``corsguard.testing.fetch`` (a browser's fetch()
against an app), ``corsguard explain --app/--policy`` and ``corsguard audit --app`` (its
in-process transport, `corsguard.audit.transport`) all call apps through here.

The app is the user's own code, but it may stream forever or answer with megabytes: the
body is read up to ``max_body`` bytes (the rest is not asked for: an ASGI app is told the
client went away, a WSGI iterable is closed), the header block is capped, and a WSGI
caller can give a deadline that is checked between chunks. An exception raised by the app
is not caught here: callers decide what it means (a test wants to see it; the audit makes
it the target's error entry).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "AppResponse",
    "AppTimeout",
    "Lifespan",
    "LifespanFailed",
    "ResponseTooLarge",
    "call_asgi",
    "call_wsgi",
    "is_asgi",
]

MAX_BODY_BYTES = 16 * 1024 * 1024
"""Default body bytes kept: a test may read a large body, but not an endless one."""

MAX_HEADER_BYTES = 1024 * 1024
"""Header bytes (names and values) of one response at most."""


@dataclass(frozen=True)
class AppResponse:
    """The app's answer: header names and values as latin-1 text (their bytes, one to one)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False  # more body than max_body: the rest was not read


class ResponseTooLarge(Exception):
    """The app's response headers exceed MAX_HEADER_BYTES."""


class AppTimeout(Exception):
    """The app had not finished its response at the caller's deadline.

    ``partial`` is what had arrived by then (None when the response had not started): a
    caller that needs only the status and headers can use it, as an HTTP client keeps the
    headers of a response whose body is slow.
    """

    def __init__(self, message: str, partial: AppResponse | None = None) -> None:
        super().__init__(message)
        self.partial = partial


def is_asgi(app: Any) -> bool:
    """True for an ASGI 3 app (a coroutine function or an object whose __call__ is one)."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app)


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def _wire_bytes(value: str) -> bytes:
    """A header value as a client puts it on the wire: latin-1 when it fits, else UTF-8
    (what HTTP clients send for such a value; the app then reads the bytes)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


class _Disconnected(OSError):
    """Raised into an app that keeps sending after the caller stopped reading."""


async def call_asgi(
    app: Callable[..., Awaitable[None]],
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes = b"",
    *,
    max_body: int = MAX_BODY_BYTES,
    timeout: float | None = None,
    state: dict[str, Any] | None = None,
) -> AppResponse:
    """Send one request to an ASGI 3 app and collect its response.

    An app that returns without starting a response gets a 500, as uvicorn answers it.
    After ``timeout`` seconds the app is cancelled and AppTimeout raised. ``state`` is the
    lifespan state (`Lifespan.state`): each request gets a shallow copy, as from uvicorn.
    """
    parts = urlsplit(url)
    raw_path = (parts.path or "/").encode("ascii", "strict")
    host = parts.netloc.rpartition("@")[2]
    wire = [("host", host), *headers]
    if body:
        wire.append(("content-length", str(len(body))))
    # ASGI 3 HTTP connection scope (asgi.readthedocs.io, "HTTP" specification).
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme,
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "query_string": parts.query.encode("ascii"),
        "root_path": "",
        "headers": [(_wire_bytes(n.lower()), _wire_bytes(v)) for n, v in wire],
        "client": ("127.0.0.1", 50000),
        "server": (parts.hostname or "testserver", parts.port or _default_port(parts.scheme)),
        "state": dict(state or {}),
    }
    received = False
    status = 500
    started = False
    response_headers: list[tuple[str, str]] = []
    header_bytes = 0
    chunks: list[bytes] = []
    size = 0
    truncated = False
    # Set when the response is complete or capped: from then on the app hears that the
    # client disconnected (the ASGI spec's http.disconnect), as from a closed connection.
    done = asyncio.Event()

    async def receive() -> MutableMapping[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, size, started, truncated, header_bytes
        if done.is_set():
            raise _Disconnected("the client stopped reading the response")
        kind = message["type"]
        if kind == "http.response.start":
            started = True
            status = int(message["status"])
            for name, value in message.get("headers", ()):
                header_bytes += len(name) + len(value)
                if header_bytes > MAX_HEADER_BYTES:
                    raise ResponseTooLarge(
                        f"the response headers exceed {MAX_HEADER_BYTES // 1024} KiB"
                    )
                response_headers.append(
                    (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                )
        elif kind == "http.response.body":
            chunk = bytes(message.get("body", b""))
            room = max_body - size
            if len(chunk) > room:
                chunks.append(chunk[:room])
                size = max_body
                truncated = True
                done.set()
                return
            chunks.append(chunk)
            size += len(chunk)
            if not message.get("more_body", False):
                done.set()

    async def run() -> None:
        try:
            await app(scope, receive, send)
        except _Disconnected:
            pass  # our own signal to an app that ignored http.disconnect
        except Exception:
            if not truncated:
                raise
            # An app stopped mid-stream because we stopped reading: what was read stands.

    try:
        if timeout is None:
            await run()
        else:
            await asyncio.wait_for(run(), timeout)
    except asyncio.TimeoutError:
        partial = None
        if started:
            partial = AppResponse(status, tuple(response_headers), b"".join(chunks), truncated)
        raise AppTimeout(f"the app did not finish within {timeout:g} s", partial) from None
    if not started:
        status = 500
    return AppResponse(status, tuple(response_headers), b"".join(chunks), truncated)


def call_wsgi(
    app: Callable[..., Iterable[bytes]],
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes = b"",
    *,
    max_body: int = MAX_BODY_BYTES,
    deadline: float | None = None,
) -> AppResponse:
    """Send one request to a WSGI app (PEP 3333) and collect its response.

    ``deadline`` (time.monotonic()) is checked between body chunks: an app that yields
    forever raises AppTimeout there instead of holding its caller.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    # PEP 3333: PATH_INFO holds the percent-decoded bytes, each as one latin-1 character.
    path_bytes = unquote_to_bytes(parts.path or "/")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path_bytes.decode("latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "testserver",
        "SERVER_PORT": str(parts.port or _default_port(parts.scheme)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        key = "HTTP_" + key
        # PEP 3333: header values are the bytes received, one latin-1 character each.
        value = _wire_bytes(value).decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    status_line = "500 Internal Server Error"
    response_headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    size = 0
    truncated = False
    started = False

    def write(chunk: bytes) -> None:
        # The legacy write() callable (PEP 3333): kept within max_body like the iterable.
        nonlocal size, truncated
        room = max_body - size
        if len(chunk) > room:
            chunk, truncated = chunk[:room], True
        chunks.append(chunk)
        size += len(chunk)

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        nonlocal status_line, started
        if sum(len(n) + len(v) for n, v in headers) > MAX_HEADER_BYTES:
            raise ResponseTooLarge(f"the response headers exceed {MAX_HEADER_BYTES // 1024} KiB")
        status_line = status
        started = True
        response_headers[:] = headers
        return write

    result = app(environ, start_response)
    try:
        for chunk in result:
            if truncated:
                break
            write(chunk)
            if deadline is not None and time.monotonic() > deadline:
                partial = AppResponse(
                    int(status_line.split(" ", 1)[0]),
                    tuple(response_headers),
                    b"".join(chunks),
                    truncated,
                )
                raise AppTimeout(
                    "the app was still sending its body at the deadline",
                    partial if started else None,
                )
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return AppResponse(
        int(status_line.split(" ", 1)[0]), tuple(response_headers), b"".join(chunks), truncated
    )


def _last_line(message: str) -> str:
    """One line of a lifespan failure message: Starlette sends the whole traceback, whose
    last line names the exception."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    text = lines[-1] if lines else "no message"
    return text if len(text) <= 300 else text[:297] + "..."


class LifespanFailed(Exception):
    """The app's startup failed (lifespan.startup.failed, or it raised or hung)."""


_LIFESPAN_REPLIES = frozenset(
    {
        "lifespan.startup.complete",
        "lifespan.startup.failed",
        "lifespan.shutdown.complete",
        "lifespan.shutdown.failed",
    }
)


class Lifespan:
    """The ASGI lifespan protocol around in-process calls, as uvicorn's default ("auto").

    ``await start()`` sends ``lifespan.startup`` and waits for the app to complete it, so
    that startup handlers (a database pool, ``app.state``) run before the first request;
    ``await stop()`` sends ``lifespan.shutdown``. An app that does not speak lifespan
    (raises or returns at once, as Django's handler does) is called without it, as uvicorn
    does; one that reports ``lifespan.startup.failed`` raises LifespanFailed.
    (asgi.readthedocs.io, "Lifespan Protocol".)
    """

    def __init__(self, app: Callable[..., Awaitable[None]], timeout: float) -> None:
        self._app = app
        self._timeout = timeout
        self.state: dict[str, Any] = {}
        self.supported = False
        self._events: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self._replies: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        # Only the four lifespan replies: an app that answers the lifespan scope with an
        # HTTP response (it ignores scope["type"]) gets an exception, as from uvicorn, and
        # so counts as not speaking lifespan; it must never fill the queue forever.
        if message.get("type") not in _LIFESPAN_REPLIES:
            raise RuntimeError(f"{message.get('type')!r} is not a lifespan message")
        await self._replies.put(message)

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self._app(scope, self._events.get, self._send)
        except Exception as exc:  # not spoken, or broken: what uvicorn's "auto" tolerates
            await self._replies.put({"type": "corsguard.raised", "error": exc})
        else:
            await self._replies.put({"type": "corsguard.returned"})

    async def _exchange(self, event: str, what: str) -> MutableMapping[str, Any]:
        await self._events.put({"type": event})
        try:
            return await asyncio.wait_for(self._replies.get(), self._timeout)
        except asyncio.TimeoutError:
            raise LifespanFailed(
                f"the app's {what} did not finish within {self._timeout:g} s"
            ) from None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())
        reply = await self._exchange("lifespan.startup", "startup")
        kind = reply["type"]
        if kind == "lifespan.startup.complete":
            self.supported = True
            return
        if kind == "lifespan.startup.failed":
            raise LifespanFailed(
                f"the app's startup failed: {_last_line(str(reply.get('message', '')))}"
            )
        # Raised or returned before answering: the app does not speak lifespan.
        await self.stop()

    async def stop(self) -> None:
        if self.supported:
            with contextlib.suppress(LifespanFailed):
                await self._exchange("lifespan.shutdown", "shutdown")
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
