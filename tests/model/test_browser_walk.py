"""The browser model's walk as a state machine: each step function in isolation.

One table per step (start, preflight, actual, redirect). Each row gives the walk the step
starts from (built with the earlier steps), the input, and the state it must end in: the
phase, the hop's fields (URL, method, headers, CORS, tainted origin), the request waiting
in ``pending`` and the checks added. tests/model/test_browser.py pins the verdicts end to end;
this file pins the transitions between them.
"""

from __future__ import annotations

from typing import Any

import pytest

from corsguard.browser import (
    TRANSITIONS,
    Outgoing,
    Phase,
    Request,
    Response,
    Walk,
    actual,
    preflight,
    redirect,
    run,
    start,
)
from corsguard.browser.http_redirect import redirected_method, resolve_location
from tests.helpers.browser_cases import World, build_cases

PAGE = "https://app.example.com"
API = "https://api.other.test/data"
OTHER = "https://other.test/next"
SAME = "https://app.example.com/data"

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ANY = ((ACAO, "*"),)


def req(url: str = API, method: str = "GET", *headers: tuple[str, str], **kw: Any) -> Request:
    return Request.make(PAGE, url, method, headers, **kw)


def R(status: int = 200, *headers: tuple[str, str], location: str | None = None) -> Response:
    return Response(status, tuple(headers), location)


def new_check_ids(before: Walk | None, after: Walk) -> list[str]:
    """The ids of the checks a step added (for DONE, those of the verdict)."""
    checks = after.verdict.checks if after.verdict is not None else after.checks
    return [c.id for c in checks[len(before.checks) if before else 0 :]]


def pending(walk: Walk) -> tuple[str, str, str, dict[str, str], bool]:
    """(kind, method, url, lowercase headers, credentials) of the request waiting."""
    out = walk.pending
    assert out is not None
    return out.kind, out.method, out.url, {n.lower(): v for n, v in out.headers}, out.credentials


def assert_waiting_is_last_sent(walk: Walk) -> None:
    # A waiting walk has sent its pending request, and it is the last one sent.
    assert walk.pending is not None
    assert walk.sent[-1] is walk.pending


# --- start: fetch()'s checks and the first hop (Fetch §4.1 main fetch) -----------------

# (label, request, phase, cors, same_origin, kind and method pending (or DONE's failed
#  check id), request headers expected on pending, credentials sent, checks added)
START: list[tuple[str, Request, Phase, bool, bool, str, dict[str, str | None], bool, list[str]]]
START = [
    ("same-origin GET", req(SAME), Phase.ACTUAL, False, True, "actual GET",
     {"accept": "*/*", "origin": None}, True, ["request.cross-origin"]),
    ("same-origin POST sends Origin", req(SAME, "POST"), Phase.ACTUAL, False, True, "actual POST",
     {"origin": PAGE}, True, ["request.cross-origin"]),
    ("cross-origin simple GET", req(credentials="omit"), Phase.ACTUAL, True, False, "actual GET",
     {"origin": PAGE}, False, ["request.cross-origin", "preflight.needed"]),
    ("same-origin credentials stay home", req(), Phase.ACTUAL, True, False, "actual GET",
     {"origin": PAGE}, False, ["request.cross-origin", "preflight.needed"]),
    ("include sends cookies cross-origin", req(credentials=True), Phase.ACTUAL, True, False,
     "actual GET", {"origin": PAGE}, True, ["request.cross-origin", "preflight.needed"]),
    ("PUT is preflighted", req(API, "put"), Phase.PREFLIGHT, True, False, "preflight OPTIONS",
     {"access-control-request-method": "PUT", "access-control-request-headers": None,
      "origin": PAGE}, False, ["request.cross-origin", "preflight.needed"]),
    ("unsafe header is preflighted", req(API, "GET", ("X-Token", "1"), ("Content-Type", "a/b")),
     Phase.PREFLIGHT, True, False, "preflight OPTIONS",
     {"access-control-request-headers": "content-type,x-token"}, False,
     ["request.cross-origin", "preflight.needed"]),
    ("no-cors: no CORS, no preflight", req(API, "POST", ("X-Token", "1"), mode="no-cors"),
     Phase.ACTUAL, False, False, "actual POST", {"x-token": None, "origin": PAGE}, False,
     ["request.dropped-headers", "request.mode"]),
    ("forbidden header dropped", req(API, "GET", ("Cookie", "a=b")), Phase.ACTUAL, True, False,
     "actual GET", {"cookie": None}, False,
     ["request.dropped-headers", "request.cross-origin", "preflight.needed"]),
    ("forbidden method throws", req(API, "TRACE"), Phase.DONE, False, False, "request.valid",
     {}, False, ["request.valid"]),
    ("non-http URL throws", req("ftp://api.other.test/"), Phase.DONE, False, False,
     "request.valid", {}, False, ["request.valid"]),
    ("bad header name throws", req(API, "GET", ("X Y", "1")), Phase.DONE, False, False,
     "request.valid", {}, False, ["request.valid"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "phase", "cors", "same", "what", "headers", "cookies", "checks"),
    [row[1:] for row in START],
    ids=[row[0] for row in START],
)
def test_start(
    request_: Request,
    phase: Phase,
    cors: bool,
    same: bool,
    what: str,
    headers: dict[str, str | None],
    cookies: bool,
    checks: list[str],
) -> None:
    walk = start(request_)
    assert walk.phase is phase
    assert (walk.hop, walk.url, walk.redirects, walk.tainted) == (0, request_.url, (), False)
    assert new_check_ids(None, walk) == checks
    if phase is Phase.DONE:
        # fetch() throws: nothing is sent, the verdict names the failed check.
        assert walk.verdict is not None and walk.pending is None and walk.sent == ()
        assert walk.verdict.failed is not None and walk.verdict.failed.id == what
        assert not walk.verdict.resolves
        return
    assert walk.verdict is None
    assert (walk.cors, walk.same_origin) == (cors, same)
    assert_waiting_is_last_sent(walk)
    assert len(walk.sent) == 1
    kind, method, url, sent_headers, credentials = pending(walk)
    assert f"{kind} {method}" == what
    assert url == request_.url
    for name, value in headers.items():
        assert sent_headers.get(name) == value, name
    assert credentials is cookies
    assert (walk.need is not None) is (phase is Phase.PREFLIGHT)


# --- preflight: judging the OPTIONS response (Fetch §4.8 CORS-preflight fetch) -----------

PUT_JSON = req(API, "PUT", ("Content-Type", "application/json"), credentials=True)
OK_PREFLIGHT = ((ACAO, PAGE), (ACAC, "true"), (ACAM, "PUT"), (ACAH, "content-type"))

# (label, request, preflight answer, phase, preflight outcome, cache seconds, checks added,
#  failed check id when DONE)
PREFLIGHT: list[tuple[str, Request, Response | None, Phase, str, int | None, list[str], str]]
PREFLIGHT = [
    ("passes", PUT_JSON, R(204, *OK_PREFLIGHT), Phase.ACTUAL, "passed", 5,
     ["preflight.allow-origin", "preflight.allow-credentials", "preflight.status",
      "preflight.allow-methods", "preflight.allow-headers"], ""),
    ("max-age is capped", PUT_JSON, R(204, *OK_PREFLIGHT, ("Access-Control-Max-Age", "86400")),
     Phase.ACTUAL, "passed", 7200, [], ""),
    ("no ACAO", PUT_JSON, R(204, *OK_PREFLIGHT[1:]), Phase.DONE, "failed", None, [],
     "preflight.allow-origin"),
    ("redirected preflight", PUT_JSON, R(302, *OK_PREFLIGHT, location=OTHER), Phase.DONE,
     "failed", None, [], "preflight.status"),
    ("method not listed", PUT_JSON, R(204, *OK_PREFLIGHT[:2], (ACAH, "content-type")),
     Phase.DONE, "failed", None, [], "preflight.allow-methods"),
    ("header not listed", PUT_JSON, R(204, *OK_PREFLIGHT[:3]), Phase.DONE, "failed", None, [],
     "preflight.allow-headers"),
    ("`*` with credentials", PUT_JSON, R(204, (ACAO, "*"), *OK_PREFLIGHT[1:]), Phase.DONE,
     "failed", None, [], "preflight.allow-origin"),
    ("`*` without credentials", req(API, "DELETE"), R(204, (ACAO, "*"), (ACAM, "*")),
     Phase.ACTUAL, "passed", 5, [], ""),
    ("not sent", PUT_JSON, None, Phase.DONE, "not-sent", None, [], ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "answer", "phase", "outcome", "cache", "checks", "failed"),
    [row[1:] for row in PREFLIGHT],
    ids=[row[0] for row in PREFLIGHT],
)
def test_preflight(
    request_: Request,
    answer: Response | None,
    phase: Phase,
    outcome: str,
    cache: int | None,
    checks: list[str],
    failed: str,
) -> None:
    before = start(request_)
    assert before.phase is Phase.PREFLIGHT
    walk = preflight(before, answer)
    assert walk.phase is phase
    assert walk.preflight_info.outcome == outcome
    assert walk.preflight_info.cache_seconds == cache
    assert walk.preflight_info.request is before.pending
    if checks:
        assert new_check_ids(before, walk) == checks
    # The hop does not move: same URL, method, hop, origin.
    assert (walk.hop, walk.url, walk.method, walk.tainted) == (0, API, before.method, False)
    if phase is Phase.ACTUAL:
        assert walk.verdict is None and walk.need is None
        assert_waiting_is_last_sent(walk)
        assert walk.sent[:-1] == before.sent
        kind, method, _, headers, credentials = pending(walk)
        assert (kind, method) == ("actual", before.method)
        assert headers["origin"] == PAGE
        assert credentials is (request_.credentials == "include")
        return
    verdict = walk.verdict
    assert verdict is not None and walk.pending is None
    assert verdict.sent == before.sent  # no actual request after a failed preflight
    assert not verdict.allowed and not verdict.resolves
    assert verdict.complete is (answer is not None)
    assert verdict.preflight == walk.preflight_info
    if failed:
        assert verdict.failed is not None and verdict.failed.id == failed
    else:
        assert verdict.failed is None


# --- actual: the actual response (CORS check, then final or redirect) -------------------

# (label, request, answer, phase, outcome when DONE, failed check id, readable headers)
ACTUAL: list[tuple[str, Request, Response | None, Phase, str, str, tuple[str, ...]]]
ACTUAL = [
    ("allowed", req(), R(200, *ANY, ("Content-Type", "text/plain"), ("X-Id", "1")), Phase.DONE,
     "allowed", "", ("content-type",)),
    ("no ACAO", req(), R(200), Phase.DONE, "blocked", "response.allow-origin", ()),
    ("credentials need ACAC", req(credentials=True), R(200, (ACAO, PAGE)), Phase.DONE,
     "blocked", "response.allow-credentials", ()),
    ("not answered", req(), None, Phase.DONE, "incomplete", "", ()),
    ("redirect passes the CORS check", req(), R(302, *ANY, location=OTHER), Phase.REDIRECT,
     "", "", ()),
    ("redirect fails the CORS check", req(), R(302, location=OTHER), Phase.DONE, "blocked",
     "redirect.allow-origin", ()),
    ("3xx without Location is final", req(), R(302, *ANY), Phase.DONE, "allowed", "", ()),
    ("same-origin reads every header", req(SAME), R(200, ("X-Id", "1"), ("Set-Cookie", "a")),
     Phase.DONE, "allowed", "", ("x-id",)),
    ("same-origin redirect needs no CORS", req(SAME), R(307, location=OTHER), Phase.REDIRECT,
     "", "", ()),
    ("no-cors is opaque", req(mode="no-cors"), R(200, *ANY), Phase.DONE, "opaque",
     "response.opaque", ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_", "answer", "phase", "outcome", "failed", "readable"),
    [row[1:] for row in ACTUAL],
    ids=[row[0] for row in ACTUAL],
)
def test_actual(
    request_: Request,
    answer: Response | None,
    phase: Phase,
    outcome: str,
    failed: str,
    readable: tuple[str, ...],
) -> None:
    before = start(request_)
    assert before.phase is Phase.ACTUAL
    walk = actual(before, answer)
    assert walk.phase is phase
    assert (walk.hop, walk.url, walk.method, walk.redirects) == (0, request_.url, "GET", ())
    assert walk.sent == before.sent  # the step sends nothing itself
    if phase is Phase.REDIRECT:
        # Waiting for nothing: the redirect to follow is stored, nothing pending.
        assert walk.response is answer and walk.pending is None and walk.verdict is None
        added = new_check_ids(before, walk)
        assert added == (["redirect.allow-origin"] if walk.cors else [])
        return
    verdict = walk.verdict
    assert verdict is not None
    assert verdict.outcome == outcome
    if failed:
        assert verdict.failed is not None and verdict.failed.id == failed
    else:
        assert verdict.failed is None
    assert verdict.readable_headers == readable
    assert verdict.complete is (answer is not None)
    assert verdict.final_url == request_.url


# --- redirect: following a redirect to the next hop (Fetch §4.4 HTTP-redirect fetch) -----


def at_redirect(request_: Request, status: int, location: str, *headers: tuple[str, str]) -> Walk:
    walk = start(request_)
    if walk.phase is Phase.PREFLIGHT:
        walk = preflight(walk, R(204, *ANY, (ACAM, "*"), (ACAH, "*")))
    walk = actual(walk, R(status, *ANY, *headers, location=location))
    assert walk.phase is Phase.REDIRECT
    return walk


AUTH = ("Authorization", "Bearer t")
JSON = ("Content-Type", "application/json")

# (label, walk in REDIRECT, phase, next URL, next method, tainted, cors, script headers kept,
#  Origin sent on the next request (None: no Origin header), failed check id when DONE)
REDIRECT: list[tuple[str, Walk, Phase, str, str, bool, bool, list[str], str | None, str]]
REDIRECT = [
    ("cross to another origin taints", at_redirect(req(), 302, OTHER), Phase.ACTUAL, OTHER,
     "GET", True, True, [], "null", ""),
    ("relative Location", at_redirect(req(), 301, "/v2?q=1"), Phase.ACTUAL,
     "https://api.other.test/v2?q=1", "GET", False, True, [], PAGE, ""),
    ("POST 302 becomes GET", at_redirect(req(API, "POST", ("Content-Type", "text/plain")), 302,
     "/v2"), Phase.ACTUAL, "https://api.other.test/v2", "GET", False, True, [], PAGE, ""),
    ("PUT 307 keeps method and body headers", at_redirect(req(API, "PUT", JSON), 307, "/v2"),
     Phase.PREFLIGHT, "https://api.other.test/v2", "PUT", False, True, ["Content-Type"], PAGE,
     ""),
    ("PUT 303 becomes GET, body headers go", at_redirect(req(API, "PUT", JSON), 303, "/v2"),
     Phase.ACTUAL, "https://api.other.test/v2", "GET", False, True, [], PAGE, ""),
    ("same-origin to cross: now CORS, Authorization dropped",
     at_redirect(req(SAME, "GET", AUTH), 302, API), Phase.ACTUAL, API, "GET", False, True, [],
     PAGE, ""),
    ("same-origin hop keeps Authorization", at_redirect(req(SAME, "GET", AUTH), 302, "/x"),
     Phase.ACTUAL, "https://app.example.com/x", "GET", False, False, ["Authorization"], None,
     ""),
    ("back to the page's origin: tainted, still CORS", at_redirect(req(), 302, SAME),
     Phase.ACTUAL, SAME, "GET", True, True, [], "null", ""),
    ("non-http Location", at_redirect(req(), 302, "javascript:alert(1)"), Phase.DONE, API,
     "GET", False, True, [], None, "redirect.follow"),
    ("userinfo on a CORS request", at_redirect(req(), 302, "https://u:p@other.test/"),
     Phase.DONE, API, "GET", False, True, [], None, "redirect.follow"),
    ("more than 20 redirects", at_redirect(req(), 302, OTHER)._replace(redirects=(OTHER,) * 20),
     Phase.DONE, API, "GET", False, True, [], None, "redirect.follow"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "phase", "url", "method", "tainted", "cors", "kept", "origin", "failed"),
    [row[1:] for row in REDIRECT],
    ids=[row[0] for row in REDIRECT],
)
def test_redirect(
    before: Walk,
    phase: Phase,
    url: str,
    method: str,
    tainted: bool,
    cors: bool,
    kept: list[str],
    origin: str | None,
    failed: str,
) -> None:
    walk = redirect(before)
    assert walk.phase is phase
    if phase is Phase.DONE:
        # A network error: the walk stays on the hop it could not leave.
        verdict = walk.verdict
        assert verdict is not None and verdict.failed is not None
        assert verdict.failed.id == failed and verdict.failed.hop == before.hop
        assert (verdict.final_url, verdict.final_method) == (url, method)
        assert verdict.redirects == before.redirects and verdict.sent == before.sent
        assert not verdict.resolves and verdict.complete
        return
    assert walk.verdict is None and walk.response is None
    assert walk.hop == before.hop + 1
    assert (walk.url, walk.method, walk.tainted, walk.cors) == (url, method, tainted, cors)
    assert walk.redirects == (*before.redirects, url)
    assert [n for n, _ in walk.headers] == kept
    follow = walk.checks[len(before.checks)]
    assert (follow.id, follow.passed, follow.hop) == ("redirect.follow", True, before.hop)
    assert_waiting_is_last_sent(walk)
    assert walk.sent[:-1] == before.sent
    # Mode "cors": a hop is same-origin (cookies go, credentials mode "same-origin" in every
    # row) or CORS, never both; once CORS, a hop back to the page's origin stays CORS.
    assert walk.same_origin is not walk.cors
    kind, sent_method, sent_url, headers, cookies = pending(walk)
    assert cookies is (walk.same_origin and kind == "actual")
    assert kind == ("preflight" if phase is Phase.PREFLIGHT else "actual")
    assert sent_url == url and walk.pending is not None and walk.pending.hop == walk.hop
    assert sent_method == ("OPTIONS" if phase is Phase.PREFLIGHT else method)
    assert headers.get("origin") == origin


# --- The table and the driver ------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "walk"),
    [
        (preflight, start(req())),
        (actual, start(req(API, "PUT"))),
        (redirect, start(req())),
        (actual, actual(start(req()), R(200, *ANY))),
    ],
    ids=["preflight on ACTUAL", "actual on PREFLIGHT", "redirect on ACTUAL", "actual on DONE"],
)
def test_a_step_refuses_a_walk_in_another_phase(step: Any, walk: Walk) -> None:
    with pytest.raises(ValueError, match="takes a walk in phase"):
        if step is redirect:
            step(walk)
        else:
            step(walk, R(200, *ANY))


def test_transitions_cover_every_waiting_phase() -> None:
    assert set(TRANSITIONS) == {Phase.PREFLIGHT, Phase.ACTUAL}
    assert TRANSITIONS[Phase.PREFLIGHT] is preflight and TRANSITIONS[Phase.ACTUAL] is actual


def step_by_hand(request_: Request, respond: Any) -> tuple[list[Outgoing], Walk]:
    """The walk driven with the step functions directly, phase by phase."""
    walk = start(request_)
    asked: list[Outgoing] = []
    while walk.phase is not Phase.DONE:
        if walk.phase is Phase.REDIRECT:
            walk = redirect(walk)
        elif walk.phase is Phase.PREFLIGHT:
            assert walk.pending is not None
            asked.append(walk.pending)
            walk = preflight(walk, respond(walk.pending))
        else:
            assert walk.pending is not None
            asked.append(walk.pending)
            walk = actual(walk, respond(walk.pending))
    return asked, walk


def test_simulate_is_the_steps_driven_in_order() -> None:
    # Every differential case (redirect chains, preflights per hop, tainted origins, no-cors)
    # gives the same requests and verdict stepped by hand as through run()/simulate().
    world = World(port=8080, run="walk")
    kinds: set[str] = set()
    redirected = 0
    for case in build_cases():
        responder = world.responder(case)
        asked_run: list[Outgoing] = []

        def respond(outgoing: Outgoing, log: list[Outgoing] = asked_run, r: Any = responder) -> Any:
            log.append(outgoing)
            return r(outgoing)

        verdict = run(world.request(case), respond)
        asked, walk = step_by_hand(world.request(case), responder)
        assert asked == asked_run == list(verdict.sent), case.label
        assert walk.verdict == verdict, case.label
        kinds.update(o.kind for o in asked)
        redirected += bool(verdict.redirects)
    assert kinds == {"preflight", "actual"} and redirected > 20


# --- The redirect rules the redirect step applies (corsguard.browser.http_redirect) ----


@pytest.mark.parametrize(
    ("status", "method", "after"),
    [(301, "POST", "GET"), (302, "POST", "GET"), (303, "POST", "GET"), (303, "PUT", "GET"),
     (303, "patch", "GET"), (303, "HEAD", "HEAD"), (301, "PUT", "PUT"), (302, "DELETE", "DELETE"),
     (307, "POST", "POST"), (308, "POST", "POST")],
)  # fmt: skip
def test_redirected_method(status: int, method: str, after: str) -> None:
    assert redirected_method(status, method) == after


@pytest.mark.parametrize(
    ("location", "cors", "followed", "url", "problem"),
    [
        ("/b", True, 0, "https://api.other.test/b", None),
        (" https://other.test/ \t", True, 0, "https://other.test/", None),
        ("https://u:p@other.test/", False, 0, "https://u:p@other.test/", None),
        ("https://u:p@other.test/", True, 0, "https://u:p@other.test/", "username or password"),
        ("data:text/plain,x", True, 0, "data:text/plain,x", "not an http(s) URL"),
        ("https://other.test:99999/", True, 0, "https://other.test:99999/", "not a valid URL"),
        ("/b", True, 19, "https://api.other.test/b", None),
        ("/b", True, 20, "https://api.other.test/b", "more than 20 redirects"),
    ],
)
def test_resolve_location(
    location: str, cors: bool, followed: int, url: str, problem: str | None
) -> None:
    got_url, got_problem = resolve_location(API, location, cors, followed)
    assert got_url == url
    if problem is None:
        assert got_problem is None
    else:
        assert got_problem is not None and problem in got_problem
