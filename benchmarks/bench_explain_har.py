"""Benchmark `corsguard explain --har` on generated HAR files of 2,000, 8,000 and 32,000 entries.

Each entry group is a realistic mix from one page: a preflighted PUT that passes, its
preflight, a GET blocked for want of Access-Control-Allow-Origin, and a redirect to another
origin with its second hop, on distinct URLs (so no lookup can stop at the first match).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_explain_har.py [--sizes 2000 8000 32000]

Each size runs `corsguard explain --har FILE --json` and the text output in a child process
(output to /dev/null) and prints the wall time and the child's peak RSS.
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
from typing import Any

PAGE = "https://app.example.com"
API = "https://api.example.net"


def _entry(
    method: str, url: str, req: list[tuple[str, str]], status: int, resp: list[tuple[str, str]],
    kind: str,
) -> dict[str, Any]:  # fmt: skip
    return {
        "pageref": "page_1",
        "_resourceType": kind,
        "request": {"method": method, "url": url, "cookies": [],
                    "headers": [{"name": n, "value": v} for n, v in req]},
        "response": {"status": status, "headers": [{"name": n, "value": v} for n, v in resp]},
    }  # fmt: skip


def generate_har(entries: int) -> dict[str, Any]:
    """A HAR document with ``entries`` entries (a multiple of 5 is exact)."""
    origin = ("Origin", PAGE)
    acao = ("Access-Control-Allow-Origin", PAGE)
    out: list[dict[str, Any]] = []
    i = 0
    while len(out) < entries:
        item = f"{API}/items/{i}"
        group = [
            _entry("OPTIONS", item,
                   [origin, ("Access-Control-Request-Method", "PUT"),
                    ("Access-Control-Request-Headers", "content-type")], 204,
                   [acao, ("Access-Control-Allow-Methods", "PUT"),
                    ("Access-Control-Allow-Headers", "Content-Type")], "preflight"),
            _entry("PUT", item, [origin, ("Content-Type", "application/json")], 200, [acao],
                   "fetch"),
            _entry("GET", f"{API}/me/{i}", [origin], 200, [("Content-Type", "text/plain")],
                   "fetch"),
            _entry("GET", f"{API}/old/{i}", [origin], 302,
                   [acao, ("Location", f"https://cdn.example.org/new/{i}")], "fetch"),
            _entry("GET", f"https://cdn.example.org/new/{i}", [("Origin", "null")], 200,
                   [("Access-Control-Allow-Origin", "*")], "fetch"),
        ]  # fmt: skip
        out.extend(group)
        i += 1
    del out[entries:]
    return {"log": {"version": "1.2", "pages": [{"id": "page_1", "title": PAGE + "/"}],
                    "entries": out}}  # fmt: skip


def run_once(path: str, *extra: str) -> tuple[float, int, int]:
    """(seconds, exit status, peak RSS of the child in KiB) of one explain run."""
    env = dict(os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.run(
            [sys.executable, "-m", "corsguard", "explain", "--har", path, *extra],
            stdout=sink, env=env, check=False,
        )  # fmt: skip
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, proc.returncode, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 32000])
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; wall time and peak RSS of one child process")
    print("| entries | HAR size | output | seconds | µs per entry | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = os.path.join(folder, f"{size}.har")
            with open(path, "w") as handle:
                json.dump(generate_har(size), handle)
            mib = os.path.getsize(path) / 2**20
            for label, extra in (("--json", ("--json",)), ("text", ())):
                # A fresh peak per run: RUSAGE_CHILDREN keeps the largest child so far, so
                # each run goes through its own short-lived Python.
                seconds, code, peak = _isolated(path, extra)
                if code not in (0, 1):
                    sys.exit(f"bench_explain_har: explain exited with {code}")
                print(f"| {size:,} | {mib:.1f} MB | {label} | {seconds:.2f} | "
                      f"{seconds / size * 1e6:.0f} | {peak / 1024:.0f} |")  # fmt: skip


def _isolated(path: str, extra: tuple[str, ...]) -> tuple[float, int, int]:
    """run_once in a fresh interpreter, so that the peak RSS is this run's alone."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]); "
        "from bench_explain_har import run_once; "
        "print(json.dumps(run_once(sys.argv[2], *sys.argv[3:])))"
    )
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", code, here, path, *extra],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds, status, peak = json.loads(out.stdout)
    return float(seconds), int(status), int(peak)


if __name__ == "__main__":
    main()
