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
    "migrate": ("corsguard.migrate.cli", "move flask-cors, Starlette, Django CORS to corsguard"),
    "learn": ("corsguard.learn", "propose the tightest policy for the origins seen in logs"),
}

# The end of each command's --help: exit status and examples (shown as written).
EPILOGS: dict[str, str] = {
    "demo": """\
Exit status:
  0  the lab ran and was audited (findings are the point of the demo, not a failure)
  2  usage error (a bad --port), or the lab could not start

Examples:
  corsguard demo                   # start the lab, audit it, print the report, stop
  corsguard demo --serve --port 8100
""",
    "audit": """\
Formats (--format): text (default; 'table' is its old name), json, jsonl (one target a
line, as it is audited), sarif.

Exit status:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on (default medium)
  2  the run cannot be done (bad arguments, unreadable input), or no target could be
     audited
  3  no such finding, but some targets are error entries (--allow-errors: 0)

Examples:
  corsguard audit --origin https://app.example.com https://api.example.com/me
  corsguard audit 127.0.0.1:8000/api          # no scheme: http://, as curl
  corsguard audit -i urls.txt --format sarif -o cors.sarif
  corsguard audit --prove -H 'Cookie: session=abc' https://api.example.com/me
  corsguard audit --policy cors.toml https://api.example.com/me

In CI without a server (in-process; paths, not URLs; default: every GET route
without parameters of a Starlette/FastAPI, Flask or Django app):
  corsguard audit --app main:app --origin https://app.example.com
  corsguard audit --app main:app --policy pyproject.toml /api/me /api/items/1
  DJANGO_SETTINGS_MODULE=mysite.settings corsguard audit --app mysite.wsgi:application \\
      --base-url https://api.example.com --format sarif -o cors.sarif
""",
    "explain": """\
Formats (--format): text (default), json (--json is the same), jsonl (with --har: one
request a line, as it is explained).

Exit status:
  0  the browser allows the request (the script can read the response)
  1  blocked, or not proven (a request other than GET/HEAD not sent without --send)
  2  usage error, network error, an app or policy that cannot be loaded, or HAR entries
     that cannot be read

Examples:
  corsguard explain https://api.example.com/items --origin https://app.example.com
  corsguard explain 127.0.0.1:8101/items --origin http://localhost:3000 -X PUT --send
  corsguard explain --policy cors.toml https://api.example.com/items \\
      --origin https://app.example.com -X PUT -H 'Authorization: Bearer x'
  corsguard explain --app main:app http://testserver/items --origin https://app.example.com
  corsguard explain --har session.har --format jsonl
""",
    "lint": """\
Formats (--format): text (default), json, sarif.

Exit status:
  0  no finding at or above --fail-on
  1  a finding at or above --fail-on (default medium)
  2  usage error

Examples:
  corsguard lint src/
  corsguard lint . --exclude 'tests/*' --format sarif -o lint.sarif
""",
    "check": """\
Formats (--format): text (default), json (--json is the same).

Exit status:
  0  the policy is valid (warnings are printed but pass, unless --strict)
  1  the policy is not valid (every problem is listed), or has warnings under --strict
  2  usage error (no such file, FILE and --env together, ...)

Examples:
  corsguard check cors.toml
  corsguard check pyproject.toml --strict
  CORSGUARD_ALLOW_ORIGINS=https://app.example.com corsguard check --env --format json
""",
    "migrate": """\
Reads the Python files under PATH and rewrites Starlette/FastAPI CORSMiddleware,
flask-cors (CORS(app, ...), app.config["CORS_*"]) and django-cors-headers (CORS_* settings,
MIDDLEWARE, INSTALLED_APPS) to corsguard, keeping everything else as written. Whatever
cannot be carried exactly (a regex no pattern says, '*' with credentials, a value computed
at run time) gets a '# TODO(corsguard migrate):' comment saying what to decide.
See docs/migrate.md.

Exit status:
  0  nothing to migrate, or --write wrote the changes
  1  a diff was printed (there is something to migrate)
  2  usage error (no such PATH, no Python file under it, libcst missing), or a file
     could not be read or parsed (reported on stderr; the other files are still done)

Examples:
  corsguard migrate app/main.py             # print the diff
  corsguard migrate . | git apply           # the same, applied by git
  corsguard migrate --write mysite/settings # rewrite the files in place
""",
    "learn": """\
Reads corsguard's WARNING lines ('corsguard refused ...', 'corsguard unlisted ...') and
access logs in the combined format with "$http_origin" appended (docs/monitoring.md).
Formats (--format): text (default), json (--json is the same).

Exit status:
  0  a policy is proposed (origins not trusted are named, with the reason)
  1  nothing to propose: no origin seen is one to trust
  2  usage error, or a LOGFILE that cannot be read

Examples:
  corsguard learn app.log
  corsguard learn /var/log/nginx/cors.log --format json
  corsguard learn app.log --trust https://myapp.herokuapp.com --min-requests 5
""",
}

# Optional dependencies and the extra that installs each.
_EXTRAS = {"aiohttp": "audit", "rich": "audit", "playwright": "prove", "libcst": "migrate"}


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
        sub = _Parser(
            prog=f"corsguard {command}",
            description=COMMANDS[command][1],
            epilog=EPILOGS.get(command),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
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
