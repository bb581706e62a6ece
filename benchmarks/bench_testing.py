"""Cost of one `corsguard.testing.fetch` call: the browser model plus in-process app calls.

Each call runs corsguard's browser model and calls the app in-process once per request
the browser would send: a simple GET is one call, a preflighted DELETE two (the preflight,
then the DELETE). The apps are a Starlette app and a Flask app, both behind corsguard's
middleware (ASGI and WSGI). Run:

    .venv/bin/python benchmarks/bench_testing.py [--quick]

Prints a markdown table; docs/performance.md ("testing.fetch") records the latest one.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from corsguard.asgi import CORSMiddleware as GuardASGI
from corsguard.testing import fetch
from corsguard.wsgi import CORSMiddleware as GuardWSGI

FRONT_END = "https://app.example.com"
URL = "https://api.example.com/items/1"
OPTIONS: dict[str, Any] = dict(
    allow_origins=[FRONT_END],
    allow_methods=["GET", "DELETE"],
    allow_headers=["X-Token"],
    allow_credentials=True,
)


def starlette_app() -> Any:
    async def item(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route("/items/{id}", item, methods=["GET", "DELETE"])],
        middleware=[Middleware(GuardASGI, **OPTIONS)],  # type: ignore[arg-type]
    )


def flask_app() -> Any:
    app = Flask("bench_testing")

    @app.route("/items/<int:item_id>", methods=["GET", "DELETE"])
    def item(item_id: int) -> str:
        return "ok"

    app.wsgi_app = GuardWSGI(app.wsgi_app, **OPTIONS)  # type: ignore[method-assign]
    return app


# name -> (fetch options, number of requests the browser sends)
CASES: dict[str, tuple[dict[str, Any], int]] = {
    "simple GET": ({"origin": FRONT_END, "credentials": True}, 1),
    "preflighted DELETE": (
        {
            "origin": FRONT_END,
            "method": "DELETE",
            "credentials": True,
            "headers": {"X-Token": "t"},
        },
        2,
    ),
}


def per_call(run: Callable[[], object], number: int, repeat: int) -> float:
    """Best of ``repeat`` runs of ``number`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, for a smoke run")
    args = parser.parse_args(argv)
    number, repeat = (200, 2) if args.quick else (2000, 5)
    apps = {"Starlette (ASGI)": starlette_app(), "Flask (WSGI)": flask_app()}

    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{number} calls x {repeat} repeats, best run\n"
    )
    print("| app | case | app calls per fetch | µs per fetch() |")
    print("|---|---|---|---|")
    for app_name, app in apps.items():
        for case, (options, calls) in CASES.items():

            def run(app: Any = app, options: dict[str, Any] = options) -> object:
                return fetch(app, URL, **options)

            result = fetch(app, URL, **options)
            # A benchmark of a refusal would measure the wrong thing.
            if not result.allowed or len(result.exchanges) != calls:
                print(f"{app_name} {case}: unexpected result: {result.reason}", file=sys.stderr)
                return 1
            micros = per_call(run, number, repeat)
            print(f"| {app_name} | {case} | {calls} | {micros:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
