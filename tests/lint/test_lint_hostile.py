"""`corsguard lint` on hostile repositories (issue #16, points 2, 4, 5 and 6).

The attacker writes a pull request that CI lints. Each shape below used to hang lint, exhaust
its memory or reach the terminal raw; now lint finishes and says what it skipped, in text,
JSON and SARIF alike. Shapes that could hang if a bound regressed run in a subprocess with a
timeout, so that a regression fails instead of stalling the suite.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import subprocess
import sys
import tracemalloc
import unicodedata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corsguard.cli import main
from corsguard.lint import lint_source
from corsguard.lint.files import MAX_FILE_BYTES
from corsguard.lint.regex_safety import regex_risk
from corsguard.lint.values import MAX_ITEMS, MAX_STRING
from corsguard.untrusted import clean_text
from tests.helpers.lint_sarif import FORMATS, SARIF_SUBSET
from tests.helpers.paths import ROOT

# The two regexes of the review: the first hung lint past 300 s, the second took 49 s.
EVIL_1 = r"https://([a-z0-9.-]+)+\.example\.com"
EVIL_2 = r"https://(?:[a-z0-9-]+\.?)+\.example\.com"


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "corsguard", "lint", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def formats(directory: Path, *extra: str) -> dict[str, str]:
    """Text, JSON and SARIF output for one directory, each from its own subprocess."""
    out = {}
    for fmt in ("text", "json", "sarif"):
        proc = run_cli(str(directory), "--format", fmt, *extra)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        out[fmt] = proc.stdout
    return out


def sarif_notes(document: dict[str, Any]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = document["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    return notes


# --- point 4: regexes from the linted code ---------------------------------------------

EVIL_REPO = {
    "starlette_app.py": (
        "from starlette.middleware.cors import CORSMiddleware\n"
        f"app.add_middleware(CORSMiddleware, allow_origin_regex={EVIL_1!r}, "
        "allow_credentials=True)\n"
        f"app.add_middleware(CORSMiddleware, allow_origin_regex={EVIL_2!r})\n"
    ),
    "settings.py": f"CORS_ALLOWED_ORIGIN_REGEXES = [{EVIL_1!r}, {EVIL_2!r}]\n",
    "flask_app.py": f"from flask_cors import CORS\nCORS(app, origins=[{EVIL_2!r}])\n",
    "views.py": (
        "import re\n"
        "def view(request, response):\n"
        '    origin = request.headers.get("Origin")\n'
        f"    if re.fullmatch({EVIL_1!r}, origin):\n"
        '        response.headers["Access-Control-Allow-Origin"] = origin\n'
        f"    if re.compile({EVIL_2!r}).match(origin):\n"
        '        response.headers["Access-Control-Allow-Origin"] = origin\n'
    ),
}


def test_review_regexes_are_judged_without_re(tmp_path: Path) -> None:
    """Issue #13 point 4: a regex refused by regex_safety is not run with re but judged
    with the linear-time engine (corsguard.lint.regex_engine), so its holes are reported."""
    for name, text in EVIL_REPO.items():
        (tmp_path / name).write_text(text)
    out = formats(tmp_path)
    text = out["text"]
    assert "regex not evaluated" not in text
    # EVIL_1 ([a-z0-9.-]+ before \.example\.com) accepts every subdomain; with re.match
    # (django-cors-headers) it also accepts a prefix, and with no `$` anywhere it accepts
    # https://x.example.com.attacker.test.
    assert f"{tmp_path / 'starlette_app.py'}:2:55: low regex-origin" in text
    assert f"{tmp_path / 'starlette_app.py'}:2:55: medium any-subdomain-trusted" in text
    assert f"{tmp_path / 'settings.py'}:1:32: medium prefix-match" in text
    assert json.loads(out["json"])["notes"] == []
    sarif = json.loads(out["sarif"])
    jsonschema.validate(sarif, SARIF_SUBSET, format_checker=FORMATS)
    assert not [n for n in sarif_notes(sarif) if "regex not evaluated" in n["message"]["text"]]


@pytest.mark.parametrize(
    "pattern",
    [
        r"^https://((?=a)[a-z]+)+\.example\.com$",  # lookahead
        r"^https://(([a-z])\2+)+\.example\.com$",  # backreference
    ],
)
def test_regexes_neither_engine_reads_finish_with_a_note(pattern: str) -> None:
    assert regex_risk(pattern) is not None
    source = (
        "from starlette.middleware.cors import CORSMiddleware\n"
        f"app.add_middleware(CORSMiddleware, allow_origin_regex={pattern!r})\n"
    )
    result = lint_source(source, "app.py")
    assert [n.message.split(":")[0] for n in result.notes] == ["regex not evaluated"]
    assert [f.id for f in result.findings] == ["regex-origin"]


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (EVIL_1, "nested quantifier"),
        (EVIL_2, "nested quantifier"),
        (r"^(a+)+$", "nested quantifier"),
        (r"https://(\w+\.?)*example\.com", "nested quantifier"),
        (r"^https://(a|ab)*\.example\.com$", "empty branch"),
        (r"^https://(ab|[a-z]b)+\.example\.com$", "overlapping alternation"),
        (r"^https://(?:[a-z]*)*\.example\.com$", "can match nothing"),
        (r".*.*.*.*\.example\.com", "unbounded repetitions"),
        ("x" * 1001, "longer than"),
    ],
)
def test_risky_shapes_are_refused(pattern: str, reason: str) -> None:
    risk = regex_risk(pattern)
    assert risk is not None and reason in risk, risk


@pytest.mark.parametrize(
    ("pattern", "finding"),
    [
        # Safe shapes real projects use are still run against the probes.
        # labels that each end in a dot: nested, but every split is forced
        (r"^https://([a-z0-9-]+\.)+[a-z]+$", "origin-reflected"),
        (r"https://.*\.vercel\.app", "third-party-origin-trusted"),
        (r"https://[a-z0-9-]+\.example\.com", "any-subdomain-trusted"),
        (r"^https://(www|app)\.example\.com", None),
        (r"https://app.example.com", "unescaped-dot"),
    ],
)
def test_safe_shapes_are_still_judged(pattern: str, finding: str | None) -> None:
    assert regex_risk(pattern) is None
    source = (
        "from starlette.middleware.cors import CORSMiddleware\n"
        f"app.add_middleware(CORSMiddleware, allow_origin_regex={pattern!r}, "
        "allow_credentials=True)\n"
    )
    result = lint_source(source, "app.py")
    assert result.notes == ()
    ids = {f.id for f in result.findings}
    assert "regex-origin" in ids
    if finding is not None:
        assert finding in ids, ids


_CLASSES = st.sampled_from([r"[a-z0-9.-]", r"[a-z]", r"\w", r"\d", r".", r"[^/]", "a"])
_MANY = st.sampled_from(["+", "*", "{1,9}", "{2,}"])


@st.composite
def evil_regexes(draw: st.DrawFn) -> str:
    """Regexes of the shapes that backtrack exponentially or in a high power."""
    a = draw(_CLASSES)
    kind = draw(st.sampled_from(["nested", "optional-sep", "alternation", "chain"]))
    if kind == "nested":  # (a+)+
        core = f"({a}{draw(_MANY)}){draw(_MANY)}"
    elif kind == "optional-sep":  # (?:a+\.?)+
        core = f"(?:{a}{draw(_MANY)}\\.?){draw(_MANY)}"
    elif kind == "alternation":  # (a|a)+ with the branches overlapping
        core = f"(?:{a}|{a}{draw(_CLASSES)}){draw(_MANY)}"
    else:  # a*a*a*a*: n overlapping repetitions make len**n steps
        core = "".join(f"{a}*" for _ in range(draw(st.integers(4, 8))))
    return f"https://{core}\\.example\\.com"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evil_regexes(), st.sampled_from(["starlette", "django", "flask", "handwritten"]))
def test_generated_evil_regexes_are_not_run(pattern: str, where: str) -> None:
    # Decided statically first, so that a miss fails here instead of hanging below.
    assert regex_risk(pattern, re.IGNORECASE if where == "flask" else 0) is not None, pattern
    source = {
        "starlette": "from starlette.middleware.cors import CORSMiddleware\n"
        f"app.add_middleware(CORSMiddleware, allow_origin_regex={pattern!r})\n",
        "django": f"CORS_ALLOWED_ORIGIN_REGEXES = [{pattern!r}]\n",
        "flask": f"from flask_cors import CORS\nCORS(app, origins=[{pattern!r}])\n",
        "handwritten": "import re\ndef view(request, response):\n"
        '    origin = request.headers["Origin"]\n'
        f"    if re.match({pattern!r}, origin):\n"
        '        response.headers["Access-Control-Allow-Origin"] = origin\n',
    }[where]
    result = lint_source(source, "app.py")
    # Not run with re (the assertion above), judged with the linear-time engine instead.
    assert not [n for n in result.notes if n.message.startswith("regex not evaluated")]


# --- point 5: values over the size caps -------------------------------------------------


SUM = "S + 'a'"


def doubling_chain(seed: int, steps: int) -> str:
    lines = [f'A0 = "https://{"x" * seed}.example.com"']
    lines += [f"A{i} = A{i - 1} + A{i - 1}" for i in range(1, steps + 1)]
    lines.append(f"CORS_ALLOWED_ORIGINS = [A{steps}]")
    lines.append(f"CORS_ALLOWED_ORIGIN_REGEXES = [A{steps}]")
    return "\n".join(lines) + "\n"


def test_doubling_chain_is_a_note_not_a_memory_error() -> None:
    # A0 under the string cap, A10 a thousand times over it (60 MB were it built).
    source = doubling_chain(60_000, 10)
    assert len(source) < MAX_FILE_BYTES
    tracemalloc.start()
    try:
        result = lint_source(source, "settings.py")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.findings == ()
    assert [(n.line, "over the size cap" in n.message) for n in result.notes] == [(2, True)]
    assert peak < 16 * MAX_STRING * 10, peak  # a few strings of the cap, never A10


def test_doubling_chain_file_over_the_file_cap_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(doubling_chain(3_000_000, 10))  # the review's 4 MB case
    proc = run_cli(str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert f"settings.py: note: larger than {MAX_FILE_BYTES} bytes" in proc.stdout


@pytest.mark.parametrize(
    ("source", "line", "what"),
    [
        # a literal over the string cap
        (f'BIG = "{"a" * (MAX_STRING + 1)}"\nCORS_ALLOWED_ORIGINS = [BIG]\n', 1, "characters"),
        # a split into more items than the collection cap
        (
            f'ORIGINS = "{",".join(["a"] * (MAX_ITEMS + 1))}"\n'
            'CORS_ALLOWED_ORIGINS = ORIGINS.split(",")\n',
            2,
            "items",
        ),
        # str.replace and str.join that multiply a small literal
        (f'S = "{"x" * 1000}"\nCORS_ALLOWED_ORIGINS = [S.replace("x", S)]\n', 2, "size cap"),
        (f'S = "{"x" * 1000}"\nCORS_ALLOWED_ORIGINS = [S.join(S)]\n', 2, "size cap"),
        # padding to any width
        ('CORS_ALLOWED_ORIGINS = ["{:>999999999}".format("x")]\n', 1, "format spec"),
        # many values just under the cap add up: the per-expression budget stops them
        (
            f'S = "{"x" * 90_000}"\nX = list(({", ".join([SUM] * 40)}))\n'
            "CORS_ALLOWED_ORIGINS = X\n",
            2,
            "in all",
        ),
        # nested deeper than the evaluator follows
        (
            "T0 = ('https://a.example.com',)\n"
            + "".join(f"T{i} = (T{i - 1},)\n" for i in range(1, 60))
            + "CORS_ALLOWED_ORIGINS = T59\n",
            0,
            "nested more than",
        ),
    ],
    ids=["literal", "split", "replace", "join", "format", "budget", "depth"],
)
def test_values_over_the_caps_become_unknown_with_a_note(source: str, line: int, what: str) -> None:
    result = lint_source(source, "settings.py")
    assert result.findings == ()
    assert result.notes, "no note"
    assert any(what in n.message for n in result.notes), result.notes
    if line:
        assert any(n.line == line for n in result.notes), result.notes


# --- point 6: only regular files of bounded size are read -------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")
def test_only_regular_files_are_read(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    outside = tmp_path_factory.mktemp("outside") / "secret.py"
    outside.write_text("CORS_ALLOW_ALL_ORIGINS = True\n")
    (repo / "real.py").write_text("CORS_ALLOW_ALL_ORIGINS = True\n")
    os.symlink("/dev/zero", repo / "zero.py")
    os.symlink("real.py", repo / "inside_link.py")
    os.symlink(outside, repo / "outside_link.py")
    os.symlink("missing.py", repo / "dangling.py")
    os.symlink("loop.py", repo / "loop.py")
    os.mkfifo(repo / "fifo.py")
    (repo / "dir.py").mkdir()
    (repo / "big.py").write_bytes(b"# cors\n" + b"x = 1\n" * (MAX_FILE_BYTES // 6 + 1))
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(repo / "sock.py"))
        expected = {
            "zero.py": "a symlink to a file outside the linted directory",
            "outside_link.py": "a symlink to a file outside the linted directory",
            "dangling.py": "could not read",
            "loop.py": "could not read",
            "fifo.py": "a FIFO, not a regular file",
            "dir.py": "a directory, not a regular file",
            "sock.py": "a socket, not a regular file",
            "big.py": f"larger than {MAX_FILE_BYTES} bytes",
        }
        out = formats(repo)
    finally:
        sock.close()
    text = out["text"]
    for name, reason in expected.items():
        assert f"{repo / name}: note: {reason}" in text, (name, text)
    # A symlink to a regular file inside the linted directory is followed.
    assert f"{repo / 'inside_link.py'}:1:1: low wildcard-origin" in text
    assert f"{repo / 'real.py'}:1:1: low wildcard-origin" in text
    assert "secret.py" not in text
    assert text.rstrip().endswith(f"in 10 files; {len(expected)} files skipped (see notes)")
    notes = {Path(n["path"]).name: n["note"] for n in json.loads(out["json"])["notes"]}
    assert {name: reason in notes.get(name, "") for name, reason in expected.items()} == {
        name: True for name in expected
    }
    sarif = json.loads(out["sarif"])
    jsonschema.validate(sarif, SARIF_SUBSET, format_checker=FORMATS)
    uris = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1]
        for n in sarif_notes(sarif)
    }
    assert uris == set(expected)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")
def test_explicit_fifo_and_device_arguments(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    proc = run_cli(str(tmp_path / "pipe.py"), "/dev/zero", "/dev/null", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "pipe.py: note: a FIFO, not a regular file; skipped" in proc.stdout
    assert "/dev/zero: note: a character device, not a regular file; skipped" in proc.stdout
    assert "/dev/null: note: a character device, not a regular file; skipped" in proc.stdout


# --- point 2: nothing from the repository reaches the terminal or the JSON raw ----------

_NASTY = [
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x9b31m",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u2028",
    "\x7f",
    "\x00",
    "\r",
    "\t",
    "\udcff",
]
_TEXT = st.lists(st.one_of(st.sampled_from(_NASTY), st.characters(codec="utf-8")), max_size=8).map(
    "".join
)
# File names: any bytes but "/" and NUL, so undecodable ones (os.fsdecode surrogates) too.
_NAME = st.binary(min_size=1, max_size=12).map(
    lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_").replace(b".", b"_")
)


def _bad_chars(text: str) -> list[str]:
    return [
        c
        for c in text
        if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Co", "Cn")
    ]


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _strict_json(raw: bytes) -> Any:
    """Parse as RFC 8259 demands: UTF-8, no NaN, no lone surrogate in any string."""
    text = raw.decode("utf-8")  # strict
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-JSON {name}"))
    for s in _strings(document):
        s.encode("utf-8")  # raises on a lone surrogate
    return document


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAME, value=_TEXT, regex_tail=_TEXT)
def test_output_never_carries_raw_control_characters(
    tmp_path_factory: pytest.TempPathFactory, name: bytes, value: str, regex_tail: str
) -> None:
    repo = tmp_path_factory.mktemp("repo")
    path = os.path.join(os.fsencode(repo), name + b".py")
    source = (
        "from starlette.middleware.cors import CORSMiddleware\n"
        f"CORS_ALLOWED_ORIGINS = [{('http://a.example.com' + value)!r}, 'null']\n"
        "app.add_middleware(CORSMiddleware, allow_credentials=True,\n"
        f"    allow_origin_regex={('https://.*' + re.escape(regex_tail))!r})\n"
    )
    with open(path, "wb") as handle:
        handle.write(source.encode("utf-8", "surrogatepass"))
    outputs = {}
    for fmt in ("text", "json", "sarif"):
        out = repo / f"out.{fmt}"
        assert main(["lint", os.fsdecode(path), "--format", fmt, "-o", str(out)]) in (0, 1)
        outputs[fmt] = out.read_bytes()
    text = outputs["text"].decode("utf-8")
    assert not _bad_chars(text), text
    # The file was read and judged (so its name and values did reach the output).
    assert "null-origin-trusted" in text
    for fmt in ("json", "sarif"):
        raw = outputs[fmt]
        assert raw.isascii()
        assert not _bad_chars(raw.decode("ascii"))
        document = _strict_json(raw)
        # The name is kept, each undecodable byte written as \xNN (clean_text).
        paths = [f["path"] for f in document["findings"]] if fmt == "json" else []
        assert all(p == clean_text(os.fsdecode(path)) for p in paths), paths
    sarif = _strict_json(outputs["sarif"])
    jsonschema.validate(sarif, SARIF_SUBSET, format_checker=FORMATS)
    for result in sarif["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith(".py") and FORMATS.conforms(uri, "uri-reference"), uri


@pytest.mark.parametrize(
    "origin",
    [
        'http://a.example.com"]); import os; os.system("id"); (["',
        "http://a.example.com\\",
        "http://a\n.com",
    ],
)
def test_fix_stays_one_policy_call(origin: str) -> None:
    """The suggested fix quotes origins from the linted code as string literals: pasting it
    cannot run anything else."""
    result = lint_source(f"CORS_ALLOWED_ORIGINS = [{origin!r}]\n", "settings.py")
    assert result.findings
    for finding in result.findings:
        tree = ast.parse(finding.fix.split("  #", 1)[0], mode="eval")
        assert isinstance(tree.body, ast.Call)
        assert ast.unparse(tree.body.func) in ("corsguard.Policy", "corsguard.Policy.from_env")
        values = [ast.literal_eval(k.value) for k in tree.body.keywords]
        assert all(isinstance(v, (list, bool, int)) for v in values)
