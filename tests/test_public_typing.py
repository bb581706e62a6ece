"""The README's quickstarts type-check under mypy --strict, as users' CI runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api as mypy_api

QUICKSTARTS = """
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from flask import Flask

from corsguard import Policy
from corsguard.asgi import CORSMiddleware
from corsguard.flask import CORSGuard
from corsguard.testing import fetch
from corsguard.wsgi import CORSMiddleware as WSGICORSMiddleware

app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://app.example.com", "http://localhost:3000"],
    allow_methods=["GET", "POST", "PUT", "DELETE"],
    allow_headers=["Authorization", "X-Request-Id"],
    allow_credentials=True,
)
app.add_middleware(CORSMiddleware, policy=Policy.from_env())

star = Starlette(
    routes=[],
    middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example.com"])],
)

flask_app = Flask(__name__)
flask_app.wsgi_app = WSGICORSMiddleware(  # type: ignore[method-assign]
    flask_app.wsgi_app, allow_origins=["https://app.example.com"], allow_credentials=True
)
CORSGuard(flask_app)

result = fetch(app, "https://api.example.com/items", origin="https://app.example.com")
allowed: bool = result.allowed
reason: str = result.reason
"""


@pytest.mark.servers  # runs mypy over FastAPI and Starlette: seconds, not milliseconds
def test_readme_quickstarts_pass_mypy_strict(tmp_path: Path) -> None:
    module = tmp_path / "quickstarts.py"
    module.write_text(QUICKSTARTS)
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), str(module)]
    )
    assert status == 0, out + err
