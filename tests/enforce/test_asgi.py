"""corsguard.asgi.CORSMiddleware at the ASGI level: raw scopes, lifespan, hostile input,
logging and on_reject, and path handling through a real uvicorn server."""

from __future__ import annotations

import http.client
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from corsguard import Decision, Policy
from corsguard.asgi import CORSMiddleware
from tests.helpers.asgi_calls import (
    Message,
    RecordingApp,
    call,
    cors_of,
    http_scope,
    run,
    start_of,
)
from tests.helpers.servers import serve_asgi

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

CREDENTIALED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
}


# --- the scope -------------------------------------------------------------------------------


def test_scope_without_scheme_is_accepted() -> None:
    # ASGI spec, HTTP connection scope: "scheme" is optional and defaults to "http".
    app = RecordingApp()
    scope = http_scope("GET", "/x", [(b"origin", TRUSTED.encode())])
    del scope["scheme"]
    status, headers = start_of(call(CORSMiddleware(app, **CREDENTIALED), scope))
    assert status == 200
    assert cors_of(headers)[b"access-control-allow-origin"] == TRUSTED.encode()


def test_policy_and_options_together_are_refused() -> None:
    with pytest.raises(TypeError, match="either"):
        CORSMiddleware(RecordingApp(), Policy(allow_origins=[TRUSTED]), allow_credentials=True)


def test_lifespan_scope_passes_through_untouched() -> None:
    app = RecordingApp()
    sent: list[Message] = []
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    run(CORSMiddleware(app, **CREDENTIALED)(scope, receive, send))
    assert app.scopes == [scope] and app.scopes[0] is scope
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_starlette_lifespan_handler_runs_under_the_middleware() -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        events.append("startup")
        yield {"greeting": "started"}
        events.append("shutdown")

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.state.greeting)

    app = Starlette(
        routes=[Route("/", home)],
        lifespan=lifespan,
        middleware=[Middleware(CORSMiddleware, **CREDENTIALED)],
    )
    with TestClient(app) as client:
        assert events == ["startup"]
        r = client.get("/", headers={"Origin": TRUSTED})
        assert r.text == "started"
        assert r.headers["access-control-allow-origin"] == TRUSTED
    assert events == ["startup", "shutdown"]


# --- routes on the decoded, dot-segment-free path --------------------------------------------

ROUTED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "routes": {
        "/public": Policy(allow_origins=["*"]),
        "/api": Policy(allow_origins=[PARTNER], allow_credentials=True),
    },
}


@pytest.mark.parametrize(
    ("path", "origin", "acao"),
    [
        ("/public/x", EVIL, b"*"),
        ("/public/../api/x", EVIL, None),
        # Where dot-segment removal and the router disagree, no route grants anything.
        ("/public/../api/x", PARTNER, None),
        ("/public/./../api/x", PARTNER, None),
        ("/public//../api/x", EVIL, None),
        # Starlette and Django see no /public here, Werkzeug and nginx do: strict (issue #10).
        ("//public/x", EVIL, None),
        ("/publicity", EVIL, None),
        ("/PUBLIC/x", EVIL, None),
        ("/api/v1", PARTNER, PARTNER.encode()),
        ("/api/../public/x", EVIL, None),
        ("/api/./v1", PARTNER, PARTNER.encode()),  # both readings pick /api
    ],
)
def test_raw_scope_paths_pick_routes_after_dot_segment_removal(
    path: str, origin: str, acao: bytes | None
) -> None:
    sent = call(
        CORSMiddleware(RecordingApp(), **ROUTED),
        http_scope("GET", path, [(b"origin", origin.encode())]),
    )
    _status, headers = start_of(sent)
    assert cors_of(headers).get(b"access-control-allow-origin") == acao


@pytest.fixture(scope="module")
def routed_server() -> Iterator[int]:
    with serve_asgi(CORSMiddleware(RecordingApp(), **ROUTED)) as port:
        yield port


def raw_get(port: int, target: str, origin: str) -> tuple[int, dict[str, str], bytes]:
    """A GET whose request target is sent byte for byte (http.client does not normalise)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.putheader("Origin", origin)
        conn.endheaders()
        response = conn.getresponse()
        return (
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("target", "origin", "acao"),
    [
        ("/public/x", EVIL, "*"),
        # The server decodes %2F and %2E before the app sees the path, so these are
        # /public/../api/x to the app: the router and the route table disagree, so
        # neither the public nor the /api policy grants anything.
        ("/public%2F..%2Fapi/x", EVIL, None),
        ("/public%2F..%2Fapi/x", PARTNER, None),
        ("/public/%2e%2e/api/x", EVIL, None),
        ("/public/%2E%2E%2Fapi/x", EVIL, None),
        ("/public/../api/x", EVIL, None),
        ("/public/../api/x", PARTNER, None),
        ("/%70ublic/x", EVIL, "*"),
        ("/publicity", EVIL, None),
    ],
)
def test_percent_encoded_paths_through_a_real_server(
    routed_server: int, target: str, origin: str, acao: str | None
) -> None:
    status, headers, body = raw_get(routed_server, target, origin)
    assert status == 200, body
    assert headers.get("access-control-allow-origin") == acao


@pytest.fixture(scope="module")
def starlette_routed_server() -> Iterator[int]:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def api(request: Request) -> PlainTextResponse:
        return PlainTextResponse("api handler")

    async def public(request: Request) -> PlainTextResponse:
        return PlainTextResponse("public handler")

    app = Starlette(
        routes=[Route("/api/{rest:path}", api), Route("/public/{rest:path}", public)],
        middleware=[Middleware(CORSMiddleware, **ROUTED)],
    )
    with serve_asgi(app) as port:
        yield port


@pytest.mark.parametrize(
    "target", ["/api/x", "/api/x/..%2F..%2Fpublic", "/api/..%2Fpublic/x", "/api/%2E%2E%2Fpublic"]
)
def test_an_api_handler_never_answers_under_the_public_policy(
    starlette_routed_server: int, target: str
) -> None:
    """The router runs the /api handler for these paths (Starlette matches the decoded path
    without removing dot segments, and browsers keep %2F), so the policy must not be the
    public one: otherwise any site can read /api responses with fetch()."""
    status, headers, body = raw_get(starlette_routed_server, target, EVIL)
    assert (status, body) == (200, b"api handler")
    assert headers.get("access-control-allow-origin") != "*"


# --- hostile input ---------------------------------------------------------------------------

BIG = b"x-token," * 130_000  # about 1 MB

HOSTILE: list[list[tuple[bytes, bytes]]] = [
    [(b"origin", TRUSTED.encode()), (b"origin", EVIL.encode())],
    [(b"origin", EVIL.encode()), (b"origin", TRUSTED.encode())],
    [(b"origin", b"https://app.ex\xe4mple.test")],
    [(b"origin", "https://app.exämple.test".encode())],
    [(b"origin", TRUSTED.encode() + b"\r\nX-Injected: 1")],
    [(b"origin", TRUSTED.encode() + b"\x00")],
    [(b"origin", b"\x7f" * 600)],
    [(b"origin", TRUSTED.encode() * 1000)],
    [(b"origin", b"")],
    [(b"origin", b"null")],
    [(b"origin", EVIL.encode()), (b"access-control-request-method", b"PUT\r\nX: 1")],
    [(b"origin", EVIL.encode()), (b"access-control-request-headers", BIG)],
    [(b"origin", EVIL.encode())] + [(b"x-junk", b"a" * 20)] * 5000,
    [(b"origin", EVIL.encode())] * 5000,
    [(b"host", b"api.example.test\r\n"), (b"origin", b"https://api.example.test\r\n")],
    [(b"sec-fetch-site", b"cross-site\x00"), (b"origin", b"\xff\xfe")],
]

PREFLIGHT_HOSTILE: list[list[tuple[bytes, bytes]]] = [
    [(b"access-control-request-headers", BIG)],
    [(b"access-control-request-headers", b"x-token")] * 5000,
    [(b"access-control-request-headers", b"x-token\r\nauthorization")],
    [(b"access-control-request-headers", b"x-\xfcber")],
    [(b"access-control-request-method", b"P\xdcT")],
    [(b"access-control-request-method", b"PUT\r\n")],
    [(b"access-control-request-private-network", b"true")],
]


def assert_no_crlf(headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        assert b"\r" not in value and b"\n" not in value, (name, value)


@pytest.mark.parametrize("lines", HOSTILE)
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_hostile_headers_never_grant_or_raise(
    lines: list[tuple[bytes, bytes]], method: str
) -> None:
    app = RecordingApp()
    extra = [(b"access-control-request-method", b"PUT")] if method == "OPTIONS" else []
    sent = call(CORSMiddleware(app, **CREDENTIALED), http_scope(method, "/x", [*lines, *extra]))
    status, headers = start_of(sent)
    assert status in (200, 403)
    assert (status == 200) == bool(app.scopes)
    assert b"access-control-allow-origin" not in cors_of(headers)
    assert_no_crlf(headers)


@pytest.mark.parametrize("lines", PREFLIGHT_HOSTILE)
def test_hostile_preflights_from_a_trusted_origin_are_refused(
    lines: list[tuple[bytes, bytes]],
) -> None:
    app = RecordingApp()
    base = [(b"origin", TRUSTED.encode())]
    if not any(n == b"access-control-request-method" for n, _ in lines):
        base.append((b"access-control-request-method", b"PUT"))
    sent = call(CORSMiddleware(app, **CREDENTIALED), http_scope("OPTIONS", "/x", base + lines))
    status, headers = start_of(sent)
    assert status == 403 and cors_of(headers) == {} and not app.scopes


# --- on_reject and logging -------------------------------------------------------------------


def test_on_reject_receives_the_decision() -> None:
    seen: list[Decision] = []
    app = RecordingApp()
    middleware = CORSMiddleware(app, **CREDENTIALED, on_reject=seen.append)
    call(middleware, http_scope("PUT", "/api/items/1", [(b"origin", EVIL.encode())]))
    call(middleware, http_scope("GET", "/api/items/1", [(b"origin", TRUSTED.encode())]))
    assert len(seen) == 1
    decision = seen[0]
    assert isinstance(decision, Decision)
    assert (decision.allowed, decision.status) == (False, 403)
    assert (decision.origin, decision.method, decision.path) == (EVIL, "PUT", "/api/items/1")
    assert decision.reason
    assert len(app.scopes) == 1


def test_refusals_are_logged_on_one_line_with_origin_and_path_escaped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    origin = b"https://evil.attacker.test\r\n2026-01-01 INFO corsguard forged line"
    path = "/api/x\nINFO forged too"
    caplog.set_level(logging.INFO, logger="corsguard")
    call(
        CORSMiddleware(RecordingApp(), **CREDENTIALED),
        http_scope("POST", path, [(b"origin", origin)]),
    )
    records = [r for r in caplog.records if r.name == "corsguard"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\n" not in message and "\r" not in message
    assert "evil.attacker.test" in message and "forged line" in message
    assert "/api/x" in message and "forged too" in message
    assert records[0].levelno >= logging.INFO
