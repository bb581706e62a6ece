"""open-cors-proxy: a real cors-anywhere (npm) is found by the audit and by lint, alike.

The audit asks the target to fetch its own origin's root through its path and compares
with the root asked directly and with a control path of the same shape that is no URL; it
never names another host. Servers that answer `*` without being proxies (the npm `cors`
package's default, a catch-all page) get no such finding.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.model import Target as AuditTarget
from corsguard.audit.model import build_trust, open_proxy_probes, url_origin
from corsguard.cli import main
from tests.helpers.node_servers import NODE_DIR, express_servers, node_server
from tests.helpers.servers import serve_wsgi

FRONT_END = "https://app.proxy-test.example.com"


def audit(url: str, tmp: Path, *extra: str) -> dict[str, Any]:
    out = tmp / "report.json"
    main(["audit", url, "--format", "json", "-o", str(out), *extra])
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "ok", target["error"]
    return target


@pytest.mark.parametrize("extra", [(), ("--origin", FRONT_END)], ids=["black-box", "origin"])
def test_a_real_cors_anywhere_is_an_open_proxy(tmp_path: Path, extra: tuple[str, ...]) -> None:
    with node_server("cors_anywhere.js") as port:
        target = audit(f"http://127.0.0.1:{port}/", tmp_path, *extra)
    found = {f["id"]: f for f in target["findings"]}
    proxy = found["open-cors-proxy"]
    assert proxy["severity"] == "high"
    assert target["findings"][0]["id"] == "open-cors-proxy"  # the most severe first
    # What it was asked to fetch: its own root, and nothing else.
    url = proxy["evidence"]["request"]["url"]
    assert url.startswith(f"http://127.0.0.1:{port}/http://127.0.0.1:{port}/")
    assert proxy["evidence"]["response"]["headers"]["access-control-allow-origin"] == "*"
    # The wildcard stays a finding of its own (low: '*' for the proxy's own answers).
    assert found["wildcard-origin"]["severity"] == "low"


def wildcard_catch_all(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """'*' on every path with one page for all: a single-page app, not a proxy."""
    start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Type", "text/html")])
    return [b"<!doctype html><title>app</title><div id=root></div>"]


def test_wildcard_servers_that_fetch_nothing_are_no_proxy(tmp_path: Path) -> None:
    with express_servers() as port:
        express = audit(f"http://127.0.0.1:{port}/defaults", tmp_path)
    with serve_wsgi(wildcard_catch_all) as port:
        catch_all = audit(f"http://127.0.0.1:{port}/api", tmp_path)
    for target in (express, catch_all):
        ids = [f["id"] for f in target["findings"]]
        assert "wildcard-origin" in ids and "open-cors-proxy" not in ids


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/", "https://api.example.com/v1/proxy", "http://[::1]:9/x/?q=1"],
)
def test_the_probes_name_only_the_targets_own_origin(url: str) -> None:
    own = url_origin(url)
    for probe in open_proxy_probes(AuditTarget(url, build_trust(url))):
        named = re.findall(r"https?://[^/]*", probe.path)
        assert named in ([], [own]), probe.path


def test_lint_and_audit_agree_on_the_same_cors_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["lint", str(NODE_DIR / "cors_anywhere.js"), "--format", "json"])
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["id"], finding["severity"]) == ("open-cors-proxy", "high")
