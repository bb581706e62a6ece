"""`corsguard audit` on the command line: inputs, exit status, bad arguments, streaming."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from corsguard.audit.model import TargetReport
from corsguard.audit.prober import AuditOptions, Item, audit_stream
from corsguard.cli import main
from corsguard.lab import RunningLab, start_lab
from tests.helpers.paths import ROOT


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningLab]:
    with start_lab() as running:
        yield running


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://a.test/"], "not an absolute http:// or https:// URL"),  # no scheme: http://
        (["http://h:99999/"], "not a valid URL"),
        (["-H", "NoColon", "http://a.test/"], "is not of the form 'Name: value'"),
        (["-H", "Bad Name: x", "http://a.test/"], "not a valid HTTP field name"),
        (["--format", "xml", "http://a.test/"], "unknown format 'xml'"),
        (["--fail-on", "critical", "http://a.test/"], "unknown severity 'critical'"),
        (["--origin", "app.example.test", "http://a.test/"], "has no scheme"),
        (["--origin", "null", "http://a.test/"], "'null'"),
        (["--concurrency", "0", "http://a.test/"], "--concurrency '0'"),
        (["--timeout", "soon", "http://a.test/"], "--timeout 'soon'"),
        (["--rate", "-1", "http://a.test/"], "--rate '-1'"),
        (["--timeout", "inf", "http://a.test/"], "--timeout 'inf'"),
        (["--concurrency", "99999999", "http://a.test/"], "--concurrency '99999999'"),
        (["--resolve", "a.test:80", "http://a.test/"], "expected HOST:PORT:ADDRESS"),
        (["-i", "/nonexistent/targets.txt"], "cannot read /nonexistent/targets.txt"),
        ([], "no targets"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("corsguard audit: error: ")
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("path", "fail_on", "status"),
    [
        ("/reflect-public", None, 1),  # medium >= medium (the default)
        ("/reflect-public", "high", 0),
        ("/reflect", "high", 1),
        ("/preflight-echo", None, 0),  # low only
        ("/preflight-echo", "low", 1),
        ("/plain", "low", 0),
    ],
)
def test_exit_status_follows_fail_on(
    lab: RunningLab, path: str, fail_on: str | None, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["audit", "--origin", lab.trusted_origin, lab.url(path)]
    if fail_on:
        args += ["--fail-on", fail_on]
    assert main(args) == status
    capsys.readouterr()


def test_targets_from_a_file_with_comments(
    lab: RunningLab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "targets.txt"
    listing.write_text(
        f"# inventory\n\n{lab.url('/plain')}\n   {lab.url('/wildcard')}  \nnot a url\n"
        f"# {lab.url('/reflect')}\n"
    )
    status = main(["audit", "-i", str(listing), "--format", "json", "--fail-on", "low"])
    out, err = capsys.readouterr()
    targets = json.loads(out)["targets"]
    assert [t["url"] for t in targets] == [lab.url("/plain"), lab.url("/wildcard"), "not a url"]
    assert targets[2]["status"] == "error" and "not an absolute" in targets[2]["error"]
    assert [f["id"] for f in targets[1]["findings"]] == ["wildcard-origin"]
    assert status == 1  # a bad line is a per-target error; the finding decides
    assert "3 targets audited (1 with errors)" in err


def test_targets_from_stdin(
    lab: RunningLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{lab.url('/plain')}\n# done\n"))
    assert main(["audit", "-i", "-", "--format", "jsonl"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["url"] == lab.url("/plain")


def test_a_binary_input_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "targets.bin"
    listing.write_bytes(b"\xff\xfe\x00garbage\n")
    assert main(["audit", "-i", str(listing)]) == 2
    assert "not UTF-8 text" in capsys.readouterr().err


def test_targets_are_read_lazily_with_a_bounded_pool() -> None:
    """A huge list is never materialised: few targets are read ahead of the first result."""
    read = 0
    read_at_first_result: list[int] = []

    def items() -> Iterator[Item]:
        nonlocal read
        for index in range(100_000):
            read += 1
            yield index, f"bad target {index}", "invalid"

    async def on_report(index: int, report: TargetReport) -> None:
        if not read_at_first_result:
            read_at_first_result.append(read)
            raise asyncio.CancelledError  # stop the run here

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(audit_stream(items(), AuditOptions(concurrency=4), on_report))
    assert read_at_first_result and read_at_first_result[0] < 100


def test_subprocess_jsonl_to_a_pipe_has_no_progress_bar(lab: RunningLab) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [
            *(sys.executable, "-m", "corsguard", "audit", "--format", "jsonl"),
            *("--origin", lab.trusted_origin, lab.url("/null-allowed"), lab.url("/plain")),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(t["url"] for t in lines) == [lab.url("/null-allowed"), lab.url("/plain")]
    assert (
        result.stderr.strip() == "2 targets audited (no errors); 1 finding: 1 high, 0 medium, 0 low"
    )


def test_rate_limit_and_sarif_to_a_file(lab: RunningLab, tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    status = main(
        [
            *("audit", "--rate", "500", "--format", "sarif", "-o", str(out)),
            *("--origin", lab.trusted_origin, lab.url("/startswith")),
        ]
    )
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert status == 1
    assert sorted(r["ruleId"] for r in results) == ["prefix-match", "special-char-bypass"]


def test_a_non_utf8_line_is_an_error_entry_and_the_rest_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corsguard.lab import start_lab

    with start_lab() as lab:
        listing = tmp_path / "inventory.txt"
        listing.write_bytes(
            (lab.urls[0] + "\n").encode()
            + b"http://bad\xff.example/\n"
            + (lab.urls[1] + "\n").encode()
        )
        status = main(["audit", "-i", str(listing), "--format", "json"])
    targets = json.loads(capsys.readouterr().out)["targets"]
    assert [t["status"] for t in targets] == ["ok", "error", "ok"]
    assert "not UTF-8" in targets[1]["error"]
    assert status in (0, 1)


def test_an_empty_inventory_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "empty.txt"
    listing.write_text("# nothing yet\n\n")
    assert main(["audit", "-i", str(listing), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no targets" in captured.err
