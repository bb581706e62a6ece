"""development_origins: loopback origins granted only with CORSGUARD_ENV=development (issue #14).

Through every source (Policy keywords, environment variables, TOML, Flask's app.config) and
the real adapters (Starlette behind the ASGI middleware, Flask behind the WSGI middleware
and behind the Flask extension): the development origin is granted only with the switch
on, the production origins always, a remote origin never; a WARNING line says so at
start-up. Django (whose DEBUG=False refuses the switch) is in tests/enforce/test_django.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corsguard import Policy, PolicyError
from corsguard.asgi import CORSMiddleware as ASGIMiddleware
from corsguard.engine import decide
from corsguard.flask import CORSGuard
from corsguard.startup import development_mode
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware

APP = "https://app.example.com"
DEV = "http://localhost:5173"
REMOTE = "https://evil.example.net"

# --- the option itself ------------------------------------------------------------------

LOOPBACK = [
    "http://localhost:3000",
    "http://localhost:*",
    "https://localhost",
    "http://127.0.0.1:8000",
    "http://127.0.0.2:8000",
    "http://[::1]:3000",
    "http://app.localhost:8080",
]
NOT_LOOPBACK = [
    ("https://staging.example.com", "is not a loopback origin"),
    ("http://192.168.1.5:3000", "is not a loopback origin"),
    ("http://10.0.0.1", "is not a loopback origin"),
    ("http://localhost.evil.com", "is not a loopback origin"),
    ("https://*.example.com", "is not a loopback origin"),
    ("*", "development_origins"),
    ("null", "development_origins"),
]


@pytest.mark.parametrize("origin", LOOPBACK)
def test_loopback_origins_are_accepted_and_not_granted_by_the_policy(origin: str) -> None:
    policy = Policy(allow_origins=[APP], development_origins=[origin])
    assert policy.development_origins == (origin,)
    assert policy.allow_origins == (APP,)
    probe = origin.replace(":*", ":5173")
    # The policy itself (what production enforces) never grants them...
    assert not policy.allows_origin(probe)
    assert decide(policy, "GET", "/", [(b"origin", probe.encode())], "https").headers == ()
    # ...its development form does, and still grants no one else.
    development = policy.in_development()
    assert development.allows_origin(probe)
    assert development.allows_origin(APP)
    assert not development.allows_origin(REMOTE)


@pytest.mark.parametrize(("origin", "words"), NOT_LOOPBACK, ids=[o for o, _ in NOT_LOOPBACK])
def test_remote_origins_are_refused(origin: str, words: str) -> None:
    with pytest.raises(PolicyError) as info:
        Policy(allow_origins=[APP], development_origins=[origin])
    text = str(info.value)
    assert words in text
    assert text.count("\n  - ") == 1


def test_development_form_drops_only_its_own_localhost_findings() -> None:
    """The development policy is what localhost-trusted asks for: not reported again; a
    localhost origin listed in allow_origins (production trust) still is."""
    policy = Policy(
        allow_origins=[APP, "http://localhost:8000"],
        development_origins=[DEV],
        allow_credentials=True,
    )
    ids = [(f.id, f.message.split(" ")[0]) for f in policy.in_development().findings]
    assert ("localhost-trusted", "http://localhost:8000") in ids
    assert ("localhost-trusted", DEV) not in ids


def test_beside_wildcard_and_alone() -> None:
    with pytest.raises(PolicyError, match="adds nothing"):
        Policy(allow_origins=["*"], development_origins=[DEV])
    # Development origins alone: production grants no cross-origin read at all.
    alone = Policy(development_origins=[DEV])
    assert alone.allow_origins == () and not alone.allows_origin(DEV)
    assert alone.in_development().allows_origin(DEV)


def test_routes_have_their_own() -> None:
    route = Policy(allow_origins=[APP], development_origins=["http://localhost:9000"])
    policy = Policy(allow_origins=[APP], routes={"/admin": route})
    assert policy.has_development_origins()
    development = policy.in_development()
    assert development.routes["/admin"].allows_origin("http://localhost:9000")
    assert not policy.routes["/admin"].allows_origin("http://localhost:9000")


SWITCH = [
    (None, False),
    ("", False),
    ("production", False),
    ("PRODUCTION", False),
    ("development", True),
    (" Development\n", True),
]
BAD_SWITCH = ["dev", "true", "1", "staging", "developement"]


@pytest.mark.parametrize(("value", "on"), SWITCH)
def test_switch_values(value: str | None, on: bool) -> None:
    environ = {} if value is None else {"CORSGUARD_ENV": value}
    assert development_mode(environ) is on


@pytest.mark.parametrize("value", BAD_SWITCH)
def test_switch_typos_are_refused(value: str) -> None:
    with pytest.raises(PolicyError, match="is not a corsguard mode"):
        development_mode({"CORSGUARD_ENV": value})


def test_switch_is_not_a_policy_variable() -> None:
    """CORSGUARD_ENV shares the prefix but is not a policy option: from_env ignores it."""
    environ = {"CORSGUARD_ALLOW_ORIGINS": APP, "CORSGUARD_ENV": "development"}
    assert Policy.from_env(environ=environ).allow_origins == (APP,)
    # Under another prefix, SHOP_ENV is not the switch: said so, not silently ignored.
    environ = {"SHOP_ALLOW_ORIGINS": APP, "SHOP_ENV": "development"}
    with pytest.raises(PolicyError, match="the development switch is CORSGUARD_ENV"):
        Policy.from_env(prefix="SHOP_", environ=environ)


# --- every source, through the real adapters ---------------------------------------------


async def _item(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _starlette(**options: Any) -> Any:
    return TestClient(
        Starlette(
            routes=[Route("/items", _item)],
            middleware=[Middleware(ASGIMiddleware, **options)],  # type: ignore[arg-type]
        )
    )


def _flask() -> Flask:
    app = Flask("dev")
    app.add_url_rule("/items", "items", lambda: "ok")
    return app


def _flask_behind_wsgi(policy: Policy) -> Any:
    app = _flask()
    app.wsgi_app = WSGIMiddleware(app.wsgi_app, policy=policy)  # type: ignore[method-assign]
    return app.test_client()


def _flask_config() -> Any:
    app = _flask()
    app.config["CORSGUARD"] = {"allow_origins": [APP], "development_origins": [DEV]}
    CORSGuard(app)
    return app.test_client()


def _env_policy(monkeypatch: pytest.MonkeyPatch) -> Policy:
    monkeypatch.setenv("CORSGUARD_ALLOW_ORIGINS", APP)
    monkeypatch.setenv("CORSGUARD_DEVELOPMENT_ORIGINS", "http://localhost:*")
    return Policy.from_env()


def _toml_policy(tmp_path: Path) -> Policy:
    path = tmp_path / "cors.toml"
    path.write_text(f'allow_origins = ["{APP}"]\ndevelopment_origins = ["http://localhost:*"]\n')
    return Policy.from_file(path)


Build = Callable[[pytest.MonkeyPatch, Path], Any]
SOURCES: dict[str, Build] = {
    "keywords, ASGI (Starlette)": lambda mp, tmp: _starlette(
        allow_origins=[APP], development_origins=[DEV]
    ),
    "environment, ASGI (Starlette)": lambda mp, tmp: _starlette(policy=_env_policy(mp)),
    "TOML, WSGI (Flask)": lambda mp, tmp: _flask_behind_wsgi(_toml_policy(tmp)),
    "keywords, WSGI (Flask)": lambda mp, tmp: _flask_behind_wsgi(
        Policy(allow_origins=[APP], development_origins=[DEV])
    ),
    "app.config, Flask extension": lambda mp, tmp: _flask_config(),
}


def _allowed(client: Any, origin: str) -> bool:
    response = client.get("/items", headers={"Origin": origin})
    assert response.status_code == 200
    return response.headers.get("access-control-allow-origin") == origin


@pytest.mark.parametrize("switch", [None, "production", "development"])
@pytest.mark.parametrize("source", list(SOURCES))
def test_sources_and_adapters(
    source: str,
    switch: str | None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if switch is None:
        monkeypatch.delenv("CORSGUARD_ENV", raising=False)
    else:
        monkeypatch.setenv("CORSGUARD_ENV", switch)
    with caplog.at_level(logging.INFO, logger="corsguard"):
        client = SOURCES[source](monkeypatch, tmp_path)
        assert _allowed(client, APP)  # the first request builds Starlette's stack
        granted = _allowed(client, DEV)
        assert not _allowed(client, REMOTE)
    assert granted is (switch == "development")
    loud = [r for r in caplog.records if "DEVELOPMENT MODE" in r.getMessage()]
    quiet = [r for r in caplog.records if "not granted: CORSGUARD_ENV" in r.getMessage()]
    if switch == "development":
        assert [r.levelno for r in loud] == [logging.WARNING]
        assert "never set CORSGUARD_ENV=development in production" in loud[0].getMessage()
        assert "localhost" in loud[0].getMessage() and not quiet
    else:
        assert not loud and len(quiet) == 1


def test_typo_in_switch_stops_the_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORSGUARD_ENV", "dev")
    policy = Policy(allow_origins=[APP], development_origins=[DEV])
    with pytest.raises(PolicyError, match="CORSGUARD_ENV='dev' is not a corsguard mode"):
        WSGIMiddleware(_flask().wsgi_app, policy=policy)
    # Without development origins the switch is not read at all.
    WSGIMiddleware(_flask().wsgi_app, policy=Policy(allow_origins=[APP]))
