"""Write trust in real headless Chromium: cookie-bearing form POSTs and WebSockets.

The session cookie (``SameSite=None; Secure``) lives on https://api.example.test:PORT. Pages
on other origins submit a cross-site HTML form POST and open a WebSocket to it, under four
kinds of trust:

(a) ``/public``: ``allow_origins=["*"]``: the attacker's origin is trusted to read, without
    credentials;
(b) ``/preview``: a preview pattern ``https://myapp-*.attacker.test:PORT`` without
    credentials, with the attacker's page on a host matching it;
(c) the root: the app origin, trusted with credentials: it must pass, cookie and all;
(d) the root again, from the attacker's origin, not trusted at all.

Chromium sends the cookie with each form POST and handshake (asserted from what the server
received); the handlers count their own calls, so "the handler ran" is observed. Cookieless
writes from (a) and (b) still pass, and a preflighted PUT with credentials from (b) is
stopped by the browser itself (no Access-Control-Allow-Credentials), never reaching us.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from corsguard.audit.prove import PROFILE_PREFERENCES
from tests.helpers.apps_e2e import COOKIE_NAME, World, api_app, recorded, self_signed_cert
from tests.helpers.page_scripts import FETCH, WEBSOCKET
from tests.helpers.servers import (
    LAUNCH_FLAGS,
    RESOLVER_RULES,
    free_port,
    require_chromium,
    serve_asgi,
)

API = "api.example.test"
OPEN = "open.example.test"  # the same server under a host that holds no cookie
APP = "app.example.test"
EVIL = "evil.attacker.test"
PREVIEW = "myapp-evil.attacker.test"  # a "preview deployment" anyone can create


def build(world: World) -> Any:
    methods = ["GET", "POST", "PUT"]
    policy = Policy(
        allow_origins=[world.trusted],
        allow_methods=methods,
        allow_credentials=True,
        routes={
            "/public": Policy(allow_origins=["*"], allow_methods=methods),
            "/preview": Policy(
                allow_origins=[f"https://myapp-*.attacker.test:{world.port}"],
                allow_methods=methods,
            ),
        },
    )
    return handshakes(world, recorded(world, CORSMiddleware(api_app(world), policy=policy)))


def handshakes(world: World, inner: Any) -> Any:
    """Note the cookie each WebSocket handshake arrived with, before corsguard judges it."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            cookie = dict(scope["headers"]).get(b"cookie")
            with world.lock:
                world.cookies["HANDSHAKE " + scope["path"]].append(
                    None if cookie is None else cookie.decode("latin-1")
                )
        await inner(scope, receive, send)

    return app


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[World, Any]]:
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with tempfile.TemporaryDirectory(prefix="corsguard-write-trust-") as folder:
        keyfile, certfile = self_signed_cert(Path(folder))
        # A profile that allows third-party cookies, as Chrome does in ordinary windows
        # (the victim's browser); Debian's Chromium starts fresh profiles blocking them,
        # which would keep the cookie off a cross-site page's WebSocket handshake.
        profile = Path(folder) / "profile"
        (profile / "Default").mkdir(parents=True)
        (profile / "Default" / "Preferences").write_text(json.dumps(PROFILE_PREFERENCES))
        env = dict(os.environ)
        env.update(HOME=folder, XDG_CONFIG_HOME=folder, XDG_CACHE_HOME=folder)
        world = World(port=free_port(), cookie_value=secrets.token_hex(8))
        with (
            serve_asgi(build(world), port=world.port, ssl_keyfile=keyfile, ssl_certfile=certfile),
            sync_playwright() as playwright,
        ):
            context = playwright.chromium.launch_persistent_context(
                str(profile),
                executable_path=executable,
                args=[*LAUNCH_FLAGS, f"--host-resolver-rules={RESOLVER_RULES}"],
                env=env,
                headless=True,
                ignore_https_errors=True,
            )
            # Generous under a loaded machine, but every wait ends.
            context.set_default_timeout(90_000)
            try:
                page = context.new_page()
                response = page.goto(world.url(API, "/set-cookie"))
                assert response is not None and response.status == 200
                page.close()
                cookies = {c["name"]: c for c in context.cookies(world.url(API, "/"))}
                assert cookies[COOKIE_NAME]["sameSite"] == "None"
                assert context.cookies(world.url(OPEN, "/")) == []
                yield world, context
            finally:
                context.close()


def open_page(world: World, context: Any, host: str) -> Any:
    page = context.new_page()
    response = page.goto(world.url(host, "/page"))
    assert response is not None and response.status == 200
    return page


def submit_form(world: World, context: Any, host: str, target: str) -> int:
    """An HTML form POST from a page on ``host`` to ``target``; the status it got."""
    page = open_page(world, context, host)
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
        target,
    )
    with page.expect_response(lambda r: r.url == target) as info:
        page.evaluate("document.forms[0].submit()")
    status: int = info.value.status
    # Chromium at times never commits the navigation to a 200 answer, and a plain close()
    # then waits forever; this one does not wait for the unload.
    page.close(run_before_unload=True)
    return status


def open_websocket(world: World, context: Any, host: str, url: str) -> dict[str, Any]:
    page = open_page(world, context, host)
    result: dict[str, Any] = page.evaluate(WEBSOCKET, url)
    page.close()
    return result


# (case, page host, path prefix, form status, handler runs)
FORM_CASES = [
    ("a: public *", EVIL, "/public", 403, False),
    ("b: preview pattern without credentials", PREVIEW, "/preview", 403, False),
    ("c: trusted with credentials", APP, "/api", 200, True),
    ("d: untrusted", EVIL, "/api", 403, False),
]


@pytest.mark.parametrize(
    ("host", "prefix", "status", "runs"),
    [case[1:] for case in FORM_CASES],
    ids=[case[0] for case in FORM_CASES],
)
def test_cookie_bearing_form_post(
    world: tuple[World, Any], host: str, prefix: str, status: int, runs: bool
) -> None:
    w, context = world
    path = f"{prefix}/transfer-{host.split('.')[0]}"
    assert submit_form(w, context, host, w.url(API, path)) == status
    [post] = w.requests("POST", path)
    assert post.status == status
    assert post.headers["origin"] == w.url(host, "")
    assert post.headers["content-type"] == "application/x-www-form-urlencoded"
    # Chromium sent the session cookie every time: only corsguard decides.
    assert f"{COOKIE_NAME}={w.cookie_value}" in post.headers.get("cookie", "")
    assert w.calls[f"POST {path}"] == (1 if runs else 0)
    if runs:
        assert w.cookies[f"POST {path}"] == [f"{COOKIE_NAME}={w.cookie_value}"]


# (case, page host, path prefix, opens)
WS_CASES = [
    ("a: public *", EVIL, "/public", False),
    ("b: preview pattern without credentials", PREVIEW, "/preview", False),
    ("c: trusted with credentials", APP, "/api", True),
    ("d: untrusted", EVIL, "/api", False),
]


@pytest.mark.parametrize(
    ("host", "prefix", "opens"),
    [case[1:] for case in WS_CASES],
    ids=[case[0] for case in WS_CASES],
)
def test_cookie_bearing_websocket(
    world: tuple[World, Any], host: str, prefix: str, opens: bool
) -> None:
    w, context = world
    path = f"{prefix}/ws-{host.split('.')[0]}"
    result = open_websocket(w, context, host, f"wss://{API}:{w.port}{path}")
    # Chromium sent the session cookie with the handshake: only corsguard decides.
    assert w.cookies[f"HANDSHAKE {path}"] == [f"{COOKIE_NAME}={w.cookie_value}"]
    if opens:
        assert result["events"] == ["open", "message:welcome", "close"]
    else:
        assert "open" not in result["events"] and "error" in result["events"]
    assert w.calls[f"WS {path}"] == (1 if opens else 0)


@pytest.mark.parametrize(("host", "prefix"), [(EVIL, "/public"), (PREVIEW, "/preview")])
def test_cookieless_writes_still_pass(world: tuple[World, Any], host: str, prefix: str) -> None:
    w, context = world
    tag = host.split(".")[0]
    page = open_page(w, context, host)
    post = page.evaluate(
        FETCH, [w.url(API, f"{prefix}/note-{tag}"), {"method": "POST", "body": "hello"}]
    )
    put = page.evaluate(
        FETCH,
        [
            w.url(API, f"{prefix}/item-{tag}"),
            {"method": "PUT", "credentials": "omit", "body": "x"},
        ],
    )
    page.close()
    # fetch's default credentials mode ("same-origin") sends no cookie cross-origin.
    assert post == {"ok": True, "status": 200, "text": f"handled POST {prefix}/note-{tag}"}
    assert w.cookies[f"POST {prefix}/note-{tag}"] == [None]
    assert put == {"ok": True, "status": 200, "text": f"handled PUT {prefix}/item-{tag}"}
    assert w.cookies[f"PUT {prefix}/item-{tag}"] == [None]
    # A handshake to a host that holds no cookie opens from the same page.
    opened = open_websocket(w, context, host, f"wss://{OPEN}:{w.port}{prefix}/ws-open-{tag}")
    assert opened["events"] == ["open", "message:welcome", "close"]
    assert w.cookies[f"HANDSHAKE {prefix}/ws-open-{tag}"] == [None]
    assert w.calls[f"WS {prefix}/ws-open-{tag}"] == 1


def test_preflighted_credentialed_put_stops_in_the_browser(world: tuple[World, Any]) -> None:
    # The preflight carries no cookie and is granted, but without
    # Access-Control-Allow-Credentials Chromium fails it for credentials "include"
    # (Fetch §CORS check), so the cookie-bearing PUT is never sent: refusing it server-side,
    # as corsguard does if it came, agrees with the browser.
    w, context = world
    path = "/preview/credentialed-put"
    page = open_page(w, context, PREVIEW)
    result = page.evaluate(
        FETCH, [w.url(API, path), {"method": "PUT", "credentials": "include", "body": "x"}]
    )
    page.close()
    assert (result["ok"], result["name"]) == (False, "TypeError")
    [preflight] = w.requests("OPTIONS", path)
    assert preflight.status == 204 and "cookie" not in preflight.headers
    assert w.requests("PUT", path) == []
    assert w.calls[f"PUT {path}"] == 0
