"""`corsguard audit` through a real shared cache: nginx in front of an API without Vary: Origin.

Issue #12: the audit's own probes must never change what real users get from a cache, its
verdict must not depend on what the cache holds, and missing-vary-origin is rated by
whether a shared cache may store the response. nginx (Debian's /usr/sbin/nginx, installed
by .ci/run) runs unprivileged on 127.0.0.1 with its prefix, config and cache in a temp dir.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from tests.helpers.nginx import caching_proxy
from tests.helpers.servers import serve_wsgi

HOST = "my.website.com"
FRONT_END = "https://my.website.com"


def api(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """An API that grants its front end, with Cache-Control: public and no Vary: Origin."""
    headers = [("Content-Type", "application/json"), ("Cache-Control", "public, max-age=60")]
    if environ.get("HTTP_ORIGIN") == FRONT_END:
        headers.append(("Access-Control-Allow-Origin", FRONT_END))
    if environ.get("PATH_INFO", "").startswith("/api/varied"):
        headers.append(("Vary", "Origin"))  # nginx then keeps one entry per Origin
    start_response("200 OK", headers)
    return [b'{"news": "public"}']


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """nginx caching the API; yields nginx's port."""
    with (
        serve_wsgi(api) as upstream,
        caching_proxy(tmp_path_factory.mktemp("nginx"), upstream) as port,
    ):
        yield port


def get(port: int, path: str, origin: str | None) -> tuple[str | None, str | None, bytes]:
    """(Access-Control-Allow-Origin, X-Cache-Status, body) of a GET through nginx."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": HOST})
    if origin is not None:
        request.add_header("Origin", origin)
    with urllib.request.urlopen(request, timeout=10) as response:
        return (
            response.headers.get("Access-Control-Allow-Origin"),
            response.headers.get("X-Cache-Status"),
            response.read(),
        )


def audit(port: int, path: str, tmp: Path, *extra: str) -> dict[str, Any]:
    out = tmp / "report.json"
    main(
        [
            "audit",
            f"http://{HOST}:{port}{path}",
            "--resolve",
            f"{HOST}:{port}:127.0.0.1",
            "--format",
            "json",
            "-o",
            str(out),
            *extra,
        ]
    )
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "ok", target["error"]
    return target


@pytest.mark.parametrize("extra", [(), ("--origin", FRONT_END)], ids=["black-box", "origin"])
def test_a_full_audit_leaves_the_cache_serving_what_it_served(
    cache: int, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    path = f"/api/public/primed-{len(extra)}"
    first = get(cache, path, FRONT_END)
    assert first[:2] == (FRONT_END, "MISS")
    before = get(cache, path, FRONT_END)
    assert before[1] == "HIT"
    target = audit(cache, path, tmp_path, *extra)
    assert target["requests"] > 10
    after = get(cache, path, FRONT_END)
    assert after == before  # the same grant, from the same cache entry
    # A visitor without Origin still gets the entry the front end stored.
    assert get(cache, path, None) == before


def test_probes_store_nothing_under_the_real_url(cache: int, tmp_path: Path) -> None:
    audit(cache, "/api/public/fresh", tmp_path, "--origin", FRONT_END)
    # The first real visitor after the audit is the first to reach the API for this URL.
    assert get(cache, "/api/public/fresh", FRONT_END)[:2] == (FRONT_END, "MISS")


def test_without_cache_keys_the_audit_would_fill_the_cache(cache: int, tmp_path: Path) -> None:
    # The control: the opt-out sends the real URL, and the cache keeps a probe's answer.
    audit(cache, "/api/public/opt-out", tmp_path, "--origin", FRONT_END, "--no-cache-key")
    assert get(cache, "/api/public/opt-out", FRONT_END)[1] == "HIT"


def test_the_verdict_does_not_depend_on_the_cache_state(cache: int, tmp_path: Path) -> None:
    # Primed by the front end, then by an attacker's origin, or cold: one answer.
    get(cache, "/api/public/by-front-end", FRONT_END)
    get(cache, "/api/public/by-attacker", "https://evil.attacker.test")
    verdicts = []
    for path in ("/api/public/by-front-end", "/api/public/by-attacker", "/api/public/cold"):
        target = audit(cache, path, tmp_path, "--origin", FRONT_END)
        verdicts.append([(f["id"], f["severity"]) for f in target["findings"]])
    assert verdicts == [[("missing-vary-origin", "medium")]] * 3


def test_missing_vary_says_why_a_shared_cache_may_store_it(cache: int, tmp_path: Path) -> None:
    target = audit(cache, "/api/public/why", tmp_path, "--origin", FRONT_END)
    (finding,) = target["findings"]
    assert finding["id"] == "missing-vary-origin" and finding["severity"] == "medium"
    assert "Cache-Control allows shared caches to store it (public)" in finding["explanation"]
    shown = finding["evidence"]["response"]["headers"]
    assert shown["cache-control"] == "public, max-age=60" and "x-cache-status" in shown


def test_nginx_is_recognised_and_gets_the_nginx_fix(cache: int, tmp_path: Path) -> None:
    target = audit(cache, "/api/public/stack", tmp_path, "--origin", FRONT_END)
    assert target["stack"]["name"] == "nginx" and target["stack"]["fix_stacks"] == ["nginx"]
    (finding,) = target["findings"]
    fix = finding["fix"]
    assert "map $http_origin $cors_origin {" in fix and "add_header Vary Origin always;" in fix
    assert f'"{FRONT_END}" $http_origin;' in fix


def test_the_cache_check_proves_poisoning_on_a_key_of_its_own(cache: int, tmp_path: Path) -> None:
    path = "/api/public/poisoned"
    target = audit(cache, path, tmp_path, "--origin", FRONT_END, "--cache-check")
    ids = {f["id"]: f for f in target["findings"]}
    poisoned = ids["cache-poisoning"]
    # The attacker's origin primed the key and the front end got no grant from it.
    assert poisoned["severity"] == "high" and poisoned["origin"] == FRONT_END
    assert "access-control-allow-origin" not in poisoned["evidence"]["response"]["headers"]
    assert "x-cache-status" in poisoned["evidence"]["response"]["headers"]
    assert "proxy_cache_key" in poisoned["fix"]
    # The real URL was never requested: its first real visitor is nginx's first miss.
    assert get(cache, path, FRONT_END)[:2] == (FRONT_END, "MISS")


def test_the_cache_check_finds_nothing_where_vary_keys_the_cache(
    cache: int, tmp_path: Path
) -> None:
    target = audit(cache, "/api/varied/ok", tmp_path, "--origin", FRONT_END, "--cache-check")
    assert [f["id"] for f in target["findings"]] == []


def test_the_cache_check_is_opt_in(cache: int, tmp_path: Path) -> None:
    target = audit(cache, "/api/public/not-asked", tmp_path, "--origin", FRONT_END)
    assert "cache-poisoning" not in [f["id"] for f in target["findings"]]


def test_the_cache_check_refuses_to_run_on_the_real_url(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["audit", "http://127.0.0.1:9/", "--cache-check", "--no-cache-key"])
    assert status == 2
    assert "--no-cache-key" in capsys.readouterr().err
