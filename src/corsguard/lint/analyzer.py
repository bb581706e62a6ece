"""One walk over a module's AST: find CORS configurations and hand-written CORS code, judge them.

Library semantics (checked against the installed packages; versions in the comments):

- Starlette/FastAPI ``CORSMiddleware`` (starlette 1.x, middleware/cors.py): ``"*"`` in
  ``allow_origins`` allows every origin; with ``allow_credentials=True`` it answers with the
  request's own origin plus ``Access-Control-Allow-Credentials: true``. ``allow_origin_regex``
  is compiled with ``re.compile`` and tested with ``fullmatch`` (case-sensitive); other entries
  are compared exactly.
- flask-cors (6.x, core.py): ``origins`` defaults to ``"*"``, which becomes the regex ``.*``;
  unless ``send_wildcard=True`` a matching request origin is echoed back, with credentials when
  ``supports_credentials=True``. An entry containing any of ``* \\ ] ? $ ^ [ ( )`` is compiled
  as a case-insensitive regex and tested with ``re.match`` (anchored at the start only); other
  entries compare case-insensitively. Per-path ``resources={path: {"origins": ...}}`` options
  override the call's keywords.
- django-cors-headers (4.x, middleware.py/conf.py): ``CORS_ALLOW_ALL_ORIGINS`` (old name
  ``CORS_ORIGIN_ALLOW_ALL``) sends ``*``, or the request's origin when
  ``CORS_ALLOW_CREDENTIALS`` is true; ``CORS_ALLOWED_ORIGINS`` (``CORS_ORIGIN_WHITELIST``)
  compares scheme and host:port exactly, ``"null"`` included; ``CORS_ALLOWED_ORIGIN_REGEXES``
  (``CORS_ORIGIN_REGEX_WHITELIST``) uses ``re.match`` (anchored at the start only).
- aiohttp-cors (0.7, cors_config.py): ``defaults``/``cors.add(route, {...})`` map exact origins,
  or ``"*"`` for any, to ``ResourceOptions``; the response always carries the request's own
  origin, and ``allow_credentials`` (default False) adds credentials.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from corsguard import findings as C
from corsguard.findings import KINDS, Severity
from corsguard.lint import fixes as F
from corsguard.lint import judge as J
from corsguard.lint.project import Project
from corsguard.lint.regex_engine import compile_safe
from corsguard.lint.regex_safety import MAX_SUBJECT, regex_risk
from corsguard.lint.regexes import (
    combinations,
    is_loopback,
    platform_samples,
    regex_domains,
    regex_samples,
    regex_to_patterns,
    third_party_platform,
)
from corsguard.lint.values import (
    MISSING,
    ORIGIN,
    ORIGIN_KEY,
    UNKNOWN,
    Compiled,
    Evaluator,
    Options,
    Scope,
    ScopeNode,
    child_nodes,
    dotted,
    list_edit,
    module_statements,
    truth,
)
from corsguard.probes import ARBITRARY_ORIGIN

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
# Methods that set one header from (name, value) arguments, across frameworks:
# werkzeug Headers.add/set, starlette MutableHeaders.append, tornado set_header/add_header,
# http.server send_header, wsgiref Headers.add_header, dict.setdefault.
_SETTERS = frozenset(
    {"add", "set", "append", "setdefault", "add_header", "set_header", "send_header",
     "__setitem__", "setheader", "putheader"}
)  # fmt: skip
# flask-cors: a string with one of these characters is treated as a regular expression.
_FLASK_REGEX_HINTS = frozenset("*\\]?$^[]()")
_DJANGO = {
    "allow_all": ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"),
    "origins": ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"),
    "regexes": ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST"),
    "credentials": ("CORS_ALLOW_CREDENTIALS",),
}
_HEADER_WORDS = frozenset({ACAO, ACAC, "origin", "http_origin"})
# Defaults the fix must carry when a library allows more than corsguard does by default.
# flask-cors 6 (core.py DEFAULT_OPTIONS): every method, any request header.
_FLASK_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
# django-cors-headers 4 (defaults.py): default_methods, default_headers, max age one day.
_DJANGO_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
_DJANGO_HEADERS = (
    "accept", "authorization", "content-type", "user-agent", "x-csrftoken", "x-requested-with",
)  # fmt: skip
_DJANGO_OPTIONS = {
    "methods": "CORS_ALLOW_METHODS",
    "headers": "CORS_ALLOW_HEADERS",
    "expose": "CORS_EXPOSE_HEADERS",
    "max_age": "CORS_PREFLIGHT_MAX_AGE",
}
# Characters that make an allowlist entry a regex or glob: Starlette, aiohttp-cors and
# django-cors-headers compare entries with `in`/`==`, so such an entry matches no origin.
_PATTERN_CHARS = frozenset("^$\\()[]|+?*{}")
_IGNORE_RE = re.compile(r"#\s*corsguard:\s*ignore\[([^\]]*)\]")


@dataclass(frozen=True)
class RawFinding:
    line: int
    col: int  # 1-based
    id: str
    severity: Severity
    message: str
    fix: str


@dataclass(frozen=True)
class _Install:
    """One place where a CORS library is installed on an app, for the conflict check.

    ``how`` says how its position orders it against another (see _outermost): "add"
    (``app.add_middleware``: the last added is outermost), "list" (``middleware=[...]`` or
    Django's MIDDLEWARE: the first listed is outermost), "wrap" (``App(app)``: wraps what
    was built before it), "hook" (Flask after_request hooks: the first installed runs last,
    so has the final word), "view" (a per-view decorator: innermost), "app" (INSTALLED_APPS
    only: no middleware of its own).
    """

    library: str
    how: str
    node: ast.AST
    target: str | None  # the app it is installed on, when written as a name


@dataclass
class _Config:
    """An origin configuration of a library, in the library's own terms."""

    library: str
    anchor: ast.AST
    credentials: bool | None
    exact: list[tuple[str, ast.AST]] = field(default_factory=list)
    regexes: list[tuple[str, int, ast.AST]] = field(default_factory=list)  # pattern, flags, node
    regex_mode: str = "fullmatch"
    # A plain string where the library expects a list, tested with `origin in value`.
    substrings: list[tuple[str, ast.AST]] = field(default_factory=list)
    wildcard: ast.AST | None = None
    wildcard_text: str = ""
    private_network: bool = False
    # Entries the library compares literally that hold a regex or a glob: they match nothing.
    never: list[tuple[str, ast.AST]] = field(default_factory=list)
    # The rest of the configuration, for a complete fix (None: the library's default).
    methods: tuple[str, ...] | None = None
    headers: tuple[str, ...] | None = None
    expose: tuple[str, ...] | None = None
    max_age: int | None = None
    # flask-cors resources: the fix of the whole CORS(...) call, shared by its groups.
    fix_text: str | None = None
    # Origins of the same project (other lists, env defaults) that a regex here accepts.
    accepted: list[str] = field(default_factory=list)


class Analyzer:
    def __init__(
        self, tree: ast.Module, lines: list[str], evaluator: Evaluator | None = None
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.ev = evaluator if evaluator is not None else Evaluator(tree)
        self.findings: list[RawFinding] = []
        self.configs: list[_Config] = []
        self.acao: list[tuple[ast.AST, ast.expr, Scope | None]] = []
        self.acac: list[tuple[ast.AST, ast.expr, Scope | None]] = []
        self.flask_calls: list[tuple[ast.Call, Scope | None]] = []
        self.flask_config: dict[str, tuple[ast.expr, Scope | None]] = {}
        self._mentions: dict[int, bool] = {}
        self.guards: list[_Install] = []  # corsguard installed
        self._list_of: dict[int, int] = {}  # id of a call -> id of the list it is written in
        self.others: list[_Install] = []  # another CORS library installed
        # name -> the expressions bound to it (``guarded = CORSMiddleware(api)``), to follow
        # an app through the variables a hand-wrapped ASGI app passes through.
        self._bindings: dict[str, list[ast.expr]] = {}

    def notes(self) -> list[tuple[int, str]]:
        """(line, message) for what was left unevaluated, by line."""
        return sorted(self.ev.notes, key=lambda item: item[0])

    # --- the walk --------------------------------------------------------------------

    def run(self) -> list[RawFinding]:
        stack: list[tuple[ast.AST, Scope | None]] = [(self.tree, None)]
        while stack:
            node, scope = stack.pop()
            for child in child_nodes(node):
                child_scope = scope
                kind = type(child)
                if kind is ast.Call:
                    self._call(child, scope)  # type: ignore[arg-type]
                elif kind is ast.Assign:
                    self._assign(child, scope)  # type: ignore[arg-type]
                elif kind is ast.Tuple or kind is ast.List:
                    elts = child.elts  # type: ignore[attr-defined]
                    for elt in elts:  # middleware=[Middleware(...), ...]: one stack per list
                        if type(elt) is ast.Call:
                            self._list_of[id(elt)] = id(child)
                    if len(elts) == 2 and isinstance(child.ctx, ast.Load):  # type: ignore[attr-defined]
                        self._header_pair(elts[0], elts[1], child, scope)
                elif kind is ast.Dict:
                    for key, value in zip(child.keys, child.values, strict=False):  # type: ignore[attr-defined]
                        if key is not None:
                            self._header_pair(key, value, key, scope)
                elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                    self._decorators(child, scope)  # type: ignore[arg-type]
                    child_scope = self.ev.scope_for(child, scope)  # type: ignore[arg-type]
                elif kind is ast.Lambda:
                    child_scope = self.ev.scope_for(child, scope)  # type: ignore[arg-type]
                elif kind is ast.Import or kind is ast.ImportFrom:
                    self.ev.add_import(child)  # type: ignore[arg-type]
                stack.append((child, child_scope))
        self._judge_django()
        for call, scope in self.flask_calls:
            self._flask(call, scope)
        for config in self.configs:
            self._judge_config(config)
        self._judge_handwritten()
        self._judge_conflicts()
        return self.findings

    def _header_name(self, node: ast.expr, scope: Scope | None) -> str | None:
        if isinstance(node, ast.Constant):
            constant: object = node.value
            if isinstance(constant, bytes):
                constant = constant.decode("latin-1")
            return constant.lower() if isinstance(constant, str) else None
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = self.ev.eval(node, scope)
            return value.lower() if isinstance(value, str) else None
        return None

    def _header_pair(
        self, key: ast.expr, value: ast.expr, anchor: ast.AST, scope: Scope | None
    ) -> None:
        name = self._header_name(key, scope)
        if name == ACAO:
            self.acao.append((anchor, value, scope))
        elif name == ACAC:
            self.acac.append((anchor, value, scope))

    def _assign(self, node: ast.Assign, scope: Scope | None) -> None:
        if (
            len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.Name, ast.Call))
        ):
            self._bindings.setdefault(node.targets[0].id, []).append(node.value)
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                # flask: app.config["CORS_SUPPORTS_CREDENTIALS"] = True
                key = self._header_name(target.slice, scope)
                if (
                    key is not None
                    and key.startswith("cors_")
                    and isinstance(target.value, ast.Attribute)
                    and target.value.attr == "config"
                ):
                    self.flask_config[key[5:]] = (node.value, scope)
                    continue
                self._header_pair(target.slice, node.value, node, scope)

    def _call(self, node: ast.Call, scope: Scope | None) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in _SETTERS and len(node.args) >= 2:
                self._header_pair(node.args[0], node.args[1], node, scope)
        qual = self.ev.qualname(func) or ""
        last = qual.rsplit(".", 1)[-1]
        args = node.args
        if qual.startswith("corsguard"):
            if last in ("CORSMiddleware", "CORSGuard") and (args or last == "CORSGuard"):
                how = "hook" if last == "CORSGuard" else "wrap"
                self.guards.append(_Install(qual, how, node, _target(args)))
            if last in ("CORSMiddleware", "Policy"):
                self._corsguard_policy(node, scope)
            return
        if last in ("add_middleware", "Middleware") and args:
            middleware = self.ev.qualname(args[0]) or ""
            how = "add" if last == "add_middleware" else "list"
            if how == "add":
                target = dotted(func.value) if isinstance(func, ast.Attribute) else None
            else:
                in_list = self._list_of.get(id(node))
                target = None if in_list is None else f"list {in_list}"
            if middleware.startswith("corsguard"):
                self.guards.append(_Install(middleware, how, node, target))
                self._corsguard_policy(node, scope)
            elif self._is_cors_middleware(args[0]):
                self.others.append(_Install("Starlette CORSMiddleware", how, node, target))
        elif last == "CORSMiddleware" and args:
            self.others.append(_Install("Starlette CORSMiddleware", "wrap", node, _target(args)))
        if last == "CORS" or (last == "cross_origin" and "flask_cors" in qual):
            how = "hook" if last == "CORS" else "view"
            self.others.append(_Install("flask-cors", how, node, _target(args)))
        if (
            last in ("add_middleware", "Middleware") and args and self._is_cors_middleware(args[0])
        ) or last == "CORSMiddleware":
            self._starlette(node, scope)
        elif last in ("CORS", "cross_origin"):
            self.flask_calls.append((node, scope))
        elif last == "setup" and ("aiohttp_cors" in qual):
            defaults = _kwarg(node, "defaults", 1)
            if defaults is not None:
                self._aiohttp(defaults, node, scope)
        elif last == "add" and len(args) >= 2 and isinstance(func, ast.Attribute):
            value = self.ev.eval(args[1], scope)
            if isinstance(value, dict) and any(
                isinstance(v, Options) and v.name == "ResourceOptions" for v in value.values()
            ):
                self._aiohttp(args[1], node, scope)

    def _corsguard_policy(self, call: ast.Call, scope: Scope | None) -> None:
        """Issue #11: corsguard's own configuration gets the findings corsguard.Policy itself
        reports (`Policy.findings`, also shown by `corsguard check` and the start-up log), so
        lint, check and audit give it one verdict. Only fully literal options are judged; a
        policy corsguard refuses never runs, so it has no findings here."""
        from corsguard.policy import Policy, PolicyError

        options: dict[str, object] = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                return  # **options: cannot tell
            if keyword.arg not in _POLICY_OPTIONS:
                continue
            value = self.ev.eval(keyword.value, scope)
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                options[keyword.arg] = list(value)
            elif isinstance(value, bool):
                options[keyword.arg] = value
            else:
                return
        if "allow_origins" not in options:
            return
        try:
            policy = Policy(**options)  # type: ignore[arg-type]
        except PolicyError:
            return
        for finding in policy.findings:
            self._add(
                call, finding.id, finding.severity, f"corsguard: {finding.message}", finding.fix
            )

    def _is_cors_middleware(self, node: ast.expr) -> bool:
        qual = self.ev.qualname(node) or ""
        return qual.rsplit(".", 1)[-1] == "CORSMiddleware" and not qual.startswith("corsguard")

    def _decorators(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope | None
    ) -> None:
        for deco in node.decorator_list:
            if isinstance(deco, (ast.Name, ast.Attribute)):
                qual = self.ev.qualname(deco) or ""
                if qual.rsplit(".", 1)[-1] == "cross_origin" and not qual.startswith("corsguard"):
                    # @cross_origin without parentheses: all defaults.
                    self.flask_calls.append(
                        (
                            ast.Call(deco, [], [], lineno=deco.lineno, col_offset=deco.col_offset),
                            scope,
                        )
                    )

    # --- libraries ---------------------------------------------------------------------

    def _elements(
        self, node: ast.expr | None, scope: Scope | None, anchor: ast.AST
    ) -> list[tuple[object, ast.AST]] | None:
        """(value, node) for each origin entry; literal lists point at their own lines."""
        if node is None:
            return None
        if isinstance(node, ast.Name) and self._is_module_const(node, scope):
            literal = self.ev.consts[node.id][-1][1]
            if isinstance(literal, (ast.List, ast.Tuple, ast.Set)):
                return self._elements(literal, None, literal)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and not any(
            isinstance(e, ast.Starred) for e in node.elts
        ):
            return [(self.ev.eval(e, scope), e) for e in node.elts]
        value = self.ev.eval(node, scope)
        where = node if _within(node, anchor) else anchor
        if isinstance(value, tuple):
            return [(v, where) for v in value]
        if value is UNKNOWN or value is ORIGIN:
            return []
        return [(value, where)]

    def _is_module_const(self, node: ast.Name, scope: Scope | None) -> bool:
        if node.id not in self.ev.consts or len(self.ev.consts[node.id]) != 1:
            return False
        current = scope
        while current is not None:
            if current.lookup(node.id, node) is not None:
                return False
            current = current.parent
        return True

    def _flag(self, node: ast.expr | None, scope: Scope | None, default: bool) -> bool | None:
        if node is None:
            return default
        return truth(self.ev.eval(node, scope))

    def _starlette(self, call: ast.Call, scope: Scope | None) -> None:
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        config = _Config(
            "Starlette CORSMiddleware",
            call,
            self._flag(kw.get("allow_credentials"), scope, False),
            regex_mode="fullmatch",
            private_network=self._flag(kw.get("allow_private_network"), scope, False) is True,
        )
        origins_node = kw.get("allow_origins")
        raw = self.ev.eval(origins_node, scope) if origins_node is not None else None
        if isinstance(raw, str) and raw != "*" and origins_node is not None:
            # Starlette keeps the collection as given and tests `origin in allow_origins`
            # (and `"*" in allow_origins`): a string turns both into substring checks.
            where = origins_node if _within(origins_node, call) else call
            if "*" in raw:
                config.wildcard = where
                config.wildcard_text = f"allow_origins={raw!r} (a string containing '*')"
            else:
                config.substrings.append((raw, where))
            origins_node = None
        for value, node in self._elements(origins_node, scope, call) or []:
            if value == "*":
                config.wildcard = node
                config.wildcard_text = 'allow_origins=["*"]'
            elif isinstance(value, str) and not _PATTERN_CHARS.isdisjoint(value):
                config.never.append((value, node))  # Starlette: `origin in allow_origins`
            elif isinstance(value, str):
                config.exact.append((value, node))
        config.methods = self._strings(kw.get("allow_methods"), scope)
        config.headers = self._strings(kw.get("allow_headers"), scope)
        config.expose = self._strings(kw.get("expose_headers"), scope)
        config.max_age = self._int(kw.get("max_age"), scope)
        regex = kw.get("allow_origin_regex")
        if regex is not None:
            pattern = self.ev.eval(regex, scope)
            if isinstance(pattern, str):
                config.regexes.append((pattern, 0, regex if _within(regex, call) else call))
        self.configs.append(config)

    def _strings(self, node: ast.expr | None, scope: Scope | None) -> tuple[str, ...] | None:
        """A list-of-strings option (a lone string is one item), None when not known."""
        if node is None:
            return None
        value = self.ev.eval(node, scope)
        if isinstance(value, str):
            return (value,)
        if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            return value
        return None

    def _int(self, node: ast.expr | None, scope: Scope | None) -> int | None:
        value = self.ev.eval(node, scope) if node is not None else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return None

    def _keywords(self, call: ast.Call, scope: Scope | None) -> dict[str, ast.expr]:
        """Keyword arguments, with ``**OPTIONS`` of a known dict spread in (as constants)."""
        kw: dict[str, ast.expr] = {}
        for k in call.keywords:
            if k.arg:
                kw[k.arg] = k.value
                continue
            spread = self.ev.eval(k.value, scope)
            if isinstance(spread, dict):
                for key, value in spread.items():
                    if isinstance(key, str) and key not in kw:
                        kw[key] = _constant(value, k.value)
        return kw

    def _flask(self, call: ast.Call, scope: Scope | None) -> None:
        kw = self._keywords(call, scope)
        is_decorator = (self.ev.qualname(call.func) or "").endswith("cross_origin")
        base_origins = kw.get("origins")
        app_origins = self.flask_config.get("origins")
        base_creds_node = kw.get("supports_credentials")
        app_creds = self.flask_config.get("supports_credentials")
        base_creds = (
            self._flag(base_creds_node, scope, False)
            if base_creds_node is not None
            else (self._flag(app_creds[0], app_creds[1], False) if app_creds else False)
        )
        send_wildcard = self._flag(kw.get("send_wildcard"), scope, False) is True
        resources = None if is_decorator else kw.get("resources")
        # (path, origins, credentials, anchor, scope, options by name)
        Group = tuple[
            str | None, ast.expr | None, bool | None, ast.AST, Scope | None, dict[str, ast.expr]
        ]
        groups: list[Group] = []
        entries: list[tuple[ast.expr | None, object, ast.AST]] = []
        if isinstance(resources, ast.Dict):
            for key_node, value_node in zip(resources.keys, resources.values, strict=False):
                if key_node is not None:
                    entries.append((value_node, self.ev.eval(key_node, scope), key_node))
        elif resources is not None:
            evaluated = self.ev.eval(resources, scope)
            if isinstance(evaluated, dict):
                for path, options_value in evaluated.items():
                    entries.append((_constant(options_value, resources), path, resources))
        for options, path, path_node in entries:
            opts: dict[str, ast.expr] = {}
            if isinstance(options, ast.Dict):
                opts = {
                    k.value: v
                    for k, v in zip(options.keys, options.values, strict=False)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
            elif isinstance(options, ast.Constant) and isinstance(options.value, dict):
                opts = {
                    k: _constant(v, options) for k, v in options.value.items() if isinstance(k, str)
                }
            creds = (
                self._flag(opts["supports_credentials"], scope, False)
                if "supports_credentials" in opts
                else base_creds
            )
            anchor: ast.AST = options if isinstance(options, ast.Dict) else path_node
            route = path if isinstance(path, str) else None
            groups.append((route, opts.get("origins", base_origins), creds, anchor, scope, opts))
        if not groups:
            origins_node = base_origins
            origins_scope = scope
            if origins_node is None and app_origins is not None:
                origins_node, origins_scope = app_origins
            groups.append((None, origins_node, base_creds, call, origins_scope, {}))
        made: list[tuple[str | None, _Config]] = []
        for route, origins_node, creds, anchor, group_scope, opts in groups:
            config = _Config("flask-cors", anchor, creds, regex_mode="match")
            if origins_node is None:
                config.wildcard = call if anchor is call else anchor
                config.wildcard_text = "default origins '*'"
            for value, node in self._elements(origins_node, group_scope, anchor) or []:
                if isinstance(value, Compiled):
                    config.regexes.append((value.pattern, value.flags | re.IGNORECASE, node))
                elif not isinstance(value, str):
                    continue
                elif value in ("*", ".*"):
                    config.wildcard = node
                    config.wildcard_text = f"origins={value!r}"
                elif not _FLASK_REGEX_HINTS.isdisjoint(value):
                    config.regexes.append((value, re.IGNORECASE, node))
                else:
                    config.exact.append((value, node))

            def option(name: str, opts: dict[str, ast.expr] = opts) -> ast.expr | None:
                found = opts.get(name, kw.get(name))
                if found is None and f"cors_{name}" in self.flask_config:
                    found = self.flask_config[f"cors_{name}"][0]
                return found

            methods = self._strings(option("methods"), scope)
            config.methods = methods if methods is not None else _FLASK_METHODS
            headers = self._strings(option("allow_headers"), scope)
            config.headers = headers if headers is not None else ("*",)
            config.expose = self._strings(option("expose_headers"), scope)
            config.max_age = self._int(option("max_age"), scope)
            if config.wildcard is not None and send_wildcard and creds is not False:
                continue  # flask-cors refuses this combination at start-up (ValueError)
            self.configs.append(config)
            made.append((route, config))
        if len(made) > 1 or (made and made[0][0] is not None):
            # One CORS(app, resources=...) call is one policy: the fix has a route per path.
            routes: dict[str, F.Fix] = {}
            unrouted: list[str] = []
            for route, config in made:
                prefix = F.route_prefix(route) if route is not None else None
                if prefix is None:
                    unrouted.append(repr(route))
                    continue
                routes[prefix] = self._fix(config)
            top = self._fix(made[0][1])
            top.routes = routes
            if unrouted:
                top.notes.append(f"resources {', '.join(unrouted)} are not path prefixes")
            text = F.render(top)
            for _route, config in made:
                config.fix_text = text

    def _aiohttp(self, mapping: ast.expr, call: ast.Call, scope: Scope | None) -> None:
        pairs: list[tuple[object, object, ast.AST]] = []
        if isinstance(mapping, ast.Dict):
            for key, value in zip(mapping.keys, mapping.values, strict=False):
                if key is not None:
                    pairs.append((self.ev.eval(key, scope), self.ev.eval(value, scope), key))
        else:
            evaluated = self.ev.eval(mapping, scope)
            if isinstance(evaluated, dict):
                pairs = [(k, v, call) for k, v in evaluated.items()]
        for origin, options, node in pairs:
            if not isinstance(origin, str):
                continue
            if isinstance(options, (Options, dict)):
                creds = truth(options.get("allow_credentials", False))
            else:
                creds = None
            config = _Config("aiohttp-cors", node, creds, regex_mode="fullmatch")
            if origin == "*":
                config.wildcard = node
                config.wildcard_text = 'the origin "*"'
            elif not _PATTERN_CHARS.isdisjoint(origin):
                config.never.append((origin, node))  # aiohttp-cors: a dict lookup by origin
            else:
                config.exact.append((origin, node))
            if isinstance(options, (Options, dict)):
                config.methods = _string_items(options.get("allow_methods", None))
                config.headers = _string_items(options.get("allow_headers", None))
                config.expose = _string_items(options.get("expose_headers", None))
                age = options.get("max_age", None)
                config.max_age = age if isinstance(age, int) and not isinstance(age, bool) else None
            self.configs.append(config)

    def _django_installs(self) -> None:
        """corsguard's and django-cors-headers' entries in MIDDLEWARE and INSTALLED_APPS."""
        for stmt in module_statements(self.tree.body):
            if not isinstance(stmt, ast.Assign) or not isinstance(
                stmt.value, (ast.List, ast.Tuple)
            ):
                continue
            names = {t.id for t in stmt.targets if isinstance(t, ast.Name)}
            middleware = bool(names & {"MIDDLEWARE", "MIDDLEWARE_CLASSES"})
            if not middleware and "INSTALLED_APPS" not in names:
                continue
            for element in stmt.value.elts:
                value = self.ev.eval(element, None)
                if not isinstance(value, str):
                    continue
                if middleware and value.startswith("corsguard."):
                    self.guards.append(_Install(value, "list", element, "settings"))
                elif middleware and value.startswith("corsheaders."):
                    self.others.append(
                        _Install("django-cors-headers' CorsMiddleware", "list", element, "settings")
                    )
                elif not middleware and value.split(".", 1)[0] == "corsheaders":
                    self.others.append(
                        _Install("django-cors-headers (INSTALLED_APPS)", "app", element, "settings")
                    )

    def _judge_django(self) -> None:
        self._django_installs()
        # A settings block under a module-level `if` whose test is known without the
        # environment (`DEBUG = os.getenv("DEBUG", "NO") == "YES"`, then `if DEBUG:`) runs only
        # when the test holds: what runs by default is judged, as for environment defaults.
        statements = list(module_statements(self.tree.body, self._if_runs))
        module_parts = _settings_parts(statements)
        self._flask_options(module_parts)
        if any(name.startswith("CORS_") for name in module_parts):
            inherited = self._star_inherited(statements, module_parts)
            self._judge_settings({**inherited, **module_parts}, self.tree)
        for stmt in statements:
            if not isinstance(stmt, ast.ClassDef):
                continue
            own = _settings_parts(stmt.body)
            # Own CORS_* settings first: whether the class is a Configuration may parse the
            # modules of its bases, which a class without such settings never needs.
            if any(name.startswith("CORS_") for name in own) and self._configuration_class(stmt, 0):
                parts = {**self._class_inherited(stmt, 0), **own}
                self._judge_settings(parts, stmt)

    def _if_runs(self, stmt: ast.If) -> bool | None:
        """Whether a module-level ``if`` runs its body (None: not known). Only an ``if`` that
        touches a CORS setting is evaluated: its test may ask other modules for names."""
        if not any(
            isinstance(node, ast.Name) and node.id.startswith(("CORS_", "ENABLE_CORS"))
            for node in ast.walk(stmt)
        ):
            return None
        return truth(self.ev.eval(stmt.test, None))

    def _star_inherited(
        self, statements: list[ast.stmt], own: dict[str, list[tuple[ast.expr, ast.AST]]]
    ) -> dict[str, list[tuple[ast.expr, ast.AST]]]:
        """CORS_* settings a star import brings (``from .base import *``), at that line."""
        project = self.ev.project
        out: dict[str, list[tuple[ast.expr, ast.AST]]] = {}
        if not isinstance(project, Project):
            return out
        stars = [
            s
            for s in statements
            if isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names)
        ]
        for (_pos, module), stmt in zip(self.ev.star_imports, stars, strict=False):
            for name in project.star_names(module):
                if name.startswith("CORS_") and name not in own:
                    value = project.lookup(module, name)
                    if value is not UNKNOWN and value is not MISSING:
                        out[name] = [(_constant(value, stmt), stmt)]
        return out

    def _configuration_class(
        self, node: ast.ClassDef, depth: int, ev: Evaluator | None = None
    ) -> bool:
        """django-configurations: a class deriving (here, or through bases of this or another
        module of the project) from ``Configuration``, whose attributes are the settings."""
        ev = ev if ev is not None else self.ev
        if depth > 16:
            return False
        for base in node.bases:
            name = dotted(base) or ""
            if name.rsplit(".", 1)[-1] == "Configuration":
                return True
            local = ev.classes.get(name)
            if local is not None and self._configuration_class(local, depth + 1, ev):
                return True
            found = self._imported_class(ev, name)
            if found is not None and self._configuration_class(found[1], depth + 1, found[0]):
                return True
        return False

    def _imported_class(self, ev: Evaluator, name: str) -> tuple[Evaluator, ast.ClassDef] | None:
        origin = ev.import_from.get(name)
        if origin is None or not isinstance(ev.project, Project):
            return None
        return ev.project.class_node(*origin)

    def _class_inherited(
        self, node: ast.ClassDef, depth: int
    ) -> dict[str, list[tuple[ast.expr, ast.AST]]]:
        """Settings of local base classes, anchored at the subclass (it is what runs)."""
        out: dict[str, list[tuple[ast.expr, ast.AST]]] = {}
        if depth > 16:
            return out
        for base in reversed(node.bases):
            name = dotted(base) or ""
            local = self.ev.classes.get(name)
            if local is not None:
                inherited = {
                    **self._class_inherited(local, depth + 1),
                    **_settings_parts(local.body),
                }
                for key, parts in inherited.items():
                    out[key] = [(expr, node) for expr, _anchor in parts]
                continue
            found = self._imported_class(self.ev, name)
            if found is None or not isinstance(self.ev.project, Project):
                continue
            # A base class in another module: its settings' values, evaluated there.
            base_ev, base_node = found
            for key in _settings_parts(base_node.body):
                if key.startswith("CORS_") and base_ev.module:
                    value = self.ev.project.class_attribute(base_ev.module, base_node.name, key)
                    if value is not MISSING and value is not UNKNOWN:
                        out[key] = [(_constant(value, node), node)]
        return out

    def _flask_options(self, parts: dict[str, list[tuple[ast.expr, ast.AST]]]) -> None:
        """Superset (a Flask-AppBuilder app): with ``ENABLE_CORS = True`` its
        initialisation calls ``CORS(app, **CORS_OPTIONS)``; judged as that call. Without
        ENABLE_CORS (Superset's default is False) the options are never used."""
        enabled = [truth(self.ev.eval(e, None)) for e, _a in parts.get("ENABLE_CORS", [])]
        if not enabled or all(flag is False for flag in enabled):
            return
        for name, entries in parts.items():
            if name != "CORS_OPTIONS":
                continue
            for expr, anchor in entries:
                value = self.ev.eval(expr, None)
                if not isinstance(value, dict) or not value.keys() & {
                    "origins",
                    "supports_credentials",
                    "resources",
                }:
                    continue
                where = expr if _within(expr, anchor) else anchor
                call = ast.Call(
                    ast.Name("CORS", ast.Load()),
                    [],
                    [ast.keyword(None, _constant(value, where))],
                    lineno=getattr(where, "lineno", 1),
                    col_offset=getattr(where, "col_offset", 0),
                )
                self.flask_calls.append((call, None))

    def _judge_settings(
        self, settings: dict[str, list[tuple[ast.expr, ast.AST]]], anchor: ast.AST
    ) -> None:
        def assigned(role: str) -> list[tuple[ast.expr, ast.AST]]:
            for name in _DJANGO[role]:
                if name in settings:
                    return settings[name]
            return []

        creds: bool | None = False
        for expr, _stmt in assigned("credentials"):
            flag = truth(self.ev.eval(expr, None))
            if flag is None or flag:
                creds = flag if creds is False or flag is None else creds
        options: dict[str, object] = {}
        for role, name in _DJANGO_OPTIONS.items():
            if name not in settings:
                continue
            if role == "max_age":
                options[role] = self._int(settings[name][-1][0], None)
                continue
            items: list[str] = []
            for expr, _stmt in settings[name]:
                found = self._strings(expr, None)
                if found is None:
                    items = []
                    break
                items.extend(found)
            options[role] = tuple(dict.fromkeys(items)) if items else None

        def finish(config: _Config) -> _Config:
            methods = options.get("methods", _DJANGO_METHODS)
            headers = options.get("headers", _DJANGO_HEADERS)
            config.methods = methods if isinstance(methods, tuple) else None
            config.headers = headers if isinstance(headers, tuple) else None
            expose = options.get("expose")
            config.expose = expose if isinstance(expose, tuple) else None
            age = options.get("max_age", 86400)
            config.max_age = age if isinstance(age, int) else None
            return config

        allow_all = False
        for expr, stmt in assigned("allow_all"):
            flag = truth(self.ev.eval(expr, None))
            # Written as True (not read from the environment, which the operator may flip).
            allow_all = allow_all or (isinstance(expr, ast.Constant) and expr.value is True)
            if flag is not False:
                name = next(n for n in _DJANGO["allow_all"] if n in settings)
                config = finish(_Config("django-cors-headers", stmt, creds, regex_mode="match"))
                config.wildcard = stmt
                config.wildcard_text = f"{name} = True"
                self.configs.append(config)
        if allow_all:
            # django-cors-headers (middleware.py origin_found_in_white_lists): with
            # CORS_ALLOW_ALL_ORIGINS the lists are never consulted; they change nothing.
            return
        config = finish(_Config("django-cors-headers", anchor, creds, regex_mode="match"))
        for expr, stmt in assigned("origins"):
            for value, node in self._elements(expr, None, stmt) or []:
                if isinstance(value, str) and not _PATTERN_CHARS.isdisjoint(value):
                    config.never.append((value, node))  # compared exactly (scheme://host:port)
                elif isinstance(value, str):
                    config.exact.append((value, node))
        for expr, stmt in assigned("regexes"):
            for value, node in self._elements(expr, None, stmt) or []:
                if isinstance(value, Compiled):
                    config.regexes.append((value.pattern, value.flags, node))
                elif isinstance(value, str):
                    config.regexes.append((value, 0, node))
        if config.exact or config.regexes or config.never:
            self.configs.append(config)

    # --- judgement ---------------------------------------------------------------------

    def _add(self, node: ast.AST, kind: str, severity: Severity, message: str, fix: str) -> None:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + 1
        self.findings.append(RawFinding(line, col, kind, severity, message, fix))

    def _fix(self, config: _Config) -> F.Fix:
        """The configuration in corsguard terms, with all of its options."""
        never = [text for text, _ in config.never]
        if config.wildcard is not None:
            intent = F.Intent(public=config.credentials is False)
        else:
            intent = F.intent_from(
                exact=[o for o, _ in config.exact],
                regexes=[p for p, _, _ in config.regexes] + never,
                accepted=config.accepted,
            )
        return F.Fix(
            intent,
            config.credentials,
            methods=config.methods,
            headers=config.headers,
            expose=config.expose,
            max_age=config.max_age,
        )

    def _fix_text(self, config: _Config) -> str:
        return config.fix_text if config.fix_text is not None else F.render(self._fix(config))

    def _judge_config(self, config: _Config) -> None:
        lib = config.library
        creds = config.credentials
        for text, node in config.never:
            self._add(
                node,
                "origin-never-matches",
                Severity.LOW,
                f"{lib} compares origins as plain strings, so {text!r} (a regular expression "
                "or pattern) matches no origin and the front end it names is refused",
                self._fix_text(config),
            )
        if config.wildcard is not None:
            if creds is not False:
                fix = self._fix_text(config)
                self._add(
                    config.wildcard,
                    "wildcard-with-credentials",
                    # The library reflects the origin with credentials: the read succeeds.
                    J.severity_of("wildcard-with-credentials", True),
                    f"{lib}: {config.wildcard_text} with credentials answers every origin with "
                    "its own name and Access-Control-Allow-Credentials: true, so any site can "
                    "read responses with the user's cookies",
                    fix,
                )
            else:
                self._add(
                    config.wildcard,
                    "wildcard-origin",
                    J.severity_of("wildcard-origin", False),
                    f"{lib}: {config.wildcard_text} lets any site read responses "
                    "(without credentials); fine for public, read-only data",
                    self._fix_text(config),
                )
            if config.private_network:
                self._add(
                    config.wildcard,
                    "private-network-allowed",
                    J.severity_of("private-network-allowed", creds),
                    f"{lib}: allow_private_network=True with every origin allowed lets any "
                    "public site reach this private-network service through a visitor's browser",
                    self._fix_text(config),
                )
            return
        matchers = {
            (pattern, flags): self._regex_matcher(config, pattern, flags, node)
            for pattern, flags, node in config.regexes
        }
        for (pattern, _flags), matcher in matchers.items():
            if matcher is not None and regex_to_patterns(pattern) is None:
                config.accepted.extend(_stand_ins(pattern, matcher))
        fix = self._fix_text(config)
        for origin, node in config.exact:
            for kind in J.classify_trusted(origin.lower().rstrip("/")):
                self._add(
                    node,
                    kind,
                    J.severity_of(kind, creds),
                    f"{lib} trusts {origin!r}: {KINDS[kind].title}",
                    fix,
                )
        for text, node in config.substrings:
            verdicts = J.judge(lambda o, t=text: o in t, J.samples_from_literal(text))  # type: ignore[misc]
            for verdict in verdicts or []:
                self._add(
                    node,
                    verdict.id,
                    J.severity_of(verdict.id, creds, weak=verdict.weak),
                    f"{lib}: allow_origins is the string {text!r}, so the library tests "
                    f"`origin in {text!r}` and accepts {verdict.example}: "
                    f"{KINDS[verdict.id].title}",
                    F.render(F.Fix(F.intent_from(exact=J.samples_from_literal(text)), creds)),
                )
        exact_samples = [o.lower() for o, _ in config.exact if "://" in o]
        for pattern, flags, node in config.regexes:
            how = (
                "fullmatch"
                if config.regex_mode == "fullmatch"
                else "re.match, anchored at the start only"
            )
            self._add(
                node,
                "regex-origin",
                J.severity_of("regex-origin", creds),
                f"{lib} matches origins with the regular expression {pattern!r} ({how})",
                fix,
            )
            matcher = matchers[(pattern, flags)]
            if matcher is None:
                continue
            verdicts = J.judge(
                lambda o, m=matcher: len(o) <= MAX_SUBJECT and m(o),  # type: ignore[misc]
                regex_samples(pattern) + platform_samples(pattern) + exact_samples,
            )
            for verdict in verdicts or []:
                self._add(
                    node,
                    verdict.id,
                    J.severity_of(verdict.id, creds, weak=verdict.weak),
                    f"{lib} regex {pattern!r} accepts {verdict.example}: {KINDS[verdict.id].title}",
                    fix,
                )

    def _regex_matcher(
        self, config: _Config, pattern: str, flags: int, node: ast.AST
    ) -> Callable[[str], bool] | None:
        """How the library tests an origin against this regex; None (with a note) when it
        cannot be judged."""
        risk = regex_risk(pattern, flags)
        if risk is not None:
            # Too risky to run with re (see corsguard.lint.regex_safety): judged with the
            # linear-time engine instead; when it cannot read the regex either, the
            # regex-origin finding stands, the probes are skipped, and a note says so.
            safe = compile_safe(pattern, flags)
            if safe is None:
                self.ev.note(node, f"regex not evaluated: {risk}")
                return None
            return safe.fullmatch if config.regex_mode == "fullmatch" else safe.match
        try:
            compiled = re.compile(pattern, flags)
        except (re.error, RecursionError, OverflowError):
            return None
        test = compiled.fullmatch if config.regex_mode == "fullmatch" else compiled.match
        return lambda origin: len(origin) <= MAX_SUBJECT and test(origin) is not None

    def _judge_conflicts(self) -> None:
        """Issue #10: corsguard owns Access-Control-* where it is installed. Another CORS
        library on the same app (a half-finished migration) answers requests corsguard
        refuses or never sees when it is the outer layer, and adds headers corsguard then has
        to strip when it is the inner one; corsguard cannot see an outer middleware at run
        time, so only the source can tell."""
        if not self.guards:
            return
        guards = sorted(self.guards, key=lambda g: _position(g.node))
        wraps = {id(i.node): i for i in (*guards, *self.others) if i.how == "wrap"}
        for other in self.others:
            exact = [g for g in guards if g.target is not None and g.target == other.target]
            if not exact and other.how == "wrap":
                # A hand-wrapped ASGI app: CORS(Guard(api)), or guarded = Guard(api) then
                # CORS(guarded). Both wrap the same app, whatever the names in between.
                app = self._wrapped_app(other, wraps)
                exact = [
                    g for g in guards if g.how == "wrap" and self._wrapped_app(g, wraps) == app
                ]
            loose = [g for g in guards if g.target is None or other.target is None]
            if not exact and not loose:
                continue
            # The guard on the same app, else the nearest one whose app is not written.
            guard = (exact or sorted(loose, key=lambda g: _distance(g.node, other.node)))[0]
            outer = _outermost(other, guard)
            config = self._config_at(other.node)
            creds = config.credentials if config is not None else None
            if config is None and other.library.startswith("django-cors-headers"):
                django = [c for c in self.configs if c.library == "django-cors-headers"]
                config = django[0] if django else None
                creds = config.credentials if config is not None else False
            every_origin = config is not None and config.wildcard is not None
            dangerous = outer is True or creds is not False or every_origin
            guard_line = getattr(guard.node, "lineno", 1)
            guard_name = guard.library.rsplit(".", 1)[-1]
            if outer is True:
                why = (
                    "it is the outer layer, so it answers CORS requests and preflights "
                    "before corsguard sees them"
                )
            elif other.how == "app":
                why = "a leftover app entry (its middleware would answer before corsguard)"
            elif outer is False:
                why = "corsguard is the outer layer and replaces its headers, a leftover"
            else:
                why = "which of the two answers depends on the order they run in"
            if outer is not True and (creds is not False or every_origin):
                why += (
                    "; it "
                    + ("allows credentials" if creds is not False else "allows every origin")
                    + " wherever it is the one that answers"
                )
            if config is not None:
                fix = self._fix_text(config)
            else:
                fix = F.render(F.Fix(F.Intent(), False))
            leftover = f"remove the leftover {other.library}: corsguard owns Access-Control-*"
            fix += ("; " if "  # " in fix else "  # ") + leftover
            self._add(
                other.node,
                "cors-library-conflict",
                C.severity_of("cors-library-conflict", C.Context(creds, exposed=dangerous)),
                f"{other.library} is installed beside corsguard's {guard_name} "
                f"(line {guard_line}): {why}",
                fix,
            )

    def _wrapped_app(self, install: _Install, wraps: dict[int, _Install]) -> str | None:
        """The innermost app a wrapper's first argument leads to, through nested wrapper
        calls and names bound once; None when it cannot be followed."""
        node = install.node
        for _ in range(16):  # a bound on chains of names; real ones are a few long
            if not isinstance(node, ast.Call) or not node.args:
                return None
            arg = node.args[0]
            while isinstance(arg, ast.Name):
                bound = self._bindings.get(arg.id, [])
                if len(bound) != 1 or bound[0] is arg:
                    break  # rebound (app = Wrap(app)) or never bound here: the name itself
                if isinstance(bound[0], ast.Call) and id(bound[0]) not in wraps:
                    break  # api = FastAPI(): the app
                if isinstance(bound[0], ast.Call):
                    arg = bound[0]
                    break
                arg = bound[0]
            if isinstance(arg, ast.Call) and id(arg) in wraps:
                node = arg
                continue
            return dotted(arg)
        return None

    def _config_at(self, node: ast.AST) -> _Config | None:
        for config in self.configs:
            if config.anchor is node or _within(config.anchor, node):
                return config
        return None

    def _judge_handwritten(self) -> None:
        if not self.acao:
            return
        # Credentials set in the same function on the same path (no condition of their own)
        # go with this response; set elsewhere in the file or under another condition they
        # may (Flask's after_request hooks all run): "could be", None.
        anywhere = False
        credential_sets: list[tuple[ast.AST, Scope | None, bool | None]] = []
        for acac_anchor, value_node, scope in self.acac:
            value = self.ev.eval(value_node, scope)
            flag: bool | None = False
            if value is UNKNOWN:
                flag = None
            elif value is True or (isinstance(value, str) and value.strip().lower() == "true"):
                flag = True
            if flag is not False:
                anywhere = True
                credential_sets.append((acac_anchor, scope, flag))
        for anchor, value_node, scope in self.acao:
            creds: bool | None = None if anywhere else False
            for acac_anchor, acac_scope, flag in credential_sets:
                if acac_scope is scope and scope is not None:
                    conditions = _conditions(acac_anchor, scope)
                    if flag and conditions <= _conditions(anchor, scope):
                        creds = True
            self._judge_acao(anchor, value_node, scope, creds)

    def _judge_acao(
        self, anchor: ast.AST, value_node: ast.expr, scope: Scope | None, creds: bool | None
    ) -> None:
        paths = self._origin_paths(value_node, scope, anchor, 0)
        if not paths:
            value = self.ev.eval(value_node, scope)
            if not isinstance(value, str):
                return
            value = value.strip()
            operator = self._operator_wildcard(anchor, scope) if value == "*" else None
            if operator is not None:
                self._add(
                    anchor,
                    "wildcard-origin",
                    Severity.LOW,
                    "Access-Control-Allow-Origin: * is sent only when the configuration "
                    f"({operator}) is '*' at run time: the operator's choice, not this code's "
                    "mistake; check the deployed configuration",
                    F.render(F.Fix(F.Intent(public=True), False)),
                )
                return
            if value == "*":
                if creds:
                    self._add(
                        anchor,
                        "wildcard-with-credentials",
                        # Written by hand, '*' reaches the browser, which refuses it with
                        # credentials (Fetch, "CORS check"): no credentialed read.
                        J.severity_of("wildcard-with-credentials", False),
                        "Access-Control-Allow-Origin: * together with "
                        "Access-Control-Allow-Credentials: true: browsers refuse the "
                        "combination, and the usual 'fix' of echoing the origin trusts everyone",
                        F.render(F.Fix(F.Intent(), True)),
                    )
                else:
                    self._add(
                        anchor,
                        "wildcard-origin",
                        J.severity_of("wildcard-origin", False),
                        "Access-Control-Allow-Origin: * lets any site read responses (without "
                        "credentials); fine for public, read-only data",
                        F.render(F.Fix(F.Intent(public=True), False)),
                    )
                return
            for kind in J.classify_trusted(value.lower()):
                self._add(
                    anchor,
                    kind,
                    J.severity_of(kind, creds),
                    f"Access-Control-Allow-Origin is set to {value!r}: {KINDS[kind].title}",
                    F.render(F.Fix(F.intent_from(exact=[value]), creds)),
                )
            return
        if scope is None:
            guards: list[tuple[list[tuple[ast.expr, bool]], list[tuple[str, ast.expr]]]] = [
                (list(tests), []) for _contexts, tests in paths
            ]
        else:
            guards = []
            for contexts, tests in paths:
                all_tests = list(tests)
                loops: list[tuple[str, ast.expr]] = []
                for ctx in [anchor, *contexts]:
                    more_tests, more_loops = _guards(ctx, scope)
                    all_tests.extend(more_tests)
                    loops.extend(more_loops)
                guards.append((all_tests, loops))
        ev = self.ev
        first_check: list[ast.expr] = []

        def accepts(origin: str) -> bool | None:
            result: bool | None = False
            for tests, loops in guards:
                pools: list[tuple[object, ...]] = []
                for _name, iter_node in loops:
                    pool = ev.eval(iter_node, scope)
                    pools.append(pool if isinstance(pool, tuple) and pool else (UNKNOWN,))
                for combo in combinations(pools):
                    bindings: dict[str, object] = {ORIGIN_KEY: origin}
                    bindings.update({name: v for (name, _), v in zip(loops, combo, strict=False)})
                    verdict: bool | None = True
                    seen: set[int] = set()
                    for test, polarity in tests:
                        if id(test) in seen:
                            continue
                        seen.add(id(test))
                        ev.touched = 0
                        t = truth(ev.eval(test, scope, bindings))
                        if ev.touched == 0 and not self._mentions_origin(test, scope):
                            continue  # a condition that does not look at the origin
                        if not first_check:
                            first_check.append(test)
                        if t is None:
                            verdict = None
                        elif t is not polarity:
                            verdict = False
                            break
                    if verdict is True:
                        return True
                    if verdict is None:
                        result = None
            return result

        ev.seen_strings = []
        ev.seen_regexes = []
        arbitrary = accepts(ARBITRARY_ORIGIN)
        strings = list(ev.seen_strings)
        regexes = list(ev.seen_regexes)
        where: ast.AST = first_check[0] if first_check else anchor
        if arbitrary is None:
            return
        samples: list[str] = []
        exact: list[str] = []
        suffixes: list[str] = []
        patterns = {p for p, _ in regexes}
        for text in strings:
            if text in patterns or len(text) > 200 or text.lower() in _HEADER_WORDS:
                continue
            found = J.samples_from_literal(text)
            samples.extend(found)
            if "://" in text:
                exact.extend(found)
            else:
                suffixes.extend(p for p in re.split(r"[,\s]+", text) if "." in p)
        for pattern, _node in regexes:
            samples.extend(regex_samples(pattern))
        intent = F.intent_from(exact=exact, regexes=[p for p, _ in regexes], suffixes=suffixes)
        fix = F.render(F.Fix(intent, creds))
        for pattern, node in dict((p, n) for p, n in regexes).items():
            self._add(
                node,
                "regex-origin",
                J.severity_of("regex-origin", creds),
                f"the origin is checked with the regular expression {pattern!r}",
                fix,
            )
        if arbitrary:
            self._add(
                where,
                "origin-reflected",
                J.severity_of("origin-reflected", creds),
                "the request's Origin is copied into Access-Control-Allow-Origin"
                + (" after a check that every origin passes" if first_check else "")
                + (" with Access-Control-Allow-Credentials: true" if creds else "")
                + ": every site is trusted",
                fix,
            )
            return
        self.ev.seen_strings = []
        verdicts = J.judge(accepts, samples)
        for verdict in verdicts or []:
            self._add(
                where,
                verdict.id,
                J.severity_of(verdict.id, creds, weak=verdict.weak),
                f"the origin check accepts {verdict.example}: {KINDS[verdict.id].title}",
                fix,
            )

    def _operator_wildcard(self, anchor: ast.AST, scope: Scope | None) -> str | None:
        """The run-time setting that decides a literal '*' (``if self.allow_origins == "*":``,
        ``if "*" in settings.origins:``), when the value is not known statically."""
        if scope is None:
            return None
        tests, _loops = _guards(anchor, scope)
        for test, polarity in tests:
            if not polarity:
                continue
            parts = test.values if isinstance(test, ast.BoolOp) else [test]
            for part in parts:
                if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
                    continue
                left, right = part.left, part.comparators[0]
                op = part.ops[0]
                if isinstance(op, ast.Eq) and _is_star(right):
                    other = left
                elif (isinstance(op, ast.Eq) and _is_star(left)) or (
                    isinstance(op, ast.In) and _is_star(left)
                ):
                    other = right
                else:
                    continue
                if self.ev.eval(other, scope) is UNKNOWN and not self._mentions_origin(
                    other, scope
                ):
                    return ast.unparse(other)[:80]
        return None

    def _mentions_origin(self, test: ast.expr, scope: Scope | None) -> bool:
        """Does a condition pass the request's origin to something (even an unknown call)?"""
        key = id(test)
        cached = self._mentions.get(key)
        if cached is None:
            cached = any(
                self.ev.eval(node, scope) is ORIGIN
                for node in ast.walk(test)
                if isinstance(node, (ast.Name, ast.Call, ast.Subscript))
            )
            self._mentions[key] = cached
        return cached

    def _origin_paths(
        self, node: ast.expr, scope: Scope | None, at: ast.AST, depth: int
    ) -> list[tuple[list[ast.AST], list[tuple[ast.expr, bool]]]]:
        """Ways in which ``node`` can be the request's origin: (assignments, extra tests)."""
        if depth > 8:
            return []
        if isinstance(node, ast.IfExp):
            out = []
            for branch, polarity in ((node.body, True), (node.orelse, False)):
                for contexts, tests in self._origin_paths(branch, scope, at, depth + 1):
                    out.append((contexts, [(node.test, polarity), *tests]))
            return out
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            out = []
            for value in node.values:
                out.extend(self._origin_paths(value, scope, at, depth + 1))
            return out
        if isinstance(node, ast.Name) and scope is not None:
            entry = scope.lookup(node.id, at)
            if entry is not None and entry.kind == "value" and entry.expr is not None:
                return [
                    ([entry.stmt, *contexts], tests)
                    for contexts, tests in self._origin_paths(
                        entry.expr, scope, entry.stmt, depth + 1
                    )
                ]
            if entry is not None:
                return []
        if self.ev.eval(node, scope) is ORIGIN:
            return [([], [])]
        return []


def _guards(
    node: ast.AST, scope: Scope
) -> tuple[list[tuple[ast.expr, bool]], list[tuple[str, ast.expr]]]:
    """Conditions that hold when ``node`` runs inside its function, and enclosing loops."""
    tests: list[tuple[ast.expr, bool]] = []
    loops: list[tuple[str, ast.expr]] = []
    child: ast.AST = node
    parent = scope.parent_of(child)
    while parent is not None and child is not scope.node:
        if isinstance(parent, (ast.If, ast.While)) and child is not parent.test:
            if any(child is s for s in parent.body):
                tests.append((parent.test, True))
            elif isinstance(parent, ast.If):
                tests.append((parent.test, False))
        elif isinstance(parent, ast.IfExp) and child is not parent.test:
            tests.append((parent.test, child is parent.body))
        elif (
            isinstance(parent, (ast.For, ast.AsyncFor))
            and isinstance(parent.target, ast.Name)
            and any(child is s for s in parent.body)
        ):
            loops.append((parent.target.id, parent.iter))
        for block_name in ("body", "orelse", "finalbody"):
            block = getattr(parent, block_name, None)
            if not isinstance(block, list):
                continue
            for index, stmt in enumerate(block):
                if stmt is child:
                    for before in block[:index]:
                        if isinstance(before, ast.If) and not before.orelse and _exits(before.body):
                            tests.append((before.test, False))
                        elif isinstance(before, ast.Assert):
                            tests.append((before.test, True))
                    break
        child = parent
        parent = scope.parent_of(parent)
    return tests, loops


def _conditions(node: ast.AST, scope: Scope) -> set[int]:
    """The conditional statements (if/while/for/try/match) that enclose ``node``."""
    out: set[int] = set()
    parent = scope.parent_of(node)
    while parent is not None and parent is not scope.node:
        if isinstance(parent, (ast.If, ast.IfExp, ast.While, ast.For, ast.AsyncFor, ast.Try)):
            out.add(id(parent))
        parent = scope.parent_of(parent)
    return out


def _exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _settings_parts(body: list[ast.stmt]) -> dict[str, list[tuple[ast.expr, ast.AST]]]:
    """Each upper-case setting's assignments and list edits, in order: ``X = [...]``,
    ``X: list[str] = [...]``, ``X += [...]``, ``X = X + [...]``, ``X.append(v)``,
    ``X.extend(vs)``, ``X.insert(i, v)`` -> the expressions whose items make up the setting."""
    out: dict[str, list[tuple[ast.expr, ast.AST]]] = {}
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    value = stmt.value
                    # `X = X + [...]` is `X += [...]` written out (Unstract's dev settings add
                    # to the list a star import brought): only the right-hand side is new.
                    if (
                        isinstance(value, ast.BinOp)
                        and isinstance(value.op, (ast.Add, ast.BitOr))
                        and isinstance(value.left, ast.Name)
                        and value.left.id == target.id
                    ):
                        value = value.right
                    out.setdefault(target.id, []).append((value, stmt))
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.value is not None
            and stmt.target.id.isupper()
        ):
            out.setdefault(stmt.target.id, []).append((stmt.value, stmt))
        else:
            edit = list_edit(stmt)
            if edit is not None and edit[0].isupper() and isinstance(edit[1], ast.BinOp):
                out.setdefault(edit[0], []).append((edit[1].right, stmt))
    return out


def _stand_ins(pattern: str, matcher: Callable[[str], bool]) -> list[str]:
    """Origins and patterns that stand in for a regex no corsguard pattern says exactly: the
    project's own deployments the regex names (platform_samples), and its domain and every
    subdomain of it, each kept only when the regex itself accepts it (so the fix never trusts
    what the regex refused)."""
    out = [s for s in platform_samples(pattern) if s.startswith("https:") and matcher(s)]
    for domain in regex_domains(pattern):
        if third_party_platform(domain) or is_loopback(domain) or "." not in domain:
            continue
        if matcher(f"https://{domain}"):
            out.append(f"https://{domain}")
        deep = f"https://corsguarda.corsguardb.{domain}"
        if matcher(f"https://corsguarda.{domain}") and matcher(deep):
            out.append(f"https://*.{domain}")
    return list(dict.fromkeys(out))


def _is_star(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == "*"


def _string_items(value: object) -> tuple[str, ...] | None:
    """aiohttp-cors options: "*" or a collection of strings (None when not known)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return value
    return None


def _constant(value: object, where: ast.AST) -> ast.expr:
    """An already evaluated value as an expression (``**OPTIONS`` spread, cross-module)."""
    return ast.Constant(
        value,  # type: ignore[arg-type]  # the evaluator reads any value back as is
        lineno=getattr(where, "lineno", 1),
        col_offset=getattr(where, "col_offset", 0),
    )


def _within(node: ast.AST, anchor: ast.AST) -> bool:
    """Is ``node`` written inside ``anchor`` (so that it is the better place to point at)?"""
    start = getattr(anchor, "lineno", None)
    end = getattr(anchor, "end_lineno", None)
    line = getattr(node, "lineno", None)
    if start is None or end is None or line is None:
        return False
    return bool(start <= line <= end)


# The corsguard.Policy options that decide its findings (see Policy.findings).
_POLICY_OPTIONS = frozenset(
    {
        "allow_origins",
        "allow_methods",
        "allow_headers",
        "allow_credentials",
        "allow_private_network",
        "tolerate_insecure_origins",
        "tolerate_public_suffix_wildcards",
    }
)


def _encloses(outer: ast.AST, inner: ast.AST) -> bool:
    """Is ``inner`` one of the arguments of the call ``outer``, at any depth?"""
    if not isinstance(outer, ast.Call):
        return False
    return any(node is inner for arg in outer.args for node in ast.walk(arg))


def _target(args: list[ast.expr]) -> str | None:
    """The app a library is installed on: ``CORS(app)``, ``CORSMiddleware(app.wsgi_app)``."""
    if not args:
        return None
    name = dotted(args[0])
    if name is not None and name.endswith(".wsgi_app"):
        name = name[: -len(".wsgi_app")]
    return name


def _distance(a: ast.AST, b: ast.AST) -> int:
    return abs(int(getattr(a, "lineno", 0)) - int(getattr(b, "lineno", 0)))


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _outermost(other: _Install, guard: _Install) -> bool | None:
    """Is ``other`` outside corsguard (answers first, or has the last word on headers)?"""
    later = _position(other.node) > _position(guard.node)
    if other.how in ("app", "view"):
        return False
    if guard.how == other.how == "wrap" and _encloses(other.node, guard.node):
        return True  # CORS(Guard(api)): written around it
    if guard.how == other.how == "wrap" and _encloses(guard.node, other.node):
        return False  # Guard(CORS(api))
    if guard.how == "wrap" or other.how == "wrap":
        # A wrapper wraps whatever was built before it: the later of two wrappers is outside.
        return later if guard.how == other.how else other.how == "wrap"
    if other.how == guard.how == "add":
        return later  # Starlette: add_middleware inserts at the front of the stack
    if other.how == guard.how == "list":
        return not later  # the first listed is outermost
    if {other.how, guard.how} == {"add", "list"}:
        return other.how == "add"  # added middleware wraps the middleware=[...] list
    if other.how == guard.how == "hook":
        # Flask runs after_request functions in reverse order of registration, so flask-cors
        # installed first would run last; but CORSGuard applies its decision in a WSGI layer
        # around app.wsgi_app (corsguard.flask._FinalCORSHeaders), after every hook and
        # error handler, so in either order corsguard has the final word.
        return False
    return None


def _kwarg(call: ast.Call, name: str, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def ignored_ids(line: str) -> frozenset[str]:
    """Ids silenced by a ``# corsguard: ignore[id1,id2]`` comment on this line."""
    match = _IGNORE_RE.search(line)
    if not match:
        return frozenset()
    return frozenset(part.strip() for part in match.group(1).split(",") if part.strip())


_ = ScopeNode  # re-exported type for callers
