"""Policies from outside the code: environment variables, TOML files, framework settings.

The readers live in `corsguard.sources` (part of the model, so that `Policy.from_env` and
`Policy.from_file` can use them without the policy importing this module); here they are
bound to `corsguard.Policy` for the adapters, the tools and users.

Every source is read strictly: an unknown name is an error with a "did you mean"
suggestion. The option names are the keyword names of `corsguard.Policy`; environment
variables are the same names in uppercase behind a prefix (``CORSGUARD_ALLOW_ORIGINS``).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from typing import Any

from corsguard import sources
from corsguard.policy import Policy
from corsguard.sources import BOOL_OPTIONS as BOOL_OPTIONS
from corsguard.sources import IGNORED_ENV_NAMES as IGNORED_ENV_NAMES
from corsguard.sources import INT_OPTIONS as INT_OPTIONS
from corsguard.sources import LIST_OPTIONS as LIST_OPTIONS
from corsguard.sources import MAX_DEPTH as MAX_DEPTH
from corsguard.sources import MAX_FILE_BYTES as MAX_FILE_BYTES
from corsguard.sources import MAX_ITEMS as MAX_ITEMS
from corsguard.sources import MAX_STRING as MAX_STRING
from corsguard.sources import PYTHON_ONLY_OPTIONS as PYTHON_ONLY_OPTIONS
from corsguard.sources import ROUTES as ROUTES
from corsguard.sources import SOURCE_OPTIONS as SOURCE_OPTIONS
from corsguard.sources import STRING_OPTIONS as STRING_OPTIONS
from corsguard.sources import ConfigError as ConfigError
from corsguard.sources import Problem as Problem
from corsguard.sources import did_you_mean as did_you_mean
from corsguard.sources import env_variable as env_variable
from corsguard.sources import load_toml_table as load_toml_table


def _policy_options() -> tuple[str, ...]:
    """Policy's keyword options, read from its signature so the two never drift apart."""
    parameters = inspect.signature(Policy.__init__).parameters.values()
    return tuple(p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY)


OPTIONS = _policy_options()


def policy_from_env(prefix: str = "CORSGUARD_", environ: Mapping[str, str] | None = None) -> Policy:
    """A policy from ``{prefix}ALLOW_ORIGINS`` and the other ``{prefix}*`` variables.

    Lists are separated by commas and/or whitespace; booleans are ``true`` or ``false``
    (any case); ``MAX_AGE`` is a whole number of seconds. Every variable that starts with
    the prefix must be an option. Raises `corsguard.PolicyError`.
    """
    return sources.policy_from_env(prefix, environ, policy_type=Policy)


def env_policy_and_problems(
    prefix: str = "CORSGUARD_", environ: Mapping[str, str] | None = None
) -> tuple[Policy | None, list[Problem]]:
    return sources.env_policy_and_problems(prefix, environ, policy_type=Policy)


def policy_from_mapping(mapping: Mapping[str, Any], source: str) -> Policy:
    """A policy from a mapping of Policy options, e.g. Django's ``settings.CORSGUARD``.

    ``source`` names the mapping in error messages ("settings.CORSGUARD"). ``routes`` maps
    path prefixes to mappings (or Policy objects) of their own. Raises `PolicyError`.
    """
    return sources.policy_from_mapping(mapping, source, policy_type=Policy)


def mapping_policy_and_problems(
    mapping: object, source: str, toml: bool, where: str = ""
) -> tuple[Policy | None, list[Problem]]:
    """Validate a mapping of options (``where`` is the route a nested table belongs to)."""
    return sources.mapping_policy_and_problems(mapping, source, toml, where, policy_type=Policy)


def policy_from_file(path: str | os.PathLike[str]) -> Policy:
    """A policy from a TOML file, or from the ``[tool.corsguard]`` table of pyproject.toml.

    A missing or unreadable file raises OSError; a file that is not valid TOML, or whose
    policy is invalid, raises `PolicyError` (with the line and column of a syntax error).
    """
    return sources.policy_from_file(path, policy_type=Policy)


def file_policy_and_problems(path: str | os.PathLike[str]) -> tuple[Policy | None, list[Problem]]:
    return sources.file_policy_and_problems(path, policy_type=Policy)
