"""corsguard lint against the snippet corpus in tests/lint/lint_corpus/.

Each corpus line that must produce findings ends with ``# expect: id1 id2``; every other
line must produce none. The set of ids per line must match exactly, so a missed hole and a
false alarm both fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import corsguard
from corsguard.findings import KINDS, Severity
from corsguard.lint import lint_source
from tests.helpers.fixes import build_fix

CORPUS = Path(__file__).parent / "lint_corpus"
FILES = sorted(p for p in CORPUS.glob("*.py") if p.name != "broken_syntax.py")
_EXPECT = re.compile(r"#\s*expect:\s*(.*)$")


def expectations(text: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _EXPECT.search(line)
        if match:
            out[number] = set(match.group(1).split())
    return out


def test_corpus_covers_every_library_and_pattern() -> None:
    names = {p.stem for p in FILES}
    assert {"starlette_fastapi", "flask_cors_app", "aiohttp_cors_app", "good_configs"} <= names
    assert any(n.startswith("django_settings") for n in names)
    assert any(n.startswith("handwritten") for n in names)
    expected_ids = set().union(*(set().union(*expectations(p.read_text()).values()) for p in FILES))
    for kind in (
        "origin-reflected", "wildcard-with-credentials", "null-origin-trusted", "prefix-match",
        "suffix-match", "substring-match", "unescaped-dot", "insecure-origin-trusted",
        "any-subdomain-trusted", "third-party-origin-trusted", "wildcard-origin",
        "localhost-trusted", "regex-origin", "special-char-bypass", "private-network-allowed",
        "cors-library-conflict",
    ):  # fmt: skip
        assert kind in expected_ids, kind


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    text = path.read_text()
    result = lint_source(text, str(path))
    assert result.note is None
    got: dict[int, set[str]] = {}
    for finding in result.findings:
        got.setdefault(finding.line, set()).add(finding.id)
        assert finding.id in KINDS
    expected = expectations(text)
    lines = sorted(set(got) | set(expected))
    mismatches = [
        f"{path.name}:{n}: got {sorted(got.get(n, set()))}, "
        f"expected {sorted(expected.get(n, set()))}"
        for n in lines
        if got.get(n, set()) != expected.get(n, set())
    ]
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fix_is_a_valid_corsguard_policy(path: Path) -> None:
    for finding in lint_source(path.read_text(), str(path)).findings:
        code = finding.fix.split("  #", 1)[0]
        assert code.startswith(("corsguard.Policy(", "corsguard.Policy.from_env(")), finding.fix
        policy = build_fix(code)  # the fix is meant to be pasted as is
        assert isinstance(policy, corsguard.Policy)


def test_correct_configurations_fail_no_build() -> None:
    """Good configurations produce only low-severity notes (regex-origin, public '*')."""
    for name in ("good_configs.py", "django_settings_good.py"):
        findings = lint_source((CORPUS / name).read_text(), name).findings
        assert {f.id for f in findings} <= {"regex-origin", "wildcard-origin"}
        assert all(f.severity is Severity.LOW for f in findings)
