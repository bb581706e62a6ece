"""Parsing of the options shared by the commands: curl-like -H, --resolve and URLs, --format."""

from __future__ import annotations

import ipaddress
import os
import re
from typing import TYPE_CHECKING, Any

from corsguard.cli import UsageError
from corsguard.spec import is_token
from corsguard.untrusted import for_terminal

if TYPE_CHECKING:
    from corsguard.policy import Policy

# RFC 9110 §5.6.2: a field name is a token.


def parse_header(raw: str) -> tuple[str, str]:
    """Parse curl's ``-H 'Name: value'``; refuse anything that could split a request."""
    if "\r" in raw or "\n" in raw or "\x00" in raw:
        raise UsageError(f"header {raw!r} contains a line break or NUL byte")
    name, sep, value = raw.partition(":")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"header {raw!r} is not of the form 'Name: value'")
    if not is_token(name):
        raise UsageError(f"header name {name!r} is not a valid HTTP field name")
    return name, value.strip()


def parse_resolve(raw: str) -> tuple[str, int, str]:
    """Parse curl's ``--resolve HOST:PORT:ADDRESS`` (IPv6 addresses may be bracketed)."""
    parts = raw.split(":", 2)
    if len(parts) != 3:
        raise UsageError(
            f"--resolve {raw!r}: expected HOST:PORT:ADDRESS, e.g. a.test:443:127.0.0.1"
        )
    host, port_text, address = parts
    if not host:
        raise UsageError(f"--resolve {raw!r}: the host is empty")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"--resolve {raw!r}: the port must be a number from 1 to 65535")
    address = address.strip("[]")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise UsageError(f"--resolve {raw!r}: {address!r} is not an IP address") from None
    return host.lower(), int(port_text), address


# A URL that starts with a scheme ("https://", "HTTP://"); RFC 3986 §3.1 scheme syntax.
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def normalize_url(raw: str) -> str:
    """A URL given without a scheme gets ``http://``, as curl does (``127.0.0.1:8101/items``).

    Only a missing ``scheme://`` is added; anything else (another scheme, a bad port) is
    left for the command's own check to refuse with its message. ``host:port`` alone
    would parse as scheme ``host``, hence the test for ``://`` rather than urlsplit.
    """
    text = raw.strip()
    if not text or _HAS_SCHEME.match(text):
        return text
    return "http://" + text.lstrip("/")


def format_type(choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> Any:
    """An argparse ``type=`` for --format: case-insensitive, aliases mapped, others refused.

    ``aliases`` maps an accepted name to the name the command uses internally (audit keeps
    calling its text report "table").
    """
    mapping = {name: name for name in choices}
    mapping.update(aliases or {})

    def parse(text: str) -> str:
        value = mapping.get(text.strip().lower())
        if value is None:
            shown = ", ".join(sorted(set(choices) | set(aliases or {})))
            # UsageError, not argparse's ArgumentTypeError: the dispatcher reports it as
            # every other command-line mistake (one line, exit status 2).
            raise UsageError(f"unknown format {text!r}: use one of {shown}")
        return value

    parse.__name__ = "format"  # argparse names the type in its error message
    return parse


def load_policy_file(path: str) -> Policy:
    """``--policy FILE`` (explain, audit): a valid policy, or one UsageError line saying why
    not (no such file, a directory, the problems `corsguard check` lists)."""
    from corsguard.config import file_policy_and_problems

    shown = for_terminal(path)
    if os.path.isdir(path):
        raise UsageError(f"--policy {shown} is a directory: give a TOML file")
    try:
        policy, problems = file_policy_and_problems(path)
    except FileNotFoundError:
        raise UsageError(f"--policy {shown}: no such file") from None
    except OSError as exc:
        raise UsageError(f"--policy {shown}: cannot read it: {exc.strerror or exc}") from None
    if policy is None:
        listed = "; ".join(for_terminal(p.text) for p in problems)
        raise UsageError(
            f"--policy {shown} is not a valid policy ({len(problems)} problem(s): {listed}); "
            f"'corsguard check {shown}' lists them"
        )
    return policy
