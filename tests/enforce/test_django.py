"""corsguard.django against a real Django app: WSGI (Client) and ASGI (AsyncClient), checks."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from django.conf import settings

from tests.helpers.django_settings import configure as configure_django

if not settings.configured:  # process-wide: the first Django test module configures it
    configure_django(__name__)

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import path

from corsguard import Policy
from corsguard.django import CORSGuardMiddleware, check_settings
from corsguard.problems import PYTHON, SETTINGS_DICT

CALLS: list[str] = []


def data(request: HttpRequest) -> HttpResponse:
    CALLS.append(f"{request.method} {request.path}")
    response = JsonResponse({"ok": True})
    response["Vary"] = "Accept-Language"
    # A handler that tries to widen the policy itself: corsguard drops this.
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Request-Id"] = "42"
    return response


async def async_data(request: HttpRequest) -> HttpResponse:
    CALLS.append(f"{request.method} {request.path}")
    return JsonResponse({"async": True})


urlpatterns = [
    path("api/data", data),
    path("public/info", data),
    path("async/data", async_data),
]

APP = "https://app.example.com"
EVIL = "https://evil.attacker.test"
POLICY = {
    "allow_origins": [APP, "https://myapp-*.preview.example.com"],
    "allow_methods": ["GET", "POST", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
    "expose_headers": ["X-Request-Id"],
    "max_age": 300,
    "routes": {"/public": {"allow_origins": ["*"]}},
}
SETTINGS = {
    "ROOT_URLCONF": __name__,
    "MIDDLEWARE": ["corsguard.django.CORSGuardMiddleware"],
    "CORSGUARD": POLICY,
}


def _headers(origin: str | None, **extra: str) -> dict[str, str]:
    headers = dict(extra)
    if origin is not None:
        headers["HTTP_ORIGIN"] = origin
    return headers


def _send(client_kind: str, method: str, url: str, meta: dict[str, str]) -> Any:
    # AsyncClient puts extra keywords into the ASGI scope, so both get real header names.
    headers = {key[5:].replace("_", "-").title(): value for key, value in meta.items()}
    if client_kind == "sync":
        return Client().generic(method, url, headers=headers)

    async def go() -> Any:
        return await AsyncClient().generic(method, url, headers=headers)

    return asyncio.run(go())


# (name, method, path, origin, extra headers, status, ACAO, view called?)
CASES = [
    ("allowed GET", "GET", "/api/data", APP, {}, 200, APP, True),
    ("preview GET", "GET", "/api/data", "https://myapp-pr-7.preview.example.com", {}, 200,
     "https://myapp-pr-7.preview.example.com", True),
    ("untrusted GET runs, no CORS", "GET", "/api/data", EVIL, {}, 200, None, True),
    ("no Origin", "GET", "/api/data", None, {}, 200, None, True),
    ("untrusted POST refused", "POST", "/api/data", EVIL, {}, 403, None, False),
    ("allowed POST", "POST", "/api/data", APP, {}, 200, APP, True),
    ("null origin POST refused", "POST", "/api/data", "null", {}, 403, None, False),
    ("preflight allowed", "OPTIONS", "/api/data", APP,
     {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
      "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-token"}, 204, APP, False),
    ("preflight untrusted", "OPTIONS", "/api/data", EVIL,
     {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}, 403, None, False),
    ("preflight method refused", "OPTIONS", "/api/data", APP,
     {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "DELETE"}, 403, None, False),
    ("preflight header refused", "OPTIONS", "/api/data", APP,
     {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
      "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-other"}, 403, None, False),
    ("route policy: public", "GET", "/public/info", EVIL, {}, 200, "*", True),
    ("async view allowed", "GET", "/async/data", APP, {}, 200, APP, True),
    ("async view write refused", "PUT", "/async/data", EVIL, {}, 403, None, False),
    # Write trust follows credentials: '*' takes cookieless writes only.
    ("public: cookieless POST runs", "POST", "/public/info", EVIL, {}, 200, "*", True),
    ("public: POST with a cookie refused", "POST", "/public/info", EVIL,
     {"HTTP_COOKIE": "session=1"}, 403, None, False),
    ("public: POST with Basic auth refused", "POST", "/public/info", EVIL,
     {"HTTP_AUTHORIZATION": "Basic dTpw"}, 403, None, False),
    ("public: POST with a Bearer token runs", "POST", "/public/info", EVIL,
     {"HTTP_AUTHORIZATION": "Bearer t0ken"}, 200, "*", True),
    ("credentialed: POST with a cookie runs", "POST", "/api/data", APP,
     {"HTTP_COOKIE": "session=1"}, 200, APP, True),
]  # fmt: skip


@pytest.mark.parametrize("client_kind", ["sync", "async"])
@pytest.mark.parametrize(
    ("method", "url", "origin", "extra", "status", "acao", "called"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_middleware(
    client_kind: str,
    method: str,
    url: str,
    origin: str | None,
    extra: dict[str, str],
    status: int,
    acao: str | None,
    called: bool,
) -> None:
    CALLS.clear()
    with override_settings(**SETTINGS):
        response = _send(client_kind, method, url, _headers(origin, **extra))
    assert response.status_code == status
    assert response.headers.get("Access-Control-Allow-Origin") == acao
    assert bool(CALLS) == called
    if acao not in (None, "*"):
        assert "Origin" in response.headers["Vary"]
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
    if acao is None:
        assert "Access-Control-Allow-Credentials" not in response.headers
    if status == 403:
        assert response.content == b"Forbidden\n"


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_actual_response_headers(client_kind: str) -> None:
    with override_settings(**SETTINGS):
        response = _send(client_kind, "GET", "/api/data", _headers(APP))
    # The view's own Vary is kept and merged, its Access-Control-Allow-Origin replaced.
    vary = [token.strip() for token in response.headers["Vary"].split(",")]
    assert vary == ["Accept-Language", "Origin"]
    assert response.headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert response.headers["X-Request-Id"] == "42"
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("client_kind", ["sync", "async"])
def test_preflight_response_headers(client_kind: str) -> None:
    extra = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT"}
    with override_settings(**SETTINGS):
        response = _send(client_kind, "OPTIONS", "/api/data", _headers(APP, **extra))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT"
    assert "x-token" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Max-Age"] == "300"
    assert response.headers["Vary"].startswith("Origin")


def test_middleware_is_sync_and_async_capable() -> None:
    def sync_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    async def async_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    assert CORSGuardMiddleware.sync_capable and CORSGuardMiddleware.async_capable
    with override_settings(**SETTINGS):
        assert not iscoroutinefunction(CORSGuardMiddleware(sync_view))
        assert iscoroutinefunction(CORSGuardMiddleware(async_view))


def test_setting_may_be_a_policy() -> None:
    with override_settings(**{**SETTINGS, "CORSGUARD": Policy(allow_origins=[APP])}):
        response = Client().get("/api/data", HTTP_ORIGIN=APP)
        refused = Client().post("/api/data", HTTP_ORIGIN=EVIL)
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert refused.status_code == 403


# (settings.CORSGUARD or "unset", expected check ids, words the message must contain)
BAD_SETTINGS: list[tuple[str, object, set[str], list[str]]] = [
    ("unset", "unset", {"corsguard.E001"}, ["settings.CORSGUARD is not set"]),
    ("list", [APP], {"corsguard.E002"}, ["must be a dict", "not list"]),
    ("unknown key", {"allow_origins": [APP], "allow_orgins": [APP]}, {"corsguard.E003"},
     ["'allow_orgins'", "did you mean 'allow_origins'"]),
    ("uppercase key", {"ALLOW_ORIGINS": [APP]}, {"corsguard.E003", "corsguard.E006"},
     ["'ALLOW_ORIGINS'", "did you mean 'allow_origins'", "allow_origins is missing"]),
    ("string flag", {"allow_origins": [APP], "allow_credentials": "False"}, {"corsguard.E004"},
     ["allow_credentials", "'False'"]),
    ("single string", {"allow_origins": APP}, {"corsguard.E004"},
     ["allow_origins must be a list", "'allow_origins': ['https://app.example.com']"]),
    ("float max_age", {"allow_origins": [APP], "max_age": 1.5}, {"corsguard.E004"},
     ["max_age", "1.5"]),
    ("null origin", {"allow_origins": ["null"]}, {"corsguard.E005"}, ["'null'"]),
    ("public suffix", {"allow_origins": ["https://myapp-git-*-myteam.vercel.app"],
                       "allow_credentials": True}, {"corsguard.E005"},
     ["vercel.app", "public suffix", "https://myapp-*.preview.example.com"]),
    ("bad route", {"allow_origins": [APP], "routes": {"/p": {"allow_origins": ["*"],
                                                            "allow_credentials": True}}},
     {"corsguard.E005"}, ["routes['/p']"]),
    ("route unknown key", {"allow_origins": [APP], "routes": {"/p": {"origins": [APP]}}},
     {"corsguard.E003"}, ["routes['/p'].unknown option 'origins'", "did you mean 'allow_origins'",
                          f"write allow_origins=[{APP!r}]"]),
    ("regex", {"allow_origin_regex": r"https://.*\.example\.com"}, {"corsguard.E005"},
     ["allow_origin_regex", "https://*.example.com"]),
    ("regex in origins", {"allow_origins": [r"^https://(app|admin)\.example\.com$"]},
     {"corsguard.E005"}, ["is a regular expression, not an origin",
                          "i.e. allow_origins=['https://app.example.com', 'https://admin.example.com']"]),
    ("regex in origins, no exact pattern", {"allow_origins": [r"^https://[a-z]+\.example\.com$"]},
     {"corsguard.E005"}, ["is a regular expression", "no corsguard pattern trusts exactly"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "ids", "words"),
    [case[1:] for case in BAD_SETTINGS],
    ids=[case[0] for case in BAD_SETTINGS],
)
def test_bad_settings(value: object, ids: set[str], words: list[str]) -> None:
    overrides: dict[str, Any] = {"MIDDLEWARE": SETTINGS["MIDDLEWARE"]}
    if value != "unset":
        overrides["CORSGUARD"] = value
    with override_settings(**overrides):
        if value == "unset":
            del settings.CORSGUARD
        messages = check_settings()
        assert {m.id for m in messages} == ids
        text = "\n".join(m.msg for m in messages)
        for word in words:
            assert word in text
        assert all(m.is_serious() for m in messages)
        # The middleware refuses to start with the same messages.
        with pytest.raises(ImproperlyConfigured) as info:
            CORSGuardMiddleware(lambda request: HttpResponse())
        for word in words:
            assert word in str(info.value)
        # And `manage.py check` shows them with their ids.
        stderr = io.StringIO()
        with pytest.raises(SystemCheckError) as failed:
            call_command("check", stderr=stderr, stdout=io.StringIO())
        for check_id in ids:
            assert check_id in str(failed.value)


# POLICY without its public route, whose '*' is a wildcard-origin finding (W001, below).
PLACED = {k: v for k, v in POLICY.items() if k != "routes"}
# (MIDDLEWARE, CORSGUARD, expected warning ids)
PLACEMENT = [
    ("not installed", [], PLACED, {"corsguard.W002"}),
    ("after CommonMiddleware",
     ["django.middleware.common.CommonMiddleware", "corsguard.django.CORSGuardMiddleware"],
     PLACED, {"corsguard.W003"}),
    ("with django-cors-headers",
     ["corsguard.django.CORSGuardMiddleware", "corsheaders.middleware.CorsMiddleware"],
     PLACED, {"corsguard.W004"}),
    ("policy warning", ["corsguard.django.CORSGuardMiddleware"],
     {"allow_origins": ["http://app.example.com"]}, {"corsguard.W001"}),
    ("route warning", ["corsguard.django.CORSGuardMiddleware"],
     {"allow_origins": [APP], "routes": {"/p": {"allow_origins": ["http://a.example.com"]}}},
     {"corsguard.W001"}),
    ("clean", ["corsguard.django.CORSGuardMiddleware"], PLACED, set()),
    ("public route finding", ["corsguard.django.CORSGuardMiddleware"], POLICY,
     {"corsguard.W001"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("middleware", "policy", "ids"),
    [case[1:] for case in PLACEMENT],
    ids=[case[0] for case in PLACEMENT],
)
def test_placement_and_warnings(middleware: list[str], policy: object, ids: set[str]) -> None:
    with override_settings(MIDDLEWARE=middleware, CORSGUARD=policy):
        messages = check_settings()
        assert {m.id for m in messages} == ids
        assert not any(m.is_serious() for m in messages)
        if not ids:
            out = io.StringIO()
            call_command("check", stdout=out, stderr=io.StringIO())
            assert "no issues" in out.getvalue()


# Other libraries' names (issue #14): inside settings.CORSGUARD, and django-cors-headers'
# own top-level CORS_* settings. (name, value, corsguard option, value to write, fragment)
FOREIGN_SETTINGS: list[tuple[str, object, str, object, str]] = [
    ("CORS_ALLOWED_ORIGINS", [APP], "allow_origins", [APP], "django-cors-headers"),
    ("CORS_ORIGIN_WHITELIST", [APP], "allow_origins", [APP], "django-cors-headers"),
    ("CORS_ALLOW_ALL_ORIGINS", True, "allow_origins", ["*"], "without credentials"),
    ("CORS_ALLOWED_ORIGIN_REGEXES", [r"^https://app\.example\.com$"], "allow_origins", [APP],
     "corsguard takes no regular expressions"),
    ("CORS_ALLOW_CREDENTIALS", True, "allow_credentials", True, "django-cors-headers"),
    ("CORS_ALLOW_METHODS", ["GET", "PUT"], "allow_methods", ["GET", "PUT"], "django-cors-headers"),
    ("CORS_ALLOW_HEADERS", ["x-token"], "allow_headers", ["x-token"], "django-cors-headers"),
    ("CORS_EXPOSE_HEADERS", ["x-total"], "expose_headers", ["x-total"], "flask-cors"),
    ("CORS_PREFLIGHT_MAX_AGE", 600, "max_age", 600, "django-cors-headers"),
    ("CORS_URLS_REGEX", r"^/api/.*$", "routes", None, "'routes': {'/api': "),
    ("CORS_ALLOW_PRIVATE_NETWORK", True, "allow_private_network", True, "django-cors-headers"),
]  # fmt: skip
FOREIGN_IDS = [case[0] for case in FOREIGN_SETTINGS]


@pytest.mark.parametrize(("name", "value", "target", "write", "fragment"), FOREIGN_SETTINGS,
                         ids=FOREIGN_IDS)  # fmt: skip
def test_foreign_key_in_corsguard_setting(
    name: str, value: object, target: str, write: object, fragment: str
) -> None:
    base = {} if target == "allow_origins" else {"allow_origins": [APP]}
    with override_settings(CORSGUARD={**base, name: value}):
        messages = check_settings()
        text = "\n".join(m.msg for m in messages)
        assert {m.id for m in messages} == {"corsguard.E003"}
        assert f"settings.CORSGUARD: unknown option {name!r}: did you mean {target!r}?" in text
        # Inside the dict, settings keep Policy's Python spelling (as every problem there).
        if write is not None:
            assert PYTHON.setting(target, write, False) in text
        else:
            assert "'/api'" in text
        with pytest.raises(ImproperlyConfigured) as info:
            CORSGuardMiddleware(lambda request: HttpResponse())
        assert f"unknown option {name!r}" in str(info.value)


@pytest.mark.parametrize(("name", "value", "target", "write", "fragment"), FOREIGN_SETTINGS,
                         ids=FOREIGN_IDS)  # fmt: skip
def test_django_cors_headers_settings(
    name: str, value: object, target: str, write: object, fragment: str
) -> None:
    """settings.CORS_ALLOWED_ORIGINS...: corsguard reads none of them. Without
    settings.CORSGUARD each is an error (E009) saying what to write there; beside it, a
    warning (W005) to remove it."""
    with override_settings(**{name: value}):
        del settings.CORSGUARD
        messages = check_settings()
        assert {m.id for m in messages} == {"corsguard.E001", "corsguard.E009"}
        [foreign] = [m.msg for m in messages if m.id == "corsguard.E009"]
        assert foreign.startswith(f"settings.{name} is not read by corsguard: did you mean")
        assert foreign.endswith("in settings.CORSGUARD")
        assert fragment in foreign
        if write is not None:
            # Written as a key of the CORSGUARD dict: 'allow_origins': [...]
            assert SETTINGS_DICT.setting(target, write, False) in foreign
        with pytest.raises(ImproperlyConfigured) as info:
            CORSGuardMiddleware(lambda request: HttpResponse())
        assert f"settings.{name}" in str(info.value)
    with override_settings(**{name: value}):
        messages = check_settings()
        assert {m.id for m in messages} == {"corsguard.W005"}
        assert not any(m.is_serious() for m in messages)
        assert f"settings.{name} is not read by corsguard" in messages[0].msg


DEV = "http://localhost:5173"
# (DEBUG, CORSGUARD_ENV, the development origin granted, check ids)
DEVELOPMENT = [
    (False, None, False, set()),
    (True, None, False, set()),
    (True, "production", False, set()),
    (True, "development", True, set()),
    # DEBUG = False looks like production: the switch is refused there, not honoured.
    (False, "development", None, {"corsguard.E008"}),
    (True, "dev", None, {"corsguard.E008"}),
]


@pytest.mark.parametrize(("debug", "switch", "granted", "ids"), DEVELOPMENT)
def test_development_origins(
    debug: bool,
    switch: str | None,
    granted: bool | None,
    ids: set[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if switch is None:
        monkeypatch.delenv("CORSGUARD_ENV", raising=False)
    else:
        monkeypatch.setenv("CORSGUARD_ENV", switch)
    policy = {"allow_origins": [APP], "development_origins": ["http://localhost:*"]}
    with override_settings(**{**SETTINGS, "CORSGUARD": policy, "DEBUG": debug}):
        messages = check_settings()
        assert {m.id for m in messages} == ids
        if granted is None:
            with pytest.raises(ImproperlyConfigured) as info:
                CORSGuardMiddleware(lambda request: HttpResponse())
            assert "CORSGUARD_ENV" in str(info.value)
            return
        dev = Client().get("/api/data", HTTP_ORIGIN=DEV)
        app = Client().get("/api/data", HTTP_ORIGIN=APP)
        evil = Client().get("/api/data", HTTP_ORIGIN=EVIL)
    assert (dev.headers.get("Access-Control-Allow-Origin") == DEV) is granted
    assert app.headers["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Origin" not in evil.headers


# django-cors-headers left in MIDDLEWARE beside corsguard (issue #10, point 6). Below
# corsguard it is inner: corsguard replaces its headers and it is a warning (W004). Above
# corsguard it is outer: its process_response runs after corsguard's and it answers
# preflights before corsguard sees them, so it would decide the response; corsguard
# cannot strip it, so it refuses to start (check E010 and the middleware itself), naming it.
CORSHEADERS = "corsheaders.middleware.CorsMiddleware"
GUARD = "corsguard.django.CORSGuardMiddleware"
LEFTOVER = {
    "CORS_ALLOW_ALL_ORIGINS": True,
    "CORS_ALLOW_CREDENTIALS": True,
    "CORS_URLS_REGEX": r"^.*$",
}


def test_django_cors_headers_above_corsguard_is_refused() -> None:
    with override_settings(
        ROOT_URLCONF=__name__, MIDDLEWARE=[CORSHEADERS, GUARD], CORSGUARD=PLACED, **LEFTOVER
    ):
        messages = check_settings()
        refused = [m for m in messages if m.id == "corsguard.E010"]
        assert len(refused) == 1 and refused[0].is_serious()
        assert CORSHEADERS in refused[0].msg and "above" in refused[0].msg
        assert "corsguard.W004" not in {m.id for m in messages}
        with pytest.raises(ImproperlyConfigured) as info:
            CORSGuardMiddleware(lambda request: HttpResponse())
        assert CORSHEADERS in str(info.value)
        assert "remove it" in str(info.value).lower()


def test_django_cors_headers_below_corsguard_never_decides() -> None:
    with override_settings(
        ROOT_URLCONF=__name__, MIDDLEWARE=[GUARD, CORSHEADERS], CORSGUARD=PLACED, **LEFTOVER
    ):
        assert "corsguard.W004" in {m.id for m in check_settings()}
        client = Client()
        read = client.get("/api/data", **_headers(EVIL))
        assert read.status_code == 200
        assert "Access-Control-Allow-Origin" not in read.headers
        preflight = client.options(
            "/api/data", **_headers(EVIL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE")
        )
        assert preflight.status_code == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers


def test_report_only_may_sit_below_django_cors_headers() -> None:
    # Report-only observes the app's own CORS handling and changes nothing: no refusal.
    with override_settings(
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[CORSHEADERS, GUARD],
        CORSGUARD=PLACED,
        CORSGUARD_REPORT_ONLY=True,
        **LEFTOVER,
    ):
        assert not [m for m in check_settings() if m.id == "corsguard.E010"]
        CORSGuardMiddleware(lambda request: HttpResponse())


@pytest.mark.parametrize(
    ("meta", "status", "called"),
    [
        # Apache/mod_wsgi authenticated the user and kept the Authorization header back.
        ({"REMOTE_USER": "alice"}, 403, False),
        ({"REMOTE_USER": "alice", "HTTP_AUTHORIZATION": "Bearer t0ken"}, 200, True),
        ({}, 200, True),
    ],
    ids=["REMOTE_USER refused", "Bearer scheme runs", "no user runs"],
)
def test_server_authenticated_write_from_public_route(
    meta: dict[str, str], status: int, called: bool
) -> None:
    # Write trust (issue #10): the server's own HTTP auth is a credential the browser sent.
    CALLS.clear()
    with override_settings(**SETTINGS):
        response = Client().generic("POST", "/public/info", HTTP_ORIGIN=EVIL, **meta)
    assert response.status_code == status
    assert bool(CALLS) == called
