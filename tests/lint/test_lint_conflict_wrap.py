"""A leftover Starlette CORSMiddleware wrapped around corsguard's by hand (issue #10, point 6).

A raw ASGI app is wrapped by calling the middleware classes: nested in one expression, or
through a variable holding the guarded app. The leftover is then the outer layer, which
corsguard cannot see at run time, so lint must report it as such (high).
"""

from __future__ import annotations

import textwrap

import pytest

from corsguard.lint import LintFinding, lint_source

HEAD = """
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from corsguard.asgi import CORSMiddleware
from fastapi import FastAPI
api = FastAPI()
"""

# (case, the lines after HEAD, whether the leftover is the outer layer)
WRAPS = [
    (
        "nested, leftover outside",
        'app = StarletteCORS(CORSMiddleware(api, allow_origins=["https://a.example.com"]),'
        ' allow_origins=["https://a.example.com"])',
        True,
    ),
    (
        "nested, corsguard outside",
        'app = CORSMiddleware(StarletteCORS(api, allow_origins=["https://a.example.com"]),'
        ' allow_origins=["https://a.example.com"])',
        False,
    ),
    (
        "through a variable, leftover outside",
        'guarded = CORSMiddleware(api, allow_origins=["https://a.example.com"])\n'
        'app = StarletteCORS(guarded, allow_origins=["https://a.example.com"])',
        True,
    ),
    (
        "through a variable, corsguard outside",
        'inner = StarletteCORS(api, allow_origins=["https://a.example.com"])\n'
        'app = CORSMiddleware(inner, allow_origins=["https://a.example.com"])',
        False,
    ),
    (
        "through two variables",
        'guarded = CORSMiddleware(api, allow_origins=["https://a.example.com"])\n'
        "logged = guarded\n"
        'app = StarletteCORS(logged, allow_origins=["https://a.example.com"])',
        True,
    ),
]


def conflicts(source: str) -> list[LintFinding]:
    findings = lint_source(source, "main.py").findings
    return [f for f in findings if f.id == "cors-library-conflict"]


@pytest.mark.parametrize(("lines", "outer"), [w[1:] for w in WRAPS], ids=[w[0] for w in WRAPS])
def test_hand_wrapped_leftover_is_reported(lines: str, outer: bool) -> None:
    source = textwrap.dedent(HEAD) + lines + "\n"
    found = conflicts(source)
    assert len(found) == 1, found
    finding = found[0]
    assert "Starlette CORSMiddleware" in finding.message
    if outer:
        assert "outer layer, so it answers" in finding.message
        assert finding.severity.value == "high"
    else:
        assert "corsguard is the outer layer" in finding.message


def test_unrelated_apps_are_still_not_a_conflict() -> None:
    source = textwrap.dedent(HEAD) + (
        'guarded = CORSMiddleware(api, allow_origins=["https://a.example.com"])\n'
        "other = FastAPI()\n"
        'public = StarletteCORS(other, allow_origins=["https://a.example.com"])\n'
    )
    assert not conflicts(source)
