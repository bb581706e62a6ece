"""Text that came from someone else, made safe to keep and to show.

Everything a target, a HAR file or a linted repository sends is written by an attacker.
Bytes are decoded here, where they are read, so nothing downstream holds undecodable
data (a lone surrogate makes strict JSON parsers and UTF-8 writers fail, and so erases a
whole report); and every value is escaped for the terminal where it is shown, so escape
sequences cannot retitle, clear or recolour the user's terminal, and BiDi overrides
cannot reorder what a finding says (CVE-2021-42574, "Trojan Source").

Pure functions, no I/O: part of the model layer.
"""

from __future__ import annotations

import re

__all__ = ["clean_text", "for_terminal", "text_from_bytes"]

# U+D800..U+DFFF never belong in text; Python produces them from surrogateescape decoding
# (U+DC80..U+DCFF stand for the bytes 0x80..0xFF) and json.loads accepts "\ud800".
_SURROGATES = re.compile("[\ud800-\udfff]")


def _surrogate_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def text_from_bytes(raw: bytes) -> str:
    """Bytes from the network as text: valid UTF-8 kept, each other byte shown as ``\\xNN``."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def clean_text(value: str) -> str:
    """``value`` with every lone surrogate written as an escape: always encodable as UTF-8."""
    if value.isascii():
        return value
    return _SURROGATES.sub(_surrogate_escape, value)


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def for_terminal(value: str) -> str:
    """``value`` safe to print on a terminal, on one line.

    str.isprintable() is False exactly for the Unicode categories that can hurt here:
    controls (Cc: C0, DEL, C1, so ESC/CSI/OSC sequences), format characters (Cf: the BiDi
    embeddings, overrides and isolates U+202A..U+202E and U+2066..U+2069, zero-width
    characters), surrogates (Cs), unassigned and private-use code points, and separators
    other than the space (line and paragraph separators among them). Each is shown as an
    escape; the common all-printable value is returned as it is.
    """
    if value.isprintable():
        return value
    return "".join(
        char if char.isprintable() or char == " " else _visible(char) for char in clean_text(value)
    )
