"""corsguard.flask against a real Flask app: app policy, per-blueprint policies, config errors."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify

from corsguard import Policy, PolicyError
from corsguard.flask import CORSGuard

APP = "https://app.example.com"
PARTNER = "https://partner.example.org"
EVIL = "https://evil.attacker.test"
V1 = "https://v1.partner.example.org"


def make_app(config: dict[str, Any] | None = None, register: bool = True) -> tuple[Flask, list]:
    calls: list[str] = []
    app = Flask(__name__)
    app.config.update(config or {})

    @app.route("/data", methods=["GET", "POST", "PUT"])
    def data() -> Any:
        calls.append("data")
        response = jsonify(ok=True)
        response.headers["Vary"] = "Accept-Language"
        response.headers["Access-Control-Allow-Origin"] = "*"  # dropped by corsguard
        return response

    @app.before_request
    def auth() -> Any:
        calls.append("auth")
        return None

    public = Blueprint("public", __name__, url_prefix="/public")

    @public.route("/info", methods=["GET", "POST"])
    def info() -> Any:
        calls.append("info")
        return "info"

    partner = Blueprint("partner", __name__, url_prefix="/partner")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @v1.route("/orders", methods=["GET", "POST"])
    def orders() -> Any:
        calls.append("orders")
        return "orders"

    @partner.route("/status")
    def status() -> Any:
        calls.append("status")
        return "status"

    partner.register_blueprint(v1)
    if register:
        app.register_blueprint(public)
        app.register_blueprint(partner)
    return app, calls


CONFIG = {
    "CORSGUARD": {
        "allow_origins": [APP],
        "allow_methods": ["GET", "POST", "PUT"],
        "allow_headers": ["X-Token"],
        "allow_credentials": True,
        "expose_headers": ["X-Request-Id"],
    },
    "CORSGUARD_BLUEPRINTS": {"public": {"allow_origins": ["*"]}},
}

# (name, method, path, origin, extra headers, status, ACAO, view called)
CASES = [
    ("app policy allows", "GET", "/data", APP, {}, 200, APP, True),
    ("app policy: untrusted read, no CORS", "GET", "/data", EVIL, {}, 200, None, True),
    ("app policy: untrusted write refused", "POST", "/data", EVIL, {}, 403, None, False),
    ("app policy: null write refused", "PUT", "/data", "null", {}, 403, None, False),
    ("app preflight allowed", "OPTIONS", "/data", APP,
     {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "x-token"},
     204, APP, False),
    ("app preflight refused", "OPTIONS", "/data", EVIL,
     {"Access-Control-Request-Method": "PUT"}, 403, None, False),
    ("blueprint public: any origin", "GET", "/public/info", EVIL, {}, 200, "*", True),
    ("blueprint public preflight", "OPTIONS", "/public/info", EVIL,
     {"Access-Control-Request-Method": "GET"}, 204, "*", False),
    ("nested blueprint: innermost policy", "GET", "/partner/v1/orders", V1, {}, 200, V1, True),
    ("nested blueprint: app origin not trusted", "GET", "/partner/v1/orders", APP, {}, 200, None,
     True),
    ("nested blueprint: outer policy not used", "POST", "/partner/v1/orders", PARTNER, {}, 403,
     None, False),
    ("outer blueprint: inner origin not trusted", "GET", "/partner/status", V1, {}, 200, None,
     True),
    ("outer blueprint", "GET", "/partner/status", PARTNER, {}, 200, PARTNER, True),
    ("unrouted path uses app policy", "GET", "/missing", APP, {}, 404, APP, False),
    # Write trust follows credentials: '*' takes cookieless writes only.
    ("blueprint public: cookieless POST", "POST", "/public/info", EVIL, {}, 200, "*", True),
    ("blueprint public: POST with Basic auth refused", "POST", "/public/info", EVIL,
     {"Authorization": "Basic dTpw"}, 403, None, False),
    ("blueprint public: POST with Digest auth refused", "POST", "/public/info", EVIL,
     {"Authorization": 'Digest username="u"'}, 403, None, False),
    ("app policy: credentialed POST with Basic auth", "POST", "/data", APP,
     {"Authorization": "Basic dTpw"}, 200, APP, True),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "origin", "extra", "status", "acao", "called"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_requests(
    method: str,
    path: str,
    origin: str,
    extra: dict[str, str],
    status: int,
    acao: str | None,
    called: bool,
) -> None:
    app, calls = make_app(CONFIG)
    cors = CORSGuard(app)
    cors.blueprint_policy("partner", Policy(allow_origins=[PARTNER], allow_methods=["GET"]))
    cors.blueprint_policy("partner.v1", {"allow_origins": [V1], "allow_methods": ["POST"]})
    response = app.test_client().open(path, method=method, headers={"Origin": origin, **extra})
    assert response.status_code == status
    assert response.headers.get("Access-Control-Allow-Origin") == acao
    assert len(response.headers.getlist("Access-Control-Allow-Origin")) == (acao is not None)
    view_calls = [c for c in calls if c != "auth"]
    assert bool(view_calls) == called
    if status in (204, 403):
        # Answered before any other before_request hook ran.
        assert calls == []


@pytest.mark.parametrize(
    ("path", "origin", "status", "called"),
    [("/public/info", EVIL, 403, False), ("/data", APP, 200, True)],
)
def test_cookie_bearing_writes_follow_credentials(
    path: str, origin: str, status: int, called: bool
) -> None:
    # The test client's cookie jar writes the Cookie header (a Cookie header given by hand
    # is replaced by it), as a browser's jar would.
    app, calls = make_app(CONFIG)
    CORSGuard(app)
    client = app.test_client()
    client.set_cookie("session", "1")
    response = client.post(path, headers={"Origin": origin})
    assert response.status_code == status
    assert bool({"info", "data"} & set(calls)) is called


def test_actual_and_preflight_headers() -> None:
    app, _ = make_app(CONFIG)
    CORSGuard(app)
    client = app.test_client()
    response = client.get("/data", headers={"Origin": APP})
    assert response.headers.getlist("Vary") == ["Accept-Language, Origin"]
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert response.get_json() == {"ok": True}
    preflight = client.options(
        "/data", headers={"Origin": APP, "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 204
    assert preflight.data == b""
    assert "Content-Type" not in preflight.headers
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT"
    refused = client.post("/data", headers={"Origin": EVIL})
    assert refused.data == b"Forbidden\n"
    assert refused.headers["Content-Type"].startswith("text/plain")


def test_policy_argument_and_init_app() -> None:
    app, _ = make_app()
    cors = CORSGuard(policy=Policy(allow_origins=[APP]))
    cors.blueprint_policy("public", Policy(allow_origins=["*"]))
    cors.init_app(app)
    client = app.test_client()
    assert client.get("/data", headers={"Origin": APP}).headers["Access-Control-Allow-Origin"]
    assert (
        client.get("/public/info", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"]
        == "*"
    )
    # One extension object may serve several apps.
    other, _ = make_app({"CORSGUARD": {"allow_origins": [PARTNER]}})
    CORSGuard().init_app(other)
    response = other.test_client().get("/data", headers={"Origin": PARTNER})
    assert response.headers["Access-Control-Allow-Origin"] == PARTNER


def test_blueprints_only() -> None:
    app, calls = make_app({"CORSGUARD_BLUEPRINTS": {"public": {"allow_origins": ["*"]}}})
    CORSGuard(app)
    client = app.test_client()
    assert client.get("/public/info", headers={"Origin": EVIL}).status_code == 200
    # Outside the blueprint there is no policy: corsguard refuses nothing, and grants
    # nothing either: the view's own Access-Control-* headers (or a leftover flask-cors
    # hook's) are removed, as docs/deployment.md says ("no CORS headers").
    response = client.post("/data", headers={"Origin": EVIL})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "data" in calls


# (config, CORSGuard kwargs, words every error must show)
BAD = [
    ("nothing", {}, {}, ["no CORS policy", "app.config['CORSGUARD']"]),
    ("both", {"CORSGUARD": {"allow_origins": [APP]}}, {"policy": Policy(allow_origins=[APP])},
     ["both CORSGuard(policy=...) and app.config['CORSGUARD']"]),
    ("not a dict", {"CORSGUARD": [APP]}, {}, ["app.config['CORSGUARD'] must be a dict", "list"]),
    ("unknown key", {"CORSGUARD": {"allow_origins": [APP], "allow_credential": True}}, {},
     ["'allow_credential'", "did you mean 'allow_credentials'"]),
    ("string flag", {"CORSGUARD": {"allow_origins": [APP], "allow_credentials": "yes"}}, {},
     ["allow_credentials must be True or False", "'yes'"]),
    ("unsafe", {"CORSGUARD": {"allow_origins": ["*"], "allow_credentials": True}}, {},
     ["allow_origins=['*'] with allow_credentials=True"]),
    ("blueprints not a dict", {"CORSGUARD_BLUEPRINTS": ["public"]}, {},
     ["CORSGUARD_BLUEPRINTS", "must map blueprint names"]),
    ("bad blueprint policy", {"CORSGUARD_BLUEPRINTS": {"public": {"allow_origins": ["null"]}}},
     {}, ["app.config['CORSGUARD_BLUEPRINTS']['public']", "'null'"]),
    ("public suffix", {"CORSGUARD": {"allow_origins": ["https://*-myteam.netlify.app"],
                                     "allow_credentials": True}}, {},
     ["netlify.app", "public suffix"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("config", "kwargs", "words"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_configuration_errors(
    config: dict[str, Any], kwargs: dict[str, Any], words: list[str]
) -> None:
    app, _ = make_app(config)
    with pytest.raises(PolicyError) as info:
        CORSGuard(app, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_misspelt_blueprint_name_fails_loudly() -> None:
    app, calls = make_app({"CORSGUARD": {"allow_origins": [APP]}})
    cors = CORSGuard(app)
    cors.blueprint_policy("pubic", Policy(allow_origins=["*"]))
    app.testing = True
    with pytest.raises(PolicyError) as info:
        app.test_client().get("/public/info", headers={"Origin": EVIL})
    assert "'pubic'" in str(info.value) and "did you mean 'public'" in str(info.value)
    assert calls == []


def test_blueprint_registered_after_init_app() -> None:
    app, _ = make_app(
        {
            "CORSGUARD": {"allow_origins": [APP]},
            "CORSGUARD_BLUEPRINTS": {"late": {"allow_origins": [PARTNER]}},
        },
        register=True,
    )
    CORSGuard(app)
    late = Blueprint("late", __name__, url_prefix="/late")
    late.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(late)
    response = app.test_client().get("/late/x", headers={"Origin": PARTNER})
    assert response.headers["Access-Control-Allow-Origin"] == PARTNER


def test_wrong_policy_type() -> None:
    with pytest.raises(TypeError, match=r"must be a corsguard\.Policy"):
        CORSGuard(policy={"allow_origins": [APP]})  # type: ignore[arg-type]


def test_app_set_cors_headers_are_replaced_even_without_origin() -> None:
    from flask import Flask

    from corsguard.flask import CORSGuard

    app = Flask("replaced")
    app.config["CORSGUARD"] = {"allow_origins": ["*"]}

    @app.get("/x")
    def x() -> tuple[str, int, dict[str, str]]:
        return "ok", 200, {"Access-Control-Allow-Origin": "https://evil.example", "Vary": "Cookie"}

    CORSGuard(app)
    response = app.test_client().get("/x")
    # The policy's public grant replaces the app's, Origin or not, and adds no Vary.
    assert response.headers.getlist("Access-Control-Allow-Origin") == ["*"]
    assert response.headers.get("Vary") == "Cookie"
