"""Policy.from_env(**options): options given in code are fixed, the environment supplies the
rest, and one option from both places is an error naming both (issue #13)."""

from __future__ import annotations

from typing import Any

import pytest

from corsguard import Policy, PolicyError

APP = "https://app.example.com"
ORIGINS = {"CORSGUARD_ALLOW_ORIGINS": APP}

# (name, environ, options in code, {attribute: expected value})
BUILDS: list[tuple[str, dict[str, str], dict[str, Any], dict[str, Any]]] = [
    ("origins only from env", ORIGINS, {"allow_credentials": True, "allow_methods": ["GET", "PUT"]},
     {"allow_origins": (APP,), "allow_credentials": True, "allow_methods": ("GET", "PUT")}),
    ("env and code share the work", {**ORIGINS, "CORSGUARD_MAX_AGE": "60"},
     {"allow_headers": ["Authorization"]},
     {"max_age": 60, "allow_headers": ("authorization",), "allow_credentials": False}),
    ("origins in code, nothing from env", {}, {"allow_origins": [APP]},
     {"allow_origins": (APP,), "allow_methods": ("GET",)}),
    ("routes are a code option", ORIGINS,
     {"routes": {"/public": Policy(allow_origins=["*"])}, "allow_credentials": True},
     {"allow_credentials": True}),
    ("no options: as before", {**ORIGINS, "CORSGUARD_ALLOW_CREDENTIALS": "true"}, {},
     {"allow_credentials": True}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("environ", "options", "expected"), [b[1:] for b in BUILDS], ids=[b[0] for b in BUILDS]
)
def test_code_options_and_environment_combine(
    environ: dict[str, str], options: dict[str, Any], expected: dict[str, Any]
) -> None:
    policy = Policy.from_env(environ=environ, **options)
    for name, value in expected.items():
        assert getattr(policy, name) == value, name
    if "routes" in options:
        assert set(policy.routes) == {"/public"}


# (name, environ, options in code, texts the error must contain)
ERRORS: list[tuple[str, dict[str, str], dict[str, Any], list[str]]] = [
    ("both sources", {**ORIGINS, "CORSGUARD_ALLOW_METHODS": "GET"}, {"allow_methods": ["PUT"]},
     ["CORSGUARD_ALLOW_METHODS is set but allow_methods is given in code; remove one"]),
    ("origins twice", ORIGINS, {"allow_origins": [APP]},
     ["CORSGUARD_ALLOW_ORIGINS is set but allow_origins is given in code; remove one"]),
    ("both sources, other prefix", {"SHOP_ALLOW_ORIGINS": APP, "SHOP_ALLOW_CREDENTIALS": "true"},
     {"allow_credentials": True, "prefix": "SHOP_"},
     ["SHOP_ALLOW_CREDENTIALS is set but allow_credentials is given in code"]),
    ("misspelt keyword", ORIGINS, {"allow_methds": ["PUT"]},
     ["unknown option 'allow_methds'", "did you mean 'allow_methods'?"]),
    ("origins missing still", {}, {"allow_credentials": True},
     ["CORSGUARD_ALLOW_ORIGINS is not set"]),
    # A problem with a code option is written as the keyword, not as a variable.
    ("bad code value", ORIGINS, {"allow_methods": "PUT"},
     ["allow_methods must be a list of strings", "allow_methods=['PUT']"]),
    ("env and code problems together", {**ORIGINS, "CORSGUARD_MAX_AGE": "ten"},
     {"allow_credentials": "yes"},
     ["CORSGUARD_MAX_AGE='ten' is not a whole number", "allow_credentials must be True or False"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("environ", "options", "texts"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_conflicts_and_mistakes_are_named(
    environ: dict[str, str], options: dict[str, Any], texts: list[str]
) -> None:
    with pytest.raises(PolicyError) as raised:
        Policy.from_env(environ=environ, **options)
    message = str(raised.value)
    for text in texts:
        assert text in message, message
    assert "CORSGUARD_ALLOW_METHODS=" not in message or "allow_methods" not in options


def test_the_same_did_you_mean_as_policy() -> None:
    with pytest.raises(PolicyError) as direct:
        Policy(allow_origins=[APP], allow_headres=["X"])
    with pytest.raises(PolicyError) as from_env:
        Policy.from_env(environ=ORIGINS, allow_headres=["X"])
    assert direct.value.problems == from_env.value.problems
