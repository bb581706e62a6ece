"""The audit's output formats: table, json, jsonl and SARIF 2.1.0.

jsonl is written one target at a time, as each target finishes (and flushed), so an
interrupted run keeps everything already written; table, json and sarif are whole
documents and are written at the end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corsguard import __version__
from corsguard.audit.model import Finding, ProbeResponse, TargetReport
from corsguard.findings import KINDS, Severity

FORMATS = ("table", "json", "jsonl", "sarif")
JSON_VERSION = 1
INFORMATION_URI = "https://pypi.org/project/corsguard/"

# Finding ids the audit can report (regex-origin and cors-library-conflict are only visible in
# source: corsguard lint).
AUDIT_IDS = tuple(kind for kind in KINDS if kind not in ("regex-origin", "cors-library-conflict"))

_SECRET_WORDS = ("cookie", "auth", "token", "key", "secret", "session", "password")


def _redact(name: str, value: str) -> str:
    return "<redacted>" if any(word in name.lower() for word in _SECRET_WORDS) else value


def _headers_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in pairs:
        result[name] = f"{result[name]}, {value}" if name in result else value
    return result


def _response_dict(response: ProbeResponse) -> dict[str, Any]:
    return {"status": response.status, "headers": _headers_dict(response.headers)}


def finding_dict(report: TargetReport, finding: Finding) -> dict[str, Any]:
    user = [(n, _redact(n, v)) for n, v in report.request_headers if n.lower() != "origin"]
    return {
        "id": finding.id,
        "severity": finding.severity.value,
        "title": finding.title,
        "origin": finding.origin,
        "credentials": finding.credentials,
        "explanation": finding.explanation,
        "evidence": {
            "request": {
                "method": finding.request.method,
                "url": report.url,
                "headers": _headers_dict([*user, *finding.request.all_headers]),
            },
            "response": _response_dict(finding.response),
        },
        "remediation": finding.remediation,
        **proof_fields(finding),
    }


def proof_fields(finding: Finding) -> dict[str, Any]:
    """``proven``, ``browser`` and ``proof`` after `audit --prove` (nothing without it)."""
    if finding.browser is None:
        return {}
    return {"proven": finding.proven, "browser": finding.browser, "proof": finding.proof}


def proof_line(finding: Finding) -> str | None:
    """The table's mark of a proof: ``PROVEN in Chromium N: ...`` or ``REFUTED ...``."""
    if finding.browser is None or finding.proven is None:
        return None
    proof = finding.proof or {}
    if finding.proven:
        truncated = "+" if proof.get("body_truncated") else ""
        return (
            f"PROVEN in {finding.browser}: a page on {proof.get('page_origin')} read "
            f"{proof.get('status')} ({len(str(proof.get('body') or ''))}{truncated} characters, "
            f"credentials: {(proof.get('request') or {}).get('credentials')})"
        )
    console = str(proof.get("console") or proof.get("error") or "")
    reason = console.partition("blocked by CORS policy: ")[2] or console
    return f"REFUTED in {finding.browser}: {reason}"


def target_dict(report: TargetReport) -> dict[str, Any]:
    return {
        "url": report.url,
        "status": report.status,
        "error": report.error,
        "requests": report.requests,
        "findings": [finding_dict(report, f) for f in report.findings],
    }


def jsonl_line(report: TargetReport) -> str:
    return json.dumps(target_dict(report), separators=(",", ":")) + "\n"


def render_json(reports: Sequence[TargetReport]) -> str:
    document = {"version": JSON_VERSION, "targets": [target_dict(r) for r in reports]}
    return json.dumps(document, indent=2) + "\n"


# --- Table -------------------------------------------------------------------------------

_COLOURS = {
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
}
_ERROR_COLOUR = "\x1b[35m"
_OK_COLOUR = "\x1b[32m"
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"

# Which response headers show each finding.
_SHOWN = {
    "missing-vary-origin": ("access-control-allow-origin", "vary"),
    "preflight-any-method": ("access-control-allow-methods",),
    "preflight-any-header": ("access-control-allow-headers",),
    "private-network-allowed": ("access-control-allow-private-network",),
}
# Which request header asked for what a preflight finding shows.
_ASKED = {
    "preflight-any-method": "access-control-request-method",
    "preflight-any-header": "access-control-request-headers",
    "private-network-allowed": "access-control-request-private-network",
}
_PRETTY = {
    "access-control-allow-origin": "Access-Control-Allow-Origin",
    "access-control-allow-credentials": "Access-Control-Allow-Credentials",
    "access-control-allow-methods": "Access-Control-Allow-Methods",
    "access-control-allow-headers": "Access-Control-Allow-Headers",
    "access-control-allow-private-network": "Access-Control-Allow-Private-Network",
    "vary": "Vary",
}


def evidence_line(finding: Finding) -> str:
    """``Origin: X -> 200 Header: value`` with the headers that show the finding."""
    names = _SHOWN.get(
        finding.id, ("access-control-allow-origin", "access-control-allow-credentials")
    )
    shown = []
    for name in names:
        value = finding.response.get(name)
        if value is not None or name == "vary":
            shown.append(f"{_PRETTY[name]}: {value if value is not None else '(none)'}")
    request = f"Origin: {finding.origin}"
    if finding.request.method != "GET":
        asked = _ASKED.get(finding.id, "")
        shown_request = [f"{n}: {v}" for n, v in finding.request.headers if n.lower() == asked]
        request = f"{finding.request.method} {', '.join([request, *shown_request])}"
    return f"{request} -> {finding.response.status} {'; '.join(shown)}"


@dataclass
class Summary:
    targets: int = 0
    errors: int = 0
    by_severity: dict[Severity, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))

    def add(self, report: TargetReport) -> None:
        self.targets += 1
        if report.status == "error":
            self.errors += 1
        for finding in report.findings:
            self.by_severity[finding.severity] += 1

    @property
    def findings(self) -> int:
        return sum(self.by_severity.values())

    def line(self) -> str:
        counts = ", ".join(
            f"{self.by_severity[s]} {s.value}"
            for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)
        )
        errors = f"{self.errors} with errors" if self.errors else "no errors"
        return (
            f"{self.targets} target{'s' if self.targets != 1 else ''} audited ({errors}); "
            f"{self.findings} finding{'s' if self.findings != 1 else ''}: {counts}"
        )


def render_table(
    reports: Sequence[TargetReport],
    colour: bool = False,
    notes: Mapping[str, str] | None = None,
) -> str:
    """One line per finding, grouped by target, coloured by severity; a summary at the end."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines: list[str] = []
    summary = Summary()
    width = max((len(f.id) for r in reports for f in r.findings), default=16)
    for report in reports:
        summary.add(report)
        lines.append(paint(_BOLD, report.url))
        note = (notes or {}).get(report.url)
        if note:
            lines.append(paint(_DIM, f"  {note}"))
        if report.status == "error":
            lines.append(f"  {paint(_ERROR_COLOUR, 'ERROR ')}  {report.error}")
        elif not report.findings:
            lines.append(f"  {paint(_OK_COLOUR, 'OK    ')}  no finding")
        for finding in report.findings:
            label = paint(_COLOURS[finding.severity], f"{finding.severity.value.upper():<6}")
            lines.append(f"  {label}  {finding.id:<{width}}  {evidence_line(finding)}")
            mark = proof_line(finding)
            if mark is not None:
                lines.append(f"  {'':<6}  {'':<{width}}  {paint(_DIM, mark)}")
    lines.append("")
    lines.append(summary.line())
    return "\n".join(lines) + "\n"


# --- SARIF 2.1.0 -------------------------------------------------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub code scanning ranks security alerts by a CVSS-like score on the rule.
_SECURITY_SEVERITY = {
    "wildcard-origin": "5.3",
    "wildcard-with-credentials": "3.1",
    "missing-vary-origin": "5.3",
    "preflight-any-method": "3.1",
    "preflight-any-header": "3.1",
    "private-network-allowed": "5.3",
}


def _rule(kind_id: str) -> dict[str, Any]:
    kind = KINDS[kind_id]
    name = "".join(part.capitalize() for part in kind_id.split("-"))
    return {
        "id": kind_id,
        "name": name,
        "shortDescription": {"text": kind.title},
        "fullDescription": {"text": kind.title},
        "help": {"text": kind.remediation, "markdown": kind.remediation},
        "defaultConfiguration": {
            "level": "note" if _SECURITY_SEVERITY.get(kind_id) == "3.1" else "error"
        },
        "properties": {
            "tags": ["security", "cors"],
            "precision": "high",
            "security-severity": _SECURITY_SEVERITY.get(kind_id, "8.1"),
        },
    }


def render_sarif(reports: Sequence[TargetReport]) -> str:
    rule_index = {kind_id: i for i, kind_id in enumerate(AUDIT_IDS)}
    results = []
    notifications = []
    for report in reports:
        location = {"physicalLocation": {"artifactLocation": {"uri": report.url}}}
        if report.status == "error":
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{report.url}: {report.error}"},
                    "locations": [location],
                }
            )
        for finding in report.findings:
            fingerprint = hashlib.sha256(f"{report.url}\n{finding.id}".encode()).hexdigest()
            results.append(
                {
                    "ruleId": finding.id,
                    "ruleIndex": rule_index[finding.id],
                    "level": _LEVEL[finding.severity],
                    "message": {
                        "text": f"{finding.title}. {evidence_line(finding)}. {finding.explanation}"
                    },
                    "locations": [location],
                    "partialFingerprints": {"corsguardFinding/v1": fingerprint[:32]},
                    "properties": {
                        "severity": finding.severity.value,
                        "origin": finding.origin,
                        "credentials": finding.credentials,
                        "evidence": finding_dict(report, finding)["evidence"],
                        **proof_fields(finding),
                    },
                }
            )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "corsguard",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(kind_id) for kind_id in AUDIT_IDS],
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
