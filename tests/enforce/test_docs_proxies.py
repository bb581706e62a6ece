"""What docs/proxies.md and docs/flask.md state about corsguard behind proxies, held true.

The Vary table (every kind of response), same-origin detection with a rewritten Host, and
which forwarding fixes corsguard sees (Werkzeug's ProxyFix outside the middleware, and
before the Flask extension; X-Forwarded-Host alone never), each through the real engine,
WSGI middleware or Flask extension.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import Client

from corsguard import Policy, decide
from corsguard.asgi import CORSMiddleware as ASGICORS
from corsguard.flask import CORSGuard
from corsguard.wsgi import CORSMiddleware as WSGICORS

FRONT = "https://app.example.com"
SITE = "https://api.example.com"
HOST = "api.example.com"
EVIL = "https://evil.example"
PRIVATE = Policy(allow_origins=[FRONT], allow_methods=["GET", "DELETE"], allow_credentials=True)
PUBLIC = Policy(allow_origins=["*"])
PNA = Policy(allow_origins=[FRONT], allow_private_network=True)
PREFLIGHT_VARY = b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def _headers(**named: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").encode(), v.encode()) for k, v in named.items()]


# (policy, method, headers, status, vary, sends Access-Control-Allow-Origin)
VARY_CASES: dict[str, tuple[Policy, str, list[tuple[bytes, bytes]], int | None, bytes, bool]] = {
    "allowed GET": (PRIVATE, "GET", _headers(origin=FRONT, host=HOST), None, b"Origin", True),
    "untrusted GET": (PRIVATE, "GET", _headers(origin=EVIL, host=HOST), None, b"Origin", False),
    "no Origin": (PRIVATE, "GET", _headers(host=HOST), None, b"Origin", False),
    "same-origin write": (
        PRIVATE,
        "POST",
        _headers(origin=SITE, host=HOST),
        None,
        b"Origin",
        False,
    ),
    "refused write": (PRIVATE, "POST", _headers(origin=EVIL, host=HOST), 403, b"Origin", False),
    "granted preflight": (
        PRIVATE,
        "OPTIONS",
        _headers(origin=FRONT, access_control_request_method="DELETE"),
        204,
        PREFLIGHT_VARY,
        True,
    ),
    "refused preflight": (
        PRIVATE,
        "OPTIONS",
        _headers(origin=EVIL, access_control_request_method="DELETE"),
        403,
        PREFLIGHT_VARY,
        False,
    ),
    "private network preflight": (
        PNA,
        "OPTIONS",
        _headers(origin=FRONT, access_control_request_method="GET"),
        204,
        PREFLIGHT_VARY + b", Access-Control-Request-Private-Network",
        True,
    ),
    "public GET": (PUBLIC, "GET", _headers(origin=EVIL), None, b"", True),
    # docs/proxies.md: a public policy's answer is the same with or without an Origin, so
    # it needs no Vary (Fetch §CORS protocol and HTTP caches).
    "public, no Origin": (PUBLIC, "GET", _headers(host=HOST), None, b"", True),
    "public preflight": (
        PUBLIC,
        "OPTIONS",
        _headers(origin=EVIL, access_control_request_method="GET"),
        204,
        b"Access-Control-Request-Method, Access-Control-Request-Headers",
        True,
    ),
}


@pytest.mark.parametrize("case", VARY_CASES)
def test_vary_on_every_kind_of_response(case: str) -> None:
    policy, method, headers, status, vary, grants = VARY_CASES[case]
    decision = decide(policy, method, "/items", headers)
    assert decision.status == status
    assert decision.vary == vary
    names = [name for name, _ in decision.headers]
    assert (b"access-control-allow-origin" in names) is grants


def _starlette(vary: str | None) -> TestClient:
    async def endpoint(request: Request) -> Response:
        headers = {"Vary": vary} if vary is not None else {}
        headers["Access-Control-Allow-Origin"] = "*"  # dropped: the policy decides
        return PlainTextResponse("ok", headers=headers)

    app = Starlette(routes=[Route("/items", endpoint)])
    return TestClient(ASGICORS(app, policy=PRIVATE))


@pytest.mark.parametrize(
    ("app_vary", "sent_vary"),
    [
        (None, "Origin"),
        ("Accept-Encoding", "Accept-Encoding, Origin"),
        ("origin", "origin"),  # present already, in any case: not repeated
        ("*", "*"),  # left alone
    ],
)
@pytest.mark.parametrize("origin", [FRONT, EVIL, None])
def test_vary_is_appended_to_the_apps_own(
    app_vary: str | None, sent_vary: str, origin: str | None
) -> None:
    client = _starlette(app_vary)
    response = client.get("/items", headers={"Origin": origin} if origin else {})
    assert response.headers.get_list("vary") == [sent_vary]
    expected = FRONT if origin == FRONT else None
    assert response.headers.get("access-control-allow-origin") == expected


# (headers besides Origin, whether the write is decided same-origin and reaches the app)
HOST_CASES: dict[str, tuple[dict[str, str], bool]] = {
    "Host as the browser sent it": ({"Host": "api.example.com"}, True),
    "default port in Host": ({"Host": "api.example.com:443"}, True),
    "Host in capitals": ({"Host": "API.example.com"}, True),
    "Host rewritten to the upstream": ({"Host": "127.0.0.1:8000"}, False),
    "rewritten, Sec-Fetch-Site same-origin": (
        {"Host": "127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
        True,
    ),
    "rewritten, X-Forwarded-Host alone": (
        {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "api.example.com"},
        False,
    ),
    "Sec-Fetch-Site cross-site wins over Host": (
        {"Host": "api.example.com", "Sec-Fetch-Site": "cross-site"},
        False,
    ),
}


def _flask() -> Flask:
    app = Flask("docs_proxies")

    @app.post("/items")
    def items() -> str:
        return "ok"

    return app


@pytest.mark.parametrize("case", HOST_CASES)
def test_same_origin_write_and_the_host_header(case: str) -> None:
    headers, passes = HOST_CASES[case]
    app = _flask()
    app.wsgi_app = WSGICORS(app.wsgi_app, policy=PRIVATE)  # type: ignore[method-assign]
    response = Client(app).post("/items", headers={"Origin": SITE, **headers})
    assert response.status_code == (200 if passes else 403)


@pytest.mark.parametrize(
    "where",
    ["middleware, ProxyFix outside", "extension, ProxyFix before", "extension, ProxyFix after"],
)
def test_proxyfix_gives_corsguard_the_forwarded_host(where: str) -> None:
    app: Any = _flask()
    if where.startswith("middleware"):
        app.wsgi_app = ProxyFix(WSGICORS(app.wsgi_app, policy=PRIVATE), x_host=1)
    else:
        app.config["CORSGUARD"] = PRIVATE
        if where.endswith("before"):
            app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)
        CORSGuard(app)
        if where.endswith("after"):
            app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)
    client = Client(app)
    rewritten = {"Origin": SITE, "Host": "127.0.0.1:8000"}
    assert client.post("/items", headers=rewritten).status_code == 403
    forwarded = {**rewritten, "X-Forwarded-Host": "api.example.com"}
    assert client.post("/items", headers=forwarded).status_code == 200


def test_proxyfix_inside_the_middleware_comes_too_late() -> None:
    app = _flask()
    app.wsgi_app = WSGICORS(ProxyFix(app.wsgi_app, x_host=1), policy=PRIVATE)  # type: ignore[method-assign]
    headers = {"Origin": SITE, "Host": "127.0.0.1:8000", "X-Forwarded-Host": "api.example.com"}
    assert Client(app).post("/items", headers=headers).status_code == 403


def test_scheme_is_not_compared() -> None:
    """docs/proxies.md, TLS termination: an http page on the site's host is same-origin by Host."""
    headers = _headers(origin="http://api.example.com", host="api.example.com")
    assert decide(PRIVATE, "POST", "/items", headers, scheme="https").status is None
    assert decide(PRIVATE, "POST", "/items", headers, scheme="http").status is None
    # A browser that sends Sec-Fetch-Site does not call it same-origin: refused.
    cross = [*headers, (b"sec-fetch-site", b"same-site")]
    assert decide(PRIVATE, "POST", "/items", cross, scheme="https").status == 403


@pytest.mark.parametrize("cookie", [True, False])
def test_login_csrf_from_an_untrusted_origin_is_refused_without_cookies(cookie: bool) -> None:
    """docs/flask.md: an untrusted origin's write is refused, session cookie or not."""
    headers = _headers(origin=EVIL, host=HOST)
    if cookie:
        headers.append((b"cookie", b"session=1"))
    assert decide(PRIVATE, "POST", "/login", headers).status == 403
