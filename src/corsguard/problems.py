"""A policy's problems as data, and their rendering for each place a policy comes from.

`Policy` reports what is wrong as `Problem` objects whose text is made of fragments:
plain prose, `Name` (an option's name) and `Setting` (an option given a value). Each
source spells the last two its own way: ``allow_credentials=True`` as a Python keyword,
``CORSGUARD_ALLOW_CREDENTIALS=true`` as an environment variable, ``allow_credentials =
true`` in TOML, ``'allow_credentials': True`` in a Django or Flask settings dict. The
prose itself is never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Name:
    """An option's name inside a problem's text."""

    option: str


@dataclass(frozen=True)
class Setting:
    """An option given a value inside a problem's text (``verb``: "pass"/"set" before it)."""

    option: str
    value: object
    verb: bool = False


Fragment = str | Name | Setting
Text = tuple[Fragment, ...]


@dataclass(frozen=True)
class Problem:
    """One reason a policy is refused.

    ``option`` is the option it is about (None when it is about no single one), ``value``
    the value found there, ``reason`` what is wrong and ``advice`` what to write instead
    (which starts with its own separator, as in ": write ..."; empty when there is none).
    """

    option: str | None
    value: object
    reason: Text
    advice: Text = ()

    def render(self, spelling: Spelling | None = None) -> str:
        spelling = spelling or PYTHON
        return "".join(_render(part, spelling) for part in (*self.reason, *self.advice))

    def __str__(self) -> str:
        return self.render(PYTHON)


class Spelling(Protocol):
    """How one source writes option names and settings."""

    def name(self, option: str) -> str: ...

    def setting(self, option: str, value: object, verb: bool) -> str: ...


def _render(part: Fragment, spelling: Spelling) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Name):
        return spelling.name(part.option)
    return spelling.setting(part.option, part.value, part.verb)


class PythonKeywords:
    """``Policy(allow_credentials=True)``."""

    def name(self, option: str) -> str:
        return option

    def setting(self, option: str, value: object, verb: bool) -> str:
        shown = list(value) if isinstance(value, tuple) else value
        return ("pass " if verb else "") + f"{option}={shown!r}"


class SettingsDict:
    """Django's ``settings.CORSGUARD`` or Flask's ``app.config``: ``'allow_credentials': True``."""

    def name(self, option: str) -> str:
        return option

    def setting(self, option: str, value: object, verb: bool) -> str:
        shown = list(value) if isinstance(value, tuple) else value
        return ("set " if verb else "") + f"{option!r}: {shown!r}"


@dataclass(frozen=True)
class EnvironmentVariables:
    """``CORSGUARD_ALLOW_CREDENTIALS=true``: lists separated by commas, lowercase booleans."""

    prefix: str = "CORSGUARD_"

    def name(self, option: str) -> str:
        return self.prefix + option.upper()

    def setting(self, option: str, value: object, verb: bool) -> str:
        if isinstance(value, bool):
            shown = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            shown = "'" + ",".join(str(item) for item in value) + "'"
        else:
            shown = str(value)
        return ("set " if verb else "") + f"{self.name(option)}={shown}"


class Toml:
    """``allow_credentials = true`` and ``allow_origins = ["https://app.example.com"]``."""

    def name(self, option: str) -> str:
        return option

    def setting(self, option: str, value: object, verb: bool) -> str:
        shown = json.dumps(list(value) if isinstance(value, tuple) else value)
        return ("set " if verb else "") + f"{option} = {shown}"


PYTHON = PythonKeywords()
SETTINGS_DICT = SettingsDict()
TOML = Toml()


class ProblemText(ValueError):
    """A ValueError whose message is fragments (see `Problem`), for helpers of the policy."""

    def __init__(self, *parts: Fragment) -> None:
        self.parts: Text = parts
        super().__init__("".join(_render(part, PYTHON) for part in parts))


class PolicyError(ValueError):
    """A CORS configuration that corsguard refuses; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[str | Problem]) -> None:
        items = list(problems)
        # The structured form of the problems the policy itself found (see Problem).
        self.structured: tuple[Problem, ...] = tuple(p for p in items if isinstance(p, Problem))
        # As users read them: each problem in Python keyword syntax.
        self.problems: list[str] = [str(p) for p in items]
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid CORS policy ({len(self.problems)} problem(s)):\n{lines}")
