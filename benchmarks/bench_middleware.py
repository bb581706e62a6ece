"""Per-request overhead of corsguard's middleware against Starlette's and flask-cors.

Calls the ASGI and WSGI apps directly in-process (no server, no sockets), so the
numbers are the middleware's own cost. Run:

    .venv/bin/python benchmarks/bench_middleware.py [--quick] [--cpu]

Prints a markdown table; docs/performance.md records the latest one. ``--cpu`` times with
this thread's CPU clock instead of the wall clock: on a machine loaded by other work, time
spent waiting for a core is then left out (cache and core sharing still show), so the
ratios move less between runs; the recorded tables use the wall clock on an idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_cors import CORS
from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corsguard import Policy
from corsguard.asgi import CORSMiddleware as GuardASGI
from corsguard.wsgi import CORSMiddleware as GuardWSGI

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
OPTIONS = dict(
    allow_origins=[APP],
    allow_methods=["GET", "POST", "PUT"],
    allow_headers=["X-Token"],
    allow_credentials=True,
)

BASE_HEADERS = [
    (b"host", b"api.example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"),
    (b"accept", b"application/json"),
    (b"accept-language", b"en-US,en;q=0.9"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"cookie", b"session=abc123"),
]
CASES: dict[str, tuple[str, list[tuple[bytes, bytes]]]] = {
    "no Origin": ("GET", []),
    "allowed simple GET": ("GET", [(b"origin", APP.encode())]),
    "allowed preflight": (
        "OPTIONS",
        [
            (b"origin", APP.encode()),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"x-token"),
        ],
    ),
    "refused preflight": (
        "OPTIONS",
        [(b"origin", EVIL.encode()), (b"access-control-request-method", b"PUT")],
    ),
    "refused GET": ("GET", [(b"origin", EVIL.encode())]),
}


async def bare_asgi(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


def measure(fn: Callable[[], Any], number: int, repeat: int) -> float:
    """Best per-call time in microseconds over ``repeat`` runs of ``number`` calls."""
    return measure_all({"fn": fn}, number, repeat)["fn"]


# The clock every measurement reads (main() switches it for --cpu).
clock: Callable[[], float] = time.perf_counter


def measure_all(fns: dict[str, Callable[[], Any]], number: int, repeat: int) -> dict[str, float]:
    """Best per-call times, the functions taking turns in every round.

    Interleaving makes a slow moment of the machine hit every contender alike, so the
    differences between them (the overheads) are not at the mercy of one unlucky run.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.disable()
            start = clock()
            for _ in range(number):
                fn()
            elapsed = clock() - start
            gc.enable()
            best[name] = min(best[name], elapsed / number)
    return {name: value * 1e6 for name, value in best.items()}


def measure_paired(fns: dict[str, Callable[[], Any]], base: str, calls: int) -> dict[str, float]:
    """Per-call overheads over ``fns[base]``: the median of paired differences.

    ``calls`` times, every function is called once, back to back (the order turning from
    one call to the next), each call timed alone; a function's overhead at that moment is
    its time minus the base's. The median of those differences is reported (µs per call),
    and the base's median time under its name. Meant for overheads that are a small
    difference of two large figures (a Flask request is ~100 µs, a CORS extension adds 5 to
    50): calls a few microseconds apart meet the same state of the machine, where the best
    of each contender, taken apart, may come from different moments of it. The garbage
    collector runs between calls, every 500, outside the timings.
    """
    names = list(fns)
    own: dict[str, list[float]] = {name: [] for name in names}
    order = names + names
    gc.disable()
    try:
        for index in range(calls):
            shift = index % len(names)
            for name in order[shift : shift + len(names)]:
                fn = fns[name]
                start = clock()
                fn()
                own[name].append(clock() - start)
            if index % 500 == 499:
                gc.collect()
    finally:
        gc.enable()
    result = {
        name: statistics.median(a - b for a, b in zip(own[name], own[base], strict=True)) * 1e6
        for name in names
        if name != base
    }
    result[base] = statistics.median(own[base]) * 1e6
    return result


def asgi_runner(app: Any, method: str, headers: list[tuple[bytes, bytes]]) -> Callable[[], Any]:
    scope_template = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": "/items/1",
        "raw_path": b"/items/1",
        "query_string": b"",
        "root_path": "",
        "headers": BASE_HEADERS + headers,
        "server": ("127.0.0.1", 443),
        "client": ("127.0.0.1", 50000),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def many(n: int) -> None:
        for _ in range(n):
            await app(dict(scope_template), receive, send)

    loop = asyncio.new_event_loop()
    # One coroutine runs a batch, so the event loop's own cost is spread out.
    batch = 100

    def run() -> None:
        loop.run_until_complete(many(batch))

    run.batch = batch  # type: ignore[attr-defined]
    return run


# The same policy with per-path rules (a stricter route, a write exemption): every request
# then reads its path against them (engine.route_policy). Starlette has no such option;
# its row is compared with Starlette's plain middleware.
ROUTED_OPTIONS = dict(
    OPTIONS,
    routes={"/admin": Policy(allow_origins=[APP], allow_credentials=True)},
    write_protection_exempt_paths=["/webhooks"],
)
ROUTED_CASES = {"allowed simple GET, per-path rules": CASES["allowed simple GET"]}


def bench_asgi(number: int, repeat: int) -> list[tuple[str, float, float, float]]:
    apps = {
        "none": bare_asgi,
        "starlette": StarletteCORS(bare_asgi, **OPTIONS),  # type: ignore[arg-type]
        "corsguard": GuardASGI(bare_asgi, **OPTIONS),
    }
    routed = dict(apps, corsguard=GuardASGI(bare_asgi, **ROUTED_OPTIONS))
    rows = []
    cases = [(case, request, apps) for case, request in CASES.items()]
    cases += [(case, request, routed) for case, request in ROUTED_CASES.items()]
    for case, (method, headers), apps in cases:
        runners = {name: asgi_runner(app, method, headers) for name, app in apps.items()}
        times = {
            name: value / 100
            for name, value in measure_all(runners, max(1, number // 100), repeat).items()
        }
        rows.append(
            (
                case,
                times["none"],
                times["starlette"] - times["none"],
                times["corsguard"] - times["none"],
            )
        )
    return rows


def flask_app() -> Flask:
    app = Flask("bench")

    @app.route("/items/<int:item>", methods=["GET", "PUT", "POST"])
    def item(item: int) -> dict[str, int]:
        return {"id": item}

    return app


def wsgi_environ(method: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items/1",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": None,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in BASE_HEADERS + headers:
        key = "HTTP_" + name.decode().upper().replace("-", "_")
        environ[key] = value.decode("latin-1")
    return environ


def bare_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def bench_wsgi(number: int, repeat: int) -> list[tuple[str, float, float, float, float]]:
    """Per case: bare Flask app, flask-cors and corsguard on Flask, corsguard on bare WSGI."""
    import io

    plain = flask_app()
    with_cors = flask_app()
    CORS(
        with_cors,
        origins=[APP],
        methods=["GET", "POST", "PUT"],
        allow_headers=["X-Token"],
        supports_credentials=True,
    )
    # corsguard wraps the bare app's own WSGI callable: the two contenders then run one
    # Flask app object, and their difference is corsguard's code alone (two Flask apps
    # differ in memory layout by a few µs from process to process). flask-cors changes the
    # app it is given, so it needs its own.
    apps: dict[str, Any] = {
        "none": plain.wsgi_app,
        "flask-cors": with_cors.wsgi_app,
        "corsguard": GuardWSGI(plain.wsgi_app, **OPTIONS),
    }

    # corsguard alone, around a bare WSGI app as in the ASGI table: its own cost without
    # a Flask request's noise around it (flask-cors cannot run without Flask).
    apps["bare WSGI"] = bare_wsgi
    apps["corsguard on bare WSGI"] = GuardWSGI(bare_wsgi, **OPTIONS)

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    rows = []
    for case, (method, headers) in CASES.items():
        template = wsgi_environ(method, headers)
        calls = {}
        for name, app in apps.items():

            def call(app: Any = app, template: dict[str, Any] = template) -> None:
                environ = dict(template)
                environ["wsgi.input"] = io.BytesIO(b"")
                for _ in app(environ, start_response):
                    pass

            calls[name] = call
        bare_calls = {name: calls.pop(name) for name in ("bare WSGI", "corsguard on bare WSGI")}
        # Every call paired with the bare app's next to it (measure_paired).
        overheads = measure_paired(calls, "none", number)
        alone = measure_all(bare_calls, number, repeat)
        rows.append(
            (
                case,
                overheads["none"],
                overheads["flask-cors"],
                overheads["corsguard"],
                alone["corsguard on bare WSGI"] - alone["bare WSGI"],
            )
        )
    return rows


def lookup_policies() -> tuple[Policy, Policy, dict[str, str]]:
    """The 1-entry and 10,000-entry policies, and the origin each lookup case asks for."""
    # One exact origin and one pattern against 10,000 entries of all four host kinds.
    small = [APP]
    large = [f"https://app{i}.example.com" for i in range(5000)]
    large += [f"https://*.tenant{i}.example.com" for i in range(2000)]
    large += [f"https://+.team{i}.example.com" for i in range(500)]
    large += [f"https://pr{i}-*.preview.example.com" for i in range(2499)]
    large.append(APP)
    small_policy = Policy(
        allow_origins=[*small, "https://*.tenant0.example.com", "https://+.team0.example.com"]
    )
    large_policy = Policy(allow_origins=large)
    probes = {
        "exact hit": APP,
        "subdomain-pattern hit": "https://a.b.tenant0.example.com",
        "one-label-pattern hit": "https://a.team0.example.com",
        "miss": "https://evil.example.net",
    }
    return small_policy, large_policy, probes


def bench_lookup(number: int, repeat: int) -> list[tuple[str, float, float]]:
    small_policy, large_policy, probes = lookup_policies()
    rows = []
    for label, origin in probes.items():
        small_time = measure(lambda o=origin: small_policy.allows_origin(o), number, repeat)
        large_time = measure(lambda o=origin: large_policy.allows_origin(o), number, repeat)
        rows.append((label, small_time, large_time))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--cpu", action="store_true", help="time with the thread's CPU clock")
    args = parser.parse_args()
    number, repeat = (2000, 3) if args.quick else (20000, 7)
    global clock
    if args.cpu:
        clock = time.thread_time

    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{number} calls x {repeat} repeats, best run"
          f"{' (thread CPU time)' if args.cpu else ''}\n")  # fmt: skip
    print("### ASGI: overhead per request over the bare app (µs)\n")
    print("| case | bare app | Starlette CORSMiddleware | corsguard | corsguard / Starlette |")
    print("|---|---|---|---|---|")
    for case, bare, star, guard in bench_asgi(number, repeat):
        print(f"| {case} | {bare:.2f} | {star:.2f} | {guard:.2f} | {guard / star:.2f} |")
    print("\n### WSGI (Flask): overhead per request over the bare app (µs)\n")
    print("Flask columns: medians, each call paired with a bare one (measure_paired); the")
    print("last column, corsguard around a bare WSGI app, is a best time as in the ASGI table.\n")
    print("| case | bare Flask app | flask-cors | corsguard | corsguard / flask-cors "
          "| corsguard on a bare WSGI app |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for case, bare, fcors, guard, alone in bench_wsgi(number, repeat):
        print(f"| {case} | {bare:.2f} | {fcors:.2f} | {guard:.2f} | {guard / fcors:.2f} "
              f"| {alone:.2f} |")  # fmt: skip
    print("\n### Origin lookup: 1 against 10,000 allowed origins and patterns (µs)\n")
    print("| lookup | 1 entry | 10,000 entries | ratio |")
    print("|---|---|---|---|")
    for label, small, large in bench_lookup(number * 5, repeat):
        print(f"| {label} | {small:.3f} | {large:.3f} | {large / small:.2f} |")


if __name__ == "__main__":
    main()
