"""The end-to-end world for tests/enforce/test_e2e_chromium.py: one HTTPS server, three sites.

Every host name maps to 127.0.0.1 in the test browser, and one server answers them all:
- ``https://api.example.test:PORT``: the API, under corsguard's ASGI middleware;
- ``https://app.example.test:PORT``: the trusted front end (same site as the API);
- ``https://evil.attacker.test:PORT``: an untrusted page on another registrable domain.

`Recorder` sits outside the middleware and logs every request with the status it got,
so the test can count preflights and see the cookie on refused requests; the handlers
inside count their own calls, so "the handler never ran" is observed, not assumed.
"""

from __future__ import annotations

import collections
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corsguard.asgi import CORSMiddleware

PAGE = b"<!doctype html><meta charset=utf-8><title>corsguard e2e</title><body></body>"
COOKIE_NAME = "session"


def self_signed_cert(folder: Path) -> tuple[str, str]:
    """A throw-away certificate for *.example.test and *.attacker.test, via the openssl CLI."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=api.example.test",
            "-addext", "subjectAltName=DNS:*.example.test,DNS:*.attacker.test",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(key), str(cert)


@dataclass
class Seen:
    method: str
    host: str
    path: str
    headers: dict[str, str]
    status: int | None = None


@dataclass
class World:
    port: int
    cookie_value: str
    seen: list[Seen] = field(default_factory=list)
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    cookies: dict[str, list[str | None]] = field(
        default_factory=lambda: collections.defaultdict(list)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, host: str, path: str) -> str:
        return f"https://{host}:{self.port}{path}"

    @property
    def trusted(self) -> str:
        return f"https://app.example.test:{self.port}"

    @property
    def untrusted(self) -> str:
        return f"https://evil.attacker.test:{self.port}"

    def requests(self, method: str, path: str) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if s.method == method and s.path == path]


def api_app(world: World) -> Any:
    """The inner app: pages, a cookie setter, API handlers and a WebSocket, all counted."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if scope["type"] == "websocket":
            await receive()
            with world.lock:
                world.calls["WS " + path] += 1
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "welcome"})
            await send({"type": "websocket.close", "code": 1000})
            return
        key = f"{scope['method']} {path}"
        with world.lock:
            world.calls[key] += 1
            world.cookies[key].append(headers.get("cookie"))
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        extra: list[tuple[bytes, bytes]] = []
        if path == "/page":
            body, kind = PAGE, b"text/html; charset=utf-8"
        elif path == "/set-cookie":
            body, kind = b"cookie set", b"text/plain"
            cookie = f"{COOKIE_NAME}={world.cookie_value}; Path=/; Secure; HttpOnly; SameSite=None"
            extra.append((b"set-cookie", cookie.encode()))
        else:
            body, kind = f"handled {key}".encode(), b"text/plain"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", kind), *extra],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def recorded(world: World, inner: Any) -> Any:
    """Log each HTTP request and the status the stack below answered it with."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        seen = Seen(scope["method"], headers.get("host", "").split(":")[0], scope["path"], headers)
        with world.lock:
            world.seen.append(seen)

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
            await send(message)

        await inner(scope, receive, send_status)

    return app


def build(world: World) -> Any:
    guarded = CORSMiddleware(
        api_app(world),
        allow_origins=[world.trusted],
        allow_methods=["GET", "POST", "PUT"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        max_age=600,
    )
    return recorded(world, guarded)
