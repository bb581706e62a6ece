"""Review findings for `corsguard audit --prove` in real Chromium (one browser launch)."""

from __future__ import annotations

import json
from pathlib import Path

from corsguard.cli import main
from corsguard.lab import make_app
from tests.helpers.servers import require_chromium, serve_asgi


def test_http_probe_origin_on_an_ordinary_domain_is_proven(tmp_path: Path) -> None:
    # The trusted front end is on a real-world name (not .test, which Chromium never
    # upgrades): the attacker page http://app.example.com must load as http, or every
    # insecure-origin-trusted proof is inconclusive (HTTPS-Upgrades tried https and failed).
    require_chromium()
    out = tmp_path / "out.json"
    with serve_asgi(make_app("https://app.example.com")) as port:
        url = f"http://127.0.0.1:{port}/http-allowed"
        args = ["--format", "json", "-o", str(out), "--origin", "https://app.example.com", url]
        status = main(["audit", "--prove", *args])
    (target,) = json.loads(out.read_text())["targets"]
    (finding,) = target["findings"]
    assert finding["id"] == "insecure-origin-trusted"
    assert finding["origin"] == "http://app.example.com"
    assert finding["proof"]["error"] is None
    assert finding["proven"] is True
    assert status == 1
