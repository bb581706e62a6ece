"""The audit recognises the server stack from the evidence and writes the fix in its terms.

Recognition (corsguard.audit.stack) is a pure function over what a target sent; the table
below covers each signature and hostile values. The real servers (Express from npm, uvicorn,
Werkzeug, Python's wsgiref) are then audited end to end: the report names the stack and the
finding's ``fix`` is the one for that stack, with the user's own --origin, never the
placeholder. nginx is covered in tests/test_audit_cache.py (its real cache).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.stack import UNKNOWN, recognise, recognise_all
from corsguard.cli import main
from tests.helpers.fixes import assert_no_placeholder
from tests.helpers.node_servers import express_servers
from tests.helpers.servers import serve_asgi, serve_wsgi

FRONT_END = "https://app.stack-test.example.com"

RECOGNISE = [
    # (headers, body, expected name or None, expected first fix stack)
    ([("x-powered-by", "Express")], "", "Express", "express"),
    ([("server", "nginx/1.22.1")], "", "nginx", "nginx"),
    ([("server", "uvicorn")], "", "Starlette/FastAPI (uvicorn)", "starlette"),
    ([("server", "Werkzeug/3.0.1 Python/3.11.2")], "", "Flask (Werkzeug)", "flask-cors"),
    ([("x-powered-by", "PHP/8.2.7")], "", "PHP", "headers"),
    ([("server", "cloudflare")], "", "Cloudflare", "headers"),
    ([], "<pre>Cannot GET /api</pre>", "Express", "express"),
    (
        [],
        '{"timestamp":"2024-01-01T00:00:00","status":404,"error":"Not Found"}',
        "Spring",
        "spring",
    ),
    ([], "<h1>Whitelabel Error Page</h1>", "Spring", "spring"),
    (
        [],
        "<p>The requested resource was not found on this server.</p>",
        "Django",
        "django-cors-headers",
    ),
    (
        [],
        "<p>The requested URL was not found on the server. If you",
        "Flask (Werkzeug)",
        "flask-cors",
    ),
    ([], '{"detail":"Not Found"}', "Starlette/FastAPI", "starlette"),
    ([], "<hr><center>nginx</center>", "nginx", "nginx"),
    # Not recognised: other servers, a signature not at the start, a lookalike.
    ([("server", "WSGIServer/0.2 CPython/3.11")], "", None, None),
    ([("server", "my-nginx-fork")], "", None, None),
    ([("x-powered-by", "Expressive")], "", None, None),
    ([("server", "Apache")], "<html>Not Found</html>", None, None),
    # Hostile: a signature past the bounded prefix is never looked at.
    ([("server", " " * 300 + "nginx")], "", None, None),
    ([], "x" * 5000 + "<pre>Cannot GET /</pre>", None, None),
]


@pytest.mark.parametrize(("headers", "body", "name", "first"), RECOGNISE)
def test_recognise(
    headers: list[tuple[str, str]], body: str, name: str | None, first: str | None
) -> None:
    found = recognise(headers, body)
    if name is None:
        assert found is None
    else:
        assert found is not None
        assert (found.name, found.fixes[0]) == (name, first)
        assert len(found.evidence) <= 80


def test_python_stacks_give_the_framework_option_then_corsguard() -> None:
    for server in ("uvicorn", "Werkzeug/3.0"):
        found = recognise([("server", server)])
        assert found is not None and found.fixes[1] == "corsguard"


def test_the_framework_wins_over_the_server_in_front_of_it() -> None:
    behind_nginx = [([("server", "nginx")], ""), ([("x-powered-by", "Express")], "")]
    assert recognise_all(behind_nginx).name == "Express"
    assert recognise_all(list(reversed(behind_nginx))).name == "Express"
    assert recognise_all([([("server", "nginx")], "<pre>Cannot GET /x</pre>")]).name == "nginx"
    assert recognise_all([([], "")]) == UNKNOWN


def test_hostile_evidence_is_cut_short() -> None:
    found = recognise([("x-powered-by", "Express\x1b[31m" + "A" * 500)])
    assert found is not None and len(found.evidence) <= 80


def audit(url: str, tmp: Path, *extra: str) -> dict[str, Any]:
    out = tmp / "report.json"
    main(["audit", url, "--format", "json", "-o", str(out), *extra])
    (target,) = json.loads(out.read_text())["targets"]
    return target


def reflect_headers(origin: str) -> list[tuple[str, str]]:
    return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]


async def asgi_reflect(scope: dict[str, Any], receive: Any, send: Any) -> None:
    origin = dict(scope["headers"]).get(b"origin", b"").decode("latin-1")
    headers = [(k.lower().encode(), v.encode()) for k, v in reflect_headers(origin)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def wsgi_reflect(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", reflect_headers(environ.get("HTTP_ORIGIN", "")))
    return [b"{}"]


@contextlib.contextmanager
def serve_werkzeug() -> Iterator[int]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_reflect, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()


@contextlib.contextmanager
def serve_express() -> Iterator[int]:
    with express_servers() as port:
        yield port


SERVERS = [
    # (server, path, recognised name, the fix stacks in order, a text of the first fix)
    (serve_express, "/reflect", "Express", ["express"], "app.use(cors({ origin: ["),
    (
        lambda: serve_asgi(asgi_reflect),
        "/",
        "Starlette/FastAPI (uvicorn)",
        ["starlette", "corsguard"],
        "CORSMiddleware",
    ),
    (serve_werkzeug, "/", "Flask (Werkzeug)", ["flask-cors", "corsguard"], "CORS(app, origins=["),
    (
        lambda: serve_wsgi(wsgi_reflect),
        "/",
        "unknown",
        ["headers"],
        "Access-Control-Allow-Origin: <that origin>",
    ),
]


@pytest.mark.parametrize(
    ("serve", "path", "name", "stacks", "text"), SERVERS, ids=[s[2] for s in SERVERS]
)
def test_real_servers_get_the_fix_in_their_terms(
    serve: Any, path: str, name: str, stacks: list[str], text: str, tmp_path: Path
) -> None:
    with serve() as port:
        target = audit(f"http://127.0.0.1:{port}{path}", tmp_path, "--origin", FRONT_END)
    assert target["stack"]["name"] == name
    assert target["stack"]["fix_stacks"] == stacks
    reflected = next(f for f in target["findings"] if f["id"] == "origin-reflected")
    fix = reflected["fix"]
    assert text in fix
    assert FRONT_END in fix
    assert_no_placeholder(fix)
    # Each stack of the list, in order: for Python the framework's option, then corsguard.
    positions = [fix.index(reflected["fixes"][s].splitlines()[0]) for s in stacks]
    assert positions == sorted(positions)


def hostile_express(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    origin = environ.get("HTTP_ORIGIN", "")
    start_response(
        "200 OK",
        # U+202E (RIGHT-TO-LEFT OVERRIDE) as its UTF-8 bytes (wsgiref writes latin-1).
        [*reflect_headers(origin), ("X-Powered-By", "Express \xe2\x80\xae" + "x" * 3000)],
    )
    return [b"{}"]


def test_a_hostile_stack_header_reaches_the_table_escaped_and_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_wsgi(hostile_express) as port:
        main(["audit", f"http://127.0.0.1:{port}/", "--origin", FRONT_END])
    out = capsys.readouterr().out
    lines = [x for x in out.splitlines() if "stack:" in x]
    assert lines, out
    (line,) = lines
    assert "\u202e" not in line
    assert "Express \\u202e" in line and len(line) < 300
