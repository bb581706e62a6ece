"""The middleware's cost in CPU instructions per request, counted by Valgrind's cachegrind.

bench_middleware.py measures time; on a shared virtual machine its ratios move by 10 to 20%
from run to run, and inside a Flask request they include the cache misses of code that runs
after Flask's ~100 µs of work. Instruction counts do not move: each contender serves the
same request N1 and N2 times under ``valgrind --tool=cachegrind``, and (I(N2) - I(N1)) /
(N2 - N1) is its count per request, start-up cancelled out. Run (Debian: apt-get install
valgrind):

    .venv/bin/python benchmarks/bench_instructions.py [--requests N]

Prints a markdown table; docs/performance.md records it beside the timings. What it does not
see: memory stalls (a cache miss is one instruction here), so it complements the timings and
does not replace them.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_middleware as timing  # noqa: E402  (the same apps, options and requests)

# (table, contender): what a child builds; "bare" is the app without CORS handling.
CONTENDERS = {
    "asgi": ("bare", "starlette", "corsguard"),
    "wsgi": ("bare", "flask-cors", "corsguard"),
}
_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")
# The ASGI table has the timing bench's row for a policy with per-path rules too.
CASES = {
    "asgi": {**timing.CASES, **timing.ROUTED_CASES},
    "wsgi": dict(timing.CASES),
}


def _asgi_app(contender: str, case: str) -> Any:
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS

    from corsguard.asgi import CORSMiddleware as GuardASGI

    if contender == "starlette":
        return StarletteCORS(timing.bare_asgi, **timing.OPTIONS)  # type: ignore[arg-type]
    if contender == "corsguard":
        routed = case in timing.ROUTED_CASES
        return GuardASGI(timing.bare_asgi, **(timing.ROUTED_OPTIONS if routed else timing.OPTIONS))
    return timing.bare_asgi


def _wsgi_app(contender: str) -> Any:
    from flask_cors import CORS

    from corsguard.wsgi import CORSMiddleware as GuardWSGI

    app = timing.flask_app()
    if contender == "flask-cors":
        CORS(
            app,
            origins=[timing.APP],
            methods=["GET", "POST", "PUT"],
            allow_headers=["X-Token"],
            supports_credentials=True,
        )
    if contender == "corsguard":
        return GuardWSGI(app.wsgi_app, **timing.OPTIONS)
    return app.wsgi_app


# Origin lookups, 1 against 10,000 entries: the timing bench's policies and origins.
LOOKUPS = ("exact hit", "subdomain-pattern hit", "one-label-pattern hit", "miss")


def _lookup_child(size: str, case: str, requests: int) -> None:
    small, large, probes = timing.lookup_policies()
    policy = small if size == "1 entry" else large
    origin = probes[case]
    for _ in range(requests):
        policy.allows_origin(origin)


def child(table: str, contender: str, case: str, requests: int) -> None:
    """Serve ``case`` ``requests`` times (run under cachegrind by the parent)."""
    if table == "lookup":
        _lookup_child(contender, case, requests)
        return
    # The refusal log's lines go nowhere: the budget still runs, the terminal stays quiet.
    logging.getLogger("corsguard").addHandler(logging.NullHandler())
    logging.getLogger("corsguard").propagate = False
    method, headers = CASES[table][case]
    if table == "asgi":
        run = timing.asgi_runner(_asgi_app(contender, case), method, headers)
        for _ in range(requests // run.batch):  # type: ignore[attr-defined]
            run()
        return
    app = _wsgi_app(contender)
    template = timing.wsgi_environ(method, headers)

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> Any:
        return None

    for _ in range(requests):
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(b"")
        for _chunk in app(environ, start_response):
            pass


def _instructions(table: str, contender: str, case: str, requests: int) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        table,
        contender,
        case,
        str(requests),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = _IREFS.search(done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(table: str, contender: str, case: str, requests: int) -> float:
    low, high = 100, 100 + requests  # the ASGI runner serves batches of 100
    return (
        _instructions(table, contender, case, high) - _instructions(table, contender, case, low)
    ) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="requests counted (x100)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", choices=("middleware", "lookup"), help="one of the two tables only"
    )
    args = parser.parse_args()
    if args.child:
        table, contender, case, count = args.child
        child(table, contender, case, int(count))
        return
    requests = max(100, args.requests // 100 * 100)
    jobs = []
    if args.only != "lookup":
        jobs += [
            (table, contender, case)
            for table, contenders in CONTENDERS.items()
            for case in CASES[table]
            for contender in contenders
        ]
    if args.only != "middleware":
        jobs += [("lookup", size, case) for case in LOOKUPS for size in ("1 entry", "10,000")]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        counts = dict(
            zip(jobs, pool.map(lambda job: per_request(*job, requests), jobs), strict=True)
        )
    print(f"Instructions per request (cachegrind), {requests} requests counted per contender\n")
    for table, (bare, other, guard) in CONTENDERS.items():
        if args.only == "lookup":
            break
        title = "ASGI (bare app)" if table == "asgi" else "WSGI (Flask)"
        print(f"### {title}: instructions per request over the bare app\n")
        print(f"| case | bare app | {other} | corsguard | corsguard / {other} |")
        print("|---|---|---|---|---|")
        for case in CASES[table]:
            base = counts[(table, bare, case)]
            theirs = counts[(table, other, case)] - base
            ours = counts[(table, guard, case)] - base
            print(f"| {case} | {base:,.0f} | {theirs:,.0f} | {ours:,.0f} | {ours / theirs:.2f} |")
        print()
    if args.only != "middleware":
        print("### Origin lookup: instructions per lookup, 1 against 10,000 entries\n")
        print("| lookup | 1 entry | 10,000 entries | ratio |")
        print("|---|---|---|---|")
        for case in LOOKUPS:
            one, many = counts[("lookup", "1 entry", case)], counts[("lookup", "10,000", case)]
            print(f"| {case} | {one:,.0f} | {many:,.0f} | {many / one:.2f} |")


if __name__ == "__main__":
    main()
