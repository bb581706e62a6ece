"""Benchmark: `corsguard audit` against CORScanner on an inventory of ~1,000 loopback endpoints.

As on the real web, about one endpoint in twenty sends CORS headers (the lab's mistakes,
built around the trusted front end http://app.example.test); the rest are plain JSON.
Every answer comes after a simulated 20 ms network round trip (asyncio.sleep), from
server processes on 127.0.0.1 (aiohttp's web server running the ASGI app), one per port.

Both tools get the same URLs (http://app.example.test:PORT/...) and the same concurrency:
corsguard resolves the made-up name with --resolve; CORScanner (PyPI `corscanner`,
installed into benchmarks/.venv-corscanner) runs under a wrapper that maps *.example.test
to 127.0.0.1 and refuses every other name lookup, and that keeps tldextract on its
bundled suffix list, so neither tool makes a lookup outside this machine. Probe origins
are only ever sent as header values.

    .venv/bin/python benchmarks/bench_audit.py [--targets 1000] [--concurrency 50]

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

HOST = "app.example.test"
TRUSTED = f"http://{HOST}"
CORSCANNER_VENV = ROOT / "benchmarks" / ".venv-corscanner"

# CORScanner's test names -> corsguard finding ids.
CORSCANNER_CLASSES = {
    "reflect_origin": "origin-reflected",
    "prefix_match": "prefix-match",
    "suffix_match": "suffix-match",
    "trust_null": "null-origin-trusted",
    "include_match": "substring-match",
    "not_escape_dot": "unescaped-dot",
    "custom_third_parties": "third-party-origin-trusted",
    "special_characters_bypass": "special-char-bypass",
    "trust_any_subdomain": "any-subdomain-trusted",
    "https_trust_http": "insecure-origin-trusted",
}

# Runs CORScanner with name lookups kept on this machine.
WRAPPER = r"""
import socket, sys
import tldextract
offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
tldextract.extract = offline
from CORScanner.common import corscheck  # applies gevent's monkey patching
corscheck.tldextract.extract = offline
_real = socket.getaddrinfo
def local_only(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.endswith(".example.test") or name in ("127.0.0.1", "localhost"):
        return _real("127.0.0.1", *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "lookups outside this machine are refused")
socket.getaddrinfo = local_only
from CORScanner import cors_scan
sys.argv = ["corscanner", *sys.argv[1:]]
cors_scan.main()
"""


# --- The server -------------------------------------------------------------------------


def make_server_app(delay: float) -> Any:
    from corsguard.lab.app import make_app

    lab = make_app(TRUSTED)
    plain = b'{"id": 1, "name": "plain JSON endpoint"}'

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lab(scope, receive, send)
            return
        await asyncio.sleep(delay)  # the simulated network round trip
        path: str = scope["path"]
        if path.startswith("/lab/"):
            await lab({**scope, "path": path[4:]}, receive, send)
            return
        if path == "/":  # the site's root is the lab's index (what /lab/proxy/ fetches)
            await lab(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": plain})

    return app


def serve(port: int, delay: float) -> None:
    """One server process: aiohttp's web server (C HTTP parser) running the ASGI app.

    uvicorn here has only the pure-Python h11 parser (no httptools), which served about
    1,200 requests/s per process with the 20 ms delay: the server, not the tools, would be
    measured. aiohttp's server runs the same ASGI app through a small bridge.
    """
    from aiohttp import web

    from corsguard.lab.server import _call

    app = make_server_app(delay)

    async def handle(request: web.Request) -> web.Response:
        scope = {
            "type": "http",
            "method": request.method,
            "path": request.path,
            "scheme": "http",
            "query_string": request.query_string.encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in request.headers.items()],
        }
        status, headers, chunks = await _call(app, scope, b"")
        response = web.Response(status=status, body=b"".join(chunks))
        for name, value in headers:
            if name.lower() != b"content-length":
                response.headers.add(name.decode(), value.decode())
        return response

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", handle)
    web.run_app(server, host="127.0.0.1", port=port, print=None, access_log=None, backlog=4096)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the benchmark server on port {port} did not start")


# --- The inventory ----------------------------------------------------------------------


def inventory(count: int, ports: list[int]) -> tuple[list[str], dict[str, str]]:
    """URLs, and for the CORS ones the lab path they serve."""
    from corsguard.lab import ENDPOINTS

    urls: list[str] = []
    lab_paths: dict[str, str] = {}
    for index in range(count):
        port = ports[index % len(ports)]
        if index % 20 == 0:
            endpoint = ENDPOINTS[(index // 20) % len(ENDPOINTS)]
            url = f"http://{HOST}:{port}/lab{endpoint.path}?n={index}"
            lab_paths[url] = endpoint.path
        else:
            url = f"http://{HOST}:{port}/api/items/{index}"
        urls.append(url)
    return urls, lab_paths


# --- The tools --------------------------------------------------------------------------


def run_corsguard(
    listing: Path, ports: list[int], concurrency: int, out: Path
) -> tuple[float, dict[str, set[str]], int]:
    command = [sys.executable, "-m", "corsguard", "audit", "-i", str(listing)]
    command += ["--origin", TRUSTED, "--concurrency", str(concurrency), "--timeout", "10"]
    # With the opt-in cache check (keys of the run's own, as always): the lab's /cached.
    command += ["--cache-check"]
    command += ["--format", "jsonl", "-o", str(out)]
    for port in ports:
        command += ["--resolve", f"{HOST}:{port}:127.0.0.1"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"corsguard audit failed ({result.returncode}): {result.stderr.strip()}")
    found: dict[str, set[str]] = {}
    errors = 0
    for line in out.read_text().splitlines():
        target = json.loads(line)
        errors += target["status"] == "error"
        found[target["url"]] = {f["id"] for f in target["findings"]}
    return elapsed, found, errors


def ensure_corscanner() -> tuple[Path | None, str]:
    """The venv's python with CORScanner installed, or None and the reason why not."""
    python = CORSCANNER_VENV / "bin" / "python"
    check = [str(python), "-c", "import CORScanner.cors_scan, tldextract, gevent"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, ""
    try:
        venv.create(CORSCANNER_VENV, with_pip=True, clear=True)
    except Exception as exc:
        return None, f"cannot create {CORSCANNER_VENV}: {exc}"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "corscanner"],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        tail = (install.stderr or install.stdout).strip().splitlines()[-3:]
        return None, "pip install corscanner failed: " + " / ".join(tail)
    imported = subprocess.run(check, capture_output=True, text=True)
    if imported.returncode != 0:
        return None, "CORScanner installed but does not import: " + imported.stderr.strip()[-300:]
    return python, ""


def run_corscanner(
    python: Path, listing: Path, concurrency: int, out: Path
) -> tuple[float, dict[str, set[str]], str]:
    command = [str(python), "-c", WRAPPER, "-i", str(listing), "-t", str(concurrency)]
    command += ["-o", str(out)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=out.parent)
    elapsed = time.perf_counter() - start
    if result.returncode != 0 or not out.exists():
        return elapsed, {}, f"CORScanner failed ({result.returncode}): {result.stderr[-500:]}"
    found: dict[str, set[str]] = {}
    for item in json.loads(out.read_text() or "[]"):
        if isinstance(item, dict) and "url" in item:
            kind = CORSCANNER_CLASSES.get(item.get("type", ""), item.get("type", "?"))
            found.setdefault(item["url"].strip(), set()).add(kind)
    return elapsed, found, ""


def compare_clients(port: int, requests: int = 3000, concurrency: int = 50) -> None:
    """Raw GET rate of aiohttp and httpx against the same server (how the client was chosen)."""
    import aiohttp
    import httpx

    url = f"http://127.0.0.1:{port}/api/items/1"
    headers = {"Origin": "https://corsguard-probe.attacker.test"}

    async def with_aiohttp() -> float:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            gate = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with gate, session.get(url, headers=headers) as response:
                    await response.read()

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            return requests / (time.perf_counter() - start)

    async def with_httpx() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:
            gate = asyncio.Semaphore(concurrency)

            async def one() -> None:
                async with gate:
                    await client.get(url, headers=headers)

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            return requests / (time.perf_counter() - start)

    for name, measure in (("aiohttp", with_aiohttp), ("httpx", with_httpx)) * 2:
        print(f"{name}: {asyncio.run(measure()):.0f} requests/s")


# --- Report -----------------------------------------------------------------------------


def classes_by_path(found: dict[str, set[str]], lab_paths: dict[str, str]) -> dict[str, set[str]]:
    by_path: dict[str, set[str]] = {}
    for url, path in lab_paths.items():
        by_path.setdefault(path, set()).update(found.get(url, set()))
    return by_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.020, help="simulated round trip (s)")
    parser.add_argument("--servers", type=int, default=2, help="server processes (one port each)")
    parser.add_argument("--skip-corscanner", action="store_true")
    parser.add_argument(
        "--clients", action="store_true", help="only compare aiohttp and httpx request rates"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: one server
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.delay)
        return 0

    ports = [free_port() for _ in range(args.servers)]
    servers = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--delay", str(args.delay)],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        for port in ports
    ]
    try:
        for port in ports:
            wait_for(port)
        if args.clients:
            print(f"3000 GETs, 50 at a time, {args.delay * 1000:g} ms per answer")
            compare_clients(ports[0])
            return 0
        with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
            work = Path(folder)
            urls, lab_paths = inventory(args.targets, ports)
            listing = work / "targets.txt"
            listing.write_text("\n".join(urls) + "\n")
            print(
                f"{len(urls)} targets ({len(lab_paths)} with CORS), {args.delay * 1000:g} ms "
                f"per answer, concurrency {args.concurrency}, {args.servers} server processes"
            )

            elapsed, found, errors = run_corsguard(
                listing, ports, args.concurrency, work / "corsguard.jsonl"
            )
            ours = classes_by_path(found, lab_paths)
            rate = len(urls) / elapsed
            print(f"corsguard audit: {elapsed:.2f} s, {rate:.0f} targets/s, {errors} errors")

            theirs: dict[str, set[str]] | None = None
            their_rate = None
            if args.skip_corscanner:
                print("CORScanner: skipped (--skip-corscanner)")
            else:
                python, why = ensure_corscanner()
                if python is None:
                    print(f"CORScanner: NOT RUN: {why}")
                else:
                    c_elapsed, c_found, failure = run_corscanner(
                        python, listing, args.concurrency, work / "corscanner.json"
                    )
                    if failure:
                        print(f"CORScanner: NOT RUN: {failure}")
                    else:
                        theirs = classes_by_path(c_found, lab_paths)
                        their_rate = len(urls) / c_elapsed
                        print(f"CORScanner: {c_elapsed:.2f} s, {their_rate:.0f} targets/s")

            print()
            print(f"{'lab endpoint':<22} {'corsguard audit':<58} CORScanner")
            for path in sorted(ours):
                mine = ", ".join(sorted(ours[path])) or "-"
                other = "n/a" if theirs is None else ", ".join(sorted(theirs.get(path, ()))) or "-"
                print(f"{path:<22} {mine:<58} {other}")
            from corsguard.lab import ENDPOINTS

            lab_missed = {
                e.path: sorted(e.findings - ours.get(e.path, set()))
                for e in ENDPOINTS
                if e.findings - ours.get(e.path, set())
            }
            print(f"lab classes corsguard misses: {lab_missed or 'none'}")
            if theirs is not None and their_rate is not None:
                all_ours = set().union(*ours.values())
                all_theirs = set().union(*theirs.values())
                missed = sorted(all_theirs - all_ours)
                print()
                print(f"classes found: corsguard {len(all_ours)}, CORScanner {len(all_theirs)}")
                print(f"classes CORScanner finds that corsguard misses: {missed or 'none'}")
                print(f"speed: corsguard is {rate / their_rate:.1f}x CORScanner's rate")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
