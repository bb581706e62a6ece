"""One CLI: help with exit status and examples, one --format vocabulary, curl-like URLs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corsguard.cli import COMMANDS, _load, _Parser, main
from corsguard.cliargs import normalize_url
from tests.helpers.paths import SRC
from tests.helpers.servers import serve_asgi

ORIGIN = "https://app.example.com"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_help_has_exit_status_and_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "Exit status:" in out
    examples = out.split("Examples:", 1)[1]
    lines = [line for line in examples.splitlines() if line.strip().startswith("corsguard ")]
    lines += [line for line in examples.splitlines() if " corsguard " in line]
    assert len(lines) >= 2, out
    # RawDescriptionHelpFormatter keeps the layout: one example a line, not rewrapped.
    assert f"  corsguard {command}" in examples or f"corsguard {command} " in examples


def parse(command: str, *argv: str) -> object:
    parser = _Parser(prog=f"corsguard {command}")
    _load(command).add_arguments(parser)
    return parser.parse_args(list(argv))


# (command, base argv, --format value, what the command then holds in args.format)
ACCEPTED = [
    ("audit", ["https://a.example/"], "text", "table"),
    ("audit", ["https://a.example/"], "table", "table"),
    ("audit", ["https://a.example/"], "JSON", "json"),
    ("audit", ["https://a.example/"], "jsonl", "jsonl"),
    ("audit", ["https://a.example/"], "sarif", "sarif"),
    ("lint", ["."], "text", "text"),
    ("lint", ["."], "json", "json"),
    ("lint", ["."], "sarif", "sarif"),
    ("explain", ["https://a.example/"], "text", "text"),
    ("explain", ["https://a.example/"], "json", "json"),
    ("explain", ["https://a.example/"], "jsonl", "jsonl"),
    ("check", ["cors.toml"], "text", "text"),
    ("check", ["cors.toml"], "json", "json"),
]


@pytest.mark.parametrize(("command", "argv", "given", "held"), ACCEPTED)
def test_format_names_accepted(command: str, argv: list[str], given: str, held: str) -> None:
    args = parse(command, *argv, "--format", given)
    assert getattr(args, "format") == held  # noqa: B009 - argparse.Namespace


@pytest.mark.parametrize(
    ("command", "argv", "bad"),
    [
        ("audit", ["https://a.example/"], "xml"),
        ("explain", ["https://a.example/"], "sarif"),  # explain has no findings
        ("check", ["cors.toml"], "jsonl"),
    ],
)
def test_unknown_format_refused(
    command: str, argv: list[str], bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, *argv, "--format", bad]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"corsguard {command}: error: unknown format {bad!r}: use one of ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", ["explain", "check"])
def test_json_flag_is_format_json(command: str) -> None:
    argv = ["https://a.example/"] if command == "explain" else ["cors.toml"]
    assert getattr(parse(command, *argv, "--json"), "format") == "json"  # noqa: B009


def test_check_formats_really_produce(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cors.toml"
    path.write_text('allow_origins = ["https://app.example.com"]\n')
    assert main(["check", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert main(["check", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert main(["check", str(path), "--format", "text"]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: valid")


def test_explain_formats_really_produce(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cors.toml"
    path.write_text('allow_origins = ["https://app.example.com"]\n')
    base = ["explain", "--policy", str(path), "https://api.example.com/", "--origin", ORIGIN]
    assert main([*base, "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and json.loads(out)["allowed"] is True
    assert main([*base, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["allowed"] is True
    assert main([*base]) == 0
    assert "ALLOWED" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("127.0.0.1:8101/items", "http://127.0.0.1:8101/items"),
        ("localhost:8000", "http://localhost:8000"),
        ("api.example.com/a?b=1", "http://api.example.com/a?b=1"),
        ("[::1]:8080/x", "http://[::1]:8080/x"),
        ("//cdn.example.com/x", "http://cdn.example.com/x"),
        ("https://api.example.com/", "https://api.example.com/"),
        ("HTTP://api.example.com/", "HTTP://api.example.com/"),
        ("  https://a.example/  ", "https://a.example/"),
        ("ftp://files.example/", "ftp://files.example/"),  # left for the command to refuse
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


async def _items(scope: dict[str, object], receive: object, send: object) -> None:
    assert callable(send)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"access-control-allow-origin", ORIGIN.encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


def test_audit_urls_without_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    # Normalised when the command runs, not by argparse: with --app the same arguments
    # are paths (/api/items), which must not become http://api/items.
    with serve_asgi(_items) as port:
        main(["audit", f"127.0.0.1:{port}/items", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert [t["url"] for t in doc["targets"]] == [f"http://127.0.0.1:{port}/items"]


def test_explain_live_url_without_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    with serve_asgi(_items) as port:
        status = main(["explain", f"127.0.0.1:{port}/items", "--origin", ORIGIN, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == 0
    assert doc["request"]["url"] == f"http://127.0.0.1:{port}/items"
    assert doc["exchanges"][0]["status"] == 200


def test_scheme_less_url_with_bad_port_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "127.0.0.1:99999/x", "--origin", ORIGIN]) == 2
    err = capsys.readouterr().err
    assert "invalid port" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--help"],
        ["audit", "--help"],
        ["explain", "--policy", "cors.toml", "https://api.example.com/", "--origin", ORIGIN],
        ["explain", "--policy", "cors.toml", "api.example.com/", "--origin", ORIGIN, "--json"],
        ["check", "cors.toml", "--format", "json"],
    ],
)
def test_closed_pipe_is_quiet(argv: list[str], tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "cors.toml").write_text('allow_origins = ["https://app.example.com"]\n')
    src = str(SRC)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "corsguard", *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": src},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    err = done.stderr.decode()
    assert "Traceback" not in err and "Exception ignored" not in err
    # --help leaves through argparse's own exit (0); a report ends as a filter does (141).
    assert done.returncode == (0 if "--help" in argv else 141), (done.returncode, err)
