"""Each stack's fix says a corsguard pattern exactly, or not at all (issue #13).

The one-label pattern ``https://+.example.com`` (exactly one label of letters, digits and
hyphens), subdomains ``*.``, a ``*`` inside a label and ``:*`` ports become regexes in
Starlette (fullmatch), Django and flask-cors (re.match of an anchored regex), Express and
Node (a JavaScript RegExp, run in node) and nginx (a map regex): each accepts exactly the
origins corsguard's own matcher accepts. Spring's allowedOriginPatterns turn ``*`` into any
characters, dots included, so a one-label or within-label pattern is never written there.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess

import pytest

from corsguard import Policy
from corsguard.remediation import (
    FixContext,
    render_django,
    render_express,
    render_flask_cors,
    render_nginx,
    render_spring,
    render_starlette,
)

APP = "https://app.example.com"

# (pattern, origins to try): corsguard's matcher is the reference for each.
PATTERNS = [
    ("https://+.example.com", [
        "https://app.example.com", "https://a-1.example.com", "https://a.b.example.com",
        "https://example.com", "https://.example.com", "https://a_b.example.com",
        "https://-a.example.com", "https://a-.example.com", "http://app.example.com",
        "https://app.example.com:8443", "https://app.example.com.evil.test",
        "https://appxexample.com", "https://" + "a" * 63 + ".example.com",
        "https://" + "a" * 64 + ".example.com",
    ]),
    ("https://+.example.com:*", [
        "https://app.example.com", "https://app.example.com:8443", "https://a.b.example.com:1",
    ]),
    ("https://*.example.com", [
        "https://app.example.com", "https://a.b.example.com", "https://example.com",
        "https://evilexample.com", "https://a.example.com.evil.test",
    ]),
    ("https://myapp-*.staging.example.com", [
        "https://myapp-pr-1.staging.example.com", "https://myapp-.staging.example.com",
        "https://myapp-a.b.staging.example.com", "https://xmyapp-1.staging.example.com",
        "https://myapp-a_b.staging.example.com",
    ]),
    ("http://localhost:*", [
        "http://localhost", "http://localhost:3000", "http://localhost.evil.test",
        "https://localhost:3000",
    ]),
]  # fmt: skip


def _ctx(pattern: str) -> FixContext:
    return FixContext((APP, pattern), True, ("GET", "PUT"))


def _expected(pattern: str, origins: list[str]) -> dict[str, bool]:
    policy = Policy(allow_origins=[APP, pattern], allow_credentials=True)
    return {o: policy.allows_origin(o) for o in origins}


@pytest.mark.parametrize(("pattern", "origins"), PATTERNS, ids=[p for p, _ in PATTERNS])
def test_python_stacks_accept_exactly_what_corsguard_does(pattern: str, origins: list[str]) -> None:
    expected = _expected(pattern, origins)
    assert any(expected.values()) and not all(expected.values())  # a table that can fail
    starlette = render_starlette(_ctx(pattern))
    match = re.search(r'allow_origin_regex=("(?:[^"\\]|\\.)*")', starlette)
    assert match is not None, starlette
    regex = json.loads(match.group(1))
    django = render_django(_ctx(pattern))
    (django_regex,) = json.loads(django.split("CORS_ALLOWED_ORIGIN_REGEXES = ")[1].split("\n")[0])
    flask = render_flask_cors(_ctx(pattern))
    call = ast.parse(flask.split("  #")[0], mode="eval").body
    assert isinstance(call, ast.Call)
    flask_items = next(ast.literal_eval(k.value) for k in call.keywords if k.arg == "origins")
    for origin, allowed in expected.items():
        exact = origin == APP
        # Starlette: origin in allow_origins or fullmatch (starlette/middleware/cors.py).
        assert (exact or bool(re.fullmatch(regex, origin))) == allowed, (origin, regex)
        # django-cors-headers: re.match of each regex (corsheaders/middleware.py).
        assert (exact or bool(re.match(django_regex, origin))) == allowed, (origin, django)
        # flask-cors: re.match for an entry with regex characters.
        assert (
            any(
                item == origin or (item.startswith("^") and re.match(item, origin))
                for item in flask_items
            )
            == allowed
        ), (origin, flask)


def test_express_and_nginx_regexes_accept_exactly_what_corsguard_does() -> None:
    cases = []
    for pattern, origins in PATTERNS:
        express = render_express(_ctx(pattern))
        literal = re.search(r"origin: \[.*?, (/.*/)\]", express)
        assert literal is not None, express
        nginx = render_nginx(_ctx(pattern))
        nginx_regex = re.search(r'"~(.*)" \$http_origin;', nginx)
        assert nginx_regex is not None, nginx
        expected = _expected(pattern, origins)
        cases += [(literal.group(1), o, allowed) for o, allowed in expected.items() if o != APP]
        # nginx's map tests each regex with PCRE (ngx_http_map_module); the same syntax here.
        for origin, allowed in expected.items():
            if origin != APP:
                assert bool(re.search(nginx_regex.group(1), origin)) == allowed, (origin, nginx)
    # The npm cors package tests a RegExp entry with .test (cors lib/index.js isOriginAllowed).
    script = (
        "const cases = JSON.parse(process.argv[1]);"
        "const wrong = cases.filter(([re, o, ok]) => eval(re).test(o) !== ok);"
        "process.stdout.write(JSON.stringify(wrong));"
    )
    out = subprocess.run(
        ["node", "-e", script, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == []


@pytest.mark.parametrize(
    ("pattern", "written"),
    [
        ("https://*.example.com", "https://*.example.com"),
        ("https://*.example.com:*", "https://*.example.com:[*]"),
        ("http://localhost:*", "http://localhost:[*]"),
        ("https://+.example.com", None),
        ("https://+.example.com:*", None),
        ("https://myapp-*.staging.example.com", None),
    ],
)
def test_spring_never_writes_a_wider_pattern(pattern: str, written: str | None) -> None:
    for form in ("config", "registry", "annotation", "properties"):
        text = render_spring(FixContext((APP, pattern), True, ("GET",), form=form))
        assert APP in text
        if written is None:
            # Spring's '*' would match dots too: no pattern at all, and the reason why.
            assert "Pattern" not in text and "pattern" not in text.split("//")[0], text
            assert "cannot say " + pattern + " exactly" in text, text
        else:
            assert written in text, text
