"""Issue #13: corsguard lint follows values the way the program does.

Each test names the point of the issue it proves. Projects are written to a temporary
directory and linted through the CLI's entry (``lint_paths``), so the project-wide symbol
table is the one users get.
"""

from __future__ import annotations

import ast
import random
import re
import sys
import textwrap
from pathlib import Path

import pytest

import corsguard
from corsguard.lint import lint_source
from corsguard.lint.cli import build_project, iter_targets, lint_paths
from corsguard.lint.fixes import TUNNEL_SUFFIXES
from corsguard.lint.newer_syntax import needs_newer_python
from corsguard.lint.project import Project, module_names
from corsguard.lint.regex_engine import compile_safe
from corsguard.lint.regex_safety import regex_risk
from corsguard.remediation import FROM_ENV_NOTE, ORIGINS_VARIABLE
from tests.helpers.fixes import OPERATOR_ORIGIN, assert_no_placeholder, build_fix

Found = set[tuple[str, int, str]]


def lint_project(root: Path, files: dict[str, str]) -> tuple[Found, list[str]]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    results, _count = lint_paths([str(root)], [])
    found: Found = set()
    fixes: list[str] = []
    for result in results:
        for finding in result.findings:
            found.add((Path(finding.path).relative_to(root).as_posix(), finding.line, finding.id))
            fixes.append(finding.fix)
    return found, fixes


def ids(text: str) -> set[str]:
    return {f.id for f in lint_source(textwrap.dedent(text), "settings.py").findings}


# --- point 1: annotated assignments -----------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("CORS_ALLOW_ALL_ORIGINS: bool = True\n", {"wildcard-origin"}),
        ("CORS_ALLOW_ALL_ORIGINS = True\n", {"wildcard-origin"}),
        (
            "CORS_ALLOWED_ORIGINS: list[str] = ['http://localhost:3000']\n",
            {"localhost-trusted"},
        ),
        ("CORS_ALLOW_ALL_ORIGINS: bool = False\n", set()),
        # A bare annotation assigns nothing.
        ("CORS_ALLOW_ALL_ORIGINS: bool\n", set()),
    ],
)
def test_annotated_settings(source: str, expected: set[str]) -> None:
    assert ids(source) == expected


# --- point 3: list edits and class-based settings ----------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "kind"),
    [
        ("CORS_ALLOWED_ORIGINS = ['https://a.example.com']\n"
         "CORS_ALLOWED_ORIGINS += ['http://localhost:3000']\n", 2, "localhost-trusted"),
        ("CORS_ALLOWED_ORIGINS = []\nCORS_ALLOWED_ORIGINS.append('null')\n",
         2, "null-origin-trusted"),
        ("CORS_ALLOWED_ORIGINS = ['https://a.example.com']\n"
         "CORS_ALLOWED_ORIGINS.extend(['http://b.example.com'])\n", 2, "insecure-origin-trusted"),
        ("CORS_ALLOWED_ORIGINS = []\n"
         "CORS_ALLOWED_ORIGINS.insert(0, 'https://x.github.io')\n",
         2, "third-party-origin-trusted"),
        ("CORS_ALLOWED_ORIGIN_REGEXES = []\n"
         "CORS_ALLOWED_ORIGIN_REGEXES += [r'^https://app\\.example\\.com']\n", 2, "prefix-match"),
    ],
)  # fmt: skip
def test_list_edits_are_read(source: str, line: int, kind: str) -> None:
    found = {(f.line, f.id) for f in lint_source(source, "settings.py").findings}
    assert (line, kind) in found, found


_DEBUG_FROM_ENV = (
    "import os\n"
    "def _flag(key, default='NO'):\n"
    "    return os.getenv(key, default).lower() in ('yes', 'true')\n"
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # paperless-ngx 1.9: the dev server's origin is added only `if DEBUG:`, and DEBUG's
        # environment default is "NO", so by default it is not trusted.
        (_DEBUG_FROM_ENV + "DEBUG = _flag('PAPERLESS_DEBUG', 'NO')\n"
         "CORS_ALLOWED_ORIGINS = ('https://app.example.com',)\n"
         "if DEBUG:\n    CORS_ALLOWED_ORIGINS += ('http://localhost:4200',)\n", set()),
        (_DEBUG_FROM_ENV + "DEBUG = _flag('PAPERLESS_DEBUG', 'YES')\n"
         "CORS_ALLOWED_ORIGINS = ('https://app.example.com',)\n"
         "if DEBUG:\n    CORS_ALLOWED_ORIGINS += ('http://localhost:4200',)\n",
         {"localhost-trusted"}),
        # The else branch runs when the test is known to be false.
        ("DEBUG = False\nif DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\n"
         "else:\n    CORS_ALLOWED_ORIGINS = ['http://localhost:3000']\n",
         {"localhost-trusted"}),
        # A test lint cannot know (the environment without a default): both branches count.
        ("import os\nif os.environ['MODE'] == 'dev':\n    CORS_ALLOW_ALL_ORIGINS = True\n",
         {"wildcard-origin"}),
        # doccano: environs/django-environ typed getters take the default as the second
        # argument, so `if DEBUG:` runs by default here.
        ("from environs import Env\nenv = Env()\nDEBUG = env.bool('DEBUG', True)\n"
         "if DEBUG:\n    CORS_ORIGIN_ALLOW_ALL = True\n", {"wildcard-origin"}),
        ("import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', False)\n"
         "if DEBUG:\n    CORS_ORIGIN_ALLOW_ALL = True\n", set()),
    ],
)  # fmt: skip
def test_settings_under_a_known_if(source: str, expected: set[str]) -> None:
    assert ids(source) == expected


def test_django_configurations_classes(tmp_path: Path) -> None:
    found, _fixes = lint_project(
        tmp_path,
        {
            "proj/__init__.py": "",
            "proj/base.py": """
                from configurations import Configuration, values

                class Base(Configuration):
                    CORS_ALLOWED_ORIGINS = values.ListValue(["https://app.example.com"])
            """,
            "proj/prod.py": """
                from .base import Base

                class Prod(Base):
                    CORS_ALLOW_CREDENTIALS = True
                    CORS_ALLOWED_ORIGINS = values.ListValue(["http://app.example.com"])

                class Dev(Base):
                    CORS_ALLOW_ALL_ORIGINS = True

                class NotSettings:
                    CORS_ALLOW_ALL_ORIGINS = True
            """,
        },
    )
    assert found == {
        ("proj/prod.py", 6, "insecure-origin-trusted"),
        ("proj/prod.py", 9, "wildcard-origin"),
    }


# --- point 2: values from other modules ---------------------------------------------------


def test_cross_module_values(tmp_path: Path) -> None:
    found, fixes = lint_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/core/__init__.py": "from .cors import ORIGINS as ORIGINS\n",
            "app/core/cors.py": """
                ORIGINS = ["https://app.example.com", "null"]
                ORIGIN_REGEX = r"https://.*\\.vercel\\.app"
            """,
            "app/core/config.py": """
                from dataclasses import dataclass, field
                from pydantic import Field
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    CORS_ORIGINS: list[str] = Field(default=["http://localhost:5173"])
                    CREDENTIALS: bool = True

                @dataclass
                class Limits:
                    origins: list[str] = field(default_factory=lambda: ["*"])

                settings = Settings()
                limits = Limits()
            """,
            "app/main.py": """
                from fastapi import FastAPI
                from fastapi.middleware.cors import CORSMiddleware
                from app.core.cors import ORIGINS, ORIGIN_REGEX
                from app.core import ORIGINS as REEXPORTED
                from app.core.config import settings, limits
                from app.core import cors as cors_module

                app = FastAPI()
                app.add_middleware(CORSMiddleware, allow_origins=ORIGINS,
                                   allow_origin_regex=ORIGIN_REGEX, allow_credentials=True)
                app.add_middleware(CORSMiddleware, allow_origins=REEXPORTED)
                app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS,
                                   allow_credentials=settings.CREDENTIALS)
                app.add_middleware(CORSMiddleware, allow_origins=limits.origins)
                app.add_middleware(CORSMiddleware, allow_origins=cors_module.ORIGINS)
            """,
        },
    )
    main = {(line, kind) for path, line, kind in found if path == "app/main.py"}
    assert main == {
        (10, "null-origin-trusted"),
        (11, "regex-origin"),
        (11, "third-party-origin-trusted"),
        (12, "null-origin-trusted"),
        (13, "localhost-trusted"),
        (15, "wildcard-origin"),
        (16, "null-origin-trusted"),
    }
    assert all("app.example.com" in fix for fix in fixes if "null" in fix)


def test_star_imported_django_settings(tmp_path: Path) -> None:
    found, _fixes = lint_project(
        tmp_path,
        {
            "site/__init__.py": "",
            "site/settings/__init__.py": "",
            "site/settings/base.py": """
                CORS_ALLOW_ALL_ORIGINS = True
            """,
            "site/settings/production.py": """
                from .base import *  # noqa

                CORS_ALLOW_CREDENTIALS = True
            """,
            "site/settings/staging.py": """
                from .base import *  # noqa

                DEBUG = False
            """,
        },
    )
    assert found == {
        ("site/settings/base.py", 2, "wildcard-origin"),
        # Production adds credentials to the inherited allow-all: reported where it inherits.
        ("site/settings/production.py", 2, "wildcard-with-credentials"),
    }


def test_star_imported_list_extended_by_reassignment(tmp_path: Path) -> None:
    # `X = X + [...]` after a star import (Zipstack/unstract's dev settings) adds entries like
    # `X += [...]`: each added one is judged at its own line, and the whole expression is not
    # left unjudged because it names itself.
    found, _fixes = lint_project(
        tmp_path,
        {
            "site/__init__.py": "",
            "site/settings/__init__.py": "",
            "site/settings/base.py": """
                CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
            """,
            "site/settings/dev.py": """
                from .base import *  # noqa

                CORS_ALLOWED_ORIGINS = CORS_ALLOWED_ORIGINS + [
                    "http://localhost:3000",
                    "https://app.example.com",
                ]
            """,
            "site/settings/other.py": """
                CORS_ALLOWED_ORIGINS = {"https://app.example.com"}
                CORS_ALLOWED_ORIGINS = CORS_ALLOWED_ORIGINS | {"null"}
                CORS_ALLOW_CREDENTIALS = True
            """,
        },
    )
    assert found == {
        ("site/settings/dev.py", 5, "localhost-trusted"),
        ("site/settings/other.py", 3, "null-origin-trusted"),
    }


def test_circular_imports_end(tmp_path: Path) -> None:
    found, _fixes = lint_project(
        tmp_path,
        {
            "a.py": "from b import X\nY = X\nCORS_ALLOWED_ORIGINS = [Y]\n",
            "b.py": "from a import Y\nX = Y\n",
            "c.py": "from c import ORIGINS\nCORS_ALLOWED_ORIGINS = ORIGINS\n",
        },
    )
    assert found == set()


def test_symbol_table_parses_each_module_once(tmp_path: Path) -> None:
    for index in range(30):
        (tmp_path / f"m{index}.py").write_text(
            f"from m{(index + 1) % 30} import *\nVALUE_{index} = 'https://a{index}.example.com'\n"
        )
    (tmp_path / "settings.py").write_text(
        "from m0 import *\nCORS_ALLOWED_ORIGINS = [VALUE_29, 'null']\n"
    )
    targets = list(iter_targets([str(tmp_path)], []))
    project = build_project(targets)
    from corsguard.lint.cli import lint_file

    results = [lint_file(path, root, project) for path, root in targets]
    assert [f.id for r in results for f in r.findings] == ["null-origin-trusted"]
    # 31 files: every module parsed at most once for the table, however often it is asked.
    assert project.parsed <= len(targets)


@pytest.mark.parametrize(
    ("relative", "names"),
    [
        ("a/b/c.py", ["a.b.c", "b.c", "c"]),
        ("a/b/__init__.py", ["a.b", "b"]),
        ("src/my-app/x.py", []),  # not importable
        ("x.txt", []),
    ],
)
def test_module_names(relative: str, names: list[str]) -> None:
    from pathlib import PurePath

    assert module_names(PurePath(relative)) == names


def test_ambiguous_module_names_are_not_followed() -> None:
    from pathlib import PurePath

    texts = {"one/config.py": "ORIGINS = ['null']\n", "two/config.py": "ORIGINS = ['*']\n"}
    project = Project([(k, PurePath(k)) for k in texts], texts.get)
    assert project.has_module("one.config") and not project.has_module("config")


# --- points 5 and 6: hand-built header maps, flask-cors keyword dicts ----------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("""
            from aiohttp import web
            from aiohttp.hdrs import ACCESS_CONTROL_ALLOW_ORIGIN
            from multidict import CIMultiDict

            async def handler(request):
                headers = CIMultiDict()
                headers.add(ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                return web.Response(headers=headers)
         """, {"wildcard-origin"}),
        ("""
            from starlette.datastructures import MutableHeaders

            def view(request, response):
                headers = MutableHeaders()
                headers.append("access-control-allow-origin", request.headers.get("origin"))
                headers.append("access-control-allow-credentials", "true")
                return response
         """, {"origin-reflected"}),
        ("""
            from werkzeug.datastructures import Headers

            def view(request):
                headers = Headers()
                headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
                return headers
         """, {"origin-reflected"}),
    ],
)  # fmt: skip
def test_hand_built_header_maps(source: str, expected: set[str]) -> None:
    assert ids(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Superset runs CORS(app, **CORS_OPTIONS) only with ENABLE_CORS.
        ("ENABLE_CORS = True\n"
         "CORS_OPTIONS = {'origins': ['https://a.example.com', 'null'],"
         " 'supports_credentials': True}\n",
         {(2, "null-origin-trusted")}),
        ("ENABLE_CORS = True\nCORS_OPTIONS = {'supports_credentials': True}\n",
         {(2, "wildcard-with-credentials")}),
        ("CORS_OPTIONS = {'supports_credentials': True}\n", set()),
        ("ENABLE_CORS = False\nCORS_OPTIONS = {'supports_credentials': True}\n", set()),
        # Any settings name that reaches CORS(app, **OPTIONS).
        ("from flask_cors import CORS\n"
         "OPTS = {'origins': 'https://*.example.com', 'supports_credentials': True}\n"
         "CORS(app, **OPTS)\n", {(3, "regex-origin"), (3, "suffix-match")}),
    ],
)  # fmt: skip
def test_flask_cors_keyword_dicts(source: str, expected: set[tuple[int, str]]) -> None:
    found = {(f.line, f.id) for f in lint_source(source, "superset_config.py").findings}
    assert found == expected


# --- point 7: dead configuration and operator configuration --------------------------------


@pytest.mark.parametrize(
    ("entry", "library"),
    [
        (r"^http://localhost:(3000|8080)$", "starlette"),
        ("https://*.vercel.app", "starlette"),
        (r"https://.*\.example\.com", "django"),
        ("https://*.example.com", "aiohttp"),
    ],
)
def test_regex_in_a_literal_list_is_dead_configuration(entry: str, library: str) -> None:
    source = {
        "starlette": "from starlette.middleware.cors import CORSMiddleware\n"
        f"app.add_middleware(CORSMiddleware, allow_origins=[{entry!r}])\n",
        "django": f"CORS_ALLOWED_ORIGINS = [{entry!r}]\n",
        "aiohttp": "import aiohttp_cors\n"
        f"aiohttp_cors.setup(app, defaults={{{entry!r}: aiohttp_cors.ResourceOptions()}})\n",
    }[library]
    findings = lint_source(source, "app.py").findings
    assert [f.id for f in findings] == ["origin-never-matches"]
    (finding,) = findings
    policy = build_fix(finding.fix.split("  #")[0])
    assert isinstance(policy, corsguard.Policy)
    # The fix says what was meant, in corsguard's terms (or a development policy).
    assert not any("(" in o or "^" in o for o in policy.allow_origins), finding.fix


def test_operator_configured_wildcard_is_not_the_codes_mistake() -> None:
    source = textwrap.dedent(
        """
        class Cors:
            def __init__(self, app, allow_origins=()):
                self.allow_origins = allow_origins

            def headers(self, request, response):
                if self.allow_origins == "*":
                    response.headers["Access-Control-Allow-Origin"] = "*"
        """
    )
    (finding,) = lint_source(source, "mw.py").findings
    assert finding.id == "wildcard-origin" and finding.severity.value == "low"
    assert "operator" in finding.message and "self.allow_origins" in finding.message


# --- point 4: regexes judged for every class they admit --------------------------------------

VERCEL = r"^https:\/\/(\w)*[-]*(myproject+)([-](\w)*)*(.vercel.app){1}"


def test_issue_regex_is_judged_without_running_it_with_re() -> None:
    assert regex_risk(VERCEL) is not None  # refused by re's bounds...
    source = f"CORS_ALLOWED_ORIGIN_REGEXES = [{VERCEL!r}]\nCORS_ALLOW_CREDENTIALS = True\n"
    result = lint_source(source, "settings.py")
    found = {f.id: f for f in result.findings}
    # ...and judged all the same: the platform, the missing $ and the unescaped dots.
    assert {"regex-origin", "third-party-origin-trusted", "prefix-match", "unescaped-dot"} <= set(
        found
    )
    assert "myproject.vercel.app.attacker" in found["prefix-match"].message
    assert result.notes == ()


def test_azure_storage_regex_is_a_hosting_platform() -> None:
    # unicef/hope-country-report: any Azure Storage account serves pages at
    # ACCOUNT.blob.core.windows.net, so the regex trusts a hosting platform; an account name
    # the regex's \w+ accepts is not a "suffix" bypass of the project's own host.
    pattern = r"https://\w+\.blob.core.windows.net$"
    found = ids(f"CORS_ALLOWED_ORIGIN_REGEXES = [{pattern!r}]\n")
    assert found == {"regex-origin", "third-party-origin-trusted", "unescaped-dot"}


_ALPHABET = "ab.-:/x1\n"
_PATTERNS = [
    VERCEL,
    r"^https://\w+\.example\.com$",
    r"(a|ab)*x",
    r"(?i)^A\.B$",
    r"x{2,4}b?",
    r"[^a-c]+\Z",
    r"a.b",
    r"(?:ab|a)*?b$",
    r"^$",
    r"(a*)*b",
    r"[\d\s]+",
    r"(?i:A)b",
    r"^(a|b|)+$",
    r"a{0,3}.{1,2}$",
]


@pytest.mark.parametrize("pattern", _PATTERNS)
def test_linear_engine_agrees_with_re(pattern: str) -> None:
    """The safe engine answers as re does (differential, 2,000 random subjects each)."""
    safe = compile_safe(pattern)
    assert safe is not None
    compiled = re.compile(pattern)
    rng = random.Random(pattern)
    for _ in range(2000):
        subject = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 9)))
        for name in ("match", "fullmatch", "search"):
            assert getattr(safe, name)(subject) == (getattr(compiled, name)(subject) is not None), (
                pattern,
                subject,
                name,
            )


@pytest.mark.parametrize("pattern", [r"(?=a)b", r"(a)\1", r"\bword", r"a++", r"(?>a)"])
def test_linear_engine_refuses_what_it_cannot_read(pattern: str) -> None:
    assert compile_safe(pattern) is None


def test_linear_engine_is_linear_on_the_classic_blowup() -> None:
    # (a+)+$ on "aaaa...!" takes exponential time in re; here it is a few thousand steps.
    safe = compile_safe(r"^(a+)+$")
    assert safe is not None and not safe.match("a" * 300 + "!")


# --- point 8: complete, runnable fixes that do not widen trust ------------------------------


def test_fix_carries_every_option() -> None:
    source = textwrap.dedent(
        """
        from starlette.middleware.cors import CORSMiddleware
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["http://app.example.com"],
            allow_credentials=True,
            allow_methods=["GET", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Total-Count"],
            max_age=3600,
        )
        """
    )
    (finding,) = lint_source(source, "app.py").findings
    policy = build_fix(finding.fix.split("  #")[0])
    assert policy.allow_origins == ("https://app.example.com",)
    assert set(policy.allow_methods) == {"GET", "PUT", "DELETE"}
    assert set(policy.allow_headers) == {"authorization", "content-type"}
    assert policy.expose_headers == ("X-Total-Count",)
    assert policy.max_age == 3600 and policy.allow_credentials is True


def test_flask_resources_become_routes() -> None:
    source = (
        "from flask_cors import CORS\n"
        "CORS(app, supports_credentials=True, resources={\n"
        "    r'/api/*': {'origins': ['http://a.example.com'], 'methods': ['GET', 'PUT']},\n"
        "    r'/public/.*': {'origins': '*', 'supports_credentials': False},\n"
        "})\n"
    )
    findings = lint_source(source, "app.py").findings
    assert {f.id for f in findings} == {"insecure-origin-trusted", "wildcard-origin"}
    fixes = {f.fix for f in findings}
    assert len(fixes) == 1  # one CORS(...) call, one policy
    policy = build_fix(fixes.pop().split("  #")[0])
    assert set(policy.routes) == {"/api", "/public"}
    assert set(policy.routes["/api"].allow_methods) == {"GET", "PUT"}
    assert policy.routes["/public"].allow_origins == ("*",)


@pytest.mark.parametrize("suffix", TUNNEL_SUFFIXES[:6])
def test_tunnels_are_never_production_trust(suffix: str) -> None:
    source = (
        f"CORS_ALLOWED_ORIGINS = ['https://abc123.{suffix}', 'https://app.example.com']\n"
        "CORS_ALLOW_CREDENTIALS = True\n"
        "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://app\\.example\\.com']\n"
    )
    for finding in lint_source(source, "settings.py").findings:
        code, _, note = finding.fix.partition("  #")
        assert suffix not in code and "temporary tunnel" in note, finding.fix


@pytest.mark.parametrize("label", ["\\w+", "[a-z0-9-]+", "[^.]+"])
def test_one_label_regex_is_never_widened(label: str) -> None:
    source = f"CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://{label}\\.example\\.com$']\n"
    for finding in lint_source(source, "settings.py").findings:
        code = finding.fix.split("  #")[0]
        policy = build_fix(code)
        assert not policy.allows_origin("https://a.b.example.com"), finding.fix
        assert "*." not in code


# One configuration per finding id lint can produce: the fix must construct, and must refuse
# the origin that demonstrates the finding (or, for the credential findings, drop them).
EVERY_ID = [
    ("origin-reflected", "def f(request, response):\n"
     "    response.headers['Access-Control-Allow-Origin'] = request.headers['Origin']\n"
     "    response.headers['Access-Control-Allow-Credentials'] = 'true'\n"),
    ("wildcard-with-credentials", "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"),
    ("null-origin-trusted", "CORS_ALLOWED_ORIGINS = ['null', 'https://a.example.com']\n"),
    ("prefix-match", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://a\\.example\\.com']\n"),
    ("suffix-match", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.*example\\.com$']\n"),
    ("substring-match", "from starlette.middleware.cors import CORSMiddleware\n"
     "app.add_middleware(CORSMiddleware, allow_origins='https://a.example.com')\n"),
    ("special-char-bypass", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://a\\.example\\.com']\n"),
    ("unescaped-dot", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://a.example.com$']\n"),
    ("insecure-origin-trusted", "CORS_ALLOWED_ORIGINS = ['http://a.example.com']\n"),
    ("any-subdomain-trusted", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.+\\.example\\.com$']\n"),
    ("third-party-origin-trusted", "CORS_ALLOWED_ORIGINS = ['https://a.example.com']\n"
     "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.*\\.netlify\\.app$']\n"),
    ("wildcard-origin", "CORS_ALLOW_ALL_ORIGINS = True\n"),
    ("localhost-trusted", "CORS_ALLOWED_ORIGINS = ['http://localhost:3000', 'https://a.example.com']\n"),
    ("regex-origin", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://(a|b)\\.example\\.com$']\n"),
    ("private-network-allowed", "from starlette.middleware.cors import CORSMiddleware\n"
     "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_private_network=True)\n"),
    ("cors-library-conflict", "from starlette.middleware.cors import CORSMiddleware\n"
     "from corsguard import CORSMiddleware as Guard\n"
     "app.add_middleware(Guard, policy=policy)\n"
     "app.add_middleware(CORSMiddleware, allow_origins=['https://a.example.com'])\n"),
    ("origin-never-matches", "CORS_ALLOWED_ORIGINS = [r'^https://a\\.example\\.com$']\n"),
    # corsguard's own Policy in source: its findings (Policy.findings) and their fixes.
    ("preflight-any-method", "import corsguard\n"
     "policy = corsguard.Policy(allow_origins=['https://a.example.com'], allow_methods=['*'],"
     " allow_credentials=True)\n"),
    ("preflight-any-header", "import corsguard\n"
     "policy = corsguard.Policy(allow_origins=['https://a.example.com'], allow_headers=['*'],"
     " allow_credentials=True)\n"),
    ("any-subdomain-trusted", "import corsguard\n"
     "policy = corsguard.Policy(allow_origins=['https://a.example.com', 'https://+.example.com'],"
     " allow_credentials=True)\n"),
    # Issue #13: one-label regexes (exactly '+.'), wider and narrower label classes, the
    # regex that admits deeper names, and no origin of the project's own at all.
    ("any-subdomain-trusted", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://[a-z0-9-]+\\.example\\.com$']\n"
     "CORS_ALLOWED_ORIGINS = ['https://a.example.com']\nCORS_ALLOW_CREDENTIALS = True\n"),
    ("regex-origin", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://\\w+\\.example\\.com$']\n"
     "CORS_ALLOWED_ORIGINS = ['https://a.example.com']\n"),
    ("regex-origin", "from starlette.middleware.cors import CORSMiddleware\n"
     "app.add_middleware(CORSMiddleware, allow_origin_regex=r'https://[^.]+\\.example\\.com',"
     " allow_methods=['GET', 'PUT'], allow_credentials=True)\n"),
    ("any-subdomain-trusted", "from flask_cors import CORS\n"
     "CORS(app, origins=[r'^https://[a-z0-9.-]+\\.example\\.com$'], supports_credentials=True)\n"),
    ("wildcard-with-credentials", "from flask_cors import CORS\n"
     "CORS(app, supports_credentials=True, methods=['GET', 'DELETE'])\n"),
    # Only development origins and tunnels: no production trust is made of them.
    ("localhost-trusted", "CORS_ALLOWED_ORIGINS = ['http://localhost:3000',"
     " 'https://abc.trycloudflare.com']\nCORS_ALLOW_CREDENTIALS = True\n"),
    ("any-subdomain-trusted", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.*\\.ngrok\\.io$']\n"
     "CORS_ALLOW_CREDENTIALS = True\n"),
    # No origin of the project's own (issue #13): a platform wildcard only, a one-label
    # pattern only, '*' per route with credentials: Policy.from_env, every option carried.
    ("third-party-origin-trusted", "CORS_ALLOWED_ORIGIN_REGEXES = [r'^https://.*\\.vercel\\.app$']\n"
     "CORS_ALLOW_CREDENTIALS = True\nCORS_ALLOW_METHODS = ['GET', 'PUT']\n"),
    ("any-subdomain-trusted", "import corsguard\n"
     "policy = corsguard.Policy(allow_origins=['https://+.example.com'], allow_credentials=True,"
     " allow_methods=['GET', 'PUT'])\n"),
    ("wildcard-with-credentials", "from flask_cors import CORS\n"
     "CORS(app, resources={r'/api/*': {'origins': '*', 'methods': ['GET', 'PATCH']}},"
     " supports_credentials=True)\n"),
]  # fmt: skip
_EXAMPLE = re.compile(r"accepts (\S+): |trusts '([^']+)'")


@pytest.mark.parametrize(("kind", "source"), EVERY_ID, ids=[k for k, _ in EVERY_ID])
def test_every_finding_id_has_a_fix_that_closes_it(kind: str, source: str) -> None:
    findings = [f for f in lint_source(source, "settings.py").findings if f.id == kind]
    assert findings, kind
    for finding in findings:
        code, _, note = finding.fix.partition("  #")
        tree = ast.parse(code, mode="eval")
        assert isinstance(tree.body, ast.Call)
        assert ast.unparse(tree.body.func) in ("corsguard.Policy", "corsguard.Policy.from_env")
        policy = build_fix(code)
        assert "app.example.com" not in code, "a placeholder origin"
        assert_no_placeholder(finding.fix)
        match = _EXAMPLE.search(finding.message)
        example = next((g for g in match.groups() if g), None) if match else None
        if kind == "localhost-trusted":
            # Production keeps its own origins; localhost goes to development_origins,
            # granted only with CORSGUARD_ENV=development (issue #14).
            assert "in development_origins (granted only with CORSGUARD_ENV=development)" in note
            assert not policy.allows_origin("http://localhost:3000")
        elif kind in ("wildcard-with-credentials", "origin-reflected"):
            assert policy.allow_credentials is False or not policy.allows_origin(
                "https://corsguard-probe.attacker.test"
            )
        elif kind in ("wildcard-origin", "private-network-allowed"):
            assert policy.allow_private_network is False
        elif kind == "any-subdomain-trusted":
            # Every subdomain is the finding: the fix names the pattern in a note and asks
            # for the list of front ends unless every host there is the project's.
            assert "left out" in note or "never trust it" in note, note
            assert "*." not in code and "+." not in code
        elif example is not None and example != "null":
            assert not policy.allows_origin(example.rstrip(":")), (finding.message, code)
        elif example == "null":
            assert "null" not in policy.allow_origins
        if kind not in ("wildcard-origin", "wildcard-with-credentials", "private-network-allowed"):
            assert (
                policy.allows_origin("https://a.example.com")
                or "development" in note
                or (kind == "origin-reflected")
                or "a.example.com" not in source  # nothing of the project's own to keep
            ), code


def _trusted(code: str) -> tuple[str, ...]:
    policy = build_fix(code)
    origins: tuple[str, ...] = policy.allow_origins
    for route in policy.routes.values():
        origins += route.allow_origins
    return origins


@pytest.mark.parametrize(("kind", "source"), EVERY_ID, ids=[k for k, _ in EVERY_ID])
def test_every_fix_linted_again_no_longer_yields_its_finding(kind: str, source: str) -> None:
    """Issue #13: the fix, installed as the project's CORS policy and linted again, has no
    finding of the id it fixes; it never trusts '*' with credentials in its place, a tunnel,
    or a placeholder: with no origin of the project's own it is Policy.from_env, the
    operator's CORSGUARD_ALLOW_ORIGINS (here an origin of the test's choosing) supplying them."""
    findings = [f for f in lint_source(source, "settings.py").findings if f.id == kind]
    assert findings, kind
    for finding in findings:
        assert_no_placeholder(finding.fix)
        code, _, note = finding.fix.partition("  #")
        trusted = _trusted(code)
        if "corsguard.Policy.from_env(" in code:
            # The origins are the operator's: the note names the variable, the code no origin.
            assert FROM_ENV_NOTE in note and ORIGINS_VARIABLE in note
            assert OPERATOR_ORIGIN in trusted
            assert "allow_origins" not in code.partition("routes=")[0], code
        again = (
            "import corsguard\n"
            "from corsguard.asgi import CORSMiddleware\n"
            f"policy = {code}\n"
            "app = CORSMiddleware(app, policy)\n"
        )
        ids = {f.id for f in lint_source(again, "app.py").findings}
        assert kind not in ids, (finding.fix, ids)
        for origin in trusted:
            if origin == OPERATOR_ORIGIN:
                continue
            host = origin.split("://", 1)[-1]
            assert not any(host.endswith(t) for t in TUNNEL_SUFFIXES), origin
            assert "your-" not in host and "<" not in host, origin
            assert not host.startswith(("*.", "+.")), origin


# Lint's corsguard.Policy fixes (corsguard.lint.fixes, which also carries routes) and the
# catalogue's (corsguard.remediation.render_corsguard) write the no-origin fix alike: the
# same from_env call text, the same policy once the operator sets the origins.
FROM_ENV_CASES = [
    (None, None, (), (), None),
    (True, ("GET", "PUT"), ("Authorization",), (), None),
    (False, ("GET", "DELETE"), ("X-Token", "Content-Type"), ("X-Total",), 600),
    (True, ("PATCH",), (), ("ETag",), 0),
]


@pytest.mark.parametrize(
    ("credentials", "methods", "headers", "exposed", "max_age"), FROM_ENV_CASES
)
def test_lint_and_catalogue_write_the_same_from_env_fix(
    credentials: bool | None,
    methods: tuple[str, ...] | None,
    headers: tuple[str, ...],
    exposed: tuple[str, ...],
    max_age: int | None,
) -> None:
    from corsguard.lint import fixes as F
    from corsguard.remediation import FixContext, render_corsguard

    from_lint = F.render(F.Fix(F.Intent(), credentials, methods, headers, exposed, max_age))
    from_catalogue = render_corsguard(
        FixContext(
            (), credentials, methods or (), headers, exposed_headers=exposed, max_age=max_age
        )
    )
    texts = {"lint": from_lint, "catalogue": from_catalogue}
    policies = {}
    for name, text in texts.items():
        code, _, note = text.partition("  #")
        assert code.startswith("corsguard.Policy.from_env(") and FROM_ENV_NOTE in note, text
        assert_no_placeholder(text)
        policies[name] = build_fix(code)
    lint_policy, catalogue_policy = policies["lint"], policies["catalogue"]
    assert repr(lint_policy) == repr(catalogue_policy), texts
    assert lint_policy.allow_origins == (OPERATOR_ORIGIN,)


# (a from_env call, the same options with origins written in code)
FROM_ENV_CALLS = [
    ("corsguard.Policy.from_env(allow_credentials=True)",
     "corsguard.Policy(allow_origins=['https://*.example.com'], allow_credentials=True)"),
    ("corsguard.Policy.from_env(allow_credentials=True, allow_methods=['GET', 'PUT'])",
     "corsguard.Policy(allow_origins=['http://localhost:3000'], allow_credentials=True,"
     " allow_methods=['GET', 'PUT'])"),
    ("Policy.from_env()", "Policy(allow_origins=['https://+.example.com'])"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "literal"), FROM_ENV_CALLS)
def test_from_env_origins_are_run_time_configuration(call: str, literal: str) -> None:
    # The origins come from the operator: nothing in the source to judge them by, so lint
    # reports no finding (as for any other value read at run time), while the same options
    # with origins written in code are judged.
    source = (
        "import corsguard\n"
        "from corsguard import Policy\n"
        "from corsguard.asgi import CORSMiddleware\n"
        "app = CORSMiddleware(app, {})\n"
    )
    assert not lint_source(source.format(call), "app.py").findings
    assert lint_source(source.format(literal), "app.py").findings, literal


# (regex, origins it accepts, origins it refuses): the fix trusts none of the refused ones
# and, where the project names nothing else, lists no guess in their place.
REGEX_FIXES = [
    (r"^https://[a-z0-9-]+\.example\.com$", ["https://app.example.com"],
     ["https://example.com", "https://a.b.example.com"]),
    (r"^https://\w+\.example\.com$", ["https://app.example.com"],
     ["https://example.com", "https://a.b.example.com", "https://a-b.example.com"]),
    (r"^https://([a-z0-9-]+\.)?example\.com$", ["https://example.com"],
     ["https://a.b.example.com", "https://attacker.test"]),
    (r"^https://.*\.example\.com$", ["https://a.b.example.com"],
     ["https://example.com", "https://evilexample.com"]),
    (r"^https://(app|admin)\.example\.com$", ["https://app.example.com"],
     ["https://example.com", "https://x.example.com"]),
]  # fmt: skip


@pytest.mark.parametrize(("regex", "accepted", "refused"), REGEX_FIXES)
def test_regex_fix_never_widens(regex: str, accepted: list[str], refused: list[str]) -> None:
    compiled = re.compile(regex)
    assert all(compiled.match(o) for o in accepted)
    assert not any(compiled.match(o) for o in refused)
    source = f"CORS_ALLOWED_ORIGIN_REGEXES = [{regex!r}]\nCORS_ALLOW_CREDENTIALS = True\n"
    findings = lint_source(source, "settings.py").findings
    assert findings
    for finding in findings:
        code, _, note = finding.fix.partition("  #")
        policy = build_fix(code)
        assert policy.allow_credentials is True  # carried, never traded for '*'
        for origin in refused:
            assert not policy.allows_origin(origin), (origin, finding.fix)
        pool = [*accepted, *refused, "https://x.example.com", "https://y.z.example.com"]
        for origin in pool:
            if policy.allows_origin(origin):
                assert compiled.match(origin), (origin, finding.fix)
        if "+.example.com" in note or "*.example.com" in note:
            assert "left out" in note


# --- point 9: files for a newer Python --------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "version"),
    [
        ("type Origins = list[str]\nCORS = 1\n", "3.12"),
        ("def pick[T](x: T) -> T:\n    return x\nCORS = 1\n", "3.12"),
        ("class Box[T]:\n    pass\nCORS = 1\n", "3.12"),
        ('CORS = f"{\'a\' + "b"}"\n', "3.12"),
        ("CORS = f'{\"\\n\".join(x)}'\n", "3.12"),
        ("def pick[T = int](x: T) -> T:\n    return x\nCORS = 1\n", "3.13"),
        ("try:\n    pass\nexcept ValueError, TypeError:\n    CORS = 1\n", "3.14"),
    ],
)
def test_newer_syntax_is_named_plainly(source: str, version: str) -> None:
    needed = tuple(int(part) for part in version.split("."))
    result = lint_source(source, "new.py")
    if sys.version_info[:2] >= needed:
        # A Python that reads the syntax: the file is linted, no note.
        assert result.note is None
        return
    with pytest.raises(SyntaxError) as caught:
        ast.parse(source)
    message = needs_newer_python(source, caught.value)
    assert message is not None and message.startswith(f"needs Python {version} to read")
    assert result.note is not None and result.note.startswith(f"needs Python {version} to read")
    assert "syntax error" not in result.note


@pytest.mark.parametrize("source", ["CORS = (\n", "CORS = 1 +\n", "def f(:\n    cors = 1\n"])
def test_real_syntax_errors_stay_syntax_errors(source: str) -> None:
    result = lint_source(source, "broken.py")
    assert result.note is not None and result.note.startswith("syntax error"), result.note
