"""Telling "this file needs a newer Python" from "this file is broken".

``ast.parse`` can only read the grammar of the Python running lint. A project written for a
newer one (PEP 695 ``type X = ...`` and ``def f[T]()``, PEP 701 f-strings with the same quote
or a backslash inside the braces, both Python 3.12; PEP 696 type-parameter defaults, 3.13;
PEP 758 ``except A, B:`` and PEP 750 t-strings, 3.14) fails to parse with a message about a
syntax error, which reads as if the file were broken. This module looks at the line the
error points to, and names the version when the line holds one of those constructs.
"""

from __future__ import annotations

import re
import sys

__all__ = ["needs_newer_python"]

_NAME = r"[^\W\d]\w*"
# (Python version, what, a regex over the stripped line)
_RULES: tuple[tuple[tuple[int, int], str, re.Pattern[str]], ...] = (
    # PEP 696 (3.13) before PEP 695 (3.12): a default in a type parameter list.
    (
        (3, 13),
        "a type parameter default (PEP 696)",
        re.compile(
            rf"^(?:async\s+)?(?:def|class)\s+{_NAME}\s*\[[^\]]*=|^type\s+{_NAME}\s*\[[^\]]*="
        ),
    ),
    (
        (3, 12),
        "a type alias statement (PEP 695)",
        re.compile(rf"^type\s+{_NAME}\s*(?:\[.*\])?\s*="),
    ),
    (
        (3, 12),
        "a generic function or class (PEP 695)",
        re.compile(rf"^(?:async\s+)?(?:def|class)\s+{_NAME}\s*\["),
    ),
    ((3, 14), "except without parentheses (PEP 758)", re.compile(r"^except\*?\s+[^(:]+,[^:]*:")),
    ((3, 14), "a template string (PEP 750)", re.compile(r"(?<![\w.])[tT][rR]?['\"]")),
)
_FSTRING_START = re.compile(r"(?<![\w.])(?:[rR][fF]|[fF][rR]?)('''|\"\"\"|'|\")")


def _pep701(line: str) -> bool:
    """Does an f-string on the line use the same quote, a backslash or a comment inside its
    braces (valid from Python 3.12, PEP 701)?"""
    for match in _FSTRING_START.finditer(line):
        quote = match.group(1)
        depth = 0
        index = match.end()
        while index < len(line):
            if depth == 0 and line.startswith(quote, index):
                break
            char = line[index]
            if char == "{":
                if depth == 0 and line.startswith("{{", index):
                    index += 2
                    continue
                depth += 1
            elif char == "}":
                depth = max(depth - 1, 0)
            elif depth > 0 and (char == "\\" or char == "#" or line.startswith(quote[0], index)):
                return True
            index += 1
    return False


def needs_newer_python(
    text: str, error: SyntaxError, running: tuple[int, int] | None = None
) -> str | None:
    """``"needs Python 3.12 to read (...)"`` when the syntax error is newer syntax, else None."""
    version = running if running is not None else sys.version_info[:2]
    lines = text.splitlines()
    number = error.lineno or 0
    candidates = [lines[n - 1] for n in (number, number - 1) if 0 < n <= len(lines)]
    for line in candidates:
        stripped = line.strip()
        for needed, what, pattern in _RULES:
            if needed > version and pattern.search(stripped):
                return _say(needed, what, version, number)
        if version < (3, 12) and _pep701(line):
            return _say(
                (3, 12),
                "an f-string with quotes or backslashes in its braces (PEP 701)",
                version,
                number,
            )
    return None


def _say(needed: tuple[int, int], what: str, running: tuple[int, int], line: int) -> str:
    return (
        f"needs Python {needed[0]}.{needed[1]} to read: line {line} uses {what}, and lint runs "
        f"on Python {running[0]}.{running[1]}"
    )
