"""The CORS check and the CORS-filtered response.

Fetch standard sections (https://fetch.spec.whatwg.org/):
- §4.10 "CORS check" (#cors-check): Access-Control-Allow-Origin against the request's serialized
  origin, then Access-Control-Allow-Credentials when credentials mode is "include";
  :func:`cors_check`, run on preflights, redirects and final responses alike;
- "CORS-filtered response" (#concept-filtered-response-cors) with "CORS-safelisted
  response-header name" and "forbidden response-header name": :func:`readable_headers`.

The order of the checks and the wording of their failures follow Chromium's
services/network/public/cpp/cors/cors.cc (CheckAccess), whose error comes first.
"""

from __future__ import annotations

from typing import Literal

from corsguard.browser.data import Check, Credentials, Fix, Response, parse_list
from corsguard.spec import FORBIDDEN_RESPONSE_HEADERS

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


def readable_headers(response: Response, credentials: Credentials) -> tuple[str, ...]:
    """Lowercase names of the response headers a script can read (CORS-filtered response)."""
    present = {name.lower() for name, _ in response.headers}
    # Fetch, "CORS-filtered response": extract header list values; failure exposes nothing
    # (confirmed on Chromium 156: one non-token item hides every listed name).
    try:
        exposed = {
            n.lower() for n in parse_list(response.get("access-control-expose-headers")) or []
        }
    except ValueError:
        exposed = set()
    if credentials != "include" and "*" in exposed:
        allowed = present
    else:
        allowed = present & (SAFELISTED_RESPONSE_HEADERS | exposed)
    return tuple(sorted(allowed - FORBIDDEN_RESPONSE_HEADERS))


def cors_check(
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
    acao = ", ".join(fields) if fields else None  # response.get(), without a second scan
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
