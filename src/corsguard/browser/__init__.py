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
- ``start``, ``preflight``, ``actual``, ``redirect``: the steps of the walk, each a pure
  function from one :class:`Walk` to the next (see :mod:`corsguard.browser.walk`).

Modules, one job each
---------------------
- :mod:`~corsguard.browser.data`: the immutable values (Request, Response, Outgoing,
  Check, Fix, Verdict, ...).
- :mod:`~corsguard.browser.urls`: URL parsing and origin serialization.
- :mod:`~corsguard.browser.classify`: what fetch() sends and whether it is preflighted
  (Fetch "CORS-safelisted request-header", "forbidden request-header", §4.1 main fetch).
- :mod:`~corsguard.browser.cors_preflight`: the OPTIONS request and its judgement (Fetch §4.8
  CORS-preflight fetch, §4.9 CORS-preflight cache).
- :mod:`~corsguard.browser.cors`: the CORS check (Fetch §4.10) and the CORS-filtered response.
- :mod:`~corsguard.browser.http_redirect`: redirect rules (Fetch §4.5 HTTP-redirect fetch).
- :mod:`~corsguard.browser.walk`: the state machine and its drivers.

Section numbers follow the Fetch standard as of whatwg/fetch commit 586cd2a (July 2026),
where §4.2 "Override fetch" shifted HTTP-redirect fetch from §4.4 to §4.5; the quoted
section titles and their anchors (https://fetch.spec.whatwg.org/#http-redirect-fetch) are
the stable reference.

Sources: WHATWG Fetch ("main fetch", "HTTP fetch", "CORS-preflight fetch", "CORS check",
"HTTP-redirect fetch", "CORS-safelisted request-header", "forbidden request-header",
"CORS-filtered response") and Chromium's services/network/public/cpp/cors. Where Chromium
departs from the standard the model follows Chromium and records a note; every such rule is
confirmed by tests/model/test_browser_chromium.py against a real Chromium.
"""

from __future__ import annotations

from corsguard.browser.classify import (
    CHROMIUM_CLIENT_HINTS,
    CHROMIUM_EXTRA_SAFELISTED,
    FORBIDDEN_HEADER_NAMES,
    FORBIDDEN_HEADER_PREFIXES,
    METHOD_OVERRIDE_HEADERS,
    SAFELISTED_CONTENT_TYPES,
    SAFELISTED_TOTAL_LIMIT,
    SAFELISTED_VALUE_LIMIT,
    needs_preflight,
    normalize_method,
)
from corsguard.browser.cors import SAFELISTED_RESPONSE_HEADERS, readable_headers
from corsguard.browser.cors_preflight import (
    CHROMIUM_MAX_AGE,
    CHROMIUM_WILDCARD_COVERS_AUTHORIZATION,
    DEFAULT_MAX_AGE,
    preflight_cache_seconds,
    preflight_request,
)
from corsguard.browser.data import (
    Answer,
    Check,
    Credentials,
    Fix,
    Headers,
    Mode,
    Outgoing,
    PreflightInfo,
    PreflightNeed,
    Request,
    RequestError,
    Response,
    Verdict,
)
from corsguard.browser.http_redirect import MAX_REDIRECTS, REDIRECT_STATUSES, REQUEST_BODY_HEADERS
from corsguard.browser.urls import serialize_url_origin
from corsguard.browser.walk import (
    NOTE_AUTHORIZATION,
    NOTE_CLIENT_HINTS,
    NOTE_MAX_AGE,
    NOTE_METHOD_CASE,
    NOTE_NO_COOKIES,
    NOTE_USER_AGENT,
    TRANSITIONS,
    Phase,
    Respond,
    Walk,
    actual,
    can_read,
    evaluate,
    preflight,
    redirect,
    run,
    simulate,
    start,
    with_credentials,
)

__all__ = [
    "CHROMIUM_CLIENT_HINTS",
    "CHROMIUM_EXTRA_SAFELISTED",
    "CHROMIUM_MAX_AGE",
    "CHROMIUM_WILDCARD_COVERS_AUTHORIZATION",
    "DEFAULT_MAX_AGE",
    "FORBIDDEN_HEADER_NAMES",
    "FORBIDDEN_HEADER_PREFIXES",
    "MAX_REDIRECTS",
    "METHOD_OVERRIDE_HEADERS",
    "NOTE_AUTHORIZATION",
    "NOTE_CLIENT_HINTS",
    "NOTE_MAX_AGE",
    "NOTE_METHOD_CASE",
    "NOTE_NO_COOKIES",
    "NOTE_USER_AGENT",
    "REDIRECT_STATUSES",
    "REQUEST_BODY_HEADERS",
    "SAFELISTED_CONTENT_TYPES",
    "SAFELISTED_RESPONSE_HEADERS",
    "SAFELISTED_TOTAL_LIMIT",
    "SAFELISTED_VALUE_LIMIT",
    "TRANSITIONS",
    "Answer",
    "Check",
    "Credentials",
    "Fix",
    "Headers",
    "Mode",
    "Outgoing",
    "Phase",
    "PreflightInfo",
    "PreflightNeed",
    "Request",
    "RequestError",
    "Respond",
    "Response",
    "Verdict",
    "Walk",
    "actual",
    "can_read",
    "evaluate",
    "needs_preflight",
    "normalize_method",
    "preflight",
    "preflight_cache_seconds",
    "preflight_request",
    "readable_headers",
    "redirect",
    "run",
    "serialize_url_origin",
    "simulate",
    "start",
    "with_credentials",
]
