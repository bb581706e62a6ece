"""One fix text per (finding id, stack), shared by `corsguard lint` and `corsguard audit`.

Issues #11, #12 and #15: the catalogue (corsguard.findings.FIXES with the renderers of
corsguard.remediation) writes every fix; lint's stack readers and the audit only hand it what
they know. Shown here, as tables:

- for every id of the catalogue and every stack lint reads, lint's and audit's fix for the
  same origins, credentials and options are the same text;
- each rendered Express (and fastify/koa/socket.io/cors-anywhere), Node, nginx and Spring
  configuration is valid in its language (tree-sitter, crossplane with context checks);
- linted again with `corsguard lint`, each no longer yields its finding;
- with no origin known, every stack gets the header-level fix, never an invented origin;
- the audit carries what it observed (methods, headers, exposed headers, max age,
  credentials), from attacker-written answers, bounded and filtered.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from pathlib import Path

import crossplane  # type: ignore[import-untyped]
import pytest
import tree_sitter_java
import tree_sitter_javascript
import tree_sitter_kotlin
from tree_sitter import Language, Parser

from corsguard.audit.model import Finding, ProbeRequest, ProbeResponse, TargetReport
from corsguard.audit.output import finding_dict
from corsguard.audit.stack import Observed, Stack, observe
from corsguard.findings import KINDS, LINT_IDS, Severity, render_fix
from corsguard.lint import judge as J
from corsguard.lint.stacks import lint_stack_source
from corsguard.lint.stacks.common import Grant, grant_fix
from corsguard.probes import ARBITRARY_ORIGIN
from corsguard.remediation import (
    NGINX_HTTP,
    NGINX_LOCATION,
    NO_ORIGIN_NOTE,
    FixContext,
    is_pattern,
    render_express,
    render_nginx,
    render_node,
    render_spring,
)
from tests.helpers.fixes import assert_no_placeholder, build_fix

APP = "https://app.example.com"
ADMIN = "https://admin.example.com"
PREVIEWS = "https://*.staging.example.com"
ONE_LABEL = "https://+.example.com"  # exactly one label beneath example.com


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What both tools may know: the trusted origins, credentials and the other options."""

    name: str
    origins: tuple[str, ...]
    credentials: bool
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    exposed: tuple[str, ...] = ()
    max_age: int | None = None


INPUTS = [
    Inputs("exact, credentials, every option", (APP, ADMIN), True, ("GET", "PUT"),
           ("X-Token", "Content-Type"), ("X-Total",), 600),
    Inputs("exact, no credentials, nothing else", (APP,), False),
    Inputs("with a pattern", (APP, PREVIEWS), True, ("GET",), ("X-Token",)),
    Inputs("with a one-label pattern", (APP, ONE_LABEL), True, ("GET", "PUT")),
    # Only a development origin: nothing to trust in production, nothing to invent.
    Inputs("no production origin", ("http://localhost:3000",), True, ("GET",)),
]  # fmt: skip

# The stacks lint reads, with the form of a configuration equal to the audit's default.
LINT_FORMS = {
    "express": ("javascript", "cors", {}),
    "node": ("javascript", "handwritten", {}),
    "nginx": ("nginx", "map", {}),
    "spring": ("spring", "config", {"receiver": "config"}),
}
# How each stack grants credentials in a fix.
CREDENTIALS_GRANT = re.compile(r"credentials: true|Allow-Credentials|[aA]llowCredentials")
STACK_LABELS = {
    "express": "Express (the cors package)",
    "node": "Node",
    "nginx": "nginx",
    "spring": "Spring (CorsConfiguration)",
}


def lint_fix(kind: str, stack: str, given: Inputs) -> str:
    """The fix lint prints for a grant with these origins and options (its reader's data)."""
    lint_stack, form, carry = LINT_FORMS[stack]
    grant = Grant(
        lint_stack,
        "test",
        1,
        1,
        given.credentials,
        methods=given.methods,
        headers=given.headers,
        exposed_headers=given.exposed,
        max_age=given.max_age,
        fix_kind=form,
        carry=dict(carry),
    )
    return grant_fix(kind, grant, J.intent_from(exact=given.origins))


def audit_fix(kind: str, stack: str, given: Inputs) -> str:
    """The fix the audit prints for a target of that stack told the same origins, having
    observed the same options in the answers to its front ends."""
    observed = Observed(
        given.methods, given.headers, given.exposed, given.max_age, given.credentials
    )
    report = TargetReport(
        "https://api.example.com/data",
        "ok",
        trusted=given.origins,
        stack=Stack("test", (stack,), ""),
        observed=observed,
    )
    request = ProbeRequest(kind, "GET", ARBITRARY_ORIGIN)
    finding = Finding(
        kind, Severity.LOW, ARBITRARY_ORIGIN, False, request, ProbeResponse(200, ()), ""
    )
    doc = finding_dict(report, finding)
    public = kind == "wildcard-origin"  # '*' with no origin known: kept, as public data
    if not J.intent_from(exact=given.origins).origins and not public:
        label = "Response headers"  # nothing known: the header-level fix, said once
    else:
        label = STACK_LABELS[stack]
    assert doc["fix"] == f"{label}:\n{doc['fixes'][stack]}"
    text: str = doc["fixes"][stack]
    return text


@pytest.mark.parametrize("given", INPUTS, ids=[i.name for i in INPUTS])
@pytest.mark.parametrize("stack", sorted(LINT_FORMS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_lint_and_audit_print_the_same_fix_for_the_same_inputs(
    kind: str, stack: str, given: Inputs
) -> None:
    from_lint = lint_fix(kind, stack, given)
    assert from_lint == audit_fix(kind, stack, given)
    # And it is the catalogue's: the renderer, then the (id, stack) remark if any.
    assert_no_placeholder(from_lint)
    known = J.intent_from(exact=given.origins).origins
    if known:
        assert all(o in from_lint for o in known if not is_pattern(o)), from_lint
        assert bool(CREDENTIALS_GRANT.search(from_lint)) == given.credentials, from_lint
        for value in (*given.methods, *given.headers, *given.exposed):
            assert value in from_lint, (value, from_lint)
    elif kind == "wildcard-origin":
        assert "keep '*' only for public, read-only data" in from_lint
        assert not CREDENTIALS_GRANT.search(from_lint.replace("no Allow-Credentials", ""))
    else:
        assert from_lint.startswith("When Origin is one of your front ends' origins: ")
        assert NO_ORIGIN_NOTE in from_lint and "development policy" in from_lint


# --- Valid in its stack ---------------------------------------------------------------------

CONTEXTS = {
    "exact+credentials": FixContext((APP, ADMIN), True, ("GET", "PUT"), ("X-Token",),
                                    exposed_headers=("X-Total",), max_age=600),
    "exact": FixContext((APP,), False),
    "pattern+credentials": FixContext((APP, PREVIEWS), True),
    "one-label-pattern+credentials": FixContext((APP, ONE_LABEL), True, ("GET", "PUT")),
    "public": FixContext(public=True),
}  # fmt: skip
JS_FORMS = ["cors", "fastify", "koa", "socket.io", "cors-anywhere"]
SPRING_FORMS = [
    "config",
    "registry",
    "annotation",
    "kotlin-annotation",
    "kotlin-config",
    "properties",
]

_JS_PRELUDE = {
    "cors": "const cors = require('cors');\nconst app = require('express')();\n",
    "fastify": "const fastify = require('fastify')();\nconst cors = require('@fastify/cors');\n",
    "koa": "const Koa = require('koa');\nconst cors = require('@koa/cors');\n"
    "const app = new Koa();\n",
    "socket.io": "const { Server } = require('socket.io');\n"
    "const httpServer = require('http').createServer();\n",
    "cors-anywhere": "const { createServer } = require('cors-anywhere');\n",
}
_NODE_PRELUDE = "const http = require('http');\nhttp.createServer((req, res) => {\n"
_NODE_END = "\n  res.end('{}');\n}).listen(8080);\n"


def js_file(form: str, fix: str) -> str:
    if form == "node":
        return _NODE_PRELUDE + fix + _NODE_END
    return _JS_PRELUDE[form] + fix + "\n"


def nginx_file(fix: str) -> str:
    """The fix in place: its maps in http { }, its headers in the location that answers."""
    if NGINX_HTTP in fix:
        http, location = fix.split(NGINX_LOCATION, 1)
    else:
        http, location = "", fix
    return (
        "events {}\nhttp {\n" + http + "\n  server {\n    listen 127.0.0.1:8080;\n"
        "    location / {\n" + location + "\n      return 200 '{}';\n    }\n  }\n}\n"
    )


def spring_file(form: str, fix: str) -> tuple[str, str]:
    """(path, source) of a Spring application holding the fix where its form goes."""
    if form == "config":
        return "CorsConfig.java", (
            "@Configuration\nclass CorsConfig {\n  @Bean\n  CorsConfigurationSource source() {\n"
            "    CorsConfiguration config = new CorsConfiguration();\n" + fix + "\n"
            "    UrlBasedCorsConfigurationSource s = new UrlBasedCorsConfigurationSource();\n"
            '    s.registerCorsConfiguration("/**", config);\n    return s;\n  }\n}\n'
        )
    if form == "registry":
        return "WebConfig.java", (
            "@Configuration\nclass WebConfig implements WebMvcConfigurer {\n  @Override\n"
            "  public void addCorsMappings(CorsRegistry registry) {\n" + fix + "\n  }\n}\n"
        )
    if form == "annotation":
        return "Api.java", (
            "@RestController\nclass Api {\n  " + fix + '\n  @GetMapping("/data")\n'
            '  String data() { return "{}"; }\n}\n'
        )
    if form == "kotlin-annotation":
        return "Api.kt", (
            "@RestController\nclass Api {\n  " + fix + '\n  @GetMapping("/data")\n'
            '  fun data(): String = "{}"\n}\n'
        )
    if form == "kotlin-config":
        return "CorsConfig.kt", (
            "@Configuration\nclass CorsConfig {\n  @Bean\n"
            "  fun source(): CorsConfigurationSource {\n"
            "    val config = CorsConfiguration()\n" + fix + "\n"
            "    val s = UrlBasedCorsConfigurationSource()\n"
            '    s.registerCorsConfiguration("/**", config)\n    return s\n  }\n}\n'
        )
    return "application.properties", fix + "\n"


@cache
def _parser(language: str) -> Parser:
    grammar = {
        "javascript": tree_sitter_javascript.language,
        "java": tree_sitter_java.language,
        "kotlin": tree_sitter_kotlin.language,
    }[language]
    return Parser(Language(grammar()))


def assert_parses(language: str, source: str) -> None:
    tree = _parser(language).parse(source.encode())
    assert not tree.root_node.has_error, source


def rendered(stack: str, form: str, ctx: FixContext) -> str:
    ctx = dataclasses.replace(ctx, form="" if form == "node" else form)
    if stack == "spring":
        if form == "kotlin-config":
            ctx = dataclasses.replace(ctx, carry=(("receiver", "config"),))
        return render_spring(ctx)
    if stack == "nginx":
        return render_nginx(ctx)
    return render_node(ctx) if form == "node" else render_express(ctx)


CASES = (
    [("express", f) for f in JS_FORMS]
    + [("node", "node"), ("nginx", "map")]
    + [("spring", f) for f in SPRING_FORMS]
)


def source_of(stack: str, form: str, fix: str) -> tuple[str, str]:
    if stack in ("express", "node"):
        return "server.js", js_file(form, fix)
    if stack == "nginx":
        return "nginx.conf", nginx_file(fix)
    return spring_file(form, fix)


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize(("stack", "form"), CASES, ids=[f"{s}-{f}" for s, f in CASES])
def test_each_rendered_fix_is_valid_in_its_stack(
    stack: str, form: str, context: str, tmp_path: Path
) -> None:
    fix = rendered(stack, form, CONTEXTS[context])
    assert_no_placeholder(fix)
    if form == "cors-anywhere" and context == "public":
        # No open proxy is ever written: the header-level fix, in words, instead.
        assert fix.startswith("When Origin is one of your front ends' origins")
        assert NO_ORIGIN_NOTE in fix and "Credentials" not in fix
        return
    path, source = source_of(stack, form, fix)
    if stack in ("express", "node"):
        assert_parses("javascript", source)
    elif stack == "nginx":
        file = tmp_path / path
        file.write_text(source)
        # crossplane checks every directive's context and argument count, as nginx -t does.
        parsed = crossplane.parse(str(file), check_ctx=True, check_args=True, single=True)
        assert parsed["errors"] == [], (parsed["errors"], source)
        assert parsed["status"] == "ok"
    elif path.endswith(".java"):
        assert_parses("java", source)
    elif path.endswith(".kt"):
        assert_parses("kotlin", source)
    else:
        for line in source.splitlines():
            assert re.fullmatch(r"#.*|[a-z.-]+=[^\s=]+", line), line


# --- Linted again, the finding is gone --------------------------------------------------------

# A pattern is what the user trusts: the fix writes it as an anchored regex where the stack
# has no patterns of its own (JavaScript, nginx), and lint notes every regex (regex-origin,
# low) and every wildcard over a domain (any-subdomain-trusted): those two stay by design.
_PATTERN_IDS = {"regex-origin", "any-subdomain-trusted"}


@cache
def relinted(stack: str, form: str, fix: str) -> frozenset[tuple[str, str]]:
    path, source = source_of(stack, form, fix)
    result = lint_stack_source(source, path)
    assert not result.skipped, result.note
    return frozenset((f.id, f.severity.value) for f in result.findings)


@pytest.mark.parametrize(
    "context",
    ["exact+credentials", "exact", "pattern+credentials", "one-label-pattern+credentials"],
)
@pytest.mark.parametrize(("stack", "form"), CASES, ids=[f"{s}-{f}" for s, f in CASES])
@pytest.mark.parametrize("kind", sorted(LINT_IDS))
def test_the_fix_linted_again_no_longer_yields_its_finding(
    kind: str, stack: str, form: str, context: str
) -> None:
    ctx = dataclasses.replace(CONTEXTS[context], form="" if form == "node" else form)
    if stack == "spring" and form == "kotlin-config":
        ctx = dataclasses.replace(ctx, carry=(("receiver", "config"),))
    catalogue_stack = "express" if stack == "express" else stack
    fix = render_fix(kind, catalogue_stack, ctx)
    assert_no_placeholder(fix)
    found = relinted(stack, form, fix)
    ids = {kind_id for kind_id, _ in found}
    if "pattern" in context:
        assert ids <= _PATTERN_IDS, (fix, found)
        # The any-subdomain-trusted fix leaves the subdomain patterns out (a note names
        # them), so it does not trust every subdomain again (issue #13); regex-origin is a
        # note on the form a stack without patterns must use.
        if kind != "regex-origin":
            assert kind not in ids, (fix, found)
    else:
        # Exact origins: nothing at all is left to report.
        assert found == frozenset(), (fix, found)


@pytest.mark.parametrize(("stack", "form"), CASES, ids=[f"{s}-{f}" for s, f in CASES])
def test_a_public_wildcard_fix_keeps_only_the_low_public_finding(stack: str, form: str) -> None:
    if form == "cors-anywhere":
        # An empty originWhitelist would be an open proxy: no '*' form exists, the fix says
        # which origins to list instead.
        fix = render_fix(
            "wildcard-origin", stack, dataclasses.replace(CONTEXTS["public"], form=form)
        )
        assert fix.startswith("When Origin is one of your front ends' origins") and "[]" not in fix
        return
    ctx = dataclasses.replace(CONTEXTS["public"], form="" if form == "node" else form)
    fix = render_fix("wildcard-origin", stack, ctx)
    assert "keep '*' only for public, read-only data" in fix
    assert relinted(stack, form, fix) <= {("wildcard-origin", "low")}, fix


# --- Lint's own files: the options carried are the file's ------------------------------------

CARRIED = [
    # (file, path, the id, texts the fix must hold)
    (
        _JS_PRELUDE["cors"]
        + "const METHODS = process.env.METHODS;\n"
        + "app.use(cors({ origin: ['https://app.example.com', 'http://localhost:3000'], "
        "credentials: true, methods: METHODS, exposedHeaders: 'X-Total, X-Page', maxAge: 600, "
        "preflightContinue: false, optionsSuccessStatus: 204 }));\n",
        "a.js",
        "localhost-trusted",
        [
            'origin: ["https://app.example.com"]',
            "methods: METHODS",
            'allowedHeaders: ["Content-Type"]',
            'exposedHeaders: ["X-Total", "X-Page"]',
            "maxAge: 600",
            "preflightContinue: false",
            "optionsSuccessStatus: 204",
            "allow http://localhost:3000 only in a development policy",
        ],
    ),
    # The call stays where it is: its receiver and mount path, or alone where it is not
    # mounted with `.use` (mounting it on every path would widen the grant).
    (
        "const cors = require('cors');\nconst router = require('express').Router();\n"
        "router.use('/a', cors({ origin: 'https://app.example.com', allowedHeaders: ['X'] }));\n"
        "router.use('/b', cors({ origin: true, credentials: true, allowedHeaders: ['X'] }));\n"
        "router.get('/c', cors({ origin: true, allowedHeaders: ['X'] }),\n"
        "  (req, res) => res.end());\n",
        "routes.js",
        "origin-reflected",
        [
            "router.use('/b', cors({ origin: [\"https://app.example.com\"], credentials: true, "
            'allowedHeaders: ["X"] }));',
            'cors({ origin: ["https://app.example.com"], allowedHeaders: ["X"] })\n//',
        ],
    ),
    (
        "server {\n  add_header Access-Control-Allow-Origin $http_origin always;\n"
        "  add_header Access-Control-Allow-Headers 'X-Token, Content-Type' always;\n"
        "  add_header Access-Control-Expose-Headers X-Total always;\n  add_header Vary Origin;\n}\n"
        "server {\n  add_header Access-Control-Allow-Origin https://shop.example.com;\n}\n",
        "nginx.conf",
        "origin-reflected",
        [
            '"https://shop.example.com" $http_origin;',
            'add_header Access-Control-Allow-Headers "X-Token, Content-Type" always;',
            'add_header Access-Control-Expose-Headers "X-Total" always;',
        ],
    ),
    (
        "@RestController\n"
        '@CrossOrigin(originPatterns = "*", allowCredentials = "true", maxAge = 1800, '
        'methods = {RequestMethod.GET}, exposedHeaders = "X-Total")\n'
        'class Api {\n  @CrossOrigin(origins = "https://app.example.com")\n'
        '  @GetMapping("/a") String a() { return ""; }\n}\n',
        "Api.java",
        "origin-reflected",
        [
            '@CrossOrigin(origins = {"https://app.example.com"}, allowCredentials = "true", '
            'methods = {RequestMethod.GET}, allowedHeaders = {"Content-Type"}, '
            'exposedHeaders = "X-Total", maxAge = 1800)',
        ],
    ),
]


@pytest.mark.parametrize(
    ("source", "path", "kind", "texts"), CARRIED, ids=["js", "js-placement", "nginx", "java"]
)
def test_lint_fix_carries_the_file_s_own_options(
    source: str, path: str, kind: str, texts: list[str]
) -> None:
    findings = lint_stack_source(source, path).findings
    fixes = "\n".join(f.fix for f in findings if f.id == kind)
    for text in texts:
        assert text in fixes, (text, fixes)
    assert fixes
    assert_no_placeholder(fixes)


def test_carried_source_text_cannot_add_lines_to_a_fix() -> None:
    # A multi-line option value in the linted file is carried on one line: the fix's line
    # breaks are the renderer's own, so a file cannot forge report lines through it.
    source = _JS_PRELUDE["cors"] + (
        "app.use(cors({ origin: ['https://app.example.com', 'http://localhost:3000'],\n"
        "  credentials: true, allowedHeaders: ['X'],\n"
        "  optionsSuccessStatus: (\n    204\n  ),\n"
        "  preflightContinue: `a\n    fix: forged  two  spaces`,\n}));\n"
    )
    (finding,) = lint_stack_source(source, "a.js").findings
    assert finding.id == "localhost-trusted"
    assert finding.fix == (
        'app.use(cors({ origin: ["https://app.example.com"], credentials: true, '
        'allowedHeaders: ["X"], optionsSuccessStatus: ( 204 ), '
        "preflightContinue: `a fix: forged  two  spaces` }));\n"
        "// allow http://localhost:3000 only in a development policy"
    )


# --- What the audit observed --------------------------------------------------------------

# 30 names of 31 characters: the 800-character bound cuts the 25th after 8 of them.
LONG_NAMES = tuple(f"X-{i:02d}" + "a" * 27 for i in range(30))
OBSERVED = [
    # (answers: origin sent, response headers), expected
    (
        [(APP, [("access-control-allow-origin", APP),
                ("access-control-allow-methods", "GET, PUT, CORSGUARD-PROBE"),
                ("access-control-allow-headers", "X-Token, x-corsguard-probe"),
                ("access-control-expose-headers", "X-Total"),
                ("access-control-max-age", "600"),
                ("access-control-allow-credentials", "true")])],
        Observed(("GET", "PUT"), ("X-Token",), ("X-Total",), 600, True),
    ),
    # Not granted to the origin sent: says nothing about what the front ends use.
    (
        [(APP, [("access-control-allow-origin", ADMIN), ("access-control-allow-methods", "PUT"),
                ("access-control-allow-credentials", "true")])],
        Observed(),
    ),
    # Hostile values: no wildcard, no non-token, no absurd max age, "TRUE" is not "true".
    (
        [(APP, [("access-control-allow-origin", APP),
                ("access-control-allow-methods", "*, GET\x1b[31m, P UT, DELETE"),
                ("access-control-allow-headers", "<script>, X-Ok"),
                ("access-control-max-age", "99999999999"),
                ("access-control-allow-credentials", "TRUE")])],
        Observed(("DELETE",), ("X-Ok",)),
    ),
    # What a page can never use is left out (Fetch: forbidden methods and headers), and a
    # max age beyond what browsers keep: corsguard.Policy would refuse the printed fix.
    (
        [(APP, [("access-control-allow-origin", APP),
                ("access-control-allow-methods", "GET, TRACE, connect"),
                ("access-control-allow-headers", "Cookie, Sec-Fetch-Mode, Proxy-X, X-Ok"),
                ("access-control-expose-headers", "Set-Cookie, X-Total"),
                ("access-control-max-age", "86401")])],
        Observed(("GET",), ("X-Ok",), ("X-Total",)),
    ),
    # '*' with credentials: the server means to give them (a fix listing origins keeps
    # them), but the '*' answer says nothing about methods or headers.
    (
        [(APP, [("access-control-allow-origin", "*"), ("access-control-allow-methods", "PUT"),
                ("access-control-allow-credentials", "true")])],
        Observed(credentials=True),
    ),
    # A value cut at the bound does not yield the name it was cut inside.
    (
        [(APP, [("access-control-allow-origin", APP),
                ("access-control-allow-headers", ", ".join(LONG_NAMES))])],
        Observed((), LONG_NAMES[:24]),
    ),
    # Bounded: at most 32 names, whatever the server sends.
    (
        [(APP, [("access-control-allow-origin", APP),
                ("access-control-allow-headers", ", ".join(f"X-{i}" for i in range(5000)))])],
        Observed((), tuple(f"X-{i}" for i in range(32))),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "expected"), OBSERVED)
def test_the_audit_observes_what_its_front_ends_are_granted(
    answers: list[tuple[str, list[tuple[str, str]]]], expected: Observed
) -> None:
    assert observe(answers, ignore=("CORSGUARD-PROBE", "x-corsguard-probe")) == expected


def test_the_audit_fix_never_adds_credentials_the_server_does_not_give() -> None:
    given = Inputs("no credentials", (APP,), False, ("GET",))
    for stack in LINT_FORMS:
        assert "credentials" not in audit_fix("origin-reflected", stack, given).lower()


# --- The corpus: every finding's fix carries its own id's remark ---------------------------

CORPUS = Path(__file__).parent / "lint_corpus_stacks"
_CORPUS_STACKS = {"javascript": ("express", "node"), "nginx": ("nginx",), "spring": ("spring",)}


def test_every_corpus_fix_is_the_catalogue_s_for_its_own_id() -> None:
    from corsguard.findings import FIXES
    from corsguard.lint.stacks import file_loader

    checked = 0
    for folder, stacks in _CORPUS_STACKS.items():
        for path in sorted(p for p in (CORPUS / folder).rglob("*") if p.is_file()):
            loader = file_loader(str(CORPUS / folder))
            result = lint_stack_source(path.read_text(), str(path), None, loader)
            for finding in result.findings:
                assert_no_placeholder(finding.fix)
                if finding.fix.startswith("When Origin is one of your front ends' origins"):
                    assert NO_ORIGIN_NOTE in finding.fix
                    continue
                remarks = [FIXES[(finding.id, s)] for s in stacks if (finding.id, s) in FIXES]
                if remarks:
                    # Each finding gets its own id's text, not a neighbour's on the same grant.
                    assert any(f"{r}" in finding.fix for r in remarks), (path, finding)
                    checked += 1
    assert checked >= 20


def test_every_stack_carries_every_observed_option() -> None:
    from corsguard.findings import fixes

    ctx = CONTEXTS["exact+credentials"]
    for stack, text in fixes("origin-reflected", ctx).items():
        for value in (APP, ADMIN, "GET", "PUT", "X-Token", "X-Total", "600"):
            assert value in text, (stack, value, text)
    policy = build_fix(fixes("origin-reflected", ctx)["corsguard"])
    assert (policy.expose_headers, policy.max_age) == (("X-Total",), 600)
