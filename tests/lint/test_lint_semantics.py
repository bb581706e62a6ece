"""The linter's model of each library, checked against the installed library itself.

For each configuration the linter reports a hole for, the real middleware is asked with the
demonstrating origin (taken from the finding's message) and must grant it; and origins the
linter considers refused must be refused.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
from flask import Flask
from flask_cors import CORS
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from corsguard.lint import lint_source

_EXAMPLE = re.compile(r"accepts (\S+): ")


def starlette_grants(kwargs: dict[str, Any], origin: str) -> tuple[str | None, str | None]:
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    client = TestClient(CORSMiddleware(app, **kwargs))
    response = client.get("/", headers={"Origin": origin})
    return (
        response.headers.get("access-control-allow-origin"),
        response.headers.get("access-control-allow-credentials"),
    )


def flask_grants(kwargs: dict[str, Any], origin: str) -> tuple[str | None, str | None]:
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    CORS(app, **kwargs)
    response = app.test_client().get("/", headers={"Origin": origin})
    return (
        response.headers.get("Access-Control-Allow-Origin"),
        response.headers.get("Access-Control-Allow-Credentials"),
    )


def demonstrated(code: str) -> list[tuple[str, str]]:
    findings = lint_source(textwrap.dedent(code), "t.py").findings
    out = []
    for f in findings:
        match = _EXAMPLE.search(f.message)
        if match:
            out.append((f.id, match.group(1)))
    return out


STARLETTE = "from starlette.middleware.cors import CORSMiddleware\n"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"allow_origins": "https://app.example.com", "allow_credentials": True},
        {"allow_origin_regex": "https://app.example.com"},
        {"allow_origin_regex": r"https://.*\.example\.com"},
        {"allow_origin_regex": r"https?://(www\.)?example\.com"},
        {"allow_origin_regex": r"https://.*\.vercel\.app", "allow_credentials": True},
    ],
)
def test_starlette_grants_what_lint_reports(kwargs: dict[str, Any]) -> None:
    code = (
        STARLETTE
        + "app.add_middleware(CORSMiddleware, "
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        + ")\n"
    )
    examples = demonstrated(code)
    assert examples, "the linter should report a hole for this configuration"
    for _kind, origin in examples:
        allow, creds = starlette_grants(kwargs, origin)
        assert allow in (origin, "*"), (origin, allow)
        assert (creds == "true") == bool(kwargs.get("allow_credentials"))
    # And an origin nobody listed is refused.
    assert starlette_grants(kwargs, "https://unrelated.attacker.test")[0] is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"origins": "https://*.example.com"},
        {"origins": [r"https://app\.example\.com"], "supports_credentials": True},
        {"origins": ["https://app.example.com", "null"]},
    ],
)
def test_flask_cors_grants_what_lint_reports(kwargs: dict[str, Any]) -> None:
    code = (
        "from flask_cors import CORS\nCORS(app, "
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        + ")\n"
    )
    findings = lint_source(code, "t.py").findings
    examples = demonstrated(code) + [
        ("null-origin-trusted", "null") for f in findings if f.id == "null-origin-trusted"
    ]
    assert examples
    for _kind, origin in examples:
        allow, creds = flask_grants(kwargs, origin)
        assert allow == origin, (origin, allow)
        assert (creds == "true") == bool(kwargs.get("supports_credentials"))


@pytest.mark.parametrize(
    ("kwargs", "expected_id"),
    [
        ({"supports_credentials": True}, "wildcard-with-credentials"),
        ({}, "wildcard-origin"),
    ],
)
def test_flask_cors_defaults(kwargs: dict[str, Any], expected_id: str) -> None:
    code = (
        "from flask_cors import CORS\nCORS(app, "
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        + ")\n"
    )
    assert [f.id for f in lint_source(code, "t.py").findings] == [expected_id]
    # flask-cors' default origins echo any origin (with credentials when asked to).
    allow, creds = flask_grants(kwargs, "https://corsguard-probe.attacker.test")
    assert allow == "https://corsguard-probe.attacker.test"
    assert (creds == "true") == bool(kwargs)


def test_starlette_wildcard_with_credentials_reflects() -> None:
    kwargs = {"allow_origins": ["*"], "allow_credentials": True}
    assert starlette_grants(kwargs, "https://evil.attacker.test") == (
        "https://evil.attacker.test",
        "true",
    )
    code = (
        STARLETTE
        + 'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)'
    )
    assert [f.id for f in lint_source(code, "t.py").findings] == ["wildcard-with-credentials"]
