"""`corsguard demo`: the lab audited end to end, and --serve for curl."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from corsguard.cli import main
from corsguard.lab import CORSGUARD_PATH, ENDPOINTS
from tests.helpers.paths import ROOT


def test_demo_audits_every_lab_endpoint_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    base = re.search(r"corsguard lab on (http://127\.0\.0\.1:\d+)", out)
    assert base is not None
    blocks = re.split(r"^(?=http://)", out, flags=re.M)
    by_url = {block.splitlines()[0]: block for block in blocks if block.startswith("http://")}
    for endpoint in ENDPOINTS:
        block = by_url[base.group(1) + endpoint.path]
        shown = set(re.findall(r"^  (?:HIGH|MEDIUM|LOW)\s+(\S+)", block, flags=re.M))
        assert shown == endpoint.findings, endpoint.path
        assert endpoint.mistake in block
    assert "no finding" in by_url[base.group(1) + CORSGUARD_PATH]
    total = sum(len(e.findings) for e in ENDPOINTS)
    assert f"{len(ENDPOINTS)} targets audited (no errors); {total} findings" in out
    assert "\x1b[" not in out  # not a terminal: no colour


@pytest.mark.parametrize("port", ["http", "70000"])
def test_bad_port_is_exit_2(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--port", port]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_serve_keeps_the_lab_running_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "corsguard", "demo", "--serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        assert "curl -si -H 'Origin: https://evil.attacker.test'" in text
        base = re.search(r"corsguard lab on (http://127\.0\.0\.1:\d+)", text)
        assert base is not None
        request = urllib.request.Request(
            base.group(1) + "/reflect", headers={"Origin": "https://evil.attacker.test"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "https://evil.attacker.test"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
