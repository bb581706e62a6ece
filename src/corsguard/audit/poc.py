"""`corsguard audit --prove --poc-dir DIR`: a proof-of-concept page per proven finding.

Each page is one self-contained HTML file an auditor hosts on the attacker origin (the
finding's origin; for ``null`` any origin, the request comes from a sandboxed iframe) to
show the owner the hole: it runs the same fetch as the proof, prints what it could read,
and says what that shows. It is built from the finding's URL, origin and request only:
it never contains data read from the target.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from collections.abc import Sequence
from pathlib import Path

from corsguard.audit.model import Finding, TargetReport, with_cache_key
from corsguard.audit.prove import BODY_PREVIEW, FETCH_FUNCTION, ProofPlan, plan_proof, spec_json

_UNSAFE = re.compile(r"[^a-z0-9-]+")

# What the page says it read. Never a verdict over an answer that shows nothing: an error
# status holds no data, and a read without the visitor's cookie is what anyone gets.
_SHOW = """\
function corsguardShow(result) {
  const out = document.getElementById('result');
  if (!result.read) {
    out.textContent = 'BLOCKED: ' + (result.error || 'no response') +
      '\\n(the browser console says why)';
    return;
  }
  let verdict;
  if (result.status < 200 || result.status > 299) {
    verdict = 'READ AN ERROR ANSWER (status ' + result.status + '): this page could read ' +
      'it, but an error holds no data; this alone shows no exposure. Log in to the target ' +
      'in this browser and reload.';
  } else if (corsguardSpec.credentials === 'include') {
    verdict = 'READ with credentials: \\'include\\' (status ' + result.status + '). If the ' +
      'body below is YOUR logged-in data, this page (any site on this origin) can read it. ' +
      'If it is a logged-out answer, your browser did not send its cookie (SameSite).';
  } else {
    verdict = 'READ ANONYMOUSLY (status ' + result.status + '): any site on this origin can ' +
      'read what this URL returns to this browser without cookies; it matters only if that ' +
      'is not public (network position, IP-based access).';
  }
  out.textContent = verdict + '\\n\\nreadable headers:\\n' +
    result.headers.map((h) => '  ' + h[0] + ': ' + h[1]).join('\\n') +
    '\\n\\nfirst ' + result.body.length + ' characters of the body' +
    (result.bodyTruncated ? ' (truncated)' : '') + ':\\n' + result.body;
}
"""


class PocDirError(ValueError):
    """The --poc-dir folder cannot be created or written."""


def poc_filename(url: str, finding: Finding) -> str:
    """``<finding id>-<short hash of URL and origin>.html``: safe on every file system."""
    digest = hashlib.sha256(f"{url}\n{finding.id}\n{finding.origin}".encode()).hexdigest()
    return f"{_UNSAFE.sub('-', finding.id.lower())[:40]}-{digest[:10]}.html"


def _what_it_shows(finding: Finding, plan: ProofPlan) -> str:
    credentials = (
        "The request carries the visitor's cookies (credentials: 'include'): if the page can "
        "read the answer, any site on this origin can read the visitor's data."
        if plan.fetch.credentials == "include"
        else "The request carries no cookies: it shows that any site on this origin can read "
        "what this URL returns to the visitor's browser (network position, IP-based access)."
    )
    return f"{finding.title}. {credentials}"


def poc_html(url: str, finding: Finding, timeout: float = 10.0) -> str | None:
    """The PoC page for a finding, or None when the finding has no browser proof.

    Its fetch carries a cache key of its own, as the audit's probes do: opened from the
    attacker origin, it must not leave that origin's answer in a shared cache for real users.
    """
    index = 0
    digest = hashlib.sha256(f"{url}\n{finding.id}\n{finding.origin}".encode()).hexdigest()
    plan = plan_proof(with_cache_key(url, f"poc-{digest[:12]}"), index, finding)
    if not isinstance(plan, ProofPlan):
        return None
    host = "any origin (the request comes from a sandboxed iframe: Origin null)"
    if not plan.sandboxed:
        host = plan.page_origin
    fetch_script = (
        f"{FETCH_FUNCTION}{_SHOW}const corsguardSpec = {spec_json(plan.fetch, timeout)};\n"
        "corsguardFetch(corsguardSpec).then(corsguardShow);\n"
    )
    if plan.sandboxed:
        inner = f"<pre id=result>running...</pre><script>\n{fetch_script}</script>"
        runner = (
            '<iframe sandbox="allow-scripts" width="100%" height="300" '
            f'srcdoc="{html.escape(inner)}"></iframe>\n'
        )
    else:
        runner = f"<pre id=result>running...</pre>\n<script>\n{fetch_script}</script>\n"
    title = html.escape(f"CORS proof of concept: {finding.id}")
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        f"<h1>{title}</h1>\n"
        f"<p><b>Host this page on:</b> <code>{html.escape(host)}</code>, then open it in a "
        "browser where you are logged in to the target.</p>\n"
        f"<p><b>Target:</b> <code>{html.escape(url)}</code></p>\n"
        f"<p><b>The attacker's request:</b> <code>{html.escape(plan.fetch.js_init())}</code></p>\n"
        f"<p><b>What it reads:</b> the status, the headers a script may read, and the first "
        f"{BODY_PREVIEW} characters of the body, shown below.</p>\n"
        f"<p><b>What it shows:</b> {html.escape(_what_it_shows(finding, plan))}</p>\n"
        f"<p><b>Fix:</b> {html.escape(finding.remediation)}</p>\n"
        "<h2>Result in this browser</h2>\n"
        f"{runner}"
        "<p><small>Generated by corsguard audit --prove; this file contains no data from "
        "the target.</small></p>\n</html>\n"
    )


def prepare_poc_dir(path: str) -> Path:
    """Create DIR if needed and check it is writable; PocDirError says what is wrong."""
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PocDirError(f"--poc-dir {path}: cannot create it ({exc.strerror or exc})") from None
    if not folder.is_dir():
        raise PocDirError(f"--poc-dir {path}: not a directory")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PocDirError(f"--poc-dir {path}: not writable")
    return folder


def write_pocs(folder: Path, reports: Sequence[TargetReport], timeout: float = 10.0) -> list[Path]:
    """One file per proven finding; returns the paths written."""
    written: list[Path] = []
    for report in reports:
        for finding in report.findings:
            if finding.proven is not True:
                continue
            page = poc_html(report.url, finding, timeout)
            if page is None:
                continue
            path = folder / poc_filename(report.url, finding)
            try:
                path.write_text(page, encoding="utf-8")
            except OSError as exc:
                raise PocDirError(
                    f"--poc-dir {folder}: cannot write {path.name} ({exc.strerror or exc})"
                ) from None
            written.append(path)
    return written


__all__ = ["PocDirError", "poc_filename", "poc_html", "prepare_poc_dir", "write_pocs"]
