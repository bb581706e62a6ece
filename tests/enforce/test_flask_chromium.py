"""corsguard.flask end to end in real Chromium: a trusted page reads, an attacker's page can't."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, jsonify, request

from corsguard.flask import CORSGuard
from tests.helpers.servers import free_port, serve_wsgi

SCRIPT = """
async (api) => {
  async function attempt(name, url, init) {
    try {
      const response = await fetch(url, init);
      return [name, {ok: response.ok, status: response.status, body: await response.text()}];
    } catch (error) {
      return [name, {error: String(error)}];
    }
  }
  return Object.fromEntries(await Promise.all([
    attempt("simple", api + "/api/data", {credentials: "include"}),
    attempt("preflighted", api + "/api/data",
            {headers: {"X-Token": "t"}, credentials: "include"}),
    attempt("put", api + "/api/data", {method: "PUT", headers: {"X-Token": "t"}}),
    attempt("form-post", api + "/api/transfer",
            {method: "POST", mode: "no-cors", body: new URLSearchParams({amount: "100"})}),
    attempt("public", api + "/public/info", {}),
  ]));
}
"""


def make_app(port: int) -> tuple[Any, list[tuple[str, str, str, str]]]:
    app = Flask(__name__)
    app.config["CORSGUARD"] = {
        "allow_origins": [f"http://app.example.test:{port}"],
        "allow_methods": ["GET", "PUT"],
        "allow_headers": ["X-Token"],
        "allow_credentials": True,
        # Plain http only because this test runs without certificates.
        "tolerate_insecure_origins": True,
    }
    app.config["CORSGUARD_BLUEPRINTS"] = {"public": {"allow_origins": ["*"]}}
    views: list[tuple[str, str, str, str]] = []

    def seen(name: str) -> None:
        views.append((name, request.method, request.host, request.headers.get("Origin", "")))

    @app.route("/")
    def page() -> str:
        return "<!doctype html><title>page</title>"

    @app.route("/api/data", methods=["GET", "PUT"])
    def data() -> Any:
        seen("data")
        return jsonify(secret="account 42")

    @app.route("/api/transfer", methods=["POST"])
    def transfer() -> str:
        seen("transfer")
        return "done"

    public = Blueprint("public", __name__, url_prefix="/public")

    @public.route("/info")
    def info() -> str:
        seen("info")
        return "public info"

    app.register_blueprint(public)
    CORSGuard(app)

    log: list[tuple[str, str, str, str]] = []
    lock = threading.Lock()

    def logged(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            with lock:
                log.append(
                    (environ["REQUEST_METHOD"], environ["PATH_INFO"],
                     environ.get("HTTP_ORIGIN", ""), status.split()[0])
                )  # fmt: skip
            return start_response(status, headers, exc_info)

        return app.wsgi_app(environ, start)  # type: ignore[no-any-return]

    app.views_seen = views  # type: ignore[attr-defined]
    return logged, log, app


def test_flask_in_chromium(chromium: Any) -> None:
    port = free_port()
    wsgi, log, app = make_app(port)
    api = f"http://api.example.test:{port}"
    trusted = f"http://app.example.test:{port}"
    attacker = f"http://evil.attacker.test:{port}"
    results = {}
    with serve_wsgi(wsgi, port=port):
        for origin in (trusted, attacker):
            context = chromium.new_context()
            try:
                page = context.new_page()
                page.goto(origin + "/")
                results[origin] = page.evaluate(SCRIPT, api)
            finally:
                context.close()

    good = results[trusted]
    assert good["simple"] == {"ok": True, "status": 200, "body": '{"secret":"account 42"}\n'}
    assert good["preflighted"]["ok"] and "account 42" in good["preflighted"]["body"]
    assert good["put"]["ok"]
    assert good["public"]["body"] == "public info"

    bad = results[attacker]
    for name in ("simple", "preflighted", "put"):
        assert "error" in bad[name] and "Failed to fetch" in bad[name]["error"], name
    assert bad["public"]["body"] == "public info"  # the public blueprint serves everyone

    # What the server saw: the attacker's preflights and form POST were refused before any
    # view ran; the trusted page's preflights were answered with 204.
    attacker_log = [entry for entry in log if entry[2] == attacker]
    assert ("OPTIONS", "/api/data", attacker, "403") in attacker_log
    assert ("POST", "/api/transfer", attacker, "403") in attacker_log
    assert not any(method == "PUT" for method, *_ in attacker_log)
    assert ("OPTIONS", "/api/data", trusted, "204") in log
    views = app.views_seen
    assert ("transfer", "POST", f"api.example.test:{port}", trusted) in views
    assert not any(origin == attacker for name, _m, _h, origin in views if name == "transfer")
    assert not any(origin == attacker and method == "PUT" for _n, method, _h, origin in views)
    assert ("data", "PUT", f"api.example.test:{port}", trusted) in views
