"""`corsguard migrate PATH`: the I/O edge of the migration (walking, reading, diffing, writing)."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from corsguard.cli import UsageError
from corsguard.lint.cli import iter_targets
from corsguard.lint.files import read_source
from corsguard.migrate.rewrite import (
    MigrateError,
    SettingsResolver,
    django_settings,
    migrate_module,
    parse,
)
from corsguard.untrusted import for_terminal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="a Python file or a directory")
    parser.add_argument(
        "--write", action="store_true", help="rewrite the files in place instead of printing"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files or directories matching GLOB (as in corsguard lint)",
    )


@dataclass
class _File:
    path: Path
    display: str
    before: bytes
    after: bytes
    encoding: str


class _Settings:
    """Reads other settings modules for ``from .base import *`` (original contents)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots  # the first is the tree being migrated: reads stay inside it
        self.cache: dict[Path, dict[str, object] | None] = {}
        self.current: list[Path] = []

    def resolver(self, path: Path) -> SettingsResolver:
        def resolve(module: str, level: int) -> dict[str, object] | None:
            target = self.find(path, module, level)
            if target is None or target in self.current:
                return None  # not found, or a cycle: nothing inherited
            if target not in self.cache:
                self.current.append(target)
                try:
                    # The same guarded read as the migrated files (no FIFO, no symlink out).
                    data = read_source(target, self.roots[0])
                    if isinstance(data, str):
                        raise MigrateError(data)
                    settings, _own = django_settings(parse(data), self.resolver(target))
                    self.cache[target] = settings
                except MigrateError:
                    self.cache[target] = None
                finally:
                    self.current.pop()
            return self.cache[target]

        return resolve

    def find(self, path: Path, module: str, level: int) -> Path | None:
        parts = [p for p in module.split(".") if p]
        if level:
            base = path.parent
            for _ in range(level - 1):
                base = base.parent
            candidates = [base.joinpath(*parts)]
        else:
            candidates = [root.joinpath(*parts) for root in self.roots]
        for candidate in candidates:
            for option in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                if option.is_file():
                    return option.resolve()
        return None


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=\n)", text) if line]


def diff_lines(item: _File, escape: bool) -> list[str]:
    """The unified diff of one file (git-apply compatible unless ``escape``)."""
    # surrogateescape: bytes the declared encoding cannot decode come back unchanged.
    before = _lines(item.before.decode(item.encoding, "surrogateescape"))
    after = _lines(item.after.decode(item.encoding, "surrogateescape"))
    name = for_terminal(item.display)
    a, b = (f"a/{name}", f"b/{name}") if not os.path.isabs(item.display) else (name, name)
    out: list[str] = []
    for line in difflib.unified_diff(before, after, a, b):
        if escape and line[:1] in " +-" and not line.startswith(("---", "+++")):
            body = line.rstrip("\n")
            line = for_terminal(body) + ("\n" if line.endswith("\n") else "")
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return out


def write_diff(item: _File, out: TextIO, escape: bool) -> None:
    lines = diff_lines(item, escape)
    buffer = getattr(out, "buffer", None)
    if escape or buffer is None:
        out.write("".join(lines))
        return
    # Into a pipe: the file's own bytes, so `| git apply` reproduces the file exactly.
    out.flush()
    for line in lines:
        try:
            data = line.encode(item.encoding, "surrogateescape")
        except UnicodeEncodeError:  # a file name the file's encoding cannot write
            data = line.encode("utf-8", "backslashreplace")
        buffer.write(data)
    buffer.flush()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace the file's content all at once: an interrupted write leaves the old file.

    A symlink (read_source only follows one to a file inside PATH) is written through, so
    the link stays a link; the file keeps its permission bits.
    """
    target = path.resolve()
    mode = stat.S_IMODE(os.stat(target).st_mode)
    temporary = target.with_name(f".{target.name}.corsguard-migrate.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.exists():
        raise UsageError(f"{for_terminal(args.path)}: no such file or directory")
    # Inside a directory only *.py files (corsguard lint also yields other stacks' files);
    # a file named on the command line is read whatever its name.
    targets = [
        (path, base)
        for path, base in iter_targets([args.path], list(args.exclude))
        if not root.is_dir() or (path.name.endswith(".py") and not path.is_dir())
    ]
    if not targets:
        raise UsageError(
            f"{for_terminal(args.path)}: no Python file (*.py) here to migrate"
            + ("" if root.is_dir() else ": give a .py file or a directory")
        )
    settings = _Settings([root if root.is_dir() else Path.cwd(), Path.cwd()])
    changed: list[_File] = []
    failed = False
    seen: set[Path] = set()
    for path, base in targets:
        display = _display(path)
        real = path.resolve()
        if real in seen:
            continue  # a symlink to a file already migrated: one diff, one write
        seen.add(real)
        data = read_source(path, base)
        if isinstance(data, str):
            # A FIFO, a symlink out of the tree, a huge file: said, never read.
            print(f"{for_terminal(display)}: {data}", file=sys.stderr)
            failed = failed or data.startswith("could not read")
            continue
        try:
            outcome = migrate_module(data, settings.resolver(path.resolve()))
        except MigrateError as exc:
            print(f"{for_terminal(display)}: {for_terminal(str(exc))}", file=sys.stderr)
            failed = True
            continue
        for line, message in outcome.skipped:
            where = f"{display}:{line}" if line else display
            print(f"{for_terminal(where)}: not migrated: {message}", file=sys.stderr)
        if outcome.changed:
            changed.append(_File(path, display, data, outcome.data, outcome.encoding))
    if args.write:
        for item in changed:
            try:
                write_atomically(item.path, item.after)
            except OSError as exc:
                print(
                    f"{for_terminal(item.display)}: cannot write: {exc.strerror}", file=sys.stderr
                )
                failed = True
                continue
            print(f"migrated {for_terminal(item.display)}", file=sys.stderr)
        return 2 if failed else 0
    escape = sys.stdout.isatty()
    for item in changed:
        write_diff(item, sys.stdout, escape)
    if failed:
        return 2
    return 1 if changed else 0
