"""corsguard.untrusted: attacker-written text made safe to keep (valid Unicode) and to show."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corsguard.untrusted import clean_text, for_terminal, text_from_bytes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"https://app.example.com", "https://app.example.com"),
        ("café".encode(), "café"),
        (b"true\x9b2J", "true\\x9b2J"),
        (b"\xff\xfe", "\\xff\\xfe"),
        (b"", ""),
    ],
)
def test_text_from_bytes(raw: bytes, expected: str) -> None:
    assert text_from_bytes(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("caf\xe9", "caf\xe9"),
        (b"a\x9bb".decode("utf-8", "surrogateescape"), "a\\x9bb"),
        ("x\ud800y", "x\\ud800y"),
    ],
)
def test_clean_text(value: str, expected: str) -> None:
    assert clean_text(value) == expected
    expected.encode("utf-8")  # strict: raises if a surrogate were left


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://app.example.com", "https://app.example.com"),
        ("a b", "a b"),
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # OSC: set the window title
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # CSI: clear the screen
        ("\x9b31m", "\\x9b31m"),  # the one-byte C1 CSI
        ("safe\u202eevil", "safe\\u202eevil"),  # BiDi override
        ("a\u2066b\u2069", "a\\u2066b\\u2069"),  # BiDi isolates
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("line\nbreak\r\t", "line\\x0abreak\\x0d\\x09"),
        ("para\u2029graph", "para\\u2029graph"),
        ("x\ud83dy", "x\\ud83dy"),
        ("ok \u00e9\u4e2d\U0001f600", "ok \u00e9\u4e2d\U0001f600"),
    ],
)
def test_for_terminal(value: str, expected: str) -> None:
    assert for_terminal(value) == expected


_HARMFUL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


@given(st.text(alphabet=st.characters(codec=None)))
def test_for_terminal_never_emits_a_control_character(value: str) -> None:
    shown = for_terminal(value)
    assert not any(unicodedata.category(char) in _HARMFUL_CATEGORIES for char in shown)
    shown.encode("utf-8")


@given(st.binary())
def test_text_from_bytes_is_always_valid_json_text(raw: bytes) -> None:
    text = text_from_bytes(raw)
    text.encode("utf-8")
    assert json.loads(json.dumps(text, ensure_ascii=False)) == text


@given(st.text(alphabet=st.characters(codec=None)))
def test_clean_text_is_always_encodable(value: str) -> None:
    clean_text(value).encode("utf-8")
