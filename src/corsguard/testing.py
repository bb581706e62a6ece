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
import io
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from corsguard.browser import Outgoing, Request, Response, Verdict, simulate
from corsguard.inprocess import call_asgi, call_wsgi, is_asgi

__all__ = ["Exchange", "FetchResult", "fetch", "fetch_async"]

Interface = Literal["asgi", "wsgi"]
# A test app is the user's own code, but a streaming endpoint must not hang a test suite:
# corsguard.inprocess keeps at most its MAX_BODY_BYTES of a body.


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


def _wire(outgoing: Outgoing, cookies: Mapping[str, str] | None) -> list[tuple[str, str]]:
    headers = list(outgoing.headers)
    if cookies and outgoing.credentials:
        headers.append(("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items())))
    return headers


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
    asgi = (interface or ("asgi" if is_asgi(app) else "wsgi")) == "asgi"
    # The browser model is a generator: driven by hand so that each hop can be awaited.
    gen = simulate(request)
    try:
        outgoing = next(gen)
        while True:
            wire = _wire(outgoing, cookies)
            data = payload if outgoing.kind == "actual" else b""
            if asgi:
                answer = await call_asgi(app, outgoing.method, outgoing.url, wire, data)
            else:
                answer = call_wsgi(app, outgoing.method, outgoing.url, wire, data)
            exchanges.append(Exchange(outgoing, answer.status, answer.headers, answer.body))
            outgoing = gen.send(Response.make(answer.status, answer.headers))
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
