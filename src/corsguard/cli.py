"""The `corsguard` command: a thin dispatcher over the tools.

Each sub-command lives in its own module, which exposes ``add_arguments(parser)``
and ``run(args) -> int``. Modules are imported only when their command runs, so
``corsguard lint`` never pays for the audit's HTTP client, and a missing optional
dependency is reported as an install hint instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from corsguard import __version__

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("corsguard.lab.demo", "start a lab of CORS mistakes on 127.0.0.1 and audit it"),
    "audit": ("corsguard.audit.cli", "find CORS holes in live endpoints"),
    "explain": ("corsguard.explain", "explain why a browser blocks (or allows) a request"),
    "lint": ("corsguard.lint.cli", "find CORS mistakes in Python source and settings"),
    "check": ("corsguard.check", "validate a policy file or environment and show what it allows"),
}

# Optional dependencies and the extra that installs each.
_EXTRAS = {"aiohttp": "audit", "rich": "audit", "playwright": "prove"}


class UsageError(Exception):
    """A mistake on the command line or in an input file: exit status 2, no traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: what is wrong, and where to read more."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _load(command: str) -> ModuleType:
    module_name = COMMANDS[command][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        extra = _EXTRAS.get(missing)
        if extra is None:
            raise
        raise UsageError(
            f"'corsguard {command}' needs the package {missing!r}, which is not installed: "
            f"run  pip install 'corsguard[{extra}]'"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="corsguard",
        description="Safe CORS for Python web apps: explain, audit, lint and check.",
    )
    parser.add_argument("--version", action="version", version=f"corsguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status = _run(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # a closed pipe shows here for output still in the buffer
        return status
    except BrokenPipeError:
        # The reader went away (`corsguard check cors.toml | head -1`): as with any Unix
        # filter, stop quietly. Python would report the pipe again when it flushes stdout
        # at exit, so point stdout at /dev/null first (the recipe in the signal module's
        # documentation, "Note on SIGPIPE").
        _silence_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a filter ended by a closed pipe


def _run(args_list: list[str]) -> int:
    parser = build_parser()
    if not args_list or args_list[0] not in COMMANDS:
        # Top-level help, --version, or an unknown command: argparse says what to do.
        parser.parse_args(args_list)
        parser.print_help()
        return 2
    command = args_list[0]
    try:
        module = _load(command)
        sub = _Parser(prog=f"corsguard {command}", description=COMMANDS[command][1])
        module.add_arguments(sub)
        args = sub.parse_args(args_list[1:])
        result: int = module.run(args)
        return result
    except UsageError as exc:
        print(f"corsguard {command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"corsguard {command}: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is not a real file (a test's capture): nothing will flush to a pipe


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
