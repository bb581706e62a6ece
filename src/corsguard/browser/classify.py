"""Request classification: what fetch() sends, and whether it needs a preflight.

Fetch standard sections (https://fetch.spec.whatwg.org/):
- "normalize a method", "forbidden method" (#forbidden-method): :func:`normalize_method`,
  :func:`prepare`;
- "forbidden request-header" (#forbidden-request-header) and the "request-no-cors" headers
  guard: the headers a script may set, :func:`prepare`;
- "CORS-safelisted request-header" (#cors-safelisted-request-header) and "CORS-unsafe
  request-header names" (#cors-unsafe-request-header-names): :func:`unsafe_headers`;
- §4.1 "main fetch" (#main-fetch), the step that sets the use-CORS-preflight flag (method not
  CORS-safelisted, or CORS-unsafe headers): :func:`preflight_need`, :func:`needs_preflight`.

Chromium's own additions (services/network/public/cpp/cors/cors.cc) are marked where used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corsguard.browser.data import (
    HTTP_WS,
    Headers,
    PreflightNeed,
    Request,
    RequestError,
)
from corsguard.browser.urls import serialize_url_origin
from corsguard.spec import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    NO_CORS_SAFELISTED_NAMES,
    NORMALIZED_METHODS,
    SAFELISTED_METHODS,
    TOKEN,
)

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
# Fetch, "CORS-unsafe request-header byte".
_UNSAFE_BYTES = frozenset(
    [chr(c) for c in range(0x20) if c != 0x09] + list('"():<>?@[\\]{}') + ["\x7f"]
)
_LANGUAGE_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;=")
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_DOUBLE = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_ECT_VALUES = frozenset({"slow-2g", "2g", "3g", "4g"})
# Every name that can be CORS-safelisted (the value decides), Chromium's included.
_SAFELISTED_NAMES = NO_CORS_SAFELISTED_NAMES | {"range"} | CHROMIUM_EXTRA_SAFELISTED


def normalize_method(method: str) -> str:
    """fetch()'s method normalisation (Fetch, "normalize a method")."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


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
    if lower not in _SAFELISTED_NAMES:
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
        essence = value.split(";", 1)[0].strip(HTTP_WS).lower()
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
class Prepared:
    method: str
    headers: Headers  # combined, forbidden removed, names as the script wrote them first
    dropped: tuple[str, ...]


def prepare(request: Request) -> Prepared:
    """What fetch() does with method and headers before sending; raises RequestError."""
    if not TOKEN.match(request.method):
        raise RequestError(f"{request.method!r} is not a valid HTTP method")
    if request.method.upper() in FORBIDDEN_METHODS:
        raise RequestError(f"fetch() refuses the forbidden method {request.method.upper()}")
    method = normalize_method(request.method)
    if request.mode == "no-cors" and method not in SAFELISTED_METHODS:
        raise RequestError(f"mode 'no-cors' allows only GET, HEAD and POST, not {method}")
    combined: dict[str, tuple[str, list[str]]] = {}
    dropped: list[str] = []
    for name, raw in request.headers:
        if not TOKEN.match(name):
            raise RequestError(f"{name!r} is not a valid header name")
        value = raw.strip(HTTP_WS)  # Fetch, "normalize" a header value
        if any(c in value for c in "\x00\r\n"):
            raise RequestError(f"the value of {name} contains a NUL or line break")
        if not value.isascii() and any(ord(c) > 0xFF for c in value):
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
    return Prepared(method, headers, tuple(dropped))


def unsafe_headers(headers: Headers) -> tuple[list[str], list[str]]:
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


def preflight_need(method: str, headers: Headers) -> PreflightNeed:
    reasons: list[str] = []
    if method not in SAFELISTED_METHODS:
        reasons.append(f"method {method} is not GET, HEAD or POST")
    names, header_reasons = unsafe_headers(headers)
    reasons.extend(header_reasons)
    return PreflightNeed(bool(reasons), tuple(reasons), method, tuple(names))


def needs_preflight(request: Request) -> PreflightNeed:
    """Whether a cross-origin cors-mode fetch() is preflighted, and every reason why.

    Raises RequestError when fetch() would throw instead. Same-origin and no-cors requests
    are never preflighted; credentials never cause one.
    """
    prepared = prepare(request)
    if request.mode == "no-cors" or serialize_url_origin(request.url) == request.origin:
        return PreflightNeed(False, (), prepared.method, ())
    return preflight_need(prepared.method, prepared.headers)
