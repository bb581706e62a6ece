"""The audit's output formats: table, json, jsonl and SARIF 2.1.0.

jsonl is written one target at a time, as each target finishes (and flushed), so an
interrupted run keeps everything already written; table, json and sarif are whole
documents and are written at the end.

Every string here may come from a target or the inventory, that is from an attacker.
JSON, JSONL and SARIF hold only valid Unicode (`corsguard.untrusted.clean_text` on every
string, then ``ensure_ascii``: no raw control or BiDi character, no lone surrogate that a
strict parser would refuse); the table shows every such value through
`corsguard.untrusted.for_terminal`, so no escape sequence or BiDi override reaches the
terminal (CVE-2021-42574). Each target is rendered on its own: one that cannot be rendered
becomes an error entry and the others are written in full.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from corsguard import sarif
from corsguard.audit.model import (
    Finding,
    ProbeResponse,
    TargetError,
    TargetReport,
    probe_url,
    url_origin,
)
from corsguard.findings import AUDIT_IDS, Severity, fixes, remediation, stack_fix
from corsguard.remediation import FixContext, safe_origins
from corsguard.untrusted import clean_text, for_terminal

FORMATS = ("table", "json", "jsonl", "sarif")
JSON_VERSION = 1
INFORMATION_URI = sarif.INFORMATION_URI

# AUDIT_IDS (from the catalogue): regex-origin and cors-library-conflict are only visible in
# source (corsguard lint).

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
                # The open-proxy probe asks another path of the target's origin.
                "url": probe_url(report.url, finding.request),
                "headers": _headers_dict([*user, *finding.request.all_headers]),
            },
            "response": _response_dict(finding.response),
        },
        "remediation": remediation_of(report, finding),
        "fix": stack_fix(finding.id, report.stack.fixes, fix_context(report, finding)),
        "fixes": fixes_of(report, finding),
        **proof_fields(finding),
    }


def fix_context(report: TargetReport, finding: Finding) -> FixContext:
    """The user's origins for a fix: the --origin values, else (black-box) the target's site.

    In black-box mode corsguard does not know the front ends; the fix then shows the
    target's own origin and says that it is a stand-in.
    """
    if report.trusted:
        origins, notes = safe_origins(report.trusted)
    else:
        try:
            origins, notes = (url_origin(report.url),), ()
        except TargetError:
            origins, notes = (), ()
        if origins:
            notes = (f"{origins[0]} is this target's own origin: list your front ends' origins",)
    seen = report.observed
    return FixContext(
        origins=origins,
        # Kept where the server gives them (to this finding's origin or a front end), never
        # added where it does not: a fix does not widen the grant.
        credentials=finding.credentials or seen.credentials,
        methods=seen.methods,
        headers=seen.headers,
        notes=notes,
        exposed_headers=seen.exposed_headers,
        max_age=seen.max_age,
    )


def remediation_of(report: TargetReport, finding: Finding) -> str:
    return remediation(finding.id, fix_context(report, finding))


def fixes_of(report: TargetReport, finding: Finding) -> dict[str, str]:
    return fixes(finding.id, fix_context(report, finding))


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
        shape = proof.get("body_shape") or {}
        size = shape.get("length", len(str(proof.get("body") or "")))
        read = {
            "read-with-credentials": "with the victim's cookie",
            "read-anonymously": "anonymously, no cookie sent",
        }.get(str(proof.get("result")), "")
        return (
            f"PROVEN in {finding.browser}: a page on {proof.get('page_origin')} read "
            f"{proof.get('status')} {read} ({size}{truncated} characters, "
            f"credentials: {(proof.get('request') or {}).get('credentials')})"
        )
    console = str(proof.get("console") or proof.get("error") or "")
    reason = console.partition("blocked by CORS policy: ")[2] or console
    return f"REFUTED in {finding.browser}: {reason}"


def cleaned(value: Any) -> Any:
    """``value`` (JSON-like) with every string, keys too, made valid Unicode."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): cleaned(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [cleaned(item) for item in value]
    return value


def render_failure(exc: BaseException) -> str:
    """The error entry of a target whose report could not be rendered."""
    return (
        f"corsguard could not render this target's report ({type(exc).__name__}: "
        f"{clean_text(str(exc))[:120]}); the other targets are complete; please report it"
    )


def _failed_target(report: TargetReport, exc: BaseException) -> dict[str, Any]:
    return {
        "url": clean_text(str(report.url)),
        "status": "error",
        "error": render_failure(exc),
        "requests": report.requests if isinstance(report.requests, int) else 0,
        "findings": [],
    }


def stack_dict(report: TargetReport) -> dict[str, Any]:
    """The recognised stack: its name, what showed it, and the stacks ``fix`` is written in."""
    stack = report.stack
    return {"name": stack.name, "evidence": stack.evidence, "fix_stacks": list(stack.fixes)}


def stack_line(report: TargetReport) -> str:
    stack = report.stack
    if not stack.evidence:
        return "stack: not recognised (fixes as response headers)"
    return f"stack: {stack.name} ({stack.evidence}); fixes for {', '.join(stack.fixes)}"


def target_dict(report: TargetReport) -> dict[str, Any]:
    """One target as JSON data: valid Unicode whatever the target sent.

    ``notes`` is present only when there is something to say (see TargetReport.notes).
    """
    try:
        data: dict[str, Any] = {
            "url": report.url,
            "status": report.status,
            "error": report.error,
            "requests": report.requests,
            "stack": stack_dict(report),
            "findings": [finding_dict(report, f) for f in report.findings],
        }
        if report.notes:
            data["notes"] = list(report.notes)
        result: dict[str, Any] = cleaned(data)
        json.dumps(result)  # fail here, for this target only, on anything not serializable
        return result
    except Exception as exc:  # one target's report must not lose the others
        return _failed_target(report, exc)


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
    # The cache headers, when present, show why a shared cache may store it (issue #12).
    "missing-vary-origin": (
        "access-control-allow-origin",
        "vary",
        "cache-control",
        "age",
        "x-cache",
        "x-cache-status",
        "cf-cache-status",
    ),
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
    "cache-control": "Cache-Control",
    "age": "Age",
    "x-cache": "X-Cache",
    "x-cache-status": "X-Cache-Status",
    "cf-cache-status": "CF-Cache-Status",
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

    # Every value below that a target or the inventory chose goes through for_terminal;
    # only the colour codes added here are raw escapes.
    def target_lines(report: TargetReport) -> list[str]:
        lines = [paint(_BOLD, for_terminal(report.url))]
        note = (notes or {}).get(report.url)
        if note:
            lines.append(paint(_DIM, f"  {for_terminal(note)}"))
        if report.status == "error":
            lines.append(f"  {paint(_ERROR_COLOUR, 'ERROR ')}  {for_terminal(report.error or '')}")
        elif not report.findings:
            lines.append(f"  {paint(_OK_COLOUR, 'OK    ')}  no finding")
        for finding in report.findings:
            label = paint(_COLOURS[finding.severity], f"{finding.severity.value.upper():<6}")
            evidence = for_terminal(evidence_line(finding))
            lines.append(f"  {label}  {for_terminal(finding.id):<{width}}  {evidence}")
            mark = proof_line(finding)
            if mark is not None:
                lines.append(f"  {'':<6}  {'':<{width}}  {paint(_DIM, for_terminal(mark))}")
        if report.findings:
            lines.append(f"  {'':<6}  {paint(_DIM, for_terminal(stack_line(report)))}")
        for text in report.notes:
            lines.append(f"  {'':<6}  {paint(_DIM, 'note: ' + for_terminal(text))}")
        return lines

    lines: list[str] = []
    summary = Summary()
    width = max((len(str(f.id)) for r in reports for f in r.findings), default=16)
    for report in reports:
        try:
            rendered = target_lines(report)
            summary.add(report)
            lines.extend(rendered)
        except Exception as exc:  # one target's report must not lose the others
            summary.targets += 1
            summary.errors += 1
            lines.append(paint(_BOLD, for_terminal(clean_text(str(report.url)))))
            lines.append(f"  {paint(_ERROR_COLOUR, 'ERROR ')}  {for_terminal(render_failure(exc))}")
    lines.append("")
    lines.append(summary.line())
    return "\n".join(lines) + "\n"


# --- SARIF 2.1.0 -------------------------------------------------------------------------

SARIF_SCHEMA = sarif.SCHEMA


# RFC 3986, section 2: the characters a URI may hold as they are (unreserved, reserved)
# plus "%" (kept only where it starts a percent-encoding, see sarif_uri).
_URI_SAFE = {
    "netloc": "!$&'()*+,;=:@[]%-._~",
    "path": "!$&'()*+,;=:@/%-._~",
    "query": "!$&'()*+,;=:@/?%-._~",
}


def _pct(text: str, safe: str) -> str:
    quoted = quote(text, safe=safe, errors="backslashreplace")
    # A "%" not followed by two hex digits is data, not an escape (RFC 3986, 2.4).
    return re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", quoted)


def sarif_uri(url: str) -> str | None:
    """``url`` as an RFC 3986 URI for artifactLocation.uri; None if it is no http(s) URL.

    A target URL is whatever the inventory held: everything outside RFC 3986's character
    set (controls, spaces, non-ASCII, stray "%") is percent-encoded; a line that is not
    an absolute http(s) URL at all ("not a url") gets no location.
    """
    try:
        url_origin(url)
        parts = urlsplit(clean_text(url))
    except (TargetError, ValueError):
        return None
    text = f"{parts.scheme.lower()}://{_pct(parts.netloc, _URI_SAFE['netloc'])}"
    text += _pct(parts.path, _URI_SAFE["path"])
    if parts.query:
        text += "?" + _pct(parts.query, _URI_SAFE["query"])
    if parts.fragment:
        text += "#" + _pct(parts.fragment, _URI_SAFE["query"])
    return text


def _sarif_entries(report: TargetReport) -> tuple[list[sarif.Result], list[dict[str, Any]]]:
    """(results, notifications) of one target."""
    results: list[sarif.Result] = []
    notifications: list[dict[str, Any]] = []
    uri = sarif_uri(report.url)
    locations = (
        [{"physicalLocation": {"artifactLocation": {"uri": uri}}}] if uri is not None else []
    )
    where = {"locations": locations} if locations else {}
    if report.status == "error":
        notifications.append(
            {"level": "error", "message": {"text": f"{report.url}: {report.error}"}, **where}
        )
    for text in report.notes:
        notifications.append(
            {"level": "note", "message": {"text": f"{report.url}: {text}"}, **where}
        )
    for finding in report.findings:
        fingerprint = hashlib.sha256(
            f"{report.url}\n{finding.id}".encode("utf-8", "backslashreplace")
        ).hexdigest()
        results.append(
            sarif.Result(
                finding.id,
                finding.severity,
                cleaned(f"{finding.title}. {evidence_line(finding)}. {finding.explanation}"),
                cleaned(locations),
                fingerprint[:32],
                cleaned(
                    {
                        "origin": finding.origin,
                        "credentials": finding.credentials,
                        "evidence": finding_dict(report, finding)["evidence"],
                        "remediation": remediation_of(report, finding),
                        **proof_fields(finding),
                    }
                ),
            )
        )
    return results, cleaned(notifications)


def render_sarif(reports: Sequence[TargetReport]) -> str:
    results: list[sarif.Result] = []
    notifications: list[dict[str, Any]] = []
    for report in reports:
        try:
            found, notes = _sarif_entries(report)
            json.dumps([sarif.result(r, dict.fromkeys(AUDIT_IDS, 0)) for r in found])
            json.dumps(notes)  # fail here, for this target only
        except Exception as exc:  # one target's report must not lose the others
            found = []
            uri = sarif_uri(clean_text(str(report.url)))
            text = f"{clean_text(str(report.url))}: {render_failure(exc)}"
            failure: dict[str, Any] = {"level": "error", "message": {"text": text}}
            if uri is not None:
                failure["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]
            notes = [failure]
        results += found
        notifications += notes
    return json.dumps(sarif.document(AUDIT_IDS, results, notifications), indent=2) + "\n"
