"""The CORS-preflight fetch: the OPTIONS request, and the judgement of its response.

Fetch standard sections (https://fetch.spec.whatwg.org/):
- §4.8 "CORS-preflight fetch" (#cors-preflight-fetch), the steps that build the request (Accept,
  Access-Control-Request-Method, -Headers): :func:`preflight_outgoing`,
  :func:`preflight_request`;
- the same section's checks of the response (a CORS check, an ok status, then the method
  and header lists): :func:`preflight_checks`, in the order of Chromium's
  services/network/cors/preflight_controller.cc;
- §4.9 "CORS-preflight cache" (#cors-preflight-cache), Access-Control-Max-Age with Chromium's
  cap (preflight_result.cc): :func:`preflight_cache_seconds`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from corsguard.browser.classify import needs_preflight
from corsguard.browser.cors import cors_check
from corsguard.browser.data import (
    Check,
    Credentials,
    Fix,
    Outgoing,
    PreflightNeed,
    Request,
    Response,
    parse_list,
)
from corsguard.browser.http_redirect import REDIRECT_STATUSES
from corsguard.spec import SAFELISTED_METHODS

# Chromium preflight_result.cc: default 5 s, capped at 2 h. Firefox caps at 24 h, WebKit 10 min.
DEFAULT_MAX_AGE = 5
CHROMIUM_MAX_AGE = 7200

# Chromium 156 departs from Fetch ("CORS non-wildcard request-header name"): without
# credentials, `Access-Control-Allow-Headers: *` covers Authorization too, as in Firefox.
# Observed in tests/model/test_browser_chromium.py (cases acah:auth/star/omit).
CHROMIUM_WILDCARD_COVERS_AUTHORIZATION = True


def preflight_outgoing(origin: str, url: str, need: PreflightNeed, hop: int) -> Outgoing:
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
    return preflight_outgoing(request.origin, request.url, need, 0)


def preflight_cache_seconds(response: Response) -> int:
    """How long Chromium caches a passed preflight (Access-Control-Max-Age, capped at 7200)."""
    value = response.get("access-control-max-age")
    if value is None or not re.fullmatch(r"-?[0-9]+", value):
        return DEFAULT_MAX_AGE
    return max(0, min(CHROMIUM_MAX_AGE, int(value)))


def list_add(current: str | None, needed: Sequence[str], case_sensitive: bool = False) -> str:
    """A header value with ``needed`` added to the tokens already present (if they parse)."""
    try:
        existing = parse_list(current) or []
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


def preflight_checks(
    response: Response,
    origin: str,
    credentials: Credentials,
    need: PreflightNeed,
    unsafe_or_auth: Sequence[str],
    hop: int,
) -> tuple[list[Check], list[Fix]]:
    """Fetch, "CORS-preflight fetch" step 7, as Chromium's PreflightController applies it."""
    checks, fixes = cors_check("preflight", response, origin, credentials, hop)
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
        methods = parse_list(acam)
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
                list_add(None, [need.method]),
                "preflight",
            )
        )
        return checks, fixes
    try:
        names = parse_list(acah)
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
                list_add(acam, [method], case_sensitive=True),
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
        value = list_add(acah, missing)
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
