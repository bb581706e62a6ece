"""A small HTTP/1.1 server for the lab, so that `corsguard demo` needs no ASGI server.

It speaks just enough HTTP/1.1 for the lab (keep-alive, Content-Length bodies, no
chunked uploads) and runs any ASGI 3 app, in a background thread with its own event
loop. It binds to loopback only. Production apps belong under uvicorn or hypercorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from corsguard.lab.app import ENDPOINTS, TRUSTED_ORIGIN, ASGIApp, LabEndpoint, Message, make_app

_MAX_HEAD = 64 * 1024
_MAX_BODY = 1024 * 1024
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized"}


async def _call(
    app: ASGIApp, scope: dict[str, Any], body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
    """Run one ASGI request to completion; return status, headers and body chunks."""
    sent_body = False
    status = 500
    out_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent_body
        if sent_body:
            await asyncio.Event().wait()  # an http.disconnect that never comes
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, out_headers
        if message["type"] == "http.response.start":
            status = int(message["status"])
            out_headers = [(bytes(n), bytes(v)) for n, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(scope, receive, send)
    return status, out_headers, chunks


async def _serve_connection(
    app: ASGIApp, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            method, target, version = parts
            headers: list[tuple[bytes, bytes]] = []
            length = 0
            keep_alive = version == "HTTP/1.1"
            for line in lines[1:]:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                headers.append((name.encode("latin-1"), value.encode("latin-1")))
                if name == "content-length" and value.isdigit():
                    length = min(int(value), _MAX_BODY)
                elif name == "connection":
                    keep_alive = value.lower() != "close" and (
                        keep_alive or value.lower() == "keep-alive"
                    )
            body = await reader.readexactly(length) if length else b""
            path, _, query = target.partition("?")
            host, port = writer.get_extra_info("sockname")[:2]
            peer = writer.get_extra_info("peername")
            scope: dict[str, Any] = {
                "type": "http",
                "asgi": {"version": "3.0", "spec_version": "2.3"},
                "http_version": version[5:],
                "method": method.upper(),
                "scheme": "http",
                "path": path,
                "raw_path": path.encode("latin-1"),
                "query_string": query.encode("latin-1"),
                "root_path": "",
                "headers": headers,
                "server": (host, port),
                "client": peer[:2] if peer else None,
            }
            status, out_headers, chunks = await _call(app, scope, body)
            payload = b"" if method.upper() == "HEAD" else b"".join(chunks)
            reason = _REASONS.get(status, "Status")
            response = [f"HTTP/1.1 {status} {reason}\r\n".encode()]
            for out_name, out_value in out_headers:
                if out_name.lower() not in (b"content-length", b"connection", b"transfer-encoding"):
                    response.append(out_name + b": " + out_value + b"\r\n")
            response.append(f"content-length: {len(payload)}\r\n".encode())
            if not keep_alive:
                response.append(b"connection: close\r\n")
            response.append(b"\r\n")
            writer.write(b"".join(response) + payload)
            await writer.drain()
            if not keep_alive:
                return
    except ConnectionError:
        return
    finally:
        writer.close()


@dataclass(frozen=True)
class RunningLab:
    """A lab being served: its base URL and the endpoints an audit should visit."""

    base_url: str
    port: int
    endpoints: tuple[LabEndpoint, ...]
    trusted_origin: str

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def urls(self) -> list[str]:
        return [self.url(endpoint.path) for endpoint in self.endpoints]


class _ServerThread(threading.Thread):
    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        super().__init__(name="corsguard-lab", daemon=True)
        self.app, self.host, self.port = app, host, port
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop_event: asyncio.Event | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as exc:  # reported to the starting thread
            self.error = exc
            self.ready.set()
        finally:
            self.loop.close()

    async def _main(self) -> None:
        self.stop_event = asyncio.Event()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _serve_connection(self.app, reader, writer)

        server = await asyncio.start_server(
            handle, self.host, self.port, limit=_MAX_HEAD, reuse_address=True
        )
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        async with server:
            await self.stop_event.wait()

    def stop(self) -> None:
        if self.loop is not None and self.stop_event is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self.stop_event.set)
        self.join(5)


@contextlib.contextmanager
def serve_app(app: ASGIApp, port: int = 0, host: str = "127.0.0.1") -> Iterator[int]:
    """Serve an ASGI app on ``host`` (loopback) in a background thread; yield the port."""
    thread = _ServerThread(app, host, port)
    thread.start()
    thread.ready.wait(10)
    if thread.error is not None:
        raise OSError(f"cannot serve on {host}:{port}: {thread.error}") from thread.error
    try:
        yield thread.port
    finally:
        thread.stop()


@contextlib.contextmanager
def start_lab(port: int = 0) -> Iterator[RunningLab]:
    """Start the lab on 127.0.0.1 (a free port unless ``port`` is given).

    Yields a `RunningLab` with the base URL and the catalogue of endpoints with the
    finding ids each one must produce; the lab stops when the block ends.
    """
    with serve_app(make_app(), port) as bound:
        yield RunningLab(f"http://127.0.0.1:{bound}", bound, ENDPOINTS, TRUSTED_ORIGIN)
