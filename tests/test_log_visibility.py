"""Refusals and unlisted origins show up under each real server's default logging.

Each server runs as a subprocess with its own default logging configuration (no LOGGING,
no --log-config); the test sends a refused preflight and a simple GET from an unlisted
origin, stops the server, and reads what it printed.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from servers import free_port

SRC = str(Path(__file__).resolve().parents[1] / "src")
BIN = Path(sys.executable).parent
APP = "https://app.example.com"
EVIL = "https://new-frontend.example.net"

ASGI_APP = """
from corsguard.asgi import CORSMiddleware

async def inner(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

app = CORSMiddleware(inner, allow_origins=["https://app.example.com"], allow_methods=["GET"])
"""

WSGI_APP = """
from corsguard.wsgi import CORSMiddleware

def inner(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

app = CORSMiddleware(inner, allow_origins=["https://app.example.com"], allow_methods=["GET"])
"""

FLASK_APP = """
from flask import Flask
from corsguard import Policy
from corsguard.flask import CORSGuard

app = Flask(__name__)
CORSGuard(app, policy=Policy(allow_origins=["https://app.example.com"], allow_methods=["GET"]))

@app.route("/api/items", methods=["GET", "DELETE"])
def items():
    return "ok"
"""

DJANGO_SETTINGS = """
SECRET_KEY = "corsguard-visibility-test"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "djurls"
INSTALLED_APPS = []
MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware"]
CORSGUARD = {"allow_origins": ["https://app.example.com"], "allow_methods": ["GET"]}
"""

DJANGO_URLS = """
from django.http import HttpResponse
from django.urls import re_path

urlpatterns = [re_path(r"", lambda request: HttpResponse("ok"))]
"""


def _uvicorn(port: int) -> list[str]:
    return [str(BIN / "uvicorn"), "asgiapp:app", "--host", "127.0.0.1", "--port", str(port)]


def _gunicorn(port: int) -> list[str]:
    return [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1", "wsgiapp:app"]


def _flask(port: int) -> list[str]:
    return [str(BIN / "flask"), "--app", "flaskapp", "run", "--port", str(port)]


def _django(port: int) -> list[str]:
    return [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"]


SERVERS = {
    "uvicorn": (_uvicorn, {"asgiapp.py": ASGI_APP}),
    "gunicorn": (_gunicorn, {"wsgiapp.py": WSGI_APP}),
    "flask run": (_flask, {"flaskapp.py": FLASK_APP}),
    "django runserver": (_django, {"djsettings.py": DJANGO_SETTINGS, "djurls.py": DJANGO_URLS}),
}


def _wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start listening")


def _request(port: int, method: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, "/api/items", headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.mark.parametrize("server", list(SERVERS))
def test_refusals_and_unlisted_origins_reach_default_server_output(
    server: str, tmp_path: Path
) -> None:
    command, files = SERVERS[server]
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    port = free_port()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(tmp_path), SRC]),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="djsettings",
    )
    output = tmp_path / "output.txt"
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            command(port), cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            _wait_for(port, proc)
            refused = _request(
                port,
                "OPTIONS",
                {"Origin": EVIL, "Access-Control-Request-Method": "DELETE"},
            )
            passed = _request(port, "GET", {"Origin": EVIL})
            allowed = _request(port, "GET", {"Origin": APP})
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = output.read_text("utf-8", "replace")
    assert (refused, passed, allowed) == (403, 200, 200), text
    lines = [line for line in text.splitlines() if line.startswith("corsguard ")]
    assert any(
        line.startswith("corsguard refused kind=preflight")
        and f'origin="{EVIL}"' in line
        and 'path="/api/items"' in line
        and 'request_method="DELETE"' in line
        for line in lines
    ), text
    assert any(
        line.startswith("corsguard unlisted kind=cross-origin")
        and f'origin="{EVIL}"' in line
        and 'method="GET"' in line
        for line in lines
    ), text
    # The trusted origin's request leaves no line.
    assert not any(f'origin="{APP}"' in line for line in lines), text
