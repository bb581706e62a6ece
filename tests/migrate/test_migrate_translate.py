"""Library options to Policy keyword arguments: one row per library and option.

Every row's translation must build a corsguard Policy (or carry a run-time expression, which
is then said in a note), and rows that lose or change something must say so.
"""

from __future__ import annotations

from typing import Any

import pytest

from corsguard import Policy
from corsguard.migrate.translate import (
    NO_ORIGIN,
    Expr,
    Translation,
    from_django,
    from_flask_cors,
    from_starlette,
    path_prefix,
)

APP = "https://app.example.com"
FLASK_ALL = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
DJANGO_METHODS = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
DJANGO_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
]
ANY_HEADER = ["*", "Authorization"]

# (name, function, input options, expected Policy kwargs, a phrase every note list must hold
# (None: no note at all))
ROWS: list[tuple[str, Any, dict[str, Any], dict[str, Any], str | None]] = [
    # --- Starlette / FastAPI
    ("starlette origins", from_starlette, {"allow_origins": [APP]}, {"allow_origins": [APP]}, None),
    ("starlette star", from_starlette, {"allow_origins": ["*"]}, {"allow_origins": ["*"]}, None),
    (
        "starlette star with credentials",
        from_starlette,
        {"allow_origins": ["*"], "allow_credentials": True},
        {"allow_origins": ["*"]},
        "WITHOUT credentials",
    ),
    (
        "starlette regex exact",
        from_starlette,
        {"allow_origin_regex": r"https://.*\.example\.com", "allow_credentials": True},
        {"allow_origins": ["https://*.example.com"], "allow_credentials": True},
        None,
    ),
    (
        "starlette regex one label",
        from_starlette,
        {"allow_origins": [APP], "allow_origin_regex": r"https://[a-z0-9-]+\.example\.com"},
        {"allow_origins": [APP, "https://+.example.com"]},
        None,
    ),
    (
        "starlette regex one label without hyphens",
        from_starlette,
        {"allow_origins": [APP], "allow_origin_regex": r"https://\w+\.example\.com"},
        {"allow_origins": [APP]},
        "'+.example.com' would trust more",
    ),
    (
        "starlette only an untranslatable regex",
        from_starlette,
        {"allow_origin_regex": r"https://[a-z]+\.example\.com"},
        {"allow_origins": [NO_ORIGIN]},
        "trusts none",
    ),
    (
        "starlette methods star",
        from_starlette,
        {"allow_origins": [APP], "allow_methods": ["*"]},
        {
            "allow_origins": [APP],
            "allow_methods": ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY"],
        },
        None,
    ),
    (
        "starlette methods default",
        from_starlette,
        {"allow_origins": [APP], "allow_methods": ["GET"]},
        {"allow_origins": [APP], "allow_methods": ["GET"]},  # as written, though the default
        None,
    ),
    (
        "starlette headers star covers Authorization",
        from_starlette,
        {"allow_origins": [APP], "allow_headers": ["*"]},
        {"allow_origins": [APP], "allow_headers": ANY_HEADER},
        None,
    ),
    (
        "starlette forbidden header dropped",
        from_starlette,
        {"allow_origins": [APP], "allow_headers": ["X-Token", "Cookie"]},
        {"allow_origins": [APP], "allow_headers": ["X-Token"]},
        "'Cookie' is left out",
    ),
    (
        "starlette expose and max age",
        from_starlette,
        {"allow_origins": [APP], "expose_headers": ["X-Total"], "max_age": 3600},
        {"allow_origins": [APP], "expose_headers": ["X-Total"], "max_age": 3600},
        None,
    ),
    (
        "starlette max age above the cap",
        from_starlette,
        {"allow_origins": [APP], "max_age": 10**6},
        {"allow_origins": [APP], "max_age": 86400},
        "lowered to 86400",
    ),
    (
        "starlette private network",
        from_starlette,
        {"allow_origins": [APP], "allow_private_network": True},
        {"allow_origins": [APP], "allow_private_network": True},
        None,
    ),
    (
        "starlette literal star pattern never matched",
        from_starlette,
        {"allow_origins": [APP, "https://*.example.com"]},
        {"allow_origins": [APP]},
        "compared it literally",
    ),
    (
        "starlette http origin with credentials",
        from_starlette,
        {"allow_origins": [APP, "http://app.example.com"], "allow_credentials": True},
        {"allow_origins": [APP], "allow_credentials": True},
        "plain http",
    ),
    (
        "starlette trailing slash never matched",
        from_starlette,
        {"allow_origins": [APP + "/"]},
        {"allow_origins": [NO_ORIGIN]},
        "trailing slash",
    ),
    (
        "starlette string origins (substring test)",
        from_starlette,
        {"allow_origins": APP},
        {"allow_origins": [APP]},
        "substring",
    ),
    (
        "starlette public-suffix regex with credentials",
        from_starlette,
        {"allow_origin_regex": r"https://.*\.vercel\.app", "allow_credentials": True},
        {"allow_origins": [NO_ORIGIN], "allow_credentials": True},
        "vercel.app",
    ),
    # --- flask-cors
    (
        "flask defaults",
        from_flask_cors,
        {},
        {"allow_origins": ["*"], "allow_methods": FLASK_ALL, "allow_headers": ANY_HEADER},
        None,
    ),
    (
        "flask defaults with credentials",
        from_flask_cors,
        {"supports_credentials": True},
        {"allow_origins": ["*"], "allow_methods": FLASK_ALL, "allow_headers": ANY_HEADER},
        "WITHOUT credentials",
    ),
    (
        "flask origins string, case-insensitive",
        from_flask_cors,
        {"origins": "https://App.Example.com", "methods": ["GET", "POST"], "allow_headers": []},
        {"allow_origins": [APP], "allow_methods": ["GET", "POST"]},
        None,
    ),
    (
        "flask regex origin (re.match, unanchored)",
        from_flask_cors,
        {"origins": [r"https://.*\.example\.com"], "methods": "GET", "allow_headers": "X-Token"},
        {"allow_origins": ["https://*.example.com"], "allow_methods": ["GET"],
         "allow_headers": ["X-Token"]},
        "not anchored",
    ),
    (
        "flask methods as a string",
        from_flask_cors,
        {"origins": APP, "methods": "GET, PUT", "allow_headers": ["X-Token"]},
        {"allow_origins": [APP], "allow_methods": ["GET", "PUT"], "allow_headers": ["X-Token"]},
        None,
    ),
    (
        "flask credentials, expose string, max_age",
        from_flask_cors,
        {
            "origins": [APP],
            "supports_credentials": True,
            "expose_headers": "X-Total, X-Page",
            "max_age": "600",
            "methods": ["GET"],
            "allow_headers": [],
        },
        {
            "allow_origins": [APP],
            "allow_methods": ["GET"],
            "allow_credentials": True,
            "expose_headers": ["X-Total", "X-Page"],
            "max_age": 600,
        },
        None,
    ),
    (
        "flask expose star with credentials",
        from_flask_cors,
        {"origins": [APP], "supports_credentials": True, "expose_headers": ["*"],
         "methods": ["GET"], "allow_headers": []},
        {"allow_origins": [APP], "allow_methods": ["GET"], "allow_credentials": True},
        "exposed nothing",
    ),
    (
        "flask allow_headers regex",
        from_flask_cors,
        {"origins": [APP], "methods": ["GET"], "allow_headers": ["X-Token", r"X-Custom-.*"]},
        {"allow_origins": [APP], "allow_methods": ["GET"], "allow_headers": ["X-Token"]},
        "the regex",
    ),
    # --- django-cors-headers
    (
        "django origins and defaults",
        from_django,
        {"CORS_ALLOWED_ORIGINS": [APP]},
        {"allow_origins": [APP], "allow_methods": DJANGO_METHODS, "allow_headers": DJANGO_HEADERS},
        None,
    ),
    (
        "django old names",
        from_django,
        {"CORS_ORIGIN_WHITELIST": [APP + "/"], "CORS_ALLOW_METHODS": ["GET"],
         "CORS_ALLOW_HEADERS": []},
        {"allow_origins": [APP], "allow_methods": ["GET"]},
        None,
    ),
    (
        "django regexes, credentials, expose, max age, private network",
        from_django,
        {
            "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://myapp-[a-z0-9-]+\.preview\.example\.com$"],
            "CORS_ALLOW_CREDENTIALS": True,
            "CORS_EXPOSE_HEADERS": ["X-Total"],
            "CORS_PREFLIGHT_MAX_AGE": 3600,
            "CORS_ALLOW_PRIVATE_NETWORK": True,
            "CORS_ALLOW_METHODS": ["GET", "POST"],
            "CORS_ALLOW_HEADERS": ["authorization"],
        },
        {
            "allow_origins": ["https://myapp-*.preview.example.com"],
            "allow_methods": ["GET", "POST"],
            "allow_headers": ["authorization"],
            "allow_credentials": True,
            "expose_headers": ["X-Total"],
            "max_age": 3600,
            "allow_private_network": True,
        },
        None,
    ),
    (
        "django allow all with credentials",
        from_django,
        {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True,
         "CORS_ALLOW_METHODS": ["GET"], "CORS_ALLOW_HEADERS": []},
        {"allow_origins": ["*"], "allow_methods": ["GET"]},
        "WITHOUT credentials",
    ),
    (
        "django null",
        from_django,
        {"CORS_ALLOWED_ORIGINS": [APP, "null"], "CORS_ALLOW_METHODS": ["GET"],
         "CORS_ALLOW_HEADERS": []},
        {"allow_origins": [APP], "allow_methods": ["GET"]},
        "'null' is left out",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("function", "options", "expected", "phrase"),
    [row[1:] for row in ROWS],
    ids=[row[0] for row in ROWS],
)
def test_translation_rows(
    function: Any, options: dict[str, Any], expected: dict[str, Any], phrase: str | None
) -> None:
    translation: Translation = function(options)
    assert translation.options == expected
    notes = " | ".join(n.text for n in translation.all_notes())
    if phrase is None:
        assert notes == ""
    else:
        assert phrase in notes
    policy = translation.build()
    assert isinstance(policy, Policy)


def test_run_time_values_are_carried_with_a_note() -> None:
    translation = from_starlette(
        {"allow_origins": Expr("settings.ORIGINS"), "allow_credentials": True}
    )
    assert translation.options["allow_origins"] == Expr("settings.ORIGINS")
    assert not translation.resolved
    assert any(n.decide and "settings.ORIGINS" in n.text for n in translation.notes)
    with pytest.raises(ValueError):
        translation.kwargs()


@pytest.mark.parametrize(
    ("function", "options"),
    [
        (from_starlette, {"allow_origins": Expr("ORIGINS"),
                          "allow_origin_regex": r"https://.*\.example\.com"}),
        (from_django, {"CORS_ALLOWED_ORIGINS": Expr("ORIGINS"),
                       "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.example\.com$"]}),
    ],
)  # fmt: skip
def test_run_time_origins_keep_the_regex_patterns(function: Any, options: dict[str, Any]) -> None:
    translation = function(options)
    assert translation.options["allow_origins"] == Expr('[*ORIGINS, "https://*.example.com"]')


def test_django_allow_all_from_a_variable_is_not_carried() -> None:
    translation = from_django({"CORS_ALLOW_ALL_ORIGINS": Expr("DEBUG"),
                               "CORS_ALLOWED_ORIGINS": [APP]})  # fmt: skip
    assert translation.options["allow_origins"] == [APP]
    assert any("DEBUG" in n.text and n.decide for n in translation.notes)


def test_flask_resources_become_routes() -> None:
    translation = from_flask_cors(
        {
            "resources": {r"/api/*": {"origins": [APP]}, r"/public/.*": {"origins": "*"}},
            "supports_credentials": False,
            "methods": ["GET"],
            "allow_headers": [],
        }
    )
    assert translation.options == {"allow_origins": [NO_ORIGIN]}
    assert set(translation.routes) == {"/api", "/public"}
    assert translation.routes["/api"].options == {"allow_origins": [APP], "allow_methods": ["GET"]}
    assert translation.routes["/public"].options == {
        "allow_origins": ["*"],
        "allow_methods": ["GET"],
    }
    policy = translation.build()
    assert not policy.allows_origin(APP)
    assert policy.routes["/api"].allows_origin(APP)


def test_flask_catch_all_resource_is_the_top_level_policy() -> None:
    translation = from_flask_cors({"resources": {r"/*": {"origins": [APP]}}, "methods": ["GET"],
                                   "allow_headers": []})  # fmt: skip
    assert translation.options == {"allow_origins": [APP], "allow_methods": ["GET"]}
    assert translation.routes == {}


def test_flask_resource_that_is_no_prefix_is_said() -> None:
    translation = from_flask_cors({"resources": {r"/api/v[0-9]+/.*": {"origins": [APP]}},
                                   "methods": ["GET"], "allow_headers": []})  # fmt: skip
    assert translation.routes == {}
    assert any("v[0-9]+" in n.text and n.decide for n in translation.notes)
    translation.build()


def test_django_urls_regex_becomes_a_route() -> None:
    translation = from_django(
        {"CORS_ALLOWED_ORIGINS": [APP], "CORS_URLS_REGEX": r"^/api/.*$",
         "CORS_ALLOW_METHODS": ["GET"], "CORS_ALLOW_HEADERS": []}
    )  # fmt: skip
    assert translation.options == {"allow_origins": [NO_ORIGIN]}
    assert translation.routes["/api"].options == {"allow_origins": [APP], "allow_methods": ["GET"]}
    translation.build()


@pytest.mark.parametrize(
    ("pattern", "literal_is_exact", "prefix"),
    [
        (r"/api/*", True, "/api"),
        (r"/api/.*", True, "/api"),
        (r"^/api/.*$", False, "/api"),
        (r"^/api/", False, "/api"),
        (r"/api/v1/*", True, "/api/v1"),
        (r"/api", True, None),  # flask-cors compares a plain string with the whole path
        (r"^/api$", False, None),  # exactly one path: a prefix route would cover more
        (r"/api/v[0-9]+/.*", True, None),
        # Narrower: flask-cors also applied it to /apple; corsguard matches whole segments.
        (r"/ap.*", True, "/ap"),
        (r"^/.*", False, "/"),
        (r"/api/../x/.*", True, None),
    ],
)
def test_path_prefix(pattern: str, literal_is_exact: bool, prefix: str | None) -> None:
    assert path_prefix(pattern, literal_is_exact=literal_is_exact) == prefix
