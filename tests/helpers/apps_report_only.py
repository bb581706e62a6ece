"""Apps with their own CORS handling, for report-only mode (issue #14).

A FastAPI app behind Starlette's CORSMiddleware and a Flask app with flask-cors, both
configured as teams do before moving to an allowlist: every origin reflected, with
credentials. Each is built without corsguard or with corsguard in report-only mode, so
that tests can compare the two byte for byte. Importable by a gunicorn subprocess:
``tests.helpers.apps_report_only:flask_app_from_env()`` reads CORSGUARD_TEST_MODE
(none, wsgi, extension).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

# At module level: FastAPI resolves the handlers' string annotations in this namespace.
from fastapi import Request

# The policy the team means to enforce: its known front end only.
FRONT_END = "https://app.example.test"
POLICY: dict[str, Any] = {
    "allow_origins": [FRONT_END],
    "allow_methods": ["GET", "POST"],
    "allow_headers": ["content-type"],
    "allow_credentials": True,
}
STREAM_CHUNKS = [b"chunk-%d\n" % n for n in range(3)]


def fastapi_app(report_only: bool | None, policy: dict[str, Any] | None = None) -> Any:
    """None: no corsguard; True: corsguard in report-only mode in front of the app's CORS;
    False: corsguard enforcing. ``policy``: the Policy options (default POLICY)."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse, StreamingResponse
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS

    from corsguard.asgi import CORSMiddleware

    app = FastAPI()
    app.state.writes = 0

    @app.get("/api/items")
    def items() -> dict[str, list[int]]:
        return {"items": [1, 2, 3]}

    @app.post("/api/items")
    async def create(request: Request) -> PlainTextResponse:
        app.state.writes += 1
        return PlainTextResponse(f"created {len(await request.body())} bytes", status_code=201)

    @app.put("/api/items")
    def replace() -> PlainTextResponse:
        return PlainTextResponse("replaced")

    @app.get("/api/stream")
    def stream() -> StreamingResponse:
        def chunks() -> Iterator[bytes]:
            yield from STREAM_CHUNKS

        return StreamingResponse(chunks(), media_type="text/plain")

    app.add_middleware(
        StarletteCORS,
        allow_origin_regex=".*",
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    if report_only is not None:
        app.add_middleware(CORSMiddleware, report_only=report_only, **(policy or POLICY))
    return app


def flask_app(mode: str) -> Any:
    """mode: "none", "wsgi" (corsguard.wsgi.CORSMiddleware) or "extension" (CORSGuard)."""
    from flask import Flask, Response, request, stream_with_context
    from flask_cors import CORS

    app = Flask(__name__)
    CORS(app, supports_credentials=True)  # flask-cors reflects any origin, with credentials

    @app.get("/api/items")
    def items() -> Any:
        return {"items": [1, 2, 3]}

    @app.post("/api/items")
    def create() -> Any:
        return Response(f"created {len(request.get_data())} bytes", status=201)

    @app.put("/api/items")
    def replace() -> Any:
        return "replaced"

    @app.get("/api/stream")
    def stream() -> Any:
        return Response(stream_with_context(iter(STREAM_CHUNKS)), mimetype="text/plain")

    if mode == "wsgi":
        from corsguard.wsgi import CORSMiddleware

        app.wsgi_app = CORSMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, report_only=True, **POLICY
        )
    elif mode == "extension":
        from corsguard.flask import CORSGuard

        app.config["CORSGUARD"] = POLICY
        app.config["CORSGUARD_REPORT_ONLY"] = True
        CORSGuard(app)
    elif mode != "none":
        raise ValueError(mode)
    return app


def flask_app_from_env() -> Any:
    return flask_app(os.environ.get("CORSGUARD_TEST_MODE", "none"))
