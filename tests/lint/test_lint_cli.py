"""`corsguard lint` on the command line: formats, exit codes, ignores, bad files, --exclude.

SARIF output is validated with jsonschema against SARIF_SUBSET (tests/helpers/lint_sarif.py),
a transcription of the parts of the official SARIF 2.1.0 schema that this output uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from corsguard.cli import main
from tests.helpers.lint_sarif import FORMATS, SARIF_SUBSET
from tests.helpers.paths import ROOT

CORPUS = Path(__file__).parent / "lint_corpus"


def test_format_checker_checks_uris() -> None:
    for bad in ("a b.py", "x\\y.py", "%zz", "e\x1bvil.py"):
        assert not FORMATS.conforms(bad, "uri-reference"), bad
    assert FORMATS.conforms("src/app%20x.py", "uri-reference")
    assert not FORMATS.conforms("not a uri", "uri")


FLASK_CREDS = "from flask_cors import CORS\nCORS(app, supports_credentials=True)\n"
FLASK_PUBLIC = "from flask_cors import CORS\nCORS(app)\n"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_text_output_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "app.py", FLASK_CREDS)
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}:2:1: high wildcard-with-credentials flask-cors:")
    # No origin of the project's own: the origins come from the deployment (issue #13).
    assert out[1].startswith("    fix: corsguard.Policy.from_env(")
    assert out[-1] == "1 finding (1 high, 0 medium, 0 low) in 1 file"


@pytest.mark.parametrize(
    ("source", "fail_on", "status"),
    [
        (FLASK_PUBLIC, "medium", 0),  # public '*' without credentials: low, no failure
        (FLASK_PUBLIC, "low", 1),
        (FLASK_CREDS, "high", 1),
        ('app.add_middleware(CORSMiddleware, allow_origin_regex="https://a.example.com")\n'
         "from starlette.middleware.cors import CORSMiddleware\n", "high", 0),  # medium < high
        ('app.add_middleware(CORSMiddleware, allow_origin_regex="https://a.example.com")\n'
         "from starlette.middleware.cors import CORSMiddleware\n", "MEDIUM", 1),
        ("print('nothing to see')\n", "low", 0),
    ],
)  # fmt: skip
def test_fail_on(tmp_path: Path, source: str, fail_on: str, status: int) -> None:
    path = write(tmp_path, "app.py", source)
    assert main(["lint", str(path), "--fail-on", fail_on]) == status


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "{tmp}/app.py", "--fail-on", "critical"],
        ["lint", "{tmp}/missing.py"],
        ["lint", "{tmp}/app.py", "-o", "{tmp}/no/such/dir/out.json"],
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    write(tmp_path, "app.py", FLASK_CREDS)
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("corsguard lint: error: ")


def test_argparse_usage_errors_exit_2(tmp_path: Path) -> None:
    for argv in (["lint"], ["lint", str(tmp_path), "--format", "xml"]):
        with pytest.raises(SystemExit) as excinfo:
            main(argv)
        assert excinfo.value.code == 2


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "a/app.py", FLASK_CREDS)
    write(
        tmp_path, "a/public.py", FLASK_PUBLIC + "CORS(app)  # corsguard: ignore[wildcard-origin]\n"
    )
    assert main(["lint", str(tmp_path), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    assert document["silenced"] == 1
    assert document["files"] == 2
    keys = {"path", "line", "col", "id", "severity", "message", "fix"}
    assert [set(f) for f in document["findings"]] == [keys, keys]
    assert [
        (Path(f["path"]).name, f["line"], f["id"], f["severity"]) for f in document["findings"]
    ] == [
        ("app.py", 2, "wildcard-with-credentials", "high"),
        ("public.py", 2, "wildcard-origin", "low"),
    ]


def test_sarif_output_validates(tmp_path: Path) -> None:
    out = tmp_path / "lint.sarif"
    status = main(["lint", str(CORPUS), "--format", "sarif", "-o", str(out)])
    assert status == 1
    document = json.loads(out.read_text())
    jsonschema.validate(document, SARIF_SUBSET, format_checker=FORMATS)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len({r["id"] for r in rules}) == len(rules) >= 10
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    levels = {r["properties"]["severity"]: r["level"] for r in results}
    assert levels == {"high": "error", "medium": "warning", "low": "note"}
    # The unparsable corpus file is reported as a notification, not as a crash.
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("broken_syntax.py" in n["message"]["text"] for n in notes)


def test_bad_files_are_notes_not_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "syntax.py", "CORS_ALLOW_ALL_ORIGINS = (\n")
    write(
        tmp_path, "latin1.py", "# origin caf\xe9\nCORS_ALLOW_ALL_ORIGINS = True\n".encode("latin-1")
    )
    write(tmp_path, "nul.py", b"CORS = 1\x00\n")
    write(tmp_path, "ok.py", FLASK_PUBLIC)
    assert main(["lint", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "syntax.py: note: syntax error at line 1" in out
    assert "latin1.py: note: not UTF-8" in out
    assert "nul.py: note: contains NUL bytes" in out
    assert "ok.py:2:1: low wildcard-origin" in out
    assert out.strip().endswith("in 4 files; 3 files skipped (see notes)")


def test_text_counts_silenced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        tmp_path,
        "app.py",
        "from flask_cors import CORS\n"
        "CORS(app, supports_credentials=True)  # corsguard: ignore[wildcard-with-credentials]\n",
    )
    assert main(["lint", str(tmp_path)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary == (
        "0 findings (0 high, 0 medium, 0 low) in 1 file; 1 silenced by corsguard: ignore comments"
    )


def test_directory_walk_and_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("src/app.py", ".venv/lib/x.py", "node_modules/y.py", "build/z.py",
                 "src/migrations/0001.py", "tests/test_cors.py", "src/notes.txt"):  # fmt: skip
        write(tmp_path, name, FLASK_CREDS)
    assert main(["lint", str(tmp_path), "--format", "json", "--exclude", "migrations",
                 "--exclude", "test_*.py"]) == 1  # fmt: skip
    paths = {Path(f["path"]).relative_to(tmp_path).as_posix()
             for f in json.loads(capsys.readouterr().out)["findings"]}  # fmt: skip
    assert paths == {"src/app.py"}


def test_subprocess_run() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "corsguard", "lint", "tests/lint/lint_corpus/flask_cors_app.py",
         "--fail-on", "high"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )  # fmt: skip
    assert process.returncode == 1, process.stderr
    assert "tests/lint/lint_corpus/flask_cors_app.py:11:1: high wildcard-with-credentials" in (
        process.stdout
    )
    assert process.stderr == ""


def test_pre_commit_hook_definition() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: corsguard-lint" in text
    assert "entry: corsguard lint" in text
    assert "language: python" in text
    assert "types: [python]" in text
