"""Review: classic regex holes that corsguard lint must not miss."""

from __future__ import annotations

import textwrap

import pytest

from corsguard.lint import lint_source


def ids(code: str) -> set[tuple[str, str]]:
    result = lint_source(textwrap.dedent(code), "settings.py")
    assert result.note is None, result.note
    return {(f.id, f.severity.value) for f in result.findings}


@pytest.mark.parametrize(
    ("regex", "expected"),
    [
        # `|` binds loosest: the second alternative has no `$`, so it matches a prefix.
        (r"^https://app\.example\.com$|^https://admin\.example\.com", ("prefix-match", "high")),
        (r"^https://admin\.example\.com|^https://app\.example\.com$", ("prefix-match", "high")),
        # Any subdomain on a non-default port.
        (r"^https://.+\.example\.com:8443$", ("any-subdomain-trusted", "medium")),
    ],
)
def test_django_regex_holes_are_found(regex: str, expected: tuple[str, str]) -> None:
    code = f"""
        CORS_ALLOW_CREDENTIALS = True
        CORS_ALLOWED_ORIGIN_REGEXES = [r"{regex}"]
    """
    assert expected in ids(code)


@pytest.mark.parametrize(
    "regex",
    [
        r"^https://app\.example\.com$|^https://admin\.example\.com$",
        r"^(https://app\.example\.com|https://admin\.example\.com)$",
        r"^https://(app|admin)\.example\.com:8443$",
    ],
)
def test_exact_alternations_are_only_regex_origin(regex: str) -> None:
    code = f"""
        CORS_ALLOW_CREDENTIALS = True
        CORS_ALLOWED_ORIGIN_REGEXES = [r"{regex}"]
    """
    assert ids(code) == {("regex-origin", "low")}
