"""`corsguard explain --policy FILE | --app MODULE:ATTR`: offline verdicts in the policy's terms."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from tests.helpers.paths import SRC

ORIGIN = "https://app.example.com"
URL = "https://api.example.com/items"
_names = itertools.count()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["explain", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def policy_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "cors.toml"
    path.write_text(textwrap.dedent(body))
    return str(path)


PUT_ONLY = """
    allow_origins = ["https://app.example.com"]
    allow_methods = ["GET", "PUT"]
    allow_headers = ["Content-Type"]
"""


def test_reviewer_case_put_already_allowed_authorization_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reported bug: -X PUT -H 'Authorization: ...' proposed Allow-Methods: PUT."""
    path = policy_file(tmp_path, PUT_ONLY)
    status, out, _ = run(
        capsys, "--policy", path, URL, "--origin", ORIGIN, "-X", "PUT",
        "-H", "Authorization: Bearer abc",
    )  # fmt: skip
    assert status == 1
    assert "PUT is already in allow_methods" in out
    assert "add 'Authorization' to allow_headers" in out
    assert "Access-Control-Allow-Methods: PUT" not in out
    assert "add 'PUT'" not in out
    assert "Checked: with these changes the browser allows the request." in out
    status, out, _ = run(
        capsys, "--policy", path, URL, "--origin", ORIGIN, "-X", "PUT",
        "-H", "Authorization: Bearer abc", "--format", "json",
    )  # fmt: skip
    doc = json.loads(out)
    assert [(f["kind"], f["option"], f["value"]) for f in doc["fixes"]] == [
        ("policy", "allow_headers", "Authorization")
    ]
    assert "authorization" in doc["fixes"][0]["sends"].lower()
    assert doc["policy"]["verified"] is True
    assert {"option": "allow_methods", "ok": True, "text": "PUT is already in allow_methods"} in (
        doc["policy"]["options"]
    )


# (policy, extra argv, expected exit status, text that must appear, text that must not)
CASES: list[tuple[str, list[str], int, list[str], list[str]]] = [
    (PUT_ONLY, ["-X", "PUT"], 0, ["ALLOWED", "PUT is already in allow_methods"], ["Fix"]),
    (PUT_ONLY, ["-X", "POST"], 0, ["ALLOWED"], ["Fix", "allow_methods"]),
    (
        PUT_ONLY,
        ["-X", "DELETE"],
        1,
        ["add 'DELETE' to allow_methods", "Checked:"],
        ["\nFix:\n"],  # the response-header fix section
    ),
    (
        PUT_ONLY,
        ["-X", "patch"],
        1,
        ["add 'patch' to allow_methods"],
        [],
    ),
    (
        PUT_ONLY,
        ["--origin", "https://other.example.com"],
        1,
        ["add 'https://other.example.com' to allow_origins"],
        ["\nFix:\n"],
    ),
    (
        PUT_ONLY,
        ["--credentials"],
        1,
        ["set allow_credentials to true", "Checked:"],
        [],
    ),
    (
        """
        allow_origins = ["*"]
        allow_headers = ["*"]
        """,
        ["-H", "Authorization: x", "-H", "X-Token: 1"],
        1,
        [
            "X-Token is covered by '*' in allow_headers",
            "Authorization is not in allow_headers ('*' does not cover Authorization)",
            "add 'Authorization' to allow_headers",
        ],
        ["add 'X-Token'"],
    ),
    (
        """
        allow_origins = ["https://app.example.com"]
        [routes."/admin"]
        allow_origins = ["https://admin.example.com"]
        """,
        ["--url-path", "/admin/users"],
        1,
        [
            "route /admin",
            "add 'https://app.example.com' to routes['/admin'].allow_origins",
        ],
        [],
    ),
]


@pytest.mark.parametrize(("body", "extra", "status", "present", "absent"), CASES)
def test_policy_terms(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    extra: list[str],
    status: int,
    present: list[str],
    absent: list[str],
) -> None:
    path = policy_file(tmp_path, body)
    url = URL
    argv = list(extra)
    if "--url-path" in argv:
        at = argv.index("--url-path")
        url = "https://api.example.com" + argv[at + 1]
        del argv[at : at + 2]
    if "--origin" not in argv:
        argv += ["--origin", ORIGIN]
    got, out, err = run(capsys, "--policy", path, url, *argv)
    assert got == status, out + err
    for text in present:
        assert text in out
    for text in absent:
        assert text not in out


def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """A module in a fresh directory that becomes the current one (as `uvicorn main:app`)."""
    name = f"cg_app_{next(_names)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", list(__import__("sys").path))
    return name


STARLETTE = """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from corsguard.asgi import CORSMiddleware

    async def items(request):
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/items", items, methods=["GET", "PUT"])],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example.com"],
                               allow_methods=["GET", "PUT"])],
    )
"""

WRAPPED_ASGI = """
    from corsguard import Policy
    from corsguard.asgi import CORSMiddleware

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = CORSMiddleware(inner, policy=Policy(allow_origins=["https://app.example.com"],
                                              allow_methods=["GET", "PUT"]))
"""

FLASK = """
    from flask import Blueprint, Flask
    from corsguard import Policy
    from corsguard.flask import CORSGuard

    app = Flask(__name__)
    api = Blueprint("api", __name__)

    @api.route("/items", methods=["GET", "PUT"])
    def items():
        return "ok"

    @app.route("/other")
    def other():
        return "ok"

    app.register_blueprint(api, url_prefix="/api")
    guard = CORSGuard(app, policy=Policy(allow_origins=["https://app.example.com"]))
    guard.blueprint_policy("api", Policy(allow_origins=["https://app.example.com"],
                                         allow_methods=["GET", "PUT"]))
"""

STARLETTE_OWN_CORS = """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def items(request):
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/items", items, methods=["GET", "PUT"])],
                    middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example.com"],
                                           allow_methods=["GET"])])
"""


@pytest.mark.parametrize(
    ("source", "path", "where"),
    [
        (STARLETTE, "/items", "corsguard.asgi.CORSMiddleware (app.add_middleware)"),
        (WRAPPED_ASGI, "/items", "corsguard.asgi.CORSMiddleware in"),
        (FLASK, "/api/items", "Flask CORSGuard (blueprint 'api')"),
    ],
)
def test_app_policy_found_and_verdict_from_app(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    source: str,
    path: str,
    where: str,
) -> None:
    name = write_module(tmp_path, monkeypatch, source)
    url = "http://api.example.com" + path
    status, out, err = run(
        capsys, "--app", f"{name}:app", url, "--origin", ORIGIN, "-X", "PUT",
        "-H", "Authorization: Bearer abc",
    )  # fmt: skip
    assert status == 1, err
    assert where in out
    assert "(preflight) 403" in out  # the app itself answered the preflight
    assert "PUT is already in allow_methods" in out
    assert "add 'Authorization' to allow_headers" in out
    assert "Access-Control-Allow-Methods: PUT" not in out
    # Without the header the preflight passes; the PUT itself is not run without --send.
    status, out, _ = run(capsys, "--app", f"{name}:app", url, "--origin", ORIGIN, "-X", "PUT")
    assert status == 1 and "NOT PROVEN" in out
    status, out, _ = run(
        capsys, "--app", f"{name}:app", url, "--origin", ORIGIN, "-X", "PUT", "--send"
    )
    assert status == 0 and "ALLOWED" in out


def test_flask_app_wide_policy_outside_the_blueprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write_module(tmp_path, monkeypatch, FLASK)
    status, out, _ = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/other", "--origin", ORIGIN,
        "-X", "PUT", "--send",
    )  # fmt: skip
    assert status == 1
    assert "Policy (Flask CORSGuard in" in out
    assert "add 'PUT' to allow_methods" in out


def test_app_without_corsguard_keeps_header_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write_module(tmp_path, monkeypatch, STARLETTE_OWN_CORS)
    status, out, _ = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/items", "--origin", ORIGIN,
        "-X", "PUT",
    )  # fmt: skip
    assert status == 1
    assert "no corsguard policy was found" in out
    assert "Access-Control-Allow-Methods" in out  # the response-header fix is all there is


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "expected MODULE:ATTR"),
        ("cg_missing_module_xyz:app", "no module named 'cg_missing_module_xyz'"),
        ("{module}:nothere", "has no attribute 'nothere'"),
        ("{module}:VALUE", "not an ASGI or WSGI app"),
        ("{broken}:app", "importing '{broken}' failed: ZeroDivisionError"),
        ("{needs}:app", "it needs the module 'cg_not_installed_dep'"),
    ],
)
def test_app_load_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec: str,
    message: str,
) -> None:
    module = write_module(tmp_path, monkeypatch, textwrap.dedent(WRAPPED_ASGI) + "\nVALUE = 3\n")
    broken = write_module(tmp_path, monkeypatch, "x = 1 / 0\n")
    needs = write_module(tmp_path, monkeypatch, "import cg_not_installed_dep\n")
    fill = {"module": module, "broken": broken, "needs": needs}
    status, out, err = run(capsys, "--app", spec.format(**fill), URL, "--origin", ORIGIN)
    assert status == 2
    assert message.format(**fill) in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "no such file"),
        ('allow_origins = "https://a.example"\nallow_methodz = ["PUT"]\n', "not a valid policy"),
        ("allow_origins = [\n", "not a valid policy"),
    ],
)
def test_policy_file_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str | None, message: str
) -> None:
    path = tmp_path / "cors.toml"
    if body is not None:
        path.write_text(body)
    status, _out, err = run(capsys, "--policy", str(path), URL, "--origin", ORIGIN)
    assert status == 2
    assert message in err and "Traceback" not in err


def test_nothing_sent_over_the_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import corsguard.http_client as http_client

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("explain --policy must not use the network")

    monkeypatch.setattr(http_client, "send", refuse)
    path = policy_file(tmp_path, PUT_ONLY)
    status, out, _ = run(capsys, "--policy", path, "203.0.113.9/items", "--origin", ORIGIN)
    assert status == 0
    assert "GET http://203.0.113.9/items" in out


DJANGO_FILES = {
    "cgproj_settings.py": """
        SECRET_KEY = "corsguard-tests"
        DEBUG = False
        ALLOWED_HOSTS = ["api.example.com"]
        INSTALLED_APPS = ["corsguard.django.CORSGuardConfig"]
        MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware"]
        ROOT_URLCONF = "cgproj_urls"
        DATABASES = {}
        USE_TZ = True
        CORSGUARD = {"allow_origins": ["https://app.example.com"], "allow_methods": ["GET", "PUT"]}
    """,
    "cgproj_urls.py": """
        from django.http import HttpResponse
        from django.urls import path

        def items(request):
            return HttpResponse("ok")

        urlpatterns = [path("items", items)]
    """,
    "cgproj_wsgi.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgproj_settings")
        from django.core.wsgi import get_wsgi_application
        application = get_wsgi_application()
    """,
    "cgproj_asgi.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgproj_settings")
        from django.core.asgi import get_asgi_application
        application = get_asgi_application()
    """,
}


@pytest.mark.parametrize("module", ["cgproj_wsgi", "cgproj_asgi"])
def test_django_project_policy_from_settings(tmp_path: Path, module: str) -> None:
    """A Django project, run as `corsguard explain` in its directory (Django's settings are
    process-wide, so in a process of its own)."""
    import os
    import subprocess
    import sys

    for name, source in DJANGO_FILES.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    src = str(SRC)
    env = {**os.environ, "PYTHONPATH": src}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    argv = [
        sys.executable, "-m", "corsguard", "explain", "--app", f"{module}:application",
        "https://api.example.com/items", "--origin", ORIGIN, "-X", "PUT",
        "-H", "Authorization: Bearer abc", "--format", "json",
    ]  # fmt: skip
    done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["policy"]["source"] == f"Django settings.CORSGUARD in {module}:application"
    assert doc["exchanges"][0]["status"] == 403  # Django's middleware refused the preflight
    assert [f["line"] for f in doc["fixes"]] == ["add 'Authorization' to allow_headers"]
    assert doc["policy"]["verified"] is True


def test_same_origin_request_asks_nothing_of_the_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = policy_file(tmp_path, PUT_ONLY)
    status, out, _ = run(
        capsys, "--policy", path, URL, "--origin", "https://api.example.com", "-X", "DELETE",
        "--format", "json",
    )  # fmt: skip
    doc = json.loads(out)
    assert status == 0 and doc["cross_origin"] is False
    assert doc["policy"]["options"] == [] and doc["fixes"] == []
    assert "CORS does not apply" in doc["policy"]["notes"][0]


OTHER_CORS_FIRST = """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from corsguard.asgi import CORSMiddleware

    async def items(request):
        return PlainTextResponse("ok")

    # Starlette's own CORS middleware outside corsguard's answers preflights first.
    app = Starlette(
        routes=[Route("/items", items, methods=["GET", "DELETE"])],
        middleware=[
            Middleware(StarletteCORS, allow_origins=["https://app.example.com"],
                       allow_methods=["*"]),
            Middleware(CORSMiddleware, allow_origins=["https://app.example.com"]),
        ],
    )
"""


def test_app_allows_what_the_policy_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write_module(tmp_path, monkeypatch, OTHER_CORS_FIRST)
    status, out, _ = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/items", "--origin", ORIGIN,
        "-X", "DELETE", "--format", "json",
    )  # fmt: skip
    doc = json.loads(out)
    assert doc["preflight"]["outcome"] == "passed"  # Starlette's middleware granted it
    assert {"option": "allow_methods", "ok": False, "text": "DELETE is not in allow_methods"} in (
        doc["policy"]["options"]
    )
    assert doc["policy"]["fixes"] == []  # nothing to fix in a request the app allows
    assert status == 1  # the DELETE itself is not run without --send
    status, out, _ = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/items", "--origin", ORIGIN,
        "-X", "DELETE", "--send",
    )  # fmt: skip
    assert status == 0
    assert "does not grant it: something besides corsguard's policy" in out


NOISY_AND_FAILING = """
    print("starting up: banner on stdout")

    async def app(scope, receive, send):
        print("handling", scope["path"])
        if scope["path"] == "/boom":
            raise RuntimeError("database is down")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"access-control-allow-origin", b"https://app.example.com")]})
        await send({"type": "http.response.body", "body": b"ok"})
"""


def test_app_output_kept_off_stdout_and_app_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = write_module(tmp_path, monkeypatch, NOISY_AND_FAILING)
    status, out, err = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/ok", "--origin", ORIGIN, "--json"
    )
    assert status == 0 and json.loads(out)["allowed"] is True
    assert "starting up" in err and "handling /ok" in err
    status, out, err = run(
        capsys, "--app", f"{name}:app", "http://api.example.com/boom", "--origin", ORIGIN
    )
    assert status == 2 and out == ""
    assert "raised RuntimeError while answering: database is down" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "sent"),
    [
        ("https://api.example.com/ü?q=é x", "https://api.example.com/%C3%BC?q=%C3%A9%20x"),
        ("https://bücher.example/items", "https://xn--bcher-kva.example/items"),
        ("api.example.com/a b", "http://api.example.com/a%20b"),
    ],
)
def test_urls_as_the_browser_sends_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, sent: str
) -> None:
    path = policy_file(tmp_path, 'allow_origins = ["https://app.example.com"]\n')
    status, out, err = run(capsys, "--policy", path, url, "--origin", ORIGIN, "--json")
    assert status == 0, err
    assert json.loads(out)["exchanges"][0]["url"] == sent


def test_request_fetch_refuses_is_not_blamed_on_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = policy_file(tmp_path, PUT_ONLY)
    status, out, _ = run(capsys, "--policy", path, URL, "--origin", ORIGIN, "-X", "TRACE")
    assert status == 1
    assert "fetch() refuses the forbidden method TRACE" in out
    assert "yet the app's answer fails" not in out


def test_pyproject_table_and_policy_naming_terms_for_an_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.corsguard]\n'
        'allow_origins = ["https://app.example.com"]\nallow_methods = ["GET"]\n'
    )
    pyproject = str(tmp_path / "pyproject.toml")
    status, out, _ = run(capsys, "--policy", pyproject, URL, "--origin", ORIGIN, "-X", "PUT")
    assert status == 1 and "add 'PUT' to allow_methods" in out
    # An app without corsguard: the verdict is the app's, the file names the options.
    name = write_module(tmp_path, monkeypatch, STARLETTE_OWN_CORS)
    status, out, _ = run(
        capsys, "--app", f"{name}:app", "--policy", pyproject, "http://api.example.com/items",
        "--origin", ORIGIN, "-X", "PUT", "--format", "json",
    )  # fmt: skip
    doc = json.loads(out)
    assert status == 1
    assert doc["policy"]["source"] == f"policy file {pyproject}"
    assert doc["exchanges"][0]["status"] == 400  # Starlette's CORSMiddleware refused it
    assert [f["line"] for f in doc["fixes"]] == ["add 'PUT' to allow_methods"]


def test_a_fix_keeps_every_other_option() -> None:
    """The fixed policy is the user's policy with one change: every option survives."""
    from corsguard import Policy
    from corsguard.explain_policy import _options

    policy = Policy(
        allow_origins=["https://app.example.com", "https://*.preview.example.com"],
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Token"],
        allow_credentials=True,
        expose_headers=["X-Total"],
        max_age=77,
        allow_private_network=True,
        block_cross_origin_writes=False,
        write_protection_exempt_paths=["/hooks"],
        block_cross_origin_websockets=False,
        tolerate_insecure_origins=True,
        debug=True,
        routes={"/public": Policy(allow_origins=["*"])},
    )
    rebuilt = Policy(**_options(policy))
    assert repr(rebuilt) == repr(policy)
    for name, value in _options(policy).items():
        assert _options(rebuilt)[name] == value, name
