"""A policy's problems are data (option, value, reason, advice), spelled for each source.

The same problem read from Python keywords, environment variables, TOML and a settings
dict: the prose is the same, only the option names and settings are written in the
source's own syntax (no rewriting of the prose).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from corsguard import Policy, PolicyError
from corsguard.config import mapping_policy_and_problems, policy_from_env, policy_from_file
from corsguard.problems import (
    PYTHON,
    SETTINGS_DICT,
    TOML,
    EnvironmentVariables,
    Name,
    Problem,
    Setting,
)

PROBLEM = Problem(
    "allow_origins",
    "http://a.example.com",
    (Name("allow_origins"), ": plain http"),
    (". Use https, or ", Setting("tolerate_insecure_origins", True, verb=True)),
)
SPELLINGS = [
    (PYTHON, "allow_origins: plain http. Use https, or pass tolerate_insecure_origins=True"),
    (
        EnvironmentVariables("APP_"),
        "APP_ALLOW_ORIGINS: plain http. Use https, or set APP_TOLERATE_INSECURE_ORIGINS=true",
    ),
    (TOML, "allow_origins: plain http. Use https, or set tolerate_insecure_origins = true"),
    (
        SETTINGS_DICT,
        "allow_origins: plain http. Use https, or set 'tolerate_insecure_origins': True",
    ),
]


@pytest.mark.parametrize(("spelling", "text"), SPELLINGS)
def test_one_problem_in_each_spelling(spelling: object, text: str) -> None:
    assert PROBLEM.render(spelling) == text  # type: ignore[arg-type]


LISTS = [
    (PYTHON, "write allow_origins=['https://a.example.com', 'https://b.example.com']"),
    (
        EnvironmentVariables(),
        "write CORSGUARD_ALLOW_ORIGINS='https://a.example.com,https://b.example.com'",
    ),
    (TOML, 'write allow_origins = ["https://a.example.com", "https://b.example.com"]'),
]


@pytest.mark.parametrize(("spelling", "text"), LISTS)
def test_list_settings(spelling: object, text: str) -> None:
    value = ("https://a.example.com", "https://b.example.com")
    problem = Problem("allow_origins", None, ("write ", Setting("allow_origins", value)))
    assert problem.render(spelling) == text  # type: ignore[arg-type]


# (Policy keywords, option, value) of problems the policy finds, one per kind of option.
STRUCTURED = [
    ({"allow_origins": ["*"], "allow_credentials": True}, "allow_origins", ["*"]),
    ({"allow_origins": ["https://a.example.com"], "max_age": -1}, "max_age", -1),
    ({"allow_origins": ["https://a.example.com"], "allow_methods": ["TRACE"]}, "allow_methods",
     "TRACE"),
    ({"allow_origins": ["http://a.example.com"], "allow_credentials": True}, "allow_origins",
     "http://a.example.com"),
    ({"allow_origins": ["https://a.example.com"], "debug": "yes"}, "debug", "yes"),
    ({"allow_origins": ["https://a.example.com"], "routes": {"/api/*": Policy(
        allow_origins=["*"])}}, "routes", "/api/*"),
    ({"allow_origins": ["https://a.example.com"], "allow_origin_regex": "x"},
     "allow_origin_regex", "x"),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "option", "value"), STRUCTURED)
def test_policy_problems_are_structured(
    kwargs: dict[str, object], option: str, value: object
) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(**kwargs)  # type: ignore[arg-type]
    (problem,) = info.value.structured
    assert (problem.option, problem.value) == (option, value)
    assert problem.reason  # what is wrong, never empty
    # str(error) and .problems keep the Python keyword rendering.
    assert info.value.problems == [problem.render(PYTHON)]
    assert problem.render(PYTHON) in str(info.value)


def test_the_same_problem_from_each_source(tmp_path: Path) -> None:
    path = tmp_path / "cors.toml"
    path.write_text('allow_origins = ["http://a.example.com"]\nallow_credentials = true\n')
    with pytest.raises(PolicyError) as from_file:
        policy_from_file(path)
    with pytest.raises(PolicyError) as from_env:
        policy_from_env(
            environ={
                "CORSGUARD_ALLOW_ORIGINS": "http://a.example.com",
                "CORSGUARD_ALLOW_CREDENTIALS": "true",
            }
        )
    with pytest.raises(PolicyError) as from_python:
        Policy(allow_origins=["http://a.example.com"], allow_credentials=True)
    _, from_mapping = mapping_policy_and_problems(
        {"allow_origins": ["http://a.example.com"], "allow_credentials": True},
        "settings.CORSGUARD",
        toml=False,
    )
    python = from_python.value.problems[0]
    assert from_env.value.problems == [
        python.replace("allow_origins:", "CORSGUARD_ALLOW_ORIGINS:").replace(
            "pass tolerate_insecure_origins=True", "set CORSGUARD_TOLERATE_INSECURE_ORIGINS=true"
        )
    ]
    assert from_file.value.problems == [
        f"{path}: "
        + python.replace(
            "pass tolerate_insecure_origins=True", "set tolerate_insecure_origins = true"
        )
    ]
    assert [p.text for p in from_mapping] == [f"settings.CORSGUARD: {python}"]
