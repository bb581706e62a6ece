"""The Fetch standard's tables that both sides of corsguard's model use.

The server side (`corsguard.policy`, `corsguard.engine`) and the browser side
(`corsguard.browser`) read the same lists, so they cannot drift apart. Where Chromium
departs from them, `corsguard.browser` says so beside its own additions.
"""

from __future__ import annotations

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
