"""End to end in real headless Chromium: corsguard's ASGI middleware under uvicorn, over HTTPS.

The trusted page (https://app.example.test:PORT) makes a credentialed PUT with a custom
header: Chromium preflights it, corsguard grants it, and the handler receives the
`SameSite=None; Secure` cookie. The untrusted page (https://evil.attacker.test:PORT,
another registrable domain) cannot read the API, its cross-site HTML form POST carrying
the cookie is answered 403 before the handler, and its WebSocket is refused while the
trusted page's opens. Counts come from the server, not from the browser's say-so.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.apps_e2e import COOKIE_NAME, World, build, self_signed_cert
from tests.helpers.page_scripts import FETCH, WEBSOCKET
from tests.helpers.servers import free_port, serve_asgi

API = "api.example.test"
APP = "app.example.test"
EVIL = "evil.attacker.test"


@pytest.fixture(scope="module")
def world(chromium: Any) -> Iterator[tuple[World, Any]]:
    with tempfile.TemporaryDirectory(prefix="corsguard-e2e-") as folder:
        keyfile, certfile = self_signed_cert(Path(folder))
        world = World(port=free_port(), cookie_value=secrets.token_hex(8))
        with serve_asgi(build(world), port=world.port, ssl_keyfile=keyfile, ssl_certfile=certfile):
            context = chromium.new_context(ignore_https_errors=True)
            try:
                page = context.new_page()
                # The API host sets the session cookie a cross-site request can carry.
                response = page.goto(world.url(API, "/set-cookie"))
                assert response is not None and response.status == 200
                cookies = {c["name"]: c for c in context.cookies(world.url(API, "/"))}
                assert cookies[COOKIE_NAME]["sameSite"] == "None"
                assert cookies[COOKIE_NAME]["secure"] is True
                yield world, context
            finally:
                context.close()


def open_page(world: World, context: Any, host: str) -> Any:
    page = context.new_page()
    response = page.goto(world.url(host, "/page"))
    assert response is not None and response.status == 200
    return page


def test_trusted_origin_credentialed_put_with_custom_header(world: tuple[World, Any]) -> None:
    w, context = world
    page = open_page(w, context, APP)
    before = len(w.requests("OPTIONS", "/api/item"))
    result = page.evaluate(
        FETCH,
        [
            w.url(API, "/api/item"),
            {
                "method": "PUT",
                "credentials": "include",
                "headers": {"X-Token": "t0ken", "Content-Type": "application/json"},
                "body": '{"name": "x"}',
            },
        ],
    )
    page.close()
    assert result == {"ok": True, "status": 200, "text": "handled PUT /api/item"}
    preflights = w.requests("OPTIONS", "/api/item")[before:]
    assert len(preflights) == 1
    preflight = preflights[0]
    assert preflight.status == 204
    assert preflight.headers["origin"] == w.trusted
    assert preflight.headers["access-control-request-method"] == "PUT"
    assert preflight.headers["access-control-request-headers"] == "content-type,x-token"
    assert "cookie" not in preflight.headers  # preflights never carry cookies
    assert w.calls["PUT /api/item"] == 1
    assert w.cookies["PUT /api/item"] == [f"{COOKIE_NAME}={w.cookie_value}"]


def test_untrusted_origin_cannot_read_or_write(world: tuple[World, Any]) -> None:
    w, context = world
    page = open_page(w, context, EVIL)
    read = page.evaluate(FETCH, [w.url(API, "/api/data"), {"credentials": "include"}])
    write = page.evaluate(
        FETCH,
        [
            w.url(API, "/api/other"),
            {"method": "PUT", "credentials": "include", "headers": {"X-Token": "t0ken"}},
        ],
    )
    page.close()
    assert (read["ok"], read["name"]) == (False, "TypeError")
    assert (write["ok"], write["name"]) == (False, "TypeError")
    # The GET reached the handler (a read; the browser withheld the response) ...
    [get] = w.requests("GET", "/api/data")
    assert get.headers["origin"] == w.untrusted and get.status == 200
    # ... the PUT's preflight was refused, so the PUT was never sent.
    [refused] = w.requests("OPTIONS", "/api/other")
    assert refused.status == 403
    assert w.requests("PUT", "/api/other") == []
    assert w.calls["PUT /api/other"] == 0


def test_cross_site_form_post_is_refused_before_the_handler(world: tuple[World, Any]) -> None:
    w, context = world
    page = open_page(w, context, EVIL)
    page.evaluate(
        """(action) => {
            const form = document.createElement('form');
            form.method = 'POST';
            form.action = action;
            const input = document.createElement('input');
            input.name = 'amount';
            input.value = '1000000';
            form.appendChild(input);
            document.body.appendChild(form);
        }""",
        w.url(API, "/api/transfer"),
    )
    with page.expect_response(lambda r: r.url.endswith("/api/transfer")) as info:
        page.evaluate("document.forms[0].submit()")
    status = info.value.status
    page.close()
    assert status == 403
    [post] = w.requests("POST", "/api/transfer")
    assert post.status == 403
    assert post.headers["origin"] == w.untrusted
    assert post.headers.get("sec-fetch-site") == "cross-site"
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    # The browser did send the session cookie: only corsguard stood in the way.
    assert f"{COOKIE_NAME}={w.cookie_value}" in post.headers.get("cookie", "")
    assert w.calls["POST /api/transfer"] == 0


def test_websocket_from_untrusted_site_is_refused_and_trusted_opens(
    world: tuple[World, Any],
) -> None:
    w, context = world
    url = f"wss://{API}:{w.port}/ws"
    evil = open_page(w, context, EVIL)
    refused = evil.evaluate(WEBSOCKET, url)
    evil.close()
    assert "open" not in refused["events"]
    assert refused["events"][-1] == "close" and "error" in refused["events"]
    assert w.calls["WS /ws"] == 0

    app = open_page(w, context, APP)
    opened = app.evaluate(WEBSOCKET, url)
    app.close()
    assert opened["events"] == ["open", "message:welcome", "close"]
    assert w.calls["WS /ws"] == 1
