"""corsguard.config: policies from environment variables, TOML files and mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corsguard import Policy, PolicyError, decide
from corsguard.config import (
    BOOL_OPTIONS,
    LIST_OPTIONS,
    OPTIONS,
    SOURCE_OPTIONS,
    policy_from_env,
    policy_from_file,
    policy_from_mapping,
)

APP = "https://app.example.com"


def problems_of(call: Any) -> list[str]:
    with pytest.raises(PolicyError) as info:
        call()
    return info.value.problems


def test_source_options_are_policy_options() -> None:
    # Every option a file or variable can set is a Policy keyword, and every Policy
    # keyword but the Python-only ones can be set from a file.
    assert set(SOURCE_OPTIONS) <= set(OPTIONS)
    assert set(OPTIONS) - set(SOURCE_OPTIONS) == {"routes", "on_reject"}


# ------------------------------------------------------------------ environment


ENV_VALUES = [
    ("comma list", {"ALLOW_ORIGINS": "https://a.example.com,https://b.example.com"},
     "allow_origins", ("https://a.example.com", "https://b.example.com")),
    ("spaces and newlines", {"ALLOW_ORIGINS": " https://a.example.com \n\thttps://b.example.com "},
     "allow_origins", ("https://a.example.com", "https://b.example.com")),
    ("comma and space", {"ALLOW_ORIGINS": "https://a.example.com, https://b.example.com,"},
     "allow_origins", ("https://a.example.com", "https://b.example.com")),
    ("methods", {"ALLOW_METHODS": "get, PUT  patch"}, "allow_methods", ("GET", "PUT", "patch")),
    ("headers", {"ALLOW_HEADERS": "X-Token,Authorization"}, "allow_headers",
     ("authorization", "x-token")),
    ("expose", {"EXPOSE_HEADERS": "X-Request-Id"}, "expose_headers", ("X-Request-Id",)),
    ("exempt paths", {"WRITE_PROTECTION_EXEMPT_PATHS": "/webhooks /hooks/"},
     "write_protection_exempt_paths", ("/webhooks", "/hooks")),
    ("true", {"ALLOW_CREDENTIALS": "true"}, "allow_credentials", True),
    ("True", {"ALLOW_CREDENTIALS": "True"}, "allow_credentials", True),
    ("TRUE padded", {"ALLOW_CREDENTIALS": " TRUE\n"}, "allow_credentials", True),
    ("false", {"ALLOW_CREDENTIALS": "false"}, "allow_credentials", False),
    ("max age", {"MAX_AGE": "7200"}, "max_age", 7200),
    ("max age zero", {"MAX_AGE": " 0 "}, "max_age", 0),
    ("private network", {"ALLOW_PRIVATE_NETWORK": "true"}, "allow_private_network", True),
    ("writes", {"BLOCK_CROSS_ORIGIN_WRITES": "false"}, "block_cross_origin_writes", False),
    ("websockets", {"BLOCK_CROSS_ORIGIN_WEBSOCKETS": "FALSE"}, "block_cross_origin_websockets",
     False),
    ("debug", {"DEBUG": "true"}, "debug", True),
    ("development origins", {"DEVELOPMENT_ORIGINS": "http://localhost:* http://127.0.0.1:3000"},
     "development_origins", ("http://localhost:*", "http://127.0.0.1:3000")),
    ("tolerate insecure", {"ALLOW_ORIGINS": "http://a.example.com", "ALLOW_CREDENTIALS": "true",
                           "TOLERATE_INSECURE_ORIGINS": "true"}, "tolerate_insecure_origins", True),
    ("tolerate psl", {"ALLOW_ORIGINS": "https://*-myteam.vercel.app", "ALLOW_CREDENTIALS": "true",
                      "TOLERATE_PUBLIC_SUFFIX_WILDCARDS": "true"},
     "tolerate_public_suffix_wildcards", True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("variables", "attribute", "expected"),
    [c[1:] for c in ENV_VALUES],
    ids=[c[0] for c in ENV_VALUES],
)
def test_env_values(variables: dict[str, str], attribute: str, expected: object) -> None:
    environ = {"CORSGUARD_ALLOW_ORIGINS": APP}
    environ.update({f"CORSGUARD_{name}": value for name, value in variables.items()})
    policy = policy_from_env(environ=environ)
    value = getattr(policy, attribute)
    assert (tuple(sorted(value)) if isinstance(value, tuple) else value) == (
        tuple(sorted(expected)) if isinstance(expected, tuple) else expected
    )


def test_every_env_option_is_covered() -> None:
    covered = {attribute for _name, _vars, attribute, _expected in ENV_VALUES}
    assert covered >= set(LIST_OPTIONS) | set(BOOL_OPTIONS) | {"max_age"}


ENV_ERRORS = [
    ("unset", {}, ["CORSGUARD_ALLOW_ORIGINS is not set", "CORSGUARD_ALLOW_ORIGINS=https://"]),
    ("empty", {"CORSGUARD_ALLOW_ORIGINS": " , "}, ["CORSGUARD_ALLOW_ORIGINS is set but empty"]),
    ("yes", {"CORSGUARD_ALLOW_CREDENTIALS": "yes"},
     ["CORSGUARD_ALLOW_CREDENTIALS='yes' is not a boolean: write true or false"]),
    ("1", {"CORSGUARD_DEBUG": "1"}, ["CORSGUARD_DEBUG='1' is not a boolean"]),
    ("empty boolean", {"CORSGUARD_ALLOW_PRIVATE_NETWORK": ""},
     ["CORSGUARD_ALLOW_PRIVATE_NETWORK='' is not a boolean"]),
    ("on", {"CORSGUARD_BLOCK_CROSS_ORIGIN_WRITES": "off"},
     ["CORSGUARD_BLOCK_CROSS_ORIGIN_WRITES='off' is not a boolean"]),
    ("max age unit", {"CORSGUARD_MAX_AGE": "10m"},
     ["CORSGUARD_MAX_AGE='10m' is not a whole number of seconds"]),
    ("max age float", {"CORSGUARD_MAX_AGE": "1.5"}, ["CORSGUARD_MAX_AGE='1.5'"]),
    ("max age range", {"CORSGUARD_MAX_AGE": "100000"}, ["CORSGUARD_MAX_AGE=100000 is outside"]),
    ("max age negative", {"CORSGUARD_MAX_AGE": "-1"}, ["CORSGUARD_MAX_AGE=-1 is outside"]),
    ("misspelt", {"CORSGUARD_ALLOW_ORIGIN": APP},
     ["CORSGUARD_ALLOW_ORIGIN is not a corsguard setting: did you mean "
      "'CORSGUARD_ALLOW_ORIGINS'?"]),
    ("framework name", {"CORSGUARD_ALLOWED_ORIGINS": APP},
     ["did you mean 'CORSGUARD_ALLOW_ORIGINS'?"]),
    ("lowercase", {"CORSGUARD_max_age": "5"}, ["did you mean 'CORSGUARD_MAX_AGE'?"]),
    ("no close name", {"CORSGUARD_FOO": "1"},
     ["CORSGUARD_FOO is not a corsguard setting: the variables are: CORSGUARD_ALLOW_ORIGINS"]),
    ("routes", {"CORSGUARD_ROUTES": "/x"}, ["CORSGUARD_ROUTES: per-path routes cannot be set"]),
    ("on_reject", {"CORSGUARD_ON_REJECT": "x"}, ["CORSGUARD_ON_REJECT: on_reject takes a Python"]),
    ("policy problem", {"CORSGUARD_ALLOW_ORIGINS": "http://a.example.com",
                        "CORSGUARD_ALLOW_CREDENTIALS": "true"},
     ["CORSGUARD_ALLOW_ORIGINS: http://a.example.com is plain http",
      "or set CORSGUARD_TOLERATE_INSECURE_ORIGINS=true"]),
    ("null", {"CORSGUARD_ALLOW_ORIGINS": "null"}, ["CORSGUARD_ALLOW_ORIGINS: 'null'"]),
    ("star with credentials", {"CORSGUARD_ALLOW_ORIGINS": "*", "CORSGUARD_ALLOW_CREDENTIALS":
                               "true"},
     ["CORSGUARD_ALLOW_ORIGINS='*' with CORSGUARD_ALLOW_CREDENTIALS=true:"]),
    ("regex", {"CORSGUARD_ALLOW_ORIGIN_REGEX": r"https://.*\.example\.com"},
     ["CORSGUARD_ALLOW_ORIGIN_REGEX=", "'https://*.example.com'"]),
    ("bad method", {"CORSGUARD_ALLOW_METHODS": "GET TRACE"},
     ["CORSGUARD_ALLOW_METHODS: TRACE is a forbidden method"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("environ", "expected"), [c[1:] for c in ENV_ERRORS], ids=[c[0] for c in ENV_ERRORS]
)
def test_env_errors(environ: dict[str, str], expected: list[str]) -> None:
    if environ and "CORSGUARD_ALLOW_ORIGINS" not in environ:
        environ = {"CORSGUARD_ALLOW_ORIGINS": APP, **environ}
    problems = problems_of(lambda: policy_from_env(environ=environ))
    text = "\n".join(problems)
    for fragment in expected:
        assert fragment in text
    # Every problem names the variable it is about.
    assert all("CORSGUARD_" in problem for problem in problems)


def test_env_collects_every_problem() -> None:
    environ = {
        "CORSGUARD_ALLOW_ORIGINS": "https://a.example.com/",
        "CORSGUARD_ALLOW_CREDENTIALS": "maybe",
        "CORSGUARD_MAX_AGE": "ten",
        "CORSGUARD_EXPOSE_HEADER": "X-Id",
    }
    problems = problems_of(lambda: policy_from_env(environ=environ))
    assert len(problems) == 4
    for name in environ:
        assert any(problem.startswith(name) for problem in problems)


def test_env_prefix_and_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORSGUARD_ALLOW_ORIGINS", "https://default.example.com")
    monkeypatch.setenv("SHOP_CORS_ALLOW_ORIGINS", "https://shop.example.com")
    monkeypatch.setenv("SHOP_CORS_MAX_AGE", "60")
    monkeypatch.setenv("CORSGUARD_CHROMIUM", "/usr/bin/chromium")  # test tooling, ignored
    assert Policy.from_env().allow_origins == ("https://default.example.com",)
    shop = Policy.from_env(prefix="SHOP_CORS_")
    assert shop.allow_origins == ("https://shop.example.com",) and shop.max_age == 60
    monkeypatch.setenv("SHOP_CORS_ORIGINS", "https://x.example.com")
    problems = problems_of(lambda: Policy.from_env(prefix="SHOP_CORS_"))
    assert problems == [
        "SHOP_CORS_ORIGINS is not a corsguard setting: did you mean 'SHOP_CORS_ALLOW_ORIGINS'? "
        "(flask-cors spells it origins): write SHOP_CORS_ALLOW_ORIGINS='https://x.example.com'"
    ]
    with pytest.raises(ValueError, match="non-empty"):
        Policy.from_env(prefix="")


def test_misspelt_option_never_leaves_the_default() -> None:
    # For every option: drop one letter of the name and the policy must be refused.
    for option in SOURCE_OPTIONS:
        if option == "allow_origins":
            continue
        typo = option[:3] + option[4:]
        with pytest.raises(PolicyError) as info:
            policy_from_env(
                environ={"CORSGUARD_ALLOW_ORIGINS": APP, f"CORSGUARD_{typo.upper()}": ""}
            )
        assert f"did you mean 'CORSGUARD_{option.upper()}'" in str(info.value)
        with pytest.raises(PolicyError) as info:
            policy_from_mapping({"allow_origins": [APP], typo: None}, "settings")
        assert f"did you mean {option!r}" in str(info.value)


# ------------------------------------------------------------------ files


def test_file_with_routes(tmp_path: Path) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(
        'allow_origins = ["https://app.example.com"]\n'
        "allow_credentials = true\n"
        'allow_methods = ["GET", "PUT"]\n'
        "\n"
        '[routes."/public"]\n'
        'allow_origins = ["*"]\n'
        '[routes."/partner/api/"]\n'
        'allow_origins = ["https://partner.example.org"]\n',
        encoding="utf-8",
    )
    policy = Policy.from_file(path)
    assert policy.allow_credentials and policy.allow_methods == ("GET", "PUT")
    assert set(policy.routes) == {"/public", "/partner/api"}
    # Route tables are complete policies: nothing is inherited from the top level.
    assert policy.routes["/partner/api"].allow_credentials is False

    def acao(path_: str, origin: str) -> bytes | None:
        decision = decide(policy, "GET", path_, [(b"origin", origin.encode())])
        return dict(decision.headers).get(b"access-control-allow-origin")

    assert acao("/public/x", "https://evil.attacker.test") == b"*"
    assert acao("/partner/api/v1", "https://partner.example.org") == b"https://partner.example.org"
    assert acao("/partner/api/v1", APP) is None
    assert acao("/account", APP) == APP.encode()


def test_pyproject(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "shop"\n\n[tool.corsguard]\nallow_origins = ["https://app.example.com"]\n'
        '[tool.corsguard.routes."/public"]\nallow_origins = ["*"]\n',
        encoding="utf-8",
    )
    policy = policy_from_file(str(path))
    assert policy.allow_origins == (APP,) and "/public" in policy.routes
    path.write_text("[tool.ruff]\nline-length = 100\n", encoding="utf-8")
    assert "has no [tool.corsguard] table" in problems_of(lambda: policy_from_file(path))[0]


FILE_ERRORS = [
    ("unknown", 'allow_origins = ["https://a.example.com"]\nexpose = ["X"]\n',
     "unknown option 'expose': did you mean 'expose_headers'?"),
    ("hyphenated", 'allow-origins = ["https://a.example.com"]\n',
     "unknown option 'allow-origins': did you mean 'allow_origins'?"),
    ("integer flag", 'allow_origins = ["https://a.example.com"]\ndebug = 1\n',
     "debug must be true or false, found an integer (1)"),
    ("list of numbers", 'allow_origins = ["https://a.example.com"]\nallow_methods = [1]\n',
     "allow_methods must be an array of strings, found an integer (1)"),
    ("string max age", 'allow_origins = ["https://a.example.com"]\nmax_age = "600"\n',
     "max_age must be a whole number of seconds (an integer), found a string ('600')"),
    ("bool max age", 'allow_origins = ["https://a.example.com"]\nmax_age = true\n',
     "found a boolean (True)"),
    ("routes array", 'allow_origins = ["https://a.example.com"]\nroutes = ["/x"]\n',
     "routes must be a table of tables"),
    ("syntax", 'allow_origins = ["https://a.example.com"]\nmax_age = \n',
     "invalid TOML: Invalid value (at line 2, column 11)"),
    ("duplicate key", 'allow_origins = ["https://a.example.com"]\nallow_origins = []\n',
     "invalid TOML"),
    ("policy value", 'allow_origins = ["HTTPS://A.example.com"]\n', "has uppercase letters"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in FILE_ERRORS], ids=[c[0] for c in FILE_ERRORS]
)
def test_file_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "cors.toml"
    path.write_text(text, encoding="utf-8")
    problems = problems_of(lambda: policy_from_file(path))
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith(f"{path}: ") for problem in problems)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Policy.from_file(tmp_path / "nope.toml")


# ------------------------------------------------------------------ mappings


def test_mapping_accepts_python_values() -> None:
    seen: list[object] = []
    policy = policy_from_mapping(
        {
            "allow_origins": (APP,),
            "on_reject": seen.append,
            "routes": {"/public": Policy(allow_origins=["*"]), "/p": {"allow_origins": [APP]}},
        },
        "settings.CORSGUARD",
    )
    assert policy.allow_origins == (APP,)
    assert set(policy.routes) == {"/public", "/p"}
    decide(policy, "POST", "/x", [(b"origin", b"https://evil.attacker.test")])
    assert len(seen) == 1


MAPPING_ERRORS: list[tuple[str, object, str]] = [
    ("not a mapping", [APP], "settings.X: the policy must be a dict"),
    ("non-string key", {"allow_origins": [APP], 1: True}, "settings.X: 1 is not an option name"),
    ("on_reject not callable", {"allow_origins": [APP], "on_reject": "log"},
     "on_reject must be a callable"),
    ("route value", {"allow_origins": [APP], "routes": {"/x": [APP]}},
     "settings.X: routes['/x'] must be a dict"),
    ("route unknown", {"allow_origins": [APP], "routes": {"/x": {"allow_origins": [APP],
                                                                "max_agee": 1}}},
     "settings.X: routes['/x'].unknown option 'max_agee': did you mean 'max_age'?"),
    ("nested routes", {"allow_origins": [APP], "routes": {"/x": {"allow_origins": [APP],
                                                                "routes": {}}}},
     "routes['/x'].routes: a route cannot have routes of its own"),
    ("route path", {"allow_origins": [APP], "routes": {"x/": {"allow_origins": [APP]}}},
     "routes['x/']: a route must be a path starting with '/'"),
    ("route dot segment", {"allow_origins": [APP], "routes": {"/a/../b": {"allow_origins": [APP]}}},
     "'/a/../b' must be a plain decoded path"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mapping", "expected"), [c[1:] for c in MAPPING_ERRORS], ids=[c[0] for c in MAPPING_ERRORS]
)
def test_mapping_errors(mapping: Any, expected: str) -> None:
    problems = problems_of(lambda: policy_from_mapping(mapping, "settings.X"))
    assert any(expected in problem for problem in problems), problems


def test_quoted_environment_values_are_named() -> None:
    from corsguard import Policy, PolicyError

    env = {
        "CORSGUARD_ALLOW_ORIGINS": '"https://app.example.com"',
        "CORSGUARD_ALLOW_CREDENTIALS": "'true'",
    }
    with pytest.raises(PolicyError) as info:
        Policy.from_env(environ=env)
    text = str(info.value)
    assert "CORSGUARD_ALLOW_ORIGINS='\"https://app.example.com\"' is wrapped in quotes" in text
    assert "remove them (CORSGUARD_ALLOW_ORIGINS=https://app.example.com)" in text
    assert "CORSGUARD_ALLOW_CREDENTIALS=\"'true'\" is wrapped in quotes" in text
