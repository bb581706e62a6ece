"""The walk of one fetch(): an explicit state machine, and :func:`simulate` driving it.

The state of a fetch is a :class:`Walk`, an immutable value; its :class:`Phase` names what
the browser waits for. Four pure step functions move from one walk to the next; none does
I/O, and none keeps anything outside the walk it returns.

States and transitions
----------------------
::

    from       step                     input          to
    ---------  -----------------------  -------------  -------------------------------------
    (none)     start(request)           -              PREFLIGHT | ACTUAL | DONE (throws)
    PREFLIGHT  preflight(walk, answer)  Response|None  ACTUAL (passed) | DONE
    ACTUAL     actual(walk, answer)     Response|None  REDIRECT (3xx, Location, CORS ok) | DONE
    REDIRECT   redirect(walk)           -              PREFLIGHT | ACTUAL (next hop) | DONE
    DONE       -                        -              - (``verdict`` is set)

- ``start(request)`` (§4.1 "main fetch"): fetch()'s own checks (method, header names and
  values, URL), the headers it drops, then the first hop: same-origin or CORS, and whether a
  preflight goes first. Returns a walk in PREFLIGHT or ACTUAL with ``pending`` set to the
  request to send, or DONE when fetch() throws.
- ``preflight(walk, answer)`` (§4.8 "CORS-preflight fetch"): judges the OPTIONS response;
  ACTUAL when it passes, else DONE (blocked; incomplete when ``answer`` is None).
- ``actual(walk, answer)`` (§4.1 "main fetch" and §4.10 "CORS check"): a redirect that passes
  the CORS check goes to REDIRECT; any other response ends in DONE (allowed, opaque for
  no-cors, blocked by the CORS check, or incomplete when ``answer`` is None).
- ``redirect(walk)`` (§4.5 "HTTP-redirect fetch"): follows the stored redirect to the next
  hop, which is planned as ``start`` plans the first (main fetch runs again per hop), or ends
  in DONE on a network error.

In PREFLIGHT and ACTUAL the walk waits for the response to ``pending``; REDIRECT needs no
input; DONE holds the :class:`Verdict`. :data:`TRANSITIONS` names the step of each waiting
phase, so :func:`simulate` is a short loop: yield ``pending``, feed the answer to that step.
A step given a walk in another phase raises ValueError (a caller's bug, not a verdict).

Section numbers are those of the Fetch standard (https://fetch.spec.whatwg.org/) as of
whatwg/fetch commit 586cd2a (July 2026); the quoted section titles are the stable reference.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from corsguard.browser.classify import (
    CHROMIUM_CLIENT_HINTS,
    CHROMIUM_EXTRA_SAFELISTED,
    preflight_need,
    prepare,
)
from corsguard.browser.cors import cors_check, readable_headers
from corsguard.browser.cors_preflight import (
    preflight_cache_seconds,
    preflight_checks,
    preflight_outgoing,
)
from corsguard.browser.data import (
    Answer,
    Check,
    Credentials,
    Fix,
    Headers,
    Outgoing,
    PreflightInfo,
    PreflightNeed,
    Request,
    RequestError,
    Response,
    Verdict,
)
from corsguard.browser.http_redirect import (
    is_redirect,
    redirected_headers,
    redirected_method,
    resolve_location,
    taints_origin,
)
from corsguard.browser.urls import origin_of, serialize_url_origin, split_url
from corsguard.spec import FORBIDDEN_RESPONSE_HEADERS

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
NOTE_TAINTED = (
    "After a redirect that crosses origins away from a URL of another origin, "
    "the browser sends Origin: null; only `null` or `*` then passes."
)

NOT_NEEDED = PreflightInfo(False, (), "not-needed")


class Phase(enum.Enum):
    """What a walk waits for."""

    PREFLIGHT = "preflight"  # the response to the preflight in ``pending``
    ACTUAL = "actual"  # the response to the actual request in ``pending``
    REDIRECT = "redirect"  # nothing: ``redirect()`` follows ``response`` to the next hop
    DONE = "done"  # nothing: ``verdict`` is the answer


class Walk(NamedTuple):
    """The state of one fetch() between two steps.

    The fields in the first group hold for the whole fetch; the second describe the current
    hop (``hop`` counts redirects followed); the third are what the walk has produced so far.
    A NamedTuple rather than a frozen dataclass: each step makes a new walk, and ``_replace``
    costs a quarter of ``dataclasses.replace`` (simulate stays as fast as before the split).
    """

    phase: Phase
    request: Request
    dropped: tuple[str, ...]  # header names fetch() dropped (forbidden, or no-cors guard)
    cross: bool  # the first URL is not of the page's origin
    # The current hop.
    hop: int
    url: str
    url_origin: str  # serialize_url_origin(url)
    method: str
    headers: Headers  # the script's headers as sent on this hop (before Accept and Origin)
    same_origin: bool  # same-origin hop, before any CORS hop: no CORS, cookies by default
    cors: bool  # Fetch's response tainting is "cors" (stays so once set)
    tainted: bool  # Fetch's "redirect-taint" is not same-origin: Origin is null from now on
    need: PreflightNeed | None  # PREFLIGHT: why the preflight in ``pending`` is sent
    pending: Outgoing | None  # PREFLIGHT, ACTUAL: the request waiting for its response
    response: Response | None  # REDIRECT: the redirect to follow
    # What the walk has produced.
    redirects: tuple[str, ...]
    checks: tuple[Check, ...]
    notes: tuple[str, ...]  # may repeat; the verdict keeps the first of each
    sent: tuple[Outgoing, ...]
    preflight_info: PreflightInfo  # the first hop's preflight
    verdict: Verdict | None  # DONE

    @property
    def origin(self) -> str:
        """The request's serialized origin as sent in Origin: null once tainted."""
        return "null" if self.tainted else self.request.origin


# --- Ending the walk ------------------------------------------------------------------


def _done(
    walk: Walk,
    checks: tuple[Check, ...],
    notes: tuple[str, ...],
    *,
    allowed: bool,
    resolves: bool,
    complete: bool,
    fixes: Sequence[Fix] = (),
    readable: tuple[str, ...] = (),
    origin: str | None = None,
    preflight_info: PreflightInfo | None = None,
) -> Walk:
    """The walk in DONE, its verdict describing where it stands (URL, method, hops so far)."""
    info = walk.preflight_info if preflight_info is None else preflight_info
    verdict = Verdict(
        allowed=allowed,
        resolves=resolves,
        complete=complete,
        checks=checks,
        fixes=tuple(fixes),
        preflight=info,
        readable_headers=readable,
        dropped_headers=walk.dropped,
        notes=tuple(dict.fromkeys(notes)),
        cross_origin=walk.cross,
        effective_origin=walk.origin if origin is None else origin,
        final_url=walk.url,
        final_method=walk.method,
        redirects=walk.redirects,
        sent=walk.sent,
    )
    return walk._replace(
        phase=Phase.DONE,
        checks=checks,
        notes=notes,
        preflight_info=info,
        need=None,
        pending=None,
        response=None,
        verdict=verdict,
    )


def _blocked(
    walk: Walk,
    checks: tuple[Check, ...],
    notes: tuple[str, ...],
    *,
    complete: bool,
    fixes: Sequence[Fix] = (),
    preflight_info: PreflightInfo | None = None,
) -> Walk:
    """Blocked where the walk stands (fetch() rejects); incomplete when an answer is missing."""
    return _done(
        walk,
        checks,
        notes,
        allowed=False,
        resolves=False,
        complete=complete,
        fixes=fixes,
        preflight_info=preflight_info,
    )


def _invalid(request: Request, error: Exception) -> Walk:
    """fetch() throws before sending anything."""
    check = Check(
        "request",
        "valid",
        False,
        (("request", request.method + " " + request.url),),
        str(error),
    )
    walk = Walk(
        phase=Phase.DONE,
        request=request,
        dropped=(),
        cross=True,
        hop=0,
        url=request.url,
        url_origin=serialize_url_origin(request.url),
        method=request.method,
        headers=(),
        same_origin=False,
        cors=False,
        tainted=False,
        need=None,
        pending=None,
        response=None,
        redirects=(),
        checks=(),
        notes=(),
        sent=(),
        preflight_info=NOT_NEEDED,
        verdict=None,
    )
    fix = Fix("request", f"fix the request: {error}")
    return _blocked(walk, (check,), (), complete=True, fixes=[fix])


# --- Planning a hop (main fetch, run again for each redirect) ---------------------------


class _Fetch(NamedTuple):
    """What a new hop inherits: the fields of a Walk that no hop resets."""

    request: Request
    dropped: tuple[str, ...]
    cross: bool
    cors: bool  # response tainting "cors" so far
    sent: tuple[Outgoing, ...]
    preflight_info: PreflightInfo


def _actual_outgoing(
    request: Request,
    hop: int,
    url: str,
    method: str,
    headers: Headers,
    cors: bool,
    same_origin: bool,
    origin: str,
) -> Outgoing:
    """The actual request of a hop, as the browser sends it (``origin``: the walk's origin)."""
    out_headers: list[tuple[str, str]] = list(headers)
    if not any(n.lower() == "accept" for n, _ in out_headers):
        out_headers.insert(0, ("Accept", "*/*"))
    # Fetch, "append a request Origin header": CORS requests, and non-GET/HEAD ones.
    if cors or method not in ("GET", "HEAD"):
        out_headers.append(("Origin", origin if cors else request.origin))
    # Fetch, "HTTP-network-or-cache fetch": credentials mode "include", or "same-origin"
    # while the request has not left the page's origin.
    credentials = request.credentials
    sends_credentials = credentials == "include" or (credentials == "same-origin" and same_origin)
    return Outgoing("actual", method, url, tuple(out_headers), hop, sends_credentials)


def _plan_hop(
    fetch: _Fetch,
    *,
    hop: int,
    url: str,
    url_origin: str,
    method: str,
    headers: Headers,
    tainted: bool,
    redirects: tuple[str, ...],
    checks: tuple[Check, ...],
    notes: tuple[str, ...],
) -> Walk:
    """Fetch §4.1 "main fetch" for the hop to ``url``: CORS or not, preflight or not.

    Returns the walk at that hop, in PREFLIGHT or ACTUAL with the request to send in
    ``pending``. ``fetch`` carries what the hop inherits from the walk so far.
    """
    request = fetch.request
    page_origin = request.origin
    origin = "null" if tainted else page_origin
    cors = fetch.cors
    same = url_origin == page_origin and not cors
    new: list[Check] = []
    if request.mode == "no-cors" and not same:
        new.append(
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
        cors = True  # main fetch: response tainting "cors" for a cross-origin cors request
    if hop == 0:
        looked = (("page origin", page_origin), ("target origin", url_origin))
        if same:
            new.append(
                Check("request", "cross-origin", True, looked, "same-origin: CORS does not apply")
            )
        elif request.mode == "cors":
            new.append(
                Check(
                    "request",
                    "cross-origin",
                    True,
                    looked,
                    "cross-origin: the browser applies the CORS checks below",
                )
            )
    need: PreflightNeed | None = None
    if cors:
        need = preflight_need(method, headers)
        if hop == 0 or need.needed:
            new.append(
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
    if need is not None and need.needed:
        phase = Phase.PREFLIGHT
        outgoing = preflight_outgoing(origin, url, need, hop)
    else:
        phase = Phase.ACTUAL
        need = None
        outgoing = _actual_outgoing(request, hop, url, method, headers, cors, same, origin)
    return Walk(
        phase=phase,
        request=request,
        dropped=fetch.dropped,
        cross=fetch.cross,
        hop=hop,
        url=url,
        url_origin=url_origin,
        method=method,
        headers=headers,
        same_origin=same,
        cors=cors,
        tainted=tainted,
        need=need,
        pending=outgoing,
        response=None,
        redirects=redirects,
        checks=checks + tuple(new),
        notes=notes,
        sent=(*fetch.sent, outgoing),
        preflight_info=fetch.preflight_info,
        verdict=None,
    )


# --- The four steps ------------------------------------------------------------------


def _expect(walk: Walk, phase: Phase, step: str) -> None:
    if walk.phase is not phase:
        raise ValueError(f"{step}() takes a walk in phase {phase.name}, not {walk.phase.name}")


def start(request: Request) -> Walk:
    """Fetch §4.1 "main fetch", first hop: fetch()'s checks, then the first request to send."""
    try:
        prepared = prepare(request)
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ("http", "https"):
            raise RequestError(f"fetch() supports only http(s) URLs here, not {scheme or '?'}:")
        # Raises ValueError when the URL does not parse; its parts give the origin.
        _, host, port, _ = split_url(request.url)
    except (RequestError, ValueError) as exc:
        return _invalid(request, exc)
    method = prepared.method
    headers = prepared.headers
    dropped = prepared.dropped
    checks: list[Check] = []
    notes: list[str] = []
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
    url_origin = origin_of(scheme, host, port)  # serialize_url_origin(request.url)
    return _plan_hop(
        _Fetch(request, dropped, url_origin != request.origin, False, (), NOT_NEEDED),
        hop=0,
        url=request.url,
        url_origin=url_origin,
        method=method,
        headers=headers,
        tainted=False,
        redirects=(),
        checks=tuple(checks),
        notes=tuple(notes),
    )


def preflight(walk: Walk, answer: Answer) -> Walk:
    """Fetch §4.8 "CORS-preflight fetch": judge the preflight's response.

    ACTUAL (the actual request in ``pending``) when it passes; DONE when it fails, or,
    incomplete, when ``answer`` is None (the preflight was not sent).
    """
    _expect(walk, Phase.PREFLIGHT, "preflight")
    outgoing = walk.pending
    need = walk.need
    assert outgoing is not None and need is not None  # set whenever phase is PREFLIGHT
    first = walk.hop == 0
    if answer is None:
        info = PreflightInfo(True, need.reasons, "not-sent", None, None, outgoing)
        return _blocked(
            walk,
            walk.checks,
            walk.notes,
            complete=False,
            preflight_info=info if first else None,
        )
    script_sets_authorization = any(n.lower() == "authorization" for n, _ in walk.headers)
    unsafe = list(need.unsafe_headers)
    if script_sets_authorization and "authorization" not in unsafe:
        unsafe.append("authorization")
    pchecks, pfixes = preflight_checks(
        answer, walk.origin, walk.request.credentials, need, unsafe, walk.hop
    )
    checks = walk.checks + tuple(pchecks)
    ok = all(c.passed for c in pchecks)
    cache = preflight_cache_seconds(answer) if ok else None
    info = PreflightInfo(
        True, need.reasons, "passed" if ok else "failed", answer.status, cache, outgoing
    )
    notes = walk.notes
    if cache is not None:
        notes += (NOTE_MAX_AGE.format(chromium=cache),)
    if script_sets_authorization and "*" in (answer.get("access-control-allow-headers") or ""):
        notes += (NOTE_AUTHORIZATION,)
    if not ok:
        return _blocked(
            walk, checks, notes, complete=True, fixes=pfixes, preflight_info=info if first else None
        )
    outgoing = _actual_outgoing(
        walk.request,
        walk.hop,
        walk.url,
        walk.method,
        walk.headers,
        walk.cors,
        walk.same_origin,
        walk.origin,
    )
    return walk._replace(
        phase=Phase.ACTUAL,
        need=None,
        pending=outgoing,
        checks=checks,
        notes=notes,
        sent=(*walk.sent, outgoing),
        preflight_info=info if first else walk.preflight_info,
    )


def actual(walk: Walk, answer: Answer) -> Walk:
    """The actual request's response: Fetch §4.10 "CORS check", then final or redirect.

    REDIRECT when the response redirects and passes; DONE otherwise: allowed, opaque
    (no-cors), blocked, or incomplete when ``answer`` is None.
    """
    _expect(walk, Phase.ACTUAL, "actual")
    if answer is None:
        return _blocked(walk, walk.checks, walk.notes, complete=False)
    request = walk.request
    hop = walk.hop
    checks = walk.checks
    redirecting = is_redirect(answer)
    if walk.cors:
        step: Literal["response", "redirect"] = "redirect" if redirecting else "response"
        rchecks, rfixes = cors_check(step, answer, walk.origin, request.credentials, hop)
        checks += tuple(rchecks)
        if not all(c.passed for c in rchecks):
            return _blocked(walk, checks, walk.notes, complete=True, fixes=rfixes)
    if redirecting:
        return walk._replace(phase=Phase.REDIRECT, checks=checks, pending=None, response=answer)
    if request.mode == "no-cors" and not walk.same_origin and not walk.cors:
        # Fetch, "opaque filtered response": fetch() resolves, the script reads nothing.
        opaque = Check(
            "response",
            "opaque",
            False,
            (("mode", "no-cors"),),
            "fetch() resolves, but with an opaque response: status 0, no headers, no body",
            hop,
        )
        return _done(
            walk,
            (*checks, opaque),
            walk.notes,
            allowed=False,
            resolves=True,
            complete=True,
            fixes=[Fix("request", "use mode: 'cors' and let the server send CORS headers")],
            origin=request.origin,
        )
    credentials: Credentials = request.credentials
    notes = walk.notes
    if walk.cors:
        readable = readable_headers(answer, credentials)
        checks += (
            Check(
                "response",
                "readable-headers",
                True,
                (("Access-Control-Expose-Headers", answer.get("access-control-expose-headers")),),
                "the script can read: " + (", ".join(readable) or "no headers"),
                hop,
            ),
        )
    else:
        readable = tuple(
            sorted({n.lower() for n, _ in answer.headers} - FORBIDDEN_RESPONSE_HEADERS)
        )
    if credentials == "include" and walk.cross:
        notes += (NOTE_NO_COOKIES,)
    return _done(walk, checks, notes, allowed=True, resolves=True, complete=True, readable=readable)


def redirect(walk: Walk) -> Walk:
    """Fetch §4.5 "HTTP-redirect fetch": follow the redirect to the next hop, or fail.

    The next hop is planned as main fetch plans it (PREFLIGHT or ACTUAL); DONE when
    following is a network error.
    """
    _expect(walk, Phase.REDIRECT, "redirect")
    answer = walk.response
    assert answer is not None  # set whenever phase is REDIRECT
    status = answer.status
    location = answer.redirect_location or ""
    new_url, problem = resolve_location(walk.url, location, walk.cors, len(walk.redirects))
    looked = (("status", str(status)), ("Location", location))
    if problem is not None:
        fix = Fix(
            "header",
            "send a valid http(s) Location without userinfo",
            "Location",
            new_url or None,
            "response",
        )
        failed = Check("redirect", "follow", False, looked, problem, walk.hop)
        return _blocked(walk, (*walk.checks, failed), walk.notes, complete=True, fixes=[fix])
    new_origin = serialize_url_origin(new_url)
    notes = walk.notes
    tainted = walk.tainted
    if taints_origin(walk.request.origin, walk.url_origin, new_origin):
        if not tainted and walk.cors:
            notes += (NOTE_TAINTED,)
        tainted = True
    method = walk.method
    new_method = redirected_method(status, method)
    headers = redirected_headers(walk.headers, new_method != method, new_origin != walk.url_origin)
    reason = f"{status} to {new_url}"
    if new_method != method:
        reason += f"; {method} becomes GET"
    if tainted:
        reason += "; the request's origin is now null"
    followed = Check("redirect", "follow", True, looked, reason, walk.hop)
    return _plan_hop(
        _Fetch(walk.request, walk.dropped, walk.cross, walk.cors, walk.sent, walk.preflight_info),
        hop=walk.hop + 1,
        url=new_url,
        url_origin=new_origin,
        method=new_method,
        headers=headers,
        tainted=tainted,
        redirects=(*walk.redirects, new_url),
        checks=(*walk.checks, followed),
        notes=notes,
    )


# The step that takes the answer to ``pending`` in each phase that waits for one.
TRANSITIONS: Mapping[Phase, Callable[[Walk, Answer], Walk]] = {
    Phase.PREFLIGHT: preflight,
    Phase.ACTUAL: actual,
}


# --- Drivers --------------------------------------------------------------------------


def simulate(request: Request) -> Generator[Outgoing, Answer, Verdict]:
    """Yield each request the browser sends; send() back its Response (or None: not sent)."""
    walk = start(request)
    while walk.verdict is None:
        if walk.phase is Phase.REDIRECT:
            walk = redirect(walk)
            continue
        assert walk.pending is not None
        answer = yield walk.pending
        walk = TRANSITIONS[walk.phase](walk, answer)
    return walk.verdict


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
    """Could a fetch() from ``page_origin`` read ``response``? See the package docstring."""
    request = Request.make(page_origin, url, method, headers, credentials)
    return evaluate(request, preflight_response, response)


def with_credentials(request: Request, credentials: Credentials) -> Request:
    return replace(request, credentials=credentials)
