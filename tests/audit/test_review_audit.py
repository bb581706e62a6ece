"""Review findings for `corsguard audit` against real misbehaving servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from tests.helpers.raw_server import RawServer
from tests.helpers.servers import read_head


def big_header(size: int) -> Any:
    """A reflecting, credentialed grant next to one header of ``size`` bytes."""

    def handler(conn: socket.socket, state: dict[str, Any]) -> None:
        while head := read_head(conn):
            origin = ""
            for line in head.decode("latin-1").split("\r\n"):
                if line.lower().startswith("origin:"):
                    origin = line.split(":", 1)[1].strip()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                + b"Content-Security-Policy: "
                + b"a" * size
                + b"\r\nAccess-Control-Allow-Origin: "
                + origin.encode()
                + b"\r\nAccess-Control-Allow-Credentials: true\r\nVary: Origin\r\n\r\n{}"
            )

    return handler


@pytest.fixture
def servers() -> Iterator[dict[str, RawServer]]:
    # Chromium reads headers up to 256 KiB; real sites send CSP and cookies well over 8 KiB.
    started = {"20k": RawServer(big_header(20_000)), "100k": RawServer(big_header(100_000))}
    yield started
    for server in started.values():
        server.close()


def test_large_response_headers_are_audited_and_huge_ones_named(
    servers: dict[str, RawServer], tmp_path: Path
) -> None:
    out = tmp_path / "out.json"
    status = main(
        ["audit", "--format", "json", "-o", str(out), servers["20k"].url(), servers["100k"].url()]
    )
    large, huge = json.loads(out.read_text())["targets"]
    assert large["status"] == "ok", large["error"]
    assert [f["id"] for f in large["findings"]] == ["origin-reflected"]
    assert huge["status"] == "error"
    assert "64 KiB" in huge["error"] and "not an HTTP response" not in huge["error"]
    assert status == 1
