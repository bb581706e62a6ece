"""A leftover flask-cors ``CORS(app, supports_credentials=True)`` never decides a response.

With the real flask-cors package, registered before and after `CORSGuard`, through Flask's
test client and once under a real WSGI server (wsgiref).
"""

from __future__ import annotations

import http.client
import logging

import pytest
from flask import Blueprint, Flask, abort
from flask_cors import CORS, cross_origin

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


# Requests corsguard never decides: a hook registered ahead of corsguard's answers first
# (a rate limiter, an auth check), a url_value_preprocessor aborts before any before_request
# runs, or the route has no corsguard policy (only blueprint policies are set). The
# leftover's after_request hook still runs on those responses; it must not grant anything.
def _skipped_by_early_hook(app: Flask) -> None:
    app.before_request_funcs[None].insert(0, lambda: ("slow down", 429))


def _skipped_by_url_processor(app: Flask) -> None:
    app.url_value_preprocessor(lambda endpoint, values: abort(401))


UNDECIDED = {
    "early-before-request": (_skipped_by_early_hook, "/data", 429),
    "url-value-preprocessor": (_skipped_by_url_processor, "/data", 401),
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("case", sorted(UNDECIDED))
@pytest.mark.parametrize("leftover", ["CORS(app)", "CORS().init_app(app)", "@cross_origin"])
def test_a_request_corsguard_never_decided_gets_no_grant(
    order: str, case: str, leftover: str
) -> None:
    change, path, status = UNDECIDED[case]
    app = Flask(__name__)
    app.config["CORSGUARD"] = {"allow_origins": [TRUSTED], "allow_credentials": True}

    def data() -> str:
        return "secret"

    app.get("/data")(
        cross_origin(supports_credentials=True)(data) if leftover == "@cross_origin" else data
    )

    def install_leftover() -> None:
        if leftover == "CORS(app)":
            CORS(app, supports_credentials=True)
        elif leftover == "CORS().init_app(app)":
            CORS().init_app(app, supports_credentials=True)

    if order == "flask-cors-first":
        install_leftover()
        CORSGuard(app)
    else:
        CORSGuard(app)
        install_leftover()
    change(app)
    response = app.test_client().get(path, headers={"Origin": EVIL})
    assert response.status_code == status
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize(
    ("method", "extra"),
    [("GET", {}), ("OPTIONS", {"Access-Control-Request-Method": "GET"})],
)
def test_routes_outside_the_blueprint_policies_get_no_leftover_grant(
    order: str, method: str, extra: dict[str, str]
) -> None:
    # docs/deployment.md: with only blueprint policies, requests outside those blueprints
    # get no CORS headers; a leftover CORS(app) or CORS(blueprint) must not add its own.
    app = Flask(__name__)
    app.config["CORSGUARD_BLUEPRINTS"] = {"public": {"allow_origins": [TRUSTED]}}
    public = Blueprint("public", __name__)
    public.get("/public")(lambda: "public")
    other = Blueprint("other", __name__)
    other.get("/other")(lambda: "other")
    app.get("/data")(lambda: "secret")
    if order == "flask-cors-first":
        CORS(app, supports_credentials=True)
        CORS(other, supports_credentials=True)
    app.register_blueprint(public)
    app.register_blueprint(other)
    CORSGuard(app)
    if order == "corsguard-first":
        CORS(app, supports_credentials=True)
    client = app.test_client()
    for path in ("/data", "/other"):
        response = client.open(path, method=method, headers={"Origin": EVIL, **extra})
        assert "Access-Control-Allow-Origin" not in response.headers, path
        assert "Access-Control-Allow-Credentials" not in response.headers, path
    granted = client.get("/public", headers={"Origin": TRUSTED})
    assert granted.headers.getlist("Access-Control-Allow-Origin") == [TRUSTED]


def test_report_only_leaves_an_undecided_response_alone() -> None:
    # Report-only changes nothing, not even the headers of a request it never saw.
    app = Flask(__name__)
    app.config["CORSGUARD"] = {"allow_origins": [TRUSTED]}
    app.config["CORSGUARD_REPORT_ONLY"] = True
    app.get("/data")(lambda: "secret")
    CORS(app, supports_credentials=True)
    CORSGuard(app)
    _skipped_by_early_hook(app)
    response = app.test_client().get("/data", headers={"Origin": EVIL})
    assert response.status_code == 429
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
