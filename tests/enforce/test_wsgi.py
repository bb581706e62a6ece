"""corsguard.wsgi.CORSMiddleware at the WSGI level: raw environs, streaming, hostile input,
logging, and path handling through a real (wsgiref) server."""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from corsguard import Decision, Policy
from corsguard.wsgi import CORSMiddleware
from tests.helpers.servers import serve_wsgi
from tests.helpers.wsgi_calls import Recorder, environ

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

CREDENTIALED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
}
PUBLIC: dict[str, Any] = {"allow_origins": ["*"]}

StartResponse = Callable[..., Any]


class StreamingApp:
    """Calls start_response, then returns a generator that records how far it was consumed."""

    def __init__(self) -> None:
        self.produced: list[bytes] = []
        self.calls = 0
        self.body: Iterator[bytes] | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        self.calls += 1
        start_response("200 OK", [("Content-Type", "text/plain"), ("Vary", "Accept-Encoding")])

        def chunks() -> Iterator[bytes]:
            for chunk in (b"one ", b"two ", b"three"):
                self.produced.append(chunk)
                yield chunk

        self.body = chunks()
        return self.body


@pytest.mark.parametrize(
    ("options", "headers", "acao"),
    [
        (CREDENTIALED, {"ORIGIN": TRUSTED}, TRUSTED),
        (CREDENTIALED, {"ORIGIN": EVIL}, None),
        (CREDENTIALED, {}, None),
        (PUBLIC, {"ORIGIN": EVIL}, "*"),
        (PUBLIC, {}, "*"),
    ],
)
def test_streaming_body_is_returned_unconsumed(
    options: dict[str, Any], headers: dict[str, str], acao: str | None
) -> None:
    app = StreamingApp()
    start = Recorder()
    result = CORSMiddleware(app, **options)(environ("GET", "/stream", **headers), start)
    # The app's own iterator comes back, not a buffered copy, and nothing was produced yet.
    assert result is app.body
    assert app.produced == []
    assert start.cors.get("access-control-allow-origin") == acao
    assert "accept-encoding" in start.vary
    assert ("origin" in start.vary) is (options is CREDENTIALED)
    received = []
    for chunk in result:
        received.append(chunk)
        assert app.produced == received  # each chunk is produced only when asked for
    assert b"".join(received) == b"one two three"


RELEASED = threading.Event()


def served_app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
    """/stream yields its second chunk only after the client has read the first one."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    if environ["PATH_INFO"] != "/stream":
        return iter([environ["PATH_INFO"].encode("latin-1")])

    def body() -> Iterator[bytes]:
        yield b"first\n"
        yield b"second\n" if RELEASED.wait(10) else b"buffered\n"

    return body()


ROUTED: dict[str, Any] = {
    "allow_origins": [TRUSTED],
    "routes": {
        "/public": Policy(allow_origins=["*"]),
        "/api": Policy(allow_origins=[PARTNER], allow_credentials=True),
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    with serve_wsgi(CORSMiddleware(served_app, **ROUTED)) as port:
        yield port


def test_streaming_reaches_the_client_chunk_by_chunk(server: int) -> None:
    """Through a real server: the client reads the first chunk before the second exists."""
    RELEASED.clear()
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=15)
    conn.request("GET", "/stream", headers={"Origin": TRUSTED})
    response = conn.getresponse()
    assert response.getheader("Access-Control-Allow-Origin") == TRUSTED
    assert response.readline() == b"first\n"
    RELEASED.set()
    assert response.read() == b"second\n"
    conn.close()


def test_refused_write_never_calls_the_app() -> None:
    app = StreamingApp()
    start = Recorder()
    body = CORSMiddleware(app, **CREDENTIALED)(environ("POST", "/x", ORIGIN=EVIL), start)
    assert app.calls == 0
    assert start.status == 403 and start.cors == {}
    assert b"".join(body) == b"Forbidden\n"


def test_preflight_is_answered_with_204_and_no_body() -> None:
    app = StreamingApp()
    start = Recorder()
    env = environ(
        "OPTIONS",
        "/x",
        ORIGIN=TRUSTED,
        ACCESS_CONTROL_REQUEST_METHOD="PUT",
        ACCESS_CONTROL_REQUEST_HEADERS="x-token",
    )
    body = CORSMiddleware(app, **CREDENTIALED)(env, start)
    assert app.calls == 0
    assert start.status == 204 and start.calls[0][0] == "204 No Content"
    assert start.cors["access-control-allow-origin"] == TRUSTED
    assert b"".join(body) == b""


def test_exc_info_is_passed_on() -> None:
    seen: list[Any] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append(exc_info)
        return lambda data: None

    def app(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            import sys

            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"error"]

    CORSMiddleware(app, **CREDENTIALED)(environ("GET", "/x", ORIGIN=TRUSTED), start)
    assert seen[0] is not None and seen[0][0] is RuntimeError


@pytest.mark.parametrize(
    ("target", "origin", "acao"),
    [
        ("/public/x", EVIL, "*"),
        ("/public%2F..%2Fapi/x", EVIL, None),
        ("/public%2F..%2Fapi/x", PARTNER, None),  # router and route table disagree
        ("/public/%2e%2e/api/x", EVIL, None),
        ("/public/../api/x", EVIL, None),
        ("/publicity", EVIL, None),
        ("/PUBLIC/x", EVIL, None),
        ("/api/v1", PARTNER, PARTNER),
    ],
)
def test_percent_encoded_paths_through_a_real_wsgi_server(
    server: int, target: str, origin: str, acao: str | None
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=5)
    conn.putrequest("GET", target, skip_accept_encoding=True)
    conn.putheader("Origin", origin)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == acao


HOSTILE: list[dict[str, str]] = [
    {"ORIGIN": f"{TRUSTED}, {EVIL}"},  # what a server makes of two Origin lines
    {"ORIGIN": f"{TRUSTED},{TRUSTED}"},
    {"ORIGIN": "https://app.ex\xe4mple.test"},  # latin-1 decoded raw bytes, PEP 3333
    {"ORIGIN": "https://app.ex\xc3\xa4mple.test"},
    {"ORIGIN": TRUSTED + "\r\nX-Injected: 1"},
    {"ORIGIN": TRUSTED + "\x00"},
    {"ORIGIN": TRUSTED * 1000},
    {"ORIGIN": ""},
    {"ORIGIN": EVIL, "ACCESS_CONTROL_REQUEST_HEADERS": "x-token," * 130_000},
    {"ORIGIN": TRUSTED, "ACCESS_CONTROL_REQUEST_HEADERS": "x-token," * 130_000},
    {"ORIGIN": TRUSTED, "ACCESS_CONTROL_REQUEST_HEADERS": "x-token\r\nauthorization"},
    {"ORIGIN": TRUSTED, "ACCESS_CONTROL_REQUEST_METHOD": "P\xdcT"},
    {"ORIGIN": "https://api.example.test\r\n", "HOST": "api.example.test\r\n"},
    {"ORIGIN": "\xff\xfe", "SEC_FETCH_SITE": "cross-site\x00"},
]


@pytest.mark.parametrize("headers", HOSTILE)
@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_hostile_environs_never_grant_or_raise(headers: dict[str, str], method: str) -> None:
    app = StreamingApp()
    start = Recorder()
    headers = dict(headers)
    if method == "OPTIONS":
        headers.setdefault("ACCESS_CONTROL_REQUEST_METHOD", "PUT")
    body = CORSMiddleware(app, **CREDENTIALED)(environ(method, "/x", **headers), start)
    b"".join(body)
    assert start.status in (200, 403)
    assert (start.status == 200) == (app.calls == 1)
    if headers["ORIGIN"] != TRUSTED:
        assert "access-control-allow-origin" not in start.cors
    elif method == "OPTIONS":  # a trusted origin with a malformed preflight
        assert start.status == 403 and start.cors == {}
    for _name, value in start.headers:
        assert "\r" not in value and "\n" not in value


def test_five_thousand_environ_keys_do_not_matter() -> None:
    app = StreamingApp()
    start = Recorder()
    env = environ("POST", "/x", ORIGIN=EVIL)
    env.update({f"HTTP_X_JUNK_{i}": "a" * 20 for i in range(5000)})
    CORSMiddleware(app, **CREDENTIALED)(env, start)
    assert start.status == 403 and app.calls == 0


def test_on_reject_and_log_line(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Decision] = []
    caplog.set_level(logging.INFO, logger="corsguard")
    middleware = CORSMiddleware(StreamingApp(), **CREDENTIALED, on_reject=seen.append)
    origin = EVIL + "\r\nforged: line"
    middleware(environ("DELETE", "/api/x\ny", ORIGIN=origin), Recorder())
    assert [(d.origin, d.method, d.path, d.status) for d in seen] == [
        (origin, "DELETE", "/api/x\ny", 403)
    ]
    records = [r for r in caplog.records if r.name == "corsguard"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert "\n" not in message and "\r" not in message
    assert "evil.attacker.test" in message and "forged" in message and "/api/x" in message
