"""`corsguard lint` cross-checked against `corsguard audit` on the same server, run for real.

Issue #15: what lint says about an Express app or an nginx configuration, audit must find on
the server running it, and audit must find no origin-check hole that lint missed. Each case
is a file lint reads; the same file is started (node with tests/node's express and cors on
NODE_PATH, or Debian's nginx unprivileged on 127.0.0.1) and audited with the file's trusted
origin and black-box. Ids only one side can see are mapped through the catalogue's `Kind.audit`
and `Kind.lint` flags (corsguard.findings); every other tolerated difference is listed in the
case with its reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from corsguard.findings import KINDS
from tests.helpers import nginx
from tests.helpers.node_servers import NODE_DIR, ensure_node_modules
from tests.helpers.servers import free_port

HOST = "my.website.com"
FRONT_END = "https://my.website.com"
CORPUS = Path(__file__).parent / "lint_corpus_stacks"

pytestmark = pytest.mark.servers  # node and nginx per case: seconds each


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # the file's text, or "corpus:<path below lint_corpus_stacks>"
    trusted: str = FRONT_END
    path: str = "/"
    host: str = HOST  # 127.0.0.1 for a proxy: it fetches its own origin, which node resolves
    # Ids lint reports that audit does not find on this server, and the reason.
    lint_only: dict[str, str] = field(default_factory=dict)
    # Ids audit finds with the trusted origin that lint does not report, and the reason.
    audit_only: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        if self.source.startswith("corpus:"):
            return (CORPUS / self.source.removeprefix("corpus:")).read_text()
        return self.source


def lint(file: Path, tmp: Path) -> set[str]:
    out = tmp / "lint.json"
    status = main(["lint", str(file), "--format", "json", "-o", str(out), "--fail-on", "high"])
    assert status in (0, 1), f"lint failed on {file}"
    return {f["id"] for f in json.loads(out.read_text())["findings"]}


def audit(port: int, path: str, tmp: Path, *extra: str, host: str = HOST) -> set[str]:
    out = tmp / "audit.json"
    main(
        [
            "audit",
            f"http://{host}:{port}{path}",
            "--resolve",
            f"{host}:{port}:127.0.0.1",
            "--format",
            "json",
            "-o",
            str(out),
            *extra,
        ]
    )
    (target,) = json.loads(out.read_text())["targets"]
    assert target["status"] == "ok", target["error"]
    return {f["id"] for f in target["findings"]}


def wait_for(port: int, process: subprocess.Popen[Any], what: str) -> None:
    for _ in range(400):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None:
                error = process.stderr.read() if process.stderr else b""
                text = error.decode(errors="replace") if isinstance(error, bytes) else error
                pytest.fail(f"{what} did not start: {text[-800:]}")
            time.sleep(0.05)
    pytest.fail(f"{what} did not listen on {port}")


@contextlib.contextmanager
def running(command: list[str], port: int, what: str, **env: str) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    try:
        wait_for(port, process, what)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cross_check(case: Case, file: Path, port: int, tmp: Path) -> None:
    """Lint the file, audit its server with the trusted origin and black-box, compare."""
    linted = lint(file, tmp)
    with_origin = audit(port, case.path, tmp, "--origin", case.trusted, host=case.host)
    black_box = audit(port, case.path, tmp, host=case.host)
    # Every id lint reports that the live server can show is found there...
    missed_by_audit = {i for i in linted if KINDS[i].audit} - with_origin
    assert missed_by_audit == set(case.lint_only), (case.name, linted, with_origin)
    # ...and audit finds no origin-check hole lint missed, with the trusted origin given or
    # black-box (which knows less about whom the site trusts, so it may find fewer).
    for found in (with_origin, black_box):
        missed_by_lint = {i for i in found if KINDS[i].lint} - linted - set(case.audit_only)
        assert missed_by_lint == set(), (case.name, linted, found)
    assert set(case.audit_only) <= with_origin | black_box, "a stale tolerated difference"


# Known differences, each checked on the server (a stale one fails: see cross_check).
# npm cors (lib/index.js configureAllowedHeaders) echoes Access-Control-Request-Headers
# whenever allowedHeaders is unset, whatever the origin option and credentials; audit sees the
# echo, while lint reports preflight-any-header only for a grant that carries credentials and
# is not '*' (javascript.py, _library): without credentials the extra headers reach nothing
# the page could not ask for itself. Audit is right about the server; lint narrows by design.
ANY_HEADER = {"preflight-any-header": "lint reports it only with credentials and no '*'"}
# An unanchored check for my.website.com also grants https://attackermy.website.com; audit
# reports it as suffix-match (the catalogue's `https://attackerTRUSTED-HOST`), lint does not,
# since that host lies under the site's own registrable domain website.com, which no outsider
# can register. lint reports the prefix-match of the same check, so the hole is not missed.
OWN_DOMAIN_SUFFIX = {"suffix-match": "attackermy.website.com is under the site's own domain"}
# '*' with credentials: browsers refuse the pair for credentialed requests but accept the
# '*' for the others (Fetch, "CORS check"), so audit reports both ids; lint reports only the
# more specific wildcard-with-credentials for the one header.
WILDCARD_PAIR = {"wildcard-origin": "lint folds it into wildcard-with-credentials"}

# ---------------------------------------------------------------------------------------
# Express: hand-written apps (listening on process.env.PORT) and corpus files, wrapped.

APP_HEAD = (
    "const express = require('express');\nconst cors = require('cors');\nconst app = express();\n"
)
APP_TAIL = (
    "app.all('*', (req, res) => res.json({ ok: true }));\n"
    "app.listen(Number(process.env.PORT), '127.0.0.1');\n"
)


def app(body: str) -> str:
    return APP_HEAD + body + APP_TAIL


def echo(guard: str) -> str:
    """A hand-written middleware echoing the Origin when `guard` holds."""
    return app(
        "app.use((req, res, next) => {\n"
        "  const origin = req.headers.origin;\n"
        f"  if (origin && {guard}) {{\n"
        "    res.setHeader('Access-Control-Allow-Origin', origin);\n"
        "    res.setHeader('Access-Control-Allow-Credentials', 'true');\n"
        "    res.setHeader('Vary', 'Origin');\n"
        "  }\n"
        "  next();\n"
        "});\n"
    )


EXPRESS = [
    Case("cors-defaults", app("app.use(cors());\n"), audit_only=ANY_HEADER),
    Case("origin-true-credentials", app("app.use(cors({ origin: true, credentials: true }));\n")),
    Case(
        "regex-unanchored",
        app("app.use(cors({ origin: /my\\.website\\.com/ }));\n"),
        audit_only=ANY_HEADER | OWN_DOMAIN_SUFFIX,
    ),
    Case(
        "regex-suffix",
        app("app.use(cors({ origin: /website\\.com$/ }));\n"),
        audit_only=ANY_HEADER,
    ),
    Case(
        "array",
        app(
            "app.use(cors({ origin: ['https://my.website.com', 'https://admin.website.com'] }));\n"
        ),
        audit_only=ANY_HEADER,
    ),
    Case(
        "array-with-http",
        app("app.use(cors({ origin: ['https://my.website.com', 'http://my.website.com'] }));\n"),
        audit_only=ANY_HEADER,
    ),
    Case(
        "function-echo",
        app("app.use(cors({ origin: (origin, cb) => cb(null, origin), credentials: true }));\n"),
    ),
    Case(
        "allowed-headers",
        app(
            "app.use(cors({ origin: 'https://my.website.com', credentials: true,\n"
            "  allowedHeaders: ['Content-Type'] }));\n"
        ),
    ),
    Case(
        "echo-includes",
        echo("origin.includes('my.website.com')"),
        audit_only=OWN_DOMAIN_SUFFIX,
    ),
    Case("echo-indexof", echo("origin.indexOf('website.com') !== -1")),
    Case("echo-endswith", echo("origin.endsWith('.website.com')")),
    Case("echo-exact-list", echo("['https://my.website.com'].includes(origin)")),
    # Corpus files: lint reads the file itself; the wrapper below runs it.
    Case("corpus node_app_access_control", "corpus:javascript/node_app_access_control.js"),
    Case("corpus back_ov_villa_app_conf", "corpus:javascript/back_ov_villa_app_conf.js"),
    Case(
        "corpus webpack_starter_cors",
        "corpus:javascript/webpack_starter_cors.js",
        audit_only=ANY_HEADER | WILDCARD_PAIR,
    ),
    Case(
        "corpus mesto_full_cors",
        "corpus:javascript/mesto_full_cors.js",
        trusted="https://go.to.mesto.nomoredomains.work",
    ),
    Case(
        "corpus mesto_gha_cors",
        "corpus:javascript/mesto_gha_cors.js",
        trusted="https://api.webkit15pr.nomoredomainsmonster.ru",
        # The hand-written echo of Access-Control-Request-Headers is not read by lint
        # (JUDGEMENT.md, Known misses): a lint miss, confirmed here on the server.
        audit_only={"preflight-any-header": "lint does not read a hand-written header echo"},
    ),
    Case(
        "corpus loggar_specific_origins",
        "corpus:javascript/loggar_specific_origins.js",
        trusted="https://www.mydomain.com",
    ),
    Case(
        "corpus loggar_options_delegate",
        "corpus:javascript/loggar_options_delegate.js",
        trusted="https://example1.com",  # its http:// twin is the listed one
        # The server grants http://example1.com (exact list, origin: true) but not the https
        # origin; audit reports nothing on this server, with --origin or black-box, so a
        # server trusting only the plain-http twin goes unreported: an audit miss, recorded
        # here and not yet traced.
        lint_only={"insecure-origin-trusted": "audit misses an http-only grant"},
        path="/products/1",
    ),
    Case(
        "corpus loggar_white_list_delegate",
        "corpus:javascript/loggar_white_list_delegate.js",
        trusted="http://localhost:8080",  # its other listed origin: audit then probes :3000
        audit_only=ANY_HEADER,
    ),
    Case(
        "corpus loggar_cors_option_string",
        "corpus:javascript/loggar_cors_option_string.js",
        # npm cors sends a string origin as a fixed value to every request (lib/index.js
        # configureOrigin): audit sends the localhost probe equal to it (audit/model.py,
        # "static"), which lint's localhost-trusted must match.
    ),
]

# Runs a corpus file unchanged: a module exporting a middleware is mounted on an app; a
# script using a free `app` gets one; a script making its own app has its `listen` (on a
# fixed port such as 80) replaced, and its last app is served on process.env.PORT.
WRAPPER = """\
const express = require('express');
const http = require('http');
const apps = [];
const init = express.application.init;
express.application.init = function () { apps.push(this); return init.apply(this, arguments); };
express.application.listen = function () { return { close() {} }; };
global.app = express();
global.express = express;
const exported = require(process.env.CORPUS_FILE);
let target = apps[apps.length - 1];
if (typeof exported === 'function' && !exported.handle) global.app.use(exported);
if (target === global.app || typeof exported === 'function') target = global.app;
target.use((req, res) => res.json({ ok: true }));
http.createServer(target).listen(Number(process.env.PORT), '127.0.0.1');
"""


@pytest.fixture(scope="module")
def node() -> str:
    return ensure_node_modules()


@pytest.mark.parametrize("case", EXPRESS, ids=[c.name for c in EXPRESS])
def test_express_lint_and_audit_agree(node: str, case: Case, tmp_path: Path) -> None:
    port = free_port()
    env = {"PORT": str(port), "NODE_PATH": str(NODE_DIR / "node_modules")}
    if case.source.startswith("corpus:"):
        file = CORPUS / case.source.removeprefix("corpus:")
        script = tmp_path / "wrapper.js"
        script.write_text(WRAPPER)
        env["CORPUS_FILE"] = str(file)
    else:
        file = script = tmp_path / "server.js"
        file.write_text(case.source)
    with running([node, str(script)], port, f"node {case.name}", **env):
        cross_check(case, file, port, tmp_path)


# ---------------------------------------------------------------------------------------
# nginx: configurations answering `return 200`, run unprivileged with a temp prefix (as in
# tests/test_audit_cache.py). Lint reads the whole nginx.conf, or the corpus snippet itself.

ECHO = (
    "      add_header Access-Control-Allow-Origin $http_origin always;\n"
    "      add_header Access-Control-Allow-Credentials true always;\n"
    "      add_header Vary Origin always;\n"
)


def guarded(test: str) -> str:
    """An echo of $http_origin with credentials inside `if ($http_origin ~ ...)`."""
    return f"      if ($http_origin {test}) {{\n{ECHO}      }}\n"


NGINX_CASES = [
    Case("wildcard", "      add_header Access-Control-Allow-Origin * always;\n"),
    Case(
        "echo-no-vary",
        "      add_header Access-Control-Allow-Origin $http_origin always;\n"
        "      add_header Access-Control-Allow-Credentials true always;\n",
    ),
    Case("if-unanchored", guarded("~ 'my\\.website\\.com'"), audit_only=OWN_DOMAIN_SUFFIX),
    Case("if-anchored-exact", guarded("= 'https://my.website.com'")),
    Case("if-regex-anchored", guarded("~ '^https://my\\.website\\.com$'")),
    Case("if-any-subdomain-http", guarded("~* '^https?://(.+\\.)?website.com$'")),
    Case(
        "map-suffix",
        "      add_header Access-Control-Allow-Origin $cors always;\n"
        "      add_header Vary Origin always;\n",
    ),
    Case(
        "corpus apoweroftrance_cors_snippet",
        "corpus:nginx/apoweroftrance_cors_snippet.conf",
        trusted="https://www.apoweroftrance.com",
    ),
]
NGINX_HTTP = {
    "map-suffix": "  map $http_origin $cors { default ''; '~website\\.com$' $http_origin; }\n",
}


@pytest.mark.parametrize("case", NGINX_CASES, ids=[c.name for c in NGINX_CASES])
def test_nginx_lint_and_audit_agree(case: Case, tmp_path: Path) -> None:
    nginx.require()
    port = free_port()
    conf = tmp_path / "nginx.conf"
    if case.source.startswith("corpus:"):
        file = CORPUS / case.source.removeprefix("corpus:")
        location = f"      include {file};\n"
    else:
        file = conf
        location = case.source
    server = f"    location / {{\n{location}\n      return 200 'ok';\n    }}"
    conf = nginx.write_config(tmp_path, port, http=NGINX_HTTP.get(case.name, ""), server=server)
    command = nginx.command(tmp_path, conf)
    with running(command, port, f"nginx {case.name}"):
        cross_check(case, file, port, tmp_path)


# ---------------------------------------------------------------------------------------
# cors-anywhere: the corpus copy of its public server.js, run unchanged from a temp dir whose
# lib/ points at the npm package (the file requires the repository's ./lib modules).

CORS_ANYWHERE = Case(
    "corpus cors_anywhere_server",
    "corpus:javascript/cors_anywhere_server.js",
    host="127.0.0.1",
    # originWhitelist is parseEnvList(process.env.CORSANYWHERE_WHITELIST), [] when unset; lint
    # does not look into the helper, so it judges nothing in this file (JUDGEMENT.md, Known
    # misses: 23:open-cors-proxy). The live proxy shows what that hides: it fetches its own
    # root for any origin, answers '*', and its preflights echo the asked method and headers
    # (cors-anywhere lib/cors-anywhere.js withCORS). A lint miss, confirmed on the server.
    audit_only={
        "open-cors-proxy": "lint does not follow parseEnvList's empty list",
        "wildcard-origin": "the open proxy's '*', unjudged for the same reason",
        "preflight-any-header": "the open proxy's header echo, unjudged for the same reason",
        "preflight-any-method": "the open proxy's method echo, unjudged for the same reason",
    },
)


def test_cors_anywhere_lint_and_audit_agree(node: str, tmp_path: Path) -> None:
    case = CORS_ANYWHERE
    file = CORPUS / case.source.removeprefix("corpus:")
    (tmp_path / "lib").mkdir()
    for module in ("cors-anywhere", "rate-limit"):
        (tmp_path / "lib" / f"{module}.js").write_text(
            f"module.exports = require('cors-anywhere/lib/{module}');\n"
        )
    script = tmp_path / "server.js"
    shutil.copyfile(file, script)
    port = free_port()
    env = {"PORT": str(port), "HOST": "127.0.0.1", "NODE_PATH": str(NODE_DIR / "node_modules")}
    with running([node, str(script)], port, "cors-anywhere", **env):
        cross_check(case, file, port, tmp_path)
