"""Write trust with HTTP authentication the server did itself (issue #10, point 4).

Behind Apache's mod_wsgi (and IIS), the server checks Basic/Digest/Negotiate credentials
and hands the app ``REMOTE_USER`` (CGI, RFC 3875 §4.1.11) without the ``Authorization``
header (mod_wsgi passes it only with ``WSGIPassAuthorization On``). The browser attaches
those credentials to a cross-site form POST by itself, so a request whose environ names an
authenticated user carries credentials even when no header shows them: from an origin
trusted without credentials it must be refused, as a ``Cookie`` would be.
"""

from __future__ import annotations

from typing import Any

import pytest

from corsguard import Policy
from corsguard.wsgi import CORSMiddleware
from tests.helpers.wsgi_calls import Recorder, environ

EVIL = "https://evil.attacker.test"
APP = "https://app.example.test"

# (name, policy options, origin, environ additions, status, app ran)
CASES: list[tuple[str, dict[str, Any], str, dict[str, str], int, bool]] = [
    ("*: REMOTE_USER, no Authorization", {"allow_origins": ["*"]}, EVIL,
     {"REMOTE_USER": "alice"}, 403, False),
    ("*: REMOTE_USER and AUTH_TYPE", {"allow_origins": ["*"]}, EVIL,
     {"REMOTE_USER": "alice", "AUTH_TYPE": "Basic"}, 403, False),
    ("*: no user", {"allow_origins": ["*"]}, EVIL, {}, 200, True),
    ("*: empty REMOTE_USER (no user)", {"allow_origins": ["*"]}, EVIL,
     {"REMOTE_USER": ""}, 200, True),
    # The Authorization header, where the server passes it, says which scheme it is.
    ("*: REMOTE_USER from a Bearer token", {"allow_origins": ["*"]}, EVIL,
     {"REMOTE_USER": "alice", "HTTP_AUTHORIZATION": "Bearer t0ken"}, 200, True),
    ("list without credentials", {"allow_origins": [APP]}, APP,
     {"REMOTE_USER": "alice"}, 403, False),
    ("pattern without credentials", {"allow_origins": ["https://*.vercel.app"]},
     "https://x.vercel.app", {"REMOTE_USER": "alice"}, 403, False),
    ("list with credentials", {"allow_origins": [APP], "allow_credentials": True}, APP,
     {"REMOTE_USER": "alice"}, 200, True),
    ("exempt path", {"allow_origins": ["*"], "write_protection_exempt_paths": ["/x"]}, EVIL,
     {"REMOTE_USER": "alice"}, 200, True),
]  # fmt: skip


def _app(ran: list[str]) -> Any:
    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        ran.append(env["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ran"]

    return app


@pytest.mark.parametrize(
    ("options", "origin", "extra", "status", "runs"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_wsgi_middleware(
    options: dict[str, Any], origin: str, extra: dict[str, str], status: int, runs: bool
) -> None:
    ran: list[str] = []
    middleware = CORSMiddleware(_app(ran), policy=Policy(**options))
    # Twice: a policy without routes remembers pass-throughs, and the memo must not let a
    # request through because one without a user passed before it.
    for env_extra in ({}, extra):
        ran.clear()
        env = environ("POST", "/x/y", origin=origin, sec_fetch_site="cross-site")
        env.update(env_extra)
        recorder = Recorder()
        middleware(env, recorder)
    assert recorder.status == status
    assert bool(ran) == runs


@pytest.mark.parametrize(
    ("options", "origin", "extra", "status", "runs"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_flask_extension(
    options: dict[str, Any], origin: str, extra: dict[str, str], status: int, runs: bool
) -> None:
    from flask import Flask

    from corsguard.flask import CORSGuard

    app = Flask(__name__)
    ran: list[str] = []

    @app.post("/x/y")
    def view() -> str:
        ran.append("y")
        return "ran"

    CORSGuard(app, policy=Policy(**options))
    client = app.test_client()
    response = client.post(
        "/x/y",
        headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"},
        environ_base=extra,
    )
    assert response.status_code == status
    assert bool(ran) == runs
