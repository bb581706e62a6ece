"""Report-only mode in real Chromium (issue #14): observe, learn, enforce.

A FastAPI app whose own CORS (Starlette's CORSMiddleware) reflects every origin with
credentials serves a front end nobody listed. With corsguard in report-only mode in front
of it, observing the policy the team meant to enforce, the front end keeps working exactly
as without corsguard, and the log records what it did. Enforcing that policy would break
it (the control); `corsguard learn` on the log proposes a policy that, enforced, lets it
work again.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from corsguard import refusal_log
from corsguard.cli import main
from tests.helpers.apps_report_only import fastapi_app
from tests.helpers.servers import free_port, serve_asgi

# What the front end does: a credentialed read, a preflighted JSON write, a preflighted PUT
# with a custom header, and reading a streamed response.
SCRIPT = """
async (api) => {
  async function attempt(name, url, init) {
    try {
      const response = await fetch(url, init);
      return [name, {status: response.status, body: await response.text()}];
    } catch (error) {
      return [name, {error: String(error)}];
    }
  }
  return Object.fromEntries([
    await attempt("read", api + "/api/items", {credentials: "include"}),
    await attempt("create", api + "/api/items", {method: "POST", credentials: "include",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({n: 1})}),
    await attempt("replace", api + "/api/items", {method: "PUT",
        headers: {"X-Custom": "1"}}),
    await attempt("stream", api + "/api/stream", {}),
  ]);
}
"""
WORKING = {
    "read": {"status": 200, "body": '{"items":[1,2,3]}'},
    "create": {"status": 201, "body": "created 7 bytes"},
    "replace": {"status": 200, "body": "replaced"},
    "stream": {"status": 200, "body": "chunk-0\nchunk-1\nchunk-2\n"},
}


def run_front_end(chromium: Any, app: Any, port: int, front_end: str) -> dict[str, Any]:
    with serve_asgi(app, port=port):
        context = chromium.new_context()
        try:
            page = context.new_page()
            # The page's own origin serves it too: the same app, any path.
            page.goto(front_end + "/api/items")
            # A cookie for the API's site, sent with credentialed requests.
            context.add_cookies([{"name": "session", "value": "s1",
                                  "url": f"http://api.example.test:{port}"}])  # fmt: skip
            result: dict[str, Any] = page.evaluate(SCRIPT, f"http://api.example.test:{port}")
            return result
        finally:
            context.close()


def test_front_end_keeps_working_in_report_only_mode(
    chromium: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    known = f"http://app.example.test:{port}"
    unknown = f"http://reports.example.test:{port}"
    # The policy the team means to enforce: its known front end (plain http only because
    # this test runs without certificates).
    policy = {
        "allow_origins": [known],
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["content-type"],
        "allow_credentials": True,
        "tolerate_insecure_origins": True,
    }

    without = run_front_end(chromium, fastapi_app(None), port, unknown)
    assert without == WORKING

    refusal_log.limiter.reset()
    log = tmp_path / "app.log"
    handler = logging.FileHandler(log)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("corsguard")
    logger.addHandler(handler)
    try:
        observed = run_front_end(chromium, fastapi_app(True, policy=policy), port, unknown)
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert observed == WORKING
    lines = [line for line in log.read_text().splitlines() if "corsguard report-only kind=" in line]
    seen = {(line.split(" method=")[1].split(" ")[0], line.split(" divergence=")[1].split(" ")[0])
            for line in lines if f'origin="{unknown}"' in line}  # fmt: skip
    assert seen >= {
        ('"GET"', "would-refuse"),
        ('"POST"', "would-refuse"),
        ('"OPTIONS"', "would-refuse"),
    }

    # The control: enforced as it stands, the policy breaks this front end.
    enforced = run_front_end(chromium, fastapi_app(False, policy=policy), port, unknown)
    assert all("error" in enforced[name] for name in ("read", "create", "replace"))

    # Learn from the log (the front end is plain http: trusted by hand), then enforce.
    capsys.readouterr()
    assert main(["learn", str(log), "--json", "--trust", unknown]) == 0
    learned = json.loads(capsys.readouterr().out)["policy"]
    assert learned["allow_origins"] == [known, unknown]
    assert "PUT" in learned["allow_methods"]
    assert "x-custom" in learned["allow_headers"]
    after = run_front_end(chromium, fastapi_app(False, policy=learned), port, unknown)
    assert after == WORKING
