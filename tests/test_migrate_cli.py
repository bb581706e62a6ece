"""`corsguard migrate`: whole realistic projects, --write, exit codes and bad input.

The three projects of tests/migrate_corpus (a FastAPI main.py, a Flask app with
``resources`` and app.config, a Django settings package split into base, development and
production) are migrated in a temporary copy; the printed diff must be the reviewed one
(``<name>.diff``), ``git apply`` must reproduce what ``--write`` writes, and the written
code must run: the apps are imported and fetched from, the settings build Policies.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corsguard.cli import main
from corsguard.config import policy_from_mapping
from corsguard.testing import fetch

CORPUS = Path(__file__).parent / "migrate_corpus"
SRC = Path(__file__).parent.parent / "src"


def _run(args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        status = main(["migrate", *args])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def project(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    name = request.param
    target = tmp_path / name
    shutil.copytree(CORPUS / name, target)
    return target


@pytest.mark.parametrize("project", ["fastapi", "flask", "django"], indirect=True)
def test_whole_project_diff_is_the_reviewed_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = _run(["."], project, capsys)
    assert status == 1
    assert out == (CORPUS / f"{project.name}.diff").read_text(encoding="utf-8")


@pytest.mark.parametrize("project", ["fastapi", "flask", "django"], indirect=True)
def test_write_equals_git_apply_and_is_idempotent(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applied = tmp_path / "applied"
    shutil.copytree(project, applied)
    _status, diff, _err = _run(["."], project, capsys)
    subprocess.run(["git", "init", "-q", "."], cwd=applied, check=True)
    subprocess.run(["git", "apply", "-"], cwd=applied, input=diff.encode(), check=True)
    status, out, err = _run(["--write", "."], project, capsys)
    assert status == 0 and out == ""
    assert "migrated " in err
    for file in project.rglob("*.py"):
        assert file.read_bytes() == (applied / file.relative_to(project)).read_bytes(), file
    status, out, _err = _run(["."], project, capsys)
    assert (status, out) == (0, ""), "a migrated project has nothing left to migrate"


def _import_fresh(directory: Path, module: str) -> object:
    sys.path.insert(0, str(directory))
    try:
        for name in [m for m in sys.modules if m == module.split(".")[0] or m.startswith(
                module.split(".")[0] + ".")]:  # fmt: skip
            del sys.modules[name]
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(directory))


@pytest.mark.parametrize("project", ["fastapi"], indirect=True)
def test_migrated_fastapi_app_runs(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(["--write", "."], project, capsys)[0] == 0
    monkeypatch.setenv("PARTNER_ORIGINS", "https://partner.example.org")
    app = _import_fresh(project, "main").app  # type: ignore[attr-defined]
    url = "https://api.example.com/items"
    for origin in ("https://shop.example.com", "https://shop-pr-3.preview.example.com",
                   "http://localhost:5173"):  # fmt: skip
        result = fetch(app, url, origin=origin, method="PUT", credentials=True,
                       headers={"Authorization": "Bearer t"})  # fmt: skip
        assert result.allowed, (origin, result.reason)
    assert not fetch(app, url, origin="https://evil.example", credentials=True).allowed


@pytest.mark.parametrize("project", ["flask"], indirect=True)
def test_migrated_flask_app_runs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--write", "."], project, capsys)[0] == 0
    app = _import_fresh(project, "app").app  # type: ignore[attr-defined]
    orders = "https://api.example.com/api/orders"
    result = fetch(app, orders, origin="https://app.example.com", method="PATCH",
                   credentials=True, headers={"Authorization": "Bearer t"})  # fmt: skip
    assert result.allowed, result.reason
    assert fetch(app, orders, origin="https://x.example.com", credentials=True).allowed
    assert not fetch(app, orders, origin="https://evil.example", credentials=True).allowed
    # Outside the resources: no CORS, as with flask-cors.
    widget = "https://api.example.com/widget"
    assert not fetch(app, widget, origin="https://app.example.com").allowed


@pytest.mark.parametrize("project", ["django"], indirect=True)
def test_migrated_django_settings_build_policies(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(["--write", "."], project, capsys)[0] == 0
    monkeypatch.setenv("SECRET_KEY", "x")
    for name in ("base", "development", "production"):
        settings = _import_fresh(project, f"mysite.settings.{name}")
        assert not [k for k in vars(settings) if k.startswith("CORS_")], name
        assert "corsheaders" not in repr(settings.INSTALLED_APPS + settings.MIDDLEWARE)  # type: ignore[attr-defined]
        policy = policy_from_mapping(settings.CORSGUARD, f"{name}.CORSGUARD")  # type: ignore[attr-defined]
        api = policy.routes["/api"]
        assert api.allows_origin("https://app-pr-1.preview.example.com")
        assert not policy.allows_origin("https://app.example.com")  # outside /api: none
        assert api.allows_origin("https://partner.example.org") is (name == "production")
        assert "authorization" in api.allow_headers
        assert api.allow_credentials


# --- exit codes and bad input ------------------------------------------------------------------


def test_nothing_to_migrate_is_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain.py").write_text("print('hello')\n")
    assert _run(["."], tmp_path, capsys) == (0, "", "")


@pytest.mark.parametrize(
    ("files", "args", "phrase"),
    [
        ({}, ["missing"], "no such file or directory"),
        ({"notes.txt": "hello"}, ["."], "no Python file"),
        # A file named on the command line is read whatever its name (as corsguard lint does).
        ({"notes.txt": "hello world"}, ["notes.txt"], "cannot parse"),
    ],
)
def test_usage_errors_are_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    args: list[str],
    phrase: str,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    status, out, err = _run(args, tmp_path, capsys)
    assert status == 2 and out == ""
    assert phrase in err and "Traceback" not in err


STARLETTE = (
    "from starlette.middleware.cors import CORSMiddleware\n"
    'app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])\n'
)


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"def f(:\n    pass\n", "line 1:7: cannot parse: invalid syntax"),
        (b"x = 1\x00\n", "null bytes"),
        (b"x = '\xff\xfe'\n", "cannot read as Python source"),
        (b"# -*- coding: klingon -*-\nx = 1\n", "cannot read as Python source"),
        (b"x = (" * 400 + b")" * 400 + b"\n", "cannot"),
    ],
)
def test_bad_files_are_reported_and_the_rest_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, phrase: str
) -> None:
    (tmp_path / "bad.py").write_bytes(content)
    (tmp_path / "good.py").write_text(STARLETTE)
    status, out, err = _run(["."], tmp_path, capsys)
    assert status == 2
    assert "+from corsguard.asgi import CORSMiddleware" in out
    assert "bad.py: " in err and phrase in err
    assert "Traceback" not in err


def test_help_documents_exit_codes_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["migrate", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for phrase in ("Exit status:", "0  nothing to migrate", "1  a diff was printed",
                   "2  usage error", "Examples:", "--write"):  # fmt: skip
        assert phrase in out


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def test_core_install_does_not_import_libcst() -> None:
    done = _python(
        "import sys, corsguard, corsguard.asgi, corsguard.wsgi, corsguard.cli, "
        "corsguard.migrate.translate, corsguard.migrate.regex\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'"
    )
    assert done.returncode == 0, done.stderr


def test_missing_libcst_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(STARLETTE)
    done = _python(
        "import sys\nsys.modules['libcst'] = None  # as if it were not installed\n"
        "from corsguard.cli import main\n"
        f"sys.exit(main(['migrate', {str(tmp_path)!r}]))"
    )
    assert done.returncode == 2
    assert "pip install 'corsguard[migrate]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_control_characters_in_source_are_escaped_on_a_terminal(tmp_path: Path) -> None:
    source = STARLETTE + "# \x1b]0;owned\x07 \u202e\n"
    (tmp_path / "app.py").write_text(source)
    done = _python(
        "import sys, io\nfrom pathlib import Path\n"
        "from corsguard.migrate.cli import write_diff, _File\n"
        "from corsguard.migrate.rewrite import migrate_module\n"
        f"p = Path({str(tmp_path / 'app.py')!r}); data = p.read_bytes()\n"
        "o = migrate_module(data)\nout = io.StringIO()\n"
        "write_diff(_File(p, 'app.py', data, o.data, o.encoding), out, True)\n"
        "print(repr(out.getvalue()))"
    )
    assert done.returncode == 0, done.stderr
    assert "\\\\x1b" in done.stdout and "\\\\u202e" in done.stdout


def test_only_python_files_and_no_reads_outside_the_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text(STARLETTE)
    (tree / "front.js").write_text("fetch('/api', {credentials: 'include'})\n")
    (tree / "pkg.py").mkdir()  # a directory with a module's name
    outside = tmp_path / "outside.py"
    outside.write_text(STARLETTE)
    (tree / "link.py").symlink_to(outside)
    os.mkfifo(tree / "fifo.py")
    status, _out, err = _run(["--write", "."], tree, capsys)
    assert status == 0, err
    assert "migrated app.py" in err
    assert "link.py: a symlink to a file outside" in err
    assert "fifo.py: " in err and "not a regular file" in err
    assert "front.js" not in err
    assert outside.read_text() == STARLETTE, "a file outside PATH is never written"


def test_write_keeps_permissions_and_symlinks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real.py").write_text(STARLETTE)
    os.chmod(tmp_path / "real.py", 0o640)
    (tmp_path / "alias.py").symlink_to("real.py")
    status, _out, err = _run(["--write", "."], tmp_path, capsys)
    assert status == 0, err
    assert (tmp_path / "alias.py").is_symlink()
    assert "corsguard.asgi" in (tmp_path / "real.py").read_text()
    assert oct((tmp_path / "real.py").stat().st_mode & 0o777) == "0o640"
    assert err.count("migrated ") == 1, "the file and its symlink are migrated once"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
