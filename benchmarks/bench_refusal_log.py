"""What the refusal log costs the engine: decide() per case, with the log on and silenced.

The log (corsguard.refusal_log) runs only for refusals and unlisted origins, so granted
requests should cost the same as before it existed. To compare with a checkout without
it, run this file with that checkout's src on PYTHONPATH (it uses only the public API):

    PYTHONPATH=src .venv/bin/python benchmarks/bench_refusal_log.py
    PYTHONPATH=/path/to/older/src .venv/bin/python benchmarks/bench_refusal_log.py

Log lines go to a handler that discards them (the cost of formatting is measured, not a
terminal's). Prints a markdown table of the best per-call time in microseconds.
"""

from __future__ import annotations

import argparse
import gc
import logging
import time
from collections.abc import Callable

from corsguard import Policy, decide

APP = b"https://app.example.com"
EVIL = b"https://evil.example.net"
POLICY = Policy(allow_origins=[APP.decode()], allow_methods=["GET", "PUT"])
BASE = [(b"host", b"api.example.com"), (b"accept", b"application/json")]
CASES: dict[str, tuple[str, list[tuple[bytes, bytes]]]] = {
    "no Origin": ("GET", BASE),
    "allowed simple GET": ("GET", [*BASE, (b"origin", APP)]),
    "allowed preflight": (
        "OPTIONS",
        [*BASE, (b"origin", APP), (b"access-control-request-method", b"PUT")],
    ),
    "unlisted GET (passed, logged)": ("GET", [*BASE, (b"origin", EVIL)]),
    "refused preflight (logged)": (
        "OPTIONS",
        [*BASE, (b"origin", EVIL), (b"access-control-request-method", b"PUT")],
    ),
}


def best(fn: Callable[[], object], number: int, repeat: int) -> float:
    result = float("inf")
    for _ in range(repeat):
        gc.disable()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        result = min(result, (time.perf_counter() - start) / number)
        gc.enable()
    return result * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    number, repeat = (2000, 5) if args.quick else (20000, 15)
    logger = logging.getLogger("corsguard")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False  # no lastResort printing to the terminal
    print("| case | log on (WARNING) | log silenced (ERROR) |")
    print("|---|---|---|")
    for name, (method, headers) in CASES.items():

        def call(method: str = method, headers: list[tuple[bytes, bytes]] = headers) -> object:
            return decide(POLICY, method, "/items/1", headers)

        times = []
        for level in (logging.WARNING, logging.ERROR):
            logger.setLevel(level)
            times.append(best(call, number, repeat))
        print(f"| {name} | {times[0]:.2f} | {times[1]:.2f} |")


if __name__ == "__main__":
    main()
