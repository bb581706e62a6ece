"""`corsguard check`: what it prints, its exit statuses, --env, --json, and one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corsguard.cli import main
from tests.helpers.paths import SRC

GOOD = """\
allow_origins = [
  "https://app.example.com",
  "https://*.example.com",
  "https://myapp-*.preview.example.com",
  "http://localhost:*",
]
allow_methods = ["GET", "POST", "PUT"]
allow_headers = ["X-Token"]
allow_credentials = true
expose_headers = ["X-Request-Id"]
max_age = 300
write_protection_exempt_paths = ["/webhooks"]

[routes."/public"]
allow_origins = ["*"]
allow_headers = ["*"]
"""


def write(tmp_path: Path, text: str, name: str = "cors.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_valid_file_prints_what_it_allows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    assert main(["check", path]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"{path}: valid"
    expected_origin_lines = [
        ("https://app.example.com", "exact origin"),
        ("https://*.example.com", "any subdomain (not the apex)"),
        ("https://myapp-*.preview.example.com", "within-label wildcard"),
        ("http://localhost:*", "any port of this host"),
    ]
    for origin, kind in expected_origin_lines:
        assert any(line.split() and line.split()[0] == origin and kind in line for line in lines)
    for fragment in [
        "methods: GET, POST, PUT",
        "request headers: x-token",
        "credentials: allowed",
        "exposed headers: X-Request-Id",
        "max-age: 300 s",
        "cross-origin writes: listed origins only, with or without cookies and HTTP auth "
        "(exempt paths, open to any origin: /webhooks)",
        "cross-origin WebSocket handshakes: listed origins only, with or without cookies",
        # The public route trusts every origin, but not with the user's credentials.
        "cross-origin writes: any origin without cookies or HTTP auth; with them, none",
        "routes (longest matching path prefix wins",
        "    /public",
        "origins: * (any origin",
        "request headers: * (any header but Authorization)",
    ]:
        assert fragment in out
    # allow_headers=['*'] without Authorization is a policy warning, shown under the route.
    assert "warnings:" in out
    assert "routes /public: allow_headers=['*'] does not cover Authorization" in out
    assert "errors:" not in out


def test_strict_turns_warnings_into_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD)
    assert main(["check", "--strict", path]) == 1
    out = capsys.readouterr().out
    # Three catalogue findings (any subdomain, localhost, the route's '*') and one note.
    assert "INVALID (--strict, 3 finding(s), 1 warning(s))" in out


BAD_FILES = [
    ("unknown key", 'allow_origins = ["https://a.example.com"]\nallow_orgins = []\n',
     ["unknown option 'allow_orgins'", "did you mean 'allow_origins'"]),
    ("quoted boolean", 'allow_origins = ["https://a.example.com"]\nallow_credentials = "true"\n',
     ["allow_credentials must be true or false", "a string ('true')", "quotes"]),
    ("string list", 'allow_origins = "https://a.example.com"\n',
     ["an array of strings", 'allow_origins = ["https://a.example.com"]']),
    ("float max_age", 'allow_origins = ["https://a.example.com"]\nmax_age = 6e2\n',
     ["max_age", "a float (600.0)"]),
    ("date", 'allow_origins = ["https://a.example.com"]\nmax_age = 2024-01-01\n',
     ["max_age", "a date"]),
    ("table for flag", 'allow_origins = ["https://a.example.com"]\n[debug]\nx = 1\n',
     ["debug must be true or false", "a table"]),
    ("syntax error", 'allow_origins = ["https://a.example.com"\nmax_age = 1\n',
     ["invalid TOML", "line 2, column 1"]),
    ("bad value", 'allow_origins = ["https://app.example.com/"]\n',
     ["trailing slash", "'https://app.example.com'"]),
    ("missing origins", "max_age = 10\n", ["allow_origins is missing"]),
    ("public suffix", 'allow_origins = ["https://myapp-git-*-myteam.vercel.app"]\n'
     "allow_credentials = true\n",
     ["vercel.app", "public suffix", "https://myapp-*.preview.example.com",
      "set tolerate_public_suffix_wildcards = true"]),
    ("route problems", 'allow_origins = ["https://a.example.com"]\n[routes."/p"]\n'
     'allow_origins = ["null"]\nroutes = {}\n[routes.x]\nallow_origins = ["*"]\n',
     ['routes."/p".allow_origins', "'null'", 'routes."/p".routes',
      'routes."x": a route must be a path']),
    ("route not a table", 'allow_origins = ["https://a.example.com"]\nroutes = {"/p" = 1}\n',
     ['routes."/p" must be a table, not an integer']),
    ("regex", 'allow_origin_regex = "https://.*\\\\.example\\\\.com"\n',
     ["allow_origin_regex", "https://*.example.com"]),
    ("not utf-8", None, ["not UTF-8"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "words"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_invalid_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | None, words: list[str]
) -> None:
    if text is None:
        path = tmp_path / "latin1.toml"
        path.write_bytes('allow_origins = ["https://caf\xe9.example.com"]\n'.encode("latin-1"))
        name = str(path)
    else:
        name = write(tmp_path, text)
    assert main(["check", name]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{name}: INVALID")
    assert "errors:" in out
    for word in words:
        assert word in out
    assert "Traceback" not in out


def test_pyproject(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = '[project]\nname = "x"\n\n[tool.corsguard]\nallow_origins = ["https://a.example.com"]\n'
    assert main(["check", write(tmp_path, good, "pyproject.toml")]) == 0
    assert "https://a.example.com" in capsys.readouterr().out
    missing = '[project]\nname = "x"\n'
    assert main(["check", write(tmp_path, missing, "pyproject.toml")]) == 1
    assert "has no [tool.corsguard] table" in capsys.readouterr().out
    wrong = '[tool.corsguard]\nallow_origins = ["https://a.example.com"]\nmaxage = 5\n'
    assert main(["check", write(tmp_path, wrong, "pyproject.toml")]) == 1
    out = capsys.readouterr().out
    assert "pyproject.toml [tool.corsguard]: unknown option 'maxage'" in out
    assert "did you mean 'max_age'" in out


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", write(tmp_path, GOOD)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True and report["errors"] == []
    policy = report["policy"]
    assert [(o["pattern"], o["kind"]) for o in policy["origins"]] == [
        ("https://app.example.com", "exact"),
        ("https://*.example.com", "subdomain"),
        ("https://myapp-*.preview.example.com", "label"),
        ("http://localhost:*", "port"),
    ]
    assert policy["allow_methods"] == ["GET", "POST", "PUT"]
    assert policy["allow_credentials"] is True
    assert policy["max_age"] == 300
    assert policy["routes"]["/public"]["any_origin"] is True
    assert policy["cross_origin_writes"]["with_credentials"] == "listed origins"
    assert policy["cross_origin_writes"]["exempt_paths"] == ["/webhooks"]
    assert policy["routes"]["/public"]["cross_origin_writes"]["with_credentials"] == "none"
    assert [(f["id"], f["severity"]) for f in report["findings"]] == [
        ("any-subdomain-trusted", "medium"),
        ("localhost-trusted", "medium"),
        ("wildcard-origin", "low"),
    ]
    # "warnings" keeps every finding's text and the one note (Authorization and '*').
    assert len(report["warnings"]) == 4
    assert main(["check", "--json", write(tmp_path, "max_age = 1\n")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["policy"] is None
    assert any("allow_origins is missing" in e for e in report["errors"])


ENV_CASES = [
    ("valid", {"CORSGUARD_ALLOW_ORIGINS": "https://a.example.com, https://b.example.com",
               "CORSGUARD_ALLOW_CREDENTIALS": "TRUE"}, [], 0,
     ["https://b.example.com", "credentials: allowed"]),
    ("custom prefix", {"MYAPP_CORS_ALLOW_ORIGINS": "https://a.example.com"},
     ["--prefix", "MYAPP_CORS_"], 0, ["environment (MYAPP_CORS_*): valid"]),
    ("unset", {}, [], 1, ["CORSGUARD_ALLOW_ORIGINS is not set"]),
    ("misspelt", {"CORSGUARD_ALLOW_ORIGINS": "https://a.example.com",
                  "CORSGUARD_ALLOW_CREDENTIAL": "true"}, [], 1,
     ["CORSGUARD_ALLOW_CREDENTIAL is not a corsguard setting",
      "did you mean 'CORSGUARD_ALLOW_CREDENTIALS'"]),
    ("bad boolean", {"CORSGUARD_ALLOW_ORIGINS": "https://a.example.com",
                     "CORSGUARD_ALLOW_CREDENTIALS": "1"}, [], 1,
     ["CORSGUARD_ALLOW_CREDENTIALS='1' is not a boolean"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "extra", "status", "words"), [c[1:] for c in ENV_CASES], ids=[c[0] for c in ENV_CASES]
)
def test_env(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    extra: list[str],
    status: int,
    words: list[str],
) -> None:
    for name in list(os.environ):
        if name.startswith(("CORSGUARD_", "MYAPP_CORS_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["check", "--env", *extra]) == status
    out = capsys.readouterr().out
    for word in words:
        assert word in out


USAGE = [
    ("nothing", [], "give a policy FILE"),
    ("both", ["x.toml", "--env"], "either FILE or --env"),
    ("prefix without env", ["x.toml", "--prefix", "X_"], "--prefix only applies with --env"),
    ("empty prefix", ["--env", "--prefix", ""], "--prefix must not be empty"),
    ("missing file", ["does-not-exist.toml"], "does-not-exist.toml: no such file"),
    ("directory", ["."], "is a directory"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in USAGE], ids=[c[0] for c in USAGE])
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["check", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""


def test_subprocess(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'allow_origins = ["https://app.example.com"]\nallow_credentials = "no"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORSGUARD_")}
    src = str(SRC)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "check", path],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "allow_credentials must be true or false, found a string ('no')" in result.stdout
    env["CORSGUARD_ALLOW_ORIGINS"] = "https://app.example.com"
    result = subprocess.run(
        [sys.executable, "-m", "corsguard", "check", "--env"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("environment (CORSGUARD_*): valid")


DEVELOPMENT = """\
allow_origins = ["https://app.example.com"]
development_origins = ["http://localhost:*"]
"""
# (CORSGUARD_ENV, exit status, the last line's start, granted in --json)
DEVELOPMENT_SWITCH = [
    (None, 0, "development origins: not granted here (CORSGUARD_ENV is unset)", False),
    ("production", 0, "development origins: not granted here (CORSGUARD_ENV is 'production')",
     False),
    ("development", 0, "DEVELOPMENT MODE: CORSGUARD_ENV=development here", True),
    ("dev", 1, "development origins: not granted here (CORSGUARD_ENV is 'dev')", False),
]  # fmt: skip


@pytest.mark.parametrize(("switch", "status", "last", "granted"), DEVELOPMENT_SWITCH)
def test_development_origins_and_the_switch(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    switch: str | None,
    status: int,
    last: str,
    granted: bool,
) -> None:
    if switch is None:
        monkeypatch.delenv("CORSGUARD_ENV", raising=False)
    else:
        monkeypatch.setenv("CORSGUARD_ENV", switch)
    path = write(tmp_path, DEVELOPMENT)
    assert main(["check", path]) == status
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(last)
    assert (
        "  development origins (loopback; only with CORSGUARD_ENV=development): http://localhost:*"
    ) in lines
    if status:
        assert lines[0] == f"{path}: INVALID (1 error(s))"
        assert any("is not a corsguard mode" in line for line in lines)
    assert main(["check", path, "--json"]) == status
    report = json.loads(capsys.readouterr().out)
    assert report["development"]["granted"] is granted
    assert report["development"]["origins"] == ["http://localhost:*"]
    assert report["policy"]["development_origins"] == ["http://localhost:*"]
    # The production origins are what the policy grants; the development one is apart.
    assert [o["pattern"] for o in report["policy"]["origins"]] == ["https://app.example.com"]


def test_development_origins_from_env(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORSGUARD_ENV", raising=False)
    monkeypatch.setenv("CORSGUARD_DEVELOPMENT_ORIGINS", "http://127.0.0.1:3000")
    monkeypatch.delenv("CORSGUARD_ALLOW_ORIGINS", raising=False)
    assert main(["check", "--env"]) == 0
    out = capsys.readouterr().out
    assert "origins: none (no cross-origin reads)" in out
    assert "http://127.0.0.1:3000" in out


# A file name is whatever the repository holds (CI runs `corsguard check configs/*.toml`):
# its control and BiDi characters are shown escaped in every line that names it.
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("esc\x1b[31mred.toml", "esc\\x1b[31mred.toml"),
        ("rlo\u202eLMTH.toml", "rlo\\u202eLMTH.toml"),
    ],
)
@pytest.mark.parametrize("body", ['allow_origins = ["https://a.example.com/"]\n', "\xff"])
def test_file_names_are_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, shown: str, body: str
) -> None:
    path = tmp_path / name
    path.write_bytes(body.encode("latin-1"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert shown in out
    assert "\x1b" not in out and "\u202e" not in out
