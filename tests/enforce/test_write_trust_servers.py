"""Write trust through real servers: the ASGI middleware under uvicorn (HTTP and WebSocket)
and the WSGI middleware under wsgiref, each in front of a handler that counts its calls.

One policy with three kinds of trust: the app origin with credentials (the root), any origin
without credentials (/public), one partner origin without credentials (/partner).
"""

from __future__ import annotations

import collections
import http.client
import itertools
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from corsguard import Policy
from corsguard.asgi import CORSMiddleware as ASGIMiddleware
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware
from tests.helpers.servers import serve_asgi, serve_wsgi

APP = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"
METHODS = ["GET", "POST", "PUT"]
# Each request goes to a path of its own, so the handler's count for it is its alone.
SEQ = itertools.count()

POLICY = Policy(
    allow_origins=[APP],
    allow_methods=METHODS,
    allow_credentials=True,
    routes={
        "/public": Policy(allow_origins=["*"], allow_methods=METHODS),
        "/partner": Policy(allow_origins=[PARTNER], allow_methods=METHODS),
    },
)

COOKIE = {"Cookie": "session=s3cret"}
BASIC = {"Authorization": "Basic dXNlcjpwYXNz"}
BEARER = {"Authorization": "Bearer t0ken"}

# (name, method, path, origin, credentials, status, handler runs)
HTTP_CASES = [
    ("public: cookieless POST", "POST", "/public/x", EVIL, {}, 200, True),
    ("public: POST with a cookie", "POST", "/public/x", EVIL, COOKIE, 403, False),
    ("public: PUT with Basic auth", "PUT", "/public/x", EVIL, BASIC, 403, False),
    ("public: PUT with a Bearer token", "PUT", "/public/x", EVIL, BEARER, 200, True),
    ("public: GET with a cookie", "GET", "/public/x", EVIL, COOKIE, 200, True),
    ("partner: cookieless PUT", "PUT", "/partner/x", PARTNER, {}, 200, True),
    ("partner: POST with a cookie", "POST", "/partner/x", PARTNER, COOKIE, 403, False),
    ("partner: untrusted cookieless POST", "POST", "/partner/x", EVIL, {}, 403, False),
    ("app: POST with a cookie", "POST", "/api/x", APP, COOKIE, 200, True),
    ("app: PUT with Basic auth", "PUT", "/api/x", APP, BASIC, 200, True),
    ("app: untrusted POST with a cookie", "POST", "/api/x", EVIL, COOKIE, 403, False),
    ("public: same-origin POST with a cookie", "POST", "/public/x", "http://HOST", COOKIE, 200,
     True),
]  # fmt: skip


class Counter:
    def __init__(self) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()

    def hit(self, key: str) -> None:
        with self.lock:
            self.calls[key] += 1


def asgi_app(counter: Counter) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "websocket":
            await receive()
            counter.hit("WS " + scope["path"])
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "welcome"})
            await send({"type": "websocket.close", "code": 1000})
            return
        counter.hit(f"{scope['method']} {scope['path']}")
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"handled"})

    return app


def wsgi_app(counter: Counter) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        counter.hit(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"handled"]

    return app


@pytest.fixture(scope="module")
def asgi_server() -> Iterator[tuple[int, Counter]]:
    counter = Counter()
    with serve_asgi(ASGIMiddleware(asgi_app(counter), policy=POLICY)) as port:
        yield port, counter


@pytest.fixture(scope="module")
def wsgi_server() -> Iterator[tuple[int, Counter]]:
    counter = Counter()
    with serve_wsgi(WSGIMiddleware(wsgi_app(counter), policy=POLICY)) as port:
        yield port, counter


def send(port: int, method: str, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=b"a=1" if method != "GET" else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("server", ["asgi", "wsgi"])
@pytest.mark.parametrize(
    ("method", "path", "origin", "credentials", "status", "runs"),
    [case[1:] for case in HTTP_CASES],
    ids=[case[0] for case in HTTP_CASES],
)
def test_http_writes(
    request: pytest.FixtureRequest,
    server: str,
    method: str,
    path: str,
    origin: str,
    credentials: dict[str, str],
    status: int,
    runs: bool,
) -> None:
    port, counter = request.getfixturevalue(f"{server}_server")
    origin = origin.replace("HOST", f"127.0.0.1:{port}")
    unique = f"{path}/{next(SEQ)}"
    key = f"{method} {unique}"
    assert counter.calls[key] == 0
    got = send(port, method, unique, {"Origin": origin, **credentials})
    assert got == status
    assert counter.calls[key] == (1 if runs else 0)


# (name, path, origin, credentials, opens)
WS_CASES = [
    ("public: cookieless", "/public/ws", EVIL, {}, True),
    ("public: with a cookie", "/public/ws", EVIL, COOKIE, False),
    ("public: with Basic auth", "/public/ws", EVIL, BASIC, False),
    ("partner: cookieless", "/partner/ws", PARTNER, {}, True),
    ("partner: with a cookie", "/partner/ws", PARTNER, COOKIE, False),
    ("app: with a cookie", "/api/ws", APP, COOKIE, True),
    ("app: untrusted, cookieless", "/api/ws", EVIL, {}, False),
]


@pytest.mark.parametrize(
    ("path", "origin", "credentials", "opens"),
    [case[1:] for case in WS_CASES],
    ids=[case[0] for case in WS_CASES],
)
def test_websocket_handshakes(
    asgi_server: tuple[int, Counter],
    path: str,
    origin: str,
    credentials: dict[str, str],
    opens: bool,
) -> None:
    port, counter = asgi_server
    unique = f"{path}/{next(SEQ)}"
    url = f"ws://127.0.0.1:{port}{unique}"
    if opens:
        with connect(url, origin=origin, additional_headers=credentials, open_timeout=30) as ws:
            assert ws.recv(timeout=30) == "welcome"
    else:
        with pytest.raises(InvalidStatus) as info:
            connect(url, origin=origin, additional_headers=credentials, open_timeout=30)
        assert info.value.response.status_code == 403
    assert counter.calls["WS " + unique] == (1 if opens else 0)
