"""The Fetch standard's tables that both sides of corsguard's model use.

The server side (`corsguard.policy`, `corsguard.engine`) and the browser side
(`corsguard.browser`) read the same lists, so they cannot drift apart. Where Chromium
departs from them, `corsguard.browser` says so beside its own additions.
"""

from __future__ import annotations

import re

# Fetch, "normalize a method": only these six are uppercased by fetch() and XHR; any
# other method is sent exactly as the script wrote it.
NORMALIZED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
# Fetch, "forbidden method": browsers refuse to send these at all.
FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
# Fetch, "CORS-safelisted method": never needs a preflight, nor to be listed in one.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})

# Fetch, "forbidden request-header": scripts cannot set these.
FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
FORBIDDEN_REQUEST_HEADER_PREFIXES = ("proxy-", "sec-")
# Fetch, "forbidden response-header name": never exposed to scripts.
FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
# Fetch, "no-CORS-safelisted request-header name": the CORS-safelisted names whose values
# may still need a preflight (Content-Type: application/json).
NO_CORS_SAFELISTED_NAMES = frozenset(
    {"accept", "accept-language", "content-language", "content-type"}
)

# RFC 9110 §5.6.2: a token, the grammar of method and field names (tchar = "!" / "#" / "$"
# / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA).
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def is_token(value: str) -> bool:
    """Whether ``value`` is a whole RFC 9110 token (a method or a header name)."""
    return TOKEN.match(value) is not None


# RFC 6454 §4 / URL standard "default port": an origin leaves these out of its serialisation.
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# Fetch §http-cors-protocol: the response headers a CORS grant is made of (lowercase, as
# ASGI carries header names) and the request headers a preflight asks with.
ACCESS_CONTROL_PREFIX = "access-control-"
ALLOW_ORIGIN = "access-control-allow-origin"
ALLOW_CREDENTIALS = "access-control-allow-credentials"
ALLOW_METHODS = "access-control-allow-methods"
ALLOW_HEADERS = "access-control-allow-headers"
ALLOW_PRIVATE_NETWORK = "access-control-allow-private-network"
EXPOSE_HEADERS = "access-control-expose-headers"
MAX_AGE = "access-control-max-age"
REQUEST_METHOD = "access-control-request-method"
REQUEST_HEADERS = "access-control-request-headers"
REQUEST_PRIVATE_NETWORK = "access-control-request-private-network"
