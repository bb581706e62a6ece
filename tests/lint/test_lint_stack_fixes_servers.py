"""The catalogue's fix, applied to a real server, ends the finding (issues #12, #15).

A bad Express app (node, tests/node's express and cors) or nginx configuration (Debian's
nginx, unprivileged on 127.0.0.1) is audited with the front end's origin; the fix the audit
prints for the recognised stack replaces the CORS configuration as printed; the server is
started again (nginx refuses an invalid configuration) and audited again: no finding is
left, and `corsguard lint` finds nothing in the fixed file either. Where the file names the
same origin and options, lint prints the same configuration as the audit.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from corsguard.remediation import NGINX_LOCATION
from tests.helpers import nginx
from tests.helpers.node_servers import NODE_DIR, ensure_node_modules
from tests.helpers.servers import free_port

HOST = "my.website.com"
FRONT_END = "https://my.website.com"


@contextlib.contextmanager
def running(command: list[str], port: int, **env: str) -> Iterator[None]:
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, **env}
    )
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None:
                    error = process.stderr.read() if process.stderr else b""
                    pytest.fail(f"{command[0]} did not start: {error.decode(errors='replace')}")
                time.sleep(0.05)
        else:
            pytest.fail(f"{command[0]} did not listen on {port}")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def audit(port: int, tmp: Path) -> dict[str, Any]:
    out = tmp / "audit.json"
    main(
        [
            "audit",
            f"http://{HOST}:{port}/",
            "--resolve",
            f"{HOST}:{port}:127.0.0.1",
            "--origin",
            FRONT_END,
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "ok", target["error"]
    result: dict[str, Any] = target
    return result


def lint(file: Path, tmp: Path) -> list[dict[str, Any]]:
    out = tmp / "lint.json"
    assert main(["lint", str(file), "--format", "json", "-o", str(out)]) in (0, 1)
    findings: list[dict[str, Any]] = json.loads(out.read_text())["findings"]
    return findings


# --- Express ---------------------------------------------------------------------------------

APP_HEAD = (
    "const express = require('express');\nconst cors = require('cors');\nconst app = express();\n"
)
APP_TAIL = (
    "app.all('*', (req, res) => res.json({ ok: true }));\n"
    "app.listen(Number(process.env.PORT), '127.0.0.1');\n"
)
OPTIONS = "methods: ['GET', 'PUT'], allowedHeaders: ['X-Token'], maxAge: 600"
EXPRESS = [
    # (name, the bad CORS configuration, the ids the audit must find in it)
    (
        "reflect-with-credentials",
        f"app.use(cors({{ origin: true, credentials: true, {OPTIONS} }}));\n",
        {"origin-reflected"},
    ),
    (
        "localhost-beside-the-front-end",
        "app.use(cors({ origin: ['https://my.website.com', 'http://localhost:3000'], "
        f"credentials: true, {OPTIONS} }}));\n",
        {"localhost-trusted"},
    ),
    (
        "hand-written-prefix-check",
        "app.use((req, res, next) => {\n  const origin = req.headers.origin;\n"
        "  if (origin && origin.startsWith('https://my.website.com')) {\n"
        "    res.setHeader('Access-Control-Allow-Origin', origin);\n"
        "    res.setHeader('Access-Control-Allow-Credentials', 'true');\n"
        "    res.setHeader('Vary', 'Origin');\n  }\n  next();\n});\n",
        {"prefix-match"},
    ),
]


@pytest.mark.parametrize(("name", "bad", "ids"), EXPRESS, ids=[c[0] for c in EXPRESS])
def test_the_express_fix_applied_ends_the_finding(
    name: str, bad: str, ids: set[str], tmp_path: Path
) -> None:
    node = ensure_node_modules()
    env = {"NODE_PATH": str(NODE_DIR / "node_modules")}
    server = tmp_path / "server.js"
    server.write_text(APP_HEAD + bad + APP_TAIL)
    port = free_port()
    with running([node, str(server)], port, PORT=str(port), **env):
        before = audit(port, tmp_path)
    assert before["stack"]["fix_stacks"] == ["express"]
    findings = {f["id"]: f for f in before["findings"]}
    assert ids <= set(findings), findings
    fix = findings[sorted(ids)[0]]["fixes"]["express"]
    assert FRONT_END in fix and fix.startswith("app.use(cors({")
    for finding in before["findings"]:
        assert finding["fix"] == f"Express (the cors package):\n{finding['fixes']['express']}"
    # The audit saw the trusted preflight's answer: the options are carried, as configured.
    if OPTIONS in bad:
        config = fix.splitlines()[0]
        assert 'methods: ["GET", "PUT"], allowedHeaders: ["X-Token"], maxAge: 600' in config
        assert "credentials: true" in config
        linted = {f["id"]: f["fix"] for f in lint(server, tmp_path)}
        if name == "localhost-beside-the-front-end":
            # The same origin and options in the file: lint prints the same configuration,
            # with its note on the development origin only the file shows.
            assert linted["localhost-trusted"] == (
                config + "\n// allow http://localhost:3000 only in a development policy"
            )
    fixed = tmp_path / "fixed.js"
    fixed.write_text(APP_HEAD + fix + "\n" + APP_TAIL)
    port = free_port()
    with running([node, str(fixed)], port, PORT=str(port), **env):
        after = audit(port, tmp_path)
    assert after["findings"] == [], [f["id"] for f in after["findings"]]
    assert lint(fixed, tmp_path) == []


# --- nginx -----------------------------------------------------------------------------------

NGINX_CASES = [
    (
        "echo-with-credentials",
        "      add_header Access-Control-Allow-Origin $http_origin always;\n"
        "      add_header Access-Control-Allow-Credentials true always;\n"
        "      add_header Access-Control-Allow-Methods 'GET, PUT' always;\n"
        "      add_header Access-Control-Allow-Headers 'X-Token' always;\n",
        {"origin-reflected", "missing-vary-origin"},
    ),
    (
        "unanchored-if",
        "      if ($http_origin ~ 'my\\.website\\.com') {\n"
        "        add_header Access-Control-Allow-Origin $http_origin always;\n"
        "        add_header Access-Control-Allow-Credentials true always;\n"
        "        add_header Vary Origin always;\n      }\n",
        {"prefix-match"},
    ),
]


def nginx_conf(tmp: Path, port: int, http: str, location: str) -> Path:
    server = f"    location / {{\n{location}\n      return 200 'ok';\n    }}"
    return nginx.write_config(tmp, port, http=http, server=server)


@pytest.mark.parametrize(("name", "bad", "ids"), NGINX_CASES, ids=[c[0] for c in NGINX_CASES])
def test_the_nginx_fix_applied_ends_the_finding(
    name: str, bad: str, ids: set[str], tmp_path: Path
) -> None:
    nginx.require()

    def serve(conf: Path) -> list[str]:
        return nginx.command(tmp_path, conf)

    port = free_port()
    conf = nginx_conf(tmp_path, port, "", bad)
    with running(serve(conf), port):
        before = audit(port, tmp_path)
    assert before["stack"]["fix_stacks"] == ["nginx"]
    findings = {f["id"]: f for f in before["findings"]}
    assert ids <= set(findings), findings
    fix = findings[sorted(ids)[0]]["fixes"]["nginx"]
    if "Methods 'GET, PUT'" in bad:
        # Observed in the trusted preflight's answer, carried.
        assert 'add_header Access-Control-Allow-Methods "GET, PUT" always;' in fix
        assert 'add_header Access-Control-Allow-Headers "X-Token" always;' in fix
    http, location = fix.split(NGINX_LOCATION, 1)
    port = free_port()
    fixed = nginx_conf(tmp_path, port, http, location)
    # nginx itself refuses an invalid configuration: starting it is the validity check.
    with running(serve(fixed), port):
        after = audit(port, tmp_path)
    assert after["findings"] == [], [f["id"] for f in after["findings"]]
    assert lint(fixed, tmp_path) == []
