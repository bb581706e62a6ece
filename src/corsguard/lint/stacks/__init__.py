"""`corsguard lint` beyond Python: JavaScript/TypeScript, nginx, Spring (Java, Kotlin, properties).

The readers need the optional extra ``corsguard[lint-stacks]`` (tree-sitter grammars and
crossplane); they are imported only when a file of their stack is linted, so the core install
stays as light as it was. ``stack_of(path, text)`` says which reader a file belongs to,
``lint_stack_source`` runs it, and ``missing_stacks()`` names the stacks whose parsers are not
installed (the CLI reports those files as skipped).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

from corsguard.lint import FileResult, LintFinding
from corsguard.lint.analyzer import RawFinding, ignored_ids
from corsguard.lint.files import MAX_FILE_BYTES, read_source
from corsguard.lint.prefilter import might_matter
from corsguard.untrusted import for_terminal

__all__ = [
    "JS_EXTENSIONS",
    "STACK_NAMES",
    "Loader",
    "collapse_missing",
    "file_loader",
    "lint_stack_source",
    "missing_stacks",
    "stack_of",
    "wants_file",
]

Loader = Callable[[str, str], "tuple[str, str] | None"]

JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
JVM_EXTENSIONS = (".java", ".kt", ".kts")
STACK_NAMES = {
    "javascript": "JavaScript/TypeScript",
    "nginx": "nginx",
    "spring": "Spring (Java/Kotlin)",
    "spring-properties": "Spring properties",
}
# Python modules each stack's reader imports (the lint-stacks extra).
_REQUIRES = {
    "javascript": ("tree_sitter", "tree_sitter_javascript", "tree_sitter_typescript"),
    "nginx": ("crossplane",),
    "spring": ("tree_sitter", "tree_sitter_java", "tree_sitter_kotlin"),
    "spring-properties": (),
}
_NGINX_DIRS = ("conf.d", "sites-available", "sites-enabled", "nginx", "vhosts.d", "http.d")


def stack_of(path: str, text: str | None = None) -> str | None:
    """The stack a file belongs to, from its name (and, for *.conf, its first directives)."""
    name = os.path.basename(path).lower()
    parent = os.path.basename(os.path.dirname(path)).lower()
    if name.endswith(JS_EXTENSIONS):
        if name.endswith((".min.js", ".bundle.js", ".d.ts")):
            return None
        return "javascript"
    if name.endswith(JVM_EXTENSIONS):
        return "spring"
    if name.startswith(("application", "bootstrap")) and name.endswith(
        (".properties", ".yml", ".yaml")
    ):
        return "spring-properties"
    if name in ("nginx.conf", "default.conf") or name.endswith((".nginx", ".nginxconf")):
        return "nginx"
    if parent in ("sites-available", "sites-enabled"):
        return "nginx"
    if name.endswith((".conf", ".conf.template", ".conf.tmpl", ".conf.tpl")) and (
        parent in _NGINX_DIRS or (text is not None and _looks_like_nginx(text))
    ):
        return "nginx"
    return None


def _looks_like_nginx(text: str) -> bool:
    """A *.conf elsewhere counts when it lexes as nginx and names nginx's own blocks."""
    head = text[:20000]
    return ("server {" in head or "location " in head or "add_header" in head) and (
        "add_header" in head or "proxy_pass" in head or "server_name" in head
    )


def missing_stacks() -> dict[str, tuple[str, ...]]:
    """Stacks whose parsers are not importable, with the missing modules."""
    return dict(_missing(importlib.util.find_spec))


@functools.lru_cache(maxsize=4)
def _missing(find_spec: Callable[[str], object]) -> dict[str, tuple[str, ...]]:
    # Asked once per linted file: find_spec searches sys.path for a module not imported yet
    # (it is not, while every file is left out by the keyword filter). Cached per finder, so
    # a test that replaces importlib.util.find_spec is asked afresh.
    out: dict[str, tuple[str, ...]] = {}
    for stack, modules in _REQUIRES.items():
        missing = tuple(m for m in modules if find_spec(m) is None)
        if missing:
            out[stack] = missing
    return out


def _run(
    stack: str, text: str, path: str, loader: Loader | None
) -> tuple[list[RawFinding], list[str]]:
    # Imported here: the parsers are an optional extra and slow to load.
    if stack == "javascript":
        from corsguard.lint.stacks.javascript import lint_javascript

        return lint_javascript(text, path, loader), []
    if stack == "nginx":
        from corsguard.lint.stacks.nginx import lint_nginx

        return lint_nginx(text, path)
    if stack == "spring":
        from corsguard.lint.stacks.spring import lint_spring_source

        return lint_spring_source(text, path), []
    from corsguard.lint.stacks.spring import lint_spring_properties

    return lint_spring_properties(text, path), []


def lint_stack_source(
    text: str,
    path: str,
    stack: str | None = None,
    loader: Loader | None = None,
    *,
    prefilter: bool = True,
) -> FileResult:
    """Lint one non-Python file; ``loader`` reads the project's own imported modules.
    A file without any of its stack's CORS words is not parsed (corsguard.lint.prefilter;
    ``prefilter=False`` parses it all the same)."""
    stack = stack or stack_of(path, text)
    if stack is None:
        return FileResult(path)
    if len(text) > MAX_FILE_BYTES:
        return FileResult(path, note=f"larger than {MAX_FILE_BYTES} bytes; skipped", skipped=True)
    if stack in missing_stacks():
        return FileResult(path, note=_missing_note(stack), skipped=True)
    if prefilter and not might_matter(stack, text):
        return FileResult(path)
    try:
        raw, notes = _run(stack, text, path, loader)
    except RecursionError:
        return FileResult(path, note="too deeply nested to analyse; skipped", skipped=True)
    except SyntaxError as exc:  # the readers raise it for files that do not parse
        return FileResult(path, note=f"{exc.msg}; skipped", skipped=True)
    lines = text.splitlines()
    unique = {(f.line, f.col, f.id): f for f in raw}
    findings: list[LintFinding] = []
    silenced: list[LintFinding] = []
    for f in sorted(unique.values(), key=lambda f: (f.line, f.col, f.id)):
        # Messages and fixes quote the linted file (regexes, origins, option text): attacker-
        # written, so controls and BiDi overrides are shown as visible escapes.
        # A fix may span lines (nginx's map, a Node handler): its own line breaks stay (the
        # catalogue's renderer puts file text on one line), everything else is escaped.
        fix = "\n".join(for_terminal(line) for line in f.fix.split("\n"))
        finding = LintFinding(path, f.line, f.col, f.id, f.severity, for_terminal(f.message), fix)
        source_line = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        if f.id in ignored_ids(source_line) or f.id in _ignored_other(source_line):
            silenced.append(finding)
        else:
            findings.append(finding)
    note = for_terminal("; ".join(notes)) if notes else None
    return FileResult(path, tuple(findings), tuple(silenced), note=note)


def _missing_note(stack: str, count: int = 1) -> str:
    files = "" if count == 1 else f" ({count} files)"
    return f"{STACK_NAMES[stack]} not analysed{files}: install corsguard[lint-stacks]; skipped"


def collapse_missing(results: list[FileResult]) -> list[FileResult]:
    """One note per stack whose parsers are missing, instead of one per file (at the first)."""
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    notes = {_missing_note(stack): stack for stack in STACK_NAMES}
    for index, result in enumerate(results):
        stack = notes.get(result.note or "")
        if stack is not None and not result.findings:
            counts[stack] = counts.get(stack, 0) + 1
            first.setdefault(stack, index)
    out: list[FileResult] = []
    for index, result in enumerate(results):
        stack = notes.get(result.note or "")
        if stack is None or result.findings:
            out.append(result)
        elif first[stack] == index:
            out.append(
                FileResult(result.path, note=_missing_note(stack, counts[stack]), skipped=True)
            )
    return out


def wants_file(path: str) -> bool:
    """Should a directory walk pick this file up for a stack reader?"""
    name = os.path.basename(path).lower()
    if (
        name.endswith((".conf", ".conf.template", ".conf.tmpl", ".conf.tpl"))
        and stack_of(path) is None
    ):
        if not os.path.isfile(path):
            return False  # a FIFO or device named *.conf would block or never end
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                head = handle.read(20000)
        except OSError:
            return False
        return stack_of(path, head) is not None
    return stack_of(path) is not None


def _ignored_other(line: str) -> set[str]:
    """`// corsguard: ignore[id]` (JavaScript, Java, Kotlin) as well as `# corsguard: ...`."""
    marker = line.find("corsguard: ignore[")
    if marker < 0:
        return set()
    start = marker + len("corsguard: ignore[")
    end = line.find("]", start)
    if end < 0:
        return set()
    return {part.strip() for part in line[start:end].split(",") if part.strip()}


def file_loader(root: str | None = None) -> Loader:
    """Reads the project's own modules behind relative imports (./x, ../y), within ``root``."""
    base = os.path.realpath(root) if root else None

    def load(importer: str, spec: str) -> tuple[str, str] | None:
        folder = os.path.dirname(importer)
        target = os.path.normpath(os.path.join(folder, spec))
        candidates = (
            [target]
            + [target + ext for ext in JS_EXTENSIONS]
            + [os.path.join(target, "index" + ext) for ext in JS_EXTENSIONS]
        )
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if base is not None and not (real == base or real.startswith(base + os.sep)):
                continue  # never read outside the linted tree
            if not os.path.isfile(real) or not candidate.endswith(JS_EXTENSIONS):
                continue
            # The same bounded read as every linted file: regular files only, size-capped.
            data = read_source(Path(candidate), Path(base) if base is not None else None)
            if isinstance(data, str):
                return None
            try:
                return candidate, data.decode("utf-8")
            except UnicodeDecodeError:
                return None
        return None

    return load
