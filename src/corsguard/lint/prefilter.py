"""Which files can hold a finding at all: a keyword test run before any file is parsed.

Most files of a code base have nothing to do with CORS, and parsing them (``ast.parse``,
tree-sitter, crossplane) is what a run spends its time on (issue #13, benchmarks/bench_lint.py).
Each reader reports only what it recognises through a word the file must then contain
(case-insensitively), so a file without any of its stack's words is not parsed:

- Python (``corsguard.lint.analyzer``): every library it judges is named with "cors"
  (CORSMiddleware, flask_cors, CORS_* settings, corsheaders, aiohttp_cors, corsguard) or
  ``allow_origin...`` (``Policy(allow_origins=...)``), and hand-written CORS code names
  Access-Control-Allow-Origin (as a string, or as ``hdrs.ACCESS_CONTROL_ALLOW_ORIGIN``,
  ``response.access_control_allow_origin``) or the request's Origin header ("Origin",
  b"origin", HTTP_ORIGIN, flask-cors' cross_origin). The word "origin" alone is not enough:
  Django's templates, CSRF checks, "same-origin" policies and docstrings ("the origin of")
  are not CORS code.
  A header name may also come from another module of the project (``from .headers import
  ACAO``): a file that sets the header only through such an import and reads the Origin only
  through one too is not read (the word "origin" of a variable used to be enough).
- JavaScript/TypeScript (``stacks.javascript``): a CORS package is recognised only by the
  string literal of its require/import, compared whole ("cors", "@fastify/cors", "@koa/cors",
  "kcors", "cors-anywhere", "socket.io": each ends in "cors", "cors-anywhere" or "socket.io"
  right before its closing quote, after ``require(``, ``import(`` or ``from``), and a
  hand-written header only by its name written as a literal ("Access-Control-Allow-Origin";
  the other CORS headers are judged only next to it). So jQuery's ``support.cors``, a
  bundle's ``originalEvent`` or ``fetch(url, {mode: "cors"})`` do not make a file parsed.
  A value the file imports is still followed into the imported module whatever that module
  contains: the filter only decides which files are linted, never which are read.
- nginx files are few and small, and crossplane's lexer is cheap: all are read (a file that
  does not parse is reported as skipped, whatever it holds).
- Spring (Java/Kotlin): @CrossOrigin, CorsConfiguration/CorsRegistry, allowedOrigins...
  ("cors", or "origin" other than in "original"/"originate"); Spring properties: the
  ``*.cors.*`` keys.

Not covered (as before this filter): a header name spelled with escapes
(``"Access-Control-Allow-\\x4frigin"``), which no reader is meant to decode for this.
``tests/lint/test_lint_prefilter.py`` lints every corpus file with and without the filter
and checks that nothing the filter skips had a finding.
"""

from __future__ import annotations

import re

__all__ = ["might_matter"]

# "origin" followed by one of these is an English word (original, originate), not CORS.
_NOT_ORIGIN = ("al", "at")
_ACAO = "access-control-allow-origin"
# What the Python analyzer recognises is named with one of these (see the module docstring).
_PYTHON_WORDS = ("cors", "access-control-", "access_control_", "allow_origin", "cross_origin",
                 "crossorigin", "http_origin")  # fmt: skip
# The CORS packages the JavaScript reader knows (stacks.javascript._LIBRARIES; a test keeps
# the two equal), and how its name is written where the reader looks for it: the string
# argument of require(...) or import(...), or the source of an import statement.
_JS_PACKAGES = ("cors", "@fastify/cors", "fastify-cors", "@koa/cors", "koa2-cors", "kcors",
                "cors-anywhere", "socket.io")  # fmt: skip
_JS_PACKAGE_ENDS = ("cors", "cors-anywhere", "socket.io")
_QUOTES = ("'", '"', "`")
_JS_IMPORT = re.compile(
    r"(?:require|import|from)[\s(]*(['\"`])(?:"
    + "|".join(re.escape(p) for p in _JS_PACKAGES)
    + r")\1\Z"
)


def _mentions_origin(lowered: str) -> bool:
    start = lowered.find("origin")
    while start >= 0:
        if not lowered.startswith(_NOT_ORIGIN, start + 6):
            return True
        start = lowered.find("origin", start + 6)
    return False


def _quoted_origin(lowered: str) -> bool:
    """The Origin header named as a string: "Origin", b"origin" (the request's, read)."""
    start = lowered.find("origin")
    while start >= 0:
        if lowered.startswith(_QUOTES, start + 6) and lowered[start - 1 : start] in _QUOTES:
            return True
        start = lowered.find("origin", start + 6)
    return False


def _python(lowered: str) -> bool:
    for word in _PYTHON_WORDS:  # a loop, not any(): no generator per file
        if word in lowered:
            return True
    return _quoted_origin(lowered)


def _imports_package(lowered: str, end: str) -> bool:
    """Is a CORS package ending in ``end`` required or imported? Each place where ``end``
    meets a closing quote (rare: str.find, as a regex over a large bundle is ten times
    slower) is checked for the rest: ``fetch(url, {mode: 'cors'})`` is not an import."""
    start = lowered.find(end)
    while start >= 0:
        stop = start + len(end)
        if lowered.startswith(_QUOTES, stop) and _JS_IMPORT.search(
            lowered, max(0, start - 256), stop + 1
        ):
            return True
        start = lowered.find(end, start + 1)
    return False


def _javascript(lowered: str) -> bool:
    return _ACAO in lowered or any(_imports_package(lowered, end) for end in _JS_PACKAGE_ENDS)


def _spring(lowered: str) -> bool:
    # @CrossOrigin, CorsConfiguration, allowedOrigins, addAllowedOriginPattern...
    return "cors" in lowered or _mentions_origin(lowered)


def _properties(lowered: str) -> bool:
    return "cors" in lowered


_TESTS = {
    "python": _python,
    "javascript": _javascript,
    "spring": _spring,
    "spring-properties": _properties,
}


def might_matter(kind: str, text: str) -> bool:
    """Can a file of this kind ("python" or a stack of ``corsguard.lint.stacks``) with this
    text give a finding or a note? False only when it certainly cannot."""
    test = _TESTS.get(kind)
    return test is None or test(text.lower())
