"""corsguard's server side against real Chromium: the middleware sends exactly what the policy says.

Ten policies are served by one uvicorn server, each under its own path prefix (/p{i}/...)
through `corsguard.asgi.CORSMiddleware` around a tiny JSON app that sets an `X-Id` header
and counts its calls per (path, method). Pages on three made-up origins (a trusted exact
origin, a subdomain matching a pattern, and an attacker's origin) fetch the API on a fourth
host name with every combination of policy, method, script-set header and credentials mode,
each case on its own URL so no preflight cache entry is reused.

For every case three views must agree:
- an oracle written here from the policy's documented semantics (README "The policy" and
  "What the middleware does"), without calling corsguard's engine;
- real Chromium: whether fetch() resolved and whether `X-Id` could be read;
- corsguard's browser model fed the preflight and actual responses the middleware sent.
The server's counters also show that refused preflights never reach the handler, and that
writes from origins a policy does not trust are refused before it (write protection).
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from corsguard import Policy, browser
from corsguard.asgi import CORSMiddleware
from tests.helpers.servers import free_port, serve_asgi

API = "api.example.test"
PAGES = {
    "trusted": "app.example.test",  # listed exactly by most policies
    "sub": "x.app.example.test",  # matches http://*.app.example.test:PORT
    "evil": "evil.attacker.test",  # listed by no policy, only matched by '*'
}
METHODS = ("GET", "POST", "PUT", "DELETE", "patch", "PATCH")
SCRIPT_HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "none": (),
    "json": (("Content-Type", "application/json"),),
    "token": (("X-Token", "t0ken"),),
    "auth": (("Authorization", "Bearer t0ken"),),
}
CREDENTIALS = ("omit", "include")
EXPOSED = "X-Id"


def policy_specs(port: int) -> list[dict[str, Any]]:
    """The policies' options, read both by `Policy(**spec)` and by the oracle below."""
    app = f"http://{PAGES['trusted']}:{port}"
    sub = f"http://{PAGES['sub']}:{port}"
    pattern = f"http://*.app.example.test:{port}"
    # Plain-http origins with credentials need the documented explicit exception.
    insecure = {"tolerate_insecure_origins": True}
    return [
        # 0: the defaults: GET only, no request headers, nothing exposed.
        {"allow_origins": [app]},
        # 1: exact + pattern, the usual write methods, one custom header.
        {
            "allow_origins": [app, pattern],
            "allow_methods": ["GET", "POST", "PUT", "DELETE", "PATCH"],
            "allow_headers": ["X-Token"],
            "expose_headers": [EXPOSED],
            "max_age": 0,
        },
        # 2: credentials; lowercase 'patch' and 'put'; Authorization listed, X-Token not.
        {
            "allow_origins": [app, pattern],
            "allow_methods": ["patch", "put"],
            "allow_headers": ["Authorization"],
            "allow_credentials": True,
            "expose_headers": [EXPOSED],
            **insecure,
        },
        # 3: public API: '*' everything, Authorization not listed.
        {
            "allow_origins": ["*"],
            "allow_methods": ["*"],
            "allow_headers": ["*"],
            "expose_headers": ["*"],
            "max_age": 0,
        },
        # 4: public API, '*' headers with Authorization named beside it.
        {
            "allow_origins": ["*"],
            "allow_methods": ["*"],
            "allow_headers": ["*", "Authorization"],
            "expose_headers": [EXPOSED],
        },
        # 5: credentials with '*' methods and headers (echoed), Authorization not listed.
        {
            "allow_origins": [app],
            "allow_methods": ["*"],
            "allow_headers": ["*"],
            "allow_credentials": True,
            "expose_headers": [EXPOSED],
            **insecure,
        },
        # 6: only the subdomain pattern, credentials, '*' headers plus Authorization.
        {
            "allow_origins": [pattern],
            "allow_methods": ["*"],
            "allow_headers": ["*", "Authorization"],
            "allow_credentials": True,
            **insecure,
        },
        # 7: two exact origins, lowercase header names, no credentials.
        {
            "allow_origins": [app, sub],
            "allow_methods": ["PUT", "DELETE"],
            "allow_headers": ["x-token", "authorization"],
            "expose_headers": ["x-id"],
            "max_age": 0,
        },
        # 8: public, but only GET and POST and no custom headers.
        {"allow_origins": ["*"], "allow_methods": ["GET", "POST"], "expose_headers": ["X-Other"]},
        # 9: credentials, uppercase PATCH, both custom headers, Content-Type named.
        {
            "allow_origins": [app],
            "allow_methods": ["PATCH", "POST", "DELETE"],
            "allow_headers": ["X-Token", "Authorization", "Content-Type"],
            "allow_credentials": True,
            "expose_headers": ["X-Other", EXPOSED],
            "max_age": 7200,
            **insecure,
        },
    ]


# --- The oracle: the documented semantics, independently of corsguard's engine ---------

# Fetch §CORS-safelisted method; fetch() uppercases only these six (§normalize a method).
SAFELISTED_METHODS = {"GET", "HEAD", "POST"}
NORMALIZED = {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}
# README: these request headers are always allowed (Content-Type even with a JSON value).
ALWAYS_ALLOWED = {"accept", "accept-language", "content-language", "content-type"}
# Fetch §CORS-safelisted request-header, for the values this module sends.
SAFELISTED_CONTENT_TYPES = {
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
}


def normalize(method: str) -> str:
    return method.upper() if method.upper() in NORMALIZED else method


def origin_allowed(spec: dict[str, Any], origin: str) -> bool:
    for entry in spec["allow_origins"]:
        if entry in ("*", origin):
            return True
        if "://*." in entry:  # any subdomain, never the apex (README)
            scheme, rest = entry.split("://*.", 1)
            suffix = "." + rest
            prefix = scheme + "://"
            if (
                origin.startswith(prefix)
                and origin.endswith(suffix)
                and len(origin) > len(prefix) + len(suffix)
            ):
                return True
    return False


def unsafe_header_names(headers: tuple[tuple[str, str], ...]) -> list[str]:
    names = []
    for name, value in headers:
        if name.lower() == "content-type" and value in SAFELISTED_CONTENT_TYPES:
            continue
        names.append(name.lower())
    return names


def needs_preflight(method: str, headers: tuple[tuple[str, str], ...]) -> bool:
    return normalize(method) not in SAFELISTED_METHODS or bool(unsafe_header_names(headers))


def method_allowed(spec: dict[str, Any], method: str) -> bool:
    sent = normalize(method)
    if sent in SAFELISTED_METHODS:
        return True
    for entry in spec.get("allow_methods", ["GET"]):
        # '*' covers every method; with credentials the middleware echoes the method.
        if entry == "*" or normalize(entry) == sent:
            return True
    return False


def header_allowed(spec: dict[str, Any], name: str) -> bool:
    listed = {h.lower() for h in spec.get("allow_headers", [])}
    if name in ALWAYS_ALLOWED or name in listed:
        return True
    # '*' never covers Authorization; with credentials the middleware echoes the names.
    return "*" in listed and name != "authorization"


@dataclass(frozen=True)
class Expected:
    allowed: bool  # fetch() resolves with a readable response
    exposed: bool  # X-Id readable by the script
    preflights: int  # OPTIONS requests the server sees
    handler_calls: int  # times the app's handler runs


def oracle(spec: dict[str, Any], origin: str, case: Case) -> Expected:
    credentials = case.credentials == "include"
    trusted = origin_allowed(spec, origin)
    preflight = needs_preflight(case.method, case.headers)
    granted = (
        trusted
        and method_allowed(spec, case.method)
        and all(header_allowed(spec, n) for n in unsafe_header_names(case.headers))
    )
    # Fetch §CORS check: with credentials the response needs the exact origin and
    # Access-Control-Allow-Credentials: true, which only a credentialed policy sends.
    cors_ok = trusted and (not credentials or spec.get("allow_credentials", False))
    allowed = cors_ok and (not preflight or granted)
    expose = {h.lower() for h in spec.get("expose_headers", [])}
    exposed = allowed and (EXPOSED.lower() in expose or ("*" in expose and not credentials))
    if preflight:
        # The actual request is sent only after a preflight that passes the browser's check.
        calls = int(granted and cors_ok)
    else:
        # Write protection: an unsafe method from an untrusted origin is refused before
        # the app; a GET reaches it and the browser withholds the response.
        calls = int(trusted or normalize(case.method) == "GET")
    return Expected(allowed, exposed, int(preflight), calls)


# --- Cases -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: int
    policy: int
    page: str  # a key of PAGES
    method: str
    header_set: str  # a key of SCRIPT_HEADERS
    credentials: str

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return SCRIPT_HEADERS[self.header_set]

    @property
    def label(self) -> str:
        return (
            f"p{self.policy} {self.page} {self.method} headers={self.header_set} "
            f"credentials={self.credentials}"
        )


def build_cases(policy_count: int) -> list[Case]:
    product = itertools.product(range(policy_count), PAGES, METHODS, SCRIPT_HEADERS, CREDENTIALS)
    return [Case(i, *combo) for i, combo in enumerate(product)]


# --- The server ----------------------------------------------------------------------------


@dataclass
class Seen:
    """What the server saw: handler calls, and the middleware's responses per case."""

    calls: Counter[tuple[str, str]]
    responses: dict[tuple[str, str], tuple[int, tuple[tuple[str, str], ...]]]
    lock: threading.Lock


PAGE_HTML = b"<!doctype html><title>corsguard engine differential</title>"


def build_app(specs: list[dict[str, Any]], seen: Seen) -> Any:
    async def handler(scope: Any, receive: Any, send: Any) -> None:
        with seen.lock:
            seen.calls[(scope["path"], scope["method"])] += 1
        body = json.dumps({"path": scope["path"], "method": scope["method"]}).encode()
        headers = [(b"content-type", b"application/json"), (b"x-id", b"42")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    guarded = [CORSMiddleware(handler, policy=Policy(**spec)) for spec in specs]

    async def dispatch(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        parts = path.split("/")
        if len(parts) != 4 or not parts[1][1:].isdigit():  # the pages (and no favicon)
            found = path == "/page"
            await send(
                {
                    "type": "http.response.start",
                    "status": 200 if found else 404,
                    "headers": [(b"content-type", b"text/html")],
                }
            )
            await send({"type": "http.response.body", "body": PAGE_HTML if found else b""})
            return
        index = int(parts[1][1:])  # /p{i}/{run}/{case}
        kind = "preflight" if scope["method"] == "OPTIONS" else "actual"

        async def record(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = tuple(
                    (n.decode("latin-1"), v.decode("latin-1")) for n, v in message["headers"]
                )
                with seen.lock:
                    seen.responses[(path, kind)] = (message["status"], headers)
            await send(message)

        await guarded[index](scope, receive, record)

    return dispatch


JS_RUN = """
async (cases) => {
  const out = {};
  const one = async (c) => {
    try {
      const r = await fetch(c.url, {method: c.method, headers: c.headers,
                                    credentials: c.credentials});
      await r.text();
      out[c.id] = {resolved: true, status: r.status, exposed: r.headers.get('X-Id') !== null};
    } catch (e) {
      out[c.id] = {resolved: false, error: String(e)};
    }
  };
  let next = 0;
  const worker = async () => { while (next < cases.length) { await one(cases[next++]); } };
  await Promise.all(Array.from({length: 6}, worker));
  return out;
}
"""


@dataclass
class Run:
    port: int
    token: str
    specs: list[dict[str, Any]]
    cases: list[Case]
    results: dict[int, dict[str, Any]]
    seen: Seen

    def origin(self, case: Case) -> str:
        return f"http://{PAGES[case.page]}:{self.port}"

    def path(self, case: Case) -> str:
        return f"/p{case.policy}/{self.token}/{case.id}"

    def url(self, case: Case) -> str:
        return f"http://{API}:{self.port}{self.path(case)}"


@pytest.fixture(scope="module")
def run(chromium: Any) -> Iterator[Run]:
    port = free_port()
    specs = policy_specs(port)
    cases = build_cases(len(specs))
    seen = Seen(Counter(), {}, threading.Lock())
    outcome = Run(port, secrets.token_hex(4), specs, cases, {}, seen)
    with serve_asgi(build_app(specs, seen), port=port, http="h11"):
        context = chromium.new_context()
        try:
            for page_key, host in PAGES.items():
                page = context.new_page()
                response = page.goto(f"http://{host}:{port}/page")
                assert response is not None and response.status == 200
                batch = [
                    {
                        "id": c.id,
                        "url": outcome.url(c),
                        "method": c.method,
                        "headers": dict(c.headers),
                        "credentials": c.credentials,
                    }
                    for c in cases
                    if c.page == page_key
                ]
                results = page.evaluate(JS_RUN, batch)
                outcome.results.update({int(k): v for k, v in results.items()})
                page.close()
        finally:
            context.close()
        yield outcome


def describe(run: Run, case: Case) -> str:
    """The case, and what the middleware answered, for a failure message."""
    parts = [f"#{case.id} {case.label} policy={run.specs[case.policy]}"]
    for kind in ("preflight", "actual"):
        got = run.seen.responses.get((run.path(case), kind))
        if got is not None:
            status, headers = got
            cors = [f"{n}: {v}" for n, v in headers if n.lower().startswith("access-control")]
            parts.append(f"{kind} -> {status} {cors}")
    parts.append(f"chromium: {run.results.get(case.id)}")
    return "\n    ".join(parts)


def report(mismatches: list[str], shown: int = 12) -> str:
    more = len(mismatches) - shown
    tail = [f"... and {more} more"] if more > 0 else []
    return f"{len(mismatches)} disagreements:\n" + "\n".join(mismatches[:shown] + tail)


# --- The tests -----------------------------------------------------------------------------


def test_enough_varied_cases() -> None:
    cases = build_cases(len(policy_specs(1234)))
    assert len(cases) >= 150
    specs = policy_specs(1234)
    # The oracle must see both outcomes often, or the comparison proves little.
    verdicts = Counter(
        oracle(specs[c.policy], f"http://{PAGES[c.page]}:1234", c).allowed for c in cases
    )
    assert verdicts[True] >= 100 and verdicts[False] >= 100


def test_every_policy_is_valid() -> None:
    for spec in policy_specs(1234):
        Policy(**spec)  # raises PolicyError otherwise


def test_chromium_allows_exactly_what_the_policy_allows(run: Run) -> None:
    assert len(run.results) == len(run.cases)
    mismatches = []
    for case in run.cases:
        expected = oracle(run.specs[case.policy], run.origin(case), case)
        got = run.results[case.id]
        problems = []
        if got["resolved"] != expected.allowed:
            problems.append(f"fetch resolved={got['resolved']}, policy says {expected.allowed}")
        elif got["resolved"] and got["exposed"] != expected.exposed:
            problems.append(f"X-Id readable={got['exposed']}, policy says {expected.exposed}")
        if problems:
            mismatches.append("; ".join(problems) + "\n    " + describe(run, case))
    assert not mismatches, report(mismatches)


def test_handler_runs_only_when_the_policy_lets_the_request_through(run: Run) -> None:
    mismatches = []
    for case in run.cases:
        expected = oracle(run.specs[case.policy], run.origin(case), case)
        path = run.path(case)
        preflights = run.seen.calls[(path, "OPTIONS")]  # the app never answers a preflight
        calls = run.seen.calls[(path, normalize(case.method))]
        preflight_seen = (path, "preflight") in run.seen.responses
        got = (int(preflight_seen), preflights, calls)
        want = (expected.preflights, 0, expected.handler_calls)
        if got != want:
            mismatches.append(
                f"(preflight seen, app OPTIONS calls, app calls) {got} != {want}\n    "
                + describe(run, case)
            )
    assert not mismatches, report(mismatches)
    # Refused cross-origin writes were answered 403 by the middleware itself.
    refused_writes = [
        c
        for c in run.cases
        if not needs_preflight(c.method, c.headers)
        and normalize(c.method) == "POST"
        and not origin_allowed(run.specs[c.policy], run.origin(c))
    ]
    assert refused_writes
    for case in refused_writes:
        status, _headers = run.seen.responses[(run.path(case), "actual")]
        assert status == 403, describe(run, case)


def test_browser_model_agrees_with_chromium(run: Run) -> None:
    mismatches = []
    for case in run.cases:
        got = run.results[case.id]

        def response(kind: str, case: Case = case) -> browser.Response | None:
            answer = run.seen.responses.get((run.path(case), kind))
            return None if answer is None else browser.Response.make(*answer)

        verdict = browser.can_read(
            run.origin(case),
            run.url(case),
            case.method,
            case.headers,
            credentials=case.credentials == "include",
            preflight_response=response("preflight"),
            response=response("actual"),
        )
        problems = []
        if verdict.allowed != got["resolved"]:
            failed = verdict.failed
            reason = f"{failed.id}: {failed.reason}" if failed else verdict.outcome
            problems.append(f"model allowed={verdict.allowed} ({reason})")
        elif got["resolved"] and ("x-id" in verdict.readable_headers) != got["exposed"]:
            problems.append(f"model readable {verdict.readable_headers}")
        if problems:
            mismatches.append("; ".join(problems) + "\n    " + describe(run, case))
    assert not mismatches, report(mismatches)
