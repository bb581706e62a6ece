"""Parsing of the curl-like options shared by `explain` and `audit` (-H, --resolve)."""

from __future__ import annotations

import ipaddress
import re

from corsguard.cli import UsageError

# RFC 9110 §5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def parse_header(raw: str) -> tuple[str, str]:
    """Parse curl's ``-H 'Name: value'``; refuse anything that could split a request."""
    if "\r" in raw or "\n" in raw or "\x00" in raw:
        raise UsageError(f"header {raw!r} contains a line break or NUL byte")
    name, sep, value = raw.partition(":")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"header {raw!r} is not of the form 'Name: value'")
    if not _TOKEN.match(name):
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
