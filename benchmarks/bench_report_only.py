"""Per-request overhead of report-only mode (issue #14), beside enforcing, in process.

An app whose own CORS reflects every origin with credentials (Starlette's CORSMiddleware;
a WSGI function doing the same) is called bare, behind corsguard enforcing, and behind
corsguard in report-only mode. Logging is silenced (the corsguard logger at ERROR), so the
divergent cases measure the comparison and the budget check, not a handler's I/O. Run:

    .venv/bin/python benchmarks/bench_report_only.py [--quick]

Target (checked, exit status 1 when missed): for an agreeing GET (the bulk of the traffic
of an app under observation), report-only adds at most three times what enforcing adds. The
enforcing path itself is unchanged by report-only (report_only=True builds a subclass; the
enforcing `__call__` has no branch for it): bench_middleware.py measures it.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORS

from corsguard.asgi import CORSMiddleware as GuardASGI
from corsguard.wsgi import CORSMiddleware as GuardWSGI

APP = "https://app.example.com"
EVIL = "https://evil.example.net"
POLICY: dict[str, Any] = {
    "allow_origins": [APP],
    "allow_methods": ["GET", "POST", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
}
BASE = [
    (b"host", b"api.example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"),
    (b"accept", b"application/json"),
    (b"cookie", b"session=abc123"),
]
CASES: dict[str, tuple[str, list[tuple[bytes, bytes]]]] = {
    "no Origin": ("GET", []),
    "agreeing GET": ("GET", [(b"origin", APP.encode())]),
    "agreeing preflight": (
        "OPTIONS",
        [
            (b"origin", APP.encode()),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"x-token"),
        ],
    ),
    "diverging GET": ("GET", [(b"origin", EVIL.encode())]),
    "diverging POST": ("POST", [(b"origin", EVIL.encode())]),
}
AGREEING = ("agreeing GET",)
TARGET = 3.0


JSON_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"2")]


async def bare(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": b"{}"})


def reflecting_asgi() -> Any:
    return StarletteCORS(bare, allow_origin_regex=".*", allow_credentials=True,  # type: ignore[arg-type]
                         allow_methods=["*"], allow_headers=["*"])  # fmt: skip


def time_all(fns: dict[str, Callable[[], Any]], number: int, repeat: int) -> dict[str, float]:
    """Best per-call microseconds, the contenders taking turns in every round."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.disable()
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / number)
            gc.enable()
    return {name: value * 1e6 for name, value in best.items()}


def asgi_runner(app: Any, method: str, headers: list[tuple[bytes, bytes]]) -> Callable[[], Any]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "https", "path": "/items/1", "raw_path": b"/items/1",
             "query_string": b"", "root_path": "", "headers": BASE + headers}  # fmt: skip

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def batch() -> None:
        for _ in range(100):
            await app(dict(scope), receive, send)

    loop = asyncio.new_event_loop()
    return lambda: loop.run_until_complete(batch())


def reflecting_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    headers = [("Content-Type", "application/json")]
    origin = environ.get("HTTP_ORIGIN")
    if origin:
        headers += [("Access-Control-Allow-Origin", origin),
                    ("Access-Control-Allow-Credentials", "true"), ("Vary", "Origin")]  # fmt: skip
    start_response("200 OK", headers)
    return [b"{}"]


def wsgi_runner(app: Any, method: str, headers: list[tuple[bytes, bytes]]) -> Callable[[], Any]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/items/1", "wsgi.url_scheme": "https"}
    for name, value in BASE + headers:
        environ["HTTP_" + name.decode().upper().replace("-", "_")] = value.decode()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    return lambda: app(dict(environ), start_response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    number, repeat = (2000, 3) if args.quick else (20000, 7)
    logging.getLogger("corsguard").setLevel(logging.ERROR)
    missed = []
    print("| stack | request | bare app µs | enforcing +µs | report-only +µs | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for stack in ("ASGI", "WSGI"):
        if stack == "ASGI":
            app = reflecting_asgi()
            apps = {"bare": app, "enforce": GuardASGI(app, **POLICY),
                    "report": GuardASGI(app, report_only=True, **POLICY)}  # fmt: skip
            runner, per = asgi_runner, 100
        else:
            apps = {"bare": reflecting_wsgi, "enforce": GuardWSGI(reflecting_wsgi, **POLICY),
                    "report": GuardWSGI(reflecting_wsgi, report_only=True, **POLICY)}  # fmt: skip
            runner, per = wsgi_runner, 1
        for case, (method, headers) in CASES.items():
            fns = {name: runner(app, method, headers) for name, app in apps.items()}
            times = {k: v / per for k, v in time_all(fns, max(1, number // per), repeat).items()}
            enforce = times["enforce"] - times["bare"]
            report = times["report"] - times["bare"]
            ratio = report / enforce if enforce > 0 else float("inf")
            print(f"| {stack} | {case} | {times['bare']:.2f} | {enforce:.2f} | {report:.2f} "
                  f"| {ratio:.1f}x |")  # fmt: skip
            if case in AGREEING and ratio > TARGET:
                missed.append(f"{stack} {case}: report-only {ratio:.1f}x enforcing")
    for line in missed:
        print(f"target missed ({TARGET}x):", line, file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
