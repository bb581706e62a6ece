"""Test support: the real Express servers of tests/node (npm packages express and cors).

`.ci/run` installs them with `npm ci` into tests/node/node_modules (git-ignored); when that
folder is missing (a fresh checkout) the fixture runs the same `npm ci` once. Without
node and npm the tests fail with the command to run: they never skip to get green.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"


def ensure_node_modules() -> str:
    """The node binary, with tests/node's packages installed (npm ci, once, under a lock)."""
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed: apt-get install -y nodejs npm, then .ci/run")
    with open(NODE_DIR / "package.json", "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # pytest-xdist workers: one install at a time
        try:
            packages = ("express", "cors", "cors-anywhere")
            if not all((NODE_DIR / "node_modules" / p).is_dir() for p in packages):
                done = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                    cwd=NODE_DIR,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    check=False,
                )
                if done.returncode != 0:
                    pytest.fail(f"npm ci in {NODE_DIR} failed: {done.stderr.strip()[-500:]}")
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return node


@contextlib.contextmanager
def express_servers() -> Iterator[int]:
    """Start tests/node/servers.js on 127.0.0.1; yield its port."""
    with node_server("servers.js") as port:
        yield port


@contextlib.contextmanager
def node_server(script: str) -> Iterator[int]:
    """Start tests/node/SCRIPT (it prints its port) on 127.0.0.1; yield its port."""
    node = ensure_node_modules()
    process = subprocess.Popen(
        [node, str(NODE_DIR / script)],
        cwd=NODE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NODE_ENV": "production"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.isdigit():
            error = process.stderr.read() if process.stderr else ""
            pytest.fail(f"{script} did not start: {line} {error[-500:]}")
        yield int(line)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
