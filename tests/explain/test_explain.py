"""`corsguard explain` against the differential server, hostile servers, bad input, HAR files."""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard import browser
from corsguard.cli import main
from tests.helpers.browser_cases import Case, World, build_cases, cases_by_label, serve_world
from tests.helpers.paths import ROOT
from tests.helpers.servers import read_head

HOSTS = ("api.attacker.test", "other.attacker.test", "page.example.test")


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[World, dict[int, list[tuple[str, ...]]]]]:
    cases = build_cases()
    log: dict[int, list[tuple[str, ...]]] = {}
    w = World(0, secrets.token_hex(4))
    w.cases = {c.id: c for c in cases}
    with serve_world(w, log):
        yield w, log


def argv_for(w: World, case: Case, *extra: str) -> list[str]:
    argv = ["explain", w.url(case, 0), "--origin", w.origin, "-X", case.method]
    for name, value in case.headers:
        argv += ["-H", f"{name}: {value}"]
    if case.credentials == "include":
        argv.append("--credentials")
    for host in HOSTS:
        argv += ["--resolve", f"{host}:{w.port}:127.0.0.1"]
    return [*argv, "--timeout", "5", *extra]


def expressible(case: Case) -> bool:
    """Cases the command line can state (curl-style -H refuses bad names and line breaks)."""
    return (
        case.mode == "cors"
        and not case.label.startswith(("bad-header", "header:value-trimmed"))
        and "total-" not in case.label  # long argv, covered by the browser test
    )


SAMPLE = [c.label for c in build_cases() if expressible(c)][::4]


@pytest.mark.parametrize("label", SAMPLE)
def test_explain_agrees_with_model(
    world: tuple[World, dict[int, list[tuple[str, ...]]]], label: str, capsys: Any
) -> None:
    w, log = world
    case = cases_by_label(build_cases())[label]
    w.run = secrets.token_hex(4)  # fresh URLs: the server log starts empty for this case
    code = main(argv_for(w, case, "--json", "--send"))
    out = capsys.readouterr()
    doc = json.loads(out.out)
    verdict = browser.run(w.request(case), w.responder(case))
    assert doc["allowed"] is verdict.allowed
    assert code == (0 if verdict.allowed else 1)
    failed = verdict.failed
    assert doc["failed"] == (failed.id if failed else None)
    assert doc["preflight"]["needed"] is verdict.preflight.needed
    assert [c["id"] for c in doc["checks"]] == [c.id for c in verdict.checks]
    # explain sent what the browser sends (the server log holds Origin, ACRM and ACRH).
    expected = [
        (o.kind, o.method, str(o.hop), o.header("origin") or "-",
         o.header("access-control-request-method") or "-",
         o.header("access-control-request-headers") or "-")
        for o in verdict.sent
    ]  # fmt: skip
    assert log.get(case.id, []) == expected


def test_unsafe_actual_request_is_not_sent_without_send(
    world: tuple[World, dict[int, list[tuple[str, ...]]]], capsys: Any
) -> None:
    w, log = world
    case = cases_by_label(build_cases())["method:PUT/upper"]
    w.run = secrets.token_hex(4)
    assert main(argv_for(w, case, "--json")) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["allowed"] is False and doc["outcome"] == "incomplete"
    assert doc["preflight"]["outcome"] == "passed"
    assert [e["sent"] for e in doc["exchanges"]] == [True, False]
    assert [entry[1] for entry in log[case.id]] == ["OPTIONS"]
    w.run = secrets.token_hex(4)
    log.pop(case.id)
    assert main(argv_for(w, case)) == 1
    text = capsys.readouterr().out
    assert "NOT PROVEN" in text and "--send" in text
    assert [entry[1] for entry in log[case.id]] == ["OPTIONS"]


def test_human_output(world: tuple[World, dict[int, list[tuple[str, ...]]]], capsys: Any) -> None:
    w, _log = world
    case = cases_by_label(build_cases())["acah:x-custom/missing/omit"]
    w.run = secrets.token_hex(4)
    assert main(argv_for(w, case)) == 1
    text = capsys.readouterr().out
    assert "✓ preflight.allow-origin" in text
    assert "✗ preflight.allow-headers" in text
    assert "BLOCKED by preflight.allow-headers" in text
    assert "\n  Access-Control-Allow-Headers: x-custom\n" in text
    assert "\x1b[" not in text  # not a TTY: no colour
    case = cases_by_label(build_cases())["expose:one/include"]
    w.run = secrets.token_hex(4)
    assert main(argv_for(w, case)) == 0
    text = capsys.readouterr().out
    assert "ALLOWED" in text and "x-secret" in text and "✗" not in text


def test_subprocess_run(world: tuple[World, dict[int, list[tuple[str, ...]]]]) -> None:
    w, _log = world
    case = cases_by_label(build_cases())["acao:star/include+true"]
    w.run = secrets.token_hex(4)
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "corsguard", *argv_for(w, case, "--json")],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["failed"] == "response.allow-origin"
    assert doc["fix"]["line"] == f"Access-Control-Allow-Origin: {w.origin}"


# --- Hostile servers and errors -----------------------------------------------------------


@contextlib.contextmanager
def raw_server(
    handle: Callable[[socket.socket], None], tls: ssl.SSLContext | None = None
) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conns.append(conn)

            def run(conn: socket.socket = conn) -> None:
                try:
                    if tls is not None:
                        conn = tls.wrap_socket(conn, server_side=True)
                    handle(conn)
                except OSError:
                    pass

            threading.Thread(target=run, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.close()


def never_answers(conn: socket.socket) -> None:
    read_head(conn)
    threading.Event().wait(10)


def garbage(conn: socket.socket) -> None:
    read_head(conn)
    conn.sendall(b"SSH-2.0-OpenSSH_9.0\r\n\r\n")


def huge_headers(conn: socket.socket) -> None:
    read_head(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(5000):
        conn.sendall(f"X-Filler-{i}: {'a' * 40}\r\n".encode())


def dripping(conn: socket.socket) -> None:
    read_head(conn)
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: 1\r\n" * 100:
        conn.sendall(bytes([byte]))
        threading.Event().wait(0.05)


def closes(conn: socket.socket) -> None:
    read_head(conn)
    conn.close()


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (never_answers, "timed out after 0.5 s waiting for"),
        (garbage, "did not answer with HTTP/1.x"),
        (huge_headers, "exceed 64 KiB"),
        (dripping, "timed out after 0.5 s"),
        (closes, "closed the connection without answering"),
    ],
)
def test_hostile_servers(
    handler: Callable[[socket.socket], None], message: str, capsys: Any
) -> None:
    with raw_server(handler) as port:
        code = main(["explain", f"http://127.0.0.1:{port}/", "--origin", "https://a.test",
                     "--timeout", "0.5"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unreachable_port(capsys: Any) -> None:
    from tests.helpers.servers import free_port

    port = free_port()
    assert main(["explain", f"http://127.0.0.1:{port}/", "--origin", "https://a.test"]) == 2
    err = capsys.readouterr().err
    assert "connection refused" in err and err.count("\n") == 1


def test_unresolvable_host_suggests_resolve(capsys: Any) -> None:
    assert main(["explain", "http://no-such-host.invalid/", "--origin", "https://a.test"]) == 2
    assert "--resolve no-such-host.invalid:80:ADDRESS" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["explain", "http://a.test/"], "--origin is required"),
        (["explain", "--origin", "https://a.test"], "give a URL"),
        (["explain", "ftp://a.test/", "--origin", "https://a.test"], "http:// or https://"),
        (["explain", "http://a.test/", "--origin", "https://a.test/app"], "no path"),
        (["explain", "http://a.test/", "--origin", "a.test"], "expected an origin"),
        (["explain", "http://a.test/", "--origin", "https://a.test", "-H", "NoColon"],
         "Name: value"),
        (["explain", "http://a.test/", "--origin", "https://a.test", "--resolve", "a.test:80"],
         "HOST:PORT:ADDRESS"),
        (["explain", "http://a.test/", "--origin", "https://a.test", "--timeout", "-1"],
         "--timeout"),
        (["explain", "http://a.test/", "--origin", "https://a.test", "--timeout", "nan"],
         "--timeout"),
        (["explain", "http://a.test:99999/", "--origin", "https://a.test"], "invalid port"),
        (["explain", "--har", "/nonexistent/file.har"], "cannot read"),
    ],
)  # fmt: skip
def test_bad_arguments(argv: list[str], message: str, capsys: Any) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


# --- TLS and --resolve --------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: Any) -> ssl.SSLContext:
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=api.attacker.test", "-addext", "subjectAltName=DNS:api.attacker.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_resolve_keeps_host_and_sni(tls_context: ssl.SSLContext, capsys: Any) -> None:
    seen: dict[str, Any] = {}

    def sni(sock: Any, name: str | None, context: Any) -> None:
        seen.setdefault("sni", name)

    tls_context.sni_callback = sni

    def answer(conn: socket.socket) -> None:
        seen.setdefault("head", read_head(conn).decode())
        conn.sendall(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: https://app.example.test\r\n"
                     b"Content-Length: 0\r\n\r\n")  # fmt: skip

    with raw_server(answer, tls=tls_context) as port:
        url = f"https://api.attacker.test:{port}/data"
        base = ["explain", url, "--origin", "https://app.example.test",
                "--resolve", f"api.attacker.test:{port}:127.0.0.1"]  # fmt: skip
        assert main(base) == 2
        err = capsys.readouterr().err
        assert "could not be verified" in err and "-k" in err
        assert main([*base, "-k", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["allowed"] is True
    assert seen["sni"] == "api.attacker.test"
    assert f"Host: api.attacker.test:{port}\r\n" in seen["head"]
    assert "Origin: https://app.example.test\r\n" in seen["head"]
    assert "Cookie" not in seen["head"]


def test_tls_to_plain_http_server(capsys: Any) -> None:
    with raw_server(garbage) as port:
        code = main(["explain", f"https://127.0.0.1:{port}/", "--origin", "https://a.test",
                     "--timeout", "2"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "TLS" in err and err.count("\n") == 1


# --- HAR ----------------------------------------------------------------------------------

PAGE = "https://app.example.com"
API = "https://api.example.net"


def entry(method: str, url: str, req: list[tuple[str, str]], status: int,
          resp: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "pageref": "page_1",
        "request": {"method": method, "url": url, "cookies": [],
                    "headers": [{"name": n, "value": v} for n, v in req]},
        "response": {"status": status, "headers": [{"name": n, "value": v} for n, v in resp]},
        **extra,
    }  # fmt: skip


def sample_har() -> dict[str, Any]:
    origin = ("Origin", PAGE)
    acao = ("Access-Control-Allow-Origin", PAGE)
    entries = [
        entry("GET", PAGE + "/", [], 200, [("Content-Type", "text/html")],
              _resourceType="document"),
        # 1-2: a preflighted PUT that passes.
        entry("OPTIONS", API + "/items/1",
              [origin, ("Access-Control-Request-Method", "PUT"),
               ("Access-Control-Request-Headers", "content-type")], 204,
              [acao, ("Access-Control-Allow-Methods", "PUT"),
               ("Access-Control-Allow-Headers", "Content-Type")], _resourceType="preflight"),
        entry("PUT", API + "/items/1",
              [origin, ("Content-Type", "application/json"), ("User-Agent", "Chrome"),
               ("Accept-Encoding", "gzip")], 200, [acao], _resourceType="fetch"),
        # 3: a GET blocked for want of Access-Control-Allow-Origin.
        entry("GET", API + "/me", [origin], 200, [("Content-Type", "application/json")],
              _resourceType="fetch"),
        # 4: a cross-origin image (no-cors): not explained.
        entry("GET", API + "/logo.png", [("Referer", PAGE + "/")], 200, [], _resourceType="image"),
        # 5: same-origin fetch: not explained.
        entry("GET", PAGE + "/api", [], 200, [], _resourceType="fetch"),
        # 6-7: a redirect to another origin; the origin becomes null there.
        entry("GET", API + "/old", [origin], 302, [acao, ("Location", "https://cdn.example.org/new")],
              _resourceType="fetch"),
        entry("GET", "https://cdn.example.org/new", [("Origin", "null")], 200,
              [("Access-Control-Allow-Origin", "*")], _resourceType="fetch"),
    ]  # fmt: skip
    return {"log": {"version": "1.2", "pages": [{"id": "page_1", "title": PAGE + "/"}],
                    "entries": entries}}  # fmt: skip


def test_har_explains_cross_origin_requests(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "export.har"
    path.write_text(json.dumps(sample_har()))
    assert main(["explain", "--har", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    by_index = {r["har_index"]: r for r in doc["requests"]}
    assert sorted(by_index) == [2, 3, 6]
    assert by_index[2]["allowed"] is True
    assert by_index[2]["preflight"]["needed"] is True
    assert by_index[2]["preflight"]["reasons"] == [
        "method PUT is not GET, HEAD or POST",
        "header content-type: 'application/json' is not application/x-www-form-urlencoded, "
        "multipart/form-data or text/plain",
    ]
    assert by_index[3]["allowed"] is False
    assert by_index[3]["failed"] == "response.allow-origin"
    assert by_index[3]["fix"]["line"] == f"Access-Control-Allow-Origin: {PAGE}"
    assert by_index[6]["allowed"] is True
    assert by_index[6]["effective_origin"] == "null"
    assert doc["allowed"] is False
    # Human output.
    assert main(["explain", "--har", str(path)]) == 1
    text = capsys.readouterr().out
    assert "2 allowed, 1 blocked" in text


def test_har_missing_preflight_is_incomplete(tmp_path: Path, capsys: Any) -> None:
    har = sample_har()
    del har["log"]["entries"][1]
    path = tmp_path / "no-preflight.har"
    path.write_text(json.dumps(har))
    assert main(["explain", "--har", str(path), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    put = next(r for r in doc["requests"] if r["request"]["method"] == "PUT")
    assert put["outcome"] == "incomplete"
    assert any("preflight cache" in n for n in put["notes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ("[]", "no log.entries list"),
        ('{"log": {"entries": 5}}', "no log.entries list"),
    ],
)  # fmt: skip
def test_malformed_har(tmp_path: Path, content: str, message: str, capsys: Any) -> None:
    """The file as a whole is unusable; a bad entry alone is tested in test_explain_hostile."""
    path = tmp_path / "bad.har"
    path.write_text(content)
    assert main(["explain", "--har", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_har_without_cross_origin_requests(tmp_path: Path, capsys: Any) -> None:
    har = sample_har()
    har["log"]["entries"] = har["log"]["entries"][:1]
    path = tmp_path / "plain.har"
    path.write_text(json.dumps(har))
    assert main(["explain", "--har", str(path)]) == 0
    assert "no cross-origin CORS requests" in capsys.readouterr().out
