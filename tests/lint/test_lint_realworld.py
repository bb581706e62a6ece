"""corsguard lint against the real-world corpus in tests/lint/lint_realworld/ (issue #13).

Each directory is one public repository's CORS-configuring files, re-stated, judged by hand
(``# expect: ids`` on each line that must be reported, SOURCE.md for the reasons). Each
directory is linted as one project, the way the CLI does (one symbol table per run), so
values imported from the repository's other modules are followed.

Run with ``-s`` to see the precision and recall figures.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

import corsguard
from corsguard.lint.cli import lint_paths
from tests.helpers.fixes import build_fix

CORPUS = Path(__file__).parent / "lint_realworld"
REPOS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))
_EXPECT = re.compile(r"#\s*expect:\s*([a-z\- ]+)")

Key = tuple[str, int, str]  # (path below the corpus, line, id)
# SPDX ids of licences that allow redistribution: permissive, or copyleft under its terms.
_REDISTRIBUTABLE = re.compile(
    r"(MIT|ISC|Apache-2\.0|BSD-[23]-Clause|MPL-2\.0|(?:A|L)?GPL-[23]\.0(?:-only|-or-later)?)\b"
)


def _expected(repo: Path) -> set[Key]:
    out: set[Key] = set()
    for path in sorted(repo.rglob("*.py")):
        relative = path.relative_to(CORPUS).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = _EXPECT.search(line)
            if match:
                out.update((relative, number, kind) for kind in match.group(1).split())
    return out


def _found(repo: Path) -> tuple[set[Key], list[str], list[str]]:
    results, _count = lint_paths([str(repo)], [])
    found: set[Key] = set()
    fixes: list[str] = []
    skipped: list[str] = []
    for result in results:
        if result.note is not None:
            skipped.append(f"{result.path}: {result.note}")
        for finding in result.findings:
            relative = Path(finding.path).resolve().relative_to(CORPUS.resolve()).as_posix()
            found.add((relative, finding.line, finding.id))
            fixes.append(finding.fix)
    return found, fixes, skipped


def test_corpus_is_real_and_documented() -> None:
    assert len(REPOS) >= 30, len(REPOS)
    for repo in REPOS:
        source = (repo / "SOURCE.md").read_text()
        for field in ("Repository: https://github.com/", "commit `", "Licence:", "Judgement"):
            assert field in source, (repo.name, field)
        assert re.search(r"commit `[0-9a-f]{40}`", source), repo.name
        # Third-party files may be kept only under a licence that allows it: the licence is
        # named by its SPDX id with where it was read (file and commit); a folder without one
        # ("NONE FOUND", "not verified") is refused.
        licence = re.search(r"^- Licence: (.*?)(?=^- |\Z)", source, re.M | re.S)
        assert licence, repo.name
        text = licence.group(1)
        assert _REDISTRIBUTABLE.match(text), (repo.name, text)
        assert "NONE FOUND" not in text, (repo.name, text)
        assert re.search(r"commit\s+`[0-9a-f]{40}`", text), (repo.name, text)


def test_precision_and_recall() -> None:
    expected: set[Key] = set()
    found: set[Key] = set()
    for repo in REPOS:
        expected |= _expected(repo)
        got, _fixes, skipped = _found(repo)
        found |= got
        assert not [s for s in skipped if "needs Python" not in s], skipped
    true_positives = expected & found
    false_positives = sorted(found - expected)
    misses = sorted(expected - found)
    precision = len(true_positives) / len(found) if found else 1.0
    recall = len(true_positives) / len(expected) if expected else 1.0
    print(
        f"\nlint real-world corpus: {len(REPOS)} repositories, {len(expected)} expected "
        f"findings, {len(found)} reported, {len(true_positives)} right: "
        f"precision {precision:.1%}, recall {recall:.1%}"
    )
    report = "\n".join(
        [*(f"false positive: {k}" for k in false_positives), *(f"miss: {k}" for k in misses)]
    )
    assert precision >= 0.97, report
    assert recall >= 0.95, report


def test_files_for_a_newer_python_are_named() -> None:
    """A corpus file this Python cannot parse (home-assistant's PEP 695 ``type`` alias on 3.11)
    is skipped with a note naming the Python it needs and the construct, never a syntax error;
    every file this Python can parse is linted."""
    unparsable = set()
    for path in CORPUS.rglob("*.py"):
        try:
            ast.parse(path.read_bytes())
        except SyntaxError:
            unparsable.add(path.resolve())
    noted: dict[Path, str] = {}
    for repo in REPOS:
        results, _count = lint_paths([str(repo)], [])
        noted.update({Path(r.path).resolve(): r.note for r in results if r.note is not None})
    assert set(noted) == unparsable, (sorted(noted), sorted(unparsable))
    alias = (CORPUS / "home-assistant__core/homeassistant/helpers/http.py").resolve()
    assert (alias in unparsable) == (sys.version_info < (3, 12))
    if alias in noted:
        assert "needs Python 3.12" in noted[alias] and "PEP 695" in noted[alias], noted[alias]


@pytest.mark.parametrize("repo", REPOS, ids=lambda p: p.name)
def test_every_fix_constructs(repo: Path) -> None:
    """Every printed fix is a runnable corsguard.Policy (pasted as is, it constructs)."""
    _found_keys, fixes, _skipped = _found(repo)
    for fix in fixes:
        code = fix.split("  #", 1)[0]
        assert code.startswith(("corsguard.Policy(", "corsguard.Policy.from_env(")), fix
        policy = build_fix(code)  # the fix is meant to be pasted as is
        assert isinstance(policy, corsguard.Policy), fix
