"""Benchmark: `corsguard audit --app` over 1,000 routes, in-process (no server).

One app per framework (Starlette, Flask) with ``--routes`` GET routes: as in the audit
benchmark, one route in twenty has a hand-written CORS mistake (a reflected origin, ``null``
trusted, ``*`` with credentials, no ``Vary: Origin``, a preflight that reflects any origin)
and the rest answer plain JSON. Each run is the command a CI job runs, in a subprocess:

    corsguard audit --app bench_audit_app:starlette_app --origin https://app.example.test \\
        --format jsonl -o /dev/null

(no PATH: the routes are listed from the app). The script checks that every route was
audited with no error entry and that the mistakes were found, then prints the wall time,
the CPU time of the audit process, and routes per second.

    .venv/bin/python benchmarks/bench_audit_app.py [--routes 1000] [--frameworks starlette,flask]

Target: 1,000 routes in under 10 s for each framework. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TRUSTED = "https://app.example.test"
ROUTES = int(os.environ.get("CORSGUARD_BENCH_ROUTES", "1000"))
KINDS = ("reflect", "null", "wildcard-credentials", "no-vary", "preflight-reflect")
EXPECTED = {
    "reflect": {"origin-reflected"},
    "null": {"null-origin-trusted"},
    "wildcard-credentials": {"wildcard-origin", "wildcard-with-credentials"},
    "no-vary": {"missing-vary-origin"},
    "preflight-reflect": {"preflight-origin-reflected"},
}


def paths(count: int) -> list[tuple[str, str | None]]:
    """(path, mistake or None): every twentieth route has a mistake, in turn."""
    out: list[tuple[str, str | None]] = []
    for index in range(count):
        kind = KINDS[(index // 20) % len(KINDS)] if index % 20 == 0 else None
        out.append((f"/r{index}/{kind or 'plain'}", kind))
    return out


def cors(kind: str | None, method: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    origin = headers.get("origin")
    preflight = method == "OPTIONS" and "access-control-request-method" in headers
    if kind is None:
        return []
    if kind == "wildcard-credentials":
        return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]
    if kind == "reflect":
        granted = origin is not None
    elif kind == "null":
        granted = origin in (TRUSTED, "null")
    elif kind == "preflight-reflect":
        granted = origin is not None if preflight else origin == TRUSTED
    else:
        granted = origin == TRUSTED
    out: list[tuple[str, str]] = []
    if granted and origin is not None:
        out += [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Credentials", "true"),
        ]
        if preflight:
            out.append(("Access-Control-Allow-Methods", "GET, PUT"))
    if kind != "no-vary":
        out.append(("Vary", "Origin"))
    return out


def _starlette() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    def endpoint(kind: str | None) -> Any:
        async def view(request: Any) -> Any:
            headers = {k.lower(): v for k, v in request.headers.items()}
            preflight = request.method == "OPTIONS" and "access-control-request-method" in headers
            return Response(
                b"" if preflight else b'{"ok": true}',
                204 if preflight else 200,
                headers=dict(cors(kind, request.method, headers)),
                media_type="application/json",
            )

        return view

    methods = ["GET", "OPTIONS", "POST", "PUT"]
    return Starlette(routes=[Route(p, endpoint(k), methods=methods) for p, k in paths(ROUTES)])


def _flask() -> Any:
    from flask import Flask, Response, request

    app = Flask("bench_audit_app")

    def endpoint(kind: str | None) -> Any:
        def view() -> Any:
            headers = {k.lower(): v for k, v in request.headers.items()}
            preflight = request.method == "OPTIONS" and "access-control-request-method" in headers
            return Response(
                b"" if preflight else b'{"ok": true}',
                204 if preflight else 200,
                headers=cors(kind, request.method, headers),
                content_type="application/json",
            )

        return view

    for path, kind in paths(ROUTES):
        app.add_url_rule(path, path, endpoint(kind), methods=["GET", "OPTIONS", "POST", "PUT"])
    return app


def __getattr__(name: str) -> Any:
    if name == "starlette_app":
        return _starlette()
    if name == "flask_app":
        return _flask()
    raise AttributeError(name)


def run(framework: str, routes: int, concurrency: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "CORSGUARD_BENCH_ROUTES": str(routes),
    }
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.jsonl"
        command = [
            *(sys.executable, "-m", "corsguard", "audit"),
            *("--app", f"bench_audit_app:{framework}_app", "--origin", TRUSTED),
            *("--concurrency", str(concurrency), "--format", "jsonl", "-o", str(report)),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=HERE, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU time as well as wall time: on a shared machine the wall time mostly says how
        # loaded it was.
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        lines = [json.loads(line) for line in report.read_text().splitlines()]
    if done.returncode != 1:
        raise SystemExit(f"{framework}: exit {done.returncode}, expected 1: {done.stderr[-2000:]}")
    errors = [t for t in lines if t["status"] != "ok"]
    if len(lines) != routes or errors:
        raise SystemExit(f"{framework}: {len(lines)} targets, {len(errors)} errors")
    for target in lines:
        kind = target["url"].rsplit("/", 1)[1]
        found = {f["id"] for f in target["findings"]}
        if found != EXPECTED.get(kind, set()):
            raise SystemExit(f"{framework}: {target['url']}: found {sorted(found)}")
    return {
        "framework": framework,
        "routes": routes,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "routes_per_second": round(routes / elapsed, 1),
        "probes": sum(t["requests"] for t in lines),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--frameworks", default="starlette,flask")
    args = parser.parse_args()
    print("| framework | routes | probes | time | CPU time | routes/s |")
    print("|---|---|---|---|---|---|")
    for framework in args.frameworks.split(","):
        result = run(framework.strip(), args.routes, args.concurrency)
        print(
            f"| {result['framework']} | {result['routes']:,} | {result['probes']:,} | "
            f"{result['seconds']:.2f} s | {result['cpu_seconds']:.2f} s | "
            f"{result['routes_per_second']:.0f} |"
        )


if __name__ == "__main__":
    main()
