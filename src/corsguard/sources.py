"""Policies from outside the code: environment variables, TOML files, framework settings.

The readers themselves; `corsguard.config` binds them to `corsguard.Policy` for callers,
and `Policy.from_env`/`Policy.from_file` call them with their own class, so that the policy
never imports the adapters' module. The only I/O: os.environ when no mapping is given,
and the one bounded read of the file that `from_file` names.

Every source is read strictly: an unknown name is an error with a "did you mean"
suggestion, because a misspelt option would otherwise leave the default in force without
anyone noticing. Every problem names the variable or key and the value found, and all of
them are collected into one `corsguard.PolicyError`.

The option names are the keyword names of `corsguard.Policy`; environment variables are
the same names in uppercase behind a prefix (``CORSGUARD_ALLOW_ORIGINS``).
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from corsguard import foreign
from corsguard.problems import PYTHON, TOML, EnvironmentVariables, PolicyError, Spelling
from corsguard.untrusted import for_terminal

# The policy class the sources build (corsguard.Policy), passed in by the caller so that
# this module never imports corsguard.policy, whose Policy.from_env/from_file use it.
P = TypeVar("P")

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# Option kinds. `on_reject` takes a callable, so it exists only for Python sources.
LIST_OPTIONS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "write_protection_exempt_paths",
    "development_origins",
)
BOOL_OPTIONS = (
    "allow_credentials",
    "allow_private_network",
    "block_cross_origin_writes",
    "block_cross_origin_websockets",
    "tolerate_insecure_origins",
    "tolerate_public_suffix_wildcards",
    "debug",
)
INT_OPTIONS = ("max_age",)
# Accepted only so that Policy can explain why it refuses regexes and what to write instead.
STRING_OPTIONS = ("allow_origin_regex",)
PYTHON_ONLY_OPTIONS = ("on_reject",)
ROUTES = "routes"

SOURCE_OPTIONS = (*LIST_OPTIONS, *BOOL_OPTIONS, *INT_OPTIONS, *STRING_OPTIONS)

# Variables under the default prefix that belong to corsguard's own tooling, not to a policy
# (tests/servers.py reads CORSGUARD_CHROMIUM).
IGNORED_ENV_NAMES = frozenset({"CHROMIUM"})
# The development switch (corsguard.startup.development_mode), read by the adapters whatever
# the prefix; not a policy option.
DEVELOPMENT_SWITCH = "CORSGUARD_ENV"

_ENV_TRUE = "true"
_ENV_FALSE = "false"
_ENV_LIST_SEPARATORS = re.compile(r"[,\s]+")
_ENV_INTEGER = re.compile(r"-?[0-9]+\Z")


@dataclass(frozen=True)
class Problem:
    """One configuration problem.

    ``code`` is "unknown", "type", "missing", "conflict" or "policy".
    """

    code: str
    text: str


class ConfigError(PolicyError):
    """A PolicyError that also keeps each problem's category (for Django's check ids)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.details: list[Problem] = list(problems)
        super().__init__(problem.text for problem in problems)


def did_you_mean(name: str, candidates: list[str] | tuple[str, ...]) -> str:
    """A " did you mean X?" hint (case, hyphens and underscores ignored), or ""."""

    def key(text: str) -> str:
        return text.lower().replace("-", "_")

    by_key = {key(c): c for c in candidates}
    close = difflib.get_close_matches(key(name), list(by_key), n=1, cutoff=0.6)
    return f" did you mean {by_key[close[0]]!r}?" if close else ""


# ---------------------------------------------------------------- environment variables


def policy_from_env(
    prefix: str,
    environ: Mapping[str, str] | None,
    *,
    policy_type: type[P],
    options: Mapping[str, object] | None = None,
) -> P:
    """A policy from ``{prefix}ALLOW_ORIGINS`` and the other ``{prefix}*`` variables.

    Lists are separated by commas and/or whitespace; booleans are ``true`` or ``false``
    (any case); ``MAX_AGE`` is a whole number of seconds. Every variable that starts with
    the prefix must be an option. ``options``: Policy keywords fixed in code; the
    environment supplies the rest, and a variable for an option given in code is an error
    (two sources for one option: which one wins would be a guess). Raises
    `corsguard.PolicyError`.
    """
    policy, problems = env_policy_and_problems(
        prefix, environ, policy_type=policy_type, options=options
    )
    if policy is None:
        raise ConfigError(problems)
    return policy


def env_variable(prefix: str, option: str) -> str:
    return prefix + option.upper()


def env_policy_and_problems(
    prefix: str,
    environ: Mapping[str, str] | None,
    *,
    policy_type: type[P],
    options: Mapping[str, object] | None = None,
) -> tuple[P | None, list[Problem]]:
    if not isinstance(prefix, str) or not prefix:
        raise ValueError("the environment prefix must be a non-empty string, e.g. 'CORSGUARD_'")
    env = os.environ if environ is None else environ
    known = {env_variable(prefix, option): option for option in SOURCE_OPTIONS}
    problems: list[Problem] = []
    code = dict(options or {})
    kwargs: dict[str, Any] = dict(code)
    dropped: set[str] = set()
    # Values under a foreign name (CORSGUARD_ORIGINS), checked under corsguard's name too.
    carried_env: dict[str, object] = {}
    for variable in sorted(env):
        if not variable.startswith(prefix):
            continue
        raw = env[variable]
        option = known.get(variable)
        if option is not None and option in code:
            problems.append(
                Problem(
                    "conflict",
                    f"{variable} is set but {option} is given in code; remove one",
                )
            )
            continue
        if option is None:
            rest = variable[len(prefix) :]
            if rest in IGNORED_ENV_NAMES or variable == DEVELOPMENT_SWITCH:
                continue
            entry = foreign.lookup(rest)
            if entry is None:
                # The name may hold any byte (os.environ decodes them as lone surrogates):
                # shown escaped, so the message can be printed and logged.
                message = _unknown_env(prefix, for_terminal(variable), for_terminal(rest))
                problems.append(Problem("unknown", message))
                continue
            value: object = raw
            target = entry.target
            if entry.kind == "wildcard" and raw.strip().lower() in (_ENV_TRUE, _ENV_FALSE):
                value = raw.strip().lower() == _ENV_TRUE  # a switch for allow_origins=*
            elif entry.kind == "same" and target in SOURCE_OPTIONS:
                parsed, bad = _parse_env_value(variable, target, raw)
                if bad is None:
                    value = parsed
            answer = foreign.foreign_problem(
                entry, value, f"{variable} is not a corsguard setting", "env"
            )
            problems.append(Problem("unknown", answer.render(EnvironmentVariables(prefix))))
            carried = foreign.carried_value(entry, value)
            if carried is not None and target is not None:
                carried_env[target] = carried
            continue
        stripped = raw.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
            # docker --env-file and systemd keep quotes that a shell would have removed.
            problems.append(
                Problem(
                    "type",
                    f"{variable}={raw!r} is wrapped in quotes, which the program receives as part "
                    f"of the value: remove them ({variable}={stripped[1:-1]})",
                )
            )
            dropped.add(option)
            continue
        value, problem = _parse_env_value(variable, option, raw)
        if problem is not None:
            problems.append(Problem("type", problem))
            dropped.add(option)
        else:
            kwargs[option] = value

    for target, carried in carried_env.items():
        if env_variable(prefix, target) not in env:
            kwargs[target] = carried

    origins_variable = env_variable(prefix, "allow_origins")
    if "allow_origins" in code:
        pass  # fixed in code: Policy itself judges it
    elif "allow_origins" in carried_env and origins_variable not in env:
        pass  # reported under its foreign name
    elif origins_variable not in env and kwargs.get("development_origins"):
        pass  # a development-only policy: no cross-origin reads in production
    elif origins_variable not in env:
        problems.append(
            Problem(
                "missing",
                f"{origins_variable} is not set: set it to the origins of your front ends, e.g. "
                f"{origins_variable}=https://app.example.com,https://admin.example.com",
            )
        )
        dropped.add("allow_origins")
    elif not kwargs.get("allow_origins") and "allow_origins" not in dropped:
        problems.append(
            Problem(
                "type",
                f"{origins_variable} is set but empty: list the origins of your front ends, "
                f"e.g. {origins_variable}=https://app.example.com",
            )
        )
        dropped.add("allow_origins")

    return _build(
        kwargs, problems, dropped, EnvironmentVariables(prefix), "", policy_type, frozenset(code)
    )


def _unknown_env(prefix: str, variable: str, rest: str) -> str:
    if rest.lower() == ROUTES:
        return (
            f"{variable}: per-path routes cannot be set from the environment; put them in a "
            "TOML file and load it with Policy.from_file"
        )
    if rest == "ENV":
        return (
            f"{variable} is not a corsguard setting: the development switch is "
            f"{DEVELOPMENT_SWITCH}, whatever the prefix"
        )
    if rest.lower() in PYTHON_ONLY_OPTIONS:
        return f"{variable}: {rest.lower()} takes a Python callable; set it in code"
    candidates = [env_variable(prefix, option) for option in SOURCE_OPTIONS]
    # Compare without the prefix, which every candidate shares.
    close = did_you_mean(rest, [option.upper() for option in SOURCE_OPTIONS])
    hint = close.replace(" did you mean '", f" did you mean '{prefix}")
    listing = "" if hint else f" the variables are: {', '.join(candidates)}"
    return f"{variable} is not a corsguard setting:{hint or listing}"


def _parse_env_value(variable: str, option: str, raw: str) -> tuple[object, str | None]:
    text = raw.strip()
    if option in LIST_OPTIONS:
        return [item for item in _ENV_LIST_SEPARATORS.split(text) if item], None
    if option in BOOL_OPTIONS:
        lowered = text.lower()
        if lowered == _ENV_TRUE:
            return True, None
        if lowered == _ENV_FALSE:
            return False, None
        return None, f"{variable}={raw!r} is not a boolean: write true or false"
    if option in INT_OPTIONS:
        if not _ENV_INTEGER.match(text):
            return None, f"{variable}={raw!r} is not a whole number of seconds: write e.g. 600"
        return int(text), None
    return text, None


# ---------------------------------------------------------------- mappings and TOML files


def policy_from_mapping(mapping: Mapping[str, Any], source: str, *, policy_type: type[P]) -> P:
    """A policy from a mapping of Policy options, e.g. Django's ``settings.CORSGUARD``.

    ``source`` names the mapping in error messages ("settings.CORSGUARD"). ``routes`` maps
    path prefixes to mappings (or Policy objects) of their own. Raises `PolicyError`.
    """
    policy, problems = mapping_policy_and_problems(
        mapping, source, toml=False, policy_type=policy_type
    )
    if policy is None:
        raise ConfigError(problems)
    return policy


def policy_from_file(path: str | os.PathLike[str], *, policy_type: type[P]) -> P:
    """A policy from a TOML file, or from the ``[tool.corsguard]`` table of pyproject.toml.

    A missing or unreadable file raises OSError; a file that is not valid TOML, or whose
    policy is invalid, raises `PolicyError` (with the line and column of a syntax error).
    """
    policy, problems = file_policy_and_problems(path, policy_type=policy_type)
    if policy is None:
        raise ConfigError(problems)
    return policy


# Bounds on a policy file, far above any real policy (benchmarks/ measure 10,000 origins
# built in Python): a hostile or broken file becomes one problem, not a traceback, a
# RecursionError from the parser, or megabytes of error messages.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 16
MAX_ITEMS = 20_000
MAX_STRING = 4096
# A dotted key (a.b.c = 1, [a.b.c]) as deep as MAX_DEPTH or more, bare or quoted parts.
# tomllib walks a dotted key from the document root for every part, so its time grows with
# the square of the depth (20,000 parts: seconds); such keys are refused before parsing.
# Starting only where a bare part starts keeps the search linear on long runs of letters.
_DEEP_DOTTED_KEY = re.compile(
    r"""(?<![A-Za-z0-9_-])(?:(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')[ \t]*\.[ \t]*)"""
    + f"{{{MAX_DEPTH}}}"
)


def load_toml_table(
    path: str | os.PathLike[str],
) -> tuple[Mapping[str, Any] | None, Problem | None]:
    """The policy table of a TOML file, or a problem. Raises OSError if it cannot be read."""
    name = os.fspath(path)
    with open(name, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return None, Problem(
            "syntax",
            f"{name}: larger than {MAX_FILE_BYTES // 1024} KiB, far more than a CORS "
            "policy needs: check that this is the right file",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, Problem("syntax", f"{name}: not UTF-8 text (byte {exc.start}); TOML is UTF-8")
    if text.startswith("\ufeff"):
        # Windows editors save "UTF-8 with BOM"; TOML 1.0 has no byte order mark, and
        # tomllib's own error ("Invalid statement" at line 1, column 1) does not say why.
        return None, Problem(
            "syntax",
            f"{name}: starts with a byte order mark (U+FEFF), which TOML does not allow: "
            "save the file as UTF-8 without BOM",
        )
    deep = _DEEP_DOTTED_KEY.search(text)
    if deep is not None:
        line = text.count("\n", 0, deep.start()) + 1
        return None, Problem(
            "syntax",
            f"{name}: line {line}: a dotted name with more than {MAX_DEPTH} parts, deeper than "
            "any policy nests (routes, then a route's table, then its arrays)",
        )
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, Problem("syntax", f"{name}: invalid TOML: {_toml_error(exc, text)}")
    except RecursionError:
        # tomllib (and tomli) parse nested arrays and inline tables by recursion, so a
        # few thousand '[' exhaust the interpreter's stack before any size check can run.
        return None, Problem(
            "syntax",
            f"{name}: arrays or inline tables nested too deeply to parse; a policy nests "
            "at most a few levels (routes, then a route's table, then its arrays)",
        )
    if os.path.basename(name) == "pyproject.toml":
        tool = document.get("tool")
        table = tool.get("corsguard") if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            return None, Problem(
                "missing",
                f"{name} has no [tool.corsguard] table: add one with at least "
                'allow_origins = ["https://app.example.com"]',
            )
        document = table
    bound = _out_of_bounds(document)
    if bound is not None:
        return None, Problem("syntax", f"{name}: {bound}")
    return document, None


def _out_of_bounds(document: Mapping[str, Any]) -> str | None:
    """Why a parsed policy table is too deep or too large to be a policy, or None.

    Walked with an explicit stack, since a dotted key such as a.a.a... (20,000 labels)
    parses into a table nested that deep, and recursion (or even repr) would overflow.
    """
    stack: list[tuple[object, str, int]] = [(document, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        at = f" (at {for_terminal(where[:80])})" if where else ""
        if depth > MAX_DEPTH:
            return f"tables or arrays nested more than {MAX_DEPTH} levels deep{at}"
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                return f"a string of {len(value)} characters{at}; the limit is {MAX_STRING}"
        elif isinstance(value, dict):
            if len(value) > MAX_ITEMS:
                return f"a table with {len(value)} keys{at}; the limit is {MAX_ITEMS}"
            for key, item in value.items():
                if len(key) > MAX_STRING:
                    return f"a key of {len(key)} characters{at}; the limit is {MAX_STRING}"
                stack.append((item, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(value, list):
            if len(value) > MAX_ITEMS:
                return f"an array of {len(value)} items{at}; the limit is {MAX_ITEMS}"
            stack.extend((item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value))
    return None


def _toml_error(exc: Exception, text: str) -> str:
    message = str(exc)
    lineno = getattr(exc, "lineno", None)
    colno = getattr(exc, "colno", None)
    if isinstance(lineno, int) and isinstance(colno, int) and "line" not in message:
        message += f" (at line {lineno}, column {colno})"
    match = re.search(r"line (\d+)", message)
    if match:
        lines = text.splitlines()
        number = int(match.group(1))
        if 1 <= number <= len(lines):
            message += f": {lines[number - 1].strip()[:80]!r}"
    return message


def file_policy_and_problems(
    path: str | os.PathLike[str], *, policy_type: type[P]
) -> tuple[P | None, list[Problem]]:
    table, problem = load_toml_table(path)
    if table is None:
        assert problem is not None
        return None, [problem]
    source = os.fspath(path)
    if os.path.basename(source) == "pyproject.toml":
        source += " [tool.corsguard]"
    return mapping_policy_and_problems(table, source, toml=True, policy_type=policy_type)


_TOML_TYPES = {
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
    list: "an array",
    dict: "a table",
}


def _type_name(value: object, toml: bool) -> str:
    if toml:
        for kind, name in _TOML_TYPES.items():
            if isinstance(value, kind):
                return name
        return f"a {type(value).__name__}"  # datetime, date, time
    return f"a {type(value).__name__}"


def mapping_policy_and_problems(
    mapping: object, source: str, toml: bool, where: str = "", *, policy_type: type[P]
) -> tuple[P | None, list[Problem]]:
    """Validate a mapping of options (``where`` is the route a nested table belongs to)."""
    if isinstance(mapping, policy_type):
        return mapping, []
    if not isinstance(mapping, Mapping):
        expected = "a table" if toml else "a dict of Policy options (or a corsguard.Policy)"
        return None, [
            Problem(
                "type",
                f"{source}: {where.rstrip('.') or 'the policy'} must be {expected}, "
                f"not {_type_name(mapping, toml)}",
            )
        ]
    problems: list[Problem] = []
    kwargs: dict[str, Any] = {}
    dropped: set[str] = set()
    # A settings dict takes Policy's own keyword names and Python values, so its problems
    # keep the Python spelling (problems.SETTINGS_DICT would write 'name': value instead).
    spelling = TOML if toml else PYTHON
    carried_kwargs: dict[str, Any] = {}
    allowed = list(SOURCE_OPTIONS) + ([] if where else [ROUTES])
    if not toml:
        allowed += list(PYTHON_ONLY_OPTIONS)

    def say(code: str, text: str) -> None:
        problems.append(Problem(code, f"{source}: {where}{text}"))

    for key, value in mapping.items():
        if not isinstance(key, str):
            say("unknown", f"{key!r} is not an option name (a string)")
            continue
        if key not in allowed:
            if key == ROUTES:
                say("unknown", "routes: a route cannot have routes of its own")
            elif key in PYTHON_ONLY_OPTIONS:
                say("unknown", f"{key}: takes a Python callable, which TOML cannot express")
            elif (entry := foreign.lookup(key)) is not None:
                answer = foreign.foreign_problem(
                    entry, value, f"unknown option {key!r}", "toml" if toml else "settings"
                )
                say("unknown", answer.render(spelling))
                # Checked under corsguard's name too, so that one error says everything.
                carried = foreign.carried_value(entry, value)
                target = entry.target
                if carried is not None and target is not None and target not in mapping:
                    carried_kwargs.setdefault(target, carried)
            else:
                hint = did_you_mean(key, allowed) or f" the options are: {', '.join(allowed)}"
                say("unknown", f"unknown option {key!r}:{hint}")
            continue
        problem = _check_type(key, value, toml)
        if problem is not None:
            say("type", problem)
            dropped.add(key)
            continue
        if key == ROUTES:
            routes, route_problems = _routes(value, source, toml, policy_type)
            problems.extend(route_problems)
            if route_problems:
                dropped.add(key)
            else:
                kwargs[key] = routes
            continue
        kwargs[key] = list(value) if key in LIST_OPTIONS else value

    for target, carried in carried_kwargs.items():
        if target not in dropped and target not in kwargs:
            kwargs[target] = carried

    if (
        "allow_origins" not in mapping
        and "allow_origin_regex" not in mapping
        and "allow_origins" not in carried_kwargs
        and "development_origins" not in mapping
    ):
        example = (
            'allow_origins = ["https://app.example.com"]'
            if toml
            else "'allow_origins': ['https://app.example.com']"
        )
        say(
            "missing",
            f"allow_origins is missing: list the origins of your front ends, e.g. {example}",
        )
        dropped.add("allow_origins")

    return _build(kwargs, problems, dropped, spelling, f"{source}: {where}", policy_type)


def _check_type(key: str, value: object, toml: bool) -> str | None:
    found = f"{_type_name(value, toml)} ({_short(value)})"
    if key in LIST_OPTIONS:
        array = "an array of strings" if toml else "a list of strings"
        if isinstance(value, str):
            example = f'{key} = ["{value}"]' if toml else f"{key!r}: [{value!r}]"
            return f"{key} must be {array}, not a single string: write {example}"
        if not isinstance(value, (list, tuple)):
            return f"{key} must be {array}, found {found}"
        for item in value:
            if not isinstance(item, str):
                return f"{key} must be {array}, found {_type_name(item, toml)} ({_short(item)})"
        return None
    if key in BOOL_OPTIONS:
        if not isinstance(value, bool):
            spelling = "true or false" if toml else "True or False"
            hint = " (quotes make it a string)" if toml and isinstance(value, str) else ""
            return f"{key} must be {spelling}, found {found}{hint}"
        return None
    if key in INT_OPTIONS:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{key} must be a whole number of seconds (an integer), found {found}"
        return None
    if key in STRING_OPTIONS:
        if not isinstance(value, str):
            return f"{key} must be a string, found {found}"
        return None
    if key in PYTHON_ONLY_OPTIONS:
        if not callable(value):
            return f"{key} must be a callable taking a corsguard.Decision, found {found}"
        return None
    if key == ROUTES and not isinstance(value, Mapping):
        kind = 'a table of tables (e.g. [routes."/public"])' if toml else "a dict"
        return f"routes must be {kind} mapping path prefixes to policies, found {found}"
    return None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _routes(
    value: Mapping[Any, Any], source: str, toml: bool, policy_type: type[P]
) -> tuple[dict[str, P], list[Problem]]:
    routes: dict[str, P] = {}
    problems: list[Problem] = []
    for prefix, table in value.items():
        where = f'routes."{prefix}".' if toml else f"routes[{prefix!r}]."
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            problems.append(
                Problem("type", f"{source}: {where.rstrip('.')}: a route must be a path "
                        "starting with '/', e.g. \"/public\"")
            )  # fmt: skip
            continue
        policy, sub_problems = mapping_policy_and_problems(
            table, source, toml, where, policy_type=policy_type
        )
        problems.extend(sub_problems)
        if policy is not None:
            routes[prefix] = policy
    return routes, problems


def _build(
    kwargs: dict[str, Any],
    problems: list[Problem],
    dropped: set[str],
    spelling: Spelling,
    lead: str,
    policy_type: type[P],
    in_code: frozenset[str] = frozenset(),
) -> tuple[P | None, list[Problem]]:
    """Build the policy; add its own problems, except those about options already reported.

    When an option was dropped for a type error the Policy would complain that it is
    missing or empty; that complaint would only repeat the first one.
    """
    if "allow_origins" in dropped and "allow_origins" not in kwargs:
        # Stand-in so that the rest of the policy is still validated.
        kwargs = {**kwargs, "allow_origins": ["https://placeholder.invalid"]}
    try:
        policy = cast(Callable[..., P], policy_type)(**kwargs)
    except PolicyError as exc:
        for problem in exc.structured:
            if problem.option in dropped:
                continue
            # An option given in code is named as the keyword it was given as.
            said = PYTHON if problem.option in in_code else spelling
            problems.append(Problem("policy", lead + problem.render(said)))
        return None, problems
    if problems:
        return None, problems
    return policy, []
