"""Issue #13: the keyword filter (corsguard.lint.prefilter) makes lint fast and loses nothing.

Every file of the corpora, of Starlette, of parts of Django and of the standard library is
linted twice through the CLI's entry, with the filter and without it (every file parsed and
analysed): the findings must be the same, and a file the filter leaves out must have had
nothing to say. Values kept in a module without any CORS word are still followed from the
module that uses them (Python and JavaScript).
"""

from __future__ import annotations

import importlib.util
import sysconfig
import textwrap
from pathlib import Path

import pytest

from corsguard.lint import FileResult
from corsguard.lint.cli import lint_paths
from corsguard.lint.prefilter import might_matter

TESTS = Path(__file__).parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _package(name: str, *parts: str) -> str:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, name
    return str(Path(next(iter(spec.submodule_search_locations)), *parts))


def _projects() -> list[list[str]]:
    """One list of paths per lint run (one symbol table each, as the CLI builds it)."""
    realworld = sorted(p for p in (TESTS / "lint_realworld").iterdir() if p.is_dir())
    return [
        [str(TESTS / "lint_corpus")],
        [str(TESTS / "lint_corpus_stacks")],
        *[[str(repo)] for repo in realworld],
        [_package("starlette")],
        # Django's request/response/middleware code: CSRF's Origin checks, "same-origin" COOP
        # headers, templates' `origin` objects; and the admin's JavaScript (jQuery, select2).
        [_package("django", "http"), _package("django", "middleware")],
        [_package("django", "views"), _package("django", "contrib", "admin", "static")],
        [str(STDLIB / "http"), str(STDLIB / "wsgiref"), str(STDLIB / "email")],
    ]


def _said(result: FileResult) -> tuple[object, ...]:
    return (result.findings, result.silenced, result.note, result.notes)


@pytest.mark.parametrize("paths", _projects(), ids=lambda p: Path(p[0]).name)
def test_the_filter_drops_no_finding(paths: list[str]) -> None:
    filtered, count = lint_paths(paths, [])
    everything, count_all = lint_paths(paths, [], prefilter=False)
    assert count == count_all and [r.path for r in filtered] == [r.path for r in everything]
    for fast, full in zip(filtered, everything, strict=True):
        # The same findings (and silenced ones) for every file, whatever the filter did.
        assert (fast.findings, fast.silenced) == (full.findings, full.silenced), fast.path
        if _said(fast) != _said(full):
            # A file the filter left out says nothing; parsed in full it found nothing either.
            assert _said(fast) == ((), (), None, ()), fast.path
            assert not full.findings and not full.silenced, full.path


def test_the_filter_leaves_out_most_files_of_a_code_base_without_cors() -> None:
    """The comparison above is not empty: Django's request handling and the admin's scripts
    are mostly left out, and what is read includes every file with a CORS word."""
    roots = [_package("django", "http"), _package("django", "contrib", "admin", "static")]
    files = [p for root in roots for p in Path(root).rglob("*") if p.suffix in (".py", ".js")]
    kept = [
        p
        for p in files
        if might_matter("python" if p.suffix == ".py" else "javascript", p.read_text("utf-8"))
    ]
    assert len(files) > 40
    assert len(kept) < len(files) / 4, [str(p) for p in kept]


@pytest.mark.parametrize(
    ("kind", "text", "matters"),
    [
        # Python: the library and setting names, the header, the Origin read.
        ("python", "from starlette.middleware.cors import CORSMiddleware", True),
        ("python", "CORS_ALLOW_ALL_ORIGINS = True", True),
        ("python", "response['Access-Control-Allow-Origin'] = '*'", True),
        ("python", "from aiohttp import hdrs\nh[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = '*'", True),
        ("python", "origin = request.META.get('HTTP_ORIGIN')", True),
        ("python", "@cross_origin()\ndef view(): ...", True),
        ("python", "origin = scope_headers.get(b'origin')", True),
        ("python", 'headers.append(("Vary", "Origin"))', True),
        ("python", "Policy(allow_origins=ORIGINS)", True),
        ("python", "response.access_control_allow_origin = '*'", True),
        ("python", "original = copy(x)  # originally the first; originating from", False),
        ("python", "def get_template(origin): return origin.name  # the origin of", False),
        ("python", "COOP = 'same-origin'; policy = 'strict-origin-when-cross-origin'", False),
        ("python", "import json\nprint(json.dumps({}))", False),
        # JavaScript: a CORS package's import, the header's name.
        ("javascript", "const cors = require('cors');", True),
        ("javascript", 'import cors from "@koa/cors";', True),
        ("javascript", "const proxy = require(`cors-anywhere`);", True),
        ("javascript", "import { Server } from 'socket.io';", True),
        ("javascript", "res.setHeader('Access-Control-Allow-Origin', '*');", True),
        ("javascript", "res.set({ 'access-control-allow-origin': origin });", True),
        ("javascript", "support.cors = !!xhr; e.originalEvent; a.origin", False),
        ("javascript", "const crossOrigin = img.crossOrigin;", False),
        ("javascript", "fetch(url, { mode: 'cors', credentials: 'include' })", False),
        ("javascript", "const fromCors = 'cors';", False),
        # Spring: annotations, configuration classes; properties: the cors keys.
        ("spring", '@CrossOrigin(origins = "*")', True),
        ("spring", "CorsConfiguration c = new CorsConfiguration();", True),
        ("spring", "class Original {}", False),
        ("spring-properties", "spring.web.cors.allowed-origins=*", True),
        ("spring-properties", "server.port=8080", False),
        # nginx files are always read (a file that does not parse is reported).
        ("nginx", "server { listen 80; }", True),
    ],
)
def test_what_each_stack_needs_to_be_read(kind: str, text: str, matters: bool) -> None:
    assert might_matter(kind, text) is matters


def test_every_javascript_package_the_reader_knows_is_let_through() -> None:
    """A package added to the reader's table must be one the filter recognises, in every
    form the reader binds it: require, dynamic import, import statements."""
    pytest.importorskip("tree_sitter_javascript")
    from corsguard.lint import prefilter
    from corsguard.lint.stacks.javascript import _LIBRARIES

    assert set(_LIBRARIES) == set(prefilter._JS_PACKAGES)
    for package in _LIBRARIES:
        for quote in ("'", '"', "`"):
            for form in (
                "const x = require({q}{p}{q});",
                "const {{ a }} = require( ({q}{p}{q}) );",
                "fastify.register(import({q}{p}{q}));",
                "import x from {q}{p}{q};",
                "import * as x from\n  {q}{p}{q};",
                "import x = require({q}{p}{q});",
            ):
                text = form.format(q=quote, p=package)
                assert might_matter("javascript", text), text
        # The same name elsewhere is not an import of it.
        assert not might_matter("javascript", f"fetch(u, {{ mode: '{package}' }})"), package


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _by_file(root: Path, *, prefilter: bool = True) -> dict[str, set[tuple[int, str]]]:
    results, _count = lint_paths([str(root)], [], prefilter=prefilter)
    return {
        Path(r.path).relative_to(root).as_posix(): {(f.line, f.id) for f in r.findings}
        for r in results
    }


CROSS_MODULE = [
    (
        "python: the origins live in a module without any CORS word",
        {
            "app/hosts.py": """\
                FRONT = "http://localhost:3000"
                HOSTS = [FRONT, "https://app.example.com"]
                """,
            "app/main.py": """\
                from starlette.middleware.cors import CORSMiddleware
                from app.hosts import HOSTS

                app.add_middleware(CORSMiddleware, allow_origins=HOSTS, allow_credentials=True)
                """,
        },
        "app/main.py",
        {(4, "localhost-trusted")},
    ),
    (
        "python: a star import chain of keyword-free settings",
        {
            "proj/values.py": "ALLOWED = ['null', 'https://a.example.com']\n",
            "proj/base.py": "from proj.values import *\nDEBUG = False\n",
            "proj/settings.py": "from proj.base import *\nCORS_ALLOWED_ORIGINS = ALLOWED\n",
        },
        "proj/settings.py",
        {(2, "null-origin-trusted")},
    ),
    (
        "javascript: options from a module without any CORS word",
        {
            "server.js": """\
                const cors = require('cors');
                const opts = require('./config/opts');
                app.use(cors(opts));
                """,
            "config/opts.js": (
                "module.exports = { origin: true, credentials: true, allowedHeaders: ['X'] };\n"
            ),
        },
        "server.js",
        {(3, "origin-reflected")},
    ),
    (
        "javascript: an allowlist imported from a keyword-free ES module",
        {
            "api/app.mjs": """\
                import cors from 'cors';
                import { hosts } from './hosts.mjs';
                app.use(cors({ origin: hosts, allowedHeaders: ['X'] }));
                """,
            "api/hosts.mjs": "export const hosts = ['http://localhost:8080'];\n",
        },
        "api/app.mjs",
        {(3, "localhost-trusted")},
    ),
]


@pytest.mark.parametrize(
    ("name", "files", "where", "expected"), CROSS_MODULE, ids=[c[0] for c in CROSS_MODULE]
)
def test_values_in_keyword_free_modules_are_still_followed(
    tmp_path: Path, name: str, files: dict[str, str], where: str, expected: set[tuple[int, str]]
) -> None:
    if "javascript" in name:
        pytest.importorskip("tree_sitter_javascript")
    _write(tmp_path, files)
    found = _by_file(tmp_path)
    # The modules holding the values are left out as files of their own, and read for the
    # module that uses them.
    for path, text in files.items():
        kind = "python" if path.endswith(".py") else "javascript"
        assert might_matter(kind, textwrap.dedent(text)) is (path == where), path
    assert {k: v for k, v in found.items() if v} == {where: expected}
    assert found == _by_file(tmp_path, prefilter=False)
