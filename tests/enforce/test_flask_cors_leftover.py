"""A leftover flask-cors ``CORS(app, supports_credentials=True)`` never decides a response.

With the real flask-cors package, registered before and after `CORSGuard`, through Flask's
test client and once under a real WSGI server (wsgiref).
"""

from __future__ import annotations

import http.client
import logging

import pytest
from flask import Flask
from flask_cors import CORS

from corsguard.flask import CORSGuard
from tests.helpers.servers import serve_wsgi

TRUSTED = "https://app.example.com"
EVIL = "https://evil.example.net"
ORDERS = ["flask-cors-first", "corsguard-first"]


def build(order: str) -> Flask:
    app = Flask(__name__)
    app.config["CORSGUARD"] = {
        "allow_origins": [TRUSTED],
        "allow_credentials": True,
        "allow_methods": ["GET", "POST"],
    }

    @app.get("/data")
    def data() -> str:
        return "secret"

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    if order == "flask-cors-first":
        CORS(app, supports_credentials=True)
        CORSGuard(app)
    else:
        CORSGuard(app)
        CORS(app, supports_credentials=True)
    return app


def test_flask_cors_alone_reflects_any_origin() -> None:
    # The hole being closed: flask-cors with credentials reflects every origin.
    app = Flask(__name__)
    CORS(app, supports_credentials=True)
    app.get("/data")(lambda: "secret")
    response = app.test_client().get("/data", headers={"Origin": EVIL})
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


# (method, path, extra request headers, expected status)
REQUESTS = [
    ("GET", "/data", {}, 200),
    ("GET", "/missing", {}, 404),
    ("OPTIONS", "/data", {"Access-Control-Request-Method": "GET"}, 403),
    ("POST", "/data", {"Content-Type": "text/plain"}, 403),
]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(("method", "path", "extra", "status"), REQUESTS)
def test_untrusted_origin_gets_no_grant(
    order: str, method: str, path: str, extra: dict[str, str], status: int
) -> None:
    client = build(order).test_client()
    response = client.open(path, method=method, headers={"Origin": EVIL, **extra})
    assert response.status_code == status
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("order", ORDERS)
def test_unhandled_exception_gets_no_grant(order: str) -> None:
    # flask-cors wraps handle_exception, adding its headers after every after_request.
    app = build(order)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom", headers={"Origin": EVIL})
    assert response.status_code == 500
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("order", ORDERS)
def test_trusted_origin_gets_corsguards_grant_only(order: str) -> None:
    client = build(order).test_client()
    response = client.get("/data", headers={"Origin": TRUSTED})
    assert response.headers.getlist("Access-Control-Allow-Origin") == [TRUSTED]
    assert response.headers.getlist("Access-Control-Allow-Credentials") == ["true"]
    preflight = client.options(
        "/data",
        headers={"Origin": TRUSTED, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers.getlist("Access-Control-Allow-Origin") == [TRUSTED]
    # corsguard's method list, not flask-cors' (which names every method of the route).
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, POST"


@pytest.mark.parametrize("order", ORDERS)
def test_leftover_is_named_in_a_warning(order: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        app = build(order)
        app.test_client().get("/data")
        app.test_client().get("/data")
    warnings = [r.getMessage() for r in caplog.records if "flask-cors" in r.getMessage()]
    assert len(warnings) == 1
    assert "remove CORS(...)" in warnings[0]


def test_no_warning_without_flask_cors(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    app.config["CORSGUARD"] = {"allow_origins": [TRUSTED]}
    app.get("/data")(lambda: "secret")
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        CORSGuard(app)
        app.test_client().get("/data")
    assert not [r for r in caplog.records if "flask-cors" in r.getMessage()]


@pytest.mark.parametrize("order", ORDERS)
def test_under_a_real_wsgi_server(order: str) -> None:
    with serve_wsgi(build(order)) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/data", headers={"Origin": EVIL})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Access-Control-Allow-Origin") is None
        connection.request("GET", "/data", headers={"Origin": TRUSTED})
        response = connection.getresponse()
        response.read()
        assert response.getheader("Access-Control-Allow-Origin") == TRUSTED
        connection.close()
