"""`corsguard.inprocess`: one request to an ASGI or WSGI app, bounded as a server bounds it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from corsguard.inprocess import (
    MAX_HEADER_BYTES,
    AppTimeout,
    ResponseTooLarge,
    call_asgi,
    call_wsgi,
    is_asgi,
)

URL = "https://api.example.test/items?x=1"


async def _asgi_big_headers(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"x-big", b"a" * 1024)] * (MAX_HEADER_BYTES // 1024 + 1)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


def _wsgi_big_headers(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("X-Big", "a" * 1024)] * (MAX_HEADER_BYTES // 1024 + 1))
    return [b""]


def test_header_blocks_over_the_cap_are_refused() -> None:
    with pytest.raises(ResponseTooLarge):
        asyncio.run(call_asgi(_asgi_big_headers, "GET", URL, []))
    with pytest.raises(ResponseTooLarge):
        call_wsgi(_wsgi_big_headers, "GET", URL, [])


async def _asgi_slow_body(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 203, "headers": [(b"vary", b"Origin")]})
    await send({"type": "http.response.body", "body": b"start", "more_body": True})
    await asyncio.Event().wait()


def _wsgi_slow_body(environ: Any, start_response: Any) -> Iterator[bytes]:
    start_response("203 Non-Authoritative Information", [("Vary", "Origin")])
    yield b"start"
    while True:
        time.sleep(0.01)
        yield b""


@pytest.mark.parametrize("interface", ["asgi", "wsgi"])
def test_a_response_cut_by_the_deadline_keeps_what_arrived(interface: str) -> None:
    with pytest.raises(AppTimeout) as caught:
        if interface == "asgi":
            asyncio.run(call_asgi(_asgi_slow_body, "GET", URL, [], timeout=0.1))
        else:
            call_wsgi(_wsgi_slow_body, "GET", URL, [], deadline=time.monotonic() + 0.1)
    partial = caught.value.partial
    assert partial is not None
    assert partial.status == 203
    assert partial.headers == (("vary" if interface == "asgi" else "Vary", "Origin"),)
    assert partial.body == b"start"


@pytest.mark.parametrize("size", [0, 10, 100])
def test_the_body_is_kept_up_to_max_body(size: int) -> None:
    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(5):
            await send({"type": "http.response.body", "body": b"x" * 30, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"x" * 30] * 5

    for answer in (
        asyncio.run(call_asgi(asgi, "GET", URL, [], max_body=size)),
        call_wsgi(wsgi, "GET", URL, [], max_body=size),
    ):
        assert answer.body == b"x" * min(size, 150)
        assert answer.truncated == (size < 150)


def test_the_request_is_what_a_server_hands_over() -> None:
    seen: dict[str, Any] = {}

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        seen["asgi"] = scope
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        seen["wsgi"] = environ
        start_response("204 No Content", [])
        return []

    headers = [("Origin", "https://app.example.test")]
    assert asyncio.run(call_asgi(asgi, "OPTIONS", URL, headers)).status == 204
    assert call_wsgi(wsgi, "OPTIONS", URL, headers).status == 204
    scope, environ = seen["asgi"], seen["wsgi"]
    assert (scope["method"], scope["path"], scope["query_string"]) == ("OPTIONS", "/items", b"x=1")
    assert scope["server"] == ("api.example.test", 443) and scope["scheme"] == "https"
    assert (b"origin", b"https://app.example.test") in scope["headers"]
    assert (environ["REQUEST_METHOD"], environ["PATH_INFO"]) == ("OPTIONS", "/items")
    assert environ["HTTP_HOST"] == "api.example.test"
    assert environ["HTTP_ORIGIN"] == "https://app.example.test"
    assert is_asgi(asgi) and not is_asgi(wsgi)


def test_an_asgi_app_that_never_starts_a_response_gets_a_500() -> None:
    async def silent(scope: Any, receive: Any, send: Any) -> None:
        return None

    assert asyncio.run(call_asgi(silent, "GET", URL, [])).status == 500
