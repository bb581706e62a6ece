"""Other libraries' option names at every entry point, answered with corsguard's (issue #14).

One table of foreign spellings (flask-cors, Starlette, django-cors-headers, aiohttp-cors,
Express cors) crossed with every place a policy is written: Policy keywords, both
middlewares, the Flask extension (keywords, init_app, blueprint policies, app.config),
environment variables and TOML files (plain and pyproject.toml). Django's settings are in
tests/enforce/test_django.py, where Django is configured. Each answer must name the
corsguard option in the source's own spelling and show what to write.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask

from corsguard import Policy, PolicyError
from corsguard.asgi import CORSMiddleware as ASGIMiddleware
from corsguard.flask import CORSGuard
from corsguard.foreign import FOREIGN, looks_like_regex
from corsguard.problems import PYTHON, SETTINGS_DICT, TOML, EnvironmentVariables, Spelling
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware

APP = "https://app.example.com"
ENV = EnvironmentVariables("CORSGUARD_")

# name, value, the value as an environment variable, the corsguard option to write, the
# value to write under it (None: no single setting), a fragment every answer holds.
CASES: list[tuple[str, object, str, str | None, object, str]] = [
    ("origins", [APP], APP, "allow_origins", [APP], "flask-cors spells it origins"),
    ("supports_credentials", True, "true", "allow_credentials", True, "flask-cors"),
    ("methods", ["GET", "DELETE"], "GET,DELETE", "allow_methods", ["GET", "DELETE"], "flask-cors"),
    ("resources", {"/api/*": {"origins": APP}}, "/api/*", "routes", None,
     "routes maps plain path prefixes"),
    ("send_wildcard", True, "true", "allow_origins", ["*"], "for a public API without credentials"),
    ("vary_header", True, "true", None, None, "sends Vary: Origin whenever"),
    ("automatic_options", True, "true", None, None, "answers preflights itself"),
    ("intercept_exceptions", True, "true", None, None, "reach error responses too"),
    ("allow_origin_regexes", [r"^https://app\.example\.com$"], r"^https://app\.example\.com$",
     "allow_origins", [APP], "corsguard takes no regular expressions"),
    ("CORS_ALLOWED_ORIGINS", [APP], APP, "allow_origins", [APP], "django-cors-headers"),
    ("CORS_ALLOW_ALL_ORIGINS", True, "true", "allow_origins", ["*"], "django-cors-headers"),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^https://(app|admin)\.example\.com$"],
     r"^https://(app|admin)\.example\.com$", "allow_origins",
     [APP, "https://admin.example.com"], "corsguard takes no regular expressions"),
    ("CORS_ALLOW_CREDENTIALS", True, "true", "allow_credentials", True, "django-cors-headers"),
    ("CORS_URLS_REGEX", r"^/api/.*$", r"^/api/.*$", "routes", None, "routes maps plain"),
    ("CORS_PREFLIGHT_MAX_AGE", 600, "600", "max_age", 600, "django-cors-headers"),
    ("CORS_ORIGINS", [APP], APP, "allow_origins", [APP], "flask-cors spells it CORS_ORIGINS"),
    ("CORS_SUPPORTS_CREDENTIALS", True, "true", "allow_credentials", True, "flask-cors"),
    ("CORS_HEADERS", "Content-Type", "Content-Type", "allow_headers", ["Content-Type"],
     "never read this key either"),
    ("defaults", {APP: {}}, APP, "allow_origins", [APP], "aiohttp-cors"),
    ("credentials", True, "true", "allow_credentials", True, "Express cors"),
    ("maxAge", 600, "600", "max_age", 600, "Express cors"),
]  # fmt: skip
IDS = [case[0] for case in CASES]


def _kwargs(name: str, value: object, target: str | None) -> dict[str, Any]:
    """The foreign option, beside allow_origins unless it stands for the origins."""
    base: dict[str, Any] = {} if target == "allow_origins" else {"allow_origins": [APP]}
    return {**base, name: value}


def _check(text: str, spelling: Spelling, target: str | None, write: object, fragment: str) -> None:
    assert fragment in text
    if target is not None:
        assert f"did you mean '{spelling.name(target)}'?" in text
    if write is not None:
        assert target is not None
        assert spelling.setting(target, write, False) in text


def _error(build: Callable[[], object]) -> str:
    with pytest.raises(PolicyError) as info:
        build()
    return str(info.value)


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None:  # never called
    raise AssertionError


def _wsgi_app(environ: Any, start_response: Any) -> Any:  # never called
    raise AssertionError


def test_every_table_entry_is_tested() -> None:
    names = {name.lower() for name, *_ in CASES}
    libraries = {entry.library for entry in FOREIGN.values()}
    tested = {FOREIGN[name].library for name in names}
    assert tested == libraries


PYTHON_ENTRY_POINTS: dict[str, Callable[[dict[str, Any]], object]] = {
    "Policy": lambda kw: Policy(**kw),
    "asgi.CORSMiddleware": lambda kw: ASGIMiddleware(_asgi_app, **kw),
    "wsgi.CORSMiddleware": lambda kw: WSGIMiddleware(_wsgi_app, **kw),
}


@pytest.mark.parametrize("entry_point", list(PYTHON_ENTRY_POINTS))
@pytest.mark.parametrize(("name", "value", "env", "target", "write", "fragment"), CASES, ids=IDS)
def test_python_keywords(
    entry_point: str,
    name: str,
    value: object,
    env: str,
    target: str | None,
    write: object,
    fragment: str,
) -> None:
    text = _error(lambda: PYTHON_ENTRY_POINTS[entry_point](_kwargs(name, value, target)))
    assert f"unknown option {name!r}" in text
    _check(text, PYTHON, target, write, fragment)


@pytest.mark.parametrize("middleware", [ASGIMiddleware, WSGIMiddleware])
def test_middleware_policy_beside_foreign_keyword(middleware: Any) -> None:
    """policy=Policy(...) plus origins=: the foreign name is answered, not a TypeError."""
    text = _error(lambda: middleware(_asgi_app, policy=Policy(allow_origins=[APP]), origins=[APP]))
    _check(text, PYTHON, "allow_origins", [APP], "flask-cors")


FLASK_KEYWORDS: dict[str, Callable[[dict[str, Any]], object]] = {
    "CORSGuard(app, ...)": lambda kw: CORSGuard(Flask("t"), **kw),
    "CORSGuard(...)": lambda kw: CORSGuard(**kw),
    "init_app(app, ...)": lambda kw: CORSGuard().init_app(Flask("t"), **kw),
}


@pytest.mark.parametrize("entry_point", list(FLASK_KEYWORDS))
@pytest.mark.parametrize(("name", "value", "env", "target", "write", "fragment"), CASES, ids=IDS)
def test_flask_keywords(
    entry_point: str,
    name: str,
    value: object,
    env: str,
    target: str | None,
    write: object,
    fragment: str,
) -> None:
    # flask-cors' CORS(app, origins=...) written as CORSGuard(app, origins=...)
    text = _error(lambda: FLASK_KEYWORDS[entry_point]({name: value}))
    assert f"unknown keyword {name!r}" in text
    _check(text, PYTHON, target, write, fragment)
    assert "app.config['CORSGUARD'] or policy=corsguard.Policy(...)" in text


@pytest.mark.parametrize(("name", "value", "env", "target", "write", "fragment"), CASES, ids=IDS)
def test_flask_settings(
    name: str, value: object, env: str, target: str | None, write: object, fragment: str
) -> None:
    """app.config['CORSGUARD'], app.config['CORSGUARD_BLUEPRINTS'] and blueprint_policy()."""
    app = Flask("t")
    app.config["CORSGUARD"] = _kwargs(name, value, target)
    text = _error(lambda: CORSGuard(app))
    assert f"app.config['CORSGUARD']: unknown option {name!r}" in text
    _check(text, PYTHON, target, write, fragment)

    app = Flask("t")
    app.config["CORSGUARD_BLUEPRINTS"] = {"api": _kwargs(name, value, target)}
    text = _error(lambda: CORSGuard(app))
    assert f"app.config['CORSGUARD_BLUEPRINTS']['api']: unknown option {name!r}" in text
    _check(text, PYTHON, target, write, fragment)

    guard = CORSGuard()
    text = _error(lambda: guard.blueprint_policy(Blueprint("api", __name__), {name: value}))
    assert f"blueprint_policy('api'): unknown option {name!r}" in text
    _check(text, PYTHON, target, write, fragment)


FLASK_CORS_CONFIG = [case for case in CASES if case[0].startswith("CORS_")]


@pytest.mark.parametrize(
    ("name", "value", "env", "target", "write", "fragment"),
    FLASK_CORS_CONFIG,
    ids=[case[0] for case in FLASK_CORS_CONFIG],
)
def test_flask_cors_config_keys(
    name: str,
    value: object,
    env: str,
    target: str | None,
    write: object,
    fragment: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """flask-cors reads app.config['CORS_ORIGINS']...: without a corsguard policy, an error
    saying what to write in app.config['CORSGUARD']; beside one, a start-up warning."""
    app = Flask("t")
    app.config[name] = value
    text = _error(lambda: CORSGuard(app))
    assert "no CORS policy" in text
    assert f"app.config[{name!r}] is not read by corsguard" in text
    _check(text, SETTINGS_DICT, target, write, fragment)

    app.config["CORSGUARD"] = {"allow_origins": [APP]}
    with caplog.at_level("WARNING", logger="corsguard"):
        CORSGuard(app)
    warned = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert f"app.config[{name!r}] is not read by corsguard" in warned


@pytest.mark.parametrize(("name", "value", "env", "target", "write", "fragment"), CASES, ids=IDS)
def test_environment(
    name: str, value: object, env: str, target: str | None, write: object, fragment: str
) -> None:
    variable = "CORSGUARD_" + name.upper()
    environ = {variable: env}
    if target != "allow_origins":
        environ["CORSGUARD_ALLOW_ORIGINS"] = APP
    text = _error(lambda: Policy.from_env(environ=environ))
    assert f"{variable} is not a corsguard setting" in text
    if target == "routes":
        assert "routes cannot be set from the environment" in text
    # A defaults mapping has no environment form; the rest are written back as variables.
    write = None if name == "defaults" else write
    _check(text, ENV, target, write, fragment if target != "routes" else "routes maps")
    if target == "allow_origins" and name != "defaults" and not looks_like_regex(env):
        # The value was read under its foreign name only: no "ALLOW_ORIGINS is not set" too.
        assert "CORSGUARD_ALLOW_ORIGINS is not set" not in text


def _toml(table: dict[str, Any]) -> str:
    """A small TOML writer for the table's values (scalars, string arrays, tables of tables)."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in table.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                tables.append(f"[{key}.{json.dumps(sub)}]")
                tables.extend(f"{k} = {json.dumps(v)}" for k, v in inner.items())
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join([*lines, *tables]) + "\n"


@pytest.mark.parametrize("pyproject", [False, True], ids=["cors.toml", "pyproject.toml"])
@pytest.mark.parametrize(("name", "value", "env", "target", "write", "fragment"), CASES, ids=IDS)
def test_toml(
    tmp_path: Path,
    pyproject: bool,
    name: str,
    value: object,
    env: str,
    target: str | None,
    write: object,
    fragment: str,
) -> None:
    body = _toml(_kwargs(name, value, target))
    if pyproject:
        path = tmp_path / "pyproject.toml"
        # Keys of [tool.corsguard] and its subtables, written under that table.
        body = re.sub(r"^\[", "[tool.corsguard.", body, flags=re.MULTILINE)
        path.write_text("[tool.corsguard]\n" + body)
    else:
        path = tmp_path / "cors.toml"
        path.write_text(body)
    text = _error(lambda: Policy.from_file(path))
    assert f"unknown option {name!r}" in text
    _check(text, TOML, target, write, fragment)
    if target == "routes":
        assert '[routes."/api"]' in text


def test_answers_in_python_spelling() -> None:
    """The issue's examples, word for word."""
    text = _error(lambda: CORSGuard(Flask("t"), origins=[APP], supports_credentials=True))
    assert (
        "CORSGuard(): unknown keyword 'origins': did you mean 'allow_origins'? "
        "(flask-cors spells it origins): write allow_origins=['https://app.example.com']"
    ) in text
    assert "write allow_credentials=True" in text
    text = _error(lambda: Policy(allow_origins=[APP], resources={r"/api/*": {"origins": "*"}}))
    assert "did you mean 'routes'?" in text
    assert "write routes={'/api': Policy(allow_origins=[...])}" in text


def test_foreign_regexes_among_origins_are_translated() -> None:
    """origins=[regex] (flask-cors takes regexes there): the list to write has the patterns,
    and the regex itself is answered under allow_origins, in the same error."""
    text = _error(lambda: Policy(origins=[r"^https://(app|admin)\.example\.com$"]))
    assert "write allow_origins=['https://app.example.com', 'https://admin.example.com']" in text
    assert "is a regular expression, not an origin" in text


def test_carried_value_adds_the_policy_problems() -> None:
    """supports_credentials=True with send_wildcard=True: renamed, and the pair is refused."""
    text = _error(lambda: Policy(send_wildcard=True, supports_credentials=True))
    assert "browsers refuse '*' with credentials" in text
    assert "allow_origins is empty" not in text


def test_near_misses_keep_did_you_mean() -> None:
    """Names not in the table still get the nearest corsguard option (or the list)."""
    assert "did you mean 'allow_origins'?" in _error(lambda: Policy(allow_origin=[APP]))
    assert "did you mean 'policy'?" in _error(lambda: CORSGuard(Flask("t"), polcy=None))
    text = _error(lambda: CORSGuard(Flask("t"), allow_origins=[APP]))
    assert "pass policy=Policy(allow_origins=...)" in text
