"""Report-only mode in each adapter, in process (issue #14): nothing changes, all is seen.

ASGI: the app receives the very scope and the server the very messages (streaming chunks
one by one, as the app sends them), WebSocket handshakes the policy would refuse reach the
app. WSGI: the app's iterable is returned itself. Flask: flask-cors' answers are left as
they are. Construction: a wrong ``report_only`` value is a clear error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask_cors import CORS

from corsguard import Policy, PolicyError, refusal_log
from corsguard.asgi import CORSMiddleware as ASGIMiddleware
from corsguard.flask import CORSGuard
from corsguard.observe import ReportOnlyASGI, ReportOnlyWSGI
from corsguard.wsgi import CORSMiddleware as WSGIMiddleware
from tests.helpers.asgi_calls import http_scope, run

APP = "https://app.example.test"
EVIL = "https://evil.attacker.test"


@pytest.fixture(autouse=True)
def _fresh_budget() -> None:
    refusal_log.limiter.reset()


def report_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("corsguard report-only kind=")
    ]


def test_asgi_passes_the_same_objects_and_streams(caplog: pytest.LogCaptureFixture) -> None:
    seen_scopes: list[Any] = []
    delivered: list[Any] = []
    order: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen_scopes.append(scope)
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"access-control-allow-origin", b"*")]})  # fmt: skip
        for n in range(3):
            await send({"type": "http.response.body", "body": b"%d" % n, "more_body": n < 2})
            # Each chunk has reached the server before the app makes the next one.
            order.append(f"sent {n}, server has {len(delivered) - 1}")

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        delivered.append(message)

    middleware = ASGIMiddleware(app, report_only=True, allow_origins=[APP])
    assert isinstance(middleware, ReportOnlyASGI)
    scope = http_scope("POST", "/w", [(b"origin", EVIL.encode()), (b"cookie", b"s=1")])
    before = [tuple(h) for h in scope["headers"]]
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        run(middleware(scope, receive, send))
    assert seen_scopes == [scope] and seen_scopes[0] is scope
    assert [tuple(h) for h in scope["headers"]] == before
    assert order == ["sent 0, server has 1", "sent 1, server has 2", "sent 2, server has 3"]
    assert delivered[0]["headers"] == [(b"access-control-allow-origin", b"*")]
    assert [m.get("body") for m in delivered[1:]] == [b"0", b"1", b"2"]
    (line,) = report_lines(caplog)
    assert "divergence=would-refuse" in line and "would_status=403" in line


@pytest.mark.parametrize(("accept", "lines"), [(True, 1), (False, 0)])
def test_asgi_websocket_reaches_the_app(
    accept: bool, lines: int, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        events.append("app saw the handshake")
        if accept:
            await send({"type": "websocket.accept"})
        else:
            await send({"type": "websocket.close", "code": 1008})

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = http_scope("GET", "/ws", [(b"origin", EVIL.encode())], type="websocket", scheme="wss")
    del scope["method"]
    middleware = ASGIMiddleware(app, report_only=True, allow_origins=[APP])
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        run(middleware(scope, receive, send))
    assert events == ["app saw the handshake"]
    assert [m["type"] for m in sent] == ["websocket.accept" if accept else "websocket.close"]
    found = report_lines(caplog)
    assert len(found) == lines
    if lines:
        assert "kind=websocket" in found[0] and "app_status=accepted" in found[0]


def test_asgi_lifespan_passes_through() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["type"])

    run(
        ASGIMiddleware(app, report_only=True, allow_origins=[APP])({"type": "lifespan"}, None, None)
    )
    assert calls == ["lifespan"]


def test_wsgi_returns_the_apps_iterable_and_its_start_response_arguments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = iter([b"a", b"b"])
    started: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Access-Control-Allow-Origin", EVIL), ("Vary", "Origin")])
        return body

    def start_response(*args: Any) -> Any:
        started.append(args)
        return lambda data: None

    middleware = WSGIMiddleware(app, report_only=True, allow_origins=[APP])
    assert isinstance(middleware, ReportOnlyWSGI)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "HTTP_ORIGIN": EVIL,
               "HTTP_HOST": "api.example.test", "wsgi.url_scheme": "https"}  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        result = middleware(environ, start_response)
    assert result is body
    assert started == [("200 OK", [("Access-Control-Allow-Origin", EVIL), ("Vary", "Origin")])]
    (line,) = report_lines(caplog)
    assert f'app_acao="{EVIL}"' in line and "divergence=would-refuse" in line


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_wrong_report_only_value_is_refused(value: object) -> None:
    def app(environ: Any, start_response: Any) -> Iterable[bytes]:
        return [b""]

    with pytest.raises(TypeError, match="report_only must be True or False"):
        WSGIMiddleware(app, report_only=value, allow_origins=[APP])
    with pytest.raises(TypeError, match="report_only must be True or False"):
        ASGIMiddleware(app, report_only=value, allow_origins=[APP])  # type: ignore[arg-type]


def test_an_invalid_policy_still_stops_report_only_mode() -> None:
    with pytest.raises(PolicyError):
        WSGIMiddleware(lambda e, s: [b""], report_only=True, allow_origins=["*"],
                       allow_credentials=True)  # fmt: skip


def test_enforcing_stays_the_plain_class() -> None:
    middleware = WSGIMiddleware(lambda e, s: [b""], report_only=False, allow_origins=[APP])
    assert type(middleware) is WSGIMiddleware
    asgi = ASGIMiddleware(lambda s, r, t: None, allow_origins=[APP])  # type: ignore[arg-type,return-value]
    assert type(asgi) is ASGIMiddleware


def flask_app(corsguard: str) -> Flask:
    app = Flask(__name__)
    CORS(app, supports_credentials=True)

    @app.route("/api/data", methods=["GET", "POST", "PUT"])
    def data() -> Any:
        return {"ok": True}

    public = Blueprint("public", __name__, url_prefix="/public")

    @public.route("/info")
    def info() -> str:
        return "info"

    app.register_blueprint(public)
    if corsguard == "config":
        app.config["CORSGUARD"] = {"allow_origins": [APP], "allow_credentials": True}
        app.config["CORSGUARD_BLUEPRINTS"] = {"public": {"allow_origins": ["*"]}}
        app.config["CORSGUARD_REPORT_ONLY"] = True
        CORSGuard(app)
    elif corsguard == "argument":
        CORSGuard(app, policy=Policy(allow_origins=[APP]), report_only=True)
    return app


FLASK_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/api/data", {"Origin": APP}),
    ("GET", "/api/data", {"Origin": EVIL, "Cookie": "s=1"}),
    ("POST", "/api/data", {"Origin": EVIL}),
    ("OPTIONS", "/api/data", {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}),
    ("GET", "/public/info", {"Origin": EVIL}),
    ("GET", "/api/data", {}),
]


@pytest.mark.parametrize("corsguard", ["config", "argument"])
def test_flask_extension_leaves_flask_cors_answers_alone(
    corsguard: str, caplog: pytest.LogCaptureFixture
) -> None:
    plain = flask_app("none").test_client()
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        observed = flask_app(corsguard).test_client()
        for method, path, headers in FLASK_REQUESTS:
            want = plain.open(path, method=method, headers=headers)
            have = observed.open(path, method=method, headers=headers)
            assert (have.status, sorted(have.headers.items()), have.data) == (
                want.status,
                sorted(want.headers.items()),
                want.data,
            ), (method, path)
    messages = [r.getMessage() for r in caplog.records]
    assert any("NOT ENFORCED" in m for m in messages)
    assert not any("flask-cors (CORS(...)) is also installed" in m for m in messages)
    lines = report_lines(caplog)
    kinds = {(line.split(" method=")[1].split(" ")[0], line.split("divergence=")[1].split(" ")[0])
             for line in lines}  # fmt: skip
    assert ('"POST"', "would-refuse") in kinds
    assert ('"OPTIONS"', "would-refuse") in kinds
    if corsguard == "config":
        # The public blueprint's policy grants EVIL without credentials; flask-cors adds them.
        assert any('path="/public/info"' in line for line in lines)


@pytest.mark.parametrize("value", ["true", 1])
def test_flask_report_only_setting_must_be_a_bool(value: object) -> None:
    app = Flask(__name__)
    app.config["CORSGUARD"] = {"allow_origins": [APP]}
    app.config["CORSGUARD_REPORT_ONLY"] = value
    with pytest.raises(
        PolicyError, match=r"app.config\['CORSGUARD_REPORT_ONLY'\] must be True or False"
    ):
        CORSGuard(app)


def test_starlette_with_an_invalid_policy_fails_at_startup_in_report_only_mode() -> None:
    from starlette.applications import Starlette

    app = Starlette()
    app.add_middleware(ASGIMiddleware, report_only=True, allow_origins=["null"])
    sent: list[Any] = []
    incoming = [{"type": "lifespan.startup"}]

    async def receive() -> Any:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    # Built lazily inside the first ASGI call, as under uvicorn: the error is kept and
    # reported through the lifespan protocol, so the server exits.
    run(app({"type": "lifespan"}, receive, send))
    assert [m["type"] for m in sent] == ["lifespan.startup.failed"]
    assert "null" in sent[0]["message"]


def test_flask_blueprint_policy_set_after_init_app_is_observed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = flask_app("none")
    guard = CORSGuard(app, policy=Policy(allow_origins=[APP]), report_only=True)
    guard.blueprint_policy("public", Policy(allow_origins=["https://partner.example.test"]))
    with caplog.at_level(logging.INFO, logger="corsguard"):
        app.test_client().get("/public/info", headers={"Origin": EVIL})
    messages = [r.getMessage() for r in caplog.records]
    assert any(
        m.startswith("corsguard blueprint public report-only mode: CORS policy "
                     "origins=[https://partner.example.test]") for m in messages
    )  # fmt: skip
    assert any('path="/public/info"' in m for m in report_lines(caplog))


@pytest.mark.parametrize("base", [ASGIMiddleware, WSGIMiddleware])
def test_a_subclass_of_the_middleware_cannot_silently_ignore_report_only(base: Any) -> None:
    class Custom(base):  # type: ignore[misc,valid-type]
        pass

    with pytest.raises(TypeError, match="report_only=True needs corsguard's own CORSMiddleware"):
        Custom(lambda *a: None, report_only=True, allow_origins=[APP])
    assert type(Custom(lambda *a: None, allow_origins=[APP])) is Custom
