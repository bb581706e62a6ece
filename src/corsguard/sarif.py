"""The one SARIF 2.1.0 writer of `corsguard audit` and `corsguard lint` (pure: data in, dict out).

Both tools describe their rules the same way, from the catalogue (corsguard.findings): the
same driver, every rule the tool can report listed in catalogue order, the same level for
each severity, and ``security-severity`` derived from actual severities: each result
carries its own, and a rule carries the worst of its results in the run (GitHub code
scanning reads the rule's), or its worst case when the run has none. The callers clean
every string they pass (corsguard.untrusted.clean_text) and do the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from corsguard import __version__
from corsguard.findings import KINDS, SECURITY_SEVERITY, Context, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/corsguard/"
TOOL_NAME = "corsguard"
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}


@dataclass(frozen=True)
class Result:
    """One finding as the writer needs it."""

    rule_id: str
    severity: Severity
    message: str
    locations: Sequence[Mapping[str, Any]] = ()
    fingerprint: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def rule(kind_id: str, worst: Severity | None) -> dict[str, Any]:
    """The reportingDescriptor of ``kind_id``; ``worst``: its most severe result in the run."""
    kind = KINDS[kind_id]
    severity = worst if worst is not None else kind.severity(Context())
    help_text = f"{kind.remediation} Shown by: {kind.condition}."
    return {
        "id": kind_id,
        "name": "".join(part.capitalize() for part in kind_id.split("-")),
        "shortDescription": {"text": kind.title},
        "fullDescription": {"text": kind.meaning},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": list(kind.tags),
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }


def result(item: Result, rule_index: Mapping[str, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ruleId": item.rule_id,
        "ruleIndex": rule_index[item.rule_id],
        "level": LEVEL[item.severity],
        "message": {"text": item.message},
    }
    if item.locations:
        entry["locations"] = [dict(location) for location in item.locations]
    if item.fingerprint is not None:
        entry["partialFingerprints"] = {"corsguardFinding/v1": item.fingerprint}
    entry["properties"] = {
        "severity": item.severity.value,
        "security-severity": SECURITY_SEVERITY[item.severity],
        **item.properties,
    }
    return entry


def document(
    rule_ids: Sequence[str],
    results: Sequence[Result],
    notifications: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The SARIF log: one run, ``rule_ids`` (the tool's catalogue ids) as its rules."""
    worst: dict[str, Severity] = {}
    for item in results:
        if item.rule_id not in worst or item.severity.rank > worst[item.rule_id].rank:
            worst[item.rule_id] = item.severity
    ids = list(rule_ids) + sorted({r.rule_id for r in results} - set(rule_ids))
    rule_index = {kind_id: i for i, kind_id in enumerate(ids)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule(kind_id, worst.get(kind_id)) for kind_id in ids],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [dict(n) for n in notifications],
                    }
                ],
                "results": [result(item, rule_index) for item in results],
            }
        ],
    }
