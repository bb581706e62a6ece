"""corsguard lint: judgement, severities, value following and suppression (table-driven)."""

from __future__ import annotations

import textwrap

import pytest

from corsguard import Policy
from corsguard.findings import Severity
from corsguard.lint import lint_source
from corsguard.lint.fixes import Fix, render
from corsguard.lint.fixes import intent_from as fix_intent_from
from corsguard.lint.judge import intent_from, render_fix
from corsguard.lint.regexes import regex_samples, regex_to_patterns
from corsguard.remediation import FROM_ENV_NOTE, PLATFORM_NOTE


def lint(code: str) -> list[tuple[int, str, str]]:
    result = lint_source(textwrap.dedent(code), "t.py")
    assert result.note is None, result.note
    return [(f.line, f.id, f.severity.value) for f in result.findings]


HEAD = "from starlette.middleware.cors import CORSMiddleware\n"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Starlette: "*" + credentials reflects every origin (high); without credentials, low.
        (
            'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)',
            [(2, "wildcard-with-credentials", "high")],
        ),
        (
            'app.add_middleware(CORSMiddleware, allow_origins=["*"])',
            [(2, "wildcard-origin", "low")],
        ),
        # Starlette uses fullmatch: an anchored, escaped regex is fine (regex-origin only).
        (
            'app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://app\\.example\\.com")',
            [(2, "regex-origin", "low")],
        ),
        # The same regex with credentials and an unescaped dot: medium without credentials...
        (
            'app.add_middleware(CORSMiddleware, allow_origin_regex="https://app.example.com")',
            [(2, "regex-origin", "low"), (2, "unescaped-dot", "medium")],
        ),
        # ... and high with them.
        (
            'app.add_middleware(CORSMiddleware, allow_origin_regex="https://app.example.com",'
            " allow_credentials=True)",
            [(2, "regex-origin", "low"), (2, "unescaped-dot", "high")],
        ),
        # An unescaped dot in the top-level label only: real but nobody can register it: low.
        (
            'app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://app\\.example.com",'
            " allow_credentials=True)",
            [(2, "regex-origin", "low"), (2, "unescaped-dot", "low")],
        ),
        # Credentials that cannot be resolved are assumed on.
        (
            'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=settings.X)',
            [(2, "wildcard-with-credentials", "high")],
        ),
        # corsguard's own middleware is not Starlette's.
        (
            "from corsguard.asgi import CORSMiddleware as M\n"
            'app.add_middleware(M, allow_origins=["*"], allow_credentials=True)',
            [],
        ),
    ],
)
def test_starlette(code: str, expected: list[tuple[int, str, str]]) -> None:
    assert sorted(lint(HEAD + code)) == sorted(expected)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # os.getenv default: what runs when the variable is missing.
        (
            'ORIGINS = os.getenv("O", "https://a.example.com,null").split(",")\n'
            "app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)",
            [(4, "null-origin-trusted", "medium")],
        ),
        # The variable without a default: None, so the `or` default runs.
        (
            'ORIGINS = (os.environ.get("O") or "http://localhost:3000").split(",")\n'
            "app.add_middleware(CORSMiddleware, allow_origins=ORIGINS)",
            [(4, "localhost-trusted", "low")],
        ),
        # A comprehension over a split, string concatenation, and a tuple of constants.
        (
            'DOMAIN = "example.com"\nBASE = "https://app." + DOMAIN\n'
            'ALL = [o.strip() for o in (BASE + ", http://" + DOMAIN).split(",")]\n'
            "app.add_middleware(CORSMiddleware, allow_origins=ALL, allow_credentials=True)",
            [(6, "insecure-origin-trusted", "medium")],
        ),
        # f-strings of known parts.
        (
            'HOST = "example.vercel.app"\n'
            'app.add_middleware(CORSMiddleware, allow_origins=[f"https://{HOST}"])',
            [(4, "third-party-origin-trusted", "medium")],
        ),
        # A local variable in the same function.
        (
            "def make(app):\n"
            '    creds = os.getenv("CREDS", "1") == "1"\n'
            '    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=creds)',
            [(5, "wildcard-with-credentials", "high")],
        ),
        (
            "def make(app):\n"
            '    creds = os.getenv("CREDS", "0") == "1"\n'
            '    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=creds)',
            [(5, "wildcard-origin", "low")],
        ),
    ],
)
def test_values_are_followed(code: str, expected: list[tuple[int, str, str]]) -> None:
    assert sorted(lint(HEAD + "import os\n" + code)) == sorted(expected)


HANDWRITTEN = """
ALLOWED = ["https://app.example.com"]
def hook(request, response):
    origin = request.headers.get("Origin", "")
    if {check}:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
"""


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("origin", {"origin-reflected"}),
        ("origin in ALLOWED", set()),
        ("origin == ALLOWED[0]", set()),
        ("origin in ALLOWED or origin == 'null'", {"null-origin-trusted"}),
        ("origin.endswith('.example.com')", {"any-subdomain-trusted", "insecure-origin-trusted"}),
        ("origin.endswith('://app.example.com')", set()),
        ("origin.startswith(ALLOWED[0])", {"prefix-match", "special-char-bypass"}),
        ("origin in ALLOWED[0]", {"substring-match"}),
        ("re.fullmatch(r'https://app\\.example\\.com', origin)", {"regex-origin"}),
        # Anything ending in app.example.com is inside example.com: only http gets through.
        ("re.search(r'app\\.example\\.com$', origin)", {"regex-origin", "insecure-origin-trusted"}),
        (
            "re.match(r'https://(app|admin).example.com$', origin)",
            {"regex-origin", "unescaped-dot"},
        ),
        ("urlparse(origin).hostname in ('app.example.com',)", {"insecure-origin-trusted"}),
        # Rejects every web origin but lets the sandboxed-iframe origin through.
        ("not origin.startswith('http')", {"null-origin-trusted"}),
        # An unknown helper: nothing can be said, so nothing is reported.
        ("somewhere.is_allowed(origin)", set()),
    ],
)
def test_handwritten_checks(check: str, expected: set[str]) -> None:
    code = "import re\nfrom urllib.parse import urlparse\n" + HANDWRITTEN.format(check=check)
    found = lint(code)
    assert {kind for _line, kind, _sev in found} == expected
    assert all(line == 7 for line, kind, _sev in found if kind != "regex-origin")
    # Credentials are set in the same function: every real hole is high or medium.
    for _line, kind, severity in found:
        if kind in ("origin-reflected", "prefix-match", "substring-match", "null-origin-trusted"):
            assert severity == "high"


def test_reflection_without_credentials_is_medium_and_with_them_high() -> None:
    base = """
    def view(request, response):
        response["Access-Control-Allow-Origin"] = request.META["HTTP_ORIGIN"]
    """
    assert lint(base) == [(3, "origin-reflected", "medium")]
    with_creds = base + '    response["Access-Control-Allow-Credentials"] = "true"\n'
    assert lint(with_creds) == [(3, "origin-reflected", "high")]


def test_header_names_from_aiohttp_hdrs_and_bytes() -> None:
    code = """
    from aiohttp import hdrs
    async def handler(request):
        resp = web.Response()
        resp.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = request.headers.get(hdrs.ORIGIN)
        return resp
    """
    assert lint(code) == [(5, "origin-reflected", "medium")]


def test_ignore_comments_silence_only_the_named_ids() -> None:
    code = textwrap.dedent(
        """
        from flask_cors import CORS
        CORS(app, supports_credentials=True)  # corsguard: ignore[wildcard-with-credentials]
        CORS(app, supports_credentials=True)  # corsguard: ignore[wildcard-origin]
        CORS(app, origins="https://x.example.com$")  # corsguard: ignore[regex-origin, prefix-match]
        CORS(app, origins="https://y.example.com$")  # corsguard: ignore[regex-origin,unescaped-dot]
        """
    )
    result = lint_source(code, "t.py")
    assert [(f.line, f.id) for f in result.findings] == [
        (4, "wildcard-with-credentials"),
        (5, "unescaped-dot"),
    ]
    assert sorted((f.line, f.id) for f in result.silenced) == [
        (3, "wildcard-with-credentials"),
        (5, "regex-origin"),
        (6, "regex-origin"),
        (6, "unescaped-dot"),
    ]


def test_files_without_cors_or_origin_are_skipped_without_parsing() -> None:
    # Not even valid Python: the pre-filter returns before ast.parse.
    assert lint_source("def (:\n", "x.py").note is None
    assert lint_source("CORS_X = (\n", "x.py").note is not None


@pytest.mark.parametrize(
    ("pattern", "samples", "patterns"),
    [
        (r"^https://.*\.example\.com$", ["https://app.example.com"], ["https://*.example.com"]),
        (
            r"https?://localhost:\d+",
            ["https://localhost:3000", "http://localhost:3000"],
            ["https://localhost:*", "http://localhost:*"],
        ),
        (
            r"^https://myapp-[a-z0-9]+\.preview\.example\.com$",
            ["https://myapp-app.preview.example.com"],
            ["https://myapp-*.preview.example.com"],
        ),
        (
            r"https://(app|admin)\.example\.com",
            ["https://app.example.com", "https://admin.example.com"],
            ["https://app.example.com", "https://admin.example.com"],
        ),
        (r"https://.*example\.com", ["https://appexample.com"], None),
        (r"https://example\.com/.*", ["https://example.com"], ["https://example.com"]),
    ],
)
def test_regex_reading(pattern: str, samples: list[str], patterns: list[str] | None) -> None:
    assert regex_samples(pattern) == samples
    assert regex_to_patterns(pattern) == patterns


# (development origins found, the notes the fix carries) (issue #14): loopback ones go to
# development_origins, which accepts only loopback; a tunnel is remote, so it cannot.
DEV_HINT = "in development_origins (granted only with CORSGUARD_ENV=development)"
TUNNEL_HINT = "only in a development policy (a tunnel is not loopback)"
DEVELOPMENT_NOTES = [
    (["http://localhost:3000"], [f"put http://localhost:3000 {DEV_HINT}"]),
    (["https://abc123.ngrok.io"], [f"allow https://abc123.ngrok.io {TUNNEL_HINT}"]),
    (["http://127.0.0.1:8000", "https://abc123.ngrok.io"],
     [f"put http://127.0.0.1:8000 {DEV_HINT}", f"allow https://abc123.ngrok.io {TUNNEL_HINT}"]),
]  # fmt: skip


@pytest.mark.parametrize(("dev", "notes"), DEVELOPMENT_NOTES)
def test_development_notes(dev: list[str], notes: list[str]) -> None:
    fix = render(Fix(fix_intent_from(exact=["https://app.example.com", *dev]), True))
    assert fix.startswith('corsguard.Policy(allow_origins=["https://app.example.com"]')
    for note in notes:
        assert note in fix
    if not any("ngrok" in origin for origin in dev):
        assert "tunnel" not in fix
    # The advice works: development_origins takes the loopback origins it names.
    loopback = [origin for origin in dev if "ngrok" not in origin]
    Policy(allow_origins=["https://app.example.com"], development_origins=loopback)


def test_fix_translates_intent_safely() -> None:
    intent = intent_from(
        exact=[
            "https://app.example.com",
            "null",
            "http://shop.example.com",
            "http://localhost:3000",
        ],
        regexes=[r"https://.*\.vercel\.app"],
    )
    fix = render_fix(intent, True)
    # A platform wildcard is anyone's: a note, never a made-up preview domain (issue #13).
    assert fix.startswith(
        'corsguard.Policy(allow_origins=["https://app.example.com", "https://shop.example.com"], '
        "allow_credentials=True)"
    )
    assert PLATFORM_NOTE.format(platform="vercel.app") in fix
    assert "put http://localhost:3000 in development_origins" in fix
    assert render_fix(intent_from(), False) == f"corsguard.Policy.from_env()  # {FROM_ENV_NOTE}"


def test_severity_parse_is_shared() -> None:
    assert Severity.parse("HIGH") is Severity.HIGH


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # python-decouple with Csv(): the default runs when the variable is missing.
        ("from decouple import config, Csv\n"
         'O = config("CORS_ORIGINS", default="https://a.example.com,null", cast=Csv())\n'
         "app.add_middleware(CORSMiddleware, allow_origins=O)",
         [(4, "null-origin-trusted")]),
        # django-environ
        ("import environ\nenv = environ.Env()\n"
         'CORS_ALLOWED_ORIGINS = env.list("CORS", default=["https://example.github.io"])',
         [(4, "third-party-origin-trusted")]),
        # flask app.config read by CORS(app)
        ("from flask_cors import CORS\n"
         'app.config["CORS_SUPPORTS_CREDENTIALS"] = True\nCORS(app)',
         [(4, "wildcard-with-credentials")]),
        # assert as a guard; a conditional expression with a bypass in its test.
        ("def f(request, response):\n"
         '    origin = request.headers.get("Origin")\n'
         '    assert origin.endswith("://app.example.com")\n'
         '    response.headers["Access-Control-Allow-Origin"] = origin',
         []),
        ("def f(request, response):\n"
         '    origin = request.headers.get("Origin")\n'
         '    response.headers["Access-Control-Allow-Origin"] = (\n'
         '        origin if origin.startswith("https://app.example.com") else "")',
         [(5, "prefix-match"), (5, "special-char-bypass")]),
    ],
)  # fmt: skip
def test_more_sources(code: str, expected: list[tuple[int, str]]) -> None:
    found = lint(HEAD + code)
    assert sorted((line, kind) for line, kind, _sev in found) == expected


def test_self_referencing_locals_do_not_explode() -> None:
    # Parser-style code: each step doubles the expression tree a naive evaluator would walk.
    steps = "\n".join("    x = x + x" for _ in range(60))
    code = f'def build(x):\n{steps}\n    return ("Access-Control-Allow-Origin", x)\n'
    assert lint(code) == []
