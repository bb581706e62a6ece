"""A regular expression written among allow_origins is recognised and answered (issue #14).

The answer is the exact corsguard pattern(s) (corsguard.origin_regex, never wider), or,
when none is exact, that there is none and what to list; in every source's spelling
(Python keywords, environment variables, TOML, a Flask settings dict). Django's settings
are in tests/enforce/test_django.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from corsguard import Policy, PolicyError
from corsguard.flask import CORSGuard
from corsguard.foreign import looks_like_regex
from corsguard.problems import PYTHON, TOML, EnvironmentVariables

APP = "https://app.example.com"
NO_EXACT = "no corsguard pattern trusts exactly the origins it matches"

# regex, the patterns to write (None: no exact pattern), a fragment of the answer
REGEXES: list[tuple[str, list[str] | None, str]] = [
    (r"^https://app\.example\.com$", [APP], "write: 'https://app.example.com'"),
    (r"https://.*\.example\.com", ["https://*.example.com"], "'https://*.example.com'"),
    (r"^https?://app\.example\.com$", ["http://app.example.com", APP], "'http://app.example.com'"),
    (r"^https://(app|admin)\.example\.com$", [APP, "https://admin.example.com"], "'https://admin"),
    (r"^http://localhost(:\d+)?$", ["http://localhost:*"], "'http://localhost:*'"),
    # one label: corsguard's one-label pattern, never '*.' (any depth)
    (r"^https://[a-z0-9-]+\.example\.com$", ["https://+.example.com"], "'https://+.example.com'"),
    # one label of letters only: '+.' would trust more (digits, hyphens), so nothing is written
    (r"^https://[a-z]+\.example\.com$", None, "never holds some digits nor '-'"),
    # a port is required by the regex; ':*' would also allow none
    (r"^http://localhost:\d+$", None, "requires an explicit port"),
    # unescaped dots match any character
    (r"^https://app.example.com$", None, NO_EXACT),
    (r"https://.*\.github\.io", None, "would trust every tenant of a public hosting platform"),
]  # fmt: skip
IDS = [case[0] for case in REGEXES]


def _error(build: object) -> str:
    with pytest.raises(PolicyError) as info:
        build()  # type: ignore[operator]
    return str(info.value)


def _check(
    text: str, regex: str, patterns: list[str] | None, fragment: str, spelling: object
) -> None:
    assert f"{regex!r} is a regular expression, not an origin" in text
    assert fragment in text
    if patterns is None:
        assert "; write:" not in text
    else:
        # The whole list to write, the regex replaced by its patterns, in the source's spelling.
        assert (
            spelling.setting("allow_origins", [*patterns, "https://b.example.com"], False) in text
        )  # type: ignore[attr-defined]
    # The old, misleading parse error is gone.
    assert "is not a valid URL scheme" not in text


@pytest.mark.parametrize(("regex", "patterns", "fragment"), REGEXES, ids=IDS)
def test_policy(regex: str, patterns: list[str] | None, fragment: str) -> None:
    text = _error(lambda: Policy(allow_origins=[regex, "https://b.example.com"]))
    _check(text, regex, patterns, fragment, PYTHON)
    assert text.count("\n  - ") == 1  # one problem, the regex's


@pytest.mark.parametrize(("regex", "patterns", "fragment"), REGEXES, ids=IDS)
def test_environment(regex: str, patterns: list[str] | None, fragment: str) -> None:
    environ = {"CORSGUARD_ALLOW_ORIGINS": f"{regex},https://b.example.com"}
    text = _error(lambda: Policy.from_env(environ=environ))
    assert "CORSGUARD_ALLOW_ORIGINS: " in text
    _check(text, regex, patterns, fragment, EnvironmentVariables("CORSGUARD_"))


@pytest.mark.parametrize(("regex", "patterns", "fragment"), REGEXES, ids=IDS)
def test_toml(tmp_path: Path, regex: str, patterns: list[str] | None, fragment: str) -> None:
    path = tmp_path / "cors.toml"
    # A TOML literal string keeps backslashes as written.
    path.write_text(f"allow_origins = ['{regex}', 'https://b.example.com']\n")
    text = _error(lambda: Policy.from_file(path))
    _check(text, regex, patterns, fragment, TOML)


@pytest.mark.parametrize(("regex", "patterns", "fragment"), REGEXES, ids=IDS)
def test_flask_config(regex: str, patterns: list[str] | None, fragment: str) -> None:
    app = Flask("t")
    app.config["CORSGUARD"] = {"allow_origins": [regex, "https://b.example.com"]}
    text = _error(lambda: CORSGuard(app))
    assert "app.config['CORSGUARD']: allow_origins: " in text
    _check(text, regex, patterns, fragment, PYTHON)


# Not regular expressions: each keeps the origin parser's own answer.
NOT_REGEXES = [
    ("http://[::1]:8000", None),  # an IPv6 literal is valid
    ("https://+.example.com", None),  # '+' alone: left to the pattern parser
    ("https://app.*.example.com", "first label"),  # a glob in the wrong place
    ("https://app.example.com?q", "a query"),
    ("http://localhost:*", None),
    ("https://*.example.com", None),
]


@pytest.mark.parametrize(("text", "advice"), NOT_REGEXES, ids=[t for t, _ in NOT_REGEXES])
def test_patterns_and_globs_are_not_regexes(text: str, advice: str | None) -> None:
    assert not looks_like_regex(text)
    try:
        Policy(allow_origins=[text])
    except PolicyError as exc:
        assert "regular expression" not in str(exc)
        if advice is not None:
            assert advice in str(exc)
    else:
        assert advice is None


def test_starlette_regex_option_uses_the_same_answer() -> None:
    """allow_origin_regex= (Starlette's keyword) is answered by the same translation."""
    text = _error(lambda: Policy(allow_origin_regex=r"^http://localhost(:\d+)?$"))
    assert "write allow_origins=['http://localhost:*'] instead [refused: regex-origin]" in text
