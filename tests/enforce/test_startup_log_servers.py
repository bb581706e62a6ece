"""The start-up log (issues #11 and #14): the policy in force and its findings, visible under
the servers' default logging, once per policy per process.

The servers run for real as subprocesses with their default logging (uvicorn, gunicorn,
``flask run``); the line must be on their stderr once, however many requests follow.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from corsguard import Policy
from corsguard.startup import log_policy, summary
from tests.helpers.servers import free_port

QUICKSTART = {
    "allow_origins": ["https://app.example.com", "http://localhost:3000"],
    "allow_methods": ["GET", "POST", "PUT", "DELETE"],
    "allow_headers": ["Authorization", "X-Request-Id"],
    "allow_credentials": True,
}
SUMMARY = (
    "corsguard: CORS policy origins=[https://app.example.com, http://localhost:3000]; "
    "credentials=yes; methods=[DELETE, GET, POST, PUT]; headers=[authorization, x-request-id]; "
    "1 finding(s): [localhost-trusted, medium]"
)
FINDING = "corsguard: [localhost-trusted, medium] http://localhost:3000 is trusted with credentials"


@pytest.mark.parametrize(
    ("options", "level", "lines"),
    [
        (QUICKSTART, logging.WARNING, 2),
        ({"allow_origins": ["https://app.example.com"]}, logging.INFO, 1),
        ({"allow_origins": ["*"], "allow_private_network": True}, logging.WARNING, 3),
    ],
    ids=["quickstart", "clean", "public-private-network"],
)
def test_levels_and_once_per_policy(
    options: dict[str, object], level: int, lines: int, caplog: pytest.LogCaptureFixture
) -> None:
    policy = Policy(**options)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="corsguard"):  # its parent logger
        assert log_policy(policy) is True
        assert log_policy(policy) is False  # the same policy again: nothing more
    records = [r for r in caplog.records if r.name == "corsguard.startup"]
    assert len(records) == lines
    assert records[0].levelno == level
    assert all(r.levelno == logging.WARNING for r in records[1:])
    assert [r.getMessage().split("] ")[0] + "]" for r in records[1:]] == [
        f"corsguard: {f.label}" for f in policy.findings
    ]


def test_summary_escapes_controls_from_configuration() -> None:
    # A route key read from a file may hold a BiDi override (a control character such as
    # ESC is refused outright, tests/model/test_config_edges.py): shown escaped, never
    # interpreted by the terminal reading the log.
    sub = Policy(allow_origins=["https://b.example.com"])
    policy = Policy(allow_origins=["https://app.example.com"], routes={"/a\u202eb\u2066": sub})
    line = summary(policy)
    assert "\u202e" not in line and "\u2066" not in line
    assert "routes=[/a\\u202eb\\u2066]" in line


APP = """
from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware

# One policy for the three adapters: logged once in the process whichever builds first.
POLICY = Policy(**{options!r})

async def endpoint(scope, receive, send):
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({{"type": "lifespan.startup.complete"}})
        await send({{"type": "lifespan.shutdown.complete"}})
        return
    await send({{"type": "http.response.start", "status": 200, "headers": []}})
    await send({{"type": "http.response.body", "body": b"ok"}})

def wsgi_endpoint(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]

app = CORSMiddleware(endpoint, policy=POLICY)
wsgi_app = WSGIMiddleware(wsgi_endpoint, policy=POLICY)

from flask import Flask
from corsguard.flask import CORSGuard

flask_app = Flask(__name__)
CORSGuard(flask_app, policy=POLICY)

@flask_app.get("/")
def index():
    return "ok"
"""


def _stderr_of(command: list[str], folder: Path, port: int) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), *sys.path])}
    env.pop("PYTHONWARNINGS", None)
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        served = 0
        while served < 3:
            if process.poll() is not None or time.monotonic() > deadline:
                break
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/", headers={"Origin": "https://app.example.com"})
                conn.getresponse().read()
                conn.close()
                served += 1
                continue
            time.sleep(0.1)
        assert served == 3, "the server did not answer"
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    return err


DJANGO_SETTINGS = """
SECRET_KEY = "test"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "app"
MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware"]
CORSGUARD = {options!r}
"""
DJANGO_URLS = """
from django.http import HttpResponse
from django.urls import path
urlpatterns = [path("", lambda request: HttpResponse("ok"))]
"""

SERVERS = {
    "uvicorn": lambda port: [sys.executable, "-m", "uvicorn", "app:app", "--port", str(port)],
    "gunicorn": lambda port: [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "app:wsgi_app",
    ],
    "flask run": lambda port: [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "app:flask_app",
        "run",
        "--port",
        str(port),
    ],
    "django runserver": lambda port: [
        sys.executable,
        "-m",
        "django",
        "runserver",
        "--noreload",
        "--settings",
        "django_settings",
        f"127.0.0.1:{port}",
    ],
}


@pytest.mark.parametrize("server", list(SERVERS))
def test_line_on_stderr_under_default_logging(server: str, tmp_path: Path) -> None:
    if server == "django runserver":
        (tmp_path / "django_settings.py").write_text(DJANGO_SETTINGS.format(options=QUICKSTART))
        (tmp_path / "app.py").write_text(DJANGO_URLS)
    else:
        (tmp_path / "app.py").write_text(textwrap.dedent(APP.format(options=QUICKSTART)))
    port = free_port()
    err = _stderr_of(SERVERS[server](port), tmp_path, port)
    lines = err.splitlines()
    assert lines.count(SUMMARY) == 1, err
    assert sum(line.startswith(FINDING) for line in lines) == 1, err


def test_clean_policy_is_quiet_by_default(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(APP.format(options={"allow_origins": ["https://app.example.com"]}))
    )
    port = free_port()
    err = _stderr_of(SERVERS["uvicorn"](port), tmp_path, port)
    assert "Uvicorn running" in err  # the server's own log is there
    assert "corsguard" not in err  # an INFO summary: not shown by default
