"""`corsguard audit --prove` says what was read (issue #12, point 4), in real Chromium.

The lab over plain http on 127.0.0.1, with the victim's cookie given by -H: on plain http a
cookie cannot be SameSite=None, so Chromium withholds it from a cross-site fetch. A proof
must then say that the page read the anonymous answer, not the victim's; an error answer
(401) is no proof at all; a finding seen from a trusted front end has no attack page; and
reports keep bodies' shape only, unless --keep-bodies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from corsguard.lab import SESSION_COOKIE, SESSION_VALUE, RunningLab, start_lab
from servers import require_chromium

pytestmark = pytest.mark.browser

PATHS = ("/account", "/reflect", "/wildcard", "/preflight-echo")


@dataclass
class Proved:
    status: int
    targets: dict[str, dict[str, Any]]  # path -> json target
    kept: dict[str, Any]  # /reflect audited with --keep-bodies
    poc_dir: Path


def _run(lab: RunningLab, out: Path, paths: tuple[str, ...], *extra: str) -> tuple[int, Any]:
    status = main(
        [
            "audit",
            "--prove=all",
            "--origin",
            lab.trusted_origin,
            "-H",
            f"Cookie: {SESSION_COOKIE}={SESSION_VALUE}",
            "--format",
            "json",
            "-o",
            str(out),
            *extra,
            *[lab.url(path) for path in paths],
        ]
    )
    return status, json.loads(out.read_text())


@pytest.fixture(scope="module")
def proved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proved]:
    require_chromium()
    folder = tmp_path_factory.mktemp("honest")
    with start_lab() as lab:
        status, document = _run(lab, folder / "a.json", PATHS, "--poc-dir", str(folder / "poc"))
        _status, kept = _run(lab, folder / "b.json", ("/reflect",), "--keep-bodies")
        targets = {t["url"][len(lab.base_url) :]: t for t in document["targets"]}
        yield Proved(status, targets, kept["targets"][0], folder / "poc")


def only(proved: Proved, path: str, finding_id: str) -> dict[str, Any]:
    target = proved.targets[path]
    assert target["status"] == "ok", target["error"]
    (finding,) = [f for f in target["findings"] if f["id"] == finding_id]
    return finding


@pytest.mark.parametrize(
    ("path", "finding_id", "proven", "result"),
    [
        # 200 with credentials: 'include', but Chromium sent no cookie: an anonymous read.
        ("/reflect", "origin-reflected", True, "read-anonymously"),
        # The victim's data needs the cookie Chromium withheld: a 401, which proves nothing.
        ("/account", "origin-reflected", None, "read-error-status"),
        ("/wildcard", "wildcard-origin", True, "read-anonymously"),
    ],
)
def test_a_proof_says_what_was_read(
    proved: Proved, path: str, finding_id: str, proven: bool | None, result: str
) -> None:
    finding = only(proved, path, finding_id)
    proof = finding["proof"]
    assert finding["proven"] is proven
    assert proof["read"] is True and proof["result"] == result
    assert proof["cookie_sent"] is False
    assert proof["page_origin"] == finding["origin"] != "https://app.example.test"


def test_an_anonymous_read_of_a_credentialed_grant_is_said_so(proved: Proved) -> None:
    finding = only(proved, "/reflect", "origin-reflected")
    assert finding["severity"] == "high" and finding["credentials"] is True
    assert "Chromium sent no cookie with the request" in finding["explanation"]
    assert "the exposure of a logged-in victim's data is not" in finding["explanation"]


def test_an_error_answer_is_inconclusive(proved: Proved) -> None:
    finding = only(proved, "/account", "origin-reflected")
    assert finding["proof"]["status"] == 401
    assert finding["proof"]["notes"][0].startswith("inconclusive: the page could read the answer")
    assert "Proven in" not in finding["explanation"]


@pytest.mark.parametrize("finding_id", ["preflight-any-method", "preflight-any-header"])
def test_no_proof_page_runs_on_a_trusted_origin(proved: Proved, finding_id: str) -> None:
    # These preflights were granted to the trusted front end itself: no attacker page there.
    # The echo is tried from an attacker origin, which this lab refuses: not an attack, and
    # not a refutation of the finding either (it stays low, proven null).
    finding = only(proved, "/preflight-echo", finding_id)
    assert finding["origin"] == "https://app.example.test"
    assert finding["proven"] is None and finding["severity"] == "low"
    assert finding["proof"]["page_origin"] == "https://corsguard-probe.attacker.test"
    assert finding["proof"]["notes"][0].startswith(
        "not provable as an attack: from an attacker origin (https://corsguard-probe.attacker.test)"
    )
    assert "https://app.example.test, a trusted front end" in finding["proof"]["notes"][0]


def test_poc_pages_never_claim_a_hole_over_what_they_cannot_judge(proved: Proved) -> None:
    pages = sorted(proved.poc_dir.iterdir())
    # Only the proven findings get a page: /reflect and /wildcard, not /account's 401.
    assert len(pages) == 2
    for page in pages:
        text = page.read_text()
        assert "the hole is real" not in text
        assert "READ AN ERROR ANSWER" in text and "READ ANONYMOUSLY" in text
        assert "https://app.example.test" not in text.split("Host this page on:")[1][:200]
        # Opened on the attacker origin, its fetch must not fill a shared cache either.
        assert "?corsguard=poc-" in text


def test_bodies_are_kept_only_on_request(proved: Proved) -> None:
    default = only(proved, "/reflect", "origin-reflected")["proof"]
    assert default["body"] is None and default["body_redacted"] is True
    assert default["body_shape"] == {
        "length": len('{"endpoint":"/reflect","data":"lab data"}'),
        "truncated": False,
        "content_type": "application/json",
        "json_keys": ["endpoint", "data"],
    }
    assert "lab data" not in json.dumps(proved.targets)
    (kept,) = proved.kept["findings"]
    assert kept["proof"]["body_redacted"] is False and "lab data" in kept["proof"]["body"]
