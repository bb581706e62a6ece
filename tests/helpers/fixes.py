"""Printed fixes as the user would run them (issue #13).

A Python fix is ``corsguard.Policy(...)`` or, where the project names no origin of its own,
``corsguard.Policy.from_env(...)``: the deployment supplies CORSGUARD_ALLOW_ORIGINS. Tests
build either with the real classes, the environment being a mapping of the test's choosing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import corsguard

# An origin of the tests' choosing for CORSGUARD_ALLOW_ORIGINS (what an operator would set).
OPERATOR_ORIGIN = "https://front.operator-choice.test"
# Text no printed fix may contain: the old "no origin known" stand-in and preview domain.
PLACEHOLDERS = ("your-front-end.example", "preview.example.com")


class _Policy:
    """corsguard.Policy for eval: the constructor as is, from_env reading ``environ``."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def __call__(self, **options: object) -> corsguard.Policy:
        return corsguard.Policy(**options)  # type: ignore[arg-type]

    def from_env(self, **options: object) -> corsguard.Policy:
        return corsguard.Policy.from_env(environ=self.environ, **options)


def build_fix(code: str, origin: str = OPERATOR_ORIGIN) -> corsguard.Policy:
    """The policy a printed Python fix (its code, before the ``#`` notes) constructs."""
    environ = {"CORSGUARD_ALLOW_ORIGINS": origin}
    policy = eval(code, {"corsguard": SimpleNamespace(Policy=_Policy(environ))})
    assert isinstance(policy, corsguard.Policy), code
    return policy


def assert_no_placeholder(text: str) -> None:
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, (placeholder, text)
