"""Where things are, from the repository root: tests move between folders, these do not."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
BENCHMARKS = ROOT / "benchmarks"
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"
