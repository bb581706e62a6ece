"""Hostile text a target sends, and checks that none of it reaches the output raw."""

from __future__ import annotations

import json
from typing import Any

# What a hostile value carries: OSC (retitle, hyperlink), CSI (clear, move up, conceal),
# a C1 CSI (U+009B, as UTF-8), BiDi override and isolate, zero width, line separator.
ESCAPES = (
    b"\x1b]0;owned\x07\x1b]8;;https://evil.test\x07click\x1b]8;;\x07"
    b"\x1b[2J\x1b[1A\x1b[8m\xc2\x9b31m\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8b\xe2\x80\xa8"
)


def raw_characters(text: str) -> list[str]:
    """Characters a terminal could act on: controls other than newline, format, BiDi..."""
    return sorted({c for c in text if c != "\n" and not c.isprintable() and c != " "})


def strict_loads(text: str) -> Any:
    """json.loads that refuses what strict parsers refuse: lone surrogates, invalid UTF-8."""
    text.encode("utf-8")  # raises on a raw lone surrogate

    def check(value: Any) -> Any:
        if isinstance(value, str):
            value.encode("utf-8")  # raises on "\udc9b" written as an escape
        elif isinstance(value, dict):
            for key, item in value.items():
                check(key)
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        return value

    return check(json.loads(text))
