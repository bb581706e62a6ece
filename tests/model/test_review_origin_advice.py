"""Review: the "write ..." advice of an invalid origin pattern is itself a valid pattern."""

from __future__ import annotations

import re

import pytest

from corsguard import Policy, PolicyError
from corsguard.origin import parse_origin_pattern

_WRITE = re.compile(r"write '([^']*)'")


@pytest.mark.parametrize(
    ("pattern", "advice"),
    [
        # Several origins in one string (an environment variable not split, say).
        (
            "https://a.example.com,https://b.example.com",
            "['https://a.example.com', 'https://b.example.com']",
        ),
        (
            "https://a.example.com, http://localhost:3000",
            "['https://a.example.com', 'http://localhost:3000']",
        ),
        (
            "https://a.example.com;https://b.example.com",
            "['https://a.example.com', 'https://b.example.com']",
        ),
        (
            "https://a.example.com https://b.example.com",
            "['https://a.example.com', 'https://b.example.com']",
        ),
        # A mangled "://".
        ("https:/app.example.com", "write 'https://app.example.com'"),
        ("https//app.example.com", "write 'https://app.example.com'"),
        ("//app.example.com", "write 'https://app.example.com'"),
        ("http:/localhost:3000", "write 'http://localhost:3000'"),
        # One fix that reveals another: the advice goes all the way.
        ("https://app.example.com:443/", "write 'https://app.example.com'"),
        ("app.example.com/api", "write 'https://app.example.com'"),
        ("https://App.example.com:443", "write 'https://app.example.com'"),
    ],
)
def test_advice_is_a_pattern_corsguard_accepts(pattern: str, advice: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_origin_pattern(pattern)
    message = str(info.value)
    assert advice in message
    for suggestion in _WRITE.findall(message)[-1:]:
        parse_origin_pattern(suggestion)  # the last "write" is what the user should type


def test_policy_lists_the_split_origins() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(allow_origins=["https://a.example.com,https://b.example.com"])
    assert len(info.value.problems) == 1
    assert "several origins" in info.value.problems[0]


@pytest.mark.parametrize("origins", ["https://app.example.com", None, [None], [b"https://a.test"]])
def test_a_mistyped_origin_list_is_one_problem_not_also_empty(origins: object) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(allow_origins=origins)  # type: ignore[arg-type]
    assert len(info.value.problems) == 1, info.value.problems
    assert "is empty" not in info.value.problems[0]
