# ruff: noqa: E501  (each case is one configuration on one line, as it would be written)
"""corsguard lint on JavaScript/TypeScript, nginx and Spring: each library's semantics.

Every case is a small configuration with the findings a reviewer who has read the library's
source expects (id and severity); the corpus of real files is in test_lint_stacks_corpus.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corsguard.lint.files import MAX_FILE_BYTES
from corsguard.lint.stacks import lint_stack_source, stack_of
from corsguard.lint.stacks.spring import origin_pattern_matcher
from corsguard.remediation import NO_ORIGIN_NOTE, UNKNOWN_ORIGIN

H, M, L = "high", "medium", "low"


def findings(text: str, path: str) -> set[tuple[str, str]]:
    result = lint_stack_source(text, path)
    assert not result.skipped, result.note
    return {(f.id, f.severity.value) for f in result.findings}


_CORS = "const cors = require('cors');\n"

JS_CASES = [
    # npm cors: origin true echoes every origin; without allowedHeaders the preflight echoes
    # the requested headers too (lib/index.js configureAllowedHeaders).
    (
        "origin true + credentials",
        _CORS + "app.use(cors({origin: true, credentials: true}))",
        {("origin-reflected", H), ("preflight-any-header", L)},
    ),
    (
        "origin true, no credentials",
        _CORS + "app.use(cors({origin: true, allowedHeaders: ['X']}))",
        {("origin-reflected", M)},
    ),
    ("defaults are '*'", _CORS + "app.use(cors())", {("wildcard-origin", L)}),
    (
        "'*' + credentials is sent as '*' (browsers refuse)",
        _CORS + "app.use(cors({origin: '*', credentials: true, allowedHeaders: ['X']}))",
        {("wildcard-with-credentials", L)},
    ),
    (
        "a fixed string is compared by the browser",
        _CORS + "app.use(cors({origin: 'https://app.example.com'}))",
        set(),
    ),
    (
        "an anchored RegExp",
        _CORS
        + "app.use(cors({origin: /^https:\\/\\/app\\.example\\.com$/, credentials: true, allowedHeaders: ['X']}))",
        {("regex-origin", L)},
    ),
    (
        "RegExp.test is a search: unanchored matches a prefix",
        _CORS
        + "app.use(cors({origin: /https:\\/\\/app\\.example\\.com/, credentials: true, allowedHeaders: ['X']}))",
        {("regex-origin", L), ("prefix-match", H), ("special-char-bypass", H)},
    ),
    (
        "array of strings and RegExps",
        _CORS
        + "app.use(cors({origin: ['https://example.com', /\\.example\\.com$/], credentials: true, allowedHeaders: ['X']}))",
        {("regex-origin", L), ("any-subdomain-trusted", M)},
    ),
    ("false disables CORS", _CORS + "app.use(cors({origin: false}))", set()),
    (
        "origin function echoing only listed origins",
        _CORS
        + "const allowed = ['https://app.example.com'];\napp.use(cors({origin(origin, cb) { if (allowed.includes(origin)) return cb(null, origin); cb(new Error('no')) }, credentials: true, allowedHeaders: ['X']}))",
        set(),
    ),
    (
        "origin function calling back true for everyone",
        _CORS
        + "app.use(cors({origin: (origin, callback) => callback(null, true), credentials: true, allowedHeaders: ['X']}))",
        {("origin-reflected", H)},
    ),
    (
        "origin function with indexOf over plain-http origins (README form)",
        _CORS
        + "const whitelist = ['http://example1.com', 'http://example2.com'];\napp.use(cors({origin: function (origin, callback) { if (whitelist.indexOf(origin) !== -1) { callback(null, true) } else { callback(new Error('x')) } }, allowedHeaders: ['X']}))",
        {("insecure-origin-trusted", L)},
    ),
    (
        "options delegate (README form)",
        _CORS
        + "var allowlist = ['http://example1.com'];\nvar delegate = function (req, callback) { var o; if (allowlist.indexOf(req.header('Origin')) !== -1) { o = { origin: true } } else { o = { origin: false } } callback(null, o) };\napp.use(cors(delegate))",
        {("insecure-origin-trusted", L)},
    ),
    (
        "hand-written startsWith",
        "app.use((req, res, next) => { const origin = req.headers.origin; if (origin && origin.startsWith('https://app.example.com')) { res.setHeader('Access-Control-Allow-Origin', origin); res.setHeader('Access-Control-Allow-Credentials', 'true'); res.setHeader('Vary', 'Origin') } next() })",
        {("prefix-match", H), ("special-char-bypass", H)},
    ),
    (
        "hand-written ===",
        "app.use((req, res, next) => { const origin = req.get('origin'); if (origin === 'https://app.example.com') { res.set('Access-Control-Allow-Origin', origin); res.set('Vary', 'Origin') } next() })",
        set(),
    ),
    (
        "early return on includes",
        "const ALLOWED = ['https://app.example.com'];\nfunction c(req, res, next) {\n  const origin = req.headers['origin'];\n  if (!ALLOWED.includes(origin)) return next();\n  res.header('Access-Control-Allow-Origin', origin);\n  res.header('Vary', 'Origin');\n  next();\n}",
        set(),
    ),
    (
        "one-line helper with endsWith('.example.com')",
        "function ok(o) { return o.endsWith('.example.com') }\nhttp.createServer((req, res) => { const origin = req.headers.origin; if (ok(origin)) { res.writeHead(200, {'Access-Control-Allow-Origin': origin, 'Vary': 'Origin'}) } res.end() })",
        {("any-subdomain-trusted", L), ("insecure-origin-trusted", L)},
    ),
    (
        "some(d => origin.endsWith(d)) without a dot",
        "const DOMAINS = ['example.com'];\napp.use((req, res, next) => { const origin = req.headers.origin || ''; if (DOMAINS.some(d => origin.endsWith(d))) { res.header('Access-Control-Allow-Origin', origin); res.header('Vary', 'Origin') } next() })",
        {("suffix-match", M), ("any-subdomain-trusted", L), ("insecure-origin-trusted", L)},
    ),
    (
        "Fastify reply.header behind an unanchored regex.test",
        "const re = /^https:\\/\\/.*\\.example\\.com/;\nfastify.addHook('onRequest', async (request, reply) => { const origin = request.headers.origin; if (re.test(origin)) { reply.header('Access-Control-Allow-Origin', origin); reply.header('Access-Control-Allow-Credentials', 'true'); reply.header('Vary', 'Origin') } })",
        {("prefix-match", H), ("special-char-bypass", H), ("any-subdomain-trusted", M)},
    ),
    (
        "unguarded echo without Vary",
        "module.exports = (req, res, next) => { res.header('Access-Control-Allow-Origin', req.headers.origin); next() }",
        {("origin-reflected", M), ("missing-vary-origin", L)},
    ),
    (
        "destructured Origin (const { origin } = req.headers) on a list with a plain-http origin",
        "const A = ['https://app.example.com', 'http://app.example.com'];\nmodule.exports = (req, res, next) => { const { origin } = req.headers; if (A.includes(origin)) { res.header('Access-Control-Allow-Origin', origin) } next() }",
        {("insecure-origin-trusted", L), ("missing-vary-origin", L)},
    ),
    (
        "@fastify/cors registered through a dynamic import()",
        "export default async (app) => { await app.register(import('@fastify/cors'), { origin: true, credentials: true }) }",
        {("origin-reflected", H), ("preflight-any-header", L)},
    ),
    (
        "a check that calls something unseen is not judged",
        "app.use((req, res, next) => { const origin = req.headers.origin; if (isTrusted(origin)) { res.header('Access-Control-Allow-Origin', origin); res.header('Vary', 'Origin') } next() })",
        set(),
    ),
    (
        "cors-anywhere with an allowlist",
        "const p = require('cors-anywhere'); p.createServer({ originWhitelist: ['https://app.example.com'] }).listen(8080)",
        set(),
    ),
    (
        "cors-anywhere open proxy",
        "const p = require('cors-anywhere'); p.createServer({ originWhitelist: [], removeHeaders: ['cookie'] }).listen(8080)",
        {("open-cors-proxy", H)},
    ),
    (
        "@koa/cors default (echoes before 5.0)",
        "const cors = require('@koa/cors'); app.use(cors())",
        {("origin-reflected", M)},
    ),
    (
        "@koa/cors '*' + credentials becomes the request Origin",
        "const cors = require('@koa/cors'); app.use(cors({ origin: '*', credentials: true }))",
        {("origin-reflected", H)},
    ),
    (
        "@koa/cors origin function echoing",
        "const cors = require('@koa/cors'); app.use(cors({ origin: ctx => ctx.get('Origin'), credentials: true }))",
        {("origin-reflected", H)},
    ),
    (
        "@fastify/cors bare host RegExp",
        "import cors from '@fastify/cors'; await fastify.register(cors, { origin: [/localhost/, 'https://app.example.com'], allowedHeaders: ['X'] })",
        {
            ("regex-origin", L),
            ("localhost-trusted", L),
            ("prefix-match", M),
            ("suffix-match", M),
            ("special-char-bypass", M),
        },
    ),
    (
        "socket.io's cors option is npm cors",
        "const { Server } = require('socket.io'); const io = new Server(server, { cors: { origin: true, credentials: true } })",
        {("origin-reflected", H), ("preflight-any-header", L)},
    ),
    (
        "a RegExp built from a string: '\\.' is '.'",
        _CORS
        + "const re = new RegExp('^https://app\\.example\\.com$');\napp.use(cors({ origin: re, allowedHeaders: ['X'] }))",
        {("regex-origin", L), ("unescaped-dot", M)},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), JS_CASES, ids=[c[0] for c in JS_CASES])
def test_javascript(name: str, text: str, expected: set[tuple[str, str]]) -> None:
    assert findings(text, "app.js") == expected


def test_header_objects_in_test_assertions_set_nothing() -> None:
    text = (
        "t.match(res.headers, { 'access-control-allow-origin': '*' })\n"
        "expect(res.headers).toMatchObject({ 'Access-Control-Allow-Origin': 'http://localhost' })\n"
        "export const corsHeaders = { 'Access-Control-Allow-Origin': '*' }\n"
    )
    result = lint_stack_source(text, "cors.test.js")
    assert [(f.line, f.id) for f in result.findings] == [(3, "wildcard-origin")]


def test_typescript_casts_and_annotations_are_read() -> None:
    text = (
        "import { Request, Response, NextFunction } from 'express';\n"
        "const allowed: string[] = ['http://app.example.com'];\n"
        "export function c(req: Request, res: Response, next: NextFunction): void {\n"
        "  const origin = req.headers.origin as string;\n"
        "  if (allowed.indexOf(origin!) >= 0) { res.setHeader('Access-Control-Allow-Origin', origin); }\n"
        "  next();\n}\n"
    )
    assert findings(text, "c.ts") == {("insecure-origin-trusted", L), ("missing-vary-origin", L)}
    tsx = "import cors from 'cors';\nconst App = () => <div/>;\napp.use(cors({ origin: true, credentials: true, allowedHeaders: ['X'] }));\n"
    assert findings(tsx, "App.tsx") == {("origin-reflected", H)}


def test_values_are_followed_across_the_project_s_own_imports(tmp_path: Path) -> None:
    from corsguard.lint.stacks import file_loader

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "origins.js").write_text(
        "module.exports = { allowedOrigins: ['https://app.example.com', 'http://localhost:3000'] };\n"
    )
    (tmp_path / "config" / "options.mjs").write_text(
        "export const corsOptions = { origin: /example\\.com/, credentials: true, allowedHeaders: ['X'] };\n"
    )
    server = tmp_path / "server.js"
    server.write_text(
        "const cors = require('cors');\n"
        "const { allowedOrigins } = require('./config/origins');\n"
        "app.use('/a', cors({ origin: allowedOrigins, credentials: true, allowedHeaders: ['X'] }));\n"
    )
    esm = tmp_path / "esm.mjs"
    esm.write_text(
        "import cors from 'cors';\nimport { corsOptions } from './config/options.mjs';\napp.use(cors(corsOptions));\n"
    )
    loader = file_loader(str(tmp_path))
    got = lint_stack_source(server.read_text(), str(server), loader=loader)
    assert {(f.line, f.id) for f in got.findings} == {(3, "localhost-trusted")}
    got = lint_stack_source(esm.read_text(), str(esm), loader=loader)
    assert {f.id for f in got.findings} >= {"prefix-match", "suffix-match", "regex-origin"}
    # Outside the linted tree nothing is read.
    outside = file_loader(str(tmp_path / "elsewhere"))
    assert outside(str(server), "./config/origins") is None
    assert lint_stack_source(server.read_text(), str(server), loader=outside).findings == ()


NGINX_CASES = [
    (
        "reflection with credentials",
        "server {\n  add_header Access-Control-Allow-Origin $http_origin always;\n  add_header Access-Control-Allow-Credentials true always;\n}",
        {("origin-reflected", H), ("missing-vary-origin", L)},
    ),
    (
        "reflection with Vary, no credentials",
        "server {\n  add_header Access-Control-Allow-Origin $http_origin always;\n  add_header Vary Origin always;\n}",
        {("origin-reflected", M)},
    ),
    (
        "reflection beside proxy_cache without Vary",
        "server {\n  location /api {\n    proxy_cache api;\n    proxy_pass http://backend;\n    add_header Access-Control-Allow-Origin $http_origin;\n  }\n}",
        {("origin-reflected", M), ("missing-vary-origin", M)},
    ),
    (
        "a location's own add_header without Vary drops the server's Vary",
        'map $http_origin $cors {\n  default "";\n  "https://app.example.com" $http_origin;\n}\nserver {\n  add_header Access-Control-Allow-Origin $cors always;\n  add_header Vary Origin always;\n  location /api {\n    add_header Access-Control-Allow-Origin $cors always;\n    add_header X-Frame-Options DENY;\n  }\n}',
        {("missing-vary-origin", L)},
    ),
    (
        "Vary without `always` beside an `always` grant",
        'map $http_origin $cors {\n  default "";\n  "https://app.example.com" $http_origin;\n}\nserver {\n  add_header Access-Control-Allow-Origin $cors always;\n  add_header Vary Origin;\n}',
        {("missing-vary-origin", L)},
    ),
    (
        "anchored if regex",
        'server {\n  location / {\n    if ($http_origin ~* "^https://(app|admin)\\.example\\.com$") {\n      add_header Access-Control-Allow-Origin $http_origin always;\n      add_header Vary Origin always;\n    }\n  }\n}',
        {("regex-origin", L)},
    ),
    (
        "map of exact origins (the fix itself)",
        'map $http_origin $cors {\n  default "";\n  "https://app.example.com" $http_origin;\n}\nserver {\n  add_header Access-Control-Allow-Origin $cors always;\n  add_header Access-Control-Allow-Credentials true always;\n  add_header Vary Origin always;\n}',
        set(),
    ),
    (
        "unanchored map regex with credentials",
        'map $http_origin $cors {\n  default "";\n  ~example\\.com $http_origin;\n}\nserver {\n  add_header Access-Control-Allow-Origin $cors always;\n  add_header Access-Control-Allow-Credentials true always;\n  add_header Vary Origin always;\n}',
        {
            ("regex-origin", L),
            ("prefix-match", H),
            ("suffix-match", H),
            ("special-char-bypass", H),
            ("any-subdomain-trusted", M),
            ("insecure-origin-trusted", M),
        },
    ),
    (
        "set/if chain of the enable-cors.org snippet",
        "server {\n  location / {\n    set $cors '';\n    if ($http_origin ~ '^https?://(app\\.example\\.com)') { set $cors 'true'; }\n    if ($request_method = 'OPTIONS') { set $cors \"${cors}options\"; }\n    if ($cors = 'true') {\n      add_header Access-Control-Allow-Origin \"$http_origin\" always;\n      add_header Access-Control-Allow-Credentials true always;\n      add_header Vary Origin always;\n    }\n  }\n}",
        {
            ("regex-origin", L),
            ("prefix-match", H),
            ("special-char-bypass", H),
            ("insecure-origin-trusted", M),
        },
    ),
    (
        "exact if equality",
        'server {\n  if ($http_origin = "https://app.example.com") {\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Vary Origin always;\n  }\n}',
        set(),
    ),
    (
        "headers-more",
        "server {\n  more_set_headers 'Access-Control-Allow-Origin: $http_origin' 'Access-Control-Allow-Credentials: true' 'Vary: Origin';\n}",
        {("origin-reflected", H)},
    ),
    (
        "fixed plain-http origin with credentials",
        "server {\n  add_header Access-Control-Allow-Origin http://app.example.com always;\n  add_header Access-Control-Allow-Credentials true always;\n}",
        {("insecure-origin-trusted", M)},
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), NGINX_CASES, ids=[c[0] for c in NGINX_CASES])
def test_nginx(name: str, text: str, expected: set[tuple[str, str]]) -> None:
    assert findings(text, "conf.d/site.conf") == expected


def test_nginx_notes_name_the_add_header_inheritance_and_always_pitfalls() -> None:
    text = (
        "server {\n  add_header Access-Control-Allow-Origin https://app.example.com;\n"
        "  location /static {\n    add_header Cache-Control public;\n  }\n}\n"
    )
    result = lint_stack_source(text, "nginx.conf")
    assert result.findings == () and not result.skipped
    assert result.note is not None
    assert "line 3: `location /static` has add_header of its own" in result.note
    assert "line 2: add_header Access-Control-Allow-Origin without `always`" in result.note


SPRING_CASES = [
    (
        "@CrossOrigin defaults to '*'",
        "Bare.java",
        "@CrossOrigin\n@RestController\nclass A {}",
        {("wildcard-origin", L)},
    ),
    (
        "origins '*' + credentials is refused at run time",
        "A.java",
        '@CrossOrigin(origins = "*", allowCredentials = "true")\nclass A {}',
        {("wildcard-with-credentials", L)},
    ),
    (
        "originPatterns '*' + credentials echoes everyone",
        "A.java",
        '@CrossOrigin(originPatterns = "*", allowCredentials = "true")\nclass A {}',
        {("origin-reflected", H)},
    ),
    (
        "class origins combine with the method's credentials",
        "A.java",
        '@CrossOrigin(origins = "https://app.example.com")\nclass A {\n  @CrossOrigin(allowCredentials = "true")\n  @GetMapping("/x") String x() { return ""; }\n}',
        set(),
    ),
    (
        "method origins add to the class's; class credentials apply",
        "A.java",
        '@CrossOrigin(allowCredentials = "true", origins = "https://app.example.com")\nclass A {\n  @CrossOrigin(origins = "http://old.example.com")\n  @GetMapping("/x") String x() { return ""; }\n}',
        {("insecure-origin-trusted", M)},
    ),
    (
        "a constant is followed",
        "A.java",
        'class A {\n  private static final String FRONT = "http://app.example.com";\n  @CrossOrigin(origins = FRONT)\n  @GetMapping("/x") String x() { return ""; }\n}',
        {("insecure-origin-trusted", L)},
    ),
    (
        "${...} placeholders are not judged",
        "A.java",
        '@CrossOrigin(origins = "${app.origins}", allowCredentials = "true")\nclass A {}',
        set(),
    ),
    (
        "registry subdomain pattern with credentials",
        "W.java",
        'class W implements WebMvcConfigurer {\n  public void addCorsMappings(CorsRegistry registry) {\n    registry.addMapping("/api/**").allowedOriginPatterns("https://*.example.com").allowCredentials(true);\n  }\n}',
        {("regex-origin", L), ("any-subdomain-trusted", M)},
    ),
    (
        "a pattern without the dot is a suffix match",
        "W.java",
        'class W implements WebMvcConfigurer {\n  public void addCorsMappings(CorsRegistry registry) {\n    registry.addMapping("/**").allowedOriginPatterns("https://*example.com");\n  }\n}',
        {("regex-origin", L), ("suffix-match", M), ("any-subdomain-trusted", L)},
    ),
    (
        "addMapping alone permits '*'",
        "W.java",
        'class W implements WebMvcConfigurer {\n  public void addCorsMappings(CorsRegistry registry) {\n    registry.addMapping("/**");\n  }\n}',
        {("wildcard-origin", L)},
    ),
    (
        "CorsConfiguration with exact origins",
        "C.java",
        'class C {\n  CorsConfigurationSource s() {\n    CorsConfiguration c = new CorsConfiguration();\n    c.setAllowedOrigins(Arrays.asList("https://app.example.com"));\n    c.setAllowCredentials(true);\n    return null;\n  }\n}',
        set(),
    ),
    (
        "CorsConfiguration addAllowedOriginPattern('*')",
        "C.java",
        'class C {\n  CorsConfigurationSource s() {\n    CorsConfiguration c = new CorsConfiguration();\n    c.addAllowedOriginPattern("*");\n    c.setAllowCredentials(true);\n    return null;\n  }\n}',
        {("origin-reflected", H)},
    ),
    (
        "Kotlin property assignments",
        "Cors.kt",
        '@Bean\nfun source(): CorsConfigurationSource {\n    val config = CorsConfiguration()\n    config.allowedOriginPatterns = listOf("*")\n    config.allowCredentials = true\n    return UrlBasedCorsConfigurationSource()\n}\n',
        {("origin-reflected", H)},
    ),
    (
        "Kotlin annotation",
        "Api.kt",
        '@CrossOrigin(origins = ["http://localhost:3000"], allowCredentials = "true")\n@RestController\nclass Api\n',
        # Medium with credentials, as in every tool (corsguard.findings: a foothold first).
        {("localhost-trusted", M)},
    ),
    (
        "actuator properties",
        "application.properties",
        "management.endpoints.web.cors.allowed-origin-patterns=*\nmanagement.endpoints.web.cors.allow-credentials=true\n",
        {("origin-reflected", H)},
    ),
    (
        "gateway yml",
        "application.yml",
        "spring:\n  cloud:\n    gateway:\n      globalcors:\n        cors-configurations:\n          '[/**]':\n            allowedOrigins: \"*\"\n            allowCredentials: true\n",
        {("wildcard-with-credentials", L)},
    ),
    (
        "spring.web.cors list in yml",
        "application-prod.yml",
        "spring:\n  web:\n    cors:\n      allowed-origins:\n        - https://app.example.com\n        - http://localhost:3000\n",
        {("localhost-trusted", L)},
    ),
    (
        "indexed properties",
        "application.properties",
        "spring.cloud.gateway.globalcors.cors-configurations.[/**].allowed-origins[0]=http://localhost:4200\n"
        "spring.cloud.gateway.globalcors.cors-configurations.[/**].allowed-origins[1]=https://shop.example.com\n",
        {("localhost-trusted", L)},
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "text", "expected"), SPRING_CASES, ids=[c[0] for c in SPRING_CASES]
)
def test_spring(name: str, path: str, text: str, expected: set[tuple[str, str]]) -> None:
    assert findings(text, path) == expected


@pytest.mark.parametrize(
    ("pattern", "origin", "accepted"),
    [
        ("https://*.example.com", "https://a.b.example.com", True),
        ("https://*.example.com", "https://example.com", False),
        ("https://*.example.com", "https://evilexample.com", False),
        ("https://*example.com", "https://evilexample.com", True),
        ("https://app.example.com:[8080,8081]", "https://app.example.com:8081", True),
        ("https://app.example.com:[8080,8081]", "https://app.example.com:9090", False),
        ("http://localhost:[*]", "http://localhost:5173", True),
        ("http://localhost:[*]", "http://localhost", True),
        (
            "https://app.example.com",
            "https://APP.example.com",
            False,
        ),  # Matcher.matches is case-sensitive
    ],
)
def test_spring_origin_pattern_semantics(pattern: str, origin: str, accepted: bool) -> None:
    matcher = origin_pattern_matcher(pattern)
    assert matcher is not None
    assert matcher(origin) is accepted


@pytest.mark.parametrize(
    ("path", "text", "stack"),
    [
        ("web/app.js", None, "javascript"),
        ("web/app.min.js", None, None),
        ("web/types.d.ts", None, None),
        ("etc/nginx/nginx.conf", None, "nginx"),
        ("etc/nginx/sites-enabled/api", None, "nginx"),
        ("deploy/conf.d/api.conf", None, "nginx"),
        ("deploy/site.conf", "server {\n  server_name a;\n  add_header X y;\n}\n", "nginx"),
        ("deploy/supervisor.conf", "[program:x]\ncommand=run\n", None),
        ("src/main/java/A.java", None, "spring"),
        ("src/main/kotlin/A.kt", None, "spring"),
        ("src/main/resources/application-prod.yml", None, "spring-properties"),
        ("docker-compose.yml", None, None),
    ],
)
def test_which_files_each_stack_reads(path: str, text: str | None, stack: str | None) -> None:
    assert stack_of(path, text) == stack


@pytest.mark.parametrize(
    ("path", "text", "note"),
    [
        ("nginx.conf", "server {\n  location / {\n", "not nginx configuration"),
        ("application.yml", "spring: [cors\n  web: {", "not YAML"),
        ("nginx.conf", "x" * (MAX_FILE_BYTES + 1), "larger than"),
    ],
)
def test_files_that_cannot_be_read_are_notes_not_tracebacks(
    path: str, text: str, note: str
) -> None:
    if "larger" not in note:
        text = text + "\n# cors"
    result = lint_stack_source(text, path)
    assert result.skipped and result.note is not None and note in result.note
    assert result.findings == ()


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (
            "app.js",
            "const cors = require('cors'); app.use(cors({ origin: /^(.*)*Q$/, allowedHeaders: ['X'] }))",
        ),
        (
            "app.js",
            "app.use((req, res) => { const o = req.headers.origin; if (/^(a|aa)+$/.test(o)) res.setHeader('Access-Control-Allow-Origin', o) })",
        ),
        (
            "nginx.conf",
            'map $http_origin $c {\n  default "";\n  ~^(.*)*Q$ $http_origin;\n}\nserver {\n  add_header Access-Control-Allow-Origin $c always;\n  add_header Vary Origin always;\n}\n',
        ),
    ],
)
def test_a_regex_that_could_backtrack_for_ever_is_not_run(path: str, text: str) -> None:
    # ReDoS (CWE-1333): `(.*)*Q` takes time exponential in the probe's length on a miss, and
    # re cannot be interrupted; such a regex is reported, not run.
    result = lint_stack_source(text, path)
    ids = {f.id for f in result.findings}
    assert ids <= {"regex-origin", "missing-vary-origin"}, ids
    if "regex-origin" in ids:
        (finding,) = [f for f in result.findings if f.id == "regex-origin"]
        assert "not evaluated: nested quantifier" in finding.message


def test_a_yaml_alias_bomb_is_walked_within_a_budget() -> None:
    lines = ["a0: &a0 [cors, cors, cors, cors, cors, cors, cors, cors, cors]"]
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    lines.append("management:\n  endpoints:\n    web:\n      cors:\n        allowed-origins: '*'")
    result = lint_stack_source("\n".join(lines) + "\n", "application.yml")
    assert not result.skipped
    assert [f.id for f in result.findings] == ["wildcard-origin"]  # nothing else is lost


def test_a_fifo_named_like_nginx_configuration_is_not_opened(tmp_path: Path) -> None:
    import os

    from corsguard.lint.stacks import wants_file

    fifo = tmp_path / "site.conf"
    os.mkfifo(fifo)
    assert wants_file(str(fifo)) is False


def test_attacker_written_input_is_bounded() -> None:
    # A catastrophic regex is not compiled beyond the cap; deep nesting is a note, not a crash.
    evil = "(a+)+" * 200
    text = f"const cors = require('cors'); app.use(cors({{ origin: /{evil}$/ }}))"
    result = lint_stack_source(text, "app.js")
    assert not result.skipped
    deep = "const x = " + "[" * 5000 + "]" * 5000 + ";\nconst cors = require('cors');"
    assert lint_stack_source(deep, "deep.js").findings == ()
    nested = "server {" * 3000 + "}" * 3000 + "\n# cors"
    assert lint_stack_source(nested, "nginx.conf").findings == ()


def test_quoted_file_text_cannot_drive_the_terminal() -> None:
    control = "\x1b\u202e"  # an escape sequence start and a right-to-left override
    text = _CORS + f"app.use(cors({{ origin: /evil{control}\\.com/, allowedHeaders: ['X'] }}))"
    result = lint_stack_source(text, "a.js")
    assert result.findings
    for finding in result.findings:
        for part in (finding.message, finding.fix):
            assert "\x1b" not in part and "\u202e" not in part
    assert any("evil\\x1b\\u202e" in f.message for f in result.findings)


def test_silencing_works_with_each_stack_s_comment_syntax() -> None:
    js = (
        _CORS
        + "app.use(cors({origin: true, allowedHeaders: ['X']}))  // corsguard: ignore[origin-reflected]\n"
    )
    result = lint_stack_source(js, "a.js")
    assert result.findings == () and [f.id for f in result.silenced] == ["origin-reflected"]
    conf = "server {\n  add_header Access-Control-Allow-Origin *;  # corsguard: ignore[wildcard-origin]\n}\n"
    result = lint_stack_source(conf, "nginx.conf")
    assert result.findings == () and [f.id for f in result.silenced] == ["wildcard-origin"]


def test_fixes_are_complete_and_use_the_file_s_own_origins() -> None:
    text = _CORS + (
        "const allowed = ['https://app.example.com'];\n"
        "app.use('/a', cors({ origin: allowed, credentials: true, allowedHeaders: ['X'] }));\n"
        "app.use('/b', cors({ origin: true, credentials: true, methods: ['GET', 'POST'], maxAge: 600, allowedHeaders: ['X'] }));\n"
    )
    (finding,) = lint_stack_source(text, "a.js").findings
    assert finding.id == "origin-reflected"
    # The catalogue's renderer (corsguard.findings.render_fix): every option carried.
    assert finding.fix.startswith(
        "app.use('/b', cors({ origin: [\"https://app.example.com\"], credentials: true, "
        'methods: ["GET", "POST"], allowedHeaders: ["X"], maxAge: 600 }));'
    ), finding.fix
    conf = (
        "server {\n  add_header Access-Control-Allow-Origin $http_origin always;\n"
        "  add_header Access-Control-Allow-Credentials true always;\n  add_header Vary Origin always;\n"
        "  add_header Access-Control-Allow-Methods 'GET, PUT' always;\n  add_header Access-Control-Max-Age 600;\n}\n"
        "server {\n  add_header Access-Control-Allow-Origin https://shop.example.com;\n}\n"
    )
    fixes = {f.id: f.fix for f in lint_stack_source(conf, "nginx.conf").findings}
    assert fixes["origin-reflected"].startswith(
        "# in http { }:\n"
        'map $http_origin $cors_origin {\n    default "";\n    "https://shop.example.com" $http_origin;\n}\n'
        'map $cors_origin $cors_credentials {\n    default "true";\n    "" "";\n}\n'
        "# in the server { } or location { } that answers:\n"
        "add_header Access-Control-Allow-Origin $cors_origin always;\n"
        "add_header Access-Control-Allow-Credentials $cors_credentials always;\n"
        'add_header Access-Control-Allow-Methods "GET, PUT" always;\n'
        'add_header Access-Control-Allow-Headers "Content-Type" always;\n'
        "add_header Access-Control-Max-Age 600 always;\n"
        "add_header Vary Origin always;"
    ), fixes
    java = (
        "class W implements WebMvcConfigurer {\n  public void addCorsMappings(CorsRegistry registry) {\n"
        '    registry.addMapping("/api/**").allowedOriginPatterns("*").allowedMethods("GET").allowCredentials(true);\n'
        '    registry.addMapping("/b").allowedOrigins("https://app.example.com");\n  }\n}\n'
    )
    (finding,) = lint_stack_source(java, "W.java").findings
    assert finding.fix.startswith(
        'registry.addMapping("/api/**").allowedOrigins("https://app.example.com")'
        '.allowCredentials(true).allowedMethods("GET").allowedHeaders("Content-Type");'
    ), finding.fix


def test_kotlin_fixes_use_kotlin_syntax() -> None:
    text = (
        "@Bean\nfun source(): CorsConfigurationSource {\n"
        "    val c = CorsConfiguration().apply {\n"
        '        allowedOriginPatterns = listOf("*")\n        allowCredentials = true\n    }\n'
        '    val d = CorsConfiguration()\n    d.allowedOrigins = listOf("https://app.example.com")\n'
        "    return UrlBasedCorsConfigurationSource()\n}\n"
    )
    (finding,) = lint_stack_source(text, "Cors.kt").findings
    assert finding.id == "origin-reflected" and finding.severity.value == "high"
    assert finding.fix.startswith(
        'allowedOrigins = listOf("https://app.example.com")\nallowCredentials = true'
    ), finding.fix


def test_no_origin_known_gives_the_header_level_fix_never_a_placeholder() -> None:
    findings = lint_stack_source(
        _CORS + "app.use(cors({origin: true, credentials: true}))", "a.js"
    ).findings
    assert {f.id for f in findings} == {"origin-reflected", "preflight-any-header"}
    for finding in findings:
        assert UNKNOWN_ORIGIN not in finding.fix and NO_ORIGIN_NOTE in finding.fix
        assert finding.fix.startswith("When Origin is one of your front ends' origins: ")


def test_the_core_install_does_not_import_the_parsers() -> None:
    code = (
        "import sys, corsguard.lint.cli, corsguard.lint.stacks\n"
        "print(sorted(m for m in sys.modules if m.startswith(('tree_sitter', 'crossplane', 'yaml'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_stacks_without_the_extra_are_reported_as_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import corsguard.lint.stacks as stacks

    real = importlib.util.find_spec

    def without_extra(name: str, *args: object) -> object:
        if name.startswith(("tree_sitter", "crossplane")):
            return None
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(stacks.importlib.util, "find_spec", without_extra)
    assert set(stacks.missing_stacks()) == {"javascript", "nginx", "spring"}
    result = lint_stack_source(_CORS + "app.use(cors())", "a.js")
    assert result.skipped and result.note is not None
    assert "JavaScript/TypeScript not analysed: install corsguard[lint-stacks]" in result.note
    # The CLI reports one note per missing stack, with the number of files skipped.
    from corsguard.lint.stacks import collapse_missing

    many = [lint_stack_source(_CORS, f"m{i}.js") for i in range(3)]
    many.append(lint_stack_source("server {}\n# cors", "nginx.conf"))
    notes = [r.note for r in collapse_missing(many)]
    assert notes == [
        "JavaScript/TypeScript not analysed (3 files): install corsguard[lint-stacks]; skipped",
        "nginx not analysed: install corsguard[lint-stacks]; skipped",
    ]
    # Properties need no parser beyond PyYAML/the standard library and are still read.
    props = "management.endpoints.web.cors.allowed-origins=*\n"
    assert [f.id for f in lint_stack_source(props, "application.properties").findings] == [
        "wildcard-origin"
    ]


def test_cli_walks_every_stack_with_the_same_formats_and_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "server.js").write_text(
        _CORS + "app.use(cors({ origin: true, credentials: true }))\n"
    )
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "lib.js").write_text(_CORS + "app.use(cors({ origin: true }))\n")
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "site.conf").write_text(
        "server {\n  add_header Access-Control-Allow-Origin *;\n}\n"
    )
    (tmp_path / "Web.java").write_text(
        '@CrossOrigin(originPatterns = "*", allowCredentials = "true")\nclass W {}\n'
    )
    (tmp_path / "app.py").write_text("x = 1\n")
    run = [sys.executable, "-m", "corsguard", "lint", str(tmp_path)]
    text = subprocess.run([*run], capture_output=True, text=True)
    assert text.returncode == 1, text.stdout + text.stderr
    assert "server.js:2:9: high origin-reflected" in text.stdout
    assert "node_modules" not in text.stdout
    assert "in 4 files" in text.stdout
    sarif = json.loads(
        subprocess.run([*run, "--format", "sarif"], capture_output=True, text=True).stdout
    )
    results = sarif["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert {u.rsplit("/", 1)[-1] for u in uris} == {"server.js", "site.conf", "Web.java"}
    assert {r["ruleId"] for r in results} >= {"origin-reflected", "wildcard-origin"}
    data = json.loads(
        subprocess.run(
            [*run, "--format", "json", "--fail-on", "high"], capture_output=True, text=True
        ).stdout
    )
    assert {f["id"] for f in data["findings"]} == {
        "origin-reflected",
        "preflight-any-header",
        "wildcard-origin",
    }
    only_low = subprocess.run(
        [sys.executable, "-m", "corsguard", "lint", str(tmp_path / "conf.d")],
        capture_output=True,
        text=True,
    )
    assert only_low.returncode == 0 and "low wildcard-origin" in only_low.stdout
