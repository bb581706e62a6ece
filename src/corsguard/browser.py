"""A sans-IO model of the browser's CORS checks, as Chromium applies them to fetch().

Nothing here does I/O. The model is a generator, :func:`simulate`, that yields each HTTP
request the browser would send (a preflight or the actual request, hop after hop across
redirects) and receives the response to it; when the browser would stop, it returns a
:class:`Verdict`: allowed or blocked, the ordered :class:`Check` list, the minimal
:class:`Fix`, the headers the script may read, the preflight cache lifetime and notes
where browsers differ. ``corsguard explain`` drives it with real HTTP; tests and the
auditor drive it with canned responses.

Entry points
------------
- ``can_read(page_origin, url, method="GET", headers=(), credentials=False,
  preflight_response=None, response=None) -> Verdict``: could a script on
  ``page_origin`` read ``response`` (``verdict.allowed``), and which headers
  (``verdict.readable_headers``)? ``credentials=True`` means ``credentials: "include"``
  (the victim's cookies are sent). Pass the preflight response when one is needed
  (``needs_preflight(...).needed``); without it the verdict is incomplete and not allowed.
- ``evaluate(request, preflight_response, actual_responses) -> Verdict`` for a
  :class:`Request`; ``actual_responses`` may be a list, one per redirect hop.
- ``run(request, respond) -> Verdict`` where ``respond(outgoing) -> Response | None``
  answers each :class:`Outgoing` request (return None when it was not sent).
- ``needs_preflight(request) -> PreflightNeed`` and ``preflight_request(request)``:
  whether a preflight is sent, why, and the exact OPTIONS request.

Sources: WHATWG Fetch ("main fetch", "HTTP fetch", "CORS-preflight fetch", "CORS check",
"HTTP-redirect fetch", "CORS-safelisted request-header", "forbidden request-header",
"CORS-filtered response") and Chromium's services/network/public/cpp/cors. Where Chromium
departs from the standard the model follows Chromium and records a note; every such rule is
confirmed by tests/test_browser_chromium.py against a real Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias
from urllib.parse import urljoin, urlsplit

from corsguard.spec import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
    NO_CORS_SAFELISTED_NAMES,
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
)

__all__ = [
    "Check",
    "Fix",
    "Outgoing",
    "PreflightInfo",
    "PreflightNeed",
    "Request",
    "RequestError",
    "Response",
    "Verdict",
    "can_read",
    "evaluate",
    "needs_preflight",
    "normalize_method",
    "preflight_cache_seconds",
    "preflight_request",
    "readable_headers",
    "run",
    "serialize_url_origin",
    "simulate",
]


Credentials = Literal["omit", "same-origin", "include"]
Mode = Literal["cors", "no-cors"]
Headers = tuple[tuple[str, str], ...]

# --- Constants, each with its source --------------------------------------------------

# Fetch, "forbidden request-header" as Chromium's net::HttpUtil::IsSafeHeader implements it.
# Chromium departs from the standard: it still drops User-Agent (crbug.com/571722).
FORBIDDEN_HEADER_NAMES = FORBIDDEN_REQUEST_HEADERS | {"user-agent"}
FORBIDDEN_HEADER_PREFIXES = FORBIDDEN_REQUEST_HEADER_PREFIXES
# Fetch, "forbidden request-header": these are forbidden only when they name a forbidden method.
METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)
# Chromium's extra CORS-safelisted names (cors.cc IsCorsSafelistedHeader): client hints, with
# value rules, and `Intervention`. Firefox and Safari preflight them. Confirmed on Chromium 156.
CHROMIUM_CLIENT_HINTS = frozenset(
    {"dpr", "device-memory", "width", "viewport-width", "save-data", "rtt", "downlink", "ect"}
)
CHROMIUM_EXTRA_SAFELISTED = CHROMIUM_CLIENT_HINTS | {"intervention"}
# Fetch, "CORS-safelisted request-header": value at most 128 bytes; all safelisted values
# together at most 1024 bytes ("CORS-unsafe request-header names").
SAFELISTED_VALUE_LIMIT = 128
SAFELISTED_TOTAL_LIMIT = 1024
SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
# Fetch, "CORS-safelisted response-header name".
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
# Fetch, "forbidden response-header name": never exposed to scripts.
# Fetch, "request-body-header name": removed when a redirect turns the method into GET.
REQUEST_BODY_HEADERS = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
# Fetch, "redirect status".
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20  # Fetch, "HTTP-redirect fetch" step 8.
# Chromium preflight_result.cc: default 5 s, capped at 2 h. Firefox caps at 24 h, WebKit 10 min.
DEFAULT_MAX_AGE = 5
CHROMIUM_MAX_AGE = 7200

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# Fetch, "CORS-unsafe request-header byte".
_UNSAFE_BYTES = frozenset(
    [chr(c) for c in range(0x20) if c != 0x09] + list('"():<>?@[\\]{}') + ["\x7f"]
)
_LANGUAGE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")
_HTTP_WS = " \t\r\n"
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_DOUBLE = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_ECT_VALUES = frozenset({"slow-2g", "2g", "3g", "4g"})
# Chromium 156 departs from Fetch ("CORS non-wildcard request-header name"): without
# credentials, `Access-Control-Allow-Headers: *` covers Authorization too, as in Firefox.
# Observed in tests/test_browser_chromium.py (cases acah:auth/star/omit).
CHROMIUM_WILDCARD_COVERS_AUTHORIZATION = True

NOTE_AUTHORIZATION = (
    "The Fetch standard says `Access-Control-Allow-Headers: *` never covers Authorization, "
    "but Chromium 156 and Firefox (with a deprecation warning) let it: list authorization "
    "by name so that every browser, now and later, accepts it."
)
NOTE_CLIENT_HINTS = (
    "Chromium safelists the client-hint headers {names} (and Intervention); Firefox and "
    "Safari preflight them."
)
NOTE_USER_AGENT = (
    "Chromium silently drops a script-set User-Agent (crbug.com/571722); the standard and "
    "Firefox send it, and then it needs a preflight."
)
NOTE_MAX_AGE = (
    "Preflight cache: Chromium keeps the result {chromium} s, Firefox up to 86400 s, "
    "WebKit up to 600 s; with devtools' 'Disable cache' Chromium skips the cache."
)
NOTE_METHOD_CASE = (
    "fetch() uppercases only DELETE, GET, HEAD, OPTIONS, POST and PUT; {method!r} is sent as "
    "written and Access-Control-Allow-Methods is compared case-sensitively (old Chromium "
    "uppercased it first)."
)
NOTE_NO_COOKIES = (
    "A cross-site credentialed request carries only SameSite=None; Secure cookies "
    "(Chromium defaults cookies to SameSite=Lax)."
)


# --- Data -------------------------------------------------------------------------------


def _headers(pairs: Iterable[tuple[str, str]] | Mapping[str, str]) -> Headers:
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple((str(name), str(value)) for name, value in items)


@dataclass(frozen=True)
class Request:
    """The request as a page's script makes it with fetch().

    ``origin`` is the page's serialized origin (``https://app.example.com``) or ``"null"``;
    ``headers`` are the headers the script sets, in order, duplicates allowed.
    """

    origin: str
    url: str
    method: str = "GET"
    headers: Headers = ()
    credentials: Credentials = "same-origin"
    mode: Mode = "cors"

    @classmethod
    def make(
        cls,
        origin: str,
        url: str,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        credentials: Credentials | bool = "same-origin",
        mode: Mode = "cors",
    ) -> Request:
        if credentials is True:
            credentials = "include"
        elif credentials is False:
            credentials = "omit"
        return cls(origin, url, method, _headers(headers), credentials, mode)


@dataclass(frozen=True)
class Response:
    """A response as received: status, header fields in order (duplicates kept)."""

    status: int = 200
    headers: Headers = ()
    location: str | None = None  # overrides a Location header when given

    @classmethod
    def make(
        cls,
        status: int = 200,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        location: str | None = None,
    ) -> Response:
        return cls(status, _headers(headers), location)

    def values(self, name: str) -> list[str]:
        """Every field value of ``name``, trimmed as HTTP parsing does."""
        lower = name.lower()
        return [v.strip(" \t") for n, v in self.headers if n.lower() == lower]

    def get(self, name: str) -> str | None:
        """The combined value (fields joined with ", ", as Chromium's GetNormalizedHeader)."""
        found = self.values(name)
        return ", ".join(found) if found else None

    @property
    def redirect_location(self) -> str | None:
        if self.location is not None:
            return self.location
        return self.get("location")


@dataclass(frozen=True)
class Outgoing:
    """A request the browser sends: ``kind`` is "preflight" or "actual"; ``hop`` counts hops."""

    kind: Literal["preflight", "actual"]
    method: str
    url: str
    headers: Headers
    hop: int
    credentials: bool  # cookies would be attached (never for a preflight)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for n, v in self.headers:
            if n.lower() == lower:
                return v
        return None


@dataclass(frozen=True)
class Check:
    """One check the browser applies. ``looked_at`` holds (header or item, value or None)."""

    step: Literal["request", "preflight", "response", "redirect"]
    name: str
    passed: bool
    looked_at: tuple[tuple[str, str | None], ...]
    reason: str
    hop: int = 0

    @property
    def id(self) -> str:
        return f"{self.step}.{self.name}"


@dataclass(frozen=True)
class Fix:
    """The minimal change that makes a failed check pass.

    ``kind`` is "header" (the server sends ``header: value``), "status" (the server answers
    with ``value`` as status), or "request" (the page changes its request, ``text`` says how).
    ``where`` is "preflight" or "response" for server-side fixes.
    """

    kind: Literal["header", "status", "request"]
    text: str
    header: str | None = None
    value: str | None = None
    where: str | None = None

    @property
    def line(self) -> str:
        """A copy-paste line: ``Header: value`` for header fixes, the text otherwise."""
        if self.kind == "header" and self.header is not None:
            return f"{self.header}: {self.value}"
        return self.text


@dataclass(frozen=True)
class PreflightNeed:
    needed: bool
    reasons: tuple[str, ...]
    method: str
    unsafe_headers: tuple[str, ...]  # lowercase, sorted: Access-Control-Request-Headers


@dataclass(frozen=True)
class PreflightInfo:
    needed: bool
    reasons: tuple[str, ...]
    outcome: Literal["not-needed", "passed", "failed", "not-sent"]
    status: int | None = None
    cache_seconds: int | None = None
    request: Outgoing | None = None


@dataclass(frozen=True)
class Verdict:
    """What the browser does. ``allowed``: fetch() resolves with a response the script can read.

    ``complete`` is False when a response the model needed was not supplied (for example
    explain did not send a PUT); such a verdict is never allowed. ``resolves`` says whether
    fetch() resolves at all (a no-cors request resolves with an unreadable, opaque response).
    """

    allowed: bool
    resolves: bool
    complete: bool
    checks: tuple[Check, ...]
    fixes: tuple[Fix, ...]
    preflight: PreflightInfo
    readable_headers: tuple[str, ...]
    dropped_headers: tuple[str, ...]
    notes: tuple[str, ...]
    cross_origin: bool
    effective_origin: str
    final_url: str
    final_method: str
    redirects: tuple[str, ...]
    sent: tuple[Outgoing, ...] = field(default=())

    @property
    def fix(self) -> Fix | None:
        return self.fixes[0] if self.fixes else None

    @property
    def failed(self) -> Check | None:
        for check in self.checks:
            if not check.passed:
                return check
        return None

    @property
    def outcome(self) -> Literal["allowed", "blocked", "incomplete", "opaque"]:
        if self.allowed:
            return "allowed"
        if self.resolves and self.complete:
            return "opaque"
        if self.failed is not None:
            return "blocked"
        if not self.complete:
            return "incomplete"
        return "opaque"


class RequestError(ValueError):
    """fetch() would throw a TypeError before sending anything."""


# --- Origins and URLs -----------------------------------------------------------------


def _split(url: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port, userinfo) of an absolute URL; raises ValueError if it doesn't parse."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not scheme or not parts.netloc or host is None:
        raise ValueError(f"{url!r} is not an absolute URL")
    if any(c in url for c in "\x00\t\r\n"):
        raise ValueError(f"{url!r} contains a control character")
    port = parts.port  # raises ValueError for a bad port
    if ":" in host:
        host = "[" + host + "]"
    elif host:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise ValueError(f"{url!r} has an invalid host") from None
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return scheme, host, port, userinfo


def serialize_url_origin(url: str) -> str:
    """The serialized origin of an http(s) URL (default port omitted), else "null"."""
    try:
        scheme, host, port, _ = _split(url)
    except ValueError:
        return "null"
    if scheme not in ("http", "https"):
        return "null"
    default = 80 if scheme == "http" else 443
    return f"{scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def normalize_method(method: str) -> str:
    """fetch()'s method normalisation (Fetch, "normalize a method")."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


# --- Request headers ------------------------------------------------------------------


def _is_forbidden_header(name: str, value: str) -> bool:
    # Fetch, "forbidden request-header"; Chromium's list (see FORBIDDEN_HEADER_NAMES).
    lower = name.lower()
    if lower in FORBIDDEN_HEADER_NAMES or lower.startswith(FORBIDDEN_HEADER_PREFIXES):
        return True
    if lower in METHOD_OVERRIDE_HEADERS:
        return any(m.strip().upper() in FORBIDDEN_METHODS for m in value.split(","))
    return False


def _safelist_problem(name: str, value: str) -> str | None:
    """Why (name, value) is not a CORS-safelisted request-header, or None when it is.

    Fetch, "CORS-safelisted request-header", plus Chromium's extra names (cors.cc).
    """
    lower = name.lower()
    if lower not in NO_CORS_SAFELISTED_NAMES | {"range"} | CHROMIUM_EXTRA_SAFELISTED:
        return f"{lower} is not a CORS-safelisted header name"
    if len(value.encode("latin-1", "replace")) > SAFELISTED_VALUE_LIMIT:
        return f"{lower}: the value is longer than {SAFELISTED_VALUE_LIMIT} bytes"
    if lower == "accept":
        bad = sorted({c for c in value if c in _UNSAFE_BYTES})
        if bad:
            return f"accept: the value contains the CORS-unsafe byte(s) {''.join(bad)!r}"
        return None
    if lower in ("accept-language", "content-language"):
        bad = sorted({c for c in value if c not in _LANGUAGE_CHARS})
        if bad:
            return (
                f"{lower}: the value may hold only letters, digits, space and *,-.;= "
                f"(found {''.join(bad)!r})"
            )
        return None
    if lower == "content-type":
        bad = sorted({c for c in value if c in _UNSAFE_BYTES})
        if bad:
            return f"content-type: the value contains the CORS-unsafe byte(s) {''.join(bad)!r}"
        # Chromium: ExtractMIMETypeFromMediaType, i.e. up to ";" and trimmed, lowercased.
        essence = value.split(";", 1)[0].strip(_HTTP_WS).lower()
        if essence not in SAFELISTED_CONTENT_TYPES:
            return (
                f"content-type: {essence!r} is not application/x-www-form-urlencoded, "
                "multipart/form-data or text/plain"
            )
        return None
    if lower == "range":
        # Fetch, "parse a single range header value" without whitespace; no suffix range.
        match = _RANGE.match(value)
        if match is None:
            return "range: only a single 'bytes=N-' or 'bytes=N-M' range is safelisted"
        if match.group(2) and int(match.group(2)) < int(match.group(1)):
            return "range: the end of the range is before its start"
        return None
    # Chromium's client hints (cors.cc): numbers for dpr/device-memory/width/rtt/downlink,
    # a known effective connection type for ect.
    if lower in ("dpr", "device-memory", "downlink") and not _DOUBLE.match(value):
        return f"{lower}: Chromium safelists it only with a number value"
    if lower == "ect" and value not in _ECT_VALUES:
        return "ect: Chromium safelists it only as slow-2g, 2g, 3g or 4g"
    if lower in ("width", "viewport-width", "rtt") and not _DIGITS.match(value):
        return f"{lower}: Chromium safelists it only with an integer value"
    if lower == "save-data" and value.lower() != "on":
        return "save-data: Chromium safelists it only with the value 'on'"
    return None


@dataclass(frozen=True)
class _Prepared:
    method: str
    headers: Headers  # combined, forbidden removed, names as the script wrote them first
    dropped: tuple[str, ...]


def _prepare(request: Request) -> _Prepared:
    """What fetch() does with method and headers before sending; raises RequestError."""
    if not _TOKEN.match(request.method):
        raise RequestError(f"{request.method!r} is not a valid HTTP method")
    if request.method.upper() in FORBIDDEN_METHODS:
        raise RequestError(f"fetch() refuses the forbidden method {request.method.upper()}")
    method = normalize_method(request.method)
    if request.mode == "no-cors" and method not in SAFELISTED_METHODS:
        raise RequestError(f"mode 'no-cors' allows only GET, HEAD and POST, not {method}")
    combined: dict[str, tuple[str, list[str]]] = {}
    dropped: list[str] = []
    for name, raw in request.headers:
        if not _TOKEN.match(name):
            raise RequestError(f"{name!r} is not a valid header name")
        value = raw.strip(_HTTP_WS)  # Fetch, "normalize" a header value
        if any(c in value for c in "\x00\r\n"):
            raise RequestError(f"the value of {name} contains a NUL or line break")
        if any(ord(c) > 0xFF for c in value):
            raise RequestError(f"the value of {name} has characters outside Latin-1")
        if _is_forbidden_header(name, value):
            dropped.append(name)
            continue
        lower = name.lower()
        if lower in combined:
            combined[lower][1].append(value)
        else:
            combined[lower] = (name, [value])
    headers = tuple((name, ", ".join(values)) for name, values in combined.values())
    if request.mode == "no-cors":
        # Headers guard "request-no-cors": other names are silently ignored.
        kept = []
        for name, value in headers:
            if name.lower() in NO_CORS_SAFELISTED_NAMES and _safelist_problem(name, value) is None:
                kept.append((name, value))
            else:
                dropped.append(name)
        headers = tuple(kept)
    return _Prepared(method, headers, tuple(dropped))


def _unsafe_headers(headers: Headers) -> tuple[list[str], list[str]]:
    """Fetch, "CORS-unsafe request-header names": (sorted lowercase names, reasons)."""
    unsafe: dict[str, str] = {}
    safe: list[str] = []
    total = 0
    has_accept = False
    for name, value in headers:
        lower = name.lower()
        has_accept = has_accept or lower == "accept"
        problem = _safelist_problem(name, value)
        if problem is None:
            safe.append(lower)
            total += len(value.encode("latin-1", "replace"))
        else:
            unsafe[lower] = f"header {problem}"
    if not has_accept:
        total += len("*/*")  # Fetch, "fetch" step: Accept: */* is appended before the check
    if total > SAFELISTED_TOTAL_LIMIT:
        for lower in safe:
            unsafe.setdefault(
                lower,
                f"header {lower}: the safelisted header values add up to {total} bytes "
                f"(more than {SAFELISTED_TOTAL_LIMIT})",
            )
    names = sorted(unsafe)
    return names, [unsafe[n] for n in names]


def _need(method: str, headers: Headers) -> PreflightNeed:
    reasons: list[str] = []
    if method not in SAFELISTED_METHODS:
        reasons.append(f"method {method} is not GET, HEAD or POST")
    names, header_reasons = _unsafe_headers(headers)
    reasons.extend(header_reasons)
    return PreflightNeed(bool(reasons), tuple(reasons), method, tuple(names))


def needs_preflight(request: Request) -> PreflightNeed:
    """Whether a cross-origin cors-mode fetch() is preflighted, and every reason why.

    Raises RequestError when fetch() would throw instead. Same-origin and no-cors requests
    are never preflighted; credentials never cause one.
    """
    prepared = _prepare(request)
    if request.mode == "no-cors" or serialize_url_origin(request.url) == request.origin:
        return PreflightNeed(False, (), prepared.method, ())
    return _need(prepared.method, prepared.headers)


def _preflight_outgoing(origin: str, url: str, need: PreflightNeed, hop: int) -> Outgoing:
    # Fetch, "CORS-preflight fetch": Accept */*, ACRM, ACRH lowercase, sorted, "," joined.
    headers: list[tuple[str, str]] = [
        ("Accept", "*/*"),
        ("Origin", origin),
        ("Access-Control-Request-Method", need.method),
    ]
    if need.unsafe_headers:
        headers.append(("Access-Control-Request-Headers", ",".join(need.unsafe_headers)))
    return Outgoing("preflight", "OPTIONS", url, tuple(headers), hop, False)


def preflight_request(request: Request) -> Outgoing | None:
    """The exact OPTIONS request the browser sends first, or None when none is needed."""
    need = needs_preflight(request)
    if not need.needed:
        return None
    return _preflight_outgoing(request.origin, request.url, need, 0)


# --- Response-side parsing ------------------------------------------------------------


def _parse_list(value: str | None) -> list[str] | None:
    """Chromium's ParseAccessControlAllowList: comma list of tokens, empty items ignored.

    None for a missing header; raises ValueError when an item is not a token (Fetch:
    "extract header list values" returns failure, which is a network error).
    """
    if value is None:
        return None
    items = []
    for raw in value.split(","):
        item = raw.strip(_HTTP_WS)
        if not item:
            continue
        if not _TOKEN.match(item):
            raise ValueError(item)
        items.append(item)
    return items


def preflight_cache_seconds(response: Response) -> int:
    """How long Chromium caches a passed preflight (Access-Control-Max-Age, capped at 7200)."""
    value = response.get("access-control-max-age")
    if value is None or not re.fullmatch(r"-?[0-9]+", value):
        return DEFAULT_MAX_AGE
    return max(0, min(CHROMIUM_MAX_AGE, int(value)))


def readable_headers(response: Response, credentials: Credentials) -> tuple[str, ...]:
    """Lowercase names of the response headers a script can read (CORS-filtered response)."""
    present = {name.lower() for name, _ in response.headers}
    # Fetch, "CORS-filtered response": extract header list values; failure exposes nothing
    # (confirmed on Chromium 156: one non-token item hides every listed name).
    try:
        exposed = {
            n.lower() for n in _parse_list(response.get("access-control-expose-headers")) or []
        }
    except ValueError:
        exposed = set()
    if credentials != "include" and "*" in exposed:
        allowed = present
    else:
        allowed = present & (SAFELISTED_RESPONSE_HEADERS | exposed)
    return tuple(sorted(allowed - FORBIDDEN_RESPONSE_HEADERS))


# --- Checks ---------------------------------------------------------------------------


def _list_add(current: str | None, needed: Sequence[str], case_sensitive: bool = False) -> str:
    """A header value with ``needed`` added to the tokens already present (if they parse)."""
    try:
        existing = _parse_list(current) or []
    except ValueError:
        existing = []
    existing = [e for e in existing if e != "*"]
    out = list(existing)
    fold: Callable[[str], str] = (lambda t: t) if case_sensitive else str.lower
    present = {fold(e) for e in existing}
    for item in needed:
        if fold(item) not in present:
            out.append(item)
    return ", ".join(out)


def _cors_check(
    step: Literal["preflight", "response", "redirect"],
    response: Response,
    origin: str,
    credentials: Credentials,
    hop: int,
) -> tuple[list[Check], list[Fix]]:
    """Fetch, "CORS check", with Chromium's order and error kinds (cors.cc CheckAccess)."""
    checks: list[Check] = []
    fixes: list[Fix] = []
    where = "preflight" if step == "preflight" else "response"
    fields = response.values("access-control-allow-origin")
    acao = response.get("access-control-allow-origin")
    include = credentials == "include"
    looked = (("Access-Control-Allow-Origin", acao), ("Origin", origin))
    wanted_origin = origin
    fix_origin = Fix(
        "header",
        f"send Access-Control-Allow-Origin: {wanted_origin} on the {where}"
        + (" (and Vary: Origin if it depends on the request)" if origin != "null" else ""),
        "Access-Control-Allow-Origin",
        wanted_origin,
        where,
    )
    if origin == "null":
        fix_origin = Fix(
            "request",
            "the request's origin is null (a sandboxed page, or a redirect crossed origins): "
            "make the page request the final URL directly; allowing `null` would trust every "
            "site",
            "Access-Control-Allow-Origin",
            "null",
            where,
        )
    if acao is None:
        checks.append(
            Check(step, "allow-origin", False, looked, "no Access-Control-Allow-Origin header", hop)
        )
        fixes.append(fix_origin)
    elif acao == "*":
        if include:
            checks.append(
                Check(
                    step,
                    "allow-origin",
                    False,
                    looked,
                    "`*` is not allowed when the request's credentials mode is 'include'",
                    hop,
                )
            )
            fixes.append(
                Fix(
                    "header",
                    f"send the origin itself instead of `*` (credentials): "
                    f"Access-Control-Allow-Origin: {wanted_origin}, with Vary: Origin",
                    "Access-Control-Allow-Origin",
                    wanted_origin,
                    where,
                )
            )
        else:
            checks.append(
                Check(
                    step,
                    "allow-origin",
                    True,
                    looked,
                    "`*` allows any origin without credentials",
                    hop,
                )
            )
    elif acao == origin:
        checks.append(
            Check(step, "allow-origin", True, looked, f"matches the origin {origin} exactly", hop)
        )
    else:
        if len(fields) > 1:
            reason = (
                f"{len(fields)} Access-Control-Allow-Origin headers are combined into {acao!r}, "
                "which matches nothing: send exactly one"
            )
        elif "," in acao or " " in acao:
            reason = "holds several values; only one origin is allowed"
        elif acao.lower() == origin.lower():
            reason = "differs from the origin only in case: the comparison is byte for byte"
        elif acao.rstrip("/") == origin:
            reason = "has a trailing slash or path: an origin has none"
        else:
            reason = f"{acao!r} is not the request's origin {origin!r}"
        checks.append(Check(step, "allow-origin", False, looked, reason, hop))
        fixes.append(fix_origin)
    if include:
        acac = response.get("access-control-allow-credentials")
        ok = acac == "true"
        if ok:
            reason = "exactly `true`, as credentials mode 'include' requires"
        elif acac is None:
            reason = "credentials mode is 'include' but Access-Control-Allow-Credentials is missing"
        else:
            reason = f"{acac!r} is not exactly `true` (case-sensitive)"
        checks.append(
            Check(
                step,
                "allow-credentials",
                ok,
                (("Access-Control-Allow-Credentials", acac),),
                reason,
                hop,
            )
        )
        if not ok:
            fixes.append(
                Fix(
                    "header",
                    "send Access-Control-Allow-Credentials: true on the "
                    f"{where} (or make the request with credentials: 'omit')",
                    "Access-Control-Allow-Credentials",
                    "true",
                    where,
                )
            )
    return checks, fixes


def _preflight_checks(
    response: Response,
    origin: str,
    credentials: Credentials,
    need: PreflightNeed,
    unsafe_or_auth: Sequence[str],
    hop: int,
) -> tuple[list[Check], list[Fix]]:
    """Fetch, "CORS-preflight fetch" step 7, as Chromium's PreflightController applies it."""
    checks, fixes = _cors_check("preflight", response, origin, credentials, hop)
    include = credentials == "include"
    status = response.status
    if status in REDIRECT_STATUSES or 300 <= status < 400:
        ok = False
        reason = f"status {status}: a preflight must not redirect (it is never followed)"
    else:
        ok = 200 <= status <= 299
        reason = f"status {status} " + ("is 2xx" if ok else "is not 2xx (an ok status)")
    checks.append(Check("preflight", "status", ok, (("status", str(status)),), reason, hop))
    if not ok:
        if 300 <= status < 400:
            location = response.redirect_location
            fixes.append(
                Fix(
                    "status",
                    "answer the OPTIONS request itself with 204 and the CORS headers instead of "
                    "redirecting"
                    + (f" (or make the page request {location} directly)" if location else ""),
                    None,
                    "204",
                    "preflight",
                )
            )
        else:
            fixes.append(
                Fix(
                    "status",
                    f"answer the OPTIONS preflight with status 204 (or 200), not {status}: "
                    "it carries no cookies or Authorization, so do not require them",
                    None,
                    "204",
                    "preflight",
                )
            )
    acam = response.get("access-control-allow-methods")
    acah = response.get("access-control-allow-headers")
    try:
        methods = _parse_list(acam)
    except ValueError as exc:
        methods = None
        checks.append(
            Check(
                "preflight",
                "allow-methods",
                False,
                (("Access-Control-Allow-Methods", acam),),
                f"{exc.args[0]!r} is not a method token: the header does not parse, "
                "a network error",
                hop,
            )
        )
        fixes.append(
            Fix(
                "header",
                "send a comma-separated list of methods",
                "Access-Control-Allow-Methods",
                _list_add(None, [need.method]),
                "preflight",
            )
        )
        return checks, fixes
    try:
        names = _parse_list(acah)
    except ValueError as exc:
        checks.append(
            Check(
                "preflight",
                "allow-headers",
                False,
                (("Access-Control-Allow-Headers", acah),),
                f"{exc.args[0]!r} is not a header-name token: the header does not parse, "
                "a network error",
                hop,
            )
        )
        fixes.append(
            Fix(
                "header",
                "send a comma-separated list of header names",
                "Access-Control-Allow-Headers",
                ", ".join(unsafe_or_auth) or "content-type",
                "preflight",
            )
        )
        return checks, fixes
    methods = methods or []
    names = names or []
    # Methods: exact, case-sensitive; safelisted methods always pass; `*` without credentials.
    method = need.method
    looked_m = (("Access-Control-Allow-Methods", acam), ("method", method))
    if method in SAFELISTED_METHODS:
        checks.append(
            Check("preflight", "allow-methods", True, looked_m, f"{method} is always allowed", hop)
        )
    elif method in methods:
        checks.append(
            Check("preflight", "allow-methods", True, looked_m, f"{method} is listed", hop)
        )
    elif "*" in methods and not include:
        checks.append(
            Check(
                "preflight",
                "allow-methods",
                True,
                looked_m,
                "`*` allows any method without credentials",
                hop,
            )
        )
    else:
        if "*" in methods:
            reason = "`*` is only a literal method name when credentials mode is 'include'"
        elif any(m.upper() == method.upper() for m in methods):
            reason = f"{method} is listed only in another case: the comparison is case-sensitive"
        else:
            reason = f"{method} is not listed"
        checks.append(Check("preflight", "allow-methods", False, looked_m, reason, hop))
        fixes.append(
            Fix(
                "header",
                f"list {method} exactly as the page writes it"
                + (
                    f" (or write {method.upper()!r} in fetch())" if method != method.upper() else ""
                ),
                "Access-Control-Allow-Methods",
                _list_add(acam, [method], case_sensitive=True),
                "preflight",
            )
        )
    # Headers: case-insensitive; `*` without credentials, never for Authorization.
    lowered = {n.lower() for n in names}
    wildcard = "*" in lowered and not include
    missing: list[str] = []
    auth_by_wildcard = False
    for name in unsafe_or_auth:
        if name in lowered:
            continue
        if name == "authorization" and wildcard:
            auth_by_wildcard = True
            if not CHROMIUM_WILDCARD_COVERS_AUTHORIZATION:
                missing.append(name)
        elif not wildcard:
            missing.append(name)
    looked_h = (
        ("Access-Control-Allow-Headers", acah),
        ("Access-Control-Request-Headers", ",".join(unsafe_or_auth) or None),
    )
    if not unsafe_or_auth:
        checks.append(
            Check("preflight", "allow-headers", True, looked_h, "no unsafe request headers", hop)
        )
    elif not missing:
        checks.append(
            Check(
                "preflight",
                "allow-headers",
                True,
                looked_h,
                "every unsafe header is listed"
                if not wildcard
                else "`*` covers the headers"
                + (
                    " (Authorization too in Chromium 156 and Firefox, but not in the Fetch "
                    "standard: list it by name)"
                    if auth_by_wildcard
                    else ""
                ),
                hop,
            )
        )
    else:
        if auth_by_wildcard and missing == ["authorization"]:
            reason = "authorization is never covered by `*`: list it by name"
        elif "*" in lowered and include:
            reason = (
                "`*` is only a literal header name when credentials mode is 'include'; "
                f"not listed: {', '.join(missing)}"
            )
        else:
            reason = f"not listed: {', '.join(missing)}"
        checks.append(Check("preflight", "allow-headers", False, looked_h, reason, hop))
        value = _list_add(acah, missing)
        if wildcard:
            value = "*, " + value if value else "*"
        fixes.append(
            Fix(
                "header",
                f"list {', '.join(missing)} in Access-Control-Allow-Headers",
                "Access-Control-Allow-Headers",
                value,
                "preflight",
            )
        )
    return checks, fixes


# --- The simulation -------------------------------------------------------------------

Answer: TypeAlias = "Response | None"


def simulate(request: Request) -> Generator[Outgoing, Answer, Verdict]:
    """Yield each request the browser sends; send() back its Response (or None: not sent)."""
    checks: list[Check] = []
    notes: list[str] = []
    sent: list[Outgoing] = []

    def finish(
        *,
        allowed: bool,
        resolves: bool,
        complete: bool,
        fixes: Sequence[Fix] = (),
        readable: tuple[str, ...] = (),
        final_url: str = request.url,
        final_method: str = request.method,
        origin: str = request.origin,
        redirects: Sequence[str] = (),
        dropped: tuple[str, ...] = (),
        cross: bool = True,
    ) -> Verdict:
        return Verdict(
            allowed=allowed,
            resolves=resolves,
            complete=complete,
            checks=tuple(checks),
            fixes=tuple(fixes),
            preflight=preflight_info,
            readable_headers=readable,
            dropped_headers=dropped,
            notes=tuple(dict.fromkeys(notes)),
            cross_origin=cross,
            effective_origin=origin,
            final_url=final_url,
            final_method=final_method,
            redirects=tuple(redirects),
            sent=tuple(sent),
        )

    def halt(*, complete: bool, fixes: Sequence[Fix] = ()) -> Verdict:
        """Blocked where the walk stands now (its URL, method, origin and hops so far)."""
        return finish(
            allowed=False,
            resolves=False,
            complete=complete,
            fixes=fixes,
            final_url=url,
            final_method=method,
            origin=serialized(),
            redirects=redirects,
            dropped=dropped,
            cross=cross,
        )

    preflight_info = PreflightInfo(False, (), "not-needed")
    try:
        prepared = _prepare(request)
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ("http", "https"):
            raise RequestError(f"fetch() supports only http(s) URLs here, not {scheme or '?'}:")
        _split(request.url)
    except (RequestError, ValueError) as exc:
        checks.append(
            Check(
                "request",
                "valid",
                False,
                (("request", request.method + " " + request.url),),
                str(exc),
            )
        )
        fix = Fix("request", f"fix the request: {exc}")
        return finish(allowed=False, resolves=False, complete=True, fixes=[fix])

    method = prepared.method
    headers = prepared.headers
    dropped = prepared.dropped
    credentials = request.credentials
    page_origin = request.origin
    if dropped:
        names = ", ".join(dropped)
        checks.append(
            Check(
                "request",
                "dropped-headers",
                True,
                tuple((n, None) for n in dropped),
                f"the browser silently drops {names}: scripts may not set "
                + ("them" if len(dropped) > 1 else "it")
                + (
                    " (mode 'no-cors' keeps only safelisted headers)"
                    if request.mode == "no-cors"
                    else ""
                ),
            )
        )
        if any(n.lower() == "user-agent" for n in dropped):
            notes.append(NOTE_USER_AGENT)
    if method != method.upper():
        notes.append(NOTE_METHOD_CASE.format(method=method))
    if any(n.lower() in CHROMIUM_EXTRA_SAFELISTED for n, _ in headers):
        notes.append(NOTE_CLIENT_HINTS.format(names=", ".join(sorted(CHROMIUM_CLIENT_HINTS))))

    url = request.url
    current_origin = serialize_url_origin(url)
    cross = current_origin != page_origin
    tainting_cors = False
    tainted = False
    redirects: list[str] = []
    first_preflight: PreflightInfo | None = None
    hop = 0

    def serialized() -> str:
        return "null" if tainted else page_origin

    while True:
        url_origin = serialize_url_origin(url)
        same = url_origin == page_origin and not tainting_cors
        if request.mode == "no-cors" and not same:
            checks.append(
                Check(
                    "request",
                    "mode",
                    True,
                    (("mode", "no-cors"),),
                    "mode 'no-cors': no CORS checks, but the response is opaque (unreadable)",
                    hop,
                )
            )
        elif not same:
            tainting_cors = True
        if hop == 0:
            looked = (("page origin", page_origin), ("target origin", url_origin))
            if same:
                checks.append(
                    Check(
                        "request", "cross-origin", True, looked, "same-origin: CORS does not apply"
                    )
                )
            elif request.mode == "cors":
                checks.append(
                    Check(
                        "request",
                        "cross-origin",
                        True,
                        looked,
                        "cross-origin: the browser applies the CORS checks below",
                    )
                )
        need = PreflightNeed(False, (), method, ())
        if tainting_cors:
            need = _need(method, headers)
            if hop == 0 or need.needed:
                checks.append(
                    Check(
                        "preflight",
                        "needed",
                        True,
                        (
                            ("method", method),
                            ("headers", ",".join(need.unsafe_headers) or None),
                        ),
                        (
                            "preflight sent: " + "; ".join(need.reasons)
                            if need.needed
                            else "no preflight: the method and headers are CORS-safelisted"
                        ),
                        hop,
                    )
                )
        if need.needed:
            outgoing = _preflight_outgoing(serialized(), url, need, hop)
            sent.append(outgoing)
            answer = yield outgoing
            if answer is None:
                info = PreflightInfo(True, need.reasons, "not-sent", None, None, outgoing)
                if first_preflight is None:
                    first_preflight = info
                preflight_info = first_preflight
                return halt(complete=False)
            unsafe = list(need.unsafe_headers)
            if (
                any(n.lower() == "authorization" for n, _ in headers)
                and "authorization" not in unsafe
            ):
                unsafe.append("authorization")
            pchecks, pfixes = _preflight_checks(
                answer, serialized(), credentials, need, unsafe, hop
            )
            checks.extend(pchecks)
            ok = all(c.passed for c in pchecks)
            cache = preflight_cache_seconds(answer) if ok else None
            info = PreflightInfo(
                True, need.reasons, "passed" if ok else "failed", answer.status, cache, outgoing
            )
            if first_preflight is None:
                first_preflight = info
            preflight_info = first_preflight
            if cache is not None:
                notes.append(NOTE_MAX_AGE.format(chromium=cache))
            if "*" in (answer.get("access-control-allow-headers") or "") and any(
                n.lower() == "authorization" for n, _ in headers
            ):
                notes.append(NOTE_AUTHORIZATION)
            if not ok:
                return halt(
                    complete=True,
                    fixes=pfixes,
                )
        elif first_preflight is None and hop == 0:
            first_preflight = PreflightInfo(False, (), "not-needed")
            preflight_info = first_preflight

        out_headers: list[tuple[str, str]] = list(headers)
        if not any(n.lower() == "accept" for n, _ in out_headers):
            out_headers.insert(0, ("Accept", "*/*"))
        # Fetch, "append a request Origin header": CORS requests, and non-GET/HEAD ones.
        if tainting_cors or method not in ("GET", "HEAD"):
            out_headers.append(("Origin", serialized() if tainting_cors else page_origin))
        sends_credentials = credentials == "include" or (credentials == "same-origin" and same)
        outgoing = Outgoing("actual", method, url, tuple(out_headers), hop, sends_credentials)
        sent.append(outgoing)
        answer = yield outgoing
        if answer is None:
            return halt(complete=False)
        status = answer.status
        is_redirect = status in REDIRECT_STATUSES and answer.redirect_location is not None
        step: Literal["response", "redirect"] = "redirect" if is_redirect else "response"
        if tainting_cors:
            rchecks, rfixes = _cors_check(step, answer, serialized(), credentials, hop)
            checks.extend(rchecks)
            if not all(c.passed for c in rchecks):
                return halt(
                    complete=True,
                    fixes=rfixes,
                )
        if not is_redirect:
            if request.mode == "no-cors" and not same and not tainting_cors:
                checks.append(
                    Check(
                        "response",
                        "opaque",
                        False,
                        (("mode", "no-cors"),),
                        "fetch() resolves, but with an opaque response: status 0, no headers, "
                        "no body",
                        hop,
                    )
                )
                return finish(
                    allowed=False,
                    resolves=True,
                    complete=True,
                    fixes=[Fix("request", "use mode: 'cors' and let the server send CORS headers")],
                    final_url=url,
                    final_method=method,
                    origin=page_origin,
                    redirects=redirects,
                    dropped=dropped,
                    cross=cross,
                )
            readable = (
                readable_headers(answer, credentials)
                if tainting_cors
                else tuple(
                    sorted({n.lower() for n, _ in answer.headers} - FORBIDDEN_RESPONSE_HEADERS)
                )
            )
            if tainting_cors:
                checks.append(
                    Check(
                        "response",
                        "readable-headers",
                        True,
                        (
                            (
                                "Access-Control-Expose-Headers",
                                answer.get("access-control-expose-headers"),
                            ),
                        ),
                        "the script can read: " + (", ".join(readable) or "no headers"),
                        hop,
                    )
                )
            if credentials == "include" and cross:
                notes.append(NOTE_NO_COOKIES)
            return finish(
                allowed=True,
                resolves=True,
                complete=True,
                readable=readable,
                final_url=url,
                final_method=method,
                origin=serialized(),
                redirects=redirects,
                dropped=dropped,
                cross=cross,
            )
        # Fetch, "HTTP-redirect fetch".
        location = answer.redirect_location or ""
        problem: str | None = None
        new_url = ""
        try:
            new_url = urljoin(url, location.strip(_HTTP_WS))
            new_scheme = urlsplit(new_url).scheme.lower()
            if new_scheme not in ("http", "https"):
                problem = f"Location {location!r} is not an http(s) URL: a network error"
            else:
                _, _, _, userinfo = _split(new_url)
                if userinfo and tainting_cors:
                    problem = (
                        "Location carries a username or password, which a CORS request may not "
                        "follow: a network error"
                    )
        except ValueError:
            problem = f"Location {location!r} is not a valid URL: a network error"
        if problem is None and len(redirects) + 1 > MAX_REDIRECTS:
            problem = f"more than {MAX_REDIRECTS} redirects: a network error"
        looked_r = (("status", str(status)), ("Location", location))
        if problem is not None:
            checks.append(Check("redirect", "follow", False, looked_r, problem, hop))
            return halt(
                complete=True,
                fixes=[
                    Fix(
                        "header",
                        "send a valid http(s) Location without userinfo",
                        "Location",
                        new_url or None,
                        "response",
                    )
                ],
            )
        new_origin = serialize_url_origin(new_url)
        # Tainted origin: the hop crosses origins while the current URL is not the page's.
        if new_origin != url_origin and page_origin != url_origin:
            if not tainted and tainting_cors:
                notes.append(
                    "After a redirect that crosses origins away from a URL of another origin, "
                    "the browser sends Origin: null; only `null` or `*` then passes."
                )
            tainted = True
        new_method = method
        if (status in (301, 302) and method == "POST") or (
            status == 303 and method not in ("GET", "HEAD")
        ):
            new_method = "GET"
            headers = tuple((n, v) for n, v in headers if n.lower() not in REQUEST_BODY_HEADERS)
        if new_origin != url_origin:
            # Fetch, "HTTP-redirect fetch" step 13: Authorization is removed cross-origin.
            headers = tuple((n, v) for n, v in headers if n.lower() != "authorization")
        reason = f"{status} to {new_url}"
        if new_method != method:
            reason += f"; {method} becomes GET"
        if tainted:
            reason += "; the request's origin is now null"
        checks.append(Check("redirect", "follow", True, looked_r, reason, hop))
        redirects.append(new_url)
        method = new_method
        url = new_url
        hop += 1


Respond = Callable[[Outgoing], Answer]


def run(request: Request, respond: Respond) -> Verdict:
    """Drive :func:`simulate` with a function that answers each outgoing request."""
    gen = simulate(request)
    try:
        outgoing = next(gen)
        while True:
            outgoing = gen.send(respond(outgoing))
    except StopIteration as stop:
        verdict: Verdict = stop.value
        return verdict


def evaluate(
    request: Request,
    preflight_response: Response | Sequence[Response] | None = None,
    actual_responses: Response | Sequence[Response] | None = None,
) -> Verdict:
    """The verdict for ``request`` given the responses, in the order the browser asks for them.

    ``preflight_response`` answers the first preflight (a sequence answers one per hop that
    needs one); ``actual_responses`` answers the actual request, one per redirect hop.
    """
    pre = (
        [preflight_response]
        if isinstance(preflight_response, Response)
        else list(preflight_response or [])
    )
    act = (
        [actual_responses]
        if isinstance(actual_responses, Response)
        else list(actual_responses or [])
    )

    def respond(outgoing: Outgoing) -> Answer:
        queue = pre if outgoing.kind == "preflight" else act
        return queue.pop(0) if queue else None

    return run(request, respond)


def can_read(
    page_origin: str,
    url: str,
    method: str = "GET",
    headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    credentials: bool | Credentials = False,
    preflight_response: Response | None = None,
    response: Response | Sequence[Response] | None = None,
) -> Verdict:
    """Could a fetch() from ``page_origin`` read ``response``? See the module docstring."""
    request = Request.make(page_origin, url, method, headers, credentials)
    return evaluate(request, preflight_response, response)


def with_credentials(request: Request, credentials: Credentials) -> Request:
    return replace(request, credentials=credentials)
