"""corsguard.testing.fetch and the pytest plugin: a browser's verdict on an app, in-process."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from corsguard.asgi import CORSMiddleware as AsgiCORS
from corsguard.testing import FetchResult, fetch, fetch_async
from corsguard.wsgi import CORSMiddleware as WsgiCORS

pytest_plugins = ["pytester"]

TRUSTED = "https://app.example.com"
ATTACKER = "https://evil.attacker.test"
API = "https://api.example.com"
POLICY: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "allow_methods": ["GET", "POST", "DELETE"],
    "allow_headers": ["X-Request-Id"],
    "allow_credentials": True,
    "expose_headers": ["X-Total"],
}


def starlette_app(calls: collections.Counter[str]) -> Any:
    async def handler(req: Request) -> PlainTextResponse:
        calls[req.method] += 1
        cookie = req.headers.get("cookie", "")
        return PlainTextResponse(f"{req.method} {req.url.path} {cookie}", headers={"X-Total": "3"})

    methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS"]
    routes = [Route("/{rest:path}", handler, methods=methods)]
    return Starlette(routes=routes, middleware=[Middleware(AsgiCORS, **POLICY)])


def flask_app(calls: collections.Counter[str]) -> Any:
    app = Flask(__name__)

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"])
    def handler(rest: str) -> Any:
        calls[request.method] += 1
        cookie = request.headers.get("cookie", "")
        return f"{request.method} /{rest} {cookie}", 200, {"X-Total": "3"}

    app.wsgi_app = WsgiCORS(app.wsgi_app, **POLICY)  # type: ignore[method-assign]
    return app


APPS: dict[str, Callable[[collections.Counter[str]], Any]] = {
    "starlette": starlette_app,
    "flask": flask_app,
}

# (origin, method, headers, credentials) -> allowed, exchange kinds, calls of the handler,
# a phrase of the reason
CASES = [
    (TRUSTED, "GET", {}, False, True, ["actual"], {"GET": 1}, ""),
    (TRUSTED, "GET", {}, True, True, ["actual"], {"GET": 1}, ""),
    (ATTACKER, "GET", {}, False, False, ["actual"], {"GET": 1}, "Access-Control-Allow-Origin"),
    (TRUSTED, "DELETE", {}, True, True, ["preflight", "actual"], {"DELETE": 1}, ""),
    (TRUSTED, "PUT", {}, True, False, ["preflight"], {}, "Access-Control-Allow-Methods"),
    (
        TRUSTED,
        "GET",
        {"Authorization": "Bearer x"},
        True,
        False,
        ["preflight"],
        {},
        "Access-Control-Allow-Headers",
    ),
    (TRUSTED, "GET", {"X-Request-Id": "1"}, True, True, ["preflight", "actual"], {"GET": 1}, ""),
    (ATTACKER, "DELETE", {}, True, False, ["preflight"], {}, "Access-Control-Allow-Origin"),
]


@pytest.mark.parametrize("stack", sorted(APPS))
@pytest.mark.parametrize(
    ("origin", "method", "headers", "credentials", "allowed", "kinds", "calls", "phrase"), CASES
)
def test_fetch_matches_what_the_policy_allows(
    stack: str,
    origin: str,
    method: str,
    headers: dict[str, str],
    credentials: bool,
    allowed: bool,
    kinds: list[str],
    calls: dict[str, int],
    phrase: str,
) -> None:
    counter: collections.Counter[str] = collections.Counter()
    app = APPS[stack](counter)
    result = fetch(
        app,
        f"{API}/items/1",
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
    )
    assert result.allowed is allowed, result.reason
    assert [ex.request.kind for ex in result.exchanges] == kinds
    assert dict(counter) == calls  # refused preflights never reach the handler
    if allowed:
        assert result.reason == ""
        assert result.status == 200
        assert result.body.startswith(f"{method} /items/1".encode())
        assert "x-total" in result.verdict.readable_headers
    else:
        assert phrase in result.reason
        assert "Fix:" in result.reason or "blocked" in result.reason


@pytest.mark.parametrize("stack", sorted(APPS))
def test_cookies_go_only_where_the_browser_sends_them(stack: str) -> None:
    app = APPS[stack](collections.Counter())
    with_creds = fetch(
        app, f"{API}/me", origin=TRUSTED, method="DELETE", credentials=True, cookies={"sid": "s1"}
    )
    preflight, actual = with_creds.exchanges
    assert preflight.request.kind == "preflight"
    assert not any(n.lower() == "cookie" for n, _ in preflight.request.headers)
    assert actual.body.endswith(b"sid=s1")
    without = fetch(app, f"{API}/me", origin=TRUSTED, cookies={"sid": "s1"})
    assert without.body.rstrip() == b"GET /me"


def test_judges_other_libraries_truthfully() -> None:
    # Starlette's CORSMiddleware answers '*' with credentials by reflecting the Origin:
    # the model, like Chromium, lets any site read the response with the user's cookies.
    async def handler(req: Request) -> PlainTextResponse:
        return PlainTextResponse("secret")

    app = Starlette(
        routes=[Route("/me", handler)],
        middleware=[Middleware(StarletteCORS, allow_origins=["*"], allow_credentials=True)],
    )
    result = fetch(app, f"{API}/me", origin=ATTACKER, credentials=True)
    assert result.allowed
    assert result.body == b"secret"


def test_explain_text_names_the_failed_check_and_fix() -> None:
    app = starlette_app(collections.Counter())
    result = fetch(app, f"{API}/items", origin=TRUSTED, method="PUT", credentials=True)
    text = result.explain()
    assert "BLOCKED" in text
    assert "Access-Control-Allow-Methods" in text


def test_fetch_async_and_fetch_inside_a_running_loop() -> None:
    app = starlette_app(collections.Counter())

    async def scenario() -> tuple[FetchResult, FetchResult]:
        awaited = await fetch_async(app, f"{API}/a", origin=TRUSTED)
        # The sync helper called from inside a loop runs on a worker thread instead of failing.
        nested = fetch(app, f"{API}/b", origin=TRUSTED)
        return awaited, nested

    awaited, nested = asyncio.run(scenario())
    assert awaited.allowed and awaited.body.startswith(b"GET /a")
    assert nested.allowed and nested.body.startswith(b"GET /b")


def test_requests_fetch_refuses_are_errors() -> None:
    app = starlette_app(collections.Counter())
    with pytest.raises(ValueError, match="scheme"):
        fetch(app, "api.example.com/x", origin=TRUSTED)


PLUGIN_TEST = """
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from corsguard.asgi import CORSMiddleware

async def handler(request):
    return PlainTextResponse("ok")

app = CORSMiddleware(Starlette(routes=[Route("/x", handler)]),
                     allow_origins=["https://app.example.com"])

def test_allowed(cors):
    cors.assert_allowed(app, "https://api.example.com/x", origin="https://app.example.com")

def test_blocked(cors):
    cors.assert_blocked(app, "https://api.example.com/x", origin="https://evil.example")

def test_wrongly_expected(cors):
    cors.assert_allowed(app, "https://api.example.com/x", origin="https://evil.example")
"""


def test_pytest_plugin_fixture_and_failure_message(pytester: pytest.Pytester) -> None:
    # No conftest and no -p: the entry point alone brings the `cors` fixture.
    pytester.makepyfile(test_plugin_app=PLUGIN_TEST)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*expected the browser to allow the request*", "*BLOCKED*Access-Control-Allow-Origin*"]
    )


def test_the_plugin_is_registered_for_pytest() -> None:
    # Installed through the pytest11 entry point, so `cors` needs no conftest in user projects.
    from importlib.metadata import entry_points

    names = {ep.value for ep in entry_points(group="pytest11") if ep.name == "corsguard"}
    assert names == {"corsguard.pytest_plugin"}
