"""`corsguard audit --prove` against the lab, over https, in real Chromium (one run, one launch).

The lab is served by uvicorn with a throw-away certificate at https://api.example.test:PORT
(the audit's --resolve maps the name; -k accepts the certificate), wrapped in this module's
app, which records what reached the server and adds two endpoints the lab lacks:

- /account-anonymous: the victim's data behind a reflected origin *without*
  Access-Control-Allow-Credentials: readable, but never with the victim's cookie;
- /redirect-plain: a 302 that grants the origin with credentials and redirects to /plain,
  which has no CORS headers: the hop's headers alone say nothing of what a browser reads,
  so the audit reports the redirect (naming the final URL) instead of a finding.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from corsguard.cli import main
from corsguard.lab import (
    CORSGUARD_PATH,
    ENDPOINTS,
    SECRET,
    SESSION_COOKIE,
    SESSION_VALUE,
    TRUSTED_ORIGIN,
    make_app,
)
from tests.helpers.apps_e2e import self_signed_cert
from tests.helpers.servers import free_port, require_chromium, serve_asgi

HOST = "api.example.test"
NOT_READ_PROOFS = {
    "missing-vary-origin",
    "private-network-allowed",
    "preflight-origin-reflected",
    "cache-poisoning",
    "open-cors-proxy",
}


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    origin: str | None
    cookie: str | None
    user_agent: str


def recording_app(seen: list[Seen]) -> Any:
    lab = make_app()

    async def respond(send: Any, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(n.encode(), v.encode()) for n, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await lab(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        origin = headers.get("origin")
        cookie = headers.get("cookie")
        seen.append(
            Seen(scope["method"], scope["path"], origin, cookie, headers.get("user-agent", ""))
        )
        if scope["path"] == "/account-anonymous":
            grant = [("access-control-allow-origin", origin)] if origin else []
            if f"{SESSION_COOKIE}={SESSION_VALUE}" in (cookie or ""):
                body = json.dumps({"user": "victim", "secret": SECRET}).encode()
                await respond(send, 200, [("vary", "Origin"), *grant], body)
            else:
                await respond(send, 401, [("vary", "Origin"), *grant], b'{"error":"log in"}')
            return
        if scope["path"] == "/redirect-plain":
            grant = [
                ("access-control-allow-origin", origin or ""),
                ("access-control-allow-credentials", "true"),
                ("vary", "Origin"),
            ]
            await respond(send, 302, [("location", "/plain"), *grant], b"")
            return
        await lab(scope, receive, send)

    return app


@dataclass
class Run:
    base: str
    status: int
    targets: dict[str, dict[str, Any]]  # path -> target of the json report
    seen: list[Seen]
    poc_dir: Path


EXTRA = ("/account-anonymous", "/redirect-plain")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    require_chromium()
    seen: list[Seen] = []
    folder = tmp_path_factory.mktemp("prove")
    with tempfile.TemporaryDirectory(prefix="corsguard-prove-cert-") as certs:
        key, cert = self_signed_cert(Path(certs))
        port = free_port()
        with serve_asgi(recording_app(seen), port=port, ssl_keyfile=key, ssl_certfile=cert):
            base = f"https://{HOST}:{port}"
            paths = [e.path for e in ENDPOINTS] + list(EXTRA)
            out = folder / "report.json"
            status = main(
                [
                    "audit",
                    "--prove=all",
                    "--cache-check",
                    "--origin",
                    TRUSTED_ORIGIN,
                    "--resolve",
                    f"{HOST}:{port}:127.0.0.1",
                    "-k",
                    "-H",
                    f"Cookie: {SESSION_COOKIE}={SESSION_VALUE}",
                    "-H",
                    "Authorization: Bearer not-for-browsers",
                    "--format",
                    "json",
                    "-o",
                    str(out),
                    "--poc-dir",
                    str(folder / "poc"),
                    *[base + path for path in paths],
                ]
            )
            document = json.loads(out.read_text())
    targets = {t["url"][len(base) :]: t for t in document["targets"]}
    yield Run(base, status, targets, seen, folder / "poc")


def findings(run: Run, path: str) -> dict[str, dict[str, Any]]:
    target = run.targets[path]
    assert target["status"] == "ok", target["error"]
    return {f["id"]: f for f in target["findings"]}


VULNERABLE = [e for e in ENDPOINTS if e.severity in ("high", "medium")]


@pytest.mark.parametrize("endpoint", VULNERABLE, ids=[e.path for e in VULNERABLE])
def test_every_high_and_medium_finding_is_proven_in_chromium(endpoint: Any, run: Run) -> None:
    found = findings(run, endpoint.path)
    assert set(found) == set(endpoint.findings)
    for finding_id, finding in found.items():
        assert finding["browser"].startswith("Chromium ")
        if finding_id in NOT_READ_PROOFS:
            assert finding["proven"] is None
            assert finding["proof"]["notes"][0].startswith("not provable")
            continue
        if finding["severity"] == "low":
            continue  # wildcard-with-credentials: see the refutation test
        proof = finding["proof"]
        assert finding["proven"] is True, proof
        assert proof["read"] is True and proof["status"] == 200
        assert proof["page_origin"] == finding["origin"]
        # Reports keep a body's shape, not its content (issue #12, point 8).
        assert proof["body"] is None and proof["body_redacted"] is True
        if endpoint.path != "/account":  # the victim's data: see the next test
            assert proof["body_shape"]["json_keys"] == ["endpoint", "data"]
            assert proof["body_shape"]["content_type"] == "application/json"
        # The proof's fetch carries a cache key of its own, as every probe does.
        assert proof["request"]["url"].startswith(f"{run.base}{endpoint.path}?corsguard=")
        expected = "include" if finding["credentials"] else "omit"
        assert proof["request"]["credentials"] == expected
        assert "Proven in Chromium" in finding["explanation"]
        # The fetch reached the real server, from the attacker origin: it was not routed.
        assert any(
            s.path == endpoint.path and s.origin == finding["origin"] and "Chrome" in s.user_agent
            for s in run.seen
        )


def test_credentialed_read_carries_the_victims_cookie_and_reads_the_secret(run: Run) -> None:
    (finding,) = findings(run, "/account").values()
    assert (finding["id"], finding["severity"], finding["proven"]) == (
        "origin-reflected",
        "high",
        True,
    )
    proof = finding["proof"]
    assert proof["request"]["credentials"] == "include"
    assert proof["status"] == 200 and proof["result"] == "read-with-credentials"
    assert proof["cookie_sent"] is True
    assert "with the victim's cookie sent by Chromium" in finding["explanation"]
    # The victim's secret was read, and is nowhere in the report.
    assert proof["body_shape"]["json_keys"] == ["user", "secret"]
    assert SECRET not in json.dumps(run.targets)
    browser_requests = [s for s in run.seen if s.path == "/account" and "Chrome" in s.user_agent]
    assert browser_requests and all(s.cookie for s in browser_requests)
    # -H headers other than cookies cannot come from an attacker's page: the proof says so.
    assert any("Authorization" in note for note in proof["notes"])


def test_a_readable_error_answer_is_not_a_proof(run: Run) -> None:
    (finding,) = findings(run, "/account-anonymous").values()
    assert (finding["id"], finding["severity"], finding["credentials"]) == (
        "origin-reflected",
        "medium",
        False,
    )
    proof = finding["proof"]
    # Chromium let the page read it, but a 401 shows no data: inconclusive, not proven.
    assert finding["proven"] is None and proof["read"] is True
    assert proof["result"] == "read-error-status" and proof["status"] == 401
    assert proof["request"]["credentials"] == "omit"
    assert proof["notes"][0].startswith("inconclusive: the page could read the answer, but it")
    assert proof["body_shape"]["json_keys"] == ["error"]
    # The audit's own probe (with the -H cookie) got the data; the browser's read did not.
    browser = [s for s in run.seen if s.path == "/account-anonymous" and "Chrome" in s.user_agent]
    assert [s.cookie for s in browser] == [None]


def test_wildcard_with_credentials_is_refuted_by_chromium(run: Run) -> None:
    found = findings(run, "/wildcard-credentials")
    refuted = found["wildcard-with-credentials"]
    assert refuted["proven"] is False and refuted["severity"] == "low"
    assert refuted["proof"]["request"]["credentials"] == "include"
    assert "wildcard" in refuted["proof"]["console"]
    assert "Refuted in Chromium" in refuted["explanation"]
    # Without credentials the same response is readable.
    assert found["wildcard-origin"]["proven"] is True


def test_a_redirect_is_an_error_entry_naming_the_final_url(run: Run) -> None:
    target = run.targets["/redirect-plain"]
    assert target["status"] == "error" and target["findings"] == []
    assert f"redirects (302) to {run.base}/plain;" in target["error"]


def test_the_corsguard_endpoint_has_nothing_to_prove(run: Run) -> None:
    assert run.targets[CORSGUARD_PATH]["findings"] == []
    assert not any(s.path == CORSGUARD_PATH and "Chrome" in s.user_agent for s in run.seen)


def test_exit_status_follows_the_proven_severities(run: Run) -> None:
    assert run.status == 1  # findings come first; the redirect's error entry would be 3


def test_poc_pages_are_written_for_proven_findings_without_target_data(run: Run) -> None:
    proven = [
        (path, f)
        for path, target in run.targets.items()
        for f in target["findings"]
        if f["proven"] is True
    ]
    files = sorted(run.poc_dir.iterdir())
    assert len(files) == len(proven)
    for file in files:
        assert re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{10}\.html", file.name)
        text = file.read_text()
        assert SECRET not in text and "lab data" not in text and SESSION_VALUE not in text
        assert run.base in text and "fetch(" in text
        # No verdict over an answer that shows nothing (issue #12, point 4).
        assert "the hole is real" not in text
