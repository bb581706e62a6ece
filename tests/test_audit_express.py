"""`corsguard audit` against real Express servers (npm `express` and `cors`), issue #12.

Each route is a CORS setup as found in real Node code; each is audited black-box (no
--origin: the target's own site is the trusted one) and with --origin, and the finding ids
must be exactly those its origin check deserves. The API listens on a random port while its
front end is https://my.website.com (default port): the audit must probe the default port.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.model import CACHE_KEY_PARAMETER
from corsguard.cli import main
from node_servers import express_servers

HOST = "my.website.com"
FRONT_END = "https://my.website.com"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with express_servers() as started:
        yield started


def audit(port: int, path: str, *extra: str, tmp: Path) -> tuple[int, dict[str, Any]]:
    out = tmp / "report.json"
    status = main(
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
    return status, target


def seen(port: int) -> list[tuple[str, str]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__seen", timeout=10) as response:
        return [tuple(pair) for pair in json.loads(response.read())]


CASES = [
    # (route, its setup, ids black-box, ids with --origin https://my.website.com)
    # The cors package echoes Access-Control-Request-Headers unless allowedHeaders is set:
    # preflight-any-header wherever its preflight grants the origin it came from.
    ("/defaults", "cors()", {"wildcard-origin", "preflight-any-header"},
     {"wildcard-origin", "preflight-any-header"}),
    ("/reflect", "cors({origin: true, credentials: true})",
     {"origin-reflected", "preflight-any-header"}, {"origin-reflected", "preflight-any-header"}),
    (
        "/regex",
        "cors({origin: /website\\.com$/}): anyone can register attackerwebsite.com",
        {"suffix-match", "any-subdomain-trusted"},
        # The regex ignores the scheme, too.
        {"suffix-match", "any-subdomain-trusted", "insecure-origin-trusted",
         "preflight-any-header"},
    ),
    ("/array", "cors({origin: ['https://my.website.com']})", set(), {"preflight-any-header"}),
    (
        "/indexof",
        "origin.indexOf('website.com') !== -1, no Vary",
        {"prefix-match", "suffix-match", "special-char-bypass", "any-subdomain-trusted",
         "missing-vary-origin"},
        {"prefix-match", "suffix-match", "special-char-bypass", "any-subdomain-trusted",
         "insecure-origin-trusted", "missing-vary-origin"},
    ),
    (
        "/endswith",
        "origin.endsWith('website.com'): a suffix check, not an unescaped regex dot",
        {"suffix-match", "any-subdomain-trusted"},
        {"suffix-match", "any-subdomain-trusted", "insecure-origin-trusted"},
    ),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["black-box", "origin"])
@pytest.mark.parametrize(
    ("path", "setup", "black_box", "with_origin"), CASES, ids=[c[0] for c in CASES]
)
def test_express_setups_get_exactly_their_findings(
    port: int,
    tmp_path: Path,
    mode: str,
    path: str,
    setup: str,
    black_box: set[str],
    with_origin: set[str],
) -> None:
    extra = ("--origin", FRONT_END) if mode == "origin" else ()
    status, target = audit(port, path, *extra, tmp=tmp_path)
    expected = black_box if mode == "black-box" else with_origin
    assert target["status"] == "ok", target["error"]
    assert {f["id"] for f in target["findings"]} == expected, setup
    # The gate follows the findings' severities (--fail-on medium).
    failing = any(f["severity"] in ("medium", "high") for f in target["findings"])
    assert status == (1 if failing else 0)


def test_unescaped_dot_is_not_blamed_for_a_suffix_check(port: int, tmp_path: Path) -> None:
    # myxwebsite.com passes endsWith('website.com') as it would pass /my.website\.com$/; the
    # suffix twin attackerwebsite.com, granted too, shows the real cause.
    _status, target = audit(port, "/endswith", tmp=tmp_path)
    (suffix,) = [f for f in target["findings"] if f["id"] == "suffix-match"]
    assert "website.com" in suffix["origin"]
    assert not any(f["id"] == "unescaped-dot" for f in target["findings"])


def test_black_box_does_not_stop_after_the_first_wave(port: int, tmp_path: Path) -> None:
    # cors() with a regex answers the first probes with Vary: Origin only.
    seen(port)
    _status, target = audit(port, "/array", tmp=tmp_path)
    assert target["requests"] > 20
    origins_sent = [r for r in seen(port) if r[1].startswith("/array")]
    assert len(origins_sent) == target["requests"]


def test_every_probe_has_a_cache_key_of_its_own(port: int, tmp_path: Path) -> None:
    seen(port)
    _status, target = audit(port, "/regex", tmp=tmp_path)
    requests = [url for _method, url in seen(port) if url.startswith("/regex")]
    assert len(requests) == target["requests"]
    keys = [url.partition(f"?{CACHE_KEY_PARAMETER}=")[2] for url in requests]
    assert all(keys) and len(set(keys)) == len(keys)
    run_tokens = {key.rsplit("-", 1)[0] for key in keys}
    assert len(run_tokens) == 1  # one random token per run, numbered per probe


def test_no_cache_key_requests_the_url_as_given(port: int, tmp_path: Path) -> None:
    seen(port)
    audit(port, "/regex", "--no-cache-key", tmp=tmp_path)
    requests = {url for _method, url in seen(port)}
    assert requests == {"/regex"}


def test_a_redirect_is_an_error_naming_the_final_url(port: int, tmp_path: Path) -> None:
    status, target = audit(port, "/moved", tmp=tmp_path)
    assert target["status"] == "error" and target["findings"] == []
    assert f"redirects (301) to http://{HOST}:{port}/defaults;" in target["error"]
    assert status == 2  # the only target was not audited: nothing was checked


def test_follow_redirects_audits_the_final_url(port: int, tmp_path: Path) -> None:
    status, target = audit(port, "/moved", "--follow-redirects", tmp=tmp_path)
    assert target["status"] == "ok"
    assert target["url"] == f"http://{HOST}:{port}/defaults"
    assert {f["id"] for f in target["findings"]} == {"wildcard-origin", "preflight-any-header"}
    assert any("/moved" in note for note in target["notes"])
    assert status == 0  # wildcard-origin and preflight-any-header are low: nothing fails


@pytest.mark.parametrize(("extra", "expected"), [((), 3), (("--allow-errors",), 0)])
def test_an_errored_target_fails_the_gate_unless_allowed(
    port: int, tmp_path: Path, extra: tuple[str, ...], expected: int
) -> None:
    out = tmp_path / "report.json"
    status = main(
        [
            "audit",
            f"http://{HOST}:{port}/array",
            f"http://{HOST}:{port}/moved",
            "--resolve",
            f"{HOST}:{port}:127.0.0.1",
            "--format",
            "json",
            "-o",
            str(out),
            *extra,
        ]
    )
    statuses = [t["status"] for t in json.loads(out.read_text())["targets"]]
    assert statuses == ["ok", "error"]
    assert status == expected
