"""The auditor finds a live endpoint that trusts preview deployments on a hosting platform."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from corsguard.asgi import CORSMiddleware
from corsguard.cli import main
from corsguard.probes import platform_probes
from tests.helpers.servers import serve_asgi

TEAM_PREVIEW = "https://myapp-git-main-myteam.vercel.app"


def preview_regex_app(pattern: str) -> Any:
    """A hand-written check that trusts every preview of the team's project by regex."""
    regex = re.compile(pattern)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        origin = dict(scope["headers"]).get(b"origin", b"").decode("latin-1")
        headers = [(b"content-type", b"application/json"), (b"vary", b"Origin")]
        if regex.fullmatch(origin):
            headers += [
                (b"access-control-allow-origin", origin.encode()),
                (b"access-control-allow-credentials", b"true"),
            ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (
            TEAM_PREVIEW,
            {
                "https://myapp-corsguardprobe.vercel.app",
                "https://corsguardprobe-myteam.vercel.app",
                "https://myapp-corsguardprobe-main-myteam.vercel.app",
                "https://myapp-git-corsguardprobe-myteam.vercel.app",
            },
        ),
        ("https://docs.netlify.app", {"https://docs-corsguardprobe.netlify.app",
                                      "https://corsguardprobe-docs.netlify.app"}),
        ("https://pen.codepen.io", {"https://pen-corsguardprobe.codepen.io",
                                    "https://corsguardprobe-pen.codepen.io"}),
        ("https://app.example.com", set()),  # a domain the team owns
        ("https://preview-1.app.example.com", set()),
    ],
)  # fmt: skip
def test_platform_probes(trusted: str, expected: set[str]) -> None:
    probes = platform_probes(trusted)
    assert {p.origin for p in probes} == expected
    assert all(p.finding_id == "third-party-origin-trusted" for p in probes)


@pytest.mark.parametrize(
    ("pattern", "probe"),
    [
        (r"https://myapp-git-[a-z0-9-]+-myteam\.vercel\.app", "myapp-git-corsguardprobe-myteam"),
        (r"https://myapp-[a-z0-9-]+\.vercel\.app", "myapp-corsguardprobe"),
        (r"https://[a-z0-9-]+-myteam\.vercel\.app", "corsguardprobe-myteam"),
    ],
)
def test_audit_reports_preview_patterns_on_a_public_suffix(
    pattern: str, probe: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_asgi(preview_regex_app(pattern)) as port:
        url = f"http://127.0.0.1:{port}/api/me"
        status = main(["audit", url, "--origin", TEAM_PREVIEW, "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    findings = document["targets"][0]["findings"]
    third_party = [f for f in findings if f["id"] == "third-party-origin-trusted"]
    assert status == 1
    assert third_party, findings
    assert third_party[0]["origin"] == f"https://{probe}.vercel.app"
    assert third_party[0]["severity"] == "high"


def test_a_corsguard_policy_with_previews_on_an_owned_domain_has_no_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = CORSMiddleware(
        preview_regex_app(r"(?!)"),
        allow_origins=["https://myapp-*.preview.example.com"],
        allow_credentials=True,
    )
    with serve_asgi(app) as port:
        url = f"http://127.0.0.1:{port}/api/me"
        status = main(
            ["audit", url, "--origin", "https://myapp-pr-1.preview.example.com", "--format", "json"]
        )
    findings = json.loads(capsys.readouterr().out)["targets"][0]["findings"]
    assert status == 0, findings
    assert findings == []
