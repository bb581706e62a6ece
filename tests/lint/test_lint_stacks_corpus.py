"""corsguard lint against real JavaScript/TypeScript, nginx and Spring files.

tests/lint/lint_corpus_stacks/JUDGEMENT.md names, for every file, its source (repository, path,
commit, licence) and the findings a reviewer expects, judged by hand from each library's
semantics. The set of ``line:id`` pairs must match exactly, apart from the disagreements the
"Known misses" table lists: a new missed hole, a new false alarm and a known miss that has gone
all fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corsguard.findings import KINDS
from corsguard.lint.stacks import file_loader, lint_stack_source, stack_of
from corsguard.remediation import NO_ORIGIN_NOTE, UNKNOWN_ORIGIN

CORPUS = Path(__file__).parent / "lint_corpus_stacks"
_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([0-9a-f]{40})\s*\|")


def _pairs(cell: str) -> set[tuple[int, str]]:
    if cell == "none":
        return set()
    out: set[tuple[int, str]] = set()
    for item in cell.split(","):
        number, kind = item.strip().split(":", 1)
        out.add((int(number), kind))
    return out


_STACKS = {"JavaScript": "javascript", "nginx": "nginx", "Spring": "spring"}


def _tables() -> tuple[
    dict[str, tuple[str, str, set[tuple[int, str]]]],
    dict[str, tuple[set[tuple[int, str]], set[tuple[int, str]]]],
]:
    """(file -> (repo, licence, expected), file -> (lint misses, lint adds)); files are named
    relative to the corpus, with their stack folder."""
    rows: dict[str, tuple[str, str, set[tuple[int, str]]]] = {}
    known: dict[str, tuple[set[tuple[int, str]], set[tuple[int, str]]]] = {}
    section = ""
    for line in (CORPUS / "JUDGEMENT.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].split()[0]
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if section == "Known":
            if not line.startswith("|") or cells[0] == "File" or cells[0].startswith("---"):
                continue
            assert (CORPUS / cells[0]).is_file(), f"known miss for a missing file {cells[0]}"
            assert cells[0] not in known, f"{cells[0]} has two known-miss rows"
            known[cells[0]] = (_pairs(cells[1]), _pairs(cells[2]))
            continue
        match = _ROW.match(line)
        if match:
            rows[f"{_STACKS[section]}/{match.group(1)}"] = (
                match.group(2),
                cells[4],
                _pairs(cells[5]),
            )
    return rows, known


ROWS, KNOWN_MISSES = _tables()
FILES = sorted(
    str(p.relative_to(CORPUS))
    for p in CORPUS.rglob("*")
    if p.is_file() and p.name != "JUDGEMENT.md" and p.relative_to(CORPUS).parts[0] != "LICENSES"
)


def test_known_misses_name_judged_files_and_real_disagreements() -> None:
    assert KNOWN_MISSES, "the Known misses table was not read"
    for name, (missed, added) in KNOWN_MISSES.items():
        assert name in ROWS, name
        expected = ROWS[name][2]
        assert missed <= expected, f"{name}: a miss must be a pair the judgement expects"
        assert not added & expected, f"{name}: an addition must be a pair the judgement rejects"
        assert missed or added, name


# Licences that let us redistribute a file (SPDX ids), as the Licence column writes them.
_REDISTRIBUTABLE = re.compile(
    r"(MIT|ISC|BSD-[23]-Clause|Apache-2\.0|MPL-2\.0|Unlicense|CC0-1\.0|LGPL-3\.0) \([^)]+\)"
)


def test_every_file_comes_from_a_licensed_repository_whose_licence_travels_with_it() -> None:
    licences = CORPUS / "LICENSES"
    package_json_only = (licences / "package-json-licences.txt").read_text(encoding="utf-8")
    for name, (repo, licence, _) in ROWS.items():
        assert _REDISTRIBUTABLE.fullmatch(licence), f"{name}: licence {licence!r}"
        if "package.json" in licence:
            assert repo in package_json_only, f"{name}: {repo} not in package-json-licences.txt"
        else:
            assert (licences / f"{repo.replace('/', '__')}.txt").is_file(), f"{name}: {repo}"


def test_every_corpus_file_is_judged_and_the_corpus_is_large_enough() -> None:
    assert sorted(ROWS) == FILES
    counts = {s: sum(1 for f in FILES if f.startswith(s + "/")) for s in ("javascript", "nginx")}
    assert counts["javascript"] >= 15
    assert counts["nginx"] >= 8
    assert sum(1 for f in FILES if f.startswith("spring/")) >= 8
    # Mistakes and correct configurations alike.
    assert any(not expected for _, _, expected in ROWS.values())
    judged_ids = {kind for _, _, expected in ROWS.values() for _, kind in expected}
    assert {
        "origin-reflected", "wildcard-with-credentials", "wildcard-origin", "prefix-match",
        "special-char-bypass", "localhost-trusted", "insecure-origin-trusted",
        "missing-vary-origin", "regex-origin", "any-subdomain-trusted",
    } <= judged_ids  # fmt: skip


@pytest.mark.parametrize("name", FILES)
def test_corpus_file(name: str) -> None:
    path = CORPUS / name
    stack_dir = CORPUS / name.split("/", 1)[0]
    text = path.read_text(encoding="utf-8")
    stack = stack_of(str(path), text)
    assert stack is not None, f"{name} is not recognised as a stack file"
    result = lint_stack_source(text, str(path), stack, file_loader(str(stack_dir)))
    assert not result.skipped, result.note
    got = {(f.line, f.id) for f in result.findings}
    for finding in result.findings:
        assert finding.id in KINDS
        assert finding.fix
    expected = ROWS[name][2]
    missed, added = KNOWN_MISSES.get(name, (set(), set()))
    # Lint must make exactly the known disagreements: a new one fails, and so does a fixed one
    # (its row in "Known misses" then goes).
    assert got == (expected - missed) | added, (
        f"{name}: missing {sorted(expected - got)}, unexpected {sorted(got - expected)};"
        f" known misses {sorted(missed)}, known additions {sorted(added)}"
    )


_STACK_FORMS = {
    "javascript": ("cors(", "setHeader(", "createServer(", "register(cors", "new Server("),
    "nginx": ("map $http_origin $cors_origin",),
    "spring": ("allowedOrigins(", "@CrossOrigin(", "setAllowedOrigins(", ".allowed-origins="),
}


@pytest.mark.parametrize("name", FILES)
def test_fixes_are_in_the_stack_s_own_terms_and_never_a_wildcard(name: str) -> None:
    path = CORPUS / name
    stack_dir = CORPUS / name.split("/", 1)[0]
    text = path.read_text(encoding="utf-8")
    result = lint_stack_source(text, str(path), None, file_loader(str(stack_dir)))
    stack = name.split("/", 1)[0]
    for finding in result.findings:
        if finding.id == "wildcard-origin" and "keep '*' only" in finding.fix:
            continue  # public '*' kept as written, with the condition under which it is fine
        if NO_ORIGIN_NOTE in finding.fix:
            # The file names no origin: the header-level fix, never an invented origin.
            assert finding.fix.startswith("When Origin is one of your front ends' origins")
            assert UNKNOWN_ORIGIN not in finding.fix, finding.fix
            continue
        code = re.split(r"\s(?://|#) ", finding.fix, maxsplit=1)[0]
        assert any(form in code for form in _STACK_FORMS[stack]), finding.fix
        # Never a wider grant: the origins the fix lists hold no '*' and nothing echoes all.
        # (Java annotations list origins in {...}, Kotlin ones in [...].)
        origin_lists = re.findall(
            r"origin(?:Whitelist)?: \[([^\]]*)\]|ALLOWED = \[([^\]]*)\]|new Set\(\[([^\]]*)\]"
            r"|map \$http_origin \$cors_origin \{([^}]*)\}|allowedOrigins\(([^)]*)\)"
            r"|setAllowedOrigins\(List\.of\(([^)]*)\)|origins = [{\[]([^}\]]*)[}\]]"
            r"|allowed-origins=(\S*)",
            code,
        )
        assert origin_lists, finding.fix
        for groups in origin_lists:
            listed = "".join(groups)
            assert "'*'" not in listed and '"*"' not in listed and "=*" not in listed, finding.fix
        assert "origin: true" not in code and 'allowedOriginPatterns("*")' not in code
