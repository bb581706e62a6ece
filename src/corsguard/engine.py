"""The decision engine: a pure function from a request to what the server must do.

Sans-IO: it sees a method, a decoded path, the request's header lines (lowercase byte
names, as ASGI and h11 give them) and the server's scheme, and returns a `Decision`.
It never raises on client input; every hostile or malformed header ends in a refusal
or a pass-through without CORS headers, in time bounded by the input's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote, unquote_to_bytes

from corsguard import refusal_log, spec

# Decision and RequestKind are read from here by users and adapters alike.
from corsguard.decision import Decision as Decision
from corsguard.decision import RequestKind as RequestKind
from corsguard.policy import CompiledPolicy, Policy

# Kept here for code that imports them from the engine; they live in corsguard.response.
from corsguard.response import apply_to_response as apply_to_response
from corsguard.response import merge_response_headers as merge_response_headers
from corsguard.response import merge_vary as merge_vary
from corsguard.spec import (
    DEFAULT_PORTS,
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    SAFELISTED_METHODS,
    is_token,
)

# Bounds on client input: a serialised origin is short (a host is at most 253 bytes), and
# no browser sends hundreds of header names in one preflight.
MAX_ORIGIN_LENGTH = 512
MAX_REQUEST_HEADERS_LENGTH = 4096
# Granted preflights are remembered by their exact request values: clients repeat them.
PREFLIGHT_CACHE_SIZE = 1024
# A policy with per-path rules remembers the route of each clean path it saw (paths recur),
# up to this many, cleared when full; longer paths are looked up afresh (client-chosen, so
# the memory stays bounded: at most ROUTE_MEMO_SIZE x ROUTE_MEMO_PATH_LENGTH characters).
ROUTE_MEMO_SIZE = 1024
ROUTE_MEMO_PATH_LENGTH = 256

# Fetch §methods: a "safe" method does not change state; everything else is a write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The host header spells a port in text; spec.DEFAULT_PORTS is the one table.
_DEFAULT_PORT_SUFFIXES = {scheme: f":{port}" for scheme, port in DEFAULT_PORTS.items()}


_NOTHING: tuple[tuple[bytes, bytes], ...] = ()
# Builds a Decision without the NamedTuple's Python-level __new__: the hot paths below
# pass all ten fields, in order.
_new = tuple.__new__
_FORBIDDEN = b"Forbidden\n"
_UNTRUSTED = "origin not allowed"
_NO_CREDENTIALS = "origin is trusted without credentials; the request carries cookies or HTTP auth"
# Stands for any Access-Control-Request-Headers over the limit: refused for its length.
_TOO_LONG = b"," * (MAX_REQUEST_HEADERS_LENGTH + 1)
# The CORS header names (spec.py), as the lowercase bytes ASGI carries. The loop in
# decide() compares literals of the request names, which Python folds into constants.
_ALLOW_ORIGIN = spec.ALLOW_ORIGIN.encode()
_ALLOW_METHODS = spec.ALLOW_METHODS.encode()
_ALLOW_HEADERS = spec.ALLOW_HEADERS.encode()
_ALLOW_PRIVATE_NETWORK = spec.ALLOW_PRIVATE_NETWORK.encode()
_REQUEST_METHOD = spec.REQUEST_METHOD.encode()
_REQUEST_HEADERS = spec.REQUEST_HEADERS.encode()
_REQUEST_PRIVATE_NETWORK = spec.REQUEST_PRIVATE_NETWORK.encode()
_WANTED = frozenset(
    {
        b"origin",
        b"host",
        b"sec-fetch-site",
        _REQUEST_METHOD,
        _REQUEST_HEADERS,
        _REQUEST_PRIVATE_NETWORK,
        b"cookie",
        b"authorization",
    }
)
# The request kinds as module globals: reading a member off the Enum class (a
# descriptor in CPython 3.11, ~170 ns) costs ten times a global read, on every request.
_NO_ORIGIN = RequestKind.NO_ORIGIN
_SAME_ORIGIN = RequestKind.SAME_ORIGIN
_PREFLIGHT = RequestKind.PREFLIGHT
_CROSS_ORIGIN = RequestKind.CROSS_ORIGIN
_WEBSOCKET = RequestKind.WEBSOCKET
# A Cookie value's first byte that leaves it to look further (an empty value: b"").
_BLANK_START = frozenset({b" ", b"\t", b""})
# The refusal log's class keys of the fixed reason, computed once (refusal_log.log_class).
_UNLISTED_UNTRUSTED = (
    "unlisted",
    _CROSS_ORIGIN.value,
    refusal_log.reason_class(_UNTRUSTED),
)
# By the kind's value: hashing an Enum member runs Enum.__hash__, a Python-level call.
_REFUSED_UNTRUSTED = {
    kind.value: ("refused", kind.value, refusal_log.reason_class(_UNTRUSTED))
    for kind in RequestKind
}
# The HTTP authentication schemes a browser answers a challenge with and then attaches by
# itself, forms and WebSocket handshakes included (Chromium's handlers: basic, digest,
# ntlm, negotiate; RFC 9110 §11.6.2). Any other scheme (Bearer, RFC 6750) is set by a
# script, which takes a preflight the policy grants, with a token the attacker lacks.
_AMBIENT_AUTH_SCHEMES = frozenset({"basic", "digest", "ntlm", "negotiate"})


def decide(
    policy: Policy,
    method: str,
    path: str,
    headers: Iterable[tuple[bytes, bytes]],
    scheme: str = "http",
    websocket: bool = False,
    *,
    raw_path: str | None = None,
) -> Decision:
    """Decide a request. ``path`` is the percent-decoded path the app routes on.

    That is the path below the app's mount point (ASGI ``root_path``, WSGI ``SCRIPT_NAME``),
    decoded as UTF-8. ``raw_path`` is the path as the client sent it, still percent-encoded
    (with any mount prefix; a query string is ignored), where the server reports it: it
    shows encoded slashes that the decoded path hides. See `route_policy`.

    ``scheme`` is the server's scheme as the app sees it. No rule compares it today: behind
    a TLS-terminating proxy it is often "http" for an https site, so same-origin checks
    compare host and port only.
    """
    origin_raw: bytes | None = None
    origin_count = 0
    acrm: bytes | None = None
    acrh: bytes | None = None
    acrpn: bytes | None = None
    fetch_site: bytes | None = None
    host: bytes | None = None
    cookie = False
    authorization: bytes | None = None
    for name, value in headers:
        # Only a handful of names matter; one set lookup rejects every other line.
        if name not in _WANTED:
            continue
        if name == b"origin":
            origin_raw = value
            origin_count += 1
        elif name == b"host":
            host = value
        elif name == b"sec-fetch-site":
            fetch_site = value
        elif name == b"cookie":
            # An empty Cookie line carries no cookie (Django's test client always sends one).
            # The first byte settles it without copying the value, but for a blank start
            # (a set lookup: a bytes substring test costs several times more).
            cookie = cookie or value[:1] not in _BLANK_START or bool(value.strip(b" \t"))
        elif name == b"authorization":
            # Browsers send one; several (a forgery) count as no valid scheme, so ambient.
            authorization = value if authorization is None else b""
        elif name == b"access-control-request-method":
            acrm = value
        elif name == b"access-control-request-headers":
            # Several lines combine into one list (RFC 9110 §5.3). Only their total size is
            # kept growing here, so thousands of lines cost linear time, not quadratic.
            if acrh is None:
                acrh = value
            elif len(acrh) + len(value) < MAX_REQUEST_HEADERS_LENGTH:
                acrh = acrh + b"," + value
            else:
                acrh = _TOO_LONG
        elif name == b"access-control-request-private-network":
            acrpn = value

    c = policy.compiled
    if c.paths is not None:
        # Per-path rules: the route's policy, or the strict one where readings disagree.
        c = route_policy(policy, path, raw_path).compiled

    if origin_raw is None:
        # Fetch §origin-header: browsers send Origin on every CORS request and every
        # non-GET/HEAD request. With no Origin, this is either a same-origin GET or a
        # client that is not a browser; Sec-Fetch-Site still tells a browser's origin.
        if (
            fetch_site is not None
            and fetch_site in (b"cross-site", b"same-site")
            and (websocket or method not in SAFE_METHODS)
        ):
            return _refuse_write(c, _NO_ORIGIN, None, method, path, websocket)
        # Fetch §CORS protocol and HTTP caches: a resource whose Access-Control-Allow-Origin
        # is `*` sends it on every response, CORS or not, without Vary. A public policy's
        # grant (empty for any other policy, which varies on Origin instead) goes out here
        # too, so a shared cache that stored this answer serves cross-origin readers right.
        return _new(
            Decision,
            (_NO_ORIGIN, True, None, c.public_grant, c.vary, "", None, method, path,
             b""),
        )  # fmt: skip

    if origin_count > 1:
        # Browsers send one Origin; several are a forgery or a broken proxy.
        return _refuse(c, _CROSS_ORIGIN, None, method, path, "several Origin headers")
    # latin-1 maps bytes to characters one to one, so this cannot fail.
    origin = origin_raw.decode("latin-1").strip(" \t")
    if not origin.isascii():
        return _refuse_or_pass(c, origin, method, path, fetch_site, host, websocket, acrm,
            "Origin header is not ASCII", cookie or authorization is not None,
        )  # fmt: skip
    # The exact origins' grants are precomputed: one dict lookup decides most requests.
    grant = c.granted.get(origin)
    allowed = (
        grant is not None
        or c.any_origin
        or (c.has_patterns and len(origin) <= MAX_ORIGIN_LENGTH and c.matcher.matches(origin))
    )

    if method == "OPTIONS" and acrm is not None and not websocket:
        if not allowed:
            return _refuse(c, _PREFLIGHT, origin, method, path, _UNTRUSTED, acrm, acrh)
        granted = c.preflight_memo.get((origin, acrm, acrh, acrpn))
        if granted is not None:
            return Decision(
                _PREFLIGHT,
                True,
                204,
                granted,
                c.preflight_vary,
                "",
                origin,
                method,
                path,
            )
        decision = _preflight(c, origin, acrm, acrh, acrpn, path)
        if decision.allowed:
            cache = c.preflight_memo
            if len(cache) >= PREFLIGHT_CACHE_SIZE:
                cache.clear()  # bounded, whatever clients send
            cache[(origin, acrm, acrh, acrpn)] = decision.headers
        return decision

    if allowed:
        kind = _WEBSOCKET if websocket else _CROSS_ORIGIN
        # Read trust is not write trust: an origin trusted without credentials may write
        # only without them. Judged for writes and handshakes that carry credentials alone.
        if (
            (cookie or authorization is not None)
            and not c.allow_credentials
            and (websocket or method not in SAFE_METHODS)
            and (cookie or (authorization is not None and _ambient_auth(authorization)))
        ):
            refused = _credentialed_write(c, origin, method, path, fetch_site, host, websocket)
            if refused is not None:
                return refused
        if c.public:
            return Decision(kind, True, None, c.public_grant, b"", "", origin, method, path)
        if grant is None:
            grant = ((_ALLOW_ORIGIN, origin.encode()), *c.actual_headers)
        return _new(Decision, (kind, True, None, grant, c.vary, "", origin, method, path, b""))
    if not websocket and method in SAFE_METHODS:
        # Nothing to refuse: without CORS headers the browser withholds the response.
        kind = _CROSS_ORIGIN
        if fetch_site != b"same-origin":
            # The class key is fixed here: a flood of these costs one call, no formatting.
            refusal_log.log_class(
                _UNLISTED_UNTRUSTED, unlisted_fields,
                (kind, origin, method, path, _UNTRUSTED, cookie or authorization is not None),
            )  # fmt: skip
        return _new(
            Decision,
            (kind, False, None, _NOTHING, c.vary, _UNTRUSTED, origin, method, path, b""),
        )
    return _refuse_or_pass(c, origin, method, path, fetch_site, host, websocket, None, _UNTRUSTED,
        cookie or authorization is not None,
    )  # fmt: skip


def _refuse_or_pass(
    policy: CompiledPolicy,
    origin: str,
    method: str,
    path: str,
    fetch_site: bytes | None,
    host: bytes | None,
    websocket: bool,
    acrm: bytes | None,
    reason: str,
    credentials: bool,
) -> Decision:
    """An origin the policy does not trust: refuse what a browser must not do, pass the rest.

    What passes carries a public policy's grant all the same (see the no-Origin branch of
    decide: a public answer is the same for every request, or a cache would spread the one
    without it), and nothing for any other policy.
    """
    if method == "OPTIONS" and acrm is not None and not websocket:
        return _refuse(policy, _PREFLIGHT, origin, method, path, reason)
    if not websocket and method in SAFE_METHODS:
        kind = _CROSS_ORIGIN
        # As in decide: a request that Sec-Fetch-Site says is same-origin is not logged
        # (the WSGI memo relies on this one rule, see logs_unlisted).
        if fetch_site != b"same-origin":
            _log_unlisted(kind, origin, method, path, reason, credentials)
        return Decision(
            kind, False, None, policy.public_grant, policy.vary, reason, origin, method, path
        )
    if _same_origin(origin, host, fetch_site):
        kind = _SAME_ORIGIN
        return Decision(
            kind, True, None, policy.public_grant, policy.vary, "", origin, method, path
        )
    if websocket:
        # Cross-site WebSocket hijacking: handshakes carry cookies and are not subject to
        # CORS, so the server must check Origin itself (RFC 6455 §10.2).
        if policy.block_cross_origin_websockets:
            return _refuse(policy, _WEBSOCKET, origin, method, path, reason)
    elif (
        method not in SAFE_METHODS
        and policy.block_cross_origin_writes
        and not _exempt(policy, path)
    ):
        # CORS lets a cross-site form POST through (it is a "simple" request, Fetch
        # §CORS-safelisted method), cookies and all: refuse it before the app runs.
        return _refuse(policy, _CROSS_ORIGIN, origin, method, path, reason)
    kind = _WEBSOCKET if websocket else _CROSS_ORIGIN
    _log_unlisted(kind, origin, method, path, reason, credentials)
    return Decision(
        kind, False, None, policy.public_grant, policy.vary, reason, origin, method, path
    )


def _credentialed_write(
    policy: CompiledPolicy,
    origin: str,
    method: str,
    path: str,
    fetch_site: bytes | None,
    host: bytes | None,
    websocket: bool,
) -> Decision | None:
    """A refusal for a write or handshake with credentials from an origin the policy
    trusts without them, or None where it may pass.

    CORS withholds only the response: a cross-site form POST or a WebSocket handshake
    carries the user's cookies and cached HTTP auth (Fetch §concept-request-credentials-mode
    "include" for navigations and WebSockets), so ``allow_credentials=False`` protects
    nothing unless such writes are refused before the app runs. Like Go's
    net/http.CrossOriginProtection, trust to write is kept apart from CORS read trust and a
    same-origin request always passes; unlike it, an origin trusted without credentials
    keeps its cookieless writes (docs/deployment.md, "Cross-origin writes and WebSockets").
    """
    if _same_origin(origin, host, fetch_site):
        return None
    if websocket:
        if not policy.block_cross_origin_websockets:
            return None
        return _refuse(policy, _WEBSOCKET, origin, method, path, _NO_CREDENTIALS)
    if not policy.block_cross_origin_writes or _exempt(policy, path):
        return None
    return _refuse(policy, _CROSS_ORIGIN, origin, method, path, _NO_CREDENTIALS)


def _ambient_auth(value: bytes) -> bool:
    """Whether an Authorization value may have been attached by the browser itself."""
    scheme = value.decode("latin-1").strip(" \t").partition(" ")[0].lower()
    # A value that does not start with a scheme token is no script's token either.
    return scheme in _AMBIENT_AUTH_SCHEMES or not is_token(scheme)


def _same_origin(origin: str, host: bytes | None, fetch_site: bytes | None) -> bool:
    """Whether the browser sent this request from the server's own origin.

    Compares the Origin's host and port with the Host header, not the scheme: behind a
    TLS-terminating proxy the app sees http while the page is https.
    """
    if fetch_site is not None:
        # Fetch Metadata: a browser that sends Sec-Fetch-Site knows the answer.
        return fetch_site == b"same-origin"
    if host is None:
        return False
    scheme, sep, authority = origin.partition("://")
    if not sep:
        return False
    if authority == host.decode("latin-1"):
        return True  # the common case: both serialised the same way
    try:
        host_text = host.decode("ascii").strip().lower()
    except UnicodeDecodeError:
        return False
    default = _DEFAULT_PORT_SUFFIXES.get(scheme)
    if default is not None and host_text.endswith(default):
        host_text = host_text[: -len(default)]
    return authority == host_text


def _preflight(
    policy: CompiledPolicy,
    origin: str,
    acrm_raw: bytes,
    acrh_raw: bytes | None,
    acrpn: bytes | None,
    path: str,
) -> Decision:
    def refuse(reason: str) -> Decision:
        return _refuse(policy, _PREFLIGHT, origin, "OPTIONS", path, reason)

    try:
        requested_method = acrm_raw.decode("ascii").strip(" \t")
    except UnicodeDecodeError:
        return refuse("invalid Access-Control-Request-Method")
    if not is_token(requested_method):
        return refuse("invalid Access-Control-Request-Method")
    if requested_method.upper() in FORBIDDEN_METHODS:
        return refuse(f"method {requested_method} is forbidden")
    # Fetch §CORS-preflight fetch: methods compare exactly (case-sensitively); only the
    # six normalised methods ever arrive uppercased.
    if (
        not (policy.any_method or requested_method in policy.methods)
        and requested_method not in SAFELISTED_METHODS
    ):
        return refuse(f"method {requested_method} not allowed")

    requested_headers: list[str] = []
    if acrh_raw is not None:
        if len(acrh_raw) > MAX_REQUEST_HEADERS_LENGTH:
            return refuse("Access-Control-Request-Headers too long")
        try:
            acrh_text = acrh_raw.decode("ascii")
        except UnicodeDecodeError:
            return refuse("invalid Access-Control-Request-Headers")
        for item in acrh_text.split(","):
            name = item.strip(" \t").lower()
            if not name:
                continue
            if not is_token(name):
                return refuse("invalid Access-Control-Request-Headers")
            if name in FORBIDDEN_REQUEST_HEADERS or name.startswith(
                FORBIDDEN_REQUEST_HEADER_PREFIXES
            ):
                return refuse(f"header {name} cannot be allowed")
            # Fetch §CORS-preflight fetch: '*' covers every name but Authorization,
            # and is only a wildcard without credentials; with credentials we list
            # the requested names instead, so '*' in the policy still serves.
            if name not in policy.headers_lower and (
                not policy.any_header or name == "authorization"
            ):
                return refuse(f"header {name} not allowed")
            requested_headers.append(name)

    extra: list[tuple[bytes, bytes]] = []
    if acrpn is not None and acrpn.strip().lower() == b"true":
        if not policy.allow_private_network:
            return refuse("private network access not allowed")
        extra.append((_ALLOW_PRIVATE_NETWORK, b"true"))
    if policy.allow_credentials:
        if policy.any_method:
            extra.append((_ALLOW_METHODS, requested_method.encode("ascii")))
        if policy.any_header and requested_headers:
            extra.append((_ALLOW_HEADERS, ", ".join(requested_headers).encode("ascii")))

    acao = policy.acao_public or ((_ALLOW_ORIGIN, origin.encode("ascii")),)
    return Decision(
        _PREFLIGHT,
        True,
        204,
        (*acao, *policy.preflight_headers, *extra),
        policy.preflight_vary,
        "",
        origin,
        "OPTIONS",
        path,
    )


def _refuse(
    policy: CompiledPolicy,
    kind: RequestKind,
    origin: str | None,
    method: str,
    path: str,
    reason: str,
    acrm: bytes | None = None,
    acrh: bytes | None = None,
) -> Decision:
    # A refused preflight gets no CORS headers, so the browser's own check fails too.
    vary = policy.preflight_vary if kind is _PREFLIGHT else policy.vary
    body = f"CORS request refused: {reason}\n".encode() if policy.debug else _FORBIDDEN
    decision: Decision = _new(
        Decision, (kind, False, 403, _NOTHING, vary, reason, origin, method, path, body)
    )
    args = (kind, origin, method, path, reason, acrm, acrh)
    if reason is _UNTRUSTED:
        refusal_log.log_class(_REFUSED_UNTRUSTED[kind._value_], _refused_fields, args)
    else:
        refusal_log.log("refused", kind._value_, reason, _refused_fields, *args)
    if policy.on_reject is not None:
        policy.on_reject(decision)
    return decision


def _refused_fields(
    kind: RequestKind,
    origin: str | None,
    method: str,
    path: str,
    reason: str,
    acrm: bytes | None,
    acrh: bytes | None,
) -> str:
    line = _fields(kind, origin, method, path, reason)
    if acrm is not None:
        line += " request_method=" + escape(acrm.decode("latin-1"))
    if acrh is not None:
        line += " request_headers=" + escape(acrh.decode("latin-1"))
    return line


def _log_unlisted(
    kind: RequestKind, origin: str, method: str, path: str, reason: str, credentials: bool | None
) -> None:
    """A cross-origin request passed without CORS headers: the browser will block the
    response, and this line is the only trace of it on the server."""
    refusal_log.log(
        "unlisted", kind._value_, reason, unlisted_fields, kind, origin, method, path, reason,
        credentials,
    )  # fmt: skip


def logs_unlisted(decision: Decision, fetch_site: bytes | None) -> bool:
    """Whether deciding this request logged an "unlisted" line (budget permitting).

    The rule the engine follows: a pass-through that the policy does not grant (status
    None, not allowed, a reason) is logged unless Sec-Fetch-Site says the request came from
    the server's own origin. The WSGI memo replays the line on a repeat.
    """
    return (
        decision.status is None
        and not decision.allowed
        and bool(decision.reason)
        and fetch_site != b"same-origin"
    )


def unlisted_log_key(decision: Decision) -> tuple[str, str, str]:
    """The refusal log's class key of a decision that `logs_unlisted`."""
    return ("unlisted", decision.kind._value_, refusal_log.reason_class(decision.reason))


def unlisted_fields(
    kind: RequestKind, origin: str, method: str, path: str, reason: str, credentials: bool | None
) -> str:
    line = _fields(kind, origin, method, path, reason)
    if credentials is not None:
        line += " credentials=" + ("yes" if credentials else "no")
    return line


def _fields(kind: RequestKind, origin: str | None, method: str, path: str, reason: str) -> str:
    # key=value, every client-chosen value quoted and escaped (`corsguard learn` reads these).
    return (
        f"kind={kind.value} origin={escape(origin) if origin is not None else '-'} "
        f"method={escape(method)} path={escape(path)} reason={escape(reason)}"
    )


def _refuse_write(
    policy: CompiledPolicy,
    kind: RequestKind,
    origin: str | None,
    method: str,
    path: str,
    websocket: bool,
) -> Decision:
    if websocket and not policy.block_cross_origin_websockets:
        return Decision(
            kind, False, None, policy.public_grant, policy.vary, "", origin, method, path
        )
    if not websocket and (not policy.block_cross_origin_writes or _exempt(policy, path)):
        return Decision(
            kind, False, None, policy.public_grant, policy.vary, "", origin, method, path
        )
    return _refuse(policy, kind, origin, method, path, "cross-site request without Origin")


def escape(value: str, limit: int = 200) -> str:
    """Client input made safe for one log line: no line breaks or control bytes, bounded."""
    clipped = value[:limit]
    text = clipped.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return f'"{text}"' + ("..." if len(value) > limit else "")


def normalize_path(path: str) -> str:
    """Remove dot segments (RFC 3986 §5.2.4) and empty segments from a decoded path."""
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    return "/" + "/".join(out)


def route_policy(policy: Policy, path: str, raw_path: str | None = None) -> Policy:
    """The policy that decides a request for ``path`` (and ``raw_path``, see `decide`).

    A route applies to its prefix and everything below it, whole segments only, the
    longest prefix first. But the parts of a stack do not all read a path alike:
    Starlette, Werkzeug and Django route on the decoded path as it is, dot segments
    included; a proxy removes dot segments (RFC 3986 §5.2.4) and merges slashes, as
    Werkzeug and waitress do with leading ones; Tomcat-style servers drop ';' parameters
    (RFC 3986 §3.3); IIS and some proxies take '\\' for '/'; a component that does not
    decode %2F or %5C sees one segment where the router sees two; one that decodes twice
    reads '%2e%2e' as '..'. Where these readings pick different policies, or the same
    policy with and without a write exemption, neither applies: the request is decided by
    a strict policy that grants no CORS headers, exempts nothing and refuses cross-origin
    writes and WebSocket handshakes (a route cannot be borrowed by spelling its path).
    """
    compiled = policy.compiled
    table = compiled.paths
    if table is None:
        return policy
    # Without a '%' in the raw path the choice is a function of the path: remembered.
    if raw_path is None or "%" not in raw_path:
        memo = compiled.route_memo
        routed = memo.get(path)
        if routed is None:
            routed = _choose_route(policy, table, path, None)
            if len(path) <= ROUTE_MEMO_PATH_LENGTH:
                if len(memo) >= ROUTE_MEMO_SIZE:
                    memo.clear()  # bounded, whatever clients send
                memo[path] = routed
        return routed
    return _choose_route(policy, table, path, raw_path)


def _choose_route(
    policy: Policy, table: tuple[Policy, int], path: str, raw_path: str | None
) -> Policy:
    """route_policy without its memo; ``table`` is the policy's path table."""
    if (
        (raw_path is None or "%" not in raw_path)
        and path[:1] == "/"
        and "/." not in path
        and "//" not in path
        and ";" not in path
        and "\\" not in path
        and "%" not in path
    ):
        # The common case, a clean path: every reading is the path itself.
        return _route_policy(policy, path[: table[1] + 1]) if policy.compiled.routes else policy
    strict, limit = table
    chosen: tuple[Policy, bool] | None = None
    for reading in _readings(path, raw_path):
        if reading is None:
            return strict
        routed = _route_policy(policy, reading[: limit + 1])
        choice = (routed, _exempt_reading(routed, reading[: limit + 1]))
        if chosen is None:
            chosen = choice
        elif choice != chosen:
            return strict
    return policy if chosen is None else chosen[0]


# %2F and %5C, in either case: an encoded '/' or '\\'.
_ENCODED_SEPARATOR = re.compile(r"%(?:2[fF]|5[cC])")


def _readings(path: str, raw_path: str | None) -> Iterator[str | None]:
    """Every way a part of the stack may read the path; None when they cannot be told."""
    if path[:1] != "/":
        path = "/" + path
    bases: list[str | None] = [path]
    if raw_path is not None and _ENCODED_SEPARATOR.search(raw_path):
        bases.append(_raw_reading(path, raw_path))
    if "%" in path:
        bases.append(unquote(path, errors="replace"))
    if "\\" in path:
        bases.extend([base.replace("\\", "/") for base in bases if base is not None])
    if ";" in path:
        bases.extend([_strip_parameters(base) for base in bases if base is not None])
    seen: set[str] = set()
    for base in bases:
        if base is None:
            yield None
            return
        collapsed = _SLASHES.sub("/", base)
        readings = [base, collapsed]
        empty = base.find("//")
        if empty >= 0:
            # Werkzeug's <path:> needs a remainder that does not start with '/', so
            # "/a/b//x" is not below "/a/b" to it (a catch-all takes it): only "/a" is.
            readings.append(base[: base.rfind("/", 0, empty)] or "/" if empty else "/")
        if "/." in base:
            readings.append(_remove_dot_segments(base))
            readings.append(normalize_path(collapsed))
        for reading in readings:
            if reading not in seen:
                seen.add(reading)
                yield reading


_SLASHES = re.compile(r"//+")


def _raw_reading(path: str, raw_path: str) -> str | None:
    """``path`` as read by a component that decodes everything but %2F and %5C.

    Those stay "%" here, one character for the '/' or '\\' the server decoded them into,
    so the reading lines up with ``path`` character for character and its segments can
    never equal a route's (prefixes contain no '%'). The raw path may include the mount
    prefix (ASGI raw_path does, under root_path; WSGI RAW_URI/REQUEST_URI do, under
    SCRIPT_NAME): ``path`` is its tail. None when it is not, as after a rewrite.
    """
    raw = raw_path.partition("?")[0]
    if raw[:1] != "/":
        # The absolute form of a request target (RFC 9112 §3.2.2): drop scheme and host.
        scheme_end = raw.find("://")
        slash = raw.find("/", scheme_end + 3) if scheme_end >= 0 else -1
        raw = raw[slash:] if slash >= 0 else "/"
    raw_bytes = raw.encode("latin-1", "replace")
    decoded = unquote_to_bytes(raw_bytes).decode("utf-8", "replace")
    if not decoded.endswith(path):
        return None
    marked = unquote_to_bytes(_ENCODED_SEPARATOR.sub("%25", raw).encode("latin-1", "replace"))
    marked_text = marked.decode("utf-8", "replace")
    return marked_text[len(marked_text) - len(path) :]


def _strip_parameters(path: str) -> str:
    """``/a;x/b;y`` read as ``/a/b``, as servlet containers do (RFC 3986 §3.3)."""
    return "/".join(segment.partition(";")[0] for segment in path.split("/"))


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 on a path starting with '/': empty segments are kept."""
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    return "/" + "/".join(out)


def _segment_prefixes(normalized: str) -> Iterable[str]:
    """``/a/b/c``, ``/a/b``, ``/a``, ``/`` for a path already normalised."""
    yield normalized
    while normalized != "/":
        cut = normalized.rfind("/")
        normalized = normalized[:cut] or "/"
        yield normalized


def _route_policy(policy: Policy, path: str) -> Policy:
    """The policy of the longest route prefix that matches whole path segments.

    ``path`` is one reading of the request's path: a prefix ending in '/' or cut inside a
    segment is never a route (routes are stored without either), so it needs no cleaning.
    """
    compiled = policy.compiled
    routes = compiled.routes
    # Most paths are under no route: their first segment settles it in one lookup.
    cut = path.find("/", 1)
    if (path if cut < 0 else path[:cut]) not in compiled.route_heads:
        return routes.get("/", policy)
    # _segment_prefixes written out: this runs on every request to a policy with routes.
    prefix = path
    while True:
        sub = routes.get(prefix)
        if sub is not None:
            return sub
        if prefix == "/":
            return policy
        prefix = prefix[: prefix.rfind("/")] or "/"


def _exempt_reading(policy: Policy, reading: str) -> bool:
    exempt = policy.compiled.exempt_prefixes
    return bool(exempt) and any(prefix in exempt for prefix in _segment_prefixes(reading))


def _exempt(policy: CompiledPolicy, path: str) -> bool:
    exempt = policy.exempt_prefixes
    return bool(exempt) and any(
        prefix in exempt for prefix in _segment_prefixes(normalize_path(path))
    )
