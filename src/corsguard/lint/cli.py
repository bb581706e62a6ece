"""`corsguard lint PATH...`: the I/O edge of the linter (walking, reading, writing)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

from corsguard.cli import UsageError
from corsguard.findings import Severity
from corsguard.lint import FileResult, lint_source
from corsguard.lint.files import read_source
from corsguard.lint.project import Project
from corsguard.lint.report import RENDERERS
from corsguard.lint.stacks import (
    collapse_missing,
    file_loader,
    lint_stack_source,
    stack_of,
    wants_file,
)

DEFAULT_EXCLUDES = (".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__",
                    "build", "dist", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
                    ".pytest_cache")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to lint")
    parser.add_argument(
        "--format", choices=sorted(RENDERERS), default="text", help="output format (text)"
    )
    parser.add_argument(
        "--fail-on",
        default="medium",
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this severity: low, medium (default), high",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files or directories matching GLOB (repeatable; matched against the path "
        "below each PATH argument and every trailing part of it, so 'migrations' or "
        "'tests/*.py' work at any depth; ** crosses directories); .git, .venv, venv, "
        "node_modules, __pycache__, build and dist are always skipped inside directories",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob in which * and ? stay within one path component and ** crosses them."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _excluded(relative: str, patterns: list[re.Pattern[str]]) -> bool:
    """Does the path (relative to the argument it was found under) match an --exclude glob?

    A glob matches the whole relative path or any trailing part of it, so ``migrations``
    skips every directory of that name and ``app/settings/*.py`` works at any depth.
    """
    if not patterns:
        return False
    parts = relative.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    return any(p.match(tail) for p in patterns for tail in tails)


def iter_files(paths: list[str], excludes: list[str]) -> Iterator[Path]:
    """The .py and stack files (JS/TS, nginx, Spring) to lint, in a stable order; explicit
    file arguments are always read."""
    for path, _root in _targets(paths, excludes):
        yield Path(path)


def iter_targets(paths: list[str], excludes: list[str]) -> Iterator[tuple[Path, Path]]:
    """(file, root) for each file to lint; a symlink is followed only to a file in root.

    The root of a directory argument is that directory; of a file argument, the current
    directory. os.walk does not descend into symlinked directories (followlinks=False).
    """
    for path, root in _targets(paths, excludes):
        yield Path(path), Path(root)


def _targets(paths: list[str], excludes: list[str]) -> Iterator[tuple[str, str]]:
    """iter_targets with plain strings: a walk over thousands of files spends more time
    building Path objects than listing directories (issue #13)."""
    patterns = [_glob_regex(p.strip("/")) for p in excludes]
    for raw in paths:
        root = os.fspath(Path(raw))  # normalised as before ("a//b/" is "a/b")
        if not os.path.isdir(root):  # a file, or anything else named on the command line
            if not _excluded(Path(root).as_posix(), patterns):
                yield root, os.getcwd()
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            # os.walk joins below the root it was given: the rest is the relative path.
            relative_base = dirpath[len(root) :].lstrip(os.sep).replace(os.sep, "/")
            prefix = relative_base + "/" if relative_base else ""
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in DEFAULT_EXCLUDES
                and not d.endswith(".egg-info")
                and not _excluded(prefix + d, patterns)
            )
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                wanted = name.endswith(".py") or wants_file(full)
                if wanted and not _excluded(prefix + name, patterns):
                    yield full, root
            # A directory named x.py is not walked into as a module; say that it was passed.
            for name in dirnames:
                if name.endswith(".py") and not _excluded(prefix + name, patterns):
                    yield os.path.join(dirpath, name), root


def _decode(data: bytes) -> str:
    """The text of a file, or ValueError saying why it is not read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start}); skipped") from None
    if "\x00" in text:
        raise ValueError("contains NUL bytes; skipped")
    return text


def lint_file(
    path: str | os.PathLike[str],
    root: str | os.PathLike[str] | None = None,
    project: Project | None = None,
    *,
    prefilter: bool = True,
) -> FileResult:
    display = os.fspath(path)
    data = read_source(display, root)
    if isinstance(data, str):
        return FileResult(display, note=data, skipped=True)
    try:
        text = _decode(data)
    except ValueError as exc:
        return FileResult(display, note=str(exc), skipped=True)
    stack = None if display.endswith(".py") else stack_of(display, text)
    if stack is not None:
        # Other stacks; relative imports are followed only inside the linted tree.
        base = os.fspath(root) if root is not None else os.path.dirname(display) or "."
        loader = file_loader(base)
        return lint_stack_source(text, display, stack, loader, prefilter=prefilter)
    return lint_source(text, display, project, prefilter=prefilter)


def build_project(
    targets: Iterable[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
) -> Project:
    """The symbol table over the Python files of one run (corsguard.lint.project); modules
    are read only when another module asks for a name in them, through the same bounded
    reader as the linted files."""
    pairs = [(os.fspath(path), os.fspath(root)) for path, root in targets]
    roots = dict(pairs)

    def reader(path: str) -> str | None:
        data = read_source(path, roots.get(path))
        if isinstance(data, str):
            return None
        try:
            return _decode(data)
        except ValueError:
            return None

    files: list[tuple[str, PurePath]] = []
    for path, root in pairs:
        if not path.endswith(".py"):
            continue
        if path.startswith(root + os.sep) and root not in (".", os.sep):
            relative = path[len(root) + 1 :]  # found by the walk below root: no syscall
        else:
            try:
                relative = os.path.relpath(path, root)
            except ValueError:  # another drive
                relative = os.path.basename(path)
        if relative == ".." or relative.startswith(".." + os.sep):
            relative = os.path.basename(path)
        files.append((path, PurePath(relative)))
    return Project(files, reader)


def lint_paths(
    paths: list[str], excludes: list[str], *, prefilter: bool = True
) -> tuple[list[FileResult], int]:
    """Every file's result (all of them, in order) and the count of files: one run, one
    symbol table. ``prefilter=False`` parses every file, even one without any CORS word
    (corsguard.lint.prefilter), to check that the filter loses nothing."""
    targets = list(_targets(paths, excludes))
    project = build_project(targets)
    results = [lint_file(path, root, project, prefilter=prefilter) for path, root in targets]
    return results, len(targets)


def run(args: argparse.Namespace) -> int:
    try:
        fail_on = Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    for raw in args.paths:
        if not os.path.exists(raw):
            raise UsageError(f"{raw}: no such file or directory")
    every, count = lint_paths(list(args.paths), list(args.exclude))
    results = [r for r in every if r.findings or r.silenced or r.note or r.notes]
    results = collapse_missing(results)  # one "install corsguard[lint-stacks]" note per stack
    output = RENDERERS[args.format](results, count)
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"-o {args.output}: cannot write: {exc.strerror}") from None
    else:
        sys.stdout.write(output)
    worst = [f.severity.rank for r in results for f in r.findings]
    return 1 if worst and max(worst) >= fail_on.rank else 0
