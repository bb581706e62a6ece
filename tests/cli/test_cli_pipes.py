"""A closed pipe ends a command quietly (`corsguard check x.toml | head -1`), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import paths

POLICY_TOML = """\
allow_origins = ["https://app.example.com", "https://admin.example.com"]
allow_methods = ["GET", "POST", "PUT", "DELETE"]
allow_headers = ["Authorization", "X-Request-Id"]
allow_credentials = true
"""

LINTED = (
    "from starlette.middleware.cors import CORSMiddleware\n"
    'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n'
)


# The checkout's own code, whatever the current directory (the test runs in a temp dir).
SRC = str(paths.SRC)
RUN = "from corsguard.cli import main; sys.exit(main(sys.argv[1:]))"


def _run_into_closed_pipe(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte is written
    try:
        return subprocess.run(
            [sys.executable, "-c", f"import sys; sys.path.insert(0, {SRC!r}); {RUN}", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=cwd,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "cors.toml"],
        ["check", "cors.toml", "--json"],
        ["lint", "app.py"],
        ["--help"],
        ["check", "--help"],
        ["demo"],
    ],
)
def test_closed_pipe_is_quiet(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "cors.toml").write_text(POLICY_TOML)
    (tmp_path / "app.py").write_text(LINTED)
    result = _run_into_closed_pipe(args, tmp_path)
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert "Exception ignored" not in stderr
    assert result.returncode in (0, 141), (result.returncode, stderr)
