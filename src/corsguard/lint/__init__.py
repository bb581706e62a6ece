"""`corsguard lint`: find CORS mistakes in Python source and settings, with the fix for each.

``lint_source(text, path)`` is pure (text in, findings out); the CLI in
``corsguard.lint.cli`` walks directories, reads files and formats the results.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from corsguard.findings import Severity
from corsguard.lint.analyzer import Analyzer, ignored_ids
from corsguard.lint.newer_syntax import needs_newer_python
from corsguard.lint.prefilter import might_matter

if TYPE_CHECKING:
    from corsguard.lint.project import Project

__all__ = ["FileResult", "LintFinding", "LintNote", "lint_source", "might_have_cors"]


@dataclass(frozen=True)
class LintFinding:
    path: str
    line: int
    col: int  # 1-based
    id: str
    severity: Severity
    message: str
    fix: str

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "id": self.id,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class LintNote:
    """Something the linter did not evaluate in a file it did read (a risky regex, a value
    over a size cap), so that a reader knows what the findings do not cover."""

    line: int
    message: str


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: tuple[LintFinding, ...] = ()
    silenced: tuple[LintFinding, ...] = ()
    note: str | None = None  # why the file was skipped (syntax error, undecodable, not a file)
    skipped: bool = field(default=False)
    notes: tuple[LintNote, ...] = ()  # what was left unevaluated in a file that was read


def might_have_cors(text: str) -> bool:
    """Cheap pre-filter: can this Python file hold anything the analyzer reports?

    Every construct the analyzer recognises names CORS (CORSMiddleware, flask_cors, CORS_*
    settings, aiohttp_cors, corsguard), allow_origins, the Access-Control-* headers or the
    Origin header as a string ("Origin", HTTP_ORIGIN); a file naming none of them cannot
    produce a finding. See corsguard.lint.prefilter for the exact words.
    """
    return might_matter("python", text)


def lint_source(
    text: str, path: str = "<string>", project: Project | None = None, *, prefilter: bool = True
) -> FileResult:
    """Lint one module's source text; with ``project``, names imported from the project's
    other modules are followed (see corsguard.lint.project). ``prefilter=False`` parses and
    analyses even a file without any CORS word (for checking the filter)."""
    if prefilter and not might_have_cors(text):
        return FileResult(path)
    tree = project.cached_tree(path) if project is not None else None
    if tree is None:
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:
            newer = needs_newer_python(text, exc)
            if newer is not None:
                return FileResult(path, note=f"{newer}; skipped", skipped=True)
            where = f"line {exc.lineno}" if exc.lineno else "unknown line"
            note = f"syntax error at {where}: {exc.msg}; skipped"
            return FileResult(path, note=note, skipped=True)
        except (ValueError, RecursionError, MemoryError) as exc:
            return FileResult(
                path, note=f"could not parse ({exc.__class__.__name__}); skipped", skipped=True
            )
    lines = text.splitlines()
    evaluator = project.adopt(path, tree) if project is not None else None
    analyzer = Analyzer(tree, lines, evaluator)
    try:
        raw = analyzer.run()
    except RecursionError:
        return FileResult(path, note="too deeply nested to analyse; skipped", skipped=True)
    notes = tuple(LintNote(line, message) for line, message in analyzer.notes())
    unique = {(f.line, f.col, f.id): f for f in raw}
    findings: list[LintFinding] = []
    silenced: list[LintFinding] = []
    for f in sorted(unique.values(), key=lambda f: (f.line, f.col, f.id)):
        finding = LintFinding(path, f.line, f.col, f.id, f.severity, f.message, f.fix)
        source_line = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        if f.id in ignored_ids(source_line):
            silenced.append(finding)
        else:
            findings.append(finding)
    return FileResult(path, tuple(findings), tuple(silenced), notes=notes)
