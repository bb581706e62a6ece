"""The same CORS behaviour through FastAPI, Starlette, Flask and Django (WSGI and ASGI).

Each test runs once per framework stack (see tests/helpers/apps_frameworks.py): the middleware is
configured the way a user of that framework writes it, and requests go through the
framework's own test client. Handler calls are counted, so "answered by the middleware
without running the app" is an assertion, not an assumption.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corsguard import Policy
from tests.helpers.apps_frameworks import STACKS, Client, Resp, django_settings

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

CREDENTIALED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "allow_methods": ["GET", "POST", "PUT", "DELETE", "PATCH"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "max_age": 600,
    "write_protection_exempt_paths": ["/hooks"],
}
PUBLIC: dict[str, Any] = {"allow_origins": ["*"]}

Make = Callable[..., Client]


@pytest.fixture(params=sorted(STACKS))
def make(request: pytest.FixtureRequest) -> Iterator[Make]:
    name: str = request.param
    if name.startswith("django"):
        with django_settings():
            yield STACKS[name]
    else:
        yield STACKS[name]


def preflight(
    client: Client,
    origin: str,
    method: str,
    headers: str | None = None,
    path: str = "/api/data",
    extra: tuple[tuple[str, str], ...] = (),
) -> Resp:
    lines = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers is not None:
        lines.append(("Access-Control-Request-Headers", headers))
    return client.request("OPTIONS", path, [*lines, *extra])


# --- simple requests ------------------------------------------------------------------------


def test_allowed_get_gets_exact_origin_credentials_and_vary_appended(make: Make) -> None:
    client = make(**CREDENTIALED)
    r = client.request("GET", "/api/data", [("Origin", TRUSTED)])
    assert r.status == 200
    assert r.body == b"handled GET /api/data"
    assert r.values("access-control-allow-origin") == [TRUSTED]
    assert r.values("access-control-allow-credentials") == ["true"]
    # The app's own Vary survives, with Origin added (as one field or several).
    assert "accept-encoding" in r.vary and "origin" in r.vary
    assert r.vary.count("origin") == 1


def test_refused_origin_gets_no_cors_headers_but_vary(make: Make) -> None:
    client = make(**CREDENTIALED)
    r = client.request("GET", "/api/data", [("Origin", EVIL)])
    assert r.status == 200 and client.handled("GET") == 1
    assert r.cors == {}
    assert "origin" in r.vary and "accept-encoding" in r.vary


def test_request_without_origin_gets_vary_origin(make: Make) -> None:
    client = make(**CREDENTIALED)
    r = client.request("GET", "/api/data")
    assert r.status == 200 and r.cors == {}
    assert "origin" in r.vary and "accept-encoding" in r.vary


@pytest.mark.parametrize("origin", [EVIL, TRUSTED, None])
def test_public_policy_sends_star_and_adds_no_vary(make: Make, origin: str | None) -> None:
    # With or without Origin (Fetch §CORS protocol and HTTP caches: one answer for all).
    client = make(**PUBLIC)
    r = client.request("GET", "/api/data", [("Origin", origin)] if origin else [])
    assert r.status == 200
    assert r.values("access-control-allow-origin") == ["*"]
    assert r.values("access-control-allow-credentials") == []
    assert r.vary == ["accept-encoding"]


# --- preflights -----------------------------------------------------------------------------


def test_allowed_preflight_is_answered_without_the_app(make: Make) -> None:
    client = make(**CREDENTIALED)
    r = preflight(client, TRUSTED, "PUT", "x-token")
    assert r.status == 204
    assert r.body == b""
    assert r.values("access-control-allow-origin") == [TRUSTED]
    assert r.values("access-control-allow-credentials") == ["true"]
    assert "PUT" in [
        t.strip() for v in r.values("access-control-allow-methods") for t in v.split(",")
    ]
    assert "x-token" in r.tokens("access-control-allow-headers")
    assert r.values("access-control-max-age") == ["600"]
    for token in ("origin", "access-control-request-method", "access-control-request-headers"):
        assert token in r.vary
    assert client.handled() == 0


PREFLIGHT_REFUSALS = [
    # (origin, method, request headers, extra lines, fragment of the reason)
    (EVIL, "PUT", "x-token", (), "origin"),
    (TRUSTED, "PROPFIND", None, (), "PROPFIND"),
    (TRUSTED, "PUT", "x-token, x-other", (), "x-other"),
    (TRUSTED, "PUT", None, (("Access-Control-Request-Private-Network", "true"),), "private"),
]


@pytest.mark.parametrize(("origin", "method", "names", "extra", "reason"), PREFLIGHT_REFUSALS)
@pytest.mark.parametrize("debug", [False, True])
def test_refused_preflight_is_403_without_cors_headers(
    make: Make,
    origin: str,
    method: str,
    names: str | None,
    extra: tuple[tuple[str, str], ...],
    reason: str,
    debug: bool,
) -> None:
    client = make(**CREDENTIALED, debug=debug)
    r = preflight(client, origin, method, names, extra=extra)
    assert r.status == 403
    assert r.cors == {}
    assert client.handled() == 0
    assert (reason.encode() in r.body) is debug, r.body


def test_options_that_is_not_a_preflight_reaches_the_app(make: Make) -> None:
    client = make(**CREDENTIALED)
    allowed = client.request("OPTIONS", "/api/data", [("Origin", TRUSTED)])
    refused = client.request("OPTIONS", "/api/data", [("Origin", EVIL)])
    plain = client.request("OPTIONS", "/api/data")
    for r in (allowed, refused, plain):
        assert r.status == 200 and r.body == b"handled OPTIONS /api/data"
    assert allowed.values("access-control-allow-origin") == [TRUSTED]
    assert refused.cors == {} and plain.cors == {}
    assert client.handled("OPTIONS") == 3


@pytest.mark.parametrize(
    ("allow_headers", "requested", "status"),
    [
        (["*"], "x-anything", 204),
        (["*"], "authorization", 403),
        (["*"], "x-anything,authorization", 403),
        (["*", "Authorization"], "authorization", 204),
        (["Authorization"], "authorization", 204),
        (["X-Token"], "x-anything", 403),
    ],
)
def test_star_headers_never_cover_authorization(
    make: Make, allow_headers: list[str], requested: str, status: int
) -> None:
    client = make(allow_origins=[TRUSTED], allow_methods=["PUT"], allow_headers=allow_headers)
    r = preflight(client, TRUSTED, "PUT", requested)
    assert r.status == status
    if status == 204:
        allowed = r.tokens("access-control-allow-headers")
        for name in requested.split(","):
            assert name in allowed or (name != "authorization" and "*" in allowed)
    else:
        assert r.cors == {}


def test_credentials_with_star_echo_the_requested_names(make: Make) -> None:
    client = make(
        allow_origins=[TRUSTED], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
    )
    r = preflight(client, TRUSTED, "PURGE", "x-one,x-two")
    assert r.status == 204
    assert r.values("access-control-allow-credentials") == ["true"]
    methods = r.tokens("access-control-allow-methods")
    headers = r.tokens("access-control-allow-headers")
    # With credentials a browser reads '*' as a literal name (Fetch §CORS-preflight fetch).
    assert "purge" in methods and "*" not in methods
    assert {"x-one", "x-two"} <= set(headers) and "*" not in headers


@pytest.mark.parametrize(
    ("listed", "requested", "status"),
    [
        (["PATCH"], "patch", 403),
        (["PATCH"], "PATCH", 204),
        (["patch"], "PATCH", 403),
        (["patch"], "patch", 204),
    ],
)
def test_method_names_compare_case_sensitively(
    make: Make, listed: list[str], requested: str, status: int
) -> None:
    client = make(allow_origins=[TRUSTED], allow_methods=listed)
    r = preflight(client, TRUSTED, requested)
    assert r.status == status
    if status == 204:
        assert requested in [t.strip() for t in r.get("access-control-allow-methods").split(",")]  # type: ignore[union-attr]


# --- cross-origin write protection ----------------------------------------------------------

WRITES = [
    # (policy overrides, method, path, header lines, handler runs)
    ({}, "POST", "/api/data", [("Origin", EVIL)], False),
    ({}, "PUT", "/api/data", [("Origin", EVIL)], False),
    ({}, "DELETE", "/api/data", [("Origin", EVIL)], False),
    ({}, "PATCH", "/api/data", [("Origin", "null")], False),
    ({}, "POST", "/api/data", [("Origin", TRUSTED)], True),
    ({}, "DELETE", "/api/data", [("Origin", TRUSTED)], True),
    ({}, "POST", "/api/data", [("Sec-Fetch-Site", "cross-site")], False),
    ({}, "POST", "/api/data", [("Sec-Fetch-Site", "same-site")], False),
    ({}, "POST", "/api/data", [("Sec-Fetch-Site", "same-origin")], True),
    ({}, "POST", "/api/data", [("Sec-Fetch-Site", "none")], True),
    ({}, "POST", "/api/data", [], True),  # curl: neither Origin nor Sec-Fetch-Site
    ({}, "POST", "/api/data", [("Origin", "SELF")], True),  # Origin host == Host header
    # Behind a TLS proxy the Origin differs from Host, but the browser says same-origin.
    (
        {},
        "POST",
        "/api/data",
        [("Origin", "https://api.example.test"), ("Sec-Fetch-Site", "same-origin")],
        True,
    ),
    ({}, "POST", "/api/data", [("Origin", "SELF"), ("Sec-Fetch-Site", "cross-site")], False),
    ({"block_cross_origin_writes": False}, "POST", "/api/data", [("Origin", EVIL)], True),
    ({}, "POST", "/hooks/github", [("Origin", EVIL)], True),
    ({}, "POST", "/hooks", [("Sec-Fetch-Site", "cross-site")], True),
    ({}, "POST", "/hooksy", [("Origin", EVIL)], False),
    ({}, "GET", "/api/data", [("Origin", EVIL)], True),  # a read: CORS decides what it sees
]


@pytest.mark.parametrize(("overrides", "method", "path", "lines", "runs"), WRITES)
def test_cross_origin_writes(
    make: Make,
    overrides: dict[str, Any],
    method: str,
    path: str,
    lines: list[tuple[str, str]],
    runs: bool,
) -> None:
    client = make(**{**CREDENTIALED, **overrides})
    lines = [(n, client.self_origin if v == "SELF" else v) for n, v in lines]
    r = client.request(method, path, lines)
    assert client.handled(method) == (1 if runs else 0)
    assert r.status == (200 if runs else 403)
    if not runs:
        assert r.cors == {}


# --- the app's own Access-Control-* headers -------------------------------------------------


@pytest.mark.parametrize(
    ("options", "origin", "expected"),
    [
        (
            CREDENTIALED,
            TRUSTED,
            {"access-control-allow-origin": TRUSTED, "access-control-allow-credentials": "true"},
        ),
        (CREDENTIALED, EVIL, {}),
        (CREDENTIALED, None, {}),
        (PUBLIC, EVIL, {"access-control-allow-origin": "*"}),
        (PUBLIC, None, {"access-control-allow-origin": "*"}),
    ],
)
def test_app_set_cors_headers_are_replaced_by_the_policy(
    make: Make, options: dict[str, Any], origin: str | None, expected: dict[str, str]
) -> None:
    client = make(**options)
    r = client.request("GET", "/api/acao", [("Origin", origin)] if origin else [])
    assert r.status == 200 and client.handled("GET") == 1
    assert r.cors == expected


# --- per-path policies ----------------------------------------------------------------------

ROUTED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "routes": {
        "/public": Policy(allow_origins=["*"]),
        "/api": Policy(allow_origins=[PARTNER], allow_credentials=True),
    },
}


@pytest.mark.parametrize(
    ("path", "origin", "acao", "acac"),
    [
        ("/public/x", EVIL, "*", None),
        ("/public", EVIL, "*", None),
        ("/public/../api/x", EVIL, None, None),
        # (PARTNER on /public/../api/x depends on the test client: httpx removes dot
        # segments before sending, Werkzeug does not. test_asgi.py and test_wsgi.py send
        # it through real servers.)
        ("/publicity", EVIL, None, None),
        ("/publicity", TRUSTED, TRUSTED, None),
        ("/PUBLIC/x", EVIL, None, None),
        ("/PUBLIC/x", TRUSTED, TRUSTED, None),
        ("/api/v1", PARTNER, PARTNER, "true"),
        ("/api/v1", TRUSTED, None, None),
        ("/apiv1", PARTNER, None, None),
        ("/other", TRUSTED, TRUSTED, None),
    ],
)
def test_routes_pick_the_longest_segment_prefix(
    make: Make, path: str, origin: str, acao: str | None, acac: str | None
) -> None:
    client = make(**ROUTED)
    r = client.request("GET", path, [("Origin", origin)])
    assert r.status == 200
    assert r.get("access-control-allow-origin") == acao
    assert r.get("access-control-allow-credentials") == acac


# --- hostile input through the frameworks ---------------------------------------------------

HOSTILE_ORIGINS = [
    [("Origin", TRUSTED), ("Origin", TRUSTED)],
    [("Origin", TRUSTED), ("Origin", EVIL)],
    [("Origin", EVIL), ("Origin", TRUSTED)],
    [("Origin", f"{TRUSTED}, {EVIL}")],
    [("Origin", f"{TRUSTED} {EVIL}")],
    [("Origin", TRUSTED + "/")],
    [("Origin", TRUSTED.upper())],
    [("Origin", TRUSTED + ":443")],
    [("Origin", TRUSTED + ".")],
    [("Origin", TRUSTED + "\x01")],
    [("Origin", "https://app.ex\xe4mple.test")],
]


@pytest.mark.parametrize("lines", HOSTILE_ORIGINS)
def test_hostile_origins_never_grant_and_never_crash(
    make: Make, lines: list[tuple[str, str]]
) -> None:
    client = make(**CREDENTIALED)
    for method in ("GET", "OPTIONS", "POST"):
        extra = [("Access-Control-Request-Method", "PUT")] if method == "OPTIONS" else []
        r = client.request(method, "/api/data", [*lines, *extra])
        # A GET may pass without CORS headers or be refused; a write or preflight is refused.
        assert r.status in ((200, 403) if method == "GET" else (403,)), method
        assert r.cors == {}, method
    assert client.handled("POST") == client.handled("OPTIONS") == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Access-Control-Request-Headers", "x-token," * 130_000),  # about 1 MB
        ("Access-Control-Request-Headers", "x-token\x00"),
        ("Access-Control-Request-Headers", "x-token, x-\xfcber"),
        ("Access-Control-Request-Headers", "x-token; x-other"),
        ("Access-Control-Request-Method", "PUT\x00"),
        ("Access-Control-Request-Method", "P\xdcT"),
        ("Access-Control-Request-Method", "PUT PATCH"),
        ("Access-Control-Request-Method", "TRACE"),
    ],
)
def test_hostile_preflight_fields_are_refused(make: Make, name: str, value: str) -> None:
    client = make(**CREDENTIALED)
    lines = [("Origin", TRUSTED), ("Access-Control-Request-Method", "PUT"), (name, value)]
    if name == "Access-Control-Request-Method":
        lines = [("Origin", TRUSTED), (name, value)]
    r = client.request("OPTIONS", "/api/data", lines)
    assert r.status == 403
    assert r.cors == {}
    assert client.handled() == 0


# --- WebSockets (FastAPI and Starlette) -----------------------------------------------------


@pytest.mark.parametrize("stack", ["fastapi", "starlette"])
@pytest.mark.parametrize(
    ("lines", "opens"),
    [
        ([("Origin", TRUSTED)], True),
        ([("Origin", "SELF")], True),
        ([], True),  # not a browser: no Origin, no Sec-Fetch-Site
        ([("Origin", EVIL)], False),
        ([("Origin", "null")], False),
        ([("Origin", TRUSTED), ("Origin", EVIL)], False),
        ([("Sec-Fetch-Site", "cross-site")], False),
    ],
)
def test_websocket_handshake_checks_origin(
    stack: str, lines: list[tuple[str, str]], opens: bool
) -> None:
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

    client = STACKS[stack](**CREDENTIALED)
    import httpx

    # A multi-valued mapping: TestClient.websocket_connect needs setdefault().
    headers = httpx.Headers([(n, client.self_origin if v == "SELF" else v) for n, v in lines])
    test_client = TestClient(client.app)
    if opens:
        with test_client.websocket_connect("/ws", headers=headers) as ws:  # type: ignore[arg-type]
            assert ws.receive_text() == "hello"
        assert client.calls[("WS", "/ws")] == 1
    else:
        with pytest.raises(WebSocketDisconnect) as refused:
            test_client.websocket_connect("/ws", headers=headers).__enter__()  # type: ignore[arg-type]
        assert refused.value.code == 1008
        assert client.calls[("WS", "/ws")] == 0


def test_websocket_allowed_with_writes_unblocked_only_when_asked() -> None:
    from starlette.testclient import TestClient

    client = STACKS["starlette"](**CREDENTIALED, block_cross_origin_websockets=False)
    with TestClient(client.app).websocket_connect("/ws", headers={"Origin": EVIL}) as ws:
        assert ws.receive_text() == "hello"
    assert client.calls[("WS", "/ws")] == 1
