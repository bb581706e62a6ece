"""Apps for `corsguard audit --app`: the same CORS mistakes in Starlette, FastAPI, Flask and
Django, each loadable as MODULE:ATTR (``tests.helpers.apps_auditapp:flask_app``).

Every app answers the paths of `MISTAKES` with the hand-written CORS layer of
`cors_headers` (the kinds of mistake the lab has: a reflected origin, ``null`` trusted,
``*`` with credentials, no ``Vary: Origin``, a preflight that reflects any origin), plus
``/safe`` (the trusted front end only, done right) and routes with parameters, which the
route listing must leave out. ``/boom`` raises in the handler.

Django: ``DJANGO_SETTINGS_MODULE=tests.helpers.apps_auditapp`` (the settings are this
module's upper-case names), then ``django_app`` / ``django_asgi``.
"""

from __future__ import annotations

from typing import Any

# FastAPI reads the handler's (string) annotation from this module's globals.
from starlette.requests import Request

TRUSTED = "https://app.example.test"

# path -> the finding ids `corsguard audit --origin TRUSTED` reports there.
MISTAKES: dict[str, frozenset[str]] = {
    "/reflect": frozenset({"origin-reflected"}),
    "/null": frozenset({"null-origin-trusted"}),
    "/wildcard-credentials": frozenset({"wildcard-origin", "wildcard-with-credentials"}),
    "/no-vary": frozenset({"missing-vary-origin"}),
    "/preflight-reflect": frozenset({"preflight-origin-reflected"}),
    "/safe": frozenset(),
}
LISTED = [*MISTAKES, "/api/v1/items"]  # what route listing finds (mounted/included last)


def cors_headers(path: str, method: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    """The response headers of each mistake (``headers``: lowercase request header names)."""
    origin = headers.get("origin")
    preflight = method == "OPTIONS" and "access-control-request-method" in headers
    out: list[tuple[str, str]] = []
    granted: bool
    if path == "/reflect":
        granted = origin is not None
    elif path == "/null":
        granted = origin in (TRUSTED, "null")
    elif path == "/wildcard-credentials":
        return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]
    elif path == "/preflight-reflect":
        granted = origin is not None if preflight else origin == TRUSTED
    else:
        granted = origin == TRUSTED
    if granted and origin is not None:
        out += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
        if preflight:
            out += [("Access-Control-Allow-Methods", "GET, PUT"), ("Access-Control-Max-Age", "60")]
    if path != "/no-vary":
        out.append(("Vary", "Origin"))
    return out


def status_of(method: str, headers: dict[str, str]) -> int:
    preflight = method == "OPTIONS" and "access-control-request-method" in headers
    return 204 if preflight else 200


# --- Starlette / FastAPI ----------------------------------------------------------------------


def _starlette_view(request: Any) -> Any:
    from starlette.responses import Response

    headers = {k.lower(): v for k, v in request.headers.items()}
    path = request.url.path
    if path == "/boom":
        raise RuntimeError("boom in the handler")
    status = status_of(request.method, headers)
    return Response(
        b"" if status == 204 else b'{"ok": true}',
        status,
        headers=dict(cors_headers(path, request.method, headers)),
        media_type=None if status == 204 else "application/json",
    )


def _starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route

    methods = ["GET", "OPTIONS", "POST", "PUT"]
    routes: list[Any] = [Route(p, _starlette_view, methods=methods) for p in MISTAKES]
    routes += [
        Route("/items/{item_id}", _starlette_view),  # a parameter: not listed
        Route("/submit", _starlette_view, methods=["POST"]),  # no GET: not listed
        Mount("/api/v1", routes=[Route("/items", _starlette_view)]),
        Route("/boom", _starlette_view),
    ]
    return Starlette(routes=routes)


def _fastapi() -> Any:
    from fastapi import FastAPI

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    async def view(request: Request) -> Any:
        return _starlette_view(request)

    for path in MISTAKES:
        app.add_api_route(path, view, methods=["GET", "OPTIONS", "POST", "PUT"])
    app.add_api_route("/items/{item_id}", view, methods=["GET"])
    app.add_api_route("/api/v1/items", view, methods=["GET"])
    return app


LIFESPAN_EVENTS: list[str] = []


def _lifespan(fail: bool) -> Any:
    """A Starlette app whose route needs what its lifespan startup opens (request.state)."""
    import contextlib

    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        LIFESPAN_EVENTS.append("startup")
        if fail:
            raise RuntimeError("the database is not reachable")
        yield {"pool": "open"}
        LIFESPAN_EVENTS.append("shutdown")

    async def view(request: Request) -> Any:
        pool = request.state.pool  # AttributeError without the startup
        return JSONResponse({"pool": pool}, headers={"Access-Control-Allow-Origin": "*"})

    return Starlette(routes=[Route("/state", view)], lifespan=lifespan)


# --- Flask ------------------------------------------------------------------------------------


def _flask() -> Any:
    from flask import Blueprint, Flask, Response, request

    app = Flask("auditapp")

    def view(**_: Any) -> Any:
        headers = {k.lower(): v for k, v in request.headers.items()}
        if request.path == "/boom":
            raise RuntimeError("boom in the handler")
        status = status_of(request.method, headers)
        return Response(
            b"" if status == 204 else b'{"ok": true}',
            status,
            headers=cors_headers(request.path, request.method, headers),
            content_type=None if status == 204 else "application/json",
        )

    for path in MISTAKES:
        app.add_url_rule(path, path, view, methods=["GET", "OPTIONS", "POST", "PUT"])
    app.add_url_rule("/items/<int:item_id>", "item", view)
    app.add_url_rule("/submit", "submit", view, methods=["POST"])
    app.add_url_rule("/boom", "boom", view)
    api = Blueprint("api", "auditapp_api", url_prefix="/api/v1")
    api.add_url_rule("/items", "items", view)
    app.register_blueprint(api)
    return app


# --- Django -------------------------------------------------------------------------------------

SECRET_KEY = "corsguard-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = __name__
USE_TZ = True


def _django_view(request: Any, **_: Any) -> Any:
    from django.http import HttpResponse

    headers = {k.lower(): v for k, v in request.headers.items()}
    if request.path == "/boom":
        raise RuntimeError("boom in the handler")
    status = status_of(request.method, headers)
    response = HttpResponse(
        b"" if status == 204 else b'{"ok": true}',
        status=status,
        content_type="application/json",
    )
    for name, value in cors_headers(request.path, request.method, headers):
        response[name] = value
    return response


def _django_urlpatterns() -> list[Any]:
    from django.urls import include, path, re_path

    patterns = [path(p.lstrip("/"), _django_view) for p in MISTAKES]
    patterns += [
        path("items/<int:item_id>", _django_view),  # a converter: not listed
        re_path(r"^legacy/(?P<slug>[a-z]+)$", _django_view),  # a group: not listed
        path("api/v1/", include([path("items", _django_view)])),
        path("boom", _django_view),
    ]
    return patterns


def __getattr__(name: str) -> Any:
    # Built on first use, so that importing this module needs only the framework asked for.
    if name == "lab_app":
        from corsguard.lab.app import make_app

        return make_app(TRUSTED)
    if name == "starlette_app":
        return _starlette()
    if name == "fastapi_app":
        return _fastapi()
    if name in ("lifespan_app", "failing_lifespan_app"):
        return _lifespan(fail=name.startswith("failing"))
    if name == "flask_app":
        return _flask()
    if name == "django_app":
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    if name == "django_asgi":
        from django.core.asgi import get_asgi_application

        return get_asgi_application()
    if name == "urlpatterns":  # read by Django's resolver once settings are loaded
        return _django_urlpatterns()
    raise AttributeError(name)
