"""corsguard learn on report-only mode's lines (issue #14): the origins seen, what they
requested, and the observed policy's own origins from its start-up line."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from corsguard import Policy, learn, refusal_log
from corsguard.cli import main
from corsguard.observe import start
from corsguard.report_only import AppAnswer

KNOWN = "https://app.example.com"
PATTERN = "https://*.preview.example.com"
NEW = "https://reports.example.com"


def write_log(path: Path, policy: Policy, traffic: list[tuple[str, str, dict[str, str]]]) -> None:
    """Run the observer over ``traffic`` (the app reflecting every origin with credentials)
    and write its lines as an app's logging configuration would."""
    refusal_log.limiter.reset()
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(name)s: %(message)s"))
    logger = logging.getLogger("corsguard")
    logger.addHandler(handler)
    try:
        observer = start(policy)
        for origin, method, extra in traffic:
            headers = [(b"host", b"api.example.com"), (b"origin", origin.encode())]
            headers += [(k.encode(), v.encode()) for k, v in extra.items()]
            decision = observer.decide(method, "/api", headers)
            app = [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-credentials", b"true"),
                (b"vary", b"Origin"),
            ]
            if method == "OPTIONS":
                requested = extra.get("access-control-request-headers", "").encode()
                app.append((b"access-control-allow-methods", b"*"))
                app.append((b"access-control-allow-headers", requested))
            observer.report(decision, AppAnswer(200, app), headers)
    finally:
        logger.removeHandler(handler)
        handler.close()


def learned(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    main(["learn", str(path), "--json", *args])
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_proposal_keeps_the_observed_policy_and_adds_what_diverged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = Policy(allow_origins=[KNOWN, PATTERN], allow_headers=["x-known"],
                    allow_credentials=True)  # fmt: skip
    log = tmp_path / "app.log"
    write_log(log, policy, [
        (KNOWN, "GET", {"cookie": "s=1"}),  # agrees: not logged
        (NEW, "GET", {"cookie": "s=1"}),
        (NEW, "OPTIONS", {"access-control-request-method": "DELETE",
                          "access-control-request-headers": "x-new"}),
        ("null", "GET", {}),
        ("http://localhost:8080", "POST", {}),
    ])  # fmt: skip
    text = log.read_text()
    assert f'origin="{KNOWN}"' not in text  # only divergences are logged
    out = learned(log, capsys)
    assert out["policy"] == {
        "allow_origins": [PATTERN, KNOWN, NEW],
        "allow_methods": ["DELETE", "GET"],
        "allow_headers": ["x-known", "x-new"],
        "allow_credentials": True,
    }
    verdicts = {v["origin"]: (v["trusted"], v["finding"], v["requests"]) for v in out["origins"]}
    assert verdicts[KNOWN] == (True, None, 0)
    assert verdicts[PATTERN] == (True, None, 0)
    assert verdicts[NEW] == (True, None, 2)
    assert verdicts["null"] == (False, "null-origin-trusted", 1)
    assert verdicts["http://localhost:8080"] == (False, "localhost-trusted", 1)
    Policy(**out["policy"])  # a policy corsguard accepts


def test_observed_star_is_not_proposed_and_observed_http_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "app.log"
    write_log(log, Policy(allow_origins=["*"]), [(NEW, "GET", {"cookie": "s=1"})])
    out = learned(log, capsys)
    assert out["policy"]["allow_origins"] == [NEW]
    star = next(v for v in out["origins"] if v["origin"] == "*")
    assert star["trusted"] is False and "list the front ends" in star["reason"]

    http = "http://intranet.example.com"
    log2 = tmp_path / "app2.log"
    write_log(log2, Policy(allow_origins=[http], allow_credentials=True,
                           tolerate_insecure_origins=True), [(NEW, "GET", {})])  # fmt: skip
    out = learned(log2, capsys)
    # Kept (the team chose it), flagged, and the proposal stays a valid policy.
    assert out["policy"]["allow_origins"] == [http, NEW]
    assert out["policy"]["tolerate_insecure_origins"] is True
    kept = next(v for v in out["origins"] if v["origin"] == http)
    assert (kept["trusted"], kept["finding"]) == (True, "insecure-origin-trusted")
    capsys.readouterr()
    main(["learn", str(log2)])
    assert "worth a second look" in capsys.readouterr().out


@pytest.mark.parametrize(
    "line",
    [
        "corsguard report-only mode: CORS policy origins=[" + "x, " * 5000 + "]; credentials=no; "
        "methods=[GET]; headers=[]",
        "corsguard report-only mode: CORS policy origins=[a]; credentials=maybe",
        "corsguard report-only mode: CORS policy origins=[\x1b[31mred]; credentials=yes; "
        "methods=[G E T, \u202e]; headers=[bad header]",
        'corsguard report-only kind=preflight origin="' + "\\" * 3000,
        "corsguard report-only kind=x divergence=would-refuse",
    ],
)
def test_forged_report_only_lines_are_bounded(line: str) -> None:
    obs = learn.Observations()
    learn.read_log(obs, io.BytesIO(line.encode() + b"\n"))
    assert obs.lines == 1
    assert len(obs.observed_origins) <= learn.MAX_ORIGINS
    assert all(" " not in m for m in obs.observed_methods)
    assert all(" " not in h for h in obs.observed_headers)
    proposal = learn.propose(obs, set())
    # Nothing malformed is proposed from a forged start-up line.
    assert all(learn.parse_origin(o) is not None for o in proposal.options["allow_origins"])
