"""Issue #10 in real headless Chromium: a cross-site HTML form cannot reach a handler through
an encoded slash that makes corsguard's write exemption apply.

One HTTPS uvicorn server; Starlette routes ``/files/{name:path}`` and ``/webhooks/{rest:path}``
under corsguard's ASGI middleware with ``write_protection_exempt_paths=["/webhooks"]``.
The API host sets a ``SameSite=None; Secure`` session cookie; a page on another registrable
domain (evil.attacker.test, mapped to 127.0.0.1) submits forms. Chromium keeps ``%2F`` in
the path, uvicorn decodes it, Starlette's router runs the /files handler for
``/files/x%2F..%2F..%2Fwebhooks``: corsguard must refuse it, cookie and all.
"""

from __future__ import annotations

import collections
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from corsguard.asgi import CORSMiddleware
from tests.helpers.apps_e2e import PAGE, self_signed_cert
from tests.helpers.servers import free_port, serve_asgi

API = "api.example.test"
EVIL = "evil.attacker.test"


@dataclass
class Site:
    port: int
    cookie: str
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    # (method, raw path, status, Cookie header) of every request the server answered
    seen: list[tuple[str, bytes, int, str | None]] = field(default_factory=list)

    def url(self, host: str, path: str) -> str:
        return f"https://{host}:{self.port}{path}"


def build(site: Site) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse
    from starlette.routing import Route

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def set_cookie(request: Request) -> PlainTextResponse:
        response = PlainTextResponse("cookie set")
        response.set_cookie("session", site.cookie, secure=True, httponly=True, samesite="none")
        return response

    def handler(name: str) -> Any:
        async def endpoint(request: Request) -> PlainTextResponse:
            site.calls[name] += 1
            return PlainTextResponse(f"{name} handler ran")

        return endpoint

    app = Starlette(
        routes=[
            Route("/page", page),
            Route("/set-cookie", set_cookie),
            Route("/files/{name:path}", handler("files"), methods=["POST"]),
            Route("/webhooks/{rest:path}", handler("webhooks"), methods=["POST"]),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=[f"https://app.example.test:{site.port}"],
                allow_credentials=True,
                write_protection_exempt_paths=["/webhooks"],
            )
        ],
    )

    async def recorded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        cookie = headers.get(b"cookie")

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                site.seen.append(
                    (
                        scope["method"],
                        scope["raw_path"],
                        message["status"],
                        cookie.decode() if cookie else None,
                    )
                )
            await send(message)

        await app(scope, receive, send_status)

    return recorded


@pytest.fixture(scope="module")
def site(chromium: Any) -> Iterator[tuple[Site, Any]]:
    with tempfile.TemporaryDirectory(prefix="corsguard-paths-") as folder:
        keyfile, certfile = self_signed_cert(Path(folder))
        site = Site(port=free_port(), cookie=secrets.token_hex(8))
        with serve_asgi(build(site), port=site.port, ssl_keyfile=keyfile, ssl_certfile=certfile):
            context = chromium.new_context(ignore_https_errors=True)
            try:
                page = context.new_page()
                response = page.goto(site.url(API, "/set-cookie"), timeout=60_000)
                assert response is not None and response.status == 200
                page.close()
                yield site, context
            finally:
                context.close()


SUBMIT = """(action) => {
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = action;
    const input = document.createElement('input');
    input.name = 'amount';
    input.value = '1000000';
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
}"""


@pytest.mark.parametrize(
    ("target", "status", "handler", "runs"),
    [
        # The exemption is real: the webhook handler runs for a cross-site POST ...
        ("/webhooks/github", 200, "webhooks", 1),
        # ... but a path the router gives to /files cannot borrow it.
        ("/files/x%2F..%2F..%2Fwebhooks", 403, "files", 0),
        ("/files/x%2F..%2F..%2Fwebhooks%2Fgithub", 403, "files", 0),
    ],
)
def test_cross_site_form_post(
    site: tuple[Site, Any], target: str, status: int, handler: str, runs: int
) -> None:
    s, context = site
    before = s.calls[handler]
    page = context.new_page()
    response = page.goto(s.url(EVIL, "/page"), timeout=60_000)
    assert response is not None and response.status == 200
    url = s.url(API, target)
    with page.expect_response(lambda r: r.url == url, timeout=60_000) as info:
        page.evaluate(SUBMIT, url)
    got = info.value.status
    page.close()
    assert got == status
    assert s.calls[handler] - before == runs
    # The server saw the target as Chromium sent it, %2F and all.
    method, _, answered, cookie = [e for e in s.seen if e[1] == target.encode()][-1]
    assert (method, answered) == ("POST", status)
    # Chromium sent the session cookie along: only corsguard stood in the way.
    assert cookie is not None and f"session={s.cookie}" in cookie
