"""Hostile and broken servers: each gives its target a clear error entry and the audit goes on."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from corsguard.lab import RunningLab, start_lab
from tests.helpers.audit_schemas import JSON_SCHEMA, validate
from tests.helpers.raw_server import RawServer
from tests.helpers.servers import read_head


def never_answers(conn: socket.socket, state: dict[str, Any]) -> None:
    read_head(conn)
    conn.recv(1)  # until the client gives up


def resets(conn: socket.socket, state: dict[str, Any]) -> None:
    read_head(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def garbage(conn: socket.socket, state: dict[str, Any]) -> None:
    read_head(conn)
    conn.sendall(bytes(range(256)) * 4 + b"\r\n\r\n")


def ssh_banner(conn: socket.socket, state: dict[str, Any]) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    conn.recv(4096)
    conn.recv(1)


def redirect_loop(conn: socket.socket, state: dict[str, Any]) -> None:
    while head := read_head(conn):
        path = head.split(b" ")[1].decode()
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{state['port']}{path}\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )


def huge_body(conn: socket.socket, state: dict[str, Any]) -> None:
    """1 GB announced and streamed (with a CORS grant): the client must not read it."""
    read_head(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        b"Access-Control-Allow-Origin: *\r\nContent-Length: 1073741824\r\n\r\n"
    )
    chunk = b"x" * 65536
    for _ in range(1073741824 // len(chunk)):
        conn.sendall(chunk)
        state["sent"] += len(chunk)


def records_host(conn: socket.socket, state: dict[str, Any]) -> None:
    while head := read_head(conn):
        state["requests"].append(head.decode("latin-1"))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cert")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return key, cert


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with start_lab() as running:
        yield running


@pytest.fixture
def servers(certificate: tuple[Path, Path]) -> Iterator[dict[str, RawServer]]:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate[1], certificate[0])
    started = {
        "timeout": RawServer(never_answers),
        "reset": RawServer(resets),
        "garbage": RawServer(garbage),
        "not-http": RawServer(ssh_banner),
        "redirect-loop": RawServer(redirect_loop),
        "huge": RawServer(huge_body),
        "bad-cert": RawServer(records_host, tls),
    }
    started["redirect-loop"].state["port"] = started["redirect-loop"].port
    yield started
    for server in started.values():
        server.close()


def audit_json(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out.json"
    status = main(["audit", "--format", "json", "-o", str(out), *args])
    document = json.loads(out.read_text())
    validate(document, JSON_SCHEMA)
    return status, document


EXPECTED = {
    "timeout": "timed out",
    "reset": "reset",
    "garbage": "not an HTTP response",
    "not-http": "not an HTTP response",
    "redirect-loop": "redirects (302) to itself",
    "bad-cert": "certificate verification failed",
}


def test_each_fault_is_an_error_entry_and_the_audit_goes_on(
    servers: dict[str, RawServer], lab: RunningLab, tmp_path: Path
) -> None:
    urls = [
        servers[name].url(scheme="https" if name == "bad-cert" else "http") for name in EXPECTED
    ]
    urls += [servers["huge"].url(), lab.url("/reflect")]
    status, document = audit_json(tmp_path, "--timeout", "1", *urls)
    targets = document["targets"]
    assert [t["url"] for t in targets] == urls
    for name, target in zip(EXPECTED, targets, strict=False):
        assert target["status"] == "error", name
        assert EXPECTED[name] in target["error"], (name, target["error"])
        assert "\n" not in target["error"]
    assert "-k" in targets[list(EXPECTED).index("bad-cert")]["error"]
    # The 1 GB response is judged from its headers; its body is not read.
    huge = targets[-2]
    assert huge["status"] == "ok"
    assert [f["id"] for f in huge["findings"]] == ["wildcard-origin"]
    assert servers["huge"].state["sent"] < 256 * 1024 * 1024
    # ... and the healthy target after all of them is audited as usual.
    assert targets[-1]["status"] == "ok" and targets[-1]["findings"]
    assert status == 1  # from the findings; the errors do not change the status


def test_bad_certificate_is_audited_with_k_keeping_host_and_sni(
    servers: dict[str, RawServer], tmp_path: Path
) -> None:
    server = servers["bad-cert"]
    url = server.url(scheme="https", host="api.example.test")
    resolve = f"api.example.test:{server.port}:127.0.0.1"
    status, document = audit_json(tmp_path, "-k", "--resolve", resolve, url)
    (target,) = document["targets"]
    assert target["status"] == "ok" and target["findings"] == []
    assert status == 0
    assert server.state["requests"]
    for head in server.state["requests"]:
        assert f"Host: api.example.test:{server.port}\r\n" in head


def test_interrupted_jsonl_keeps_what_was_written(lab: RunningLab, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    main(["audit", "--format", "jsonl", "-o", str(out), lab.url("/reflect"), lab.url("/plain")])
    lines = out.read_text().splitlines()
    assert sorted(json.loads(line)["url"] for line in lines) == [
        lab.url("/plain"),
        lab.url("/reflect"),
    ]


def test_target_reader_after_the_run_ends_leaves_no_unawaited_put() -> None:
    # The reader thread may still hold a target when the run's event loop has closed (an
    # interrupted audit): its queue.put is then never scheduled, and must be closed rather
    # than left for the garbage collector to report as "never awaited".
    import asyncio
    import gc
    import threading
    import warnings

    from corsguard.audit.prober import _feed

    loop = asyncio.new_event_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
    loop.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _feed(iter(["https://a.example"]), queue, loop, 1, threading.Event())
        gc.collect()
    assert [w for w in caught if "never awaited" in str(w.message)] == []
