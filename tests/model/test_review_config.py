"""Review: advice from environment and TOML sources is written in that source's syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

from corsguard import PolicyError
from corsguard.config import policy_from_env, policy_from_file


@pytest.mark.parametrize(
    ("environ", "advice", "python_syntax"),
    [
        (
            {"CORSGUARD_ALLOW_ORIGIN_REGEX": r"https://.*\.example\.com"},
            "write CORSGUARD_ALLOW_ORIGINS='https://*.example.com' instead",
            "allow_origins=[",
        ),
        (
            {"CORSGUARD_ALLOW_ORIGINS": "https://*"},
            "to allow every origin use CORSGUARD_ALLOW_ORIGINS='*'",
            "allow_origins=[",
        ),
    ],
)
def test_env_advice_names_variables(
    environ: dict[str, str], advice: str, python_syntax: str
) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_env(environ=environ)
    text = "\n".join(info.value.problems)
    assert advice in text
    assert python_syntax not in text


@pytest.mark.parametrize(
    ("document", "advice"),
    [
        (
            'allow_origin_regex = "https://.*\\\\.example\\\\.com"\n',
            'write allow_origins = ["https://*.example.com"] instead',
        ),
        (
            'allow_origins = ["https://*"]\n',
            """to allow every origin use allow_origins = ["*"]""",
        ),
    ],
)
def test_toml_advice_is_toml(tmp_path: Path, document: str, advice: str) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(document, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        policy_from_file(path)
    text = "\n".join(info.value.problems)
    assert advice in text
    assert "allow_origins=[" not in text
