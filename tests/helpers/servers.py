"""Test support: real servers on 127.0.0.1 and a real headless Chromium.

Browser tests use Debian's chromium through Playwright (never a downloaded browser).
Made-up names under .example.test and .attacker.test resolve to 127.0.0.1 through
Chromium's --host-resolver-rules, so two registrable domains exist and cross-site
cookie rules apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corsguard.audit.prove import OFFLINE_FLAGS

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

RESOLVER_RULES = "MAP *.example.test 127.0.0.1, MAP *.attacker.test 127.0.0.1"

LAUNCH_FLAGS = list(OFFLINE_FLAGS)


def find_chromium() -> str | None:
    env = os.environ.get("CORSGUARD_CHROMIUM")
    if env:
        return env
    for path in CHROMIUM_CANDIDATES:
        if os.path.exists(path):
            return path
    return shutil.which("chromium")


def require_chromium() -> str:
    """The Chromium binary; in CI its absence is a failure, elsewhere a skip with a hint."""
    path = find_chromium()
    if path is None:
        message = "Chromium not found: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def read_head(conn: socket.socket) -> bytes:
    """What a raw-socket test server reads of a request: up to the end of its head."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_asgi(app: Any, port: int | None = None, **config: Any) -> Iterator[int]:
    """Run an ASGI app under uvicorn on 127.0.0.1 in a thread; yield its port."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(5)


@contextlib.contextmanager
def serve_wsgi(app: Callable[..., Any], port: int | None = None) -> Iterator[int]:
    """Run a WSGI app on 127.0.0.1 in a thread (wsgiref, threaded); yield its port."""
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Threaded(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = True

    port = port or free_port()
    server = make_server("127.0.0.1", port, app, server_class=Threaded, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def launch_chromium(extra_rules: str = "") -> Iterator[Any]:
    """A Playwright Browser on Debian's Chromium, with its profile in a temporary folder."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    rules = RESOLVER_RULES + (", " + extra_rules if extra_rules else "")
    with tempfile.TemporaryDirectory(prefix="corsguard-chromium-") as home:
        env = dict(os.environ)
        env.update(
            HOME=home,
            XDG_CONFIG_HOME=os.path.join(home, "config"),
            XDG_CACHE_HOME=os.path.join(home, "cache"),
            XDG_DATA_HOME=os.path.join(home, "data"),
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=executable,
                args=[*LAUNCH_FLAGS, f"--host-resolver-rules={rules}"],
                env=env,
            )
            try:
                yield browser
            finally:
                browser.close()


def run_coroutine(coro: Any) -> Any:
    return asyncio.new_event_loop().run_until_complete(coro)
