"""An invalid policy stops the server at start-up, for every quickstart in the README.

Each case writes the quickstart as a ``main.py`` in a temporary directory and runs the real
server command a user would type (``uvicorn main:app`` with default options, ``flask run``,
Django's ``runserver``) on 127.0.0.1. The process must exit non-zero and print the policy's
problem; the same app with a valid policy must start and answer.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from corsguard import PolicyError
from corsguard.asgi import CORSMiddleware
from tests.helpers import paths
from tests.helpers.servers import free_port

SRC = str(paths.SRC)
PYTHON = sys.executable
BAD_ORIGIN = "https://app.example.com/"
PROBLEM = "'https://app.example.com/' has a trailing slash"
# A secret that sits next to the broken option: it must reach neither a response nor a page.
SECRET = "s3cr3t-token-value"

FASTAPI = """
from fastapi import FastAPI
from corsguard.asgi import CORSMiddleware

SECRET_KEY = "{secret}"
app = FastAPI()

@app.get("/")
def index():
    return {{"ok": True}}

app.add_middleware(
    CORSMiddleware,
    allow_origins=["{origin}", "http://localhost:3000"],
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Authorization", "X-Request-Id"],
    allow_credentials=True,
)
"""

STARLETTE = """
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from corsguard.asgi import CORSMiddleware

SECRET_KEY = "{secret}"

async def index(request):
    return PlainTextResponse("ok")

app = Starlette(
    routes=[Route("/", index)],
    middleware=[Middleware(CORSMiddleware, allow_origins=["{origin}"])],
)
"""

FASTAPI_ENV = """
from fastapi import FastAPI
from corsguard import Policy
from corsguard.asgi import CORSMiddleware

app = FastAPI()

@app.get("/")
def index():
    return {{"ok": True}}

app.add_middleware(CORSMiddleware, policy=Policy.from_env())
"""

ASGI_APPS = {"fastapi": FASTAPI, "starlette": STARLETTE, "fastapi-from-env": FASTAPI_ENV}


def environment(origin: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CORSGUARD_", "FLASK_"))}
    env["PYTHONPATH"] = SRC
    env["CORSGUARD_ALLOW_ORIGINS"] = origin
    return env


def write_app(tmp_path: Path, template: str, origin: str) -> Path:
    (tmp_path / "main.py").write_text(
        textwrap.dedent(template).format(origin=origin, secret=SECRET)
    )
    return tmp_path


def run_to_exit(
    command: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a server command that must stop by itself; a server still up after 60 s fails.

    In a session of its own, so that a reloader's child process is stopped with it.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        stop(process)
        out, err = process.communicate()
        pytest.fail(f"{command} kept serving with an invalid policy: {err[-2000:]!r}")
    finally:
        stop(process)
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def stop(process: subprocess.Popen[str]) -> None:
    """Stop the process and everything it started (its session), if still running."""
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@contextmanager
def running(
    command: list[str], cwd: Path, env: dict[str, str], port: int
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else ""
                pytest.fail(f"{command} exited {process.returncode}: {out[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers, whatever the status
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{command} did not start")
                time.sleep(0.1)
        yield process
    finally:
        stop(process)


def get(port: int) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def uvicorn(port: int, *options: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "uvicorn",
        "main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]


# ------------------------------------------------------------------ ASGI under uvicorn


@pytest.mark.parametrize(
    "lifespan", [(), ("--lifespan", "on"), ("--lifespan", "auto")], ids=["default", "on", "auto"]
)
@pytest.mark.parametrize("name", sorted(ASGI_APPS))
def test_uvicorn_exits_on_an_invalid_policy(
    tmp_path: Path, name: str, lifespan: tuple[str, ...]
) -> None:
    cwd = write_app(tmp_path, ASGI_APPS[name], BAD_ORIGIN)
    result = run_to_exit(uvicorn(free_port(), *lifespan), cwd, environment(BAD_ORIGIN))
    assert result.returncode != 0
    assert PROBLEM in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize("name", sorted(ASGI_APPS))
def test_uvicorn_serves_a_valid_policy(tmp_path: Path, name: str) -> None:
    good = "https://app.example.com"
    cwd = write_app(tmp_path, ASGI_APPS[name], good)
    port = free_port()
    with running(uvicorn(port), cwd, environment(good), port):
        status, _ = get(port)
    assert status == 200


@pytest.mark.parametrize("name", ["fastapi", "starlette"])
def test_uvicorn_lifespan_off_answers_500_and_logs(tmp_path: Path, name: str) -> None:
    # No lifespan events: nothing runs before the first request, which builds the
    # middleware stack. Every request is refused; the log names the problem.
    cwd = write_app(tmp_path, ASGI_APPS[name], BAD_ORIGIN)
    port = free_port()
    with running(uvicorn(port, "--lifespan", "off"), cwd, environment(BAD_ORIGIN), port) as process:
        status, body = get(port)
        again, _ = get(port)
    out = process.stdout.read() if process.stdout else ""
    assert (status, again) == (500, 500)
    assert b"CORS policy is invalid" in body
    assert SECRET.encode() not in body and b"app.example.com" not in body
    assert PROBLEM in out
    assert "Traceback" not in out


# An app with its own FastAPI lifespan: corsguard's start-up failure comes first, and the
# app's own start-up code never runs with an invalid policy in force.
FASTAPI_OWN_LIFESPAN = """
from contextlib import asynccontextmanager
from fastapi import FastAPI
from corsguard.asgi import CORSMiddleware

SECRET_KEY = "{secret}"

@asynccontextmanager
async def lifespan(app):
    print("APP LIFESPAN STARTED", flush=True)
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/")
def index():
    return {{"ok": True}}

app.add_middleware(CORSMiddleware, allow_origins=["{origin}"], allow_credentials=True)
"""

# (id, the command after the port is chosen, the app): the other ways users start an ASGI
# app. gunicorn with uvicorn's worker class exits with "Worker failed to boot".
OTHER_LAUNCHERS = {
    "gunicorn-uvicorn-worker": (
        lambda port: [PYTHON, "-m", "gunicorn", "-k", "uvicorn.workers.UvicornWorker",
                      "-b", f"127.0.0.1:{port}", "main:app"],
        FASTAPI,
    ),
    "fastapi-own-lifespan": (lambda port: uvicorn(port), FASTAPI_OWN_LIFESPAN),
}  # fmt: skip


@pytest.mark.parametrize("launcher", sorted(OTHER_LAUNCHERS))
def test_other_asgi_launchers_exit_on_an_invalid_policy(tmp_path: Path, launcher: str) -> None:
    command, template = OTHER_LAUNCHERS[launcher]
    cwd = write_app(tmp_path, template, BAD_ORIGIN)
    result = run_to_exit(command(free_port()), cwd, environment(BAD_ORIGIN))
    assert result.returncode != 0
    assert PROBLEM in result.stderr
    assert SECRET not in result.stderr
    assert "APP LIFESPAN STARTED" not in result.stdout


# Supervisors that stop when their worker fails its lifespan start-up but then exit with
# status 0 themselves (documented in docs/deployment.md): the check is that they stop by
# themselves, print the problem and never report a completed start-up.
SUPERVISORS = {
    "uvicorn-workers-2": lambda port: uvicorn(port, "--workers", "2"),
    "hypercorn": lambda port: [PYTHON, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}",
                               "main:app"],
}  # fmt: skip


@pytest.mark.parametrize("supervisor", sorted(SUPERVISORS))
def test_supervisors_stop_on_an_invalid_policy(tmp_path: Path, supervisor: str) -> None:
    cwd = write_app(tmp_path, FASTAPI, BAD_ORIGIN)
    result = run_to_exit(SUPERVISORS[supervisor](free_port()), cwd, environment(BAD_ORIGIN))
    assert PROBLEM in result.stderr
    assert "startup failed" in result.stderr.lower() or "failure in startup" in result.stderr
    assert "Application startup complete" not in result.stderr
    assert SECRET not in result.stderr


# A FastAPI sub-app mounted on another: Starlette sends no lifespan events to mounted apps,
# so the sub-app's middleware is built at its first request. The server starts; every
# request to the sub-app gets a 500 that names nothing, and the log names the problem.
MOUNTED_SUB_APP = """
from fastapi import FastAPI
from corsguard.asgi import CORSMiddleware

SECRET_KEY = "{secret}"
sub = FastAPI()

@sub.get("/x")
def x():
    return {{"ok": True}}

sub.add_middleware(CORSMiddleware, allow_origins=["{origin}"])
app = FastAPI()

@app.get("/")
def index():
    return {{"ok": True}}

app.mount("/api", sub)
"""


def test_mounted_sub_app_with_an_invalid_policy_answers_500(tmp_path: Path) -> None:
    cwd = write_app(tmp_path, MOUNTED_SUB_APP, BAD_ORIGIN)
    port = free_port()
    with running(uvicorn(port), cwd, environment(BAD_ORIGIN), port) as process:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/x", timeout=10) as r:
                status, body = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
    out = process.stdout.read() if process.stdout else ""
    assert status == 500
    assert b"CORS policy is invalid" in body and b"app.example.com" not in body
    assert PROBLEM in out


# ------------------------------------------------------------------ in-process behaviour


def test_direct_construction_still_raises() -> None:
    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("not reached")

    with pytest.raises(PolicyError) as info:
        CORSMiddleware(app, allow_origins=[BAD_ORIGIN])
    assert PROBLEM in str(info.value)


@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
def test_lazy_build_keeps_the_error_and_answers_each_scope(framework: str) -> None:
    import asyncio

    from fastapi import FastAPI
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    if framework == "fastapi":
        app: Any = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=[BAD_ORIGIN])
    else:
        app = Starlette(middleware=[Middleware(CORSMiddleware, allow_origins=[BAD_ORIGIN])])

    async def exchange(scope: dict[str, Any], incoming: list[dict[str, Any]]) -> list[Any]:
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return incoming.pop(0)

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    lifespan = asyncio.run(exchange({"type": "lifespan"}, [{"type": "lifespan.startup"}]))
    assert [m["type"] for m in lifespan] == ["lifespan.startup.failed"]
    assert PROBLEM in lifespan[0]["message"]
    http = asyncio.run(
        exchange(
            {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""},
            [{"type": "http.request", "body": b""}],
        )
    )
    assert http[0]["status"] == 500
    assert b"app.example.com" not in http[1]["body"]
    ws = asyncio.run(
        exchange(
            {"type": "websocket", "path": "/", "headers": [], "query_string": b""},
            [{"type": "websocket.connect"}],
        )
    )
    assert [m["type"] for m in ws] == ["websocket.close"]


# ------------------------------------------------------------------ Flask


FLASK_EXTENSION = """
from flask import Flask
from corsguard.flask import CORSGuard

app = Flask(__name__)
app.config["SECRET_KEY"] = "{secret}"
app.config["CORSGUARD"] = {{"allow_origins": ["{origin}"], "allow_credentials": True}}
CORSGuard(app)

@app.get("/")
def index():
    return "ok"
"""

FLASK_WSGI = """
from flask import Flask
from corsguard.wsgi import CORSMiddleware

app = Flask(__name__)
app.config["SECRET_KEY"] = "{secret}"
app.wsgi_app = CORSMiddleware(app.wsgi_app, allow_origins=["{origin}"], allow_credentials=True)

@app.get("/")
def index():
    return "ok"
"""


@pytest.mark.parametrize("template", [FLASK_EXTENSION, FLASK_WSGI], ids=["extension", "wsgi"])
def test_flask_run_exits_on_an_invalid_policy(tmp_path: Path, template: str) -> None:
    cwd = write_app(tmp_path, template, BAD_ORIGIN)
    command = [PYTHON, "-m", "flask", "--app", "main", "run", "--port", str(free_port())]
    result = run_to_exit(command, cwd, environment(BAD_ORIGIN))
    assert result.returncode != 0
    assert PROBLEM in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize("template", [FLASK_EXTENSION, FLASK_WSGI], ids=["extension", "wsgi"])
def test_gunicorn_flask_exits_on_an_invalid_policy(tmp_path: Path, template: str) -> None:
    cwd = write_app(tmp_path, template, BAD_ORIGIN)
    command = [PYTHON, "-m", "gunicorn", "-b", f"127.0.0.1:{free_port()}", "main:app"]
    result = run_to_exit(command, cwd, environment(BAD_ORIGIN))
    assert result.returncode != 0
    assert PROBLEM in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize("template", [FLASK_EXTENSION, FLASK_WSGI], ids=["extension", "wsgi"])
def test_flask_run_serves_a_valid_policy(tmp_path: Path, template: str) -> None:
    good = "https://app.example.com"
    cwd = write_app(tmp_path, template, good)
    port = free_port()
    command = [PYTHON, "-m", "flask", "--app", "main", "run", "--port", str(port)]
    with running(command, cwd, environment(good), port):
        status, body = get(port)
    assert (status, body) == (200, b"ok")


# ------------------------------------------------------------------ Django


DJANGO_SETTINGS = """
SECRET_KEY = "{secret}"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "main"
INSTALLED_APPS = {installed}
MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware", "django.middleware.common.CommonMiddleware"]
CORSGUARD = {{"allow_origins": ["{origin}"], "allow_credentials": True}}
"""

DJANGO_MAIN = """
from django.http import HttpResponse
from django.urls import path

def index(request):
    return HttpResponse("ok")

urlpatterns = [path("", index)]
"""

DJANGO_WSGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
"""

DJANGO_APPS = {"with-checks": '["corsguard.django.CORSGuardConfig"]', "without-checks": "[]"}


def write_django(tmp_path: Path, origin: str, installed: str) -> dict[str, str]:
    (tmp_path / "settings.py").write_text(
        textwrap.dedent(DJANGO_SETTINGS).format(secret=SECRET, origin=origin, installed=installed)
    )
    (tmp_path / "main.py").write_text(textwrap.dedent(DJANGO_MAIN))
    (tmp_path / "wsgi.py").write_text(textwrap.dedent(DJANGO_WSGI))
    env = environment(origin)
    env["DJANGO_SETTINGS_MODULE"] = "settings"
    env["PYTHONPATH"] = SRC + os.pathsep + str(tmp_path)
    return env


def django_runserver(port: int) -> list[str]:
    return [PYTHON, "-m", "django", "runserver", f"127.0.0.1:{port}"]


@pytest.mark.parametrize("installed", sorted(DJANGO_APPS))
def test_django_runserver_noreload_exits_on_an_invalid_policy(
    tmp_path: Path, installed: str
) -> None:
    env = write_django(tmp_path, BAD_ORIGIN, DJANGO_APPS[installed])
    result = run_to_exit([*django_runserver(free_port()), "--noreload"], tmp_path, env)
    assert result.returncode != 0
    assert PROBLEM in result.stderr
    assert SECRET not in result.stderr


@pytest.mark.parametrize("installed", sorted(DJANGO_APPS))
def test_django_runserver_never_serves_an_invalid_policy(tmp_path: Path, installed: str) -> None:
    # With its autoreloader (the default), runserver treats any start-up error, its own
    # system-check errors included, by waiting for a code change instead of exiting: the
    # error is printed and the port is never opened.
    env = write_django(tmp_path, BAD_ORIGIN, DJANGO_APPS[installed])
    port = free_port()
    log = tmp_path / "stderr.txt"
    with log.open("w") as errors:
        process = subprocess.Popen(
            django_runserver(port),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while PROBLEM not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert PROBLEM in log.read_text()
        assert SECRET not in log.read_text()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        stop(process)  # type: ignore[arg-type]


def test_django_runserver_serves_a_valid_policy(tmp_path: Path) -> None:
    good = "https://app.example.com"
    env = write_django(tmp_path, good, DJANGO_APPS["with-checks"])
    port = free_port()
    with running(django_runserver(port), tmp_path, env, port):
        status, body = get(port)
    assert (status, body) == (200, b"ok")


def test_django_wsgi_server_exits_on_an_invalid_policy(tmp_path: Path) -> None:
    # A production WSGI server imports wsgi.py, whose get_wsgi_application() builds the
    # middleware chain: the invalid policy stops the import, so the worker never serves.
    env = write_django(tmp_path, BAD_ORIGIN, DJANGO_APPS["without-checks"])
    port = free_port()
    serve = (
        "from wsgiref.simple_server import make_server; import wsgi; "
        f"make_server('127.0.0.1', {port}, wsgi.application).serve_forever()"
    )
    command = [PYTHON, "-c", serve]
    result = run_to_exit(command, tmp_path, env)
    assert result.returncode != 0
    assert PROBLEM in result.stderr
