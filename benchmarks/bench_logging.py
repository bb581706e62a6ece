"""What logging costs the middleware's hot path when nothing is refused (issue #14).

The start-up line is logged once, when the middleware is built; refusals and unlisted
origins are logged per request (rate-limited). Allowed requests log nothing, so they must
cost the same whether logging is configured or not. This measures one allowed simple GET
and one allowed preflight through corsguard's ASGI and WSGI middleware around a minimal
app, under three logging set-ups, taking turns within every round (best round counts):

- "unconfigured": nothing configured, Python's last-resort handler (a fresh process);
- "configured INFO": a root handler at INFO that formats every record and discards it
  (what an app with logging.basicConfig(level=INFO) pays, minus the terminal);
- "silenced": logging.getLogger("corsguard").setLevel(logging.CRITICAL).

A refused GET is measured too, as the control: it does reach the refusal log (its
limiter's cost), so a difference there is expected and shows the set-ups differ.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_logging.py [--quick]

The last column counts the Python calls into the logging package during one request
(unconfigured/configured/silenced), which no machine load changes: 0 for every allowed
request (the script exits 1 otherwise). The control row's count is the limiter's.

Target: allowed rows within noise (a few percent) across the three columns, and 0 logging
calls.
"""

from __future__ import annotations

import argparse
import gc
import logging
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

from corsguard import Policy
from corsguard.asgi import CORSMiddleware as GuardASGI
from corsguard.wsgi import CORSMiddleware as GuardWSGI

APP = "https://app.example.com"
EVIL = "https://evil.example.net"


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def wsgi_app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


def asgi_call(
    middleware: Any, method: str, headers: list[tuple[bytes, bytes]]
) -> Callable[[], None]:
    scope = {
        "type": "http",
        "method": method,
        "path": "/items",
        "raw_path": b"/items",
        "root_path": "",
        "scheme": "https",
        "query_string": b"",
        "headers": [(b"host", b"api.example.com"), *headers],
    }

    def run() -> None:
        # The app never waits on I/O: the coroutine finishes on its first step, so the
        # measurement holds no event loop.
        coroutine = middleware(scope, _receive, _send)
        try:
            coroutine.send(None)
        except StopIteration:
            return
        raise RuntimeError("the middleware suspended")

    return run


def wsgi_call(middleware: Any, method: str, headers: dict[str, str]) -> Callable[[], None]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/items",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "HTTP_HOST": "api.example.com",
        "wsgi.url_scheme": "https",
        **headers,
    }

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        return None

    def run() -> None:
        for _ in middleware(dict(environ), start_response):
            pass

    return run


class Discard(logging.Handler):
    """Formats every record, as a real handler would, and throws it away."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def configure(setup: str) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("corsguard").setLevel(logging.NOTSET)
    if setup == "configured INFO":
        handler = Discard()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    elif setup == "silenced":
        logging.getLogger("corsguard").setLevel(logging.CRITICAL)
    # "unconfigured": no handler; records at WARNING and above reach logging.lastResort,
    # which writes to stderr: pointed at a discarding stream for the run.


def per_call(run: Callable[[], None], number: int) -> float:
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        run()
    return (time.perf_counter() - start) / number * 1e6


def logging_calls(run: Callable[[], None]) -> int:
    """Python function calls into the logging package during one request (load-independent)."""
    count = 0
    logging_file = logging.__file__

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call" and frame.f_code.co_filename == logging_file:
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls, for a smoke run")
    args = parser.parse_args(argv)
    number, rounds = (2_000, 3) if args.quick else (20_000, 7)
    setups = ["unconfigured", "configured INFO", "silenced"]

    class Sink:
        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            return None

    logging.lastResort = logging.StreamHandler(Sink())  # type: ignore[assignment]
    logging.lastResort.setLevel(logging.WARNING)

    policy_options: dict[str, Any] = {
        "allow_origins": [APP],
        "allow_methods": ["GET", "DELETE"],
        "allow_headers": ["X-Token"],
        "allow_credentials": True,
    }
    origin = [(b"origin", APP.encode())]
    preflight = [
        *origin,
        (b"access-control-request-method", b"DELETE"),
        (b"access-control-request-headers", b"x-token"),
    ]
    evil = [(b"origin", EVIL.encode())]
    cases: dict[str, Callable[[Any, Any], Callable[[], None]]] = {
        "ASGI allowed GET": lambda a, w: asgi_call(a, "GET", origin),
        "ASGI allowed preflight": lambda a, w: asgi_call(a, "OPTIONS", preflight),
        "ASGI unlisted GET (logged, control)": lambda a, w: asgi_call(a, "GET", evil),
        "WSGI allowed GET": lambda a, w: wsgi_call(w, "GET", {"HTTP_ORIGIN": APP}),
        "WSGI allowed preflight": lambda a, w: wsgi_call(
            w,
            "OPTIONS",
            {
                "HTTP_ORIGIN": APP,
                "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "DELETE",
                "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-token",
            },
        ),
    }
    best: dict[tuple[str, str], float] = {}
    calls: dict[tuple[str, str], int] = {}
    for _ in range(rounds):
        for setup in setups:
            configure(setup)
            # Built under the set-up, as at start-up: the start-up line goes through it.
            asgi = GuardASGI(asgi_app, policy=Policy(**policy_options))
            wsgi = GuardWSGI(wsgi_app, policy=Policy(**policy_options))
            for case, build in cases.items():
                run = build(asgi, wsgi)
                run()
                calls[(case, setup)] = logging_calls(run)
                micros = per_call(run, number)
                key = (case, setup)
                best[key] = min(best.get(key, float("inf")), micros)
    configure("unconfigured")

    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{number} calls x {rounds} rounds, best round, µs per request\n"
    )
    print("| case | " + " | ".join(setups) + " | spread | logging calls per request |")
    print("|---|" + "---|" * (len(setups) + 2))
    failed = False
    for case in cases:
        values = [best[(case, setup)] for setup in setups]
        spread = (max(values) - min(values)) / min(values) * 100
        cells = " | ".join(f"{v:.2f}" for v in values)
        counts = "/".join(str(calls[(case, setup)]) for setup in setups)
        print(f"| {case} | {cells} | {spread:.1f}% | {counts} |")
        if "allowed" in case and any(calls[(case, setup)] for setup in setups):
            failed = True
    if failed:
        print("an allowed request called into logging", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
