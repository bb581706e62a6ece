"""Report-only mode through real servers (issue #14).

uvicorn serving a FastAPI app behind Starlette's CORSMiddleware, and gunicorn serving a
Flask app with flask-cors (wrapped by corsguard's WSGI middleware, and with the CORSGuard
extension), each configured to reflect every origin with credentials. The same raw requests
go to the app without corsguard and with corsguard in report-only mode: the responses must
be the same bytes (but the Date line), and the log must name each divergence. Then
`corsguard learn` reads the log that run wrote and proposes the policy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corsguard import Policy, decide, refusal_log
from corsguard.cli import main
from tests.helpers.apps_report_only import FRONT_END, STREAM_CHUNKS, fastapi_app
from tests.helpers.paths import ROOT, SRC
from tests.helpers.servers import free_port, serve_asgi

UNKNOWN = "https://reports.example.test"  # a front end nobody listed
LOCAL = "http://localhost:3000"  # a developer's machine: seen, not to be trusted
HOST = "api.example.test"

# (name, request). Each closes its connection, so a response is read to its end.
REQUESTS: list[tuple[str, bytes]] = [
    ("listed GET", b"GET /api/items HTTP/1.1\r\nOrigin: " + FRONT_END.encode() + b"\r\n"),
    (
        "unlisted GET with a cookie",
        b"GET /api/items HTTP/1.1\r\nOrigin: " + UNKNOWN.encode() + b"\r\nCookie: s=1\r\n",
    ),
    (
        "unlisted POST",
        b"POST /api/items HTTP/1.1\r\nOrigin: " + UNKNOWN.encode() + b"\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    ),
    (
        "preflight for PUT",
        b"OPTIONS /api/items HTTP/1.1\r\nOrigin: " + UNKNOWN.encode() + b"\r\n"
        b"Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: x-custom\r\n",
    ),
    ("localhost GET", b"GET /api/items HTTP/1.1\r\nOrigin: " + LOCAL.encode() + b"\r\n"),
    ("no Origin", b"GET /api/items HTTP/1.1\r\n"),
    ("listed stream", b"GET /api/stream HTTP/1.1\r\nOrigin: " + FRONT_END.encode() + b"\r\n"),
]
# (kind, method, origin, divergence) each server must log, and nothing else.
DIVERGENCES = {
    ("cross-origin", "GET", UNKNOWN, "would-refuse"),
    ("cross-origin", "POST", UNKNOWN, "would-refuse"),
    ("preflight", "OPTIONS", UNKNOWN, "would-refuse"),
    ("cross-origin", "GET", LOCAL, "would-refuse"),
}
_DATE = re.compile(rb"(?im)^date: [^\r\n]*\r\n")
_LINE = re.compile(r"corsguard report-only kind=(\S+) origin=\"([^\"]*)\" method=\"(\S+)\".*"
                   r" divergence=(\S+)")  # fmt: skip


def exchange(port: int, request: bytes) -> bytes:
    """Send one request (Host and Connection: close added) and read the whole response."""
    head, _sep, body = request.partition(b"\r\n\r\n")
    head = head.rstrip(b"\r\n")
    raw = head + b"\r\nHost: " + HOST.encode() + b"\r\nConnection: close\r\n\r\n" + body
    with socket.create_connection(("127.0.0.1", port), 10) as conn:
        conn.sendall(raw)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return _DATE.sub(b"date: -\r\n", b"".join(chunks))


def divergences(text: str) -> set[tuple[str, str, str, str]]:
    found = set()
    for line in text.splitlines():
        match = _LINE.search(line)
        if match is not None:
            kind, origin, method, divergence = match.groups()
            found.add((kind, method, origin, divergence))
    return found


@contextlib.contextmanager
def captured_log(path: Path) -> Iterator[None]:
    """The 'corsguard' loggers to a file, as an app's logging configuration would."""
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("corsguard")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        handler.close()


def learn_json(log: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    status = main(["learn", str(log), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert isinstance(out, dict)
    return out


def check_learned(out: dict[str, object]) -> None:
    """The proposal keeps the observed front end, adds the unknown one with what it used,
    and names localhost as not trusted."""
    policy = out["policy"]
    assert isinstance(policy, dict)
    assert policy["allow_origins"] == [FRONT_END, UNKNOWN]
    assert policy["allow_methods"] == ["GET", "POST", "PUT"]
    assert policy["allow_headers"] == ["content-type", "x-custom"]
    assert policy["allow_credentials"] is True
    origins = out["origins"]
    assert isinstance(origins, list)
    named = {o["origin"]: (o["trusted"], o["finding"]) for o in origins}
    assert named[LOCAL] == (False, "localhost-trusted")
    # Enforced, the learned policy grants what the unknown front end did.
    learned = Policy(**policy)
    for method, extra in (
        ("GET", [(b"cookie", b"s=1")]),
        ("POST", []),
        ("OPTIONS", [(b"access-control-request-method", b"PUT"),
                     (b"access-control-request-headers", b"x-custom")]),
    ):  # fmt: skip
        headers = [(b"host", HOST.encode()), (b"origin", UNKNOWN.encode()), *extra]
        assert decide(learned, method, "/api/items", headers).allowed, method


def test_uvicorn_fastapi_behind_starlette_cors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal_log.limiter.reset()
    log = tmp_path / "app.log"
    with serve_asgi(fastapi_app(None)) as plain:
        expected = [exchange(plain, request) for _name, request in REQUESTS]
    with captured_log(log):
        app = fastapi_app(True)
        with serve_asgi(app) as port:
            got = [exchange(port, request) for _name, request in REQUESTS]
    for (name, _request), want, have in zip(REQUESTS, expected, got, strict=True):
        assert have == want, name
    # The app answered everything, the write included, and streamed as it does alone.
    assert app.state.writes == 1
    statuses = [have.split(b" ", 2)[1] for have in got]
    assert statuses == [b"200", b"200", b"201", b"200", b"200", b"200", b"200"]
    assert all(chunk in got[-1] for chunk in STREAM_CHUNKS)
    assert b"transfer-encoding: chunked" in got[-1].lower()
    text = log.read_text()
    assert "report-only mode: CORS policy origins=[" + FRONT_END + "]" in text
    assert "NOT ENFORCED" in text
    assert divergences(text) == DIVERGENCES
    assert "corsguard refused" not in text and "corsguard unlisted" not in text
    check_learned(learn_json(log, capsys))
    # The control: the same policy enforced changes these answers (the comparison can fail).
    with serve_asgi(fastapi_app(False)) as enforcing:
        enforced = [exchange(enforcing, request) for _name, request in REQUESTS]
    changed = {
        name for (name, _r), a, b in zip(REQUESTS, expected, enforced, strict=True) if a != b
    }
    assert {"unlisted GET with a cookie", "unlisted POST", "preflight for PUT"} <= changed


@contextlib.contextmanager
def gunicorn(mode: str, stderr: Path) -> Iterator[int]:
    port = free_port()
    # A fixed hash seed: Flask's Allow header lists a set of methods, whose order would
    # otherwise differ from one process to the next, corsguard or not.
    env = dict(
        os.environ,
        PYTHONPATH=f"{SRC}{os.pathsep}{ROOT}",
        CORSGUARD_TEST_MODE=mode,
        PYTHONHASHSEED="0",
    )
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--log-level", "warning", "tests.helpers.apps_report_only:flask_app_from_env()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {stderr.read_text()}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.1)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def flask_without_corsguard(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    stderr = tmp_path_factory.mktemp("plain") / "stderr"
    with gunicorn("none", stderr) as port:
        return [exchange(port, request) for _name, request in REQUESTS]


@pytest.mark.parametrize("mode", ["wsgi", "extension"])
def test_gunicorn_flask_with_flask_cors(
    mode: str,
    flask_without_corsguard: list[bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stderr = tmp_path / "gunicorn.log"
    with gunicorn(mode, stderr) as port:
        got = [exchange(port, request) for _name, request in REQUESTS]
    for (name, _request), want, have in zip(REQUESTS, flask_without_corsguard, got, strict=True):
        assert have == want, name
    statuses = [have.split(b" ", 2)[1] for have in got]
    assert statuses == [b"200", b"200", b"201", b"200", b"200", b"200", b"200"]
    assert all(chunk in got[-1] for chunk in STREAM_CHUNKS)
    # Python's last-resort handler: WARNING lines on stderr, as a user sees them by default.
    text = stderr.read_text()
    assert "NOT ENFORCED" in text
    assert "flask-cors" not in text  # the leftover warning is for enforcing mode
    assert divergences(text) == DIVERGENCES
    check_learned(learn_json(stderr, capsys))
