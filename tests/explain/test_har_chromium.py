"""`corsguard explain --har` on HAR files recorded by Playwright from real Chromium.

Playwright records no preflights, and records a request the browser's CORS checks stop as
failed (status -1, no response). Each file here is recorded in the test, against a local
server whose answers are known, and explain's verdict is compared with what Chromium did.
"""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from tests.helpers.servers import launch_chromium, serve_asgi

# path -> (preflight answer grants?, actual answer carries Access-Control-Allow-Origin?)
ROUTES = {
    "/grant": (True, True),
    "/preflight-refused": (False, True),
    "/actual-refused": (True, False),
    "/simple-ok": (True, True),
    "/simple-refused": (True, False),
    "/redirect": (True, True),
    "/redirect-target": (True, True),
}
# path -> (method, script headers)
FETCHES = {
    "/grant": ("PUT", {"X-Token": "1"}),
    "/preflight-refused": ("PUT", {"X-Token": "1"}),
    "/actual-refused": ("PUT", {"X-Token": "1"}),
    "/simple-ok": ("GET", {}),
    "/simple-refused": ("GET", {}),
    "/redirect": ("PUT", {"X-Token": "1"}),
}


async def server(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    origin = dict(scope["headers"]).get(b"origin", b"")
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"text/plain")]
    if path == "/":
        headers = [(b"content-type", b"text/html")]
    elif path in ROUTES:
        grants_preflight, grants_actual = ROUTES[path]
        if scope["method"] == "OPTIONS" and grants_preflight:
            headers += [
                (b"access-control-allow-origin", origin),
                (b"access-control-allow-methods", b"PUT"),
                (b"access-control-allow-headers", b"x-token"),
            ]
        elif scope["method"] != "OPTIONS" and grants_actual:
            headers.append((b"access-control-allow-origin", origin))
    status = 200
    if path == "/redirect" and scope["method"] == "PUT":
        # 307 keeps the method: the browser preflights the new URL too (a second hop).
        status = 307
        headers.append((b"location", b"/redirect-target"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


FETCH = """async ([url, method, headers]) => {
    try { const r = await fetch(url, {method, headers}); await r.text(); return 'read'; }
    catch (e) { return 'rejected'; }
}"""


@pytest.fixture(scope="module")
def recorded(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """The HAR Playwright recorded, the server's port (still running) and what fetch() did."""
    har = tmp_path_factory.mktemp("har") / "playwright.har"
    outcomes: dict[str, str] = {}
    with serve_asgi(server) as port, launch_chromium() as browser:
        context = browser.new_context(record_har_path=str(har))
        page = context.new_page()
        page.goto(f"http://page.example.test:{port}/", timeout=60_000)
        for path, (method, headers) in FETCHES.items():
            url = f"http://api.attacker.test:{port}{path}"
            outcomes[path] = page.evaluate(FETCH, [url, method, headers])
        context.close()  # writes the file
        yield har, port, outcomes


def explain_json(capsys: pytest.CaptureFixture[str], har: Path) -> tuple[int, dict[str, Any]]:
    status = main(["explain", "--har", str(har), "--json"])
    doc = json.loads(capsys.readouterr().out)
    by_path = {
        item["request"]["url"].split(":", 2)[2].split("/", 1)[1]: item for item in doc["requests"]
    }
    return status, {"/" + k: v for k, v in by_path.items()}


def test_the_file_is_what_playwright_writes(recorded: tuple[Path, int, dict[str, str]]) -> None:
    har, _, outcomes = recorded
    log = json.loads(har.read_text())["log"]
    assert log["creator"]["name"] == "Playwright"
    assert not [e for e in log["entries"] if e["request"]["method"] == "OPTIONS"]
    # Chromium's own outcomes, which the verdicts below must match.
    assert outcomes == {
        "/grant": "read",
        "/preflight-refused": "rejected",
        "/actual-refused": "rejected",
        "/simple-ok": "read",
        "/simple-refused": "rejected",
        "/redirect": "read",
    }


def test_verdicts_match_chromium(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    har, _, outcomes = recorded
    status, items = explain_json(capsys, har)
    assert status == 1
    assert set(items) == set(FETCHES)
    for path, outcome in outcomes.items():
        assert items[path]["allowed"] is (outcome == "read"), path
    grant = items["/grant"]
    assert grant["outcome"] == "allowed" and grant["complete"] is True
    inferred = [c for c in grant["checks"] if c["id"] == "preflight.inferred"]
    assert len(inferred) == 1 and inferred[0]["passed"] is True
    assert "Playwright" in inferred[0]["reason"]
    assert grant["preflight"]["status"] is None  # nothing about the preflight is invented
    assert not [c for c in grant["checks"] if c["id"] == "preflight.allow-origin"]


@pytest.mark.parametrize("path", ["/preflight-refused", "/actual-refused"])
def test_failed_preflighted_request_names_the_unknown(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str], path: str
) -> None:
    har, port, _ = recorded
    _, items = explain_json(capsys, har)
    item = items[path]
    assert item["outcome"] == "incomplete" and item["allowed"] is False
    note = next(n for n in item["notes"] if "no preflight" in n)
    assert "Playwright records no preflights" in note
    assert "failed (net::ERR_FAILED)" in note
    assert "Unknown: whether the preflight allowed method PUT and headers x-token" in note
    # The note's command asks the server itself, and finds the check that fails.
    command = note.split("ask the server: ", 1)[1]
    argv = shlex.split(command)
    assert argv[:2] == ["corsguard", "explain"] and "--send" in argv
    # The made-up host resolves to the test server as it did for Chromium.
    resolve = f"api.attacker.test:{port}:127.0.0.1"
    assert main([*argv[1:], "--json", "--resolve", resolve]) == 1
    live = json.loads(capsys.readouterr().out)
    expected = "preflight.allow-origin" if path == "/preflight-refused" else "response.allow-origin"
    assert live["failed"] == expected


def test_simple_request_failure_is_reported_as_recorded(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    har, _, _ = recorded
    _, items = explain_json(capsys, har)
    item = items["/simple-refused"]
    assert item["allowed"] is False
    note = next(n for n in item["notes"] if "recorded it as failed (net::ERR_FAILED)" in n)
    assert note.endswith(
        f"ask the server: corsguard explain {item['request']['url']} --origin "
        f"{item['request']['origin']}"
    )
    assert items["/simple-ok"]["allowed"] is True


def derived(har: Path, tmp_path: Path, creator: str, drop_acao: bool) -> Path:
    """The recorded file with another creator, or with the /grant response's
    Access-Control-Allow-Origin removed (as DevTools records a response the check stops)."""
    doc = json.loads(har.read_text())
    doc = copy.deepcopy(doc)
    doc["log"]["creator"]["name"] = creator
    if drop_acao:
        for entry in doc["log"]["entries"]:
            if entry["request"]["url"].endswith("/grant"):
                entry["response"]["headers"] = [
                    h
                    for h in entry["response"]["headers"]
                    if h["name"].lower() != "access-control-allow-origin"
                ]
    out = tmp_path / f"{creator}-{drop_acao}.har"
    out.write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(
    ("creator", "drop_acao", "outcome", "failed", "reason"),
    [
        ("Playwright", False, "allowed", None, "not recorded, but passed"),
        ("WebInspector", False, "allowed", None, "not recorded, but passed"),
        ("my-har-writer", False, "incomplete", None, "not by a browser's recorder"),
        ("WebInspector", True, "blocked", "response.allow-origin", "not recorded, but passed"),
        ("my-har-writer", True, "blocked", "response.allow-origin", "whatever the preflight"),
    ],
)
def test_what_the_recorded_response_proves(
    recorded: tuple[Path, int, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    creator: str,
    drop_acao: bool,
    outcome: str,
    failed: str | None,
    reason: str,
) -> None:
    har, _, _ = recorded
    _, items = explain_json(capsys, derived(har, tmp_path, creator, drop_acao))
    item = items["/grant"]
    assert item["outcome"] == outcome
    assert item["failed"] == failed
    inferred = next(c for c in item["checks"] if c["id"] == "preflight.inferred")
    assert reason in inferred["reason"]
    if outcome == "incomplete":
        assert any("does not come from a browser's recorder" in n for n in item["notes"])


def test_text_report(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    har, _, _ = recorded
    assert main(["explain", "--har", str(har)]) == 1
    out = capsys.readouterr().out
    assert "✓ preflight.inferred: not recorded, but passed" in out
    assert "NOT PROVEN: the browser recorded the request as failed (net::ERR_FAILED)" in out
    assert "rerun with --send" not in out.lower()
    assert "3 allowed, 3 blocked or not proven" in out


def test_jsonl_one_request_a_line(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    har, _, outcomes = recorded
    assert main(["explain", "--har", str(har), "--format", "jsonl"]) == 1
    lines = capsys.readouterr().out.splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) == len(outcomes)
    assert [i["allowed"] for i in items] == [o == "read" for o in outcomes.values()]


def test_service_worker_response_proves_no_preflight(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    har, _, _ = recorded
    doc = json.loads(har.read_text())
    for entry in doc["log"]["entries"]:
        if entry["request"]["url"].endswith("/grant"):
            entry["response"]["_fetchedViaServiceWorker"] = True
    path = tmp_path / "sw.har"
    path.write_text(json.dumps(doc))
    _, items = explain_json(capsys, path)
    item = items["/grant"]
    assert item["outcome"] == "incomplete"
    assert any("service worker answered" in n for n in item["notes"])


def test_redirect_hops_each_judged_from_the_recorded_response(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    har, _, _ = recorded
    _, items = explain_json(capsys, har)
    item = items["/redirect"]
    assert item["allowed"] is True
    assert [r.rsplit("/", 1)[1] for r in item["redirects"]] == ["redirect-target"]
    hops = [c["hop"] for c in item["checks"] if c["id"] == "preflight.inferred"]
    assert hops == [0, 1]


def test_hostile_creator_and_failure_text(
    recorded: tuple[Path, int, dict[str, str]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    har, _, _ = recorded
    doc = json.loads(har.read_text())
    doc["log"]["creator"]["name"] = "evil\x1b]0;owned\x07\u202e" + "x" * 10_000
    for entry in doc["log"]["entries"]:
        if entry["response"].get("_failureText"):
            entry["response"]["_failureText"] = "net::ERR_FAILED\x1b[2J\u202eALLOWED\ud800"
    path = tmp_path / "hostile.har"
    path.write_text(json.dumps(doc))
    assert main(["explain", "--har", str(path)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[2J\\u202eALLOWED" in out
    assert "x" * 101 not in out  # the creator is bounded where it is read
    assert main(["explain", "--har", str(path), "--format", "jsonl"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert all(json.loads(line) for line in lines)
