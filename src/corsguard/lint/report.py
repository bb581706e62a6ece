"""Output formats of `corsguard lint`: text, json and SARIF 2.1.0 (pure: results in, str out)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from corsguard import __version__
from corsguard.findings import KINDS, Severity
from corsguard.lint import FileResult, LintFinding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub code scanning reads a numeric "security-severity" (0.1-10) from rule properties.
_SECURITY_SEVERITY = {Severity.HIGH: "8.1", Severity.MEDIUM: "5.3", Severity.LOW: "2.0"}


def _findings(results: Sequence[FileResult]) -> list[LintFinding]:
    return [f for r in results for f in r.findings]


def render_text(results: Sequence[FileResult], files_checked: int) -> str:
    lines: list[str] = []
    for result in results:
        if result.note:
            lines.append(f"{result.path}: note: {result.note}")
        for f in result.findings:
            lines.append(f"{f.path}:{f.line}:{f.col}: {f.severity.value} {f.id} {f.message}")
            lines.append(f"    fix: {f.fix}")
    findings = _findings(results)
    silenced = sum(len(r.silenced) for r in results)
    skipped = sum(1 for r in results if r.skipped)
    by_severity = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary = (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''} "
        f"({by_severity[Severity.HIGH]} high, {by_severity[Severity.MEDIUM]} medium, "
        f"{by_severity[Severity.LOW]} low) in {files_checked} "
        f"file{'s' if files_checked != 1 else ''}"
    )
    if silenced:
        summary += f"; {silenced} silenced by corsguard: ignore comments"
    if skipped:
        summary += f"; {skipped} file{'s' if skipped != 1 else ''} skipped (see notes)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[FileResult], files_checked: int) -> str:
    document = {
        "version": 1,
        "findings": [f.as_dict() for f in _findings(results)],
        "silenced": sum(len(r.silenced) for r in results),
        "files": files_checked,
        "notes": [{"path": r.path, "note": r.note} for r in results if r.note],
    }
    return json.dumps(document, indent=2) + "\n"


def render_sarif(results: Sequence[FileResult], files_checked: int) -> str:
    findings = _findings(results)
    rule_ids = sorted({f.id for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = []
    for rule_id in rule_ids:
        kind = KINDS[rule_id]
        worst = max((f.severity for f in findings if f.id == rule_id), key=lambda s: s.rank)
        rules.append(
            {
                "id": rule_id,
                "name": "".join(part.capitalize() for part in rule_id.split("-")),
                "shortDescription": {"text": kind.title},
                "fullDescription": {"text": kind.remediation},
                "help": {"text": kind.remediation},
                "defaultConfiguration": {"level": _SARIF_LEVEL[worst]},
                "properties": {
                    "tags": ["security", "cors"],
                    "security-severity": _SECURITY_SEVERITY[worst],
                },
            }
        )
    sarif_results = []
    for f in findings:
        sarif_results.append(
            {
                "ruleId": f.id,
                "ruleIndex": index[f.id],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message}. Fix: {f.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "region": {"startLine": f.line, "startColumn": f.col},
                        }
                    }
                ],
                "properties": {"severity": f.severity.value, "fix": f.fix},
            }
        )
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"{r.path}: {r.note}"},
        }
        for r in results
        if r.note
    ]
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "corsguard lint",
                "version": __version__,
                "informationUri": "https://pypi.org/project/corsguard/",
                "rules": rules,
            }
        },
        "results": sarif_results,
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    document = {"version": "2.1.0", "$schema": SARIF_SCHEMA, "runs": [run]}
    return json.dumps(document, indent=2) + "\n"


def _uri(path: str) -> str:
    """A relative URI reference for a file path (forward slashes, no leading ./)."""
    uri = path.replace("\\", "/")
    while uri.startswith("./"):
        uri = uri[2:]
    return uri.replace(" ", "%20").replace("#", "%23").replace("?", "%3F")


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
