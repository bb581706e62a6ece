"""The nginx, hand-written Node and Express `cors` fixes of every audit id, run for real
and audited again.

Each fix the catalogue prints for nginx goes into a real nginx (checked by ``nginx -t``
first, then served on 127.0.0.1), each hand-written Node fix into a real ``node`` http
server, each Express `cors` fix into the real npm ``cors`` package (installed from npm's
cache into a temporary folder). `corsguard audit`'s planner and analysis then run against
each over HTTP, the browser model deciding what a page could read; a fix must leave no
finding of its id and still grant the user's front ends.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from corsguard.audit.model import (
    Exchange,
    ProbeRequest,
    ProbeResponse,
    Target,
    TargetReport,
    analyse,
    build_trust,
    next_probes,
    parse_trusted,
)
from corsguard.findings import AUDIT_IDS, fixes
from corsguard.lint.stacks import lint_stack_source
from corsguard.remediation import NGINX_HTTP, NGINX_LOCATION, FixContext
from node_servers import NODE_DIR, ensure_node_modules
from servers import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NODE = shutil.which("node")
TRUSTED = ("https://app.example.test", "https://admin.example.test")
CONTEXTS = [FixContext(TRUSTED, credentials=True), FixContext(TRUSTED, credentials=False)]


def http_server(port: int) -> Callable[[ProbeRequest], ProbeResponse]:
    def server(probe: ProbeRequest) -> ProbeResponse:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request(probe.method, "/data", headers=dict(probe.all_headers))
            response = conn.getresponse()
            response.read()
            return ProbeResponse.keep_cors(response.status, response.getheaders())
        finally:
            conn.close()

    return server


def audit(port: int) -> TargetReport:
    url = f"http://127.0.0.1:{port}/data"
    target = Target(url, build_trust(url, parse_trusted(list(TRUSTED))))
    exchanges: list[Exchange] = []
    server = http_server(port)
    while wave := next_probes(target, exchanges):
        exchanges += [Exchange(probe, server(probe)) for probe in wave]
    return analyse(target, exchanges)


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        with contextlib.suppress(OSError):
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


@contextlib.contextmanager
def running(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, process)
        yield
    finally:
        process.terminate()
        process.wait(10)


def nginx_conf(fix: str, port: int, root: Path) -> str:
    http_part, _, location_part = fix.partition(NGINX_LOCATION)
    assert http_part.startswith(NGINX_HTTP), fix
    temp = " ".join(f"{name}_temp_path {root}/{name};" for name in ("client_body", "proxy"))
    temp += " ".join(f" {name}_temp_path {root}/{name};" for name in ("fastcgi", "uwsgi", "scgi"))
    return f"""
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    {temp}
    {http_part}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            {location_part}
            return 200 "data";
        }}
    }}
}}
"""


def by_text(stack: str, ctx: FixContext) -> dict[str, list[str]]:
    """Each distinct fix text of ``stack`` and the audit ids that print it (run once each)."""
    texts: dict[str, list[str]] = {}
    for kind in AUDIT_IDS:
        texts.setdefault(fixes(kind, ctx)[stack], []).append(kind)
    return texts


@pytest.mark.parametrize("ctx", CONTEXTS, ids=["credentials", "anonymous"])
def test_nginx_fixes_are_valid_and_audited_again_have_no_finding_of_their_id(
    ctx: FixContext, tmp_path: Path
) -> None:
    for index, (fix, kinds) in enumerate(by_text("nginx", ctx).items()):
        root = tmp_path / str(index)
        root.mkdir()
        port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(nginx_conf(fix, port, root))
        base = [NGINX, "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)]
        checked = subprocess.run([*base, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        with running(base, port):
            report = audit(port)
            trusted = http_server(port)(ProbeRequest("trusted", "GET", TRUSTED[0]))
        assert report.status == "ok", report.error
        assert not set(kinds) & {f.id for f in report.findings}, (kinds, report.findings)
        # The fix still serves the user's front ends.
        assert trusted.get("access-control-allow-origin") == TRUSTED[0]


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("ctx", CONTEXTS, ids=["credentials", "anonymous"])
def test_node_fixes_run_and_audited_again_have_no_finding_of_their_id(
    ctx: FixContext, tmp_path: Path
) -> None:
    assert NODE is not None
    for index, (fix, kinds) in enumerate(by_text("node", ctx).items()):
        port = free_port()
        script = tmp_path / f"server{index}.js"
        script.write_text(
            "require('http').createServer((req, res) => {\n"
            f"{fix}\n"
            "res.end('data');\n"
            f"}}).listen({port}, '127.0.0.1');\n"
        )
        with running([NODE, str(script)], port):
            report = audit(port)
            trusted = http_server(port)(ProbeRequest("trusted", "GET", TRUSTED[1]))
        assert report.status == "ok", report.error
        assert not set(kinds) & {f.id for f in report.findings}, (kinds, report.findings)
        assert trusted.get("access-control-allow-origin") == TRUSTED[1]


@pytest.fixture(scope="module")
def npm_cors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The npm cors package as tests/node/package-lock.json pins it (installed by .ci/run,
    # or once by the fixture): no registry access from the test itself.
    ensure_node_modules()
    folder = tmp_path_factory.mktemp("npm-cors")
    (folder / "node_modules").symlink_to(NODE_DIR / "node_modules")
    return folder


@pytest.mark.parametrize("ctx", CONTEXTS, ids=["credentials", "anonymous"])
def test_express_cors_fixes_run_and_audited_again_have_no_finding_of_their_id(
    ctx: FixContext, npm_cors: Path
) -> None:
    assert NODE is not None
    for index, (fix, kinds) in enumerate(by_text("express", ctx).items()):
        port = free_port()
        script = npm_cors / f"server{index}.js"
        # `app.use(cors(...))` as printed; the app is a plain http server running the middleware.
        script.write_text(
            "const cors = require('cors');\n"
            "let middleware = null;\n"
            "const app = { use: (m) => { middleware = m; } };\n"
            f"{fix}\n"
            "require('http').createServer((req, res) => {\n"
            "  middleware(req, res, () => res.end('data'));\n"
            f"}}).listen({port}, '127.0.0.1');\n"
        )
        with running([NODE, str(script)], port):
            report = audit(port)
            trusted = http_server(port)(ProbeRequest("trusted", "GET", TRUSTED[1]))
        assert report.status == "ok", report.error
        assert not set(kinds) & {f.id for f in report.findings}, (kinds, report.findings)
        assert trusted.get("access-control-allow-origin") == TRUSTED[1]


# nginx configurations linted as source and audited live in real nginx: one severity.
NGINX_SAME = [
    (
        "if ($http_origin ~* ^https://app\\.example\\.test) {\n"
        "    add_header Access-Control-Allow-Origin $http_origin always;\n"
        "    add_header Access-Control-Allow-Credentials true always;\n"
        "    add_header Vary Origin always;\n"
        "}",
        "prefix-match",
        "high",
    ),
    (
        "if ($http_origin ~* ^https://app\\.example\\.test) {\n"
        "    add_header Access-Control-Allow-Origin $http_origin always;\n"
        "    add_header Vary Origin always;\n"
        "}",
        "prefix-match",
        "medium",
    ),
    (
        "add_header Access-Control-Allow-Origin $http_origin always;\n"
        "add_header Access-Control-Allow-Credentials true always;\n"
        "add_header Vary Origin always;",
        "origin-reflected",
        "high",
    ),
]


@pytest.mark.parametrize(("location", "kind", "severity"), NGINX_SAME)
def test_nginx_lint_and_audit_give_one_severity(
    location: str, kind: str, severity: str, tmp_path: Path
) -> None:
    port = free_port()
    conf_text = nginx_conf(f"{NGINX_HTTP}\n{NGINX_LOCATION}\n{location}", port, tmp_path)
    conf = tmp_path / "nginx.conf"
    conf.write_text(conf_text)
    linted = {f.id: f.severity.value for f in lint_stack_source(conf_text, "nginx.conf").findings}
    base = [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)]
    with running(base, port):
        audited = {f.id: f.severity.value for f in audit(port).findings}
    assert linted.get(kind) == severity, linted
    assert audited.get(kind) == severity, audited
