"""JavaScript and TypeScript: the npm cors, @fastify/cors, @koa/cors and cors-anywhere packages,
and hand-written Access-Control-Allow-Origin headers on Express/Node/Koa/Fastify responses.

Read with tree-sitter (nothing is run). Library semantics, read from each package's source:

- npm ``cors`` 2.8.5 (lib/index.js): defaults ``origin: '*'``, methods
  ``GET,HEAD,PUT,PATCH,POST,DELETE``, ``preflightContinue: false``; without ``allowedHeaders``
  the preflight echoes Access-Control-Request-Headers. ``origin`` falsy disables CORS; ``'*'``
  sends ``*``; another string is sent as it is (the browser compares it); ``true``, a RegExp,
  an array or a function's answer go through ``isOriginAllowed``: arrays element by element,
  strings with ``===``, RegExps with ``regex.test(origin)`` (unanchored unless the pattern
  says ``^...$``), anything else by truthiness — and the request's Origin is echoed.
  An ``origin`` function's callback value is used as ``origin`` again (``true`` echoes, the
  origin string echoes). ``credentials: true`` adds Access-Control-Allow-Credentials.
- ``@fastify/cors`` 9.x (index.js): same option names; ``'*'`` (the default) sends ``*``, a
  string is sent as it is, ``true`` echoes, RegExps are tested with ``.test`` after resetting
  ``lastIndex``, arrays element by element.
- ``@koa/cors`` (index.js): ``origin`` is a string or a function of ``ctx`` whose return value
  is sent. Before 5.0 the default echoes the request's Origin; 5.x sends ``*`` by default and
  echoes the Origin when ``credentials`` is true.
- ``cors-anywhere`` 0.4 (lib/cors-anywhere.js): ``createServer`` proxies any URL; only a non-empty
  ``originWhitelist`` (exact ``indexOf``) limits which sites may use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Node, Parser

from corsguard.findings import Context, severity_of
from corsguard.lint.analyzer import RawFinding
from corsguard.lint.stacks.common import (
    UNKNOWN_MATCHER,
    Grant,
    Regex,
    compile_regex,
    judge_grant,
    not_run,
    samples_of,
)
from corsguard.lint.stacks.syntax_tree import node_text as _text
from corsguard.lint.stacks.syntax_tree import walk as _walk

Loader = Callable[[str, str], "tuple[str, str] | None"]  # (importing path, spec) -> (path, text)

EXTENSIONS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")
ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
VARY = "vary"
# Response methods that set one header from (name, value): Node res.setHeader, Express
# res.header/res.set/res.append, Fastify reply.header, Koa ctx.set/ctx.append, fetch Headers.
_SETTERS = frozenset({"setHeader", "header", "set", "append", "appendHeader"})
_ORIGIN_GETTERS = frozenset({"get", "header", "getHeader", "get_header"})
_LIBRARIES = {
    "cors": "npm cors",
    "@fastify/cors": "@fastify/cors",
    "fastify-cors": "@fastify/cors",
    "@koa/cors": "@koa/cors",
    "koa2-cors": "@koa/cors",
    "kcors": "@koa/cors",
    "cors-anywhere": "cors-anywhere",
    # engine.io hands its `cors` option to the npm cors package (engine.io server.ts).
    "socket.io": "socket.io",
}
_MAX_DEPTH = 3  # import hops followed


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


class _Origin:
    def __repr__(self) -> str:
        return "ORIGIN"


ORIGIN: Any = _Origin()


@dataclass(frozen=True)
class JSRegex:
    pattern: str
    flags: str
    line: int
    col: int
    path: str = ""  # the file it is written in (an imported module's regex is reported at the call)

    def matcher(self) -> Callable[[str], bool] | None:
        flags = re.IGNORECASE if "i" in self.flags else 0
        compiled = compile_regex(_to_python_regex(self.pattern), flags)
        if compiled is None:
            return None
        return lambda origin: compiled.search(origin) is not None


@dataclass(frozen=True)
class Func:
    node: Node
    module: JSModule


@dataclass(frozen=True)
class Lazy:
    """An object property not evaluated yet, with the module its expression belongs to."""

    node: Node
    module: JSModule

    def value(self) -> Any:
        return self.module.eval(self.node)


def _to_python_regex(pattern: str) -> str:
    # JavaScript named groups are (?<name>...); Python spells them (?P<name>...).
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)


_PARSERS: dict[str, Parser] = {}


def _parser(path: str) -> Parser:
    if path.endswith(".tsx"):
        key = "tsx"
    elif path.endswith((".ts", ".mts", ".cts")):
        key = "ts"
    else:
        key = "js"
    if key not in _PARSERS:
        if key == "tsx":
            language = Language(tree_sitter_typescript.language_tsx())
        elif key == "ts":
            language = Language(tree_sitter_typescript.language_typescript())
        else:
            language = Language(tree_sitter_javascript.language())
        _PARSERS[key] = Parser(language)
    return _PARSERS[key]


def _unwrap(node: Node | None) -> Node | None:
    """Strip parentheses and TypeScript-only wrappers (x as T, x!, x satisfies T, <T>x)."""
    while node is not None and node.type in (
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
        "await_expression",
    ):
        inner = [c for c in node.named_children if c.type not in ("type_annotation",)]
        node = inner[0] if inner else None
    return node


def _string(node: Node | None) -> str | None:
    node = _unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return _unescape(node)
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return _text(node)[1:-1]
    return None


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _js_escape(sequence: str) -> str:
    """The character a JavaScript string escape stands for (ECMA-262 String Literals): the
    named escapes, \\xHH, \\uHHHH, \\u{H...}, a line continuation, and otherwise the character
    itself (so "\\." is "." — a regex built from that string has an unescaped dot)."""
    body = sequence[1:]
    if not body:
        return ""
    if body[0] in _SIMPLE_ESCAPES and (body[0] != "0" or len(body) == 1):
        return _SIMPLE_ESCAPES[body[0]]
    try:
        if body[0] == "x" and len(body) == 3:
            return chr(int(body[1:], 16))
        if body[0] == "u":
            digits = body[2:-1] if body.startswith("u{") else body[1:]
            return chr(int(digits, 16))
    except (ValueError, OverflowError):
        return body
    if body[0] in "\r\n\u2028\u2029":
        return ""  # a line continuation
    return body


def _unescape(node: Node) -> str:
    out = []
    for child in node.named_children:
        text = _text(child)
        out.append(_js_escape(text) if child.type == "escape_sequence" else text)
    return "".join(out)


def _args(call: Node) -> list[Node]:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [c for c in arguments.named_children if c.type != "comment"]


def _position(node: Node, lines: list[bytes]) -> tuple[int, int]:
    row, byte_col = node.start_point
    line = lines[row] if row < len(lines) else b""
    return row + 1, len(line[:byte_col].decode("utf-8", "replace")) + 1


class JSModule:
    """One parsed file, with the values the linter can follow inside it and across imports."""

    def __init__(
        self,
        text: str,
        path: str,
        loader: Loader | None,
        depth: int = 0,
        cache: dict[str, JSModule | None] | None = None,
    ) -> None:
        self.path = path
        self.source = text.encode("utf-8", "surrogatepass")
        self.lines = self.source.split(b"\n")
        self.tree = _parser(path).parse(self.source)
        self.root = self.tree.root_node
        self.loader = loader
        self.depth = depth
        self.cache = cache if cache is not None else {}
        self.decls: dict[str, list[Node]] = {}
        self.functions: dict[str, list[Node]] = {}
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (spec, exported name)
        self.exports: dict[str, Node] = {}
        self.cjs_exports: Node | None = None  # `module.exports = ...` (what require returns)
        # name -> (property, object) for `const { property } = object` (object not a require)
        self.destructured: dict[str, list[tuple[str, Node]]] = {}
        self._collect()

    # --- declarations, imports, exports ---------------------------------------------

    def _collect(self) -> None:
        for node in _walk(self.root):
            kind = node.type
            if kind == "variable_declarator":
                name = node.child_by_field_name("name")
                value = node.child_by_field_name("value")
                if name is None:
                    continue
                spec = self._require_spec(value)
                if name.type == "identifier":
                    if spec is not None:
                        self.imports[_text(name)] = (spec, "*")
                    elif value is not None:
                        self.decls.setdefault(_text(name), []).append(value)
                elif name.type == "object_pattern" and spec is None and value is not None:
                    # `const { origin } = req.headers`: a copy of the request's Origin.
                    for part in name.named_children:
                        if part.type == "shorthand_property_identifier_pattern":
                            self.destructured.setdefault(_text(part), []).append(
                                (_text(part), value)
                            )
                elif name.type == "object_pattern" and spec is not None:
                    for part in name.named_children:
                        if part.type == "shorthand_property_identifier_pattern":
                            self.imports[_text(part)] = (spec, _text(part))
                        elif part.type == "pair_pattern":
                            key = part.child_by_field_name("key")
                            local = part.child_by_field_name("value")
                            if key is not None and local is not None and local.type == "identifier":
                                self.imports[_text(local)] = (spec, _text(key))
            elif kind == "function_declaration":
                name = node.child_by_field_name("name")
                if name is not None:
                    self.functions.setdefault(_text(name), []).append(node)
            elif kind == "import_statement":
                self._import(node)
            elif kind == "export_statement":
                self._export(node)
            elif kind == "assignment_expression":
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                target = _text(left)
                if right is None:
                    continue
                if target == "module.exports":
                    self.cjs_exports = right
                    obj = _unwrap(right)
                    if obj is not None and obj.type == "object":
                        for export_name, export_value in self._pairs(obj):
                            self.exports[export_name] = export_value
                elif target.startswith(("module.exports.", "exports.")):
                    self.exports[target.rsplit(".", 1)[1]] = right

    def _require_spec(self, value: Node | None) -> str | None:
        value = _unwrap(value)
        if value is None or value.type != "call_expression":
            return None
        # `import('@fastify/cors')` too: fastify.register accepts the promise a dynamic import
        # returns (fastify docs, Plugins: "fastify.register(import('./plugin.mjs'))").
        if _text(value.child_by_field_name("function")) not in ("require", "import"):
            return None
        args = _args(value)
        return _string(args[0]) if args else None

    def _import(self, node: Node) -> None:
        source = node.child_by_field_name("source")
        spec = _string(source)
        if spec is None:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self.imports[_text(part)] = (spec, "default")
                elif part.type == "namespace_import":
                    for ident in part.named_children:
                        self.imports[_text(ident)] = (spec, "*")
                elif part.type == "named_imports":
                    for item in part.named_children:
                        if item.type != "import_specifier":
                            continue
                        name = item.child_by_field_name("name")
                        alias = item.child_by_field_name("alias") or name
                        self.imports[_text(alias)] = (spec, _text(name))

    def _export(self, node: Node) -> None:
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        if value is not None:
            self.exports["default"] = value
        if declaration is not None:
            for child in _walk(declaration):
                if child.type == "variable_declarator":
                    name = child.child_by_field_name("name")
                    init = child.child_by_field_name("value")
                    if name is not None and init is not None:
                        self.exports[_text(name)] = init
                elif child.type == "function_declaration":
                    name = child.child_by_field_name("name")
                    if name is not None:
                        self.exports[_text(name)] = child
        for clause in node.named_children:
            if clause.type == "export_clause":
                for item in clause.named_children:
                    name = item.child_by_field_name("name")
                    alias = item.child_by_field_name("alias") or name
                    if name is not None and _text(name) in self.decls:
                        self.exports[_text(alias)] = self.decls[_text(name)][-1]

    def _pairs(self, obj: Node) -> Iterator[tuple[str, Node]]:
        for child in obj.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = _string(key) if key.type == "string" else _text(key)
                if name is not None:
                    yield name, value
            elif child.type == "shorthand_property_identifier":
                yield _text(child), child
            elif child.type == "method_definition":
                method_name = child.child_by_field_name("name")
                if method_name is not None:
                    yield _text(method_name), child

    def module_for(self, spec: str) -> JSModule | None:
        """The project's own module behind a relative import (packages are not followed)."""
        if self.loader is None or self.depth >= _MAX_DEPTH or not spec.startswith("."):
            return None
        found = self.loader(self.path, spec)
        if found is None:
            return None
        path, text = found
        if path not in self.cache:
            self.cache[path] = None  # an import cycle stops here
            try:
                self.cache[path] = JSModule(text, path, self.loader, self.depth + 1, self.cache)
            except (ValueError, RecursionError):
                self.cache[path] = None
        return self.cache[path]

    def library_of(self, node: Node | None) -> str | None:
        """Which CORS package a callee names: a binding of require/import or require(...) itself."""
        node = _unwrap(node)
        if node is None:
            return None
        if node.type == "call_expression":
            spec = self._require_spec(node)
            return _LIBRARIES.get(spec or "")
        if node.type == "identifier":
            imported = self.imports.get(_text(node))
            if imported is not None:
                return _LIBRARIES.get(imported[0])
        if node.type == "member_expression":  # require('cors-anywhere').createServer
            obj = node.child_by_field_name("object")
            return self.library_of(obj)
        return None

    # --- values ------------------------------------------------------------------------

    def lookup(self, name: str, depth: int = 0) -> Any:
        """The value of a module-level name (one declaration only), local or imported."""
        if depth > 8:
            return UNKNOWN
        decls = self.decls.get(name, [])
        if len(decls) == 1:
            return self.eval(decls[0], depth + 1)
        if len(self.functions.get(name, [])) == 1:
            return Func(self.functions[name][0], self)
        if name in self.imports:
            spec, exported = self.imports[name]
            module = self.module_for(spec)
            if module is None:
                return UNKNOWN
            if exported in ("*", "default") and module.cjs_exports is not None:
                # CommonJS: require() (and a default import) return module.exports.
                return module.eval(module.cjs_exports, depth + 1)
            if exported == "*":
                # A namespace (or require of a module that never assigns module.exports,
                # which returns the empty object `{}` filled by `exports.x = ...`).
                return {k: Lazy(v, module) for k, v in module.exports.items()}
            if exported in module.exports:
                return module.eval(module.exports[exported], depth + 1)
            if module.cjs_exports is not None:  # const { a } = require("./m") of module.exports
                whole = module.eval(module.cjs_exports, depth + 1)
                if isinstance(whole, dict) and exported in whole:
                    value = whole[exported]
                    return value.value() if isinstance(value, Lazy) else value
            return UNKNOWN
        return UNKNOWN

    def eval(self, node: Node | None, depth: int = 0) -> Any:
        if isinstance(node, _Bound):  # an arrow function's parameter bound to a known value
            return node.value
        node = _unwrap(node)
        if node is None or depth > 12:
            return UNKNOWN
        kind = node.type
        text = _string(node)
        if text is not None:
            return text
        if kind == "true":
            return True
        if kind == "false":
            return False
        if kind in ("null", "undefined"):
            return None
        if kind == "unary_expression":
            op = _text(node.child_by_field_name("operator"))
            inner = self.eval(node.child_by_field_name("argument"), depth + 1)
            if op == "-" and isinstance(inner, float):
                return -inner
            if op == "!" and isinstance(inner, bool):
                return not inner
            return UNKNOWN
        if kind == "number":
            try:
                return float(_text(node))
            except ValueError:
                return UNKNOWN
        if kind == "regex":
            pattern = node.child_by_field_name("pattern")
            flags = node.child_by_field_name("flags")
            line, col = _position(node, self.lines)
            return JSRegex(_text(pattern), _text(flags), line, col, self.path)
        if kind == "array":
            out: list[Any] = []
            for child in node.named_children:
                if child.type == "comment":
                    continue
                if child.type == "spread_element":
                    inner = self.eval(child.named_children[0], depth + 1)
                    if not isinstance(inner, list):
                        return UNKNOWN
                    out.extend(inner)
                else:
                    out.append(self.eval(child, depth + 1))
            return out
        if kind == "object":
            return {k: Lazy(v, self) for k, v in self._pairs(node)}
        if kind == "identifier":
            return self.lookup(_text(node), depth)
        if kind in ("arrow_function", "function_expression", "function", "function_declaration"):
            return Func(node, self)
        if kind == "new_expression":
            ctor = _text(node.child_by_field_name("constructor"))
            args = _args(node)
            if ctor == "RegExp" and args:
                pattern = self.eval(args[0], depth + 1)
                regex_flags: Any = self.eval(args[1], depth + 1) if len(args) > 1 else ""
                if isinstance(pattern, str) and isinstance(regex_flags, str):
                    line, col = _position(node, self.lines)
                    return JSRegex(pattern, regex_flags, line, col, self.path)
            if ctor == "Set" and args:
                return self.eval(args[0], depth + 1)
            return UNKNOWN
        if kind == "binary_expression":
            op = _text(node.child_by_field_name("operator"))
            left = self.eval(node.child_by_field_name("left"), depth + 1)
            right = self.eval(node.child_by_field_name("right"), depth + 1)
            if op in ("||", "??"):
                # process.env.X || 'default': the default is what runs when X is unset.
                if left is UNKNOWN:
                    return right
                return left if (left if op == "||" else left is not None) else right
            if op == "+" and isinstance(left, str) and isinstance(right, str):
                return left + right
            return UNKNOWN
        if kind == "member_expression":
            obj = self.eval(node.child_by_field_name("object"), depth + 1)
            prop = _text(node.child_by_field_name("property"))
            if isinstance(obj, dict) and prop in obj:
                value = obj[prop]
                return value.value() if isinstance(value, Lazy) else value
            return UNKNOWN
        if kind == "call_expression":
            func = node.child_by_field_name("function")
            args = _args(node)
            if func is not None and func.type == "member_expression":
                method = _text(func.child_by_field_name("property"))
                target = self.eval(func.child_by_field_name("object"), depth + 1)
                if method == "split" and isinstance(target, str) and args:
                    sep = self.eval(args[0], depth + 1)
                    if isinstance(sep, str) and sep:
                        return [p.strip() for p in target.split(sep)]
                if method in ("map", "filter") and isinstance(target, list) and args:
                    return target if method == "filter" or _is_trim(args[0]) else UNKNOWN
                if method in ("concat",) and isinstance(target, list):
                    more = [self.eval(a, depth + 1) for a in args]
                    flat = list(target)
                    for item in more:
                        if isinstance(item, list):
                            flat.extend(item)
                        else:
                            flat.append(item)
                    return flat
            return UNKNOWN
        if kind == "template_string":
            parts = []
            for child in node.named_children:
                if child.type == "template_substitution":
                    value = self.eval(child.named_children[0], depth + 1)
                    if not isinstance(value, str):
                        return UNKNOWN
                    parts.append(value)
                else:
                    parts.append(_text(child))
            return "".join(parts)
        return UNKNOWN

    def option(self, options: dict[str, Any], name: str) -> Any:
        if name not in options:
            return None
        value = options[name]
        if isinstance(value, Lazy):
            return value.value()
        return self.eval(value) if isinstance(value, Node) else value

    def position(self, node: Node) -> tuple[int, int]:
        return _position(node, self.lines)


def _is_trim(node: Node) -> bool:
    return bool(re.fullmatch(r"\(?\s*(\w+)\s*\)?\s*=>\s*\1\.trim\(\)", _text(node)))


# --- the origin of the request, and checks on it ------------------------------------------


def _is_origin(node: Node | None, module: JSModule, names: frozenset[str], depth: int = 0) -> bool:
    """Is this expression the request's Origin header (or a copy of it)?"""
    node = _unwrap(node)
    if node is None or depth > 6:
        return False
    kind = node.type
    if kind == "identifier":
        name = _text(node)
        if name in names:
            return True
        decls = module.decls.get(name, [])
        if not decls and name in module.destructured:
            return all(
                key.lower() == "origin" and "header" in _text(source).lower()
                for key, source in module.destructured[name]
            )
        return bool(decls) and all(_is_origin(d, module, names, depth + 1) for d in decls)
    if kind == "member_expression":
        prop = _text(node.child_by_field_name("property"))
        obj = _text(node.child_by_field_name("object")).lower()
        return prop.lower() == "origin" and ("header" in obj)
    if kind == "subscript_expression":
        index = _string(node.child_by_field_name("index"))
        obj = _text(node.child_by_field_name("object")).lower()
        return index is not None and index.lower() == "origin" and "header" in obj
    if kind == "call_expression":
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is not None and func.type == "member_expression":
            method = _text(func.child_by_field_name("property"))
            if method in _ORIGIN_GETTERS and args:
                header = _string(args[0])
                return header is not None and header.lower() == "origin"
            if method in ("toLowerCase", "trim", "toString"):
                return _is_origin(func.child_by_field_name("object"), module, names, depth + 1)
        if func is not None and _text(func) == "String" and args:
            return _is_origin(args[0], module, names, depth + 1)
    if kind == "binary_expression" and _text(node.child_by_field_name("operator")) in ("||", "??"):
        return _is_origin(node.child_by_field_name("left"), module, names, depth + 1)
    return False


def _mentions_origin(node: Node, module: JSModule, names: frozenset[str]) -> bool:
    return any(_is_origin(n, module, names) for n in _walk(node))


class Checker:
    """Evaluates a condition on the request's Origin for one candidate origin (None: can't tell)."""

    def __init__(self, module: JSModule, names: frozenset[str]) -> None:
        self.module = module
        self.names = names
        self.literals: list[str] = []  # strings the check compares with (trusted samples)
        self.patterns: list[str] = []  # regexes the check runs (read for probes and the fix)

    def origin(self, node: Node | None) -> bool:
        return _is_origin(node, self.module, self.names)

    def value(self, node: Node | None) -> Any:
        value = self.module.eval(node)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                self.literals.append(item)
        return value

    def cond(self, node: Node | None, origin: str, depth: int = 0) -> bool | None:
        node = _unwrap(node)
        if node is None or depth > 20:
            return None
        if not _mentions_origin(node, self.module, self.names):
            return None  # a condition on something else: either way is possible
        kind = node.type
        if self.origin(node):
            return bool(origin)
        if kind == "unary_expression" and _text(node.child_by_field_name("operator")) == "!":
            inner = self.cond(node.child_by_field_name("argument"), origin, depth + 1)
            return None if inner is None else not inner
        if kind == "binary_expression":
            op = _text(node.child_by_field_name("operator"))
            left_node = node.child_by_field_name("left")
            right_node = node.child_by_field_name("right")
            if op in ("&&", "||"):
                left = self._side(left_node, origin, depth)
                right = self._side(right_node, origin, depth)
                if op == "&&":
                    if left is False or right is False:
                        return False
                    return True if left and right else None
                if left is True or right is True:
                    return True
                return False if left is False and right is False else None
            if op in ("===", "==", "!==", "!="):
                equal = self._equality(left_node, right_node, origin)
                if equal is None:
                    return None
                return equal if op in ("===", "==") else not equal
            if op in (">", ">=", "<", "<="):
                return self._index_compare(left_node, op, right_node, origin)
            return None
        if kind == "call_expression":
            return self._call(node, origin)
        return None

    def _side(self, node: Node | None, origin: str, depth: int) -> bool | None:
        node = _unwrap(node)
        if node is None:
            return None
        if not _mentions_origin(node, self.module, self.names):
            return None
        return self.cond(node, origin, depth + 1)

    def _equality(self, left: Node | None, right: Node | None, origin: str) -> bool | None:
        if self.origin(left):
            other = right
        elif self.origin(right):
            other = left
        else:
            index = self._index_of(left, origin)
            if index is not None:
                other_value = self.module.eval(right)
                return index == other_value if isinstance(other_value, float) else None
            index = self._index_of(right, origin)
            if index is not None:
                other_value = self.module.eval(left)
                return index == other_value if isinstance(other_value, float) else None
            return None
        value = self.value(other)
        if isinstance(value, str):
            return value == origin
        if value is None:
            return not origin
        return None

    def _index_of(self, node: Node | None, origin: str) -> float | None:
        node = _unwrap(node)
        if node is None or node.type != "call_expression":
            return None
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is None or func.type != "member_expression" or not args:
            return None
        method = _text(func.child_by_field_name("property"))
        target_node = func.child_by_field_name("object")
        if method == "indexOf":
            if self.origin(args[0]):
                target = self.value(target_node)
                if isinstance(target, list) and all(isinstance(t, str) for t in target):
                    return float(target.index(origin)) if origin in target else -1.0
                if isinstance(target, str):
                    return float(target.find(origin))
                return None
            if self.origin(target_node):
                needle = self.value(args[0])
                return float(origin.find(needle)) if isinstance(needle, str) else None
        if method == "search" and self.origin(target_node):
            regex = self.module.eval(args[0])
            if isinstance(regex, JSRegex):
                matcher = _finder(regex)
                return None if matcher is None else matcher(origin)
        return None

    def _index_compare(
        self, left: Node | None, op: str, right: Node | None, origin: str
    ) -> bool | None:
        index = self._index_of(left, origin)
        bound = self.module.eval(right)
        if index is None or not isinstance(bound, float):
            return None
        return {">": index > bound, ">=": index >= bound, "<": index < bound, "<=": index <= bound}[
            op
        ]

    def _call(self, node: Node, origin: str) -> bool | None:
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is None:
            return None
        if func.type != "member_expression":
            # A helper function of this module: `return <expr>` with the origin passed in.
            target = self.module.eval(func)
            if isinstance(target, Func):
                return self._helper(target, args, origin)
            return None
        method = _text(func.child_by_field_name("property"))
        target_node = func.child_by_field_name("object")
        if self.origin(target_node) and args:
            if method in ("endsWith", "startsWith", "includes"):
                needle = self.value(args[0])
                if not isinstance(needle, str):
                    return None
                if method == "endsWith":
                    return origin.endswith(needle)
                if method == "startsWith":
                    return origin.startswith(needle)
                return needle in origin
            if method == "match":
                regex = self.module.eval(args[0])
                if isinstance(regex, JSRegex):
                    self.patterns.append(regex.pattern)
                    matcher = regex.matcher()
                    return None if matcher is None else matcher(origin)
            return None
        if args and self.origin(args[0]):
            target = self.value(target_node)
            if method in ("includes", "has"):
                if isinstance(target, list) and all(isinstance(t, str) for t in target):
                    return origin in target
                if isinstance(target, dict):
                    return origin in target
                if isinstance(target, str):
                    return origin in target  # String.prototype.includes: a substring test
                return None
            if method == "test" and isinstance(target, JSRegex):
                self.patterns.append(target.pattern)
                matcher = target.matcher()
                return None if matcher is None else matcher(origin)
            return None
        if method in ("some", "find", "findIndex") and args:
            target = self.value(target_node)
            callback = _unwrap(args[0])
            if not isinstance(target, list) or callback is None:
                return None
            if callback.type != "arrow_function":
                return None
            param = _first_param(callback)
            body = callback.child_by_field_name("body")
            if param is None or body is None or body.type == "statement_block":
                return None
            results = []
            for item in target:
                results.append(self._with_binding(param, item, body, origin))
            if any(r is True for r in results):
                return True
            return False if all(r is False for r in results) else None
        return None

    def _with_binding(self, param: str, item: Any, body: Node, origin: str) -> bool | None:
        module = self.module
        saved = module.decls.get(param)
        fake = _Bound(item)
        module.decls[param] = [fake]  # type: ignore[list-item]
        try:
            return self.cond(body, origin, 1)
        finally:
            if saved is None:
                module.decls.pop(param, None)
            else:
                module.decls[param] = saved

    def _helper(self, func: Func, args: list[Node], origin: str) -> bool | None:
        params = _params(func.node)
        body = func.node.child_by_field_name("body")
        if body is None or not params:
            return None
        if body.type == "statement_block":
            statements = [c for c in body.named_children if c.type != "comment"]
            if len(statements) != 1 or statements[0].type != "return_statement":
                return None
            expr = statements[0].named_children[0] if statements[0].named_children else None
        else:
            expr = body
        origin_params = [p for p, a in zip(params, args, strict=False) if self.origin(a)]
        if not origin_params or expr is None or func.module is not self.module:
            return None
        inner = Checker(self.module, self.names | frozenset(origin_params))
        # Other arguments bind to their values while the helper's body is evaluated.
        saved: dict[str, list[Node] | None] = {}
        for param, arg in zip(params, args, strict=False):
            if param in origin_params:
                continue
            saved[param] = self.module.decls.get(param)
            self.module.decls[param] = [arg]
        try:
            result = inner.cond(expr, origin)
        finally:
            for param, previous in saved.items():
                if previous is None:
                    self.module.decls.pop(param, None)
                else:
                    self.module.decls[param] = previous
        self.literals.extend(inner.literals)
        self.patterns.extend(inner.patterns)
        return result


class _Bound:
    """A value standing in for a node while an arrow function's parameter is bound."""

    type = "corsguard_bound"
    named_children: list[Node] = []  # noqa: RUF012
    children: list[Node] = []  # noqa: RUF012
    text = b""
    start_point = (0, 0)

    def __init__(self, value: Any) -> None:
        self.value = value

    def child_by_field_name(self, name: str) -> None:
        return None


def _finder(regex: JSRegex) -> Callable[[str], float] | None:
    flags = re.IGNORECASE if "i" in regex.flags else 0
    compiled = compile_regex(_to_python_regex(regex.pattern), flags)
    if compiled is None:
        return None

    def find(origin: str) -> float:
        match = compiled.search(origin)
        return float(match.start()) if match else -1.0

    return find


def _params(func: Node) -> list[str]:
    params = func.child_by_field_name("parameters")
    single = func.child_by_field_name("parameter")
    if single is not None:
        return [_text(single)]
    if params is None:
        return []
    out = []
    for p in params.named_children:
        if p.type == "identifier":
            out.append(_text(p))
        elif p.type in ("required_parameter", "optional_parameter"):
            pattern = p.child_by_field_name("pattern")
            out.append(_text(pattern))
        elif p.type == "assignment_pattern":
            out.append(_text(p.child_by_field_name("left")))
        else:
            out.append("")
    return out


def _first_param(func: Node) -> str | None:
    params = _params(func)
    return params[0] if params else None


_FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
    }
)


def _enclosing_function(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in _FUNCTION_TYPES:
            return current
        current = current.parent
    return None


def _exits(block: Node | None) -> bool:
    """Does this branch end the handler (return, throw, or a call of next/callback/res.end...)?"""
    if block is None:
        return False
    if block.type in ("return_statement", "throw_statement"):
        return True
    if block.type == "statement_block":
        statements = [c for c in block.named_children if c.type != "comment"]
        return bool(statements) and _exits(statements[-1])
    return False


def guards(node: Node, stop: Node | None) -> list[tuple[Node, bool]]:
    """(condition, must-be) pairs that hold wherever ``node`` runs, up to the function ``stop``."""
    out: list[tuple[Node, bool]] = []
    child = node
    current = node.parent
    stop_id = stop.id if stop is not None else None
    while current is not None and current.id != stop_id:
        if current.type == "if_statement":
            condition = current.child_by_field_name("condition")
            consequence = current.child_by_field_name("consequence")
            alternative = current.child_by_field_name("alternative")
            if condition is not None:
                if consequence is not None and _within(child, consequence):
                    out.append((condition, True))
                elif alternative is not None and _within(child, alternative):
                    out.append((condition, False))
        elif current.type == "ternary_expression":
            condition = current.child_by_field_name("condition")
            consequence = current.child_by_field_name("consequence")
            alternative = current.child_by_field_name("alternative")
            if condition is not None and consequence is not None and _within(child, consequence):
                out.append((condition, True))
            elif condition is not None and alternative is not None and _within(child, alternative):
                out.append((condition, False))
        elif (
            current.type == "binary_expression"
            and _text(current.child_by_field_name("operator")) == "&&"
        ):
            left = current.child_by_field_name("left")
            right = current.child_by_field_name("right")
            if left is not None and right is not None and _within(child, right):
                out.append((left, True))
        elif current.type in ("statement_block", "program", "switch_body"):
            # `if (!allowed(origin)) return ...;` earlier in the same block: past it, false.
            for sibling in current.named_children:
                if sibling.start_byte >= child.start_byte:
                    break
                if (
                    sibling.type == "if_statement"
                    and _exits(sibling.child_by_field_name("consequence"))
                    and sibling.child_by_field_name("alternative") is None
                ):
                    condition = sibling.child_by_field_name("condition")
                    if condition is not None:
                        out.append((condition, False))
        child = current
        current = current.parent
    return out


# Test assertions compare with header objects; they set nothing (tap, node:assert, jest/chai).
_ASSERTIONS = frozenset(
    {"match", "same", "equal", "equals", "deepEqual", "deepStrictEqual", "strictEqual",
     "notEqual", "toEqual", "toStrictEqual", "toMatchObject", "toMatch", "toHaveProperty",
     "toBe", "include", "includes", "eql", "expect", "assert", "has", "strictSame"}
)  # fmt: skip


def _in_assertion(node: Node) -> bool:
    """Is this object literal an argument of an assertion (expect(...), t.match(...))?"""
    current = node.parent
    while current is not None and current.type not in _FUNCTION_TYPES:
        if current.type == "call_expression":
            func = current.child_by_field_name("function")
            name = (
                _text(func.child_by_field_name("property"))
                if func is not None and (func.type == "member_expression")
                else _text(func)
            )
            if name in _ASSERTIONS:
                return True
        current = current.parent
    return False


def _within(node: Node, ancestor: Node) -> bool:
    return ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def _accepts_under(
    checker: Checker, conditions: list[tuple[Node, bool]], value: Node | None = None
) -> Callable[[str], bool | None]:
    def accepts(origin: str) -> bool | None:
        unknown = False
        for condition, expected in conditions:
            result = checker.cond(condition, origin)
            if result is None:
                if _mentions_origin(condition, checker.module, checker.names):
                    unknown = True
                continue
            if result != expected:
                return False
        if value is not None:
            result = checker.cond(value, origin)
            if result is None:
                return None
            if not result:
                return False
        return None if unknown else True

    return accepts


# --- the analysis of one file -----------------------------------------------------------


class Analysis:
    def __init__(self, module: JSModule) -> None:
        self.module = module
        self.grants: list[Grant] = []
        self.acao: list[tuple[Node, Node]] = []  # (anchor, value)
        self.acac: list[tuple[Node, Node]] = []
        self.vary: list[tuple[Node, Node]] = []

    def run(self) -> list[RawFinding]:
        for node in _walk(self.module.root):
            if node.type == "call_expression":
                self._call(node)
            elif node.type == "new_expression":
                constructor = node.child_by_field_name("constructor")
                if self.module.library_of(constructor) == "socket.io":
                    self._socket_io(node)
            elif node.type == "pair":
                key = node.child_by_field_name("key")
                value = node.child_by_field_name("value")
                name = _string(key) if key is not None and key.type == "string" else None
                if name is not None and value is not None and not _in_assertion(node):
                    self._header(name, node, value)
            elif node.type == "assignment_expression":
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                if left is not None and right is not None and left.type == "subscript_expression":
                    name = _string(left.child_by_field_name("index"))
                    if name is not None:
                        self._header(name, node, right)
        self._handwritten()
        # Origins the file names anywhere stand in for "the front ends" in every fix.
        known = [o for g in self.grants for o, _, _ in g.exact] + [
            s for g in self.grants for s in g.samples
        ]
        findings: list[RawFinding] = []
        for grant in self.grants:
            grant.project_origins = known
            findings.extend(judge_grant(grant))
        return findings

    def _header(self, name: str, anchor: Node, value: Node) -> None:
        lowered = name.lower()
        if lowered == ACAO:
            self.acao.append((anchor, value))
        elif lowered == ACAC:
            self.acac.append((anchor, value))
        elif lowered == VARY:
            self.vary.append((anchor, value))

    def _call(self, node: Node) -> None:
        module = self.module
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is None:
            return
        if func.type == "member_expression":
            method = _text(func.child_by_field_name("property"))
            if method in _SETTERS and len(args) >= 2:
                name = _string(args[0])
                if name is not None:
                    self._header(name, node, args[1])
            if method == "register" and args and module.library_of(args[0]) == "@fastify/cors":
                self._library("@fastify/cors", node, args[1] if len(args) > 1 else None)
                return
            if method == "createServer" and module.library_of(func) == "cors-anywhere":
                self._proxy(node, args[0] if args else None)
                return
        library = module.library_of(func)
        if library == "socket.io":  # require("socket.io")(server, { cors: {...} })
            self._socket_io(node)
            return
        if library in ("npm cors", "@koa/cors"):
            self._library(library, node, args[0] if args else None)

    # --- libraries -------------------------------------------------------------------

    def _library(
        self,
        library: str,
        call: Node,
        options_node: Node | None,
        options_module: JSModule | None = None,
    ) -> None:
        module = self.module
        line, col = module.position(call)
        source = options_module or module
        options_value = source.eval(options_node) if options_node is not None else {}
        if isinstance(options_value, Func) and library == "npm cors":
            self._delegate(call, options_value)
            return
        if not isinstance(options_value, dict):
            return  # options computed at run time: not judged
        options: dict[str, Any] = options_value
        credentials = _flag(module.option(options, "credentials"))
        fix_kind = {"@fastify/cors": "fastify", "@koa/cors": "koa"}.get(library, "cors")
        if library.startswith("socket.io"):
            fix_kind = "socket.io"
        grant = Grant("javascript", library, line, col, credentials, fix_kind=fix_kind)
        _carry_options(module, grant, options, ("origin", "credentials"))
        grant.carry.update(_placement(call, fix_kind))
        origin_node = options.get("origin") if "origin" in options else None
        origin = module.option(options, "origin") if "origin" in options else None
        grant.written = _text(call)[:200]
        if "origin" in options and origin is None and library != "@koa/cors":
            # An explicit null/undefined is copied over the default by Object.assign and is
            # falsy: npm cors (and @fastify/cors) then add no CORS headers at all.
            return
        if library == "@koa/cors":
            self._koa(grant, origin, origin_node)
        else:
            self._origin_option(grant, library, origin, origin_node)
        # npm cors and @fastify/cors echo Access-Control-Request-Headers without allowedHeaders.
        if (
            library != "@koa/cors"
            and "allowedHeaders" not in options
            and "headers" not in options
            and credentials is not False
            and (grant.reflect_any or grant.exact or grant.regexes or grant.accepts)
        ):
            self._any_header(grant)
        self.grants.append(grant)

    def _socket_io(self, node: Node) -> None:
        args = _args(node)
        options = self.module.eval(args[-1]) if len(args) >= 2 else None
        if not isinstance(options, dict) or "cors" not in options:
            return  # without a cors option socket.io sends no CORS headers
        value = options["cors"]
        if isinstance(value, Lazy):
            self._library("socket.io cors (npm cors)", node, value.node, value.module)

    def _any_header(self, grant: Grant) -> None:
        # npm cors without allowedHeaders echoes Access-Control-Request-Headers in preflights
        # (lib/index.js configureAllowedHeaders).
        grant.any_header_text = (
            "no allowedHeaders, so every preflight is answered with the headers it asks for "
            "(Access-Control-Request-Headers is echoed)"
        )

    def _origin_option(self, grant: Grant, library: str, origin: Any, origin_node: Any) -> None:
        module = self.module
        if origin is None or origin == "*":
            grant.wildcard = True
            grant.wildcard_text = (
                f"{'default origin' if origin is None else 'origin: ' + repr('*')} ('*')"
            )
            return
        if origin is UNKNOWN:
            return
        if origin is True:
            grant.reflect_any = True
            grant.reflect_text = "origin: true"
            return
        if origin is False or origin == "" or origin == 0.0:
            return
        if isinstance(origin, str):
            # A fixed string is sent as it is: the browser compares it with the page's origin.
            line, col = (
                module.position(origin_node.node)
                if isinstance(origin_node, Lazy) and origin_node.module is module
                else (grant.line, grant.col)
            )
            grant.exact.append((origin, line, col))
            return
        if isinstance(origin, JSRegex):
            self._regex(grant, origin)
            return
        if isinstance(origin, list):
            for item in origin:
                if isinstance(item, str):
                    grant.exact.append((item, grant.line, grant.col))
                elif isinstance(item, JSRegex):
                    self._regex(grant, item)
                elif item is True:
                    grant.reflect_any = True
                    grant.reflect_text = "origin: [true]"
            return
        if isinstance(origin, Func):
            self._origin_function(grant, origin)

    def _regex(self, grant: Grant, regex: JSRegex) -> None:
        matcher: Callable[[str], bool | None] | None = regex.matcher()
        how = "RegExp.test, unanchored unless the pattern says ^...$"
        if matcher is None:
            flags = re.IGNORECASE if "i" in regex.flags else 0
            matcher = UNKNOWN_MATCHER
            how = not_run(_to_python_regex(regex.pattern), flags)
        grant.regexes.append(
            Regex(
                f"/{regex.pattern}/{regex.flags}",
                matcher,
                how,
                regex.line if regex.path == self.module.path else grant.line,
                regex.col if regex.path == self.module.path else grant.col,
                tuple(samples_of(regex.pattern)),
            )
        )

    def _origin_function(self, grant: Grant, func: Func) -> None:
        """origin: (origin, callback) => ...: callback(null, true|origin) grants the origin."""
        module = func.module  # the function may live in an imported module
        params = _params(func.node)
        if len(params) < 2:
            return
        origin_name, callback_name = params[0], params[1]
        checker = Checker(module, frozenset({origin_name}))
        grants: list[Callable[[str], bool | None]] = []
        for node in _walk(func.node):
            if node.type != "call_expression":
                continue
            if _text(node.child_by_field_name("function")) != callback_name:
                continue
            args = _args(node)
            if len(args) < 2:
                continue
            decision = _unwrap(args[1])
            conditions = guards(node, func.node)
            if decision is None:
                continue
            if decision.type == "true" or checker.origin(decision):
                grants.append(_accepts_under(checker, conditions))
            elif decision.type not in ("false", "null", "undefined"):
                grants.append(_accepts_under(checker, conditions, decision))
        if not grants:
            return

        def accepts(origin: str) -> bool | None:
            results = [g(origin) for g in grants]
            if any(r is True for r in results):
                return True
            return False if all(r is False for r in results) else None

        grant.accepts = accepts
        where = "" if module is self.module else f"{module.path}, "
        grant.accepts_text = f"in the origin function ({where}line {module.position(func.node)[0]})"
        accepts("https://corsguard-probe.attacker.test")  # collect the literals it compares
        _add_samples(grant, checker)

    def _delegate(self, call: Node, func: Func) -> None:
        """cors(delegate): delegate(req, callback) picks options per request (the README form)."""
        module = func.module
        params = _params(func.node)
        names: frozenset[str] = frozenset()
        checker = Checker(module, names)
        line, col = self.module.position(call)
        for node in _walk(func.node):
            if node.type != "pair":
                continue
            key = node.child_by_field_name("key")
            value = node.child_by_field_name("value")
            if _text(key) != "origin" or value is None or _unwrap(value) is None:
                continue
            if _unwrap(value).type != "true":  # type: ignore[union-attr]
                continue
            obj = node.parent
            options = dict(module._pairs(obj)) if obj is not None else {}
            credentials = _flag(module.option(options, "credentials"))
            grant = Grant(
                "javascript", "npm cors (options delegate)", line, col, credentials, fix_kind="cors"
            )
            conditions = guards(node, func.node)
            accepts = _accepts_under(checker, conditions)
            grant.accepts = accepts
            grant.accepts_text = f"in the options delegate {params[0] if params else ''}"
            accepts("https://corsguard-probe.attacker.test")
            _add_samples(grant, checker)
            if not any(_mentions_origin(c, module, names) for c, _ in conditions):
                grant.accepts = None
                grant.reflect_any = True
                grant.reflect_text = "origin: true"
            self.grants.append(grant)

    def _koa(self, grant: Grant, origin: Any, origin_node: Any) -> None:
        if origin is None:
            grant.reflect_any = True
            grant.reflect_text = (
                "the default origin (the request's Origin before @koa/cors 5.0; "
                "5.x echoes it when credentials is on)"
            )
            return
        if origin == "*":
            if grant.credentials:
                # @koa/cors 5.x: '*' with credentials becomes the request's Origin.
                grant.reflect_any = True
                grant.reflect_text = "origin '*' with credentials (sent as the request's Origin)"
            else:
                grant.wildcard = True
                grant.wildcard_text = "origin: '*'"
            return
        if isinstance(origin, str):
            grant.exact.append((origin, grant.line, grant.col))
            return
        if isinstance(origin, Func):
            checker = Checker(origin.module, frozenset())
            returns: list[Callable[[str], bool | None]] = []
            body = origin.node.child_by_field_name("body")
            candidates: list[tuple[Node, Node]] = []
            if body is not None and body.type != "statement_block":
                candidates.append((body, body))
            for node in _walk(origin.node):
                if node.type == "return_statement" and node.named_children:
                    candidates.append((node, node.named_children[0]))
            for anchor, value in candidates:
                value = _unwrap(value)  # type: ignore[assignment]
                if value is None:
                    continue
                conditions = guards(anchor, origin.node)
                if checker.origin(value):
                    returns.append(_accepts_under(checker, conditions))
                elif value.type == "ternary_expression":
                    cons = value.child_by_field_name("consequence")
                    if checker.origin(cons):
                        cond = value.child_by_field_name("condition")
                        returns.append(_accepts_under(checker, conditions, cond))
            if not returns:
                return

            def accepts(o: str) -> bool | None:
                results = [r(o) for r in returns]
                if any(r is True for r in results):
                    return True
                return False if all(r is False for r in results) else None

            grant.accepts = accepts
            grant.accepts_text = "in the origin function"
            accepts("https://corsguard-probe.attacker.test")
            _add_samples(grant, checker)

    def _proxy(self, call: Node, options_node: Node | None) -> None:
        module = self.module
        line, col = module.position(call)
        options = module.eval(options_node) if options_node is not None else {}
        if not isinstance(options, dict):
            return
        whitelist = module.option(options, "originWhitelist")
        grant = Grant("javascript", "cors-anywhere", line, col, False, fix_kind="cors-anywhere")
        grant.carry = {
            key: _js_source(value) for key, value in options.items() if key != "originWhitelist"
        }
        if whitelist is None or whitelist == []:
            grant.open_proxy = True
        elif isinstance(whitelist, list):
            for item in whitelist:
                if isinstance(item, str):
                    grant.exact.append((item, line, col))
        else:
            return
        self.grants.append(grant)

    # --- hand-written headers ----------------------------------------------------------

    def _handwritten(self) -> None:
        module = self.module
        credential_functions: list[Node | None] = []
        for anchor, value in self.acac:
            evaluated = module.eval(value)
            # "true", or a value the linter cannot see (treated as "could be").
            said_true = isinstance(evaluated, str) and evaluated.lower() == "true"
            if evaluated is True or said_true or evaluated is UNKNOWN:
                credential_functions.append(_enclosing_function(anchor))
        vary_origin_functions: set[int] = set()
        for anchor, value in self.vary:
            evaluated = module.eval(value)
            if isinstance(evaluated, str) and "origin" in evaluated.lower():
                func = _enclosing_function(anchor)
                vary_origin_functions.add(func.id if func is not None else 0)
        for anchor, value in self.acao:
            function = _enclosing_function(anchor)
            if any(
                f is not None and function is not None and f.id == function.id
                for f in credential_functions
            ):
                credentials: bool | None = True
            elif credential_functions:
                credentials = None
            else:
                credentials = False
            self._judge_acao(anchor, value, function, credentials, vary_origin_functions)

    def _judge_acao(
        self,
        anchor: Node,
        value: Node,
        function: Node | None,
        credentials: bool | None,
        vary: set[int],
    ) -> None:
        module = self.module
        line, col = module.position(anchor)
        grant = Grant(
            "javascript",
            "hand-written Access-Control-Allow-Origin",
            line,
            col,
            credentials,
            fix_kind="handwritten",
        )
        names: frozenset[str] = frozenset()
        checker = Checker(module, names)
        value = _unwrap(value)  # type: ignore[assignment]
        if value is None:
            return
        conditions = guards(anchor, function)
        reflected = checker.origin(value)
        if not reflected and value.type == "ternary_expression":
            cons = value.child_by_field_name("consequence")
            alt = value.child_by_field_name("alternative")
            cond = value.child_by_field_name("condition")
            if checker.origin(cons) and cond is not None:
                reflected = True
                conditions = [*conditions, (cond, True)]
            elif checker.origin(alt) and cond is not None:
                reflected = True
                conditions = [*conditions, (cond, False)]
            else:
                for branch in (cons, alt):
                    literal = module.eval(branch)
                    if isinstance(literal, str):
                        self._fixed(grant, literal, branch or value)
                if grant.wildcard or grant.exact:
                    self.grants.append(grant)
                return
        if not reflected:
            literal = module.eval(value)
            if isinstance(literal, str):
                self._fixed(grant, literal, value)
                if grant.wildcard or grant.exact:
                    self.grants.append(grant)
            return
        origin_checks = [c for c in conditions if _mentions_origin(c[0], module, names)]
        if not origin_checks:
            grant.reflect_any = True
            grant.reflect_text = f"Access-Control-Allow-Origin set to {_text(value)[:60]}"
        else:
            accepts = _accepts_under(checker, conditions)
            grant.accepts = accepts
            grant.accepts_text = " && ".join(
                ("" if expected else "!") + _text(c)[:80] for c, expected in origin_checks
            )
            accepts("https://corsguard-probe.attacker.test")
            _add_samples(grant, checker)
        fid = function.id if function is not None else 0
        if fid not in vary and 0 not in vary:
            # Nothing in the source says a shared cache stores the answer.
            grant.vary_missing = severity_of("missing-vary-origin", Context(cacheable=False))
            grant.vary_text = (
                "the answer depends on the request's Origin but no Vary: Origin is set, so a "
                "shared cache can serve one origin's grant to another"
            )
        self.grants.append(grant)

    def _fixed(self, grant: Grant, literal: str, node: Node) -> None:
        for part in literal.split(","):
            part = part.strip()
            if part == "*":
                grant.wildcard = True
                grant.wildcard_text = "Access-Control-Allow-Origin: *"
                grant.written = _text(node)[:120]
            elif part:
                line, col = self.module.position(node)
                grant.exact.append((part, line, col))


def _add_samples(grant: Grant, checker: Checker) -> None:
    """What the check compared the Origin with: literal origins (the intent) and regexes."""
    grant.samples.extend(_origin_literals(checker.literals))
    for pattern in dict.fromkeys(checker.patterns):
        grant.probe_samples.extend(samples_of(pattern))
        grant.intent_regexes.append(pattern)


# The CORS libraries' list options (npm cors, @fastify/cors and socket.io; @koa/cors), by the
# FixContext field they fill, and a header or method name (RFC 9110 section 5.6.2: a token).
_LIST_OPTIONS = {
    "methods": "methods",
    "allowMethods": "methods",
    "allowedHeaders": "headers",
    "headers": "headers",
    "allowHeaders": "headers",
    "exposedHeaders": "exposed_headers",
    "exposeHeaders": "exposed_headers",
}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")


def _js_source(value: Any) -> str:
    """An option's value as JavaScript source: as written, or the literal it evaluated to."""
    if isinstance(value, Lazy):
        return _text(value.node)
    if isinstance(value, Node):
        return _text(value)
    return json.dumps(value) if isinstance(value, (str, bool, int, float, list)) else "null"


def _carry_options(
    module: JSModule, grant: Grant, options: dict[str, Any], skip: tuple[str, ...]
) -> None:
    """The options a fix carries: literal lists and numbers as values (so that the catalogue
    writes them as `corsguard audit` does), anything else as written."""
    for key, value in options.items():
        if key in skip:
            continue
        evaluated = module.option(options, key)
        field_name = _LIST_OPTIONS.get(key)
        if field_name is not None:
            items = evaluated.split(",") if isinstance(evaluated, str) else evaluated
            if (
                isinstance(items, list)
                and items
                and all(isinstance(i, str) and _TOKEN.fullmatch(i.strip()) for i in items)
                and "*" not in (i.strip() for i in items)
            ):
                if not getattr(grant, field_name):
                    setattr(grant, field_name, tuple(i.strip() for i in items))
                continue
        if (
            key == "maxAge"
            and isinstance(evaluated, int)
            and not isinstance(evaluated, bool)
            and 0 <= evaluated <= 10**7
        ):
            grant.max_age = evaluated
            continue
        grant.carry[key] = _js_source(value)


def _placement(call: Node, form: str) -> dict[str, str]:
    """Where the library call sits, so that the fix keeps it there (a fix that mounted on
    every path what was mounted on one would widen the grant): the receiver of `.use` /
    `.register` and the mount path before it, or "bare" for a call used elsewhere."""
    if form == "fastify":
        func = call.child_by_field_name("function")
        owner = func.child_by_field_name("object") if func is not None else None
        return {"receiver": _text(owner)} if owner is not None else {}
    if form not in ("cors", "koa"):
        return {}
    args = call.parent
    outer = args.parent if args is not None and args.type == "arguments" else None
    func = outer.child_by_field_name("function") if outer is not None else None
    if (
        args is None
        or func is None
        or func.type != "member_expression"
        or _text(func.child_by_field_name("property")) != "use"
    ):
        return {"bare": "1"}
    before = [a for a in args.named_children if a.end_byte <= call.start_byte]
    owner = func.child_by_field_name("object")
    out = {"receiver": _text(owner)} if owner is not None else {}
    if before:
        out["mount"] = ", ".join(_text(a) for a in before)
    return out


def _flag(value: Any) -> bool | None:
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, str):
        return value.lower() == "true"
    return None


_ORIGIN_LITERAL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s]+$|^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _origin_literals(values: list[str]) -> list[str]:
    out = []
    for value in values:
        lowered = value.strip().lower().rstrip("/")
        if not _ORIGIN_LITERAL_RE.match(lowered):
            continue
        if "://" in lowered:
            out.append(lowered)
        elif lowered.startswith("."):
            out.append("https://app" + lowered)
        else:
            out.append("https://" + lowered)
    return list(dict.fromkeys(out))


def grants_of(text: str, path: str = "app.js", loader: Loader | None = None) -> list[Grant]:
    """The origin decisions the linter reads in one file, before judgement (for cross-checks
    against the real libraries or live servers)."""
    analysis = Analysis(JSModule(text, path, loader))
    analysis.run()
    return analysis.grants


def lint_javascript(text: str, path: str, loader: Loader | None = None) -> list[RawFinding]:
    """Findings for one JavaScript/TypeScript file (``loader`` follows relative imports).
    Every file given is parsed: the keyword filter is the caller's (corsguard.lint.prefilter)."""
    module = JSModule(text, path, loader)
    return Analysis(module).run()


def syntax_error(text: str, path: str) -> str | None:
    """A short description of the first parse error, or None."""
    tree = _parser(path).parse(text.encode("utf-8", "surrogatepass"))
    if not tree.root_node.has_error:
        return None
    for node in _walk(tree.root_node):
        if node.is_error or node.is_missing:
            return f"syntax error at line {node.start_point[0] + 1}"
    return "syntax error"
