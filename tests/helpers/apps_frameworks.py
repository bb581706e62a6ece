"""The same tiny app in FastAPI, Starlette, Flask and Django, each under corsguard's middleware.

Every app has one catch-all handler for every path and method that:
- counts its calls by (method, path) in a `collections.Counter`, so a test can prove that
  the middleware answered without running the handler;
- sets its own ``Vary: Accept-Encoding``, so a test can prove ``Origin`` is appended to it;
- at ``/api/acao`` sets Access-Control-* headers of its own, which the policy must replace;
- answers ``handled <METHOD> <path>`` (OPTIONS too: a non-preflight OPTIONS reaches it).

`Stack.client(**policy_options)` builds the app with the middleware configured the way a
user of that framework writes it, and returns a `Client` driving it through the
framework's own test client (Starlette's TestClient for FastAPI, Starlette and Django's
ASGI app; Werkzeug's for Flask and Django's WSGI app).
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

# FastAPI reads the handlers' (string) annotations from this module's globals.
from fastapi import Request, WebSocket

APP_ACAO = "https://evil.attacker.test"
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "patch"]

Headers = Sequence[tuple[str, str]]


@dataclass
class Resp:
    status: int
    headers: list[tuple[str, str]]  # names lowercased, in order, repeats kept
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n == name.lower()]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        return ", ".join(values) if values else None

    def tokens(self, name: str) -> list[str]:
        """The comma-list tokens of every field named ``name``, lowercased."""
        return [t.strip().lower() for v in self.values(name) for t in v.split(",") if t.strip()]

    @property
    def vary(self) -> list[str]:
        return self.tokens("vary")

    @property
    def cors(self) -> dict[str, str]:
        return {n: v for n, v in self.headers if n.startswith("access-control-")}


@dataclass
class Client:
    send: Callable[[str, str, Headers], Resp]
    self_origin: str  # the origin whose host equals the Host header the test client sends
    calls: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    app: Any = None  # the wrapped app, for websocket and lifespan tests

    def request(self, method: str, path: str, headers: Headers = ()) -> Resp:
        return self.send(method, path, headers)

    def handled(self, method: str | None = None) -> int:
        return sum(n for (m, _p), n in self.calls.items() if method is None or m == method)


def _response_body(method: str, path: str) -> bytes:
    return f"handled {method} {path}".encode()


def _app_headers(path: str) -> list[tuple[str, str]]:
    headers = [("Vary", "Accept-Encoding"), ("Content-Type", "text/plain")]
    if path == "/api/acao":
        headers += [
            ("Access-Control-Allow-Origin", APP_ACAO),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Expose-Headers", "X-Secret"),
        ]
    return headers


# --- Starlette TestClient (FastAPI, Starlette, Django ASGI) ------------------------------


def _starlette_send(app: Any) -> Callable[[str, str, Headers], Resp]:
    from starlette.testclient import TestClient

    client = TestClient(app)

    def send(method: str, path: str, headers: Headers) -> Resp:
        # Bytes (latin-1) so that hostile non-ASCII values reach the app as raw bytes.
        raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]
        r = client.request(method, path, headers=raw)
        return Resp(r.status_code, [(n.lower(), v) for n, v in r.headers.multi_items()], r.content)

    return send


def _werkzeug_send(app: Any) -> Callable[[str, str, Headers], Resp]:
    from werkzeug.test import Client as WerkzeugClient

    client = WerkzeugClient(app)

    def send(method: str, path: str, headers: Headers) -> Resp:
        r = client.open(path, method=method, headers=list(headers))
        try:
            return Resp(r.status_code, [(n.lower(), v) for n, v in r.headers.items()], r.data)
        finally:
            r.close()

    return send


# --- the apps -------------------------------------------------------------------------------


def fastapi_client(**options: Any) -> Client:
    from fastapi import FastAPI, Response

    from corsguard.asgi import CORSMiddleware

    calls: collections.Counter[tuple[str, str]] = collections.Counter()
    app = FastAPI()

    @app.api_route("/{rest:path}", methods=METHODS)
    async def anything(request: Request) -> Response:
        path = request.url.path
        calls[(request.method, path)] += 1
        return Response(_response_body(request.method, path), headers=dict(_app_headers(path)))

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        calls[("WS", "/ws")] += 1
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app.add_middleware(CORSMiddleware, **options)
    return Client(_starlette_send(app), "http://testserver", calls, app)


def starlette_client(**options: Any) -> Client:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import Response
    from starlette.routing import Route, WebSocketRoute

    from corsguard.asgi import CORSMiddleware

    calls: collections.Counter[tuple[str, str]] = collections.Counter()

    async def anything(request: Request) -> Response:
        path = request.url.path
        calls[(request.method, path)] += 1
        return Response(_response_body(request.method, path), headers=dict(_app_headers(path)))

    async def ws(websocket: WebSocket) -> None:
        calls[("WS", "/ws")] += 1
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app = Starlette(
        routes=[WebSocketRoute("/ws", ws), Route("/{rest:path}", anything, methods=METHODS)],
        middleware=[Middleware(CORSMiddleware, **options)],
    )
    return Client(_starlette_send(app), "http://testserver", calls, app)


def flask_client(**options: Any) -> Client:
    from flask import Flask, request

    import corsguard.wsgi

    calls: collections.Counter[tuple[str, str]] = collections.Counter()
    app = Flask(__name__)

    @app.route("/", defaults={"rest": ""}, methods=METHODS)
    @app.route("/<path:rest>", methods=METHODS)
    def anything(rest: str) -> tuple[bytes, int, list[tuple[str, str]]]:
        calls[(request.method, request.path)] += 1
        return _response_body(request.method, request.path), 200, _app_headers(request.path)

    app.wsgi_app = corsguard.wsgi.CORSMiddleware(app.wsgi_app, **options)  # type: ignore[method-assign]
    return Client(_werkzeug_send(app), "http://localhost", calls)


# --- Django: settings configured in-process, once; our URLconf only while a test runs ------

DJANGO_CALLS: collections.Counter[tuple[str, str]] = collections.Counter()


def _django_view(request: Any) -> Any:
    from django.http import HttpResponse

    DJANGO_CALLS[(request.method, request.path)] += 1
    response = HttpResponse(_response_body(request.method, request.path))
    for name, value in _app_headers(request.path):
        response[name] = value
    return response


def _django_urlpatterns() -> list[Any]:
    from django.urls import re_path

    return [re_path(r"", _django_view)]


urlpatterns: list[Any] = []  # filled on first use, when Django is configured


@contextlib.contextmanager
def django_settings() -> Iterator[None]:
    """Configure Django if nobody has yet, and route to this module while the test runs.

    Another test module may have configured Django first, so everything this app needs
    (URLconf, no middleware, any host) is applied with override_settings, not configure().
    """
    import django
    from django.conf import settings
    from django.test.utils import override_settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="corsguard-tests-not-secret",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            USE_TZ=True,
        )
        django.setup()
    if not urlpatterns:
        urlpatterns.extend(_django_urlpatterns())
    with override_settings(ROOT_URLCONF=__name__, MIDDLEWARE=[], ALLOWED_HOSTS=["*"]):
        DJANGO_CALLS.clear()
        yield


def django_wsgi_client(**options: Any) -> Client:
    from django.core.wsgi import get_wsgi_application

    import corsguard.wsgi

    app = corsguard.wsgi.CORSMiddleware(get_wsgi_application(), **options)
    return Client(_werkzeug_send(app), "http://localhost", DJANGO_CALLS)


def django_asgi_client(**options: Any) -> Client:
    from django.core.asgi import get_asgi_application

    from corsguard.asgi import CORSMiddleware

    app = CORSMiddleware(get_asgi_application(), **options)
    return Client(_starlette_send(app), "http://testserver", DJANGO_CALLS)


STACKS: dict[str, Callable[..., Client]] = {
    "fastapi": fastapi_client,
    "starlette": starlette_client,
    "flask": flask_client,
    "django-wsgi": django_wsgi_client,
    "django-asgi": django_asgi_client,
}
