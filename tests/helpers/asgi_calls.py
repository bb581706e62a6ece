"""Calling an ASGI app in-process: scopes, a recording app, and readers of what was sent."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

Message = dict[str, Any]


class RecordingApp:
    """A raw ASGI app that records every scope it sees and answers 200 with Vary."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 1000})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"vary", b"Accept-Encoding"), (b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": f"handled {scope['path']}".encode()})


def http_scope(
    method: str, path: str, headers: list[tuple[bytes, bytes]], **extra: Any
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"api.example.test"), *headers],
        "server": ("127.0.0.1", 443),
        "client": ("127.0.0.1", 50000),
    }
    scope.update(extra)
    return scope


def run(coro: Any) -> Any:
    """asyncio.run in a thread of its own, safe even while a Playwright sync API is open."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def call(app: Any, scope: dict[str, Any]) -> list[Message]:
    sent: list[Message] = []
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]
    if scope["type"] == "websocket":
        incoming = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    run(app(scope, receive, send))
    return sent


def start_of(sent: list[Message]) -> tuple[int, list[tuple[bytes, bytes]]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], [(n.lower(), v) for n, v in start["headers"]]


def cors_of(headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    return {n: v for n, v in headers if n.startswith(b"access-control-")}
