"""A public policy's answers are the same for every request, through uvicorn and a real cache.

Fetch §CORS protocol and HTTP caches: a resource whose Access-Control-Allow-Origin is `*`
sends it on non-CORS responses too and does not use Vary. corsguard's ASGI middleware runs
under uvicorn with a public route and a listed-origin route; nginx (Debian's
/usr/sbin/nginx, installed by .ci/run) caches it on 127.0.0.1, unprivileged, in a temp dir.
The browser model (corsguard.audit.severity.readability, checked against Chromium in
tests/model) judges whether a page can read what the cache hands it.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from corsguard.audit.severity import readability
from corsguard.cli import main
from tests.helpers.nginx import caching_proxy
from tests.helpers.servers import serve_asgi

HOST = "api.example.com"
FRONT_END = "https://app.example.com"
OTHER = "https://other.example.net"

POLICY = Policy(
    allow_origins=[FRONT_END],
    routes={"/public": Policy(allow_origins=["*"], expose_headers=["X-Total"])},
)


async def endpoint(request: Request) -> PlainTextResponse:
    # Cacheable by a shared cache, as a public API's answers often are.
    headers = {"Cache-Control": "public, max-age=60", "X-Total": "3"}
    return PlainTextResponse("data", headers=headers)


APP = CORSMiddleware(
    Starlette(routes=[Route("/{path:path}", endpoint)]),
    policy=POLICY,
)


@pytest.fixture(scope="module")
def upstream() -> Iterator[int]:
    with serve_asgi(APP) as port:
        yield port


@pytest.fixture(scope="module")
def cache(upstream: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """nginx caching uvicorn; yields nginx's port."""
    with caching_proxy(tmp_path_factory.mktemp("nginx"), upstream) as port:
        yield port


def get(port: int, path: str, origin: str | None) -> tuple[list[tuple[str, str]], str]:
    """(the response's header fields, lowercase names; its body) of a GET."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST})
    if origin is not None:
        request.add_header("Origin", origin)
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = [(name.lower(), value) for name, value in response.headers.items()]
        return headers, response.read().decode()


def values(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key == name]


def vary_tokens(headers: list[tuple[str, str]]) -> set[str]:
    return {t.strip().lower() for v in values(headers, "vary") for t in v.split(",") if t.strip()}


@pytest.mark.parametrize(
    ("origin", "acao"),
    [(None, ["*"]), (FRONT_END, ["*"]), (OTHER, ["*"]), ("null", ["*"])],
)
def test_uvicorn_public_route_sends_its_grant_to_every_request(
    upstream: int, origin: str | None, acao: list[str]
) -> None:
    headers, _ = get(upstream, "/public/items", origin)
    assert values(headers, "access-control-allow-origin") == acao
    assert values(headers, "access-control-expose-headers") == ["X-Total"]
    assert "origin" not in vary_tokens(headers)


@pytest.mark.parametrize(("origin", "acao"), [(None, []), (FRONT_END, [FRONT_END]), (OTHER, [])])
def test_uvicorn_listed_route_still_varies_on_origin(
    upstream: int, origin: str | None, acao: list[str]
) -> None:
    headers, _ = get(upstream, "/private/items", origin)
    assert values(headers, "access-control-allow-origin") == acao
    assert "origin" in vary_tokens(headers)


# (path, the reader's origin, whether that reader's request is a cache hit, can it read)
CACHED_READS = [
    # Public: one entry serves everyone, the no-Origin answer included.
    ("/public/a", FRONT_END, "HIT", True),
    ("/public/b", OTHER, "HIT", True),
    # Listed origins: Vary: Origin makes nginx keep one entry per Origin value, so the
    # no-Origin answer is never handed to the front end.
    ("/private/a", FRONT_END, "MISS", True),
    ("/private/b", OTHER, "MISS", False),
]


@pytest.mark.parametrize(("path", "origin", "status", "readable"), CACHED_READS)
def test_a_cached_no_origin_answer_then_read_cross_origin(
    cache: int, path: str, origin: str, status: str, readable: bool
) -> None:
    # A crawler, curl or a navigation: no Origin. nginx stores this answer.
    primed, _ = get(cache, path, None)
    assert values(primed, "x-cache-status") == ["MISS"]
    # Then a page's fetch() from another origin, through the same cache.
    headers, body = get(cache, path, origin)
    assert values(headers, "x-cache-status") == [status]
    assert body == "data"
    read = readability(origin, f"http://{HOST}{path}", 200, headers)
    assert read.anonymous is readable, read.reason
    if readable and path.startswith("/public"):
        # The exposed header is readable too: the grant came with the stored answer.
        assert values(headers, "access-control-expose-headers") == ["X-Total"]


def test_the_audit_finds_no_missing_vary_on_the_public_route(cache: int, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    main(
        [
            "audit",
            f"http://{HOST}:{cache}/public/audited",
            "--resolve",
            f"{HOST}:{cache}:127.0.0.1",
            "--origin",
            FRONT_END,
            "--cache-check",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "ok", target["error"]
    ids = {finding["id"] for finding in target["findings"]}
    assert ids.isdisjoint({"missing-vary-origin", "cache-poisoning"}), ids
    # What it does report is the policy's own choice: any site may read (public data).
    assert ids <= {"wildcard-origin"}, ids
