"""Differential property (issue #10): on generated request targets, the policy corsguard
applies is the one of the route the framework's own router dispatches to, or stricter.

The routers are the real ones: Starlette's Router (also below uvicorn's root_path and a
Starlette Mount), Werkzeug's Map (what Flask routes with) and Django's URL resolver. Each
has a handler per corsguard route prefix and a catch-all, so every path that reaches a
handler has an expected policy. corsguard is given the path exactly as its adapter
computes it from the same scope, environ or request (asgi.route_path, wsgi.environ_path,
Werkzeug's request.path for the Flask extension, Django's request.path_info).

"Stricter" means the strict policy of engine.route_policy; the test also checks, through
engine.decide, that the write rule is never laxer than the handler's: a cross-site form
POST is refused whenever the handler's own policy refuses it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsguard import Policy
from corsguard.asgi import route_path
from corsguard.engine import _exempt, decide, route_policy
from corsguard.wsgi import environ_path, environ_raw_path

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

TOP = "top"
ROUTES = {
    "/admin": Policy(allow_origins=[TRUSTED], allow_methods=["POST"], allow_credentials=True),
    "/public": Policy(allow_origins=["*"], block_cross_origin_writes=False),
    "/public/private": Policy(allow_origins=[TRUSTED], allow_credentials=True),
    "/hooks": Policy(allow_origins=[PARTNER], block_cross_origin_writes=False),
    "/café": Policy(allow_origins=["*"]),
}
POLICY = Policy(
    allow_origins=[TRUSTED, PARTNER],
    allow_methods=["GET", "POST"],
    allow_credentials=True,
    write_protection_exempt_paths=["/webhooks"],
    routes=ROUTES,
)
assert POLICY.compiled.paths is not None
STRICT = POLICY.compiled.paths[0]
# Every handler's tag: a route prefix, the exempt prefix (top policy), or the catch-all.
TAGS = [*sorted(ROUTES, key=len, reverse=True), "/webhooks"]

# Pieces of a request target as a client may send them: route names, their near misses,
# dot segments plain and encoded, encoded separators, ';' parameters, a backslash,
# UTF-8 and broken UTF-8 escapes, a '%25' that a second decoding would read.
ATOMS = [
    "admin", "public", "private", "hooks", "webhooks", "caf%C3%A9", "caf%c3%a9", "x",
    "files", "", ".", "..", "%2e", "%2E%2E", "%2F", "%2f", "%5C",
    ";v=1", ";", "\\", "%25", "%252F", "%FF", "adm", "publicity", "%61dmin",
]  # fmt: skip
segment = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=3).map("".join)
targets = st.lists(segment, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))
examples = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected(tag: str) -> tuple[Policy, bool]:
    """The policy and write exemption the handler with ``tag`` is meant to run under."""
    if tag == "/webhooks":
        return POLICY, True
    if tag == TOP:
        return POLICY, False
    return ROUTES[tag], False


def check(tag: str | None, path: str, raw: str | None) -> None:
    """corsguard's choice for (path, raw) against the handler the router picked."""
    if tag is None:
        return  # no handler runs (404, a redirect): nothing to protect
    policy, exempt = expected(tag)
    chosen = route_policy(POLICY, path, raw)
    if chosen is not STRICT:
        assert chosen is policy, (tag, path, raw)
        assert _exempt(chosen.compiled, path) is exempt, (tag, path, raw)
    form_post = [(b"origin", EVIL.encode()), (b"sec-fetch-site", b"cross-site")]
    refused = decide(POLICY, "POST", path, form_post, raw_path=raw).status == 403
    # The handler's own policy, on a path none of its exemptions covers.
    if not exempt and decide(policy, "POST", "/-", form_post).status == 403:
        assert refused, (tag, path, raw)
    for origin in (TRUSTED, PARTNER, EVIL):
        got = decide(POLICY, "GET", path, [(b"origin", origin.encode())], raw_path=raw)
        own = decide(policy, "GET", "/", [(b"origin", origin.encode())])
        assert got.headers in (own.headers, ()), (tag, path, raw, origin)


# --- Starlette ------------------------------------------------------------------------------


def starlette_router() -> Any:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, Router

    def tagged(tag: str) -> Any:
        async def endpoint(request: Request) -> PlainTextResponse:
            return PlainTextResponse(tag)

        return endpoint

    routes = []
    for tag in TAGS:  # longest prefixes first: Starlette takes the first route that matches
        routes.append(Route(tag, tagged(tag)))
        routes.append(Route(tag + "/{rest:path}", tagged(tag)))
    routes.append(Route("/{rest:path}", tagged(TOP)))
    return Router(routes=routes)


STARLETTE = starlette_router()


class Capture:
    """Records the scope an app mounted below it receives (what corsguard would see)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.scope: dict[str, Any] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope = scope
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def starlette_dispatch(
    loop: asyncio.AbstractEventLoop, app: Any, scope: dict[str, Any]
) -> tuple[str | None, int]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    loop.run_until_complete(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return (body.decode() if status == 200 else None), status


def asgi_scope(raw: str, root: str = "") -> dict[str, Any]:
    # What uvicorn builds: path decoded as UTF-8 (replacing what is not), the root path
    # in front of both path and raw_path.
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": root + unquote(raw),
        "raw_path": (root + raw).encode("latin-1"),
        "root_path": root,
        "query_string": b"",
        "headers": [(b"host", b"api.example.test")],
    }


@examples
@given(targets)
def test_starlette_router(loop: asyncio.AbstractEventLoop, raw: str) -> None:
    scope = asgi_scope(raw)
    tag, _ = starlette_dispatch(loop, STARLETTE, scope)
    check(tag, route_path(scope), raw)


@examples
@given(targets)
def test_starlette_below_uvicorn_root_path(loop: asyncio.AbstractEventLoop, raw: str) -> None:
    scope = asgi_scope(raw, root="/svc")
    tag, _ = starlette_dispatch(loop, STARLETTE, scope)
    check(tag, route_path(scope), scope["raw_path"].decode("latin-1"))


@examples
@given(targets)
def test_starlette_mount(loop: asyncio.AbstractEventLoop, raw: str) -> None:
    from starlette.routing import Mount, Router

    inner = Capture(starlette_router())
    app = Router(routes=[Mount("/v1", app=inner)])
    scope = asgi_scope("/v1" + raw)
    tag, _ = starlette_dispatch(loop, app, scope)
    if inner.scope is not None:
        check(tag, route_path(inner.scope), inner.scope["raw_path"].decode("latin-1"))


# --- Werkzeug (Flask) ----------------------------------------------------------------------


def werkzeug_map() -> Any:
    from werkzeug.routing import Map, Rule

    rules = [Rule("/", endpoint=TOP), Rule("/<path:rest>", endpoint=TOP)]
    for tag in TAGS:
        # "/admin/" too: <path:> needs a remainder, and corsguard reads a prefix's
        # trailing-slash form as below it (as Starlette's {rest:path} and Django do).
        rules.append(Rule(tag, endpoint=tag))
        rules.append(Rule(tag + "/", endpoint=tag))
        rules.append(Rule(tag + "/<path:rest>", endpoint=tag))
    return Map(rules)


WERKZEUG_MAP = werkzeug_map()


def wsgi_environ(raw: str, script_name: str = "") -> dict[str, Any]:
    # What gunicorn builds: PATH_INFO the decoded bytes as latin-1 (PEP 3333), below
    # SCRIPT_NAME; RAW_URI the target as sent.
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": script_name,
        "PATH_INFO": unquote_to_bytes(raw).decode("latin-1"),
        "RAW_URI": script_name + raw,
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.test",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "api.example.test",
        "wsgi.url_scheme": "http",
    }


def werkzeug_dispatch(environ: dict[str, Any]) -> str | None:
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    try:
        endpoint, _ = WERKZEUG_MAP.bind_to_environ(environ).match()
    except (HTTPException, RequestRedirect):
        return None  # 404, 405 or a redirect to the merged-slashes URL: no handler ran
    return str(endpoint)


@examples
@given(targets, st.sampled_from(["", "/svc"]))
def test_werkzeug_map(raw: str, script_name: str) -> None:
    from werkzeug.wrappers import Request

    environ = wsgi_environ(raw, script_name)
    tag = werkzeug_dispatch(environ)
    # corsguard.wsgi.CORSMiddleware and the Flask extension (request.path) alike.
    check(tag, environ_path(environ), environ_raw_path(environ))
    check(tag, Request(environ).path, environ_raw_path(environ))


# --- Django --------------------------------------------------------------------------------


def django_urlconf() -> Any:
    import re

    from django.http import HttpResponse
    from django.urls import re_path

    def tagged(tag: str) -> Any:
        def view(request: Any, rest: str = "") -> HttpResponse:
            return HttpResponse(tag)

        view.tag = tag  # type: ignore[attr-defined]
        return view

    class URLConf:
        urlpatterns = [
            re_path(rf"^{re.escape(tag[1:])}(?:/(?P<rest>.*))?\Z", tagged(tag)) for tag in TAGS
        ] + [re_path(r"^(?P<rest>.*)\Z", tagged(TOP))]

    return URLConf


@pytest.fixture(scope="module")
def django_conf() -> Any:
    import django
    from django.conf import settings as django_settings

    if not django_settings.configured:
        django_settings.configure(
            SECRET_KEY="corsguard-tests",
            ALLOWED_HOSTS=["*"],
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            ROOT_URLCONF=__name__,
            USE_TZ=True,
        )
        django.setup()
    return django_urlconf()


urlpatterns: list[Any] = []  # ROOT_URLCONF for settings configured here; never used


@examples
@given(targets, st.sampled_from(["", "/svc"]))
def test_django_resolver(django_conf: Any, raw: str, script_name: str) -> None:
    from django.core.handlers.wsgi import WSGIRequest
    from django.urls import Resolver404, resolve

    environ = wsgi_environ(raw, script_name)
    # The WSGI middleware runs before Django, which writes its decoded PATH_INFO back.
    outer_path, outer_raw = environ_path(environ), environ_raw_path(environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    request = WSGIRequest(environ)
    try:
        tag = resolve(request.path_info, urlconf=django_conf).func.tag
    except Resolver404:
        tag = None
    # corsguard.django (request.path_info) and the WSGI middleware wrapping Django.
    check(tag, request.path_info, environ_raw_path(request.META))
    check(tag, outer_path, outer_raw)
