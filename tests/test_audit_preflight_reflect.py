"""A preflight granted to any origin is a hole even when simple requests grant nothing."""

from __future__ import annotations

import json

import pytest

from corsguard.audit.model import MAX_REQUESTS
from corsguard.cli import main
from corsguard.lab import start_lab


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/preflight-reflect", {"preflight-origin-reflected"}),
        ("/account", {"origin-reflected"}),  # reads already granted: the wider finding only
        ("/corsguard", set()),
        ("/no-vary", set()),  # an exact allowlist: the untrusted preflight gets nothing
    ],
)
def test_untrusted_preflight(
    path: str, expected: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with start_lab() as lab:
        urls = [u for u in lab.urls if u.endswith(path)]
        if not urls:
            pytest.fail(f"the lab has no {path}")
        main(["audit", urls[0], "--origin", lab.trusted_origin, "--format", "json"])
    (target,) = json.loads(capsys.readouterr().out)["targets"]
    found = {f["id"]: f for f in target["findings"]}
    assert expected <= set(found)
    assert target["requests"] <= MAX_REQUESTS
    if "preflight-origin-reflected" in expected:
        finding = found["preflight-origin-reflected"]
        assert finding["severity"] == "medium" and finding["credentials"] is True
        assert finding["evidence"]["request"]["method"] == "OPTIONS"
    else:
        assert "preflight-origin-reflected" not in found
