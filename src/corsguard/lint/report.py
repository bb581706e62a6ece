"""Output formats of `corsguard lint`: text, json and SARIF 2.1.0 (pure: results in, str out).

Paths, names and string values in findings come from the linted repository, i.e. from whoever
wrote it. Text output passes each through ``for_terminal`` (no escape sequence or BiDi
override reaches the terminal: CVE-2021-42574); JSON and SARIF pass each through
``clean_text`` (a file name can hold undecodable bytes, which os.fsdecode turns into lone
surrogates that strict JSON parsers and UTF-8 writers reject) and are written ASCII-only with
every control character escaped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from urllib.parse import quote

from corsguard import sarif
from corsguard.findings import LINT_IDS, Severity
from corsguard.lint import FileResult, LintFinding
from corsguard.untrusted import clean_text, for_terminal

SARIF_SCHEMA = sarif.SCHEMA


def _findings(results: Sequence[FileResult]) -> list[LintFinding]:
    return [f for r in results for f in r.findings]


def render_text(results: Sequence[FileResult], files_checked: int) -> str:
    t = for_terminal
    lines: list[str] = []
    for result in results:
        path = t(result.path)
        if result.note:
            lines.append(f"{path}: note: {t(result.note)}")
        for note in result.notes:
            lines.append(f"{path}:{note.line}: note: {t(note.message)}")
        for f in result.findings:
            lines.append(f"{path}:{f.line}:{f.col}: {f.severity.value} {f.id} {t(f.message)}")
            # A fix of several lines (nginx, Node, Spring) continues under its first line.
            fix = "\n         ".join(t(line) for line in f.fix.split("\n"))
            lines.append(f"    fix: {fix}")
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
    partial = sum(len(r.notes) for r in results)
    if partial:
        summary += f"; {partial} thing{'s' if partial != 1 else ''} not evaluated (see notes)"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _clean_finding(f: LintFinding) -> dict[str, object]:
    document = f.as_dict()
    for key in ("path", "message", "fix"):
        document[key] = clean_text(str(document[key]))
    return document


def _dumps(document: object) -> str:
    """JSON in ASCII: json escapes C0 controls and everything above U+007E but DEL."""
    return json.dumps(document, indent=2).replace("\x7f", "\\u007f") + "\n"


def _notes(results: Sequence[FileResult]) -> list[dict[str, object]]:
    """Skipped files ({"path", "note"}) and what was not evaluated ({"path", "line", "note"})."""
    out: list[dict[str, object]] = []
    for r in results:
        if r.note:
            out.append({"path": clean_text(r.path), "note": clean_text(r.note)})
        for note in r.notes:
            out.append(
                {"path": clean_text(r.path), "line": note.line, "note": clean_text(note.message)}
            )
    return out


def render_json(results: Sequence[FileResult], files_checked: int) -> str:
    document = {
        "version": 1,
        "findings": [_clean_finding(f) for f in _findings(results)],
        "silenced": sum(len(r.silenced) for r in results),
        "files": files_checked,
        "notes": _notes(results),
    }
    return _dumps(document)


def render_sarif(results: Sequence[FileResult], files_checked: int) -> str:
    sarif_results = [
        sarif.Result(
            f.id,
            f.severity,
            clean_text(f"{f.message}. Fix: {f.fix}"),
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {"startLine": f.line, "startColumn": f.col},
                    }
                }
            ],
            properties={"fix": clean_text(f.fix)},
        )
        for f in _findings(results)
    ]
    notifications: list[dict[str, object]] = []
    for r in results:
        where = {"physicalLocation": {"artifactLocation": {"uri": _uri(r.path)}}}
        if r.note:
            notifications.append(
                {
                    "level": "warning",
                    "message": {"text": clean_text(f"{r.path}: {r.note}")},
                    "locations": [where],
                }
            )
        for note in r.notes:
            notifications.append(
                {
                    "level": "note",
                    "message": {"text": clean_text(f"{r.path}:{note.line}: {note.message}")},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": _uri(r.path)},
                                "region": {"startLine": max(note.line, 1)},
                            }
                        }
                    ],
                }
            )
    return _dumps(sarif.document(LINT_IDS, sarif_results, notifications))


def _uri(path: str) -> str:
    """A URI reference (RFC 3986, section 4.1) for a file path: forward slashes, no leading
    ./, and every byte of the name outside the unreserved set and "/" percent-encoded
    (section 2.1), the file system's own bytes where os.fsdecode kept them as surrogates."""
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:  # a surrogate that did not come from the file system
        raw = clean_text(text).encode("utf-8")
    # ":" is encoded too, so "c:x.py" cannot read as a scheme (section 4.2).
    return quote(raw, safe="/")


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
