"""Issue #10 through real servers: the path corsguard applies routes and exemptions to is the
one the router dispatches on, below the mount point, decoded as UTF-8, and an encoded
slash cannot borrow an exemption or a laxer route.

The same requests go, byte for byte (http.client does not normalise the target), to:
- uvicorn in front of a Starlette app with corsguard's ASGI middleware, as it is, with
  ``root_path="/svc"`` (``--root-path``), and mounted with ``Mount("/v1", app=sub)``;
- gunicorn (a subprocess, ``SCRIPT_NAME=/svc``) and waitress (``url_prefix="/svc"``) in
  front of Flask with the corsguard extension and Flask under corsguard's WSGI middleware;
- gunicorn in front of Django's WSGI handler, and uvicorn (``--root-path /svc``) in front of
  Django's ASGI handler, with corsguard's Django middleware.
Each handler names itself in its body, so "which handler ran" is observed.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from tests.helpers import apps_paths
from tests.helpers.apps_paths import EVIL, OPTIONS, PARTNER, TRUSTED
from tests.helpers.paths import ROOT, SRC
from tests.helpers.servers import free_port, serve_asgi

# The apps a server subprocess imports, by their dotted name from the repository root.
APPS = "tests.helpers.apps_paths"

FORM = {
    "Origin": EVIL,
    "Sec-Fetch-Site": "cross-site",
    "Cookie": "session=victim",
    "Content-Type": "application/x-www-form-urlencoded",
}

# (method, target below the mount, headers, status, handler that ran, Allow-Origin)
CASES: list[tuple[str, str, dict[str, str], int, str | None, str | None]] = [
    # The encoded-slash bypass: the router runs /files, the exemption is for /webhooks.
    ("POST", "/files/x%2F..%2F..%2Fwebhooks", FORM, 403, None, None),
    ("POST", "/files/x%2f..%2f..%2fwebhooks%2fgithub", FORM, 403, None, None),
    ("POST", "/files/report", FORM, 403, None, None),
    ("POST", "/webhooks/github", FORM, 200, "webhooks", None),
    # A stricter route below the mount point.
    ("GET", "/admin/secret", {"Origin": PARTNER}, 200, "admin", None),
    ("GET", "/admin/secret", {"Origin": TRUSTED}, 200, "admin", TRUSTED),
    ("GET", "/other", {"Origin": PARTNER}, 200, "catch-all", PARTNER),
    # An encoded slash: the router runs /admin, another reading sees one segment.
    ("GET", "/admin%2Fsecret", {"Origin": TRUSTED}, 200, "admin", None),
    # A non-ASCII route prefix, sent as UTF-8 escapes.
    ("GET", "/caf%C3%A9/menu", {"Origin": EVIL}, 200, "café", "*"),
    ("GET", "/caf%C3%A9s/menu", {"Origin": EVIL}, 200, "catch-all", None),
]


def send(port: int, method: str, target: str, headers: dict[str, str]) -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        body = b"amount=1000000" if method == "POST" else b""
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def check(port: int, mount: str, case: tuple[Any, ...]) -> None:
    method, target, headers, status, handler, acao = case
    got, response, body = send(port, method, mount + target, headers)
    assert got == status, body
    if handler is not None:
        assert body == f"{handler} handler ran"
    else:
        assert "handler ran" not in body
    assert response.getheader("Access-Control-Allow-Origin") == acao


# --- uvicorn --------------------------------------------------------------------------------


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def handler(name: str) -> Any:
        async def endpoint(request: Request) -> PlainTextResponse:
            return PlainTextResponse(f"{name} handler ran")

        return endpoint

    routes = [
        Route(f"/{name}/{{rest:path}}", handler(name), methods=["GET", "POST"])
        for name in ("files", "webhooks", "admin", "café")
    ]
    routes.append(Route("/{rest:path}", handler("catch-all"), methods=["GET", "POST"]))
    policy = Policy(
        **{
            **OPTIONS,
            "routes": {prefix: Policy(**sub) for prefix, sub in OPTIONS["routes"].items()},
        }
    )
    return Starlette(routes=routes, middleware=[Middleware(CORSMiddleware, policy=policy)])


@pytest.fixture(scope="module")
def uvicorn_plain() -> Iterator[int]:
    with serve_asgi(starlette_app()) as port:
        yield port


@pytest.fixture(scope="module")
def uvicorn_root_path() -> Iterator[int]:
    # uvicorn --root-path /svc: a proxy strips /svc, uvicorn puts it back in scope["path"].
    with serve_asgi(starlette_app(), root_path="/svc") as port:
        yield port


@pytest.fixture(scope="module")
def uvicorn_mount() -> Iterator[int]:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    with serve_asgi(Starlette(routes=[Mount("/v1", app=starlette_app())])) as port:
        yield port


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2].get('Origin')}")
def test_uvicorn(uvicorn_plain: int, case: tuple[Any, ...]) -> None:
    check(uvicorn_plain, "", case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2].get('Origin')}")
def test_uvicorn_root_path(uvicorn_root_path: int, case: tuple[Any, ...]) -> None:
    check(uvicorn_root_path, "", case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2].get('Origin')}")
def test_uvicorn_starlette_mount(uvicorn_mount: int, case: tuple[Any, ...]) -> None:
    check(uvicorn_mount, "/v1", case)


# --- gunicorn and waitress ------------------------------------------------------------------


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else b""
            raise RuntimeError(f"server exited: {out.decode(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


@contextlib.contextmanager
def gunicorn(app: str, **env: str) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    with subprocess_server([*command, "--log-level", "warning", app], port, **env):
        yield port


@contextlib.contextmanager
def subprocess_server(command: list[str], port: int, **env: str) -> Iterator[None]:
    environ = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{ROOT}", SCRIPT_NAME="/svc", **env)
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stdout:
            proc.stdout.close()


@contextlib.contextmanager
def waitress(app: Any) -> Iterator[int]:
    from waitress.server import create_server

    port = free_port()
    server = create_server(app, host="127.0.0.1", port=port, url_prefix="/svc", threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield port
    finally:
        server.close()


SERVERS = ["gunicorn flask_ext", "gunicorn flask_wsgi", "gunicorn django_app"]
SERVERS += ["waitress flask_ext", "waitress flask_wsgi"]


@pytest.fixture(scope="module", params=SERVERS)
def wsgi_server(request: pytest.FixtureRequest) -> Iterator[int]:
    server, app = request.param.split()
    if server == "gunicorn":
        env = {"DJANGO_SETTINGS_MODULE": APPS} if app == "django_app" else {}
        with gunicorn(f"{APPS}:{app}", **env) as port:
            yield port
    else:
        with waitress(getattr(apps_paths, app)) as port:
            yield port


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2].get('Origin')}")
def test_wsgi_servers_below_script_name(wsgi_server: int, case: tuple[Any, ...]) -> None:
    check(wsgi_server, "/svc", case)


@pytest.fixture(scope="module")
def django_asgi_root_path() -> Iterator[int]:
    # Django's ASGI handler under the uvicorn command line, --root-path /svc.
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--root-path", "/svc", "--log-level", "warning", f"{APPS}:django_asgi"]
    with subprocess_server(command, port, DJANGO_SETTINGS_MODULE=APPS):
        yield port


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]} {c[1]} {c[2].get('Origin')}")
def test_django_asgi_under_uvicorn_root_path(
    django_asgi_root_path: int, case: tuple[Any, ...]
) -> None:
    check(django_asgi_root_path, "", case)
