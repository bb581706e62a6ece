"""Read trust is not write trust (issue #10 point 4): the engine's write and WebSocket rule.

A cross-origin write (a non-safe method) or WebSocket handshake that carries credentials
(a Cookie header, or an Authorization header a browser attaches by itself) passes only
from an origin the policy trusts *with* credentials. Origins trusted without credentials
(``*``, ``allow_credentials=False``) get cookieless writes only; untrusted origins none.
Same-origin requests and requests without Origin keep their rules.

Two kinds of tables: rows written out by hand for the cases the issue names, and the whole
cross product (policy kind x credential x method x where the request comes from) against
the rule as the docs state it. `corsguard check`'s description is held to the engine too.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corsguard import Decision, Policy, RequestKind, decide
from corsguard.check import write_trust
from corsguard.wsgi import CORSMiddleware

HOST = "api.example.com"
SELF = f"https://{HOST}"
APP = "https://app.example.com"  # listed in the allowlists below
PREVIEW = "https://myapp-pr-7.vercel.app"  # matches the preview pattern
OWN_PREVIEW = "https://myapp-pr-7.preview.example.com"  # a preview host on our own domain
EVIL = "https://evil.example"  # listed nowhere
METHODS = ["GET", "POST", "PUT", "DELETE"]

POLICIES: dict[str, Policy] = {
    # Every origin may read: a public API.
    "public": Policy(allow_origins=["*"], allow_methods=METHODS),
    # Listed origins may read, without the user's credentials.
    "listed": Policy(allow_origins=[APP], allow_methods=METHODS),
    # A preview-deployment pattern anyone can register a host under, without credentials.
    "preview": Policy(allow_origins=["https://myapp-*.vercel.app"], allow_methods=METHODS),
    # Listed origins may read and write with credentials.
    "credentialed": Policy(
        allow_origins=[APP, "https://myapp-*.preview.example.com"],
        allow_methods=METHODS,
        allow_credentials=True,
    ),
}
# Whether each policy trusts an origin at all (read trust), and with credentials.
TRUSTED = {
    "public": {APP, PREVIEW, OWN_PREVIEW, EVIL, SELF},
    "listed": {APP},
    "preview": {PREVIEW},
    "credentialed": {APP, OWN_PREVIEW},
}

CREDENTIALS: dict[str, dict[str, str]] = {
    "none": {},
    "cookie": {"cookie": "session=s3cret"},
    "basic": {"authorization": "Basic dXNlcjpwYXNz"},  # a browser replays it by itself
    "digest": {"authorization": 'Digest username="u", realm="r"'},
    "negotiate": {"authorization": "Negotiate YIIB"},
    "bearer": {"authorization": "Bearer eyJhbGciOi"},  # only a script sets it
    "both": {"cookie": "session=s3cret", "authorization": "Basic dXNlcjpwYXNz"},
    "empty cookie line": {"cookie": " "},  # no cookie in it (Django's test client sends one)
}
AMBIENT = {"cookie", "basic", "digest", "negotiate", "both"}


def request(
    policy: Policy,
    method: str,
    origin: str | None,
    credentials: str = "none",
    websocket: bool = False,
    fetch_site: str | None = None,
    path: str = "/api/x",
    host: str = HOST,
) -> Decision:
    lines: list[tuple[bytes, bytes]] = [(b"host", host.encode())]
    if origin is not None:
        lines.append((b"origin", origin.encode()))
    if fetch_site is not None:
        lines.append((b"sec-fetch-site", fetch_site.encode()))
    lines += [(k.encode(), v.encode()) for k, v in CREDENTIALS[credentials].items()]
    # Unrelated headers around them, as browsers send, change nothing.
    lines = [(b"accept", b"*/*"), *lines, (b"user-agent", b"Mozilla/5.0")]
    return decide(policy, method, path, lines, "https", websocket)


def ran(decision: Decision) -> bool:
    """Whether the app would run: no immediate answer."""
    return decision.status is None


# --- the cases the issue names, written out ------------------------------------------------

NAMED = [
    # policy, origin, credentials, method, websocket, app runs
    # A cookie-bearing cross-site form POST to a public API: refused (the reported bug).
    ("public", EVIL, "cookie", "POST", False, False),
    ("public", EVIL, "basic", "POST", False, False),
    ("public", EVIL, "cookie", "GET", True, False),  # a WebSocket handshake with cookies
    # Without credentials a public API still takes any origin's writes.
    ("public", EVIL, "none", "POST", False, True),
    ("public", EVIL, "none", "PUT", False, True),
    ("public", EVIL, "none", "GET", True, True),
    ("public", EVIL, "bearer", "POST", False, True),  # a script's own token
    # Reads are never refused, whatever they carry (the browser withholds what it must).
    ("public", EVIL, "cookie", "GET", False, True),
    ("public", EVIL, "both", "HEAD", False, True),
    # An origin listed without credentials: cookieless writes only.
    ("listed", APP, "cookie", "POST", False, False),
    ("listed", APP, "cookie", "PUT", False, False),  # after a granted preflight
    ("listed", APP, "negotiate", "DELETE", False, False),
    ("listed", APP, "cookie", "GET", True, False),
    ("listed", APP, "none", "POST", False, True),
    ("listed", APP, "none", "GET", True, True),
    ("listed", APP, "bearer", "PUT", False, True),
    # A preview pattern anyone can deploy under, without credentials.
    ("preview", PREVIEW, "cookie", "POST", False, False),
    ("preview", PREVIEW, "cookie", "GET", True, False),
    ("preview", PREVIEW, "none", "POST", False, True),
    # An origin trusted with credentials: everything passes.
    ("credentialed", APP, "cookie", "POST", False, True),
    ("credentialed", APP, "both", "PUT", False, True),
    ("credentialed", OWN_PREVIEW, "cookie", "GET", True, True),
    ("credentialed", APP, "none", "DELETE", False, True),
    # An untrusted origin: no writes, with or without credentials (as before).
    ("credentialed", EVIL, "cookie", "POST", False, False),
    ("credentialed", EVIL, "none", "POST", False, False),
    ("credentialed", EVIL, "none", "GET", True, False),
    ("listed", EVIL, "none", "PUT", False, False),
    ("listed", EVIL, "cookie", "GET", False, True),
]


@pytest.mark.parametrize(("kind", "origin", "credentials", "method", "websocket", "runs"), NAMED)
def test_named_cases(
    kind: str, origin: str, credentials: str, method: str, websocket: bool, runs: bool
) -> None:
    decision = request(POLICIES[kind], method, origin, credentials, websocket)
    assert ran(decision) is runs
    if not runs:
        assert decision.status == 403 and not decision.headers
        assert decision.kind is (RequestKind.WEBSOCKET if websocket else RequestKind.CROSS_ORIGIN)


def test_a_refused_credentialed_write_says_why() -> None:
    decision = request(POLICIES["public"], "POST", EVIL, "cookie")
    assert decision.reason == (
        "origin is trusted without credentials; the request carries cookies or HTTP auth"
    )
    # The same origin's cookieless write gets the public grant as before.
    passed = request(POLICIES["public"], "POST", EVIL)
    assert passed.allowed and (b"access-control-allow-origin", b"*") in passed.headers


# --- the whole cross product against the stated rule --------------------------------------

# Where a request comes from: its Origin, its Sec-Fetch-Site, and the Host it reached.
SOURCES: dict[str, tuple[str | None, str | None]] = {
    "same-origin by Sec-Fetch-Site": (APP, "same-origin"),  # the browser's word wins
    "same-origin by Host": (SELF, None),
    "cross-origin APP": (APP, "same-site"),
    "cross-origin PREVIEW": (PREVIEW, "cross-site"),
    "cross-origin OWN_PREVIEW": (OWN_PREVIEW, "same-site"),
    "cross-origin EVIL": (EVIL, "cross-site"),
    "cross-origin EVIL, no Sec-Fetch-Site": (EVIL, None),
    "no Origin, cross-site": (None, "cross-site"),
    "no Origin, same-site": (None, "same-site"),
    "no Origin, user typed it": (None, "none"),
    "no Origin, not a browser": (None, None),
}


def expected_to_run(kind: str, source: str, credentials: str, method: str, ws: bool) -> bool:
    """The rule as docs/deployment.md states it."""
    origin, fetch_site = SOURCES[source]
    if method in ("GET", "HEAD") and not ws:
        return True  # safe methods are never refused
    if origin is None:
        # No Origin: Sec-Fetch-Site alone tells a browser's cross-site request, refused.
        return fetch_site not in ("cross-site", "same-site")
    if source.startswith("same-origin"):
        return True
    if origin not in TRUSTED[kind]:
        return False
    return credentials not in AMBIENT or POLICIES[kind].allow_credentials


CROSS = list(
    itertools.product(
        POLICIES,
        SOURCES,
        CREDENTIALS,
        [("GET", False), ("POST", False), ("PUT", False), ("GET", True)],
    )
)


@pytest.mark.parametrize(("kind", "source", "credentials", "method_ws"), CROSS)
def test_cross_product(
    kind: str, source: str, credentials: str, method_ws: tuple[str, bool]
) -> None:
    method, websocket = method_ws
    origin, fetch_site = SOURCES[source]
    decision = request(POLICIES[kind], method, origin, credentials, websocket, fetch_site)
    assert ran(decision) is expected_to_run(kind, source, credentials, method, websocket)


# --- the switches and exempt paths keep their meaning ---------------------------------------


@pytest.mark.parametrize("kind", ["public", "listed", "preview"])
@pytest.mark.parametrize("credentials", ["cookie", "basic"])
def test_switches_and_exempt_paths(kind: str, credentials: str) -> None:
    base = POLICIES[kind]
    origin = next(iter(sorted(TRUSTED[kind] - {SELF})))
    options: dict[str, Any] = {
        "allow_origins": list(base.allow_origins),
        "allow_methods": METHODS,
    }
    writes_off = Policy(**options, block_cross_origin_writes=False)
    sockets_off = Policy(**options, block_cross_origin_websockets=False)
    exempt = Policy(**options, write_protection_exempt_paths=["/hooks"])

    assert ran(request(writes_off, "POST", origin, credentials))
    assert not ran(request(writes_off, "GET", origin, credentials, websocket=True))
    assert ran(request(sockets_off, "GET", origin, credentials, websocket=True))
    assert not ran(request(sockets_off, "POST", origin, credentials))
    assert ran(request(exempt, "POST", origin, credentials, path="/hooks/github"))
    assert not ran(request(exempt, "POST", origin, credentials, path="/hooksx"))
    # Exempt paths are for writes: a handshake there is judged as anywhere else.
    assert not ran(request(exempt, "GET", origin, credentials, websocket=True, path="/hooks"))


def test_route_overrides_follow_their_own_credentials() -> None:
    policy = Policy(
        allow_origins=[APP],
        allow_methods=METHODS,
        allow_credentials=True,
        routes={"/public": Policy(allow_origins=["*"], allow_methods=METHODS)},
    )
    assert ran(request(policy, "POST", APP, "cookie", path="/api/x"))
    # Under /public APP is trusted only as "any origin", without credentials.
    assert not ran(request(policy, "POST", APP, "cookie", path="/public/x"))
    assert not ran(request(policy, "GET", APP, "cookie", websocket=True, path="/public/ws"))
    assert ran(request(policy, "POST", EVIL, "none", path="/public/x"))
    assert not ran(request(policy, "POST", EVIL, "none", path="/api/x"))


@pytest.mark.parametrize(
    ("value", "ambient"),
    [
        ("Basic dXNlcjpwYXNz", True),
        ("basic dXNlcjpwYXNz", True),  # scheme names are case-insensitive (RFC 9110 §11.1)
        ("  NTLM TlRMTVNTUAAB", True),
        ("Negotiate", True),
        ("Digest", True),
        ("", True),  # no scheme at all: nobody's token, refused to be safe
        ("\x00Bearer x", True),
        ("Bearer abc.def", False),
        ("DPoP abc", False),
        ("Token abc", False),
        ("Basic\tdTpw", True),  # not a plain scheme and space: refused to be safe
    ],
)
def test_which_authorization_values_count_as_credentials(value: str, ambient: bool) -> None:
    lines = [(b"origin", EVIL.encode()), (b"authorization", value.encode("latin-1"))]
    decision = decide(POLICIES["public"], "POST", "/x", lines, "https")
    assert ran(decision) is not ambient


# --- `corsguard check` says what the engine does --------------------------------------------

CHECKED: dict[str, Policy] = {
    **POLICIES,
    "writes off": Policy(allow_origins=[APP], block_cross_origin_writes=False),
    "sockets off": Policy(allow_origins=["*"], block_cross_origin_websockets=False),
    "credentialed, writes off": Policy(
        allow_origins=[APP], allow_credentials=True, block_cross_origin_writes=False
    ),
}
ORIGIN_OF = {"public": EVIL, "preview": PREVIEW}


@pytest.mark.parametrize("name", list(CHECKED))
@pytest.mark.parametrize("websocket", [False, True])
def test_check_description_matches_the_engine(name: str, websocket: bool) -> None:
    policy = CHECKED[name]
    trust = write_trust(policy, websocket=websocket)
    listed = ORIGIN_OF.get(name, APP)
    method = "GET" if websocket else "POST"

    def runs(origin: str, credentials: str) -> bool:
        return ran(request(policy, method, origin, credentials, websocket, "cross-site"))

    # "any origin" / "listed origins" / "none", for writes without and with credentials.
    for field, credentials in (("without_credentials", "none"), ("with_credentials", "cookie")):
        claim = trust[field]
        assert claim in ("any origin", "listed origins", "none")
        assert runs(listed, credentials) is (claim != "none"), (field, claim)
        assert runs(EVIL, credentials) is (claim == "any origin"), (field, claim)


@pytest.mark.parametrize(
    ("policy", "text"),
    [
        (POLICIES["public"], "any origin without cookies or HTTP auth; with them, none"),
        (POLICIES["listed"], "listed origins only, and only without cookies or HTTP auth"),
        (POLICIES["credentialed"], "listed origins only, with or without cookies and HTTP auth"),
        (
            Policy(allow_origins=["*"], write_protection_exempt_paths=["/hooks", "/stripe"]),
            "any origin without cookies or HTTP auth; with them, none "
            "(exempt paths, open to any origin: /hooks, /stripe)",
        ),
        (
            CHECKED["writes off"],
            "NOT blocked (block_cross_origin_writes is off): any origin, cookies and HTTP auth too",
        ),
    ],
)
def test_check_text(policy: Policy, text: str) -> None:
    from corsguard.check import _policy_lines

    lines = list(_policy_lines(policy, ""))
    assert f"cross-origin writes: {text}" in lines


# --- the WSGI middleware's memo keeps credentials apart -------------------------------------


def _wsgi_status(middleware: CORSMiddleware, **headers: str) -> str:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/x",
        "wsgi.url_scheme": "https",
        "HTTP_HOST": HOST,
        "HTTP_ORIGIN": APP,
        "HTTP_SEC_FETCH_SITE": "same-site",
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    seen: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        seen.append(status)
        return lambda data: None

    list(middleware(environ, start_response))
    return seen[0]


def test_a_remembered_cookieless_pass_does_not_pass_a_cookie() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    middleware = CORSMiddleware(app, policy=POLICIES["listed"])
    assert _wsgi_status(middleware) == "200 OK"  # remembered
    assert _wsgi_status(middleware, cookie="session=1").startswith("403")
    assert _wsgi_status(middleware, cookie=" \t").startswith("200")  # remembered too
    assert _wsgi_status(middleware, cookie="session=1").startswith("403")
    assert _wsgi_status(middleware, authorization="Bearer t").startswith("200")
    assert _wsgi_status(middleware, authorization="Basic dTpw").startswith("403")
    assert _wsgi_status(middleware).startswith("200")


def test_several_authorization_lines_count_as_credentials() -> None:
    lines = [
        (b"origin", EVIL.encode()),
        (b"authorization", b"Bearer t"),
        (b"authorization", b"Bearer u"),
    ]
    assert not ran(decide(POLICIES["public"], "POST", "/x", lines, "https"))
    assert ran(decide(POLICIES["public"], "POST", "/x", lines[:2], "https"))


_memo_requests = st.fixed_dictionaries(
    {"REQUEST_METHOD": st.sampled_from(["GET", "POST", "PUT", "DELETE"])},
    optional={
        "HTTP_ORIGIN": st.sampled_from([APP, EVIL, SELF, "null"]),
        "HTTP_SEC_FETCH_SITE": st.sampled_from(["same-origin", "same-site", "cross-site", "none"]),
        "HTTP_HOST": st.sampled_from([HOST, "other.example"]),
        "HTTP_COOKIE": st.sampled_from(["session=1", "", " ", "a=b; c=d"]),
        "HTTP_AUTHORIZATION": st.sampled_from(["Basic dTpw", "Bearer t", "", "NTLM x"]),
    },
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(POLICIES)), st.lists(_memo_requests, min_size=1, max_size=20))
def test_a_warm_memo_answers_as_the_engine_does(kind: str, sequence: list[dict[str, str]]) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    def status(middleware: CORSMiddleware, request: dict[str, str]) -> str:
        seen: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen.append(status)
            return lambda data: None

        list(middleware({"PATH_INFO": "/x", "wsgi.url_scheme": "https", **request}, start_response))
        return seen[0]

    warm = CORSMiddleware(app, policy=POLICIES[kind])
    for request in sequence:
        assert status(warm, request) == status(CORSMiddleware(app, policy=POLICIES[kind]), request)


@pytest.mark.parametrize("value", ["", " ", "\t", " \t ", "a=1", " a=1", "\ta=1 ", "=", "\x00"])
def test_wsgi_and_engine_agree_on_what_a_cookie_is(value: str) -> None:
    from corsguard.wsgi import _has_cookie

    lines = [(b"origin", EVIL.encode()), (b"cookie", value.encode("latin-1"))]
    refused = not ran(decide(POLICIES["public"], "POST", "/x", lines, "https"))
    assert refused is _has_cookie({"HTTP_COOKIE": value})
    assert refused is bool(value.strip(" \t"))
