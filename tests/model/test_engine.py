"""The decision engine, as tables: one row per rule of the foundation issue."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from corsguard import Decision, Policy, RequestKind, decide
from corsguard.engine import apply_to_response, merge_vary, normalize_path

APP = "https://app.example.com"
API = "api.example.com"

STRICT = Policy(
    allow_origins=[APP, "https://*.api.example.com"],
    allow_methods=["GET", "PUT", "DELETE", "PATCH"],
    allow_headers=["X-Token", "Authorization"],
    allow_credentials=True,
    expose_headers=["X-Request-Id"],
    max_age=600,
)
WILD = Policy(allow_origins=[APP], allow_methods=["*"], allow_headers=["*"])
WILD_CREDS = Policy(
    allow_origins=[APP], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
)
PUBLIC = Policy(allow_origins=["*"], allow_methods=["GET", "POST"])
PNA = Policy(allow_origins=[APP], allow_private_network=True)


def request(
    policy: Policy,
    method: str = "GET",
    path: str = "/x",
    websocket: bool = False,
    scheme: str = "https",
    **headers: str,
) -> Decision:
    lines = [
        (k.replace("_", "-").lower().encode(), v.encode("latin-1")) for k, v in headers.items()
    ]
    return decide(policy, method, path, lines, scheme, websocket)


def preflight(policy: Policy, origin: str = APP, method: str = "PUT", **headers: str) -> Decision:
    return request(
        policy, "OPTIONS", origin=origin, access_control_request_method=method, **headers
    )


def header(decision: Decision, name: str) -> str | None:
    values = [v.decode() for k, v in decision.headers if k.decode() == name]
    assert len(values) <= 1, f"{name} sent twice"
    return values[0] if values else None


# --- preflights -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "origin", "method", "req_headers", "allowed", "acam", "acah"),
    [
        (STRICT, APP, "PUT", None, True, "DELETE, GET, PATCH, PUT", None),
        (STRICT, "https://v1.api.example.com", "DELETE", "x-token", True, None, None),
        (STRICT, APP, "PUT", "x-token,authorization", True, None, None),
        (STRICT, APP, "PUT", "content-type", True, None, None),  # safelisted name, JSON value
        (STRICT, APP, "PUT", "x-other", False, None, None),
        (STRICT, APP, "POST", None, True, None, None),  # safelisted method needs no listing
        (STRICT, APP, "patch", None, False, None, None),  # exact case: only PATCH is listed
        (STRICT, APP, "OPTIONS", None, False, None, None),
        (STRICT, "https://evil.com", "PUT", None, False, None, None),
        (STRICT, "null", "PUT", None, False, None, None),
        (STRICT, APP, "TRACE", None, False, None, None),
        (STRICT, APP, "PU T", None, False, None, None),
        (STRICT, APP, "PUT", "x-token,cookie", False, None, None),
        (STRICT, APP, "PUT", "x-token;evil", False, None, None),
        (WILD, APP, "PURGE", "x-anything,x-more", True, "*", None),
        (WILD, APP, "GET", "authorization", False, None, None),  # '*' never covers it
        (WILD_CREDS, APP, "purge", "x-a,x-b", True, "purge", "x-a, x-b"),
        (WILD_CREDS, APP, "GET", "authorization", False, None, None),
        (PUBLIC, "https://anyone.example", "POST", "content-type", True, "GET, POST", None),
    ],
)
def test_preflight(
    policy: Policy,
    origin: str,
    method: str,
    req_headers: str | None,
    allowed: bool,
    acam: str | None,
    acah: str | None,
) -> None:
    extra = {"access_control_request_headers": req_headers} if req_headers else {}
    decision = preflight(policy, origin, method, **extra)
    assert decision.kind is RequestKind.PREFLIGHT
    assert decision.allowed is allowed
    assert decision.respond_now
    assert b"Access-Control-Request-Method" in decision.vary or policy.public
    if not allowed:
        assert decision.status == 403
        assert decision.headers == ()  # no CORS headers at all on a refusal
        return
    assert decision.status == 204
    expected_acao = "*" if policy.public else origin
    assert header(decision, "access-control-allow-origin") == expected_acao
    creds = header(decision, "access-control-allow-credentials")
    assert creds == ("true" if policy.allow_credentials else None)
    assert header(decision, "access-control-max-age") == str(policy.max_age)
    if acam is not None:
        assert header(decision, "access-control-allow-methods") == acam
    else:
        assert method in (header(decision, "access-control-allow-methods") or "") or method in (
            "GET",
            "HEAD",
            "POST",
        )
    allowed_headers = header(decision, "access-control-allow-headers") or ""
    if acah is not None:
        assert allowed_headers == acah
    for name in (req_headers or "").split(","):
        if name:
            listed = [h.strip().lower() for h in allowed_headers.split(",")]
            assert name in listed or ("*" in listed and not policy.allow_credentials)


def test_preflight_with_credentials_never_sends_wildcards() -> None:
    decision = preflight(WILD_CREDS, APP, "PUT", access_control_request_headers="x-a")
    values = [v for _, v in decision.headers]
    assert b"*" not in values


def test_authorization_listed_beside_wildcard() -> None:
    policy = Policy(allow_origins=[APP], allow_headers=["*", "Authorization"])
    decision = preflight(policy, APP, "GET", access_control_request_headers="authorization,x-a")
    assert decision.allowed
    assert header(
        decision,
        "access-control-allow-headers",
    ).startswith("*, ")  # type: ignore[union-attr]
    assert "authorization" in header(decision, "access-control-allow-headers")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("policy", "value", "allowed", "granted"),
    [
        (PNA, "true", True, "true"),
        (STRICT, "true", False, None),
        (STRICT, "false", True, None),
    ],
)
def test_private_network(policy: Policy, value: str, allowed: bool, granted: str | None) -> None:
    decision = preflight(policy, APP, "GET", access_control_request_private_network=value)
    assert decision.allowed is allowed
    assert header(decision, "access-control-allow-private-network") == granted


def test_options_without_request_method_is_not_a_preflight() -> None:
    decision = request(STRICT, "OPTIONS", origin=APP)
    assert decision.kind is RequestKind.CROSS_ORIGIN
    assert decision.status is None  # the app answers it


def test_refusal_body_has_reason_only_in_debug() -> None:
    quiet = preflight(STRICT, "https://evil.com")
    assert b"origin not allowed" not in quiet.body
    debug_policy = Policy(allow_origins=[APP], debug=True)
    loud = preflight(debug_policy, "https://evil.com")
    assert b"origin not allowed" in loud.body


# --- actual requests and Vary -------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "headers", "kind", "acao", "vary"),
    [
        (STRICT, {}, RequestKind.NO_ORIGIN, None, b"Origin"),
        (STRICT, {"origin": APP}, RequestKind.CROSS_ORIGIN, APP, b"Origin"),
        (STRICT, {"origin": "https://evil.com"}, RequestKind.CROSS_ORIGIN, None, b"Origin"),
        (STRICT, {"origin": "null"}, RequestKind.CROSS_ORIGIN, None, b"Origin"),
        (PUBLIC, {"origin": "https://x.example"}, RequestKind.CROSS_ORIGIN, "*", b""),
        # Fetch §CORS protocol and HTTP caches: a `*` grant goes on non-CORS answers too.
        (PUBLIC, {}, RequestKind.NO_ORIGIN, "*", b""),
        (PUBLIC, {"origin": "null"}, RequestKind.CROSS_ORIGIN, "*", b""),
    ],
)
def test_simple_requests(
    policy: Policy, headers: dict[str, str], kind: RequestKind, acao: str | None, vary: bytes
) -> None:
    decision = request(policy, "GET", **headers)
    assert decision.kind is kind
    assert decision.status is None
    assert header(decision, "access-control-allow-origin") == acao
    assert decision.vary == vary
    if acao == APP:
        assert header(decision, "access-control-allow-credentials") == "true"
        assert header(decision, "access-control-expose-headers") == "X-Request-Id"


PUBLIC_EXPOSED = Policy(allow_origins=["*"], expose_headers=["X-Total"])
LISTED = Policy(allow_origins=["https://x.example"])


@pytest.mark.parametrize(
    ("policy", "method", "headers", "acao", "vary"),
    [
        # A public policy answers every request the app serves alike: grant on, no Vary.
        (PUBLIC_EXPOSED, "GET", {}, "*", b""),
        (PUBLIC_EXPOSED, "HEAD", {"sec-fetch-site": "same-origin"}, "*", b""),
        (PUBLIC_EXPOSED, "GET", {"origin": "https://x.example"}, "*", b""),
        (PUBLIC_EXPOSED, "GET", {"origin": "https://caf\u00e9.example"}, "*", b""),
        (PUBLIC, "POST", {"sec-fetch-site": "same-origin"}, "*", b""),
        (PUBLIC, "POST", {}, "*", b""),
        # Any other policy's grant depends on the Origin: none without one, and Vary.
        (LISTED, "GET", {}, None, b"Origin"),
        (LISTED, "GET", {"origin": "https://x.example"}, "https://x.example", b"Origin"),
        (STRICT, "GET", {}, None, b"Origin"),
    ],
)
def test_a_public_grant_goes_on_every_answer(
    policy: Policy, method: str, headers: dict[str, str], acao: str | None, vary: bytes
) -> None:
    decision = request(policy, method, **headers)
    assert decision.status is None
    assert header(decision, "access-control-allow-origin") == acao
    assert decision.vary == vary
    exposed = "X-Total" if policy is PUBLIC_EXPOSED else None
    assert header(decision, "access-control-expose-headers") == exposed


def test_a_public_policy_still_refuses_what_it_refused() -> None:
    # Refusals carry no grant: the browser's own check fails as well (and 403 is not
    # stored by a shared cache without explicit freshness, RFC 9111 §4.2.2).
    for decision in (
        request(PUBLIC, "POST", origin="https://x.example", cookie="s=1"),
        request(PUBLIC, "POST", **{"sec-fetch-site": "cross-site"}),
        preflight(PUBLIC, "https://x.example", "DELETE"),
    ):
        assert decision.status == 403
        assert decision.headers == ()


@pytest.mark.parametrize(
    ("existing", "added", "merged"),
    [
        (None, b"Origin", b"Origin"),
        (b"Accept-Encoding", b"Origin", b"Accept-Encoding, Origin"),
        (b"origin", b"Origin", b"origin"),
        (b"*", b"Origin", b"*"),
        (b"Accept, Origin", b"Origin, Access-Control-Request-Method", b"Accept, Origin, "
         b"Access-Control-Request-Method"),
    ],
)  # fmt: skip
def test_merge_vary(existing: bytes | None, added: bytes, merged: bytes) -> None:
    assert merge_vary(existing, added) == merged


def test_app_headers_are_kept_and_its_cors_headers_replaced() -> None:
    decision = request(STRICT, origin=APP)
    app_headers = [
        (b"content-type", b"application/json"),
        (b"Vary", b"Accept-Encoding"),
        (b"Access-Control-Allow-Origin", b"*"),
        (b"access-control-allow-methods", b"*"),
    ]
    out = apply_to_response(app_headers, decision)
    names = [k.lower() for k, _ in out]
    assert (b"content-type", b"application/json") in out
    assert names.count(b"access-control-allow-origin") == 1
    assert (b"access-control-allow-origin", APP.encode()) in out
    assert b"access-control-allow-methods" not in names
    assert (b"vary", b"Accept-Encoding, Origin") in out


# --- cross-origin write protection ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "refused"),
    [
        ("POST", {"origin": "https://evil.com", "host": API}, True),
        ("PUT", {"origin": "https://evil.com", "host": API}, True),
        ("DELETE", {"origin": "null", "host": API}, True),
        ("PATCH", {"origin": "https://evil.com"}, True),
        ("POST", {"origin": APP, "host": API}, False),  # trusted origin
        ("POST", {"origin": "https://api.example.com", "host": API}, False),  # same origin
        ("POST", {"origin": "https://api.example.com", "host": API + ":443"}, False),
        ("POST", {"origin": "http://api.example.com", "host": API}, False),  # TLS proxy
        ("POST", {"origin": "https://api.example.com:8443", "host": API}, True),
        ("POST", {"origin": "https://evil.com", "sec_fetch_site": "same-origin"}, False),
        ("POST", {"sec_fetch_site": "cross-site"}, True),
        ("POST", {"sec_fetch_site": "same-site"}, True),
        ("POST", {"sec_fetch_site": "same-origin"}, False),
        ("POST", {"sec_fetch_site": "none"}, False),
        ("POST", {}, False),  # curl, server to server
        ("GET", {"origin": "https://evil.com", "host": API}, False),
        ("HEAD", {"origin": "https://evil.com", "host": API}, False),
        ("OPTIONS", {"origin": "https://evil.com", "host": API}, False),
        ("GET", {"sec_fetch_site": "cross-site"}, False),
    ],
)
def test_cross_origin_writes(method: str, headers: dict[str, str], refused: bool) -> None:
    decision = request(STRICT, method, **headers)
    assert (decision.status == 403) is refused
    if refused:
        assert decision.headers == ()


def test_write_protection_can_be_turned_off_or_exempted() -> None:
    evil = {"origin": "https://evil.com", "host": API}
    off = Policy(allow_origins=[APP], block_cross_origin_writes=False)
    assert request(off, "POST", **evil).status is None
    hooks = Policy(allow_origins=[APP], write_protection_exempt_paths=["/webhooks"])
    assert request(hooks, "POST", "/webhooks/stripe", **evil).status is None
    assert request(hooks, "POST", "/webhooks", **evil).status is None
    assert request(hooks, "POST", "/webhooksx", **evil).status == 403
    assert request(hooks, "POST", "/webhooks/../admin", **evil).status == 403
    assert request(hooks, "POST", "/Webhooks/x", **evil).status == 403


# --- WebSockets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "headers", "refused"),
    [
        (STRICT, {"origin": "https://evil.com", "host": API}, True),
        (STRICT, {"origin": APP, "host": API}, False),
        (STRICT, {"origin": "https://api.example.com", "host": API}, False),
        (STRICT, {"host": API}, False),  # not a browser
        (STRICT, {"host": API, "sec_fetch_site": "cross-site"}, True),
        (
            Policy(allow_origins=[APP], block_cross_origin_websockets=False),
            {"origin": "https://evil.com", "host": API},
            False,
        ),
    ],
)
def test_websocket_handshakes(policy: Policy, headers: dict[str, str], refused: bool) -> None:
    decision = request(policy, "GET", websocket=True, scheme="wss", **headers)
    assert (decision.status is not None) is refused


# --- per-path policies --------------------------------------------------------------------

ROUTED = Policy(
    allow_origins=[APP],
    routes={
        "/public": Policy(allow_origins=["*"]),
        "/api": Policy(allow_origins=["https://partner.example.org"]),
        "/api/admin": Policy(allow_origins=["https://admin.example.com"]),
    },
)


@pytest.mark.parametrize(
    ("path", "origin_allowed"),
    [
        ("/public", "https://anyone.example"),
        ("/public/", "https://anyone.example"),
        ("/public/data.json", "https://anyone.example"),
        ("/publicity", APP),
        ("/PUBLIC/data", APP),
        ("/public/../api/x", None),  # the router and the route table disagree
        ("/public/./../api/admin/users", None),
        ("/api/./admin/users", None),  # a router may take /api's handler
        ("/api/v1/./x", "https://partner.example.org"),  # both readings pick /api
        ("/api/v1", "https://partner.example.org"),
        ("/api/admin", "https://admin.example.com"),
        ("/api/administrator", "https://partner.example.org"),
        ("//public//x", None),  # Starlette and Django see no /public here (issue #10)
        ("/public//x", None),  # Werkzeug's <path:> does not take "/x"
        ("/public/x//y", "https://anyone.example"),
        ("/../public/x", None),
        ("/", APP),
        ("", APP),
    ],
)
def test_routes_longest_segment_prefix(path: str, origin_allowed: str | None) -> None:
    candidates = [APP, "https://anyone.example", "https://partner.example.org",
                  "https://admin.example.com"]  # fmt: skip
    granted = {
        origin
        for origin in candidates
        if header(request(ROUTED, "GET", path, origin=origin), "access-control-allow-origin")
    }
    if origin_allowed is None:
        assert granted == set()
    elif origin_allowed == "https://anyone.example":
        assert granted == set(candidates)  # the public route: '*' for everyone
    else:
        assert granted == {origin_allowed}


@pytest.mark.parametrize(
    ("path", "normalized"),
    [
        ("/a/b/../c", "/a/c"),
        ("/a/./b", "/a/b"),
        ("/../../a", "/a"),
        ("/a//b/", "/a/b"),
        ("", "/"),
        ("/%2e%2e/a", "/%2e%2e/a"),  # the engine works on the decoded path it is given
    ],
)
def test_normalize_path(path: str, normalized: str) -> None:
    assert normalize_path(path) == normalized


# --- what public CORS scanners send ---------------------------------------------------

SCANNER_POLICY = Policy(
    allow_origins=["https://app.example.com", "https://*.api.example.com"], allow_credentials=True
)
SCANNER_ORIGINS = [
    "https://evil.com",
    "https://attacker.test",
    "null",
    "https://app.example.com.evil.com",
    "https://app.example.comevil.com",
    "https://x.api.example.com.evil.com",
    "https://evilapp.example.com",
    "https://evilexample.com",
    "https://evil-app.example.com",
    "https://evilapi.example.com",
    "https://appxexample.com",
    "https://app.examplexcom",
    "https://xapixexample.com",
    "https://app.example.co",
    "https://app.example.c",
    "https://pp.example.com",
    "https://api.example.co",
    *[
        f"https://app.example.com{c}.evil.com"
        for c in ["_", "-", "`", "%60", "{", "}", "!", "~", "+", "$", "'", "=", "&", "(", ")",
                  "*", ",", ";", "|"]
    ],
    *[f"https://x.api.example.com{c}evil.com" for c in ["_", "-", "`", "%60", "{", "}"]],
    "http://app.example.com",
    "http://x.api.example.com",
    "https://APP.example.com",
    "HTTPS://app.example.com",
    "https://App.Example.Com",
    "https://app.example.com.",
    "https://x.api.example.com.",
    "https://app.example.com@evil.com",
    "https://evil.com@app.example.com",
    "https://app.example.com:443",
    "https://app.example.com:8443",
    "https://app.example.com:80",
    "https://x.api.example.com:8443",
    "https://api.example.com",
    "https://.api.example.com",
    "https://app.example.com/",
    "https://app.example.com/path",
    "https://app.example.com#",
    "https://app.example.com?",
    " https://app.example.com, https://evil.com",
    "https://app.example.com https://evil.com",
    "https://app.example.com\x00",
    "https://app.example.com\r\nX-Evil: 1",
    "file://",
    "https://xn--pp-8ka.example.com",
]  # fmt: skip


@pytest.mark.parametrize("origin", SCANNER_ORIGINS)
def test_scanner_origins_are_refused(origin: str) -> None:
    simple = request(SCANNER_POLICY, "GET", origin=origin)
    assert header(simple, "access-control-allow-origin") is None
    assert not simple.allowed
    assert preflight(SCANNER_POLICY, origin, "GET").status == 403
    assert request(SCANNER_POLICY, "POST", origin=origin, host="server.example.net").status == 403


# --- hostile input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        [(b"origin", APP.encode()), (b"origin", b"https://evil.com")],
        [(b"origin", APP.encode()), (b"origin", APP.encode())],
        [(b"origin", "https://äpp.example.com".encode())],
        [(b"origin", b"\xff\xfe")],
        [(b"origin", b"https://app.example.com\r\nset-cookie: a=b")],
        [(b"origin", APP.encode()), (b"access-control-request-method", b"\xff")],
        [(b"origin", APP.encode()), (b"access-control-request-method", b"PUT"),
         (b"access-control-request-headers", b"x-token," * 131072)],
        [(b"origin", APP.encode()), (b"access-control-request-method", b"PUT"),
         (b"access-control-request-headers", "x-tökén".encode())],
        [(b"origin", b"a" * 100_000)],
        [(b"x-filler-%d" % i, b"v" * 100) for i in range(5000)] + [(b"origin", b"https://evil.com")],
        [(b"origin", APP.encode()), (b"host", b"\xff")],
    ],
)  # fmt: skip
def test_hostile_headers_never_raise_or_grant(lines: list[tuple[bytes, bytes]]) -> None:
    for method in ("GET", "POST", "OPTIONS"):
        decision = decide(STRICT, method, "/x", lines, "https")
        granted = header(decision, "access-control-allow-origin")
        origins = [v for k, v in lines if k == b"origin"]
        if granted is not None:
            # Only a single well-formed trusted origin may ever be granted.
            assert origins == [APP.encode()]
            assert granted == APP
        if decision.status is not None:
            assert 400 <= decision.status < 500 or decision.status == 204


def test_refusals_are_logged_safely_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Decision] = []
    policy = Policy(allow_origins=[APP], on_reject=seen.append)
    caplog.set_level(logging.INFO, logger="corsguard")
    evil = "https://evil.com\r\n2026-01-01 INFO forged line"
    decision = request(policy, "POST", "/pay\nnow", origin=evil, host=API)
    assert decision.status == 403
    assert seen == [decision]
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "\n" not in message and "\r" not in message
    assert "\\r\\n2026-01-01" in message and "/pay\\nnow" in message


def test_decision_exposes_everything_adapters_need() -> None:
    decision = request(STRICT, "GET", origin=APP)
    fields: dict[str, Any] = decision._asdict()
    assert set(fields) >= {"kind", "allowed", "status", "headers", "vary", "reason", "origin"}


def test_route_refusals_reach_the_apps_callback() -> None:
    seen: list[Decision] = []
    own: list[Decision] = []
    policy = Policy(
        allow_origins=[APP],
        on_reject=seen.append,
        routes={
            "/api": Policy(allow_origins=[APP]),
            "/admin": Policy(allow_origins=[APP], on_reject=own.append),
        },
    )
    request(policy, "POST", "/api/x", origin="https://evil.com", host=API)
    request(policy, "POST", "/admin/x", origin="https://evil.com", host=API)
    assert [d.path for d in seen] == ["/api/x"]
    assert [d.path for d in own] == ["/admin/x"]


@pytest.mark.parametrize(
    ("policy", "origin", "exposed"),
    [
        (Policy(allow_origins=["*"], expose_headers=["X-Id", "X-Page"]), "https://a.example",
         "X-Id, X-Page"),
        (Policy(allow_origins=["*"], expose_headers=["*"]), "null", "*"),
        (Policy(allow_origins=["*"]), "https://any.example", None),
        (Policy(allow_origins=[APP], expose_headers=["X-Id"]), APP, "X-Id"),
    ],
)  # fmt: skip
def test_exposed_headers_are_sent_to_every_granted_origin(
    policy: Policy, origin: str, exposed: str | None
) -> None:
    decision = request(policy, "GET", origin=origin)
    assert header(decision, "access-control-expose-headers") == exposed
    assert header(decision, "access-control-allow-origin") in ("*", origin)
