"""The pure half of `audit --prove` (plans, pages, verdicts, option translation), its output
fields and its CLI errors: no browser needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.model import (
    PROBE_HEADER,
    PROBE_METHOD,
    Finding,
    ProbeRequest,
    ProbeResponse,
    TargetReport,
)
from corsguard.audit.output import finding_dict, render_sarif, render_table
from corsguard.audit.poc import PocDirError, poc_filename, poc_html, prepare_poc_dir, write_pocs
from corsguard.audit.prove import (
    BODY_PREVIEW,
    NoProof,
    PageOutcome,
    ProofContext,
    ProofPlan,
    attacker_page,
    context_cookies,
    header_notes,
    interpret,
    local_network_note,
    plan_proof,
    resolver_rules,
    should_prove,
)
from corsguard.cli import main
from corsguard.findings import Severity
from tests.helpers.paths import SRC

URL = "https://api.example.com/v1/me"
CONTEXT = ProofContext("Chromium 156.0.8078.79", ("a note",))


def finding(
    kind: str = "origin-reflected",
    severity: Severity = Severity.HIGH,
    origin: str = "https://evil.attacker.test",
    credentials: bool = True,
) -> Finding:
    return Finding(
        kind,
        severity,
        origin,
        credentials,
        ProbeRequest(kind, "GET", origin),
        ProbeResponse(200, (("access-control-allow-origin", origin),)),
        "The header verdict.",
    )


# --- Plans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "origin", "credentials", "method", "mode", "headers", "host"),
    [
        ("origin-reflected", "https://x.attacker.test", True, "GET", "include", {}, None),
        ("origin-reflected", "https://x.attacker.test", False, "GET", "omit", {}, None),
        ("wildcard-origin", "https://x.attacker.test", False, "GET", "omit", {}, None),
        ("wildcard-with-credentials", "https://x.attacker.test", False, "GET", "include", {}, None),
        ("localhost-trusted", "http://localhost:3000", True, "GET", "include", {}, None),
        (
            "null-origin-trusted",
            "null",
            True,
            "GET",
            "include",
            {},
            "https://corsguard-probe.attacker.test",
        ),
        ("preflight-any-method", "https://app.example.com", False, PROBE_METHOD, "omit", {}, None),
        (
            "preflight-any-header",
            "https://app.example.com",
            False,
            "GET",
            "omit",
            {PROBE_HEADER: "1"},
            None,
        ),
    ],
)
def test_plan_of_each_provable_kind(
    kind: str,
    origin: str,
    credentials: bool,
    method: str,
    mode: str,
    headers: dict[str, str],
    host: str | None,
) -> None:
    plan = plan_proof(URL, 3, finding(kind, origin=origin, credentials=credentials))
    assert isinstance(plan, ProofPlan)
    assert plan.fetch.url == URL
    assert (plan.fetch.method, plan.fetch.credentials, dict(plan.fetch.headers)) == (
        method,
        mode,
        headers,
    )
    assert plan.page_origin == origin
    assert plan.host_origin == (host or origin)
    assert plan.sandboxed == (origin == "null")
    assert plan.page_url.startswith(plan.host_origin + "/") and "3-" in plan.page_url


@pytest.mark.parametrize(
    ("kind", "origin", "says"),
    [
        ("missing-vary-origin", "https://app.example.com", "shared cache"),
        ("private-network-allowed", "https://x.attacker.test", "Private Network Access"),
        ("preflight-any-method", "https://api.example.com", "same-origin"),
        ("origin-reflected", "ftp://x.attacker.test", "cannot be served"),
    ],
)
def test_findings_without_a_browser_proof_say_why(kind: str, origin: str, says: str) -> None:
    plan = plan_proof(URL, 0, finding(kind, origin=origin))
    assert isinstance(plan, NoProof) and says in plan.note


@pytest.mark.parametrize(
    ("severity", "prove_all", "expected"),
    [
        (Severity.HIGH, False, True),
        (Severity.MEDIUM, False, True),
        (Severity.LOW, False, False),
        (Severity.LOW, True, True),
    ],
)
def test_which_findings_are_proven(severity: Severity, prove_all: bool, expected: bool) -> None:
    assert should_prove(finding(severity=severity), prove_all) is expected


def test_attacker_page_cannot_be_broken_out_of_by_a_hostile_url() -> None:
    hostile = "https://api.example.com/</script><script>alert(1)</script>?a=\"'&b"
    for origin in ("https://x.attacker.test", "null"):
        plan = plan_proof(hostile, 0, finding(origin=origin))
        assert isinstance(plan, ProofPlan)
        page = attacker_page(plan, 5.0)
        assert "</script><script>alert" not in page
        assert "\\u003c/script\\u003e" in page or "&lt;/script&gt;" in page
        assert page.count("<script>") == 1
        if origin == "null":
            assert 'sandbox="allow-scripts"' in page and "allow-same-origin" not in page
        assert '"timeoutMs": 5000' in page.replace("&quot;", '"')


# --- Verdicts ---------------------------------------------------------------------------------


def plan_of(f: Finding) -> ProofPlan:
    plan = plan_proof(URL, 0, f)
    assert isinstance(plan, ProofPlan)
    return plan


def test_a_read_is_a_proof() -> None:
    f = finding()
    outcome = PageOutcome.from_script(
        {
            "pageOrigin": f.origin,
            "read": True,
            "status": 200,
            "headers": [["content-type", "application/json"]],
            "body": "x" * BODY_PREVIEW,
            "bodyTruncated": True,
        }
    )
    proven = interpret(f, plan_of(f), outcome, CONTEXT)
    assert (proven.proven, proven.severity, proven.browser) == (
        True,
        Severity.HIGH,
        CONTEXT.browser,
    )
    assert proven.proof is not None
    assert proven.proof["body_truncated"] is True and proven.proof["status"] == 200
    assert proven.proof["headers"] == {"content-type": "application/json"}
    assert proven.proof["notes"] == ["a note"]
    assert "Proven in Chromium 156" in proven.explanation


@pytest.mark.parametrize("severity", [Severity.HIGH, Severity.MEDIUM, Severity.LOW])
def test_a_cors_refusal_refutes_and_lowers(severity: Severity) -> None:
    f = finding(severity=severity)
    console = (
        f"Access to fetch at '{URL}' from origin '{f.origin}' has been blocked by CORS policy: "
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    outcome = PageOutcome.from_script(
        {"pageOrigin": f.origin, "read": False, "error": "TypeError: Failed to fetch"},
        [console],
    )
    refuted = interpret(f, plan_of(f), outcome, CONTEXT)
    assert refuted.proven is False and refuted.severity is Severity.LOW
    assert "No 'Access-Control-Allow-Origin' header" in refuted.explanation
    lowered = f"lowered from {severity.value} to low" in refuted.explanation
    assert lowered is (severity is not Severity.LOW)


@pytest.mark.parametrize(
    ("data", "console", "why"),
    [
        # A network failure is not a CORS verdict.
        (
            {"pageOrigin": "https://evil.attacker.test", "error": "TypeError: Failed to fetch"},
            ["Failed to load resource: net::ERR_CONNECTION_REFUSED"],
            "Failed to fetch",
        ),
        # Local Network Access refusals mention CORS policy but are not CORS.
        (
            {"pageOrigin": "https://evil.attacker.test", "error": "TypeError: Failed to fetch"},
            [
                "Access to fetch at 'x' from origin 'y' has been blocked by CORS policy: "
                "Permission was denied for this request to access the `loopback` address space."
            ],
            "Failed to fetch",
        ),
        # Chromium could not host the probe's origin as such.
        ({"pageOrigin": "https://other.test", "read": True, "status": 200}, [], "serializes"),
        (None, [], "returned nothing"),
    ],
)
def test_inconclusive_outcomes_keep_the_severity(data: Any, console: list[str], why: str) -> None:
    f = finding()
    result = interpret(f, plan_of(f), PageOutcome.from_script(data, console), CONTEXT)
    assert result.proven is None and result.severity is Severity.HIGH
    assert result.proof is not None and why in result.proof["notes"][0]


def test_page_outcome_tolerates_hostile_script_data() -> None:
    outcome = PageOutcome.from_script(
        {
            "pageOrigin": "https://x",
            "read": "yes",
            "status": "200",
            "headers": [["a", "b"], "junk", ["c"], [1, 2]],
            "body": "y" * 10_000,
        }
    )
    assert outcome.read is False and outcome.status is None
    assert outcome.headers == (("a", "b"), ("1", "2"))
    assert len(outcome.body) == BODY_PREVIEW


# --- The audit's options in the browser -------------------------------------------------


def test_cookies_from_h_headers() -> None:
    headers = [("Cookie", "a=1; b = 2 ; junk"), ("Authorization", "Bearer t"), ("cookie", "c=3")]
    https = context_cookies("https://api.example.com:8443/x", headers)
    assert [(c["name"], c["value"]) for c in https] == [("a", "1"), ("b", "2"), ("c", "3")]
    assert {(c["url"], c["secure"], c["sameSite"]) for c in https} == {
        ("https://api.example.com:8443/", True, "None")
    }
    plain = context_cookies("http://intranet.example.com/x", headers)
    assert {(c["secure"], c["sameSite"]) for c in plain} == {(False, "Lax")}
    notes = header_notes("https://api.example.com/", headers)
    assert "3 cookie(s)" in notes[0] and "SameSite=None" in notes[0]
    assert "Authorization" in notes[1] and "Bearer" not in notes[1]
    assert header_notes("https://api.example.com/", []) == []


def test_resolve_entries_become_host_resolver_rules() -> None:
    rules = resolver_rules([("api.example.com", 443, "127.0.0.1"), ("*", 8443, "::1")])
    assert rules == "MAP api.example.com:443 127.0.0.1, MAP *:8443 [::1]"
    assert resolver_rules([]) == ""


@pytest.mark.parametrize(
    ("url", "resolve", "local"),
    [
        ("http://127.0.0.1:8000/", (), True),
        ("http://localhost:8000/", (), True),
        ("http://10.1.2.3/", (), True),
        ("https://api.example.com/", (), False),
        ("https://api.example.com/", (("api.example.com", 443, "192.168.1.5"),), True),
        ("https://api.example.com/", (("api.example.com", 8443, "192.168.1.5"),), False),
        ("https://8.8.8.8/", (), False),
    ],
)
def test_local_network_note(url: str, resolve: Any, local: bool) -> None:
    assert (local_network_note(url, resolve) is not None) is local


# --- Output -------------------------------------------------------------------------------


def proven_report() -> TargetReport:
    f = finding()
    outcome = PageOutcome.from_script({"pageOrigin": f.origin, "read": True, "status": 200})
    proven = interpret(f, plan_of(f), outcome, CONTEXT)
    refuted = interpret(
        finding("wildcard-origin", Severity.MEDIUM, credentials=False),
        plan_of(finding("wildcard-origin", Severity.MEDIUM, credentials=False)),
        PageOutcome.from_script(
            {"pageOrigin": f.origin},
            ["Access to fetch has been blocked by CORS policy: nope"],
        ),
        CONTEXT,
    )
    return TargetReport(URL, "ok", None, (proven, refuted), 10)


def test_json_gains_proof_fields_only_after_prove() -> None:
    report = proven_report()
    first, second = (finding_dict(report, f) for f in report.findings)
    assert (first["proven"], first["browser"]) == (True, CONTEXT.browser)
    assert first["proof"]["status"] == 200
    assert (second["proven"], second["severity"]) == (False, "low")
    json.dumps(first)  # serializable
    assert "proven" not in finding_dict(report, finding())


def test_sarif_and_table_mark_proofs() -> None:
    report = proven_report()
    sarif = json.loads(render_sarif([report]))
    properties = [r["properties"] for r in sarif["runs"][0]["results"]]
    assert [p["proven"] for p in properties] == [True, False]
    table = render_table([report])
    assert f"PROVEN in {CONTEXT.browser}: a page on https://evil.attacker.test read 200" in table
    assert f"REFUTED in {CONTEXT.browser}: nope" in table
    assert "PROVEN" not in render_table([replace(report, findings=(finding(),))])


# --- PoC pages ----------------------------------------------------------------------------


def test_poc_page_and_file_name() -> None:
    f = finding()
    page = poc_html(URL, f)
    assert page is not None
    assert URL in page and f.origin in page and "credentials" in page
    assert poc_html(URL, finding("missing-vary-origin")) is None
    name = poc_filename("https://x/<>/..", finding("origin-reflected", origin="null"))
    assert name.startswith("origin-reflected-") and name.endswith(".html") and "/" not in name
    assert poc_filename(URL, f) != poc_filename(URL + "?2", f)


def test_poc_files_only_for_proven_findings(tmp_path: Path) -> None:
    written = write_pocs(prepare_poc_dir(str(tmp_path / "new" / "dir")), [proven_report()])
    assert [p.name.split("-")[0] for p in written] == ["origin"]


def test_poc_dir_errors(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(PocDirError, match="cannot create"):
        prepare_poc_dir(str(file / "sub"))


# --- CLI errors (exit 2, one line) --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--prove", "--browser", "/nonexistent"], "apt-get install chromium"),
        (["--prove=bogus"], "--prove=all"),
        (["--poc-dir", "x"], "need --prove"),
        (["--browser", "/usr/bin/chromium"], "need --prove"),
    ],
)
def test_cli_errors(args: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", *args, "http://127.0.0.1:9/"]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1


def test_without_playwright_prove_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "playwright.async_api", None)
    assert main(["audit", "--prove", "http://127.0.0.1:9/"]) == 2
    assert "pip install 'corsguard[prove]'" in capsys.readouterr().err


def test_poc_dir_that_cannot_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "file"
    file.write_text("")
    assert main(["audit", "--prove", "--poc-dir", str(file), "http://127.0.0.1:9/"]) == 2
    assert "--poc-dir" in capsys.readouterr().err


def test_subprocess_without_a_browser() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "corsguard", "audit", "--prove", "--browser", "/nonexistent",
         "http://127.0.0.1:9/"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert done.returncode == 2
    assert "apt-get install chromium" in done.stderr and "Traceback" not in done.stderr
