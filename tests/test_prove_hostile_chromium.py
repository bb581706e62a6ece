"""`corsguard audit --prove` against hostile targets, in real Chromium (issue #16, point 7).

The proving browser must reach only the targets the user listed: a target that answers
with a 307 to another host or port must not steer Chromium there (a canary server on
another local port must receive nothing), while a redirect within the target's own origin
is still followed as a victim's browser would. Local Network Access stays on in the
browser that proves public targets.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.prove import launch_flags
from corsguard.cli import main
from servers import read_head, require_chromium
from test_audit_faults import RawServer
from test_audit_hostile import ESCAPES, raw_characters, strict_loads

pytestmark = pytest.mark.browser


def _origin(head: bytes) -> bytes:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"origin:"):
            return line[7:].strip()
    return b"null"


def _path(head: bytes) -> bytes:
    return head.split(b" ", 2)[1]


def redirecting(location: bytes) -> Any:
    """Chromium's requests: a 307 to ``location`` granting the request's Origin with
    credentials. The audit's probes get a 200 with that grant (a target whose every answer
    is a redirect is an error entry, issue #12), so the browser alone meets the redirect.

    /final (the end of a same-origin redirect) answers 200 with the same grant and a body.
    """

    def handler(conn: socket.socket, state: dict[str, Any]) -> None:
        while head := read_head(conn):
            state["requests"].append(head)
            grant = (
                b"Access-Control-Allow-Origin: " + _origin(head) + b"\r\n"
                b"Access-Control-Allow-Credentials: true\r\nVary: Origin\r\n"
                b"X-Note: " + ESCAPES + b"\r\n"
            )
            if _path(head) == b"/final" or b"Chrome" not in head:
                body = b'{"secret":"\x1b]0;owned\x07\xe2\x80\xae"}'
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\n" + grant + b"Content-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
            else:
                conn.sendall(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: "
                    + location
                    + b"\r\n"
                    + grant
                    + b"Content-Length: 0\r\n\r\n"
                )

    return handler


def canary_handler(conn: socket.socket, state: dict[str, Any]) -> None:
    state["requests"].append(read_head(conn))
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: 2\r\n\r\nok"
    )


@pytest.fixture
def servers() -> Iterator[dict[str, RawServer]]:
    require_chromium()
    canary = RawServer(canary_handler)
    started = {
        "canary": canary,
        "elsewhere": RawServer(redirecting(f"http://127.0.0.1:{canary.port}/steal".encode())),
        "same-origin": RawServer(redirecting(b"/final")),
    }
    yield started
    for server in started.values():
        server.close()


def test_prove_follows_no_redirect_to_an_unlisted_origin(
    servers: dict[str, RawServer], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    elsewhere, same = servers["elsewhere"].url("/"), servers["same-origin"].url("/start")
    main(
        ["audit", "--prove", "--timeout", "5", "--format", "json", "-o", str(out), elsewhere, same]
    )
    document = strict_loads(out.read_text())
    targets = {t["url"]: t for t in document["targets"]}

    # The canary on another port never heard from the audit nor from Chromium.
    assert servers["canary"].state["connections"] == 0
    assert servers["elsewhere"].state["requests"]  # the target itself was probed and fetched
    found = {f["id"]: f for f in targets[elsewhere]["findings"]}
    stopped = found["origin-reflected"]
    assert stopped["proven"] is None and stopped["severity"] == "high"
    assert stopped["proof"]["read"] is False
    assert "redirected the request to another origin" in stopped["proof"]["notes"][0]

    # A redirect inside the target's own origin is followed: the read is proven.
    proven = {f["id"]: f for f in targets[same]["findings"]}["origin-reflected"]
    assert proven["proven"] is True, proven["proof"]
    assert proven["proof"]["status"] == 200
    assert proven["proof"]["response_url"] == servers["same-origin"].url("/final")
    assert proven["proof"]["body_shape"]["json_keys"] == ["secret"]  # bodies are redacted
    assert any(_path(head) == b"/final" for head in servers["same-origin"].state["requests"])


def test_prove_table_escapes_what_the_target_and_chromium_said(
    servers: dict[str, RawServer], tmp_path: Path
) -> None:
    out = tmp_path / "report.txt"
    urls = [servers["elsewhere"].url("/"), servers["same-origin"].url("/start")]
    main(["audit", "--prove=all", "--timeout", "5", "-o", str(out), *urls])
    text = out.read_text(encoding="utf-8")
    assert raw_characters(text) == []
    assert "PROVEN in Chromium" in text
    assert servers["canary"].state["connections"] == 0
    assert text.splitlines()[-1].startswith("2 targets audited (no errors)")


def preflight_refused_to_browsers(conn: socket.socket, state: dict[str, Any]) -> None:
    """Grants reads and, to the audit's probes, every preflight; refuses Chromium's preflight
    for the made-up header. Only a real preflight reaching the server can refute the finding."""
    while head := read_head(conn):
        state["requests"].append(head)
        origin = _origin(head)
        from_browser = b"Chrome" in head
        if head.startswith(b"OPTIONS") and from_browser:
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        elif head.startswith(b"OPTIONS"):
            conn.sendall(
                b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: " + origin + b"\r\n"
                b"Access-Control-Allow-Methods: CORSGUARD-PROBE\r\n"
                b"Access-Control-Allow-Headers: x-corsguard-probe\r\nVary: Origin\r\n"
                b"Content-Length: 0\r\n\r\n"
            )
        else:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: " + origin + b"\r\n"
                b"Vary: Origin\r\nContent-Length: 2\r\n\r\nok"
            )


def test_the_preflight_chromium_judges_is_the_targets_own(tmp_path: Path) -> None:
    # While request routing is on, Playwright answers CORS preflights itself with a grant of
    # whatever was asked; the proof must run with routing off, or this would be "proven".
    require_chromium()
    server = RawServer(preflight_refused_to_browsers)
    out = tmp_path / "report.json"
    try:
        args = ["--prove=all", "--origin", "https://app.example.test", "--timeout", "5"]
        main(["audit", *args, "--format", "json", "-o", str(out), server.url("/")])
    finally:
        server.close()
    (target,) = strict_loads(out.read_text())["targets"]
    found = {f["id"]: f for f in target["findings"]}
    for kind in ("preflight-any-method", "preflight-any-header"):
        # Seen from the trusted front end, tried from an attacker origin (never from the
        # trusted one, issue #12): Chromium's own preflight was refused, so no proof.
        proof = found[kind]["proof"]
        assert found[kind]["proven"] is None, proof
        assert proof["page_origin"] == "https://corsguard-probe.attacker.test"
        assert "preflight" in proof["console"]
        assert proof["notes"][0].startswith("not provable as an attack: from an attacker origin")
    asked = [
        head.lower()
        for head in server.state["requests"]
        if head.startswith(b"OPTIONS") and b"Chrome" in head
    ]
    assert any(b"access-control-request-method: corsguard-probe" in h for h in asked)
    assert any(b"access-control-request-headers: x-corsguard-probe" in h for h in asked)


def test_local_network_access_stays_on_for_public_targets() -> None:
    """The public targets' browser refuses a page's fetch into loopback; the local one lets
    it through, to test CORS alone (docs/prove.md, Local Network Access)."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    server = RawServer(redirecting(b"/final"))
    reached: dict[bool, int] = {}
    try:
        for local in (False, True):
            before = len(server.state["requests"])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=list(launch_flags(local))
                )
                try:
                    context = browser.new_context()
                    context.route(
                        "https://page.attacker.test/**",
                        lambda route: route.fulfill(
                            status=200, content_type="text/html", body="<p>attacker</p>"
                        ),
                    )
                    page = context.new_page()
                    page.goto("https://page.attacker.test/")
                    result = page.evaluate(
                        "url => fetch(url).then(r => r.status, e => 'blocked: ' + e)",
                        server.url("/final"),
                    )
                finally:
                    browser.close()
            reached[local] = len(server.state["requests"]) - before
            assert (result == 200) is local, (local, result)
    finally:
        server.close()
    assert reached == {False: 0, True: 1}
    assert "LocalNetworkAccessChecks" not in " ".join(launch_flags(False))
