"""The npm cors model of `corsguard lint` against the real npm `cors` package, run by node.

For each configuration, the real middleware (cors 2.8.5, installed from the npm registry into a
temporary directory, never committed) answers requests from a table of origins; the linter's
reading of the same configuration must grant exactly the same origins.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from corsguard.lint.stacks.javascript import grants_of
from node_servers import NODE_DIR, ensure_node_modules

# Real node and the npm cors package: a missing node fails (ensure_node_modules), never skips.
pytestmark = pytest.mark.servers

HARNESS = r"""
const cors = require('cors');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = [];
for (const c of cases) {
  const options = new Function('return (' + c.options + ')')();
  const row = {};
  for (const origin of c.origins) {
    const headers = {};
    const req = { method: 'GET', headers: { origin } };
    const res = {
      setHeader(k, v) { headers[k.toLowerCase()] = v; },
      getHeader(k) { return headers[k.toLowerCase()]; },
      end() {},
    };
    cors(options)(req, res, () => {});
    row[origin] = headers['access-control-allow-origin'] ?? null;
  }
  out.push(row);
}
process.stdout.write(JSON.stringify(out));
"""

OPTIONS = [
    "{ origin: true, credentials: true }",
    "{}",
    "{ origin: '*' }",
    "{ origin: 'https://app.example.com' }",
    "{ origin: /https:\\/\\/app\\.example\\.com/ }",
    "{ origin: /^https:\\/\\/app\\.example\\.com$/ }",
    "{ origin: ['https://example.com', /\\.example\\.com$/] }",
    "{ origin: [/localhost/, 'https://app.example.com'] }",
    "{ origin: new RegExp('^https://app\\.example\\.com$') }",
    "{ origin: ['*'] }",
    "{ origin: null, credentials: true }",
    "{ origin: undefined }",
    "{ origin: false }",
    "{ origin: function (origin, cb) {"
    " if (['https://app.example.com'].indexOf(origin) !== -1) cb(null, true);"
    " else cb(null, false) } }",
    "{ origin: (origin, cb) => cb(null, true) }",
    "{ origin: (origin, cb) => {"
    " if (origin.endsWith('example.com')) return cb(null, origin); cb(null, false) } }",
]
ORIGINS = [
    "https://corsguard-probe.attacker.test",
    "https://app.example.com",
    "https://app.example.com.attacker.test",
    "https://attackerexample.com",
    "https://evil.example.com",
    "https://example.com",
    "http://localhost:3000",
    "https://localhost.attacker.test",
    "https://appxexample.com",
    "null",
]


@pytest.fixture(scope="module")
def real_cors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The npm cors package as tests/node/package-lock.json pins it (installed by .ci/run,
    # or once by the fixture): no registry access from the test itself.
    ensure_node_modules()
    folder = tmp_path_factory.mktemp("npm-cors")
    (folder / "node_modules").symlink_to(NODE_DIR / "node_modules")
    (folder / "harness.js").write_text(HARNESS)
    return folder


def test_the_linter_grants_what_the_real_cors_package_grants(real_cors: Path) -> None:
    cases = [{"options": o, "origins": ORIGINS} for o in OPTIONS]
    done = subprocess.run(
        ["node", "harness.js"],
        cwd=real_cors,
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answers = json.loads(done.stdout)
    mismatches = []
    for options, answer in zip(OPTIONS, answers, strict=True):
        source = f"const cors = require('cors');\napp.use(cors({options}));\n"
        grants = grants_of(source)
        assert len(grants) <= 1, options
        for origin in ORIGINS:
            real = answer[origin]
            if not grants:  # CORS disabled: no header for anyone
                model_star, model_grants = False, False
            else:
                grant = grants[0]
                exact = {o for o, _, _ in grant.exact}
                model_star = grant.wildcard
                model_grants = (
                    grant.reflect_any
                    or origin in exact
                    or any(r.matcher(origin) is True for r in grant.regexes)
                    or (grant.accepts is not None and grant.accepts(origin) is True)
                )
            if (real == "*") != model_star or (real == origin) != model_grants:
                mismatches.append(f"{options} / {origin}: cors sent {real!r}, model {model_grants}")
    assert not mismatches, "\n".join(mismatches)
