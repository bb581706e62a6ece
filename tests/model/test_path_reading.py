"""Issue #10: routes and exemptions are applied to the path the router sees, and where two
readings of a path pick different rules, the strictest applies.

In-process tests: real Starlette, Werkzeug (Flask) and Django routers and corsguard's
adapters, driven with the scopes and environs that uvicorn, gunicorn and waitress build
(tests/enforce/test_path_servers.py sends the same requests through the real servers).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from corsguard.engine import decide, route_policy
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware
from tests.helpers.asgi_calls import RecordingApp, call, cors_of, http_scope, start_of
from tests.helpers.wsgi_calls import Recorder, environ

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

ADMIN = Policy(allow_origins=[TRUSTED], allow_methods=["GET", "POST"], allow_credentials=True)
PUBLIC = Policy(allow_origins=["*"])
OPEN_WRITES = Policy(allow_origins=[TRUSTED], block_cross_origin_writes=False)
POLICY = Policy(
    allow_origins=[TRUSTED, PARTNER],
    allow_methods=["GET", "POST"],
    allow_credentials=True,
    write_protection_exempt_paths=["/webhooks"],
    routes={"/admin": ADMIN, "/public": PUBLIC, "/hooks": OPEN_WRITES, "/café": PUBLIC},
)
STRICT = POLICY.compiled.paths[0] if POLICY.compiled.paths else None
assert STRICT is not None

FORM_POST = [
    (b"origin", EVIL.encode()),
    (b"sec-fetch-site", b"cross-site"),
    (b"cookie", b"session=victim"),
    (b"content-type", b"application/x-www-form-urlencoded"),
]


# --- the engine's choice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "raw", "expected"),
    [
        # Clean paths: one reading.
        ("/x", None, POLICY),
        ("/admin", None, ADMIN),
        ("/admin/", None, ADMIN),
        ("/admin/users", None, ADMIN),
        ("/administrator", None, POLICY),
        ("/public/a.js", None, PUBLIC),  # a dot inside a segment is not a dot segment
        ("/café/menu", None, PUBLIC),
        # Readings that agree: the route applies.
        ("/admin/./users", None, ADMIN),
        ("/admin/a/../users", None, ADMIN),
        ("/public/x/..", None, PUBLIC),
        ("/api/files/a/b", "/api/files/a%2Fb", POLICY),
        ("/admin/files/a/b", "/admin/files/a%2Fb", ADMIN),  # the encoded slash is past the route
        ("/x;v=1", None, POLICY),
        # Readings that disagree: the strict policy.
        ("/public/../admin/x", None, STRICT),  # router: /public; RFC 3986 §5.2.4: /admin
        ("/admin/../public/x", None, STRICT),
        ("/files/x/../../webhooks", "/files/x%2F..%2F..%2Fwebhooks", STRICT),
        ("/api/t/../../hooks", "/api/t%2F..%2F..%2Fhooks", STRICT),
        ("//public/x", None, STRICT),  # Starlette, Django: no /public; Werkzeug, nginx: /public
        ("/admin//x", None, STRICT),  # Werkzeug's <path:> refuses "/x": a catch-all runs
        ("/admin/x//y", None, ADMIN),  # ... but "/admin/<path:rest>" takes "x//y"
        ("/public;x/y", None, STRICT),  # ';' parameters: Tomcat-style stripping reads /public
        ("/admin;x/y", None, STRICT),
        ("/public\\..\\admin", None, STRICT),  # backslash as a separator (IIS, some proxies)
        ("/admin/a\\b", None, ADMIN),
        # Encoded separators: one segment to a component that does not decode them.
        ("/admin/x", "/admin%2Fx", STRICT),
        ("/admin/x", "/admin%5Cx", STRICT),
        ("/admin/x", "/admin%2fx", STRICT),
        ("/admin/x", "/%61dmin/x", ADMIN),  # an encoded letter changes nothing
        ("/public/%2e%2e/admin", None, STRICT),  # a '%' in the decoded path: double decoding
        ("/admin/x", "/somewhere/else%2Fx", STRICT),  # a raw path that does not fit the path
    ],
)
def test_route_policy_picks_one_reading_or_the_strict_policy(
    path: str, raw: str | None, expected: Policy
) -> None:
    assert route_policy(POLICY, path, raw) is expected


def test_the_strict_policy_grants_nothing_and_protects_everything() -> None:
    lax = Policy(
        allow_origins=["*"],
        block_cross_origin_writes=False,
        block_cross_origin_websockets=False,
        write_protection_exempt_paths=["/webhooks"],
        routes={"/admin": ADMIN},
    )
    strict = lax.compiled.paths[0] if lax.compiled.paths else None
    assert strict is not None
    assert (strict.any_origin, strict.public, strict.allow_origins) == (False, False, ())
    assert (strict.block_cross_origin_writes, strict.block_cross_origin_websockets) == (True, True)
    assert (strict.compiled.exempt_prefixes, dict(strict.compiled.routes), strict.vary) == (
        frozenset(),
        {},
        b"Origin",
    )
    for origin in (TRUSTED, EVIL):
        read = decide(lax, "GET", "/admin/../x", [(b"origin", origin.encode())])
        assert read.headers == ()
        post = decide(lax, "POST", "/admin/../webhooks", [(b"origin", origin.encode())])
        assert post.status == 403
        ws = decide(lax, "GET", "/admin/../x", [(b"origin", origin.encode())], websocket=True)
        assert ws.status == 403
    # Without routes or exemptions there is only one rule to apply: no strict twin needed.
    assert Policy(allow_origins=[TRUSTED]).compiled.paths is None


def test_on_reject_reaches_the_strict_policy() -> None:
    seen: list[str] = []
    policy = Policy(
        allow_origins=[TRUSTED],
        write_protection_exempt_paths=["/webhooks"],
        on_reject=lambda d: seen.append(d.path),
    )
    decision = decide(
        policy,
        "POST",
        "/files/x/../../webhooks",
        FORM_POST,
        raw_path="/files/x%2F..%2F..%2Fwebhooks",
    )
    assert decision.status == 403
    assert seen == ["/files/x/../../webhooks"]


# --- bug 1: the encoded-slash CSRF bypass, through Starlette's router -----------------------


def starlette_app(middleware_options: dict[str, Any]) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def handler(name: str) -> Any:
        async def endpoint(request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"{name} handler ran")

        return endpoint

    return Starlette(
        routes=[
            Route("/files/{name:path}", handler("files"), methods=["GET", "POST"]),
            Route("/api/{rest:path}", handler("api"), methods=["GET", "POST"]),
            Route("/webhooks/{rest:path}", handler("webhooks"), methods=["POST"]),
            Route("/hooks/{rest:path}", handler("hooks"), methods=["POST"]),
        ],
        middleware=[Middleware(CORSMiddleware, **middleware_options)],
    )


BYPASS_OPTIONS: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "allow_methods": ["GET", "POST"],
    "allow_credentials": True,
    "write_protection_exempt_paths": ["/webhooks"],
    "routes": {"/hooks": OPEN_WRITES},
}


@pytest.mark.parametrize(
    ("raw", "status", "body"),
    [
        # The exemption and the open route still work for their own paths ...
        ("/webhooks/github", 200, b"webhooks handler ran"),
        ("/hooks/github", 200, b"hooks handler ran"),
        # ... and the router's other handlers are protected, however the path is spelt.
        ("/files/report", 403, b"Forbidden\n"),
        ("/files/x%2F..%2F..%2Fwebhooks", 403, b"Forbidden\n"),
        ("/files/x%2f..%2f..%2fwebhooks%2fgithub", 403, b"Forbidden\n"),
        ("/api/transfer%2F..%2F..%2Fhooks", 403, b"Forbidden\n"),
        ("/api/transfer%2F%2E%2E%2F%2E%2E%2Fhooks", 403, b"Forbidden\n"),
        ("/files/x%5C..%5C..%5Cwebhooks", 403, b"Forbidden\n"),
    ],
)
def test_cross_site_form_post_cannot_borrow_an_exemption(
    raw: str, status: int, body: bytes
) -> None:
    from urllib.parse import unquote

    scope = http_scope("POST", unquote(raw), FORM_POST, raw_path=raw.encode())
    sent = call(starlette_app(BYPASS_OPTIONS), scope)
    assert start_of(sent)[0] == status
    assert b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body") == body


# --- bug 2: mounts (root_path) ---------------------------------------------------------------


MOUNT_OPTIONS: dict[str, Any] = {
    "allow_origins": [TRUSTED, PARTNER],
    "allow_credentials": True,
    "routes": {"/admin": ADMIN},
}


@pytest.mark.parametrize(
    ("path", "root_path", "origin", "acao"),
    [
        # uvicorn --root-path /svc: scope["path"] carries the root path (ASGI spec).
        ("/svc/admin/secret", "/svc", PARTNER, None),
        ("/svc/admin/secret", "/svc", TRUSTED, TRUSTED),
        ("/svc/other", "/svc", PARTNER, PARTNER),
        ("/svc", "/svc", PARTNER, PARTNER),
        # A server that leaves the root path out of path: the path is already relative.
        ("/admin/secret", "/svc", PARTNER, None),
        # "/svcadmin" is not under "/svc" (Starlette's get_route_path reads it whole).
        ("/svcadmin", "/svc", PARTNER, PARTNER),
    ],
)
def test_routes_are_matched_below_the_root_path(
    path: str, root_path: str, origin: str, acao: str | None
) -> None:
    scope = http_scope("GET", path, [(b"origin", origin.encode())], root_path=root_path)
    sent = call(CORSMiddleware(RecordingApp(), **MOUNT_OPTIONS), scope)
    assert cors_of(start_of(sent)[1]).get(b"access-control-allow-origin") == (
        acao.encode() if acao else None
    )


def test_middleware_on_a_starlette_mount_sees_the_mounted_path() -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Mount, Route

    async def secret(request: Request) -> PlainTextResponse:
        return PlainTextResponse("the secret")

    sub = Starlette(
        routes=[Route("/admin/secret", secret)],
        middleware=[Middleware(CORSMiddleware, **MOUNT_OPTIONS)],
    )
    app = Starlette(routes=[Mount("/v1", app=sub)])
    for origin, acao in ((PARTNER, None), (TRUSTED, TRUSTED.encode())):
        sent = call(app, http_scope("GET", "/v1/admin/secret", [(b"origin", origin.encode())]))
        status, headers = start_of(sent)
        assert status == 200
        assert cors_of(headers).get(b"access-control-allow-origin") == acao


def test_websocket_routes_are_matched_below_the_root_path() -> None:
    options = {**MOUNT_OPTIONS, "routes": {"/admin": ADMIN, "/live": OPEN_WS}}
    for path, root, closed in (
        ("/svc/live/feed", "/svc", False),
        ("/svc/admin/feed", "/svc", True),
        ("/svc/live/../admin", "/svc", True),
    ):
        scope = http_scope("GET", path, [(b"origin", EVIL.encode())], root_path=root)
        scope["type"] = "websocket"
        sent = call(CORSMiddleware(RecordingApp(), **options), scope)
        assert (sent[0] == {"type": "websocket.close", "code": 1008}) is closed, path


OPEN_WS = Policy(allow_origins=[TRUSTED], block_cross_origin_websockets=False)


# --- bug 3: WSGI paths are latin-1 decoded bytes (PEP 3333) ----------------------------------


def wsgi_path(text: str) -> str:
    """What a WSGI server puts in PATH_INFO for a decoded path: its UTF-8 bytes as latin-1."""
    return text.encode("utf-8").decode("latin-1")


def ok_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize(
    ("path", "script_name", "origin", "acao"),
    [
        ("/café/menu", "", EVIL, "*"),
        ("/café", "", EVIL, "*"),
        ("/cafés", "", EVIL, None),
        ("/admin/x", "/svc", PARTNER, None),  # PATH_INFO is already below SCRIPT_NAME
        ("/admin/x", "/svc", TRUSTED, TRUSTED),
        ("/x", "/admin", PARTNER, PARTNER),  # the mount's name is not the route's
    ],
)
def test_wsgi_routes_see_utf8_paths_below_the_script_name(
    path: str, script_name: str, origin: str, acao: str | None
) -> None:
    env = environ("GET", wsgi_path(path), ORIGIN=origin)
    env["SCRIPT_NAME"] = wsgi_path(script_name)
    start = Recorder()
    WSGIMiddleware(ok_app, policy=POLICY)(env, start)
    assert start.cors.get("access-control-allow-origin") == acao


def test_wsgi_decision_path_is_the_utf8_path() -> None:
    seen: list[str] = []
    policy = Policy(allow_origins=[TRUSTED], on_reject=lambda d: seen.append(d.path))
    env = environ("POST", wsgi_path("/café/ü"), ORIGIN=EVIL)
    start = Recorder()
    WSGIMiddleware(ok_app, policy=policy)(env, start)
    assert start.status == 403
    assert seen == ["/café/ü"]


@pytest.mark.parametrize(
    ("raw_key", "raw", "status"),
    [
        ("RAW_URI", "/files/x%2F..%2F..%2Fwebhooks?a=1", 403),  # gunicorn
        ("REQUEST_URI", "/files/x%2F..%2F..%2Fwebhooks", 403),  # waitress
        ("REQUEST_URI", "http://api.example.test/files/x%2F..%2F..%2Fwebhooks", 403),
        ("RAW_URI", "/webhooks/github", 200),
        ("RAW_URI", "/webhooks%2Fgithub", 403),  # one segment to a component that keeps %2F
        ("REQUEST_URI", "/svc/webhooks/github", 200),  # under SCRIPT_NAME /svc
    ],
)
def test_wsgi_encoded_slashes_in_the_raw_uri(raw_key: str, raw: str, status: int) -> None:
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(raw).path)
    script = "/svc" if path.startswith("/svc/") else ""
    env = environ("POST", wsgi_path(path[len(script) :]), ORIGIN=EVIL, SEC_FETCH_SITE="cross-site")
    env["SCRIPT_NAME"] = script
    env[raw_key] = raw
    start = Recorder()
    WSGIMiddleware(ok_app, policy=POLICY)(env, start)
    assert start.status == status


# --- hostile paths -----------------------------------------------------------------------------

HOSTILE_PATHS: list[tuple[str, str | None]] = [
    ("/" + "/".join(["..", "a;b", "\\", "%", "", "admin", "."] * 600), None),
    ("/admin/" + "x" * 100_000, "/admin/" + "%2F" * 30_000),
    ("/admin/x", "http://"),  # an absolute form without a path
    ("/admin/x", "*"),
    ("/admin/x", "/admin\u0100%2Fx"),  # not latin-1: a server bug, not a crash
    ("/admin/x", "%2F"),
    ("", "/%2F"),
    ("/\udcff/admin", "/%FF%2Fadmin"),
    ("/admin/\x00", "/admin/%00%2F"),
]


@pytest.mark.parametrize(("path", "raw"), HOSTILE_PATHS)
def test_hostile_paths_get_a_decision(path: str, raw: str | None) -> None:
    for method, websocket in (("GET", False), ("POST", False), ("GET", True)):
        decision = decide(POLICY, method, path, FORM_POST, raw_path=raw, websocket=websocket)
        # Whatever the path, an untrusted cross-site write or handshake is refused.
        assert decision.status == 403 or (method == "GET" and not websocket)
        assert decision.headers == ()


_SEGMENTS = st.sampled_from(["a", "b", "api", "v1", "x.y", "é"])
_PATHS = st.lists(_SEGMENTS, max_size=4).map(lambda parts: "/" + "/".join(parts))


@given(routes=st.sets(_PATHS, max_size=5), path=_PATHS)
def test_route_lookup_is_the_longest_whole_segment_prefix(routes: set[str], path: str) -> None:
    # The engine's lookup (one set test for paths under no route, then the walk) against
    # the rule written plainly: the longest route key equal to the path or followed in it
    # by '/'.
    policy = Policy(
        allow_origins=["https://app.example.com"],
        routes={key: Policy(allow_origins=[f"https://{i}.example.com"]) for i, key in
                enumerate(sorted(routes))},
    )  # fmt: skip
    under = [key for key in routes if key == "/" or path == key or path.startswith(key + "/")]
    expected = policy.routes[max(under, key=len)] if under else policy
    assert route_policy(policy, path) is expected


_ANY_PATHS = st.lists(
    st.sampled_from(["a", "admin", "webhooks", "..", ".", "", "x;y", "%2F", "b\\c", "é"]),
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))


@given(paths=st.lists(_ANY_PATHS, min_size=1, max_size=30))
def test_route_memo_changes_no_decision(paths: list[str]) -> None:
    # The engine remembers the route of clean-raw paths: a request decided through a warm
    # memo, and one whose memo was just cleared, get what the route choice says afresh.
    from corsguard import engine

    def fresh_route(policy: Policy, path: str) -> Policy:
        table = policy.compiled.paths
        assert table is not None
        return engine._choose_route(policy, table, path, None)

    policy = Policy(
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
        routes={"/admin": Policy(allow_origins=["https://admin.example.com"])},
        write_protection_exempt_paths=["/webhooks"],
    )
    for path in paths * 2:
        for origin in ("https://app.example.com", "https://admin.example.com"):
            decided = decide(policy, "GET", path, [(b"origin", origin.encode())])
            fresh = decide(fresh_route(policy, path), "GET", path, [(b"origin", origin.encode())])
            assert decided.headers == fresh.headers
            assert decided.allowed == fresh.allowed
        posted = decide(policy, "POST", path, [(b"origin", b"https://evil.example")])
        assert (
            posted.status
            == decide(
                fresh_route(policy, path), "POST", path, [(b"origin", b"https://evil.example")]
            ).status
        )
    assert len(policy.compiled.route_memo) <= engine.ROUTE_MEMO_SIZE


def test_route_memo_is_bounded_whatever_paths_clients_send() -> None:
    from corsguard import engine

    policy = Policy(
        allow_origins=["https://app.example.com"],
        routes={"/admin": Policy(allow_origins=["https://admin.example.com"])},
    )
    for i in range(engine.ROUTE_MEMO_SIZE * 3):
        decide(policy, "GET", f"/p{i}", [])
    decide(policy, "GET", "/" + "a" * (engine.ROUTE_MEMO_PATH_LENGTH + 1), [])
    memo = policy.compiled.route_memo
    assert 0 < len(memo) <= engine.ROUTE_MEMO_SIZE
    assert all(len(path) <= engine.ROUTE_MEMO_PATH_LENGTH for path in memo)


def test_a_warm_route_memo_is_not_used_for_an_encoded_slash() -> None:
    # "/webhooks/x" sent as /webhooks%2Fx: a component that keeps %2F reads one segment
    # "webhooks%2Fx", not under the exemption; the readings disagree, so the strict policy
    # decides even after the clean spelling of the same decoded path was remembered.
    policy = Policy(
        allow_origins=["https://app.example.com"], write_protection_exempt_paths=["/webhooks"]
    )
    evil = [(b"origin", b"https://evil.example")]
    assert decide(policy, "POST", "/webhooks/x", evil).status is None  # exempt, remembered
    assert decide(policy, "POST", "/webhooks/x", evil, raw_path="/webhooks%2Fx").status == 403
