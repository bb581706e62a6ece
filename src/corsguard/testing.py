"""Test CORS in-process: what a browser would do, against an ASGI or WSGI app, no server.

``fetch(app, url, origin=...)`` plays the part of a page's ``fetch()``: it asks corsguard's
browser model (`corsguard.browser`) which requests the browser sends — the preflight when
one is needed, then the actual request, hop after hop across redirects —, answers each by
calling the app in-process, and returns the browser's verdict::

    from corsguard.testing import fetch

    def test_front_end_can_delete():
        result = fetch(app, "https://api.example.com/items/1", method="DELETE",
                       origin="https://app.example.com", credentials=True)
        assert result.allowed, result.reason

The app is called as the server would call it (ASGI 3 ``http`` scope, or a PEP 3333
environ); every hop goes to the same app. Cookies are not kept between calls: pass
``cookies={...}`` to attach them where the browser would (``credentials=True``).
``corsguard``'s pytest plugin offers the same as the ``cors`` fixture.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from corsguard.browser import Outgoing, Request, Response, Verdict, simulate

__all__ = ["Exchange", "FetchResult", "fetch", "fetch_async"]

Interface = Literal["asgi", "wsgi"]
# A test app is the user's own code, but a streaming endpoint must not hang a test suite.
MAX_BODY_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Exchange:
    """One request the browser sent, and the app's answer."""

    request: Outgoing
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class FetchResult:
    """What the browser makes of the exchanges: ``allowed`` means the script reads the response."""

    request: Request
    verdict: Verdict
    exchanges: tuple[Exchange, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.verdict.allowed

    @property
    def reason(self) -> str:
        """The browser's words and the fix, in one paragraph (empty when allowed)."""
        verdict = self.verdict
        if verdict.allowed:
            return ""
        failed = verdict.failed
        if failed is not None:
            text = f"blocked by {failed.id}: {failed.reason}"
        elif not verdict.resolves:
            text = "fetch() rejects: the browser never received a usable response"
        else:
            text = "fetch() resolves with an opaque response the script cannot read"
        fixes = "; ".join(fix.line for fix in verdict.fixes)
        return f"{text}. Fix: {fixes}" if fixes else text

    @property
    def response(self) -> Exchange | None:
        """The last actual response the app gave (None when only a preflight was sent)."""
        for exchange in reversed(self.exchanges):
            if exchange.request.kind == "actual":
                return exchange
        return None

    @property
    def status(self) -> int | None:
        response = self.response
        return response.status if response is not None else None

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        response = self.response
        return response.headers if response is not None else ()

    @property
    def body(self) -> bytes:
        response = self.response
        return response.body if response is not None else b""

    def explain(self) -> str:
        """The verdict as ``corsguard explain`` prints it."""
        from corsguard.explain import render_text  # the tool layer, only when asked

        out = io.StringIO()
        exchanges = [
            {
                "kind": ex.request.kind,
                "method": ex.request.method,
                "url": ex.request.url,
                "status": ex.status,
                "sent": True,
            }
            for ex in self.exchanges
        ]
        render_text(self.request, self.verdict, exchanges, out)
        return out.getvalue()


def _is_asgi(app: Any) -> bool:
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app)


def _wire(outgoing: Outgoing, cookies: Mapping[str, str] | None) -> list[tuple[str, str]]:
    headers = list(outgoing.headers)
    if cookies and outgoing.credentials:
        headers.append(("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items())))
    return headers


@dataclass(frozen=True)
class _Target:
    """What the in-process calls need from a request URL, parsed once per URL."""

    scheme: str
    host: str  # the Host header: the authority without userinfo
    raw_path: bytes  # as sent (ASGI raw_path)
    path: str  # percent-decoded, UTF-8 (ASGI path)
    wsgi_path: str  # percent-decoded bytes as latin-1 characters (PEP 3333 PATH_INFO)
    query: str
    server_name: str
    server_port: int


@functools.lru_cache(maxsize=256)
def _target(url: str) -> _Target:
    # A test suite fetches the same few URLs over and over: urlsplit, its hostname/port
    # properties and the percent-decoding are a measurable part of one in-process call.
    parts = urlsplit(url)
    raw_path = (parts.path or "/").encode("ascii", "strict")
    decoded = unquote_to_bytes(raw_path)
    return _Target(
        scheme=parts.scheme,
        host=parts.netloc.rpartition("@")[2],
        raw_path=raw_path,
        path=decoded.decode("utf-8", "replace"),
        wsgi_path=decoded.decode("latin-1"),
        query=parts.query,
        server_name=parts.hostname or "testserver",
        server_port=parts.port or _default_port(parts.scheme),
    )


async def _call_asgi(
    app: Callable[..., Awaitable[None]],
    outgoing: Outgoing,
    headers: Sequence[tuple[str, str]],
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    target = _target(outgoing.url)
    wire = [("host", target.host), *headers]
    if body:
        wire.append(("content-length", str(len(body))))
    # ASGI 3 HTTP connection scope (asgi.readthedocs.io, "HTTP" specification).
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": outgoing.method,
        "scheme": target.scheme,
        "path": target.path,
        "raw_path": target.raw_path,
        "query_string": target.query.encode("ascii"),
        "root_path": "",
        "headers": [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in wire],
        "client": ("127.0.0.1", 50000),
        "server": (target.server_name, target.server_port),
        "state": {},
    }
    received = False
    status = 500
    response_headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []
    size = 0
    done = asyncio.Event()

    async def receive() -> MutableMapping[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = int(message["status"])
            response_headers.extend(
                (bytes(n).decode("latin-1"), bytes(v).decode("latin-1"))
                for n, v in message.get("headers", ())
            )
        elif message["type"] == "http.response.body":
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, response_headers, b"".join(chunks)


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def _call_wsgi(
    app: Callable[..., Iterable[bytes]],
    outgoing: Outgoing,
    headers: Sequence[tuple[str, str]],
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    target = _target(outgoing.url)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": outgoing.method,
        "SCRIPT_NAME": "",
        # PEP 3333: PATH_INFO holds the percent-decoded bytes, each as one latin-1 character.
        "PATH_INFO": target.wsgi_path,
        "QUERY_STRING": target.query,
        "SERVER_NAME": target.server_name,
        "SERVER_PORT": str(target.server_port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": target.host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": target.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
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
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    status_line = "500 Internal Server Error"
    response_headers: list[tuple[str, str]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        nonlocal status_line
        status_line = status
        response_headers[:] = headers
        return chunks.append

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        size = 0
        for chunk in result:
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                break
            chunks.append(chunk)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status_line.split(" ", 1)[0]), response_headers, b"".join(chunks)


def _request(
    url: str,
    origin: str,
    method: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    credentials: bool,
) -> Request:
    if "://" not in url:
        raise ValueError(f"url {url!r} needs a scheme and a host, e.g. 'https://api.example.com/'")
    return Request.make(origin, url, method, headers or (), "include" if credentials else "omit")


def _body_bytes(body: bytes | str | None) -> bytes:
    if body is None:
        return b""
    return body.encode() if isinstance(body, str) else body


async def fetch_async(
    app: Any,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    credentials: bool = False,
    body: bytes | str | None = None,
    cookies: Mapping[str, str] | None = None,
    interface: Interface | None = None,
) -> FetchResult:
    """`fetch` for code already running in an event loop (an async test)."""
    request = _request(url, origin, method, headers, credentials)
    payload = _body_bytes(body)
    exchanges: list[Exchange] = []
    asgi = (interface or ("asgi" if _is_asgi(app) else "wsgi")) == "asgi"
    # The browser model is a generator: driven by hand so that each hop can be awaited.
    gen = simulate(request)
    try:
        outgoing = next(gen)
        while True:
            wire = _wire(outgoing, cookies)
            data = payload if outgoing.kind == "actual" else b""
            if asgi:
                status, got, content = await _call_asgi(app, outgoing, wire, data)
            else:
                status, got, content = _call_wsgi(app, outgoing, wire, data)
            exchanges.append(Exchange(outgoing, status, tuple(got), content))
            outgoing = gen.send(Response.make(status, got))
    except StopIteration as stop:
        verdict: Verdict = stop.value
    return FetchResult(request, verdict, tuple(exchanges))


_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """One event loop per thread, kept: asyncio.run() per call costs more than the app."""
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def fetch(
    app: Any,
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    credentials: bool = False,
    body: bytes | str | None = None,
    cookies: Mapping[str, str] | None = None,
    interface: Interface | None = None,
) -> FetchResult:
    """Run a browser's ``fetch(url)`` from a page on ``origin`` against ``app``, in-process.

    ``app`` is an ASGI 3 app (Starlette, FastAPI, Django's ASGI handler) or a WSGI app
    (Flask, Django's WSGI handler); ``interface`` forces one reading where detection cannot
    tell. ``credentials=True`` is ``credentials: "include"``. Raises ValueError for a
    request fetch() itself would reject (a forbidden method, a malformed URL).
    """
    kwargs: dict[str, Any] = {
        "origin": origin,
        "method": method,
        "headers": headers,
        "credentials": credentials,
        "body": body,
        "cookies": cookies,
        "interface": interface,
    }
    coroutine = fetch_async(app, url, **kwargs)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _thread_loop().run_until_complete(coroutine)
    # Called from inside an event loop (an async test calling the sync helper): run the
    # app on a loop of its own in a worker thread rather than fail.
    box: list[FetchResult | BaseException] = []

    def worker() -> None:
        try:
            box.append(asyncio.run(coroutine))
        except BaseException as exc:  # handed back to the caller's thread
            box.append(exc)

    thread = threading.Thread(target=worker, name="corsguard-testing-fetch")
    thread.start()
    thread.join()
    outcome = box[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome
