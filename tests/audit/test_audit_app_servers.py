"""`audit --app` against a live audit of the same app on a real server: the same report.

Each app is served for real (uvicorn for ASGI, gunicorn for WSGI, each in its own process
as users run them) and audited over HTTP; then the same app is audited with
``--app MODULE:ATTR --base-url`` of that server, so that every URL is the same. The two
JSON reports must agree on every target: status, error, number of probes, notes, and every
finding with its evidence. Only the stack line may differ (a live audit also reads the
server's own Server header, which no server adds in-process; docs/audit.md says so), so
the stack and the fixes written for it are left out of the comparison.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from corsguard.lab import ENDPOINTS
from tests.helpers.apps_auditapp import MISTAKES, TRUSTED
from tests.helpers.paths import ROOT, SRC
from tests.helpers.servers import free_port

SPEC = "tests.helpers.apps_auditapp"
DJANGO_ENV = {"DJANGO_SETTINGS_MODULE": SPEC}
MISTAKE_PATHS = [*MISTAKES, "/api/v1/items"]
LAB_PATHS = [endpoint.path for endpoint in ENDPOINTS]

# (case id, attribute, server, paths, environment)
CASES = [
    ("lab-uvicorn", "lab_app", "uvicorn", LAB_PATHS, {}),
    ("starlette-uvicorn", "starlette_app", "uvicorn", MISTAKE_PATHS, {}),
    ("fastapi-uvicorn", "fastapi_app", "uvicorn", MISTAKE_PATHS, {}),
    ("flask-gunicorn", "flask_app", "gunicorn", MISTAKE_PATHS, {}),
    ("django-gunicorn", "django_app", "gunicorn", MISTAKE_PATHS, DJANGO_ENV),
    ("django-uvicorn", "django_asgi", "uvicorn", MISTAKE_PATHS, DJANGO_ENV),
]


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT)])
    env.update(extra)
    return env


@contextlib.contextmanager
def _served(attr: str, server: str, extra: dict[str, str]) -> Iterator[int]:
    port = free_port()
    app = f"{SPEC}:{attr}"
    if server == "uvicorn":
        command = ["-m", "uvicorn", app, "--port", str(port), "--log-level", "warning"]
        if attr == "django_asgi":
            command += ["--lifespan", "off"]  # Django's ASGI handler has no lifespan
    else:
        command = ["-m", "gunicorn", "-b", f"127.0.0.1:{port}", "--threads", "8", app]
        command += ["--log-level", "warning"]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=_env(extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"{server} did not start: {error[-2000:]}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _audit(args: list[str], extra: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "audit", "--format", "json", *args],
        cwd=ROOT,
        env=_env(extra),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _comparable(document: dict[str, Any]) -> list[dict[str, Any]]:
    keep = ("id", "severity", "title", "origin", "credentials", "explanation", "evidence")
    return [
        {
            "url": t["url"],
            "status": t["status"],
            "error": t["error"],
            "requests": t["requests"],
            "notes": t.get("notes"),
            "findings": [{k: f.get(k) for k in keep} for f in t["findings"]],
        }
        for t in document["targets"]
    ]


@pytest.mark.parametrize(
    ("attr", "server", "paths", "extra"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_app_audit_equals_the_live_audit(
    attr: str, server: str, paths: list[str], extra: dict[str, str]
) -> None:
    common = ["--origin", TRUSTED, "--cache-check"]
    with _served(attr, server, extra) as port:
        base = f"http://127.0.0.1:{port}"
        live_status, live = _audit([*common, *(base + path for path in paths)], extra)
    app_status, in_process = _audit(
        [*common, "--app", f"{SPEC}:{attr}", "--base-url", base, *paths], extra
    )
    assert _comparable(in_process) == _comparable(live)
    assert app_status == live_status == 1
    # And the findings are the ones the apps were written to have (not two empty reports).
    found = {t["url"][len(base) :]: {f["id"] for f in t["findings"]} for t in live["targets"]}
    if attr == "lab_app":
        assert found == {e.path: set(e.findings) for e in ENDPOINTS}
    else:
        assert found == {**{p: set(ids) for p, ids in MISTAKES.items()}, "/api/v1/items": set()}


def test_django_routes_are_listed_from_the_urlconf() -> None:
    status, document = _audit(["--origin", TRUSTED, "--app", f"{SPEC}:django_app"], DJANGO_ENV)
    urls = [t["url"] for t in document["targets"]]
    # items/<int:...> and the re_path with a group are left out; include() is followed.
    assert urls == [f"http://testserver{p}" for p in [*MISTAKES, "/api/v1/items", "/boom"]]
    by_path = {t["url"][len("http://testserver") :]: t for t in document["targets"]}
    # Django turns the handler's exception into a 500, as under a server: no error entry.
    assert by_path["/boom"]["status"] == "ok"
    assert {f["id"] for f in by_path["/reflect"]["findings"]} == {"origin-reflected"}
    assert status == 1


def test_django_without_settings_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "audit", "--app", f"{SPEC}:django_app", "/x"],
        cwd=ROOT,
        env=_env({}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "set DJANGO_SETTINGS_MODULE" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_policy_gives_a_live_audit_its_trusted_origins(tmp_path: Any) -> None:
    policy = tmp_path / "cors.toml"
    policy.write_text(
        f'allow_origins = ["{TRUSTED}"]\n'
        '[routes."/null"]\nallow_origins = ["https://partner.example.test"]\n'
    )
    with _served("starlette_app", "uvicorn", {}) as port:
        urls = [f"http://127.0.0.1:{port}{path}" for path in ("/reflect", "/null")]
        by_policy = _audit(["--policy", str(policy), *urls], {})
        by_origin = _audit(["--origin", TRUSTED, *urls], {})
    reflect_policy, null_policy = by_policy[1]["targets"]
    reflect_origin, null_origin = by_origin[1]["targets"]
    # Outside the route the policy's origin is --origin's: the same report.
    assert reflect_policy == reflect_origin
    # Under the route the partner is the front end the fixes are written for.
    assert "https://partner.example.test" in json.dumps(null_policy["findings"])
    assert "https://partner.example.test" not in json.dumps(null_origin["findings"])
    assert by_policy[0] == by_origin[0] == 1
