"""The lab: one ASGI app whose endpoints each carry one real-world CORS mistake.

Every endpoint is the kind of origin check people write by hand (a reflected origin, an
unanchored regular expression, ``startswith``, ``in``...), reduced to a few lines. The
catalogue `ENDPOINTS` says which finding ids `corsguard audit --origin TRUSTED_ORIGIN`
must report for each one; the tests, `corsguard demo` and the browser proofs compare
against it. One endpoint, ``/corsguard``, is protected by corsguard's own middleware and
must have no finding.

The lab trusts one front end, `TRUSTED_ORIGIN`. It answers on any Host, so that a browser
can reach it under made-up names (``api.example.test``) mapped to 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TRUSTED_ORIGIN = "https://app.example.test"
"""The lab's legitimate front end: audit the lab with ``--origin https://app.example.test``."""

SESSION_COOKIE = "lab_session"
SESSION_VALUE = "victim-session"
SECRET = "lab-secret-4f2a"
"""What `/account` returns when the victim's session cookie comes with the request."""


@dataclass(frozen=True)
class LabRequest:
    method: str
    path: str
    headers: dict[str, str]  # lowercase names; repeated fields joined with ", "
    query: str = ""  # the raw query string (a shared cache keys on it)

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and "access-control-request-method" in self.headers

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class LabResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


Handler = Callable[[LabRequest], LabResponse]


@dataclass(frozen=True)
class LabEndpoint:
    """One endpoint of the lab and what an audit must find there."""

    path: str
    mistake: str
    """The mistake, as a one-line piece of the code that makes it."""
    findings: frozenset[str]
    """The finding ids `corsguard audit --origin TRUSTED_ORIGIN` reports for it."""
    severity: str | None
    """The highest severity among them (None when there is no finding)."""


def _json(data: dict[str, Any], status: int = 200) -> LabResponse:
    return LabResponse(
        status,
        [("content-type", "application/json")],
        json.dumps(data, separators=(",", ":")).encode(),
    )


def _data(path: str) -> dict[str, Any]:
    return {"endpoint": path, "data": "lab data"}


def _allowlist(
    path: str,
    allowed: Callable[[str], bool],
    *,
    credentials: bool = True,
    vary: bool = True,
    echo_preflight: bool = False,
    cache_control: str | None = None,
) -> Handler:
    """A hand-written CORS layer: grant the request's origin when ``allowed(origin)``."""

    def handler(request: LabRequest) -> LabResponse:
        origin = request.origin
        granted = origin is not None and allowed(origin)
        headers: list[tuple[str, str]] = []
        if granted and origin is not None:
            headers.append(("access-control-allow-origin", origin))
            if credentials:
                headers.append(("access-control-allow-credentials", "true"))
        if vary:
            headers.append(("vary", "Origin"))
        if request.is_preflight:
            if granted:
                if echo_preflight:
                    method = request.headers.get("access-control-request-method", "")
                    asked = request.headers.get("access-control-request-headers", "")
                    headers.append(("access-control-allow-methods", method))
                    if asked:
                        headers.append(("access-control-allow-headers", asked))
                else:
                    headers.append(("access-control-allow-methods", "GET, POST"))
                    headers.append(("access-control-allow-headers", "Content-Type"))
                headers.append(("access-control-max-age", "600"))
            return LabResponse(204, headers)
        if cache_control is not None:
            headers.append(("cache-control", cache_control))
        response = _json(_data(path))
        return LabResponse(response.status, response.headers + headers, response.body)

    return handler


_CACHE_ENTRIES = 512


def _shared_cache(inner: Handler) -> Handler:
    """A shared cache in front of ``inner`` that ignores Vary, as a misconfigured CDN does.

    It keys on the path and query only (like nginx's default proxy_cache_key) and stores
    every GET answer marked Cache-Control: public, so the first origin's CORS answer is
    served to the next (what --cache-check shows). Bounded: the oldest entries are dropped.
    """
    store: dict[tuple[str, str], LabResponse] = {}
    lock = threading.Lock()

    def handler(request: LabRequest) -> LabResponse:
        if request.method != "GET":
            return inner(request)
        key = (request.path, request.query)
        with lock:
            cached = store.get(key)
        if cached is not None:
            return LabResponse(cached.status, [*cached.headers, ("x-cache", "HIT")], cached.body)
        response = inner(request)
        if any(n == "cache-control" and "public" in v for n, v in response.headers):
            with lock:
                while len(store) >= _CACHE_ENTRIES:
                    del store[next(iter(store))]
                store[key] = response
        return LabResponse(response.status, [*response.headers, ("x-cache", "MISS")], response.body)

    return handler


def _wildcard(path: str, *, credentials: bool = False, private_network: bool = False) -> Handler:
    def handler(request: LabRequest) -> LabResponse:
        headers = [("access-control-allow-origin", "*")]
        if credentials:
            headers.append(("access-control-allow-credentials", "true"))
        if request.is_preflight:
            headers.append(("access-control-allow-methods", "GET"))
            if private_network and "access-control-request-private-network" in request.headers:
                headers.append(("access-control-allow-private-network", "true"))
            return LabResponse(204, headers)
        response = _json(_data(path))
        return LabResponse(response.status, response.headers + headers, response.body)

    return handler


def _preflight_reflect(path: str, trusted: str) -> Handler:
    """Reads are granted to the front end only, but every preflight to everyone."""

    def handler(request: LabRequest) -> LabResponse:
        origin = request.origin
        headers: list[tuple[str, str]] = [("vary", "Origin")]
        if request.is_preflight and origin is not None:
            headers += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-credentials", "true"),
                ("access-control-allow-methods", "GET, PUT, DELETE"),
                ("access-control-allow-headers", "Content-Type"),
            ]
            return LabResponse(204, headers)
        if origin == trusted:
            headers += [
                ("access-control-allow-origin", origin),
                ("access-control-allow-credentials", "true"),
            ]
        response = _json(_data(path))
        return LabResponse(response.status, response.headers + headers, response.body)

    return handler


def _plain(path: str) -> Handler:
    def handler(request: LabRequest) -> LabResponse:
        return _json(_data(path))

    return handler


def _account(request: LabRequest) -> LabResponse:
    """Data that needs the victim's cookie, behind a middleware that reflects any origin."""
    headers: list[tuple[str, str]] = [("vary", "Origin")]
    if request.origin is not None:
        headers += [
            ("access-control-allow-origin", request.origin),
            ("access-control-allow-credentials", "true"),
        ]
    if request.is_preflight:
        return LabResponse(204, [*headers, ("access-control-allow-methods", "GET")])
    if request.cookie(SESSION_COOKIE) == SESSION_VALUE:
        response = _json({"user": "victim", "secret": SECRET})
    else:
        response = _json({"error": "log in first: GET /login"}, 401)
    return LabResponse(response.status, response.headers + headers, response.body)


def _login(request: LabRequest) -> LabResponse:
    """Give the caller the victim's session (SameSite=None so cross-site fetches carry it)."""
    response = _json({"logged_in": True})
    cookie = f"{SESSION_COOKIE}={SESSION_VALUE}; Path=/; HttpOnly; SameSite=None; Secure"
    return LabResponse(200, [*response.headers, ("set-cookie", cookie)], response.body)


Row = tuple[str, str, Handler, tuple[str, ...], str | None]
_GITHUB_PAGES = re.compile(r"https://[a-z0-9-]+\.github\.io")


def _table(trusted: str) -> list[Row]:
    """path -> (mistake, handler, expected finding ids, highest severity), for ``trusted``.

    The mistakes are written for the default front end (https://app.example.test); the
    benchmark builds the same mistakes around another trusted origin.
    """
    trusted_ = trusted
    scheme, _, host = trusted.partition("://")
    parent = host.split(".", 1)[1] if "." in host else host
    insecure = f"http://{host}"
    unanchored = re.compile(re.escape(trusted))
    unescaped = re.compile(trusted)

    def endswith(origin: str) -> bool:
        return origin.startswith(f"{scheme}://") and origin.endswith(host)

    def any_subdomain(origin: str) -> bool:
        return origin.startswith(f"{scheme}://") and origin.endswith("." + parent)

    return [
        (
            "/reflect",
            "hand-written middleware: Allow-Origin = the request's Origin, with credentials",
            _allowlist("/reflect", lambda origin: True),
            ("origin-reflected",),
            "high",
        ),
        (
            "/reflect-public",
            "Access-Control-Allow-Origin = request Origin, without credentials",
            _allowlist("/reflect-public", lambda origin: True, credentials=False),
            ("origin-reflected",),
            "medium",
        ),
        (
            "/regex-unanchored",
            r're.match(r"https://app\.example\.test", origin)  # no $ at the end',
            _allowlist("/regex-unanchored", lambda origin: unanchored.match(origin) is not None),
            ("prefix-match", "special-char-bypass"),
            "high",
        ),
        (
            "/startswith",
            'origin.startswith("https://app.example.test")',
            _allowlist("/startswith", lambda origin: origin.startswith(trusted_)),
            ("prefix-match", "special-char-bypass"),
            "high",
        ),
        (
            "/endswith",
            'origin.startswith("https://") and origin.endswith("app.example.test")',
            _allowlist(
                "/endswith",
                endswith,
            ),
            ("suffix-match",),
            "high",
        ),
        (
            "/substring",
            'origin in "https://app.example.test"',
            _allowlist("/substring", lambda origin: origin in trusted_),
            ("substring-match",),
            "high",
        ),
        (
            "/unescaped-dot",
            r're.fullmatch(r"https://app.example.test", origin)  # "." matches any character',
            _allowlist("/unescaped-dot", lambda origin: unescaped.fullmatch(origin) is not None),
            ("unescaped-dot",),
            "high",
        ),
        (
            "/null-allowed",
            'ALLOWED = {"https://app.example.test", "null"}',
            _allowlist("/null-allowed", lambda origin: origin in {trusted_, "null"}),
            ("null-origin-trusted",),
            "high",
        ),
        (
            "/http-allowed",
            'ALLOWED = {"https://app.example.test", "http://app.example.test"}',
            _allowlist("/http-allowed", lambda origin: origin in {trusted_, insecure}),
            ("insecure-origin-trusted",),
            "medium",
        ),
        (
            "/any-subdomain",
            'urlsplit(origin).hostname.endswith(".example.test")',
            _allowlist(
                "/any-subdomain",
                any_subdomain,
            ),
            ("any-subdomain-trusted",),
            "medium",
        ),
        (
            "/third-party",
            r'origin == TRUSTED or re.fullmatch(r"https://[a-z0-9-]+\.github\.io", origin)',
            _allowlist(
                "/third-party",
                lambda origin: origin == trusted_ or _GITHUB_PAGES.fullmatch(origin) is not None,
            ),
            ("third-party-origin-trusted",),
            "high",
        ),
        (
            "/localhost",
            'ALLOWED = {"https://app.example.test", "http://localhost:3000"}',
            _allowlist("/localhost", lambda origin: origin in {trusted_, "http://localhost:3000"}),
            ("localhost-trusted",),
            "medium",
        ),
        (
            "/wildcard",
            "Access-Control-Allow-Origin: *",
            _wildcard("/wildcard"),
            ("wildcard-origin",),
            "low",
        ),
        (
            "/wildcard-credentials",
            "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true",
            _wildcard("/wildcard-credentials", credentials=True),
            ("wildcard-origin", "wildcard-with-credentials"),
            "low",
        ),
        (
            "/no-vary",
            'if origin in ALLOWED: Access-Control-Allow-Origin = origin  # no "Vary: Origin"',
            _allowlist("/no-vary", lambda origin: origin == trusted_, vary=False),
            ("missing-vary-origin",),
            "low",  # nothing shows a shared cache that may store it
        ),
        (
            "/cache-no-vary",
            "the same, answered with Cache-Control: public, max-age=60 (a CDN may store it)",
            _allowlist(
                "/cache-no-vary",
                lambda origin: origin == trusted_,
                vary=False,
                cache_control="public, max-age=60",
            ),
            ("missing-vary-origin",),
            "medium",  # a shared cache may store one origin's answer for every origin
        ),
        (
            "/cached",
            "the same behind a shared cache that ignores Vary (keyed on the URL only)",
            _shared_cache(
                _allowlist(
                    "/cached",
                    lambda origin: origin == trusted_,
                    vary=False,
                    cache_control="public, max-age=60",
                )
            ),
            ("missing-vary-origin", "cache-poisoning"),
            "high",  # --cache-check: an attacker's request takes the front end's grant away
        ),
        (
            "/preflight-echo",
            "Access-Control-Allow-Methods/-Headers = the preflight's Request-Method/-Headers",
            _allowlist("/preflight-echo", lambda origin: origin == trusted_, echo_preflight=True),
            ("preflight-any-method", "preflight-any-header"),
            "low",
        ),
        (
            "/private-network",
            "Access-Control-Allow-Private-Network: true for everyone (with Allow-Origin: *)",
            _wildcard("/private-network", private_network=True),
            ("wildcard-origin", "private-network-allowed"),
            "medium",
        ),
        (
            "/account",
            "the victim's data (needs the session cookie) behind a reflected origin",
            _account,
            ("origin-reflected",),
            "high",
        ),
        (
            "/preflight-reflect",
            "OPTIONS answered with Access-Control-Allow-Origin = the request's Origin, for all",
            _preflight_reflect("/preflight-reflect", trusted_),
            ("preflight-origin-reflected",),
            "medium",
        ),
        (
            PROXY_PATH,
            "an open CORS proxy (cors-anywhere without originWhitelist): GET /proxy/<URL>",
            _proxy_usage,
            ("wildcard-origin", "open-cors-proxy"),
            "high",
        ),
        ("/plain", "no CORS headers at all (same-origin only)", _plain("/plain"), (), None),
    ]


CORSGUARD_PATH = "/corsguard"
PROXY_PATH = "/proxy"


def _proxy_usage(request: LabRequest) -> LabResponse:
    usage = _json({"usage": "GET /proxy/<URL> fetches URL for any site (the lab's own only)"})
    return LabResponse(200, [*usage.headers, ("access-control-allow-origin", "*")], usage.body)


def _proxied(request: LabRequest, handlers: dict[str, Handler]) -> LabResponse:
    """/proxy/<URL>: the open proxy's answer, but only for URLs of the lab itself.

    A real open proxy on the user's machine would let any web page read any host it can
    reach for as long as the demo runs; this one answers its own URLs from its own handlers
    (no network request at all) and refuses every other host.
    """
    target = request.path[len(PROXY_PATH) + 1 :]
    scheme, _, rest = target.partition("://")
    host, _, path = rest.partition("/")
    own = request.headers.get("host", "")
    if scheme not in ("http", "https") or not host:
        return LabResponse(400, [("content-type", "text/plain")], b"not a URL\n")
    if host != own:
        return LabResponse(403, [("content-type", "text/plain")], b"the lab proxies itself only\n")
    path = "/" + path
    inner = handlers.get(path)
    if inner is not None:
        answer = inner(LabRequest("GET", path, {"host": own}))
    elif path == "/":
        answer = _index()
    else:
        answer = _json({"error": "not found", "see": "/"}, 404)
    headers = [(n, v) for n, v in answer.headers if not n.startswith("access-control-")]
    return LabResponse(answer.status, [("access-control-allow-origin", "*"), *headers], answer.body)


def _corsguard_endpoint(trusted_origin: str) -> ASGIApp:
    """An endpoint protected by corsguard's own middleware: no finding expected."""

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        body = json.dumps(_data(CORSGUARD_PATH)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    try:
        from corsguard.asgi import CORSMiddleware
    except ImportError:  # pragma: no cover - only while the middleware is being written
        return inner
    # An http front end is only built by the benchmark (whose tools probe over http).
    return CORSMiddleware(
        inner,
        tolerate_insecure_origins=trusted_origin.startswith("http:"),
        allow_origins=[trusted_origin],
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        allow_credentials=True,
    )


ENDPOINTS: tuple[LabEndpoint, ...] = (
    *(
        LabEndpoint(path, mistake, frozenset(ids), severity)
        for path, mistake, _handler, ids, severity in _table(TRUSTED_ORIGIN)
    ),
    LabEndpoint(
        CORSGUARD_PATH,
        f"corsguard.asgi.CORSMiddleware(app, allow_origins=[{TRUSTED_ORIGIN!r}], "
        "allow_credentials=True)",
        frozenset(),
        None,
    ),
)
"""The audited endpoints, in a stable order ("/login" is a helper and not listed)."""


def _index() -> LabResponse:
    return _json(
        {
            "trusted_origin": TRUSTED_ORIGIN,
            "endpoints": [
                {"path": e.path, "mistake": e.mistake, "findings": sorted(e.findings)}
                for e in ENDPOINTS
            ],
        }
    )


def make_app(trusted_origin: str = TRUSTED_ORIGIN) -> ASGIApp:
    """A fresh lab ASGI app whose front end is ``trusted_origin``."""
    protected = _corsguard_endpoint(trusted_origin)
    handlers = {path: handler for path, _m, handler, _i, _s in _table(trusted_origin)}
    handlers["/login"] = _login

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == CORSGUARD_PATH:
            await protected(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        request = LabRequest(scope["method"], path, headers, query)
        handler = handlers.get(path)
        if path.startswith(PROXY_PATH + "/"):
            response = _proxied(request, handlers)
        elif handler is not None:
            response = handler(request)
        elif path == "/":
            response = _index()
        else:
            response = _json({"error": "not found", "see": "/"}, 404)
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in response.headers
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    return app
