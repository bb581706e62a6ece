"""`corsguard audit --app MODULE:ATTR [PATH...]` and `--policy FILE`, in-process (no server).

The comparison with the same apps served by uvicorn/gunicorn is in
test_audit_app_servers.py; here: route listing, the paths and base URL, apps that raise,
hang or stream forever, the output formats, and the trusted origins taken from a policy.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.audit.routes import list_routes
from corsguard.audit.transport import AppTransport
from corsguard.cli import main
from tests.helpers import apps_auditapp
from tests.helpers.apps_auditapp import LISTED, MISTAKES, TRUSTED
from tests.helpers.audit_schemas import JSON_SCHEMA, SARIF_SCHEMA, validate

SPEC = "tests.helpers.apps_auditapp"


def _audit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["audit", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _findings(document: dict[str, Any]) -> dict[str, set[str]]:
    return {
        t["url"].split("testserver", 1)[1]: {f["id"] for f in t["findings"]}
        for t in document["targets"]
    }


# --- Route listing ------------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["starlette_app", "fastapi_app", "flask_app"])
def test_routes_are_the_get_routes_without_parameters(attr: str) -> None:
    routes = list_routes(getattr(apps_auditapp, attr))
    assert routes is not None
    # FastAPI's /boom is not declared; Starlette and Flask declare it (it raises when called).
    expected = set(LISTED) | ({"/boom"} if attr != "fastapi_app" else set())
    assert set(routes) == expected
    assert len(routes) == len(set(routes))


def test_routes_are_found_under_middleware() -> None:
    from corsguard import Policy
    from corsguard.asgi import CORSMiddleware
    from corsguard.wsgi import CORSMiddleware as WSGIMiddleware

    policy = Policy(allow_origins=[TRUSTED])
    asgi = CORSMiddleware(apps_auditapp.starlette_app, policy=policy)
    wsgi = WSGIMiddleware(apps_auditapp.flask_app, policy=policy)
    assert set(list_routes(asgi) or ()) >= set(MISTAKES)
    assert set(list_routes(wsgi) or ()) >= set(MISTAKES)


def test_an_app_of_no_known_framework_has_no_route_list() -> None:
    async def raw(scope: Any, receive: Any, send: Any) -> None:
        pass

    assert list_routes(raw) is None


# --- The audit, in-process ------------------------------------------------------------------------


@pytest.mark.parametrize("attr", ["starlette_app", "fastapi_app", "flask_app"])
def test_each_mistake_is_found_in_process(
    attr: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    status = main(
        [
            *("audit", "--app", f"{SPEC}:{attr}", "--origin", TRUSTED),
            *("--format", "json", "-o", str(out), *MISTAKES),
        ]
    )
    document = json.loads(out.read_text())
    validate(document, JSON_SCHEMA)
    assert _findings(document) == {path: set(ids) for path, ids in MISTAKES.items()}
    assert status == 1  # origin-reflected is high


def test_without_paths_the_listed_routes_are_audited(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = _audit(
        capsys, "--app", f"{SPEC}:fastapi_app", "--origin", TRUSTED, "--format", "json"
    )
    document = json.loads(out)
    assert [t["url"] for t in document["targets"]] == [f"http://testserver{p}" for p in LISTED]
    assert status == 1


@pytest.mark.parametrize(
    ("fmt", "schema"), [("json", JSON_SCHEMA), ("sarif", SARIF_SCHEMA), ("jsonl", None)]
)
def test_every_format_is_written(
    fmt: str, schema: dict[str, Any] | None, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = _audit(
        capsys, "--app", f"{SPEC}:flask_app", "--origin", TRUSTED, "--format", fmt, "/reflect"
    )
    assert status == 1
    if schema is None:
        lines = [json.loads(line) for line in out.splitlines()]
        assert [line["url"] for line in lines] == ["http://testserver/reflect"]
        assert {f["id"] for f in lines[0]["findings"]} == {"origin-reflected"}
    else:
        validate(json.loads(out), schema)
        assert "origin-reflected" in out


def test_base_url_sets_the_host_the_app_sees(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[bytes] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(dict(scope["headers"])[b"host"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    module = types.ModuleType("corsguard_test_hostapp")
    module.app = app  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        status, out, err = _audit(
            capsys,
            *("--app", "corsguard_test_hostapp:app", "--base-url", "https://api.example.test"),
            *("--format", "json", "/x", "y?q=1", "/caf\u00e9"),
        )
    finally:
        del sys.modules[module.__name__]
    assert status == 0, err
    urls = [t["url"] for t in json.loads(out)["targets"]]
    assert urls == [
        "https://api.example.test/x",
        "https://api.example.test/y?q=1",
        "https://api.example.test/caf%C3%A9",
    ]
    assert set(seen) == {b"api.example.test"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", f"{SPEC}:flask_app", "https://api.example.test/x"], "give paths"),
        (["--app", f"{SPEC}:flask_app", "--prove", "/x"], "--app audits in-process"),
        (["--app", f"{SPEC}:flask_app", "-k", "/x"], "--app audits in-process"),
        (["--app", f"{SPEC}:flask_app", "--base-url", "http://a.test/v1", "/x"], "only a scheme"),
        (["--app", f"{SPEC}:flask_app", "--base-url", "ftp://a.test", "/x"], "--base-url"),
        (["--base-url", "http://a.test", "http://a.test/x"], "it needs --app"),
        (["--app", "no_such_module_here:app", "/x"], "no module named"),
        (["--app", f"{SPEC}:nothing", "/x"], "has no attribute"),
        (["--app", "corsguard_test_raw:app"], "pass the paths"),
        (["--app", f"{SPEC}:flask_app", "--origin", TRUSTED, "--policy", "x.toml"], "give one"),
    ],
)
def test_usage_errors_are_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], raw_module: None
) -> None:
    status, out, err = _audit(capsys, *args)
    assert status == 2
    assert message in err
    assert "Traceback" not in err
    assert out == ""


@pytest.fixture
def raw_module() -> Iterator[None]:
    """An ASGI app of no framework corsguard lists, importable as corsguard_test_raw:app."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    module = types.ModuleType("corsguard_test_raw")
    module.app = app  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield
    del sys.modules[module.__name__]


def test_paths_from_an_input_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    listing = tmp_path / "paths.txt"
    listing.write_text("# paths\n/reflect\nhttps://elsewhere.test/x\n/safe\n")
    status, out, _err = _audit(
        capsys,
        "--app",
        f"{SPEC}:flask_app",
        "--origin",
        TRUSTED,
        "-i",
        str(listing),
        "--format",
        "json",
    )
    targets = json.loads(out)["targets"]
    assert [t["status"] for t in targets] == ["ok", "error", "ok"]
    assert "give paths" in targets[1]["error"]
    assert status == 1


# --- Apps that raise, hang, or stream forever -----------------------------------------------------


def test_an_app_that_raises_is_an_error_entry_and_fails_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _audit(
        capsys,
        "--app",
        f"{SPEC}:starlette_app",
        "--origin",
        TRUSTED,
        "--format",
        "json",
        "/boom",
        "/safe",
    )
    targets = json.loads(out)["targets"]
    assert targets[0]["status"] == "error"
    assert "the app raised RuntimeError: boom in the handler" in targets[0]["error"]
    assert targets[1]["status"] == "ok"
    assert status == 3  # a target errored: the gate fails
    assert "Traceback" not in err
    status, _, _ = _audit(
        capsys,
        "--app",
        f"{SPEC}:starlette_app",
        "--origin",
        TRUSTED,
        "--allow-errors",
        "/boom",
        "/safe",
    )
    assert status == 0


def _module(name: str, app: Any) -> None:
    module = types.ModuleType(name)
    module.app = app  # type: ignore[attr-defined]
    sys.modules[name] = module


async def _asgi_forever(scope: Any, receive: Any, send: Any) -> None:
    """Streams CORS-granted chunks forever and never looks at receive(), nor at the scope's
    type: it answers the lifespan scope with a response too, and must not be fed forever."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"access-control-allow-origin", b"*")],
        }
    )
    while True:
        await send({"type": "http.response.body", "body": b"x" * 4096, "more_body": True})


def _wsgi_forever(environ: Any, start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
    while True:
        yield b"x" * 4096


def _wsgi_empty_forever(environ: Any, start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Access-Control-Allow-Origin", "*")])
    while True:
        yield b""


async def _asgi_hangs(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return  # no lifespan: the hang is in answering a probe
    await asyncio.Event().wait()


RELEASE = threading.Event()


def _wsgi_hangs(environ: Any, start_response: Any) -> list[bytes]:
    RELEASE.wait(60)  # released at the end of the test; a real one never returns
    start_response("200 OK", [])
    return [b""]


@pytest.mark.parametrize(
    ("app", "status", "expect"),
    [
        # Streams forever: the body is cut at the cap, the headers are the evidence.
        (_asgi_forever, "ok", "wildcard-origin"),
        (_wsgi_forever, "ok", "wildcard-origin"),
        # Yields empty chunks forever: the deadline stops it; the headers still count.
        (_wsgi_empty_forever, "ok", "wildcard-origin"),
        # Never answers: the --timeout, then an error entry.
        (_asgi_hangs, "error", "timed out"),
        (_wsgi_hangs, "error", "timed out"),
    ],
    ids=["asgi-stream", "wsgi-stream", "wsgi-empty-chunks", "asgi-hang", "wsgi-hang"],
)
def test_time_and_memory_are_bounded(
    app: Any, status: str, expect: str, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"corsguard_test_{app.__name__.strip('_')}"
    _module(name, app)
    RELEASE.clear()
    try:
        _code, out, _err = _audit(
            capsys, "--app", f"{name}:app", "--timeout", "0.3", "--format", "json", "/"
        )
    finally:
        RELEASE.set()
        del sys.modules[name]
    target = json.loads(out)["targets"][0]
    assert target["status"] == status
    if status == "ok":
        assert expect in {f["id"] for f in target["findings"]}
    else:
        assert expect in target["error"]


def test_the_app_transport_keeps_at_most_the_body_cap() -> None:
    from corsguard.audit.transport import BODY_CAP

    transport = AppTransport(_asgi_forever, timeout=5, concurrency=1)
    raw = asyncio.run(transport.round_trip("GET", "http://testserver/", [("Origin", TRUSTED)]))
    assert raw.status == 200
    assert len(raw.body) == BODY_CAP
    assert ("access-control-allow-origin", "*") in raw.headers


def test_the_app_receives_the_probe_headers_as_from_a_server() -> None:
    seen: list[dict[bytes, bytes]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(dict(scope["headers"]))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = AppTransport(app, timeout=5, concurrency=1)
    asyncio.run(
        transport.round_trip("OPTIONS", "https://api.example.test/x", [("Origin", TRUSTED)])
    )
    headers = seen[0]
    assert headers[b"host"] == b"api.example.test"
    assert headers[b"origin"] == TRUSTED.encode()
    assert headers[b"user-agent"].startswith(b"corsguard/")
    assert headers[b"accept"] == b"*/*"


# --- --policy FILE -------------------------------------------------------------------------


def test_policy_origins_are_the_trusted_origins(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "cors.toml"
    policy.write_text(f'allow_origins = ["{TRUSTED}"]\nallow_credentials = true\n')
    common = ("--app", f"{SPEC}:flask_app", "--format", "json", *MISTAKES)
    by_policy = _audit(capsys, *common, "--policy", str(policy))
    by_origin = _audit(capsys, *common, "--origin", TRUSTED)
    assert by_policy[0] == by_origin[0] == 1
    assert json.loads(by_policy[1]) == json.loads(by_origin[1])


def test_pyproject_policy_and_its_routes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = "shop"

            [tool.corsguard]
            allow_origins = ["{TRUSTED}"]

            [tool.corsguard.routes."/null"]
            allow_origins = ["https://partner.example.test"]
            """
        )
    )
    _status, out, _err = _audit(
        capsys,
        *("--app", f"{SPEC}:flask_app", "--policy", str(pyproject), "--format", "json"),
        *("/null", "/no-vary"),
    )
    targets = {t["url"]: t for t in json.loads(out)["targets"]}
    null = targets["http://testserver/null"]
    # Under the route, the partner is the trusted front end: the fix is written for it,
    # and for the top level's origin everywhere else.
    assert "https://partner.example.test" in json.dumps(null["findings"])
    assert TRUSTED not in json.dumps([f["remediation"] for f in null["findings"]])
    no_vary = targets["http://testserver/no-vary"]
    assert {f["id"] for f in no_vary["findings"]} == {"missing-vary-origin"}
    assert TRUSTED in no_vary["findings"][0]["remediation"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('allow_origins = "https://a.test"\n', "not a valid policy"),
        ("allow_origins = [\n", "not a valid policy"),
        (None, "no such file"),
    ],
)
def test_a_bad_policy_file_is_a_usage_error(
    content: str | None, message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "cors.toml"
    if content is not None:
        policy.write_text(content)
    status, _out, err = _audit(capsys, "--app", f"{SPEC}:flask_app", "--policy", str(policy), "/x")
    assert status == 2
    assert message in err
    assert "Traceback" not in err


def test_a_wildcard_policy_audits_black_box(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "cors.toml"
    policy.write_text('allow_origins = ["*"]\n')
    by_policy = _audit(
        capsys,
        "--app",
        f"{SPEC}:flask_app",
        "--policy",
        str(policy),
        "--format",
        "json",
        "/reflect",
    )
    black_box = _audit(capsys, "--app", f"{SPEC}:flask_app", "--format", "json", "/reflect")
    assert json.loads(by_policy[1]) == json.loads(black_box[1])


@pytest.mark.parametrize("attr", ["starlette_app", "flask_app"])
def test_a_header_value_beyond_latin_1_reaches_the_app_as_utf_8(
    attr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A client sends such a -H value as UTF-8 bytes: not a crash "of the app".
    status, out, err = _audit(
        capsys,
        *("--app", f"{SPEC}:{attr}", "--origin", TRUSTED, "--format", "json"),
        *("-H", "X-Name: caf\u00e9 \u20ac", "/safe"),
    )
    assert [t["status"] for t in json.loads(out)["targets"]] == ["ok"], err
    assert status == 0


def test_the_lifespan_startup_runs_before_the_probes_and_shutdown_after(
    capsys: pytest.CaptureFixture[str],
) -> None:
    apps_auditapp.LIFESPAN_EVENTS.clear()
    status, out, _err = _audit(capsys, "--app", f"{SPEC}:lifespan_app", "--format", "json")
    target = json.loads(out)["targets"][0]
    assert target["status"] == "ok", target["error"]
    assert "wildcard-origin" in {f["id"] for f in target["findings"]}
    assert apps_auditapp.LIFESPAN_EVENTS == ["startup", "shutdown"]
    assert status == 0  # wildcard-origin without credentials is low


def test_a_failed_startup_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _audit(capsys, "--app", f"{SPEC}:failing_lifespan_app", "/state")
    assert status == 2
    assert "startup failed" in err and "the database is not reachable" in err
    assert "Traceback" not in err
    assert out == ""
