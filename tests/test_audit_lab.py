"""`corsguard audit` against the lab: each finding id where the lab has the hole, nowhere else."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.model import MAX_REQUESTS
from corsguard.audit.output import AUDIT_IDS
from corsguard.cli import main
from corsguard.findings import Severity
from corsguard.lab import (
    CORSGUARD_PATH,
    ENDPOINTS,
    SESSION_COOKIE,
    SESSION_VALUE,
    LabEndpoint,
    RunningLab,
    start_lab,
)
from test_audit_output import JSON_SCHEMA, validate


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with start_lab() as running:
        yield running


@pytest.fixture(scope="module")
def audited(lab: RunningLab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One audit of every lab endpoint, as json; keyed by path."""
    out = tmp_path_factory.mktemp("audit") / "lab.json"
    status = main(
        [
            "audit",
            "--origin",
            lab.trusted_origin,
            "--cache-check",
            "--format",
            "json",
            "-o",
            str(out),
            *lab.urls,
        ]
    )
    document = json.loads(out.read_text())
    validate(document, JSON_SCHEMA)
    assert status == 1  # the lab has findings of medium and high severity
    by_path = {t["url"][len(lab.base_url) :]: t for t in document["targets"]}
    assert list(by_path) == [e.path for e in lab.endpoints]
    return by_path


def test_every_audit_finding_id_is_shown_by_some_lab_endpoint() -> None:
    shown = set().union(*(endpoint.findings for endpoint in ENDPOINTS))
    assert shown == set(AUDIT_IDS)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.path for e in ENDPOINTS])
def test_lab_endpoint_has_exactly_its_findings(
    endpoint: LabEndpoint, audited: dict[str, Any]
) -> None:
    target = audited[endpoint.path]
    assert target["status"] == "ok", target["error"]
    found = {finding["id"] for finding in target["findings"]}
    assert found == endpoint.findings
    severities = [Severity(f["severity"]) for f in target["findings"]]
    top = max(severities, key=lambda s: s.rank).value if severities else None
    assert top == endpoint.severity
    assert target["requests"] <= MAX_REQUESTS


@pytest.mark.parametrize("finding_id", AUDIT_IDS)
def test_finding_is_absent_where_the_lab_has_no_such_hole(
    finding_id: str, audited: dict[str, Any]
) -> None:
    clean = [e for e in ENDPOINTS if finding_id not in e.findings]
    assert clean
    for endpoint in clean:
        ids = {f["id"] for f in audited[endpoint.path]["findings"]}
        assert finding_id not in ids, endpoint.path


def test_evidence_is_the_request_that_shows_it(audited: dict[str, Any]) -> None:
    for target in audited.values():
        for finding in target["findings"]:
            request = finding["evidence"]["request"]
            response = finding["evidence"]["response"]
            assert request["headers"]["Origin"] == finding["origin"]
            if finding["id"] == "open-cors-proxy":
                # The proxy was asked for its own origin's root through its path.
                own = target["url"].split("/proxy")[0]
                assert request["url"] == f"{target['url']}/{own}/"
                continue
            assert request["url"] == target["url"]
            if finding["id"] == "cache-poisoning":
                # The evidence is the read the cache answered with another origin's answer.
                granted = response["headers"].get("access-control-allow-origin")
                assert granted != finding["origin"]
                assert response["headers"]["x-cache"] == "HIT"
            elif request["method"] == "GET" and finding["id"] != "wildcard-origin":
                assert response["headers"]["access-control-allow-origin"] in (
                    finding["origin"],
                    "*",
                )
            assert finding["remediation"]


def test_the_corsguard_endpoint_grants_the_trusted_origin_and_has_no_finding(
    lab: RunningLab, audited: dict[str, Any]
) -> None:
    assert audited[CORSGUARD_PATH]["findings"] == []
    # It is not merely silent: the trusted front end does get a grant.
    request = urllib.request.Request(
        lab.url(CORSGUARD_PATH),
        method="OPTIONS",
        headers={"Origin": lab.trusted_origin, "Access-Control-Request-Method": "POST"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Access-Control-Allow-Origin"] == lab.trusted_origin
        assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_headers_from_h_reach_the_endpoint(lab: RunningLab, tmp_path: Path) -> None:
    out = tmp_path / "account.json"
    cookie = f"Cookie: {SESSION_COOKIE}={SESSION_VALUE}"
    main(["audit", "-H", cookie, "--format", "json", "-o", str(out), lab.url("/account")])
    (finding,) = json.loads(out.read_text())["targets"][0]["findings"]
    assert finding["id"] == "origin-reflected" and finding["severity"] == "high"
    assert finding["evidence"]["response"]["status"] == 200  # the cookie got the data
    assert finding["evidence"]["request"]["headers"]["Cookie"] == "<redacted>"
