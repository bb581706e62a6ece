"""Following values through Python source the way a careful reader would.

A small, safe evaluator over ``ast`` nodes: module-level constants, lists/tuples/sets/dicts of
literals, string concatenation and f-strings of known parts, ``os.getenv(NAME, default)`` and
friends (the default is what runs when the variable is missing), ``.split(",")`` and other
``str`` methods, comprehensions over known lists, simple local variables of the same function,
``re`` calls, and one-line helper functions (``def allowed(o): return o in ORIGINS``). The
request's Origin header (``request.headers.get("Origin")``, ``environ["HTTP_ORIGIN"]``,
``request.META["HTTP_ORIGIN"]``, ``dict(scope["headers"]).get(b"origin")``...) evaluates to the
origin under test when one is bound, else to the ``ORIGIN`` marker. Nothing is ever executed:
unknown things evaluate to ``UNKNOWN``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, Union
from urllib.parse import urlsplit

from corsguard.lint.regex_engine import safe_call
from corsguard.lint.regex_safety import MAX_SUBJECT, regex_risk

_MAX_DEPTH = 40
# Steps one top-level evaluation may take: real configurations need a few dozen; chains of
# self-referencing locals in parser code (x = x + y ...) would otherwise take exponential time.
_BUDGET = 4000
# The step budget does not bound sizes: `A1 = A0 + A0 ... A10` is eleven steps and builds a
# string 1024 times the size of A0 (a 4 MB file asked for 4 GB). Values over these caps
# become UNKNOWN with a note (see docs/lint.md, "Bounds"); no CORS setting comes near them.
MAX_STRING = 100_000  # characters in one string
MAX_ITEMS = 10_000  # items in one list, tuple, set or dict
MAX_NESTING = 16  # lists, tuples, sets and dicts inside one another
# Characters and items built in one top-level evaluation (the sum over every intermediate
# value), so that many values just under the caps cannot add up to gigabytes.
_ALLOC_BUDGET = 2_000_000
ORIGIN_KEY = "\x00origin"  # binding name for the origin under test
_ORIGIN_HEADER_KEYS = frozenset({"origin", "http_origin"})
_HEADER_GETTERS = frozenset({"get", "getheader", "get_header", "getfirst", "getone"})
_STR_METHODS = frozenset(
    {
        "lower", "upper", "strip", "lstrip", "rstrip", "casefold", "split", "rsplit",
        "startswith", "endswith", "replace", "removeprefix", "removesuffix", "find",
        "partition", "rpartition", "join", "count", "index", "format",
    }
)  # fmt: skip
# str methods that keep "the request's origin" recognisable as such.
_ORIGIN_PRESERVING = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "encode", "decode", "replace"}
)
# A replacement field with a format spec or conversion: {:>99999}, {0!r}, {x:{w}}.
_FORMAT_SPEC_RE = re.compile(r"\{[^{}]*[:!]")
_RE_FUNCS = frozenset({"match", "search", "fullmatch"})
# Calls whose value is the default they declare (pydantic, dataclasses, attrs).
_DEFAULT_CALLS = frozenset({"Field", "field", "attrib", "ib"})
_RE_FLAGS = {
    "I": re.IGNORECASE,
    "IGNORECASE": re.IGNORECASE,
    "X": re.VERBOSE,
    "VERBOSE": re.VERBOSE,
    "A": re.ASCII,
    "ASCII": re.ASCII,
    "M": re.MULTILINE,
    "MULTILINE": re.MULTILINE,
    "S": re.DOTALL,
    "DOTALL": re.DOTALL,
}


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Marker("UNKNOWN")
MISSING = _Marker("MISSING")  # a name that a module does not define at all
ORIGIN = _Marker("ORIGIN")  # the request's Origin header, not bound to a concrete value
ENVIRON = _Marker("os.environ")


@dataclass(frozen=True)
class Compiled:
    """``re.compile(pattern, flags)``."""

    pattern: str
    flags: int


@dataclass(frozen=True)
class Options:
    """A call whose keyword arguments matter, e.g. aiohttp_cors.ResourceOptions(...)."""

    name: str
    kwargs: tuple[tuple[str, object], ...]

    def get(self, key: str, default: object) -> object:
        for name, value in self.kwargs:
            if name == key:
                return value
        return default


@dataclass(frozen=True)
class ModuleRef:
    """A module of the linted project, imported by name (``from app.core import cors``)."""

    name: str


@dataclass(frozen=True)
class Instance:
    """An instance of a class defined in the linted project (``settings = Settings()``):
    its attributes are the class's defaults (pydantic BaseSettings, dataclasses)."""

    module: str
    cls: str


@dataclass(frozen=True)
class Parsed:
    """urlsplit()/urlparse() of a known string."""

    scheme: str
    netloc: str
    hostname: object
    port: object


Value = object
Bindings = dict[str, object]


class ProjectLike(Protocol):
    """What an Evaluator asks of the project (see corsguard.lint.project.Project)."""

    def lookup(self, module: str, name: str) -> object: ...
    def has_module(self, module: str) -> bool: ...
    def is_package(self, module: str) -> bool: ...
    def has_class(self, module: str, name: str) -> bool: ...
    def class_home(self, module: str, name: str) -> tuple[str, str]: ...
    def class_attribute(self, module: str, cls: str, attr: str) -> object: ...


ScopeNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]  # noqa: UP007


def truth(value: object) -> bool | None:
    """Python truthiness, or None when the value is not known."""
    if value is UNKNOWN or value is ORIGIN or value is ENVIRON:
        return None
    if isinstance(value, (Compiled, Options, Parsed, ModuleRef, Instance)):
        return True
    return bool(value)


def dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):  # foo().bar: keep only the trailing names
        parts.append("()")
        return ".".join(reversed(parts))
    return None


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """``list(ast.iter_child_nodes(node))`` without the expression contexts (Load, Store,
    Del: shared singletons that hold nothing), about twice as fast: the walks over every
    node of a module are most of a lint run's time (issue #13)."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f != "ctx")
    out: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


@dataclass
class _Entry:
    kind: str  # value | loop | param | unknown
    expr: ast.expr | None
    stmt: ast.AST
    pos: tuple[int, int]


class Scope:
    """A function (or lambda): its local assignments and parent links, built on demand."""

    def __init__(self, node: ScopeNode, parent: Scope | None) -> None:
        self.node = node
        self.parent = parent
        self._assigns: dict[str, list[_Entry]] | None = None
        self._parents: dict[int, ast.AST] | None = None

    def _build(self) -> None:
        assigns: dict[str, list[_Entry]] = {}
        parents: dict[int, ast.AST] = {}
        node = self.node
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            assigns.setdefault(arg.arg, []).append(_Entry("param", None, node, (0, 0)))

        def bind(target: ast.expr, value: ast.expr | None, stmt: ast.AST, kind: str) -> None:
            pos = (getattr(stmt, "lineno", 0), getattr(stmt, "col_offset", 0))
            if isinstance(target, ast.Name):
                assigns.setdefault(target.id, []).append(_Entry(kind, value, stmt, pos))
            elif isinstance(target, (ast.Tuple, ast.List)):
                values: list[ast.expr] | None = None
                if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                    values = value.elts
                for i, elt in enumerate(target.elts):
                    bind(elt, values[i] if values else None, stmt, kind if values else "unknown")

        body: list[ast.AST] = list(node.body) if isinstance(node.body, list) else [node.body]
        for first in body:
            parents[id(first)] = node
        stack = list(body)
        while stack:
            current = stack.pop()
            if isinstance(current, ast.Assign):
                for target in current.targets:
                    bind(target, current.value, current, "value")
            elif (isinstance(current, ast.AnnAssign) and current.value is not None) or isinstance(
                current, ast.NamedExpr
            ):
                bind(current.target, current.value, current, "value")
            elif isinstance(current, (ast.For, ast.AsyncFor)):
                bind(current.target, current.iter, current, "loop")
            elif isinstance(current, ast.AugAssign):
                bind(current.target, None, current, "unknown")
            elif isinstance(current, (ast.With, ast.AsyncWith)):
                for item in current.items:
                    if item.optional_vars is not None:
                        bind(item.optional_vars, None, current, "unknown")
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                assigns.setdefault(current.name, []).append(
                    _Entry("unknown", None, current, (current.lineno, current.col_offset))
                )
                continue
            for child in child_nodes(current):
                parents[id(child)] = current
                if not isinstance(child, ast.Lambda):
                    stack.append(child)
        for entries in assigns.values():
            entries.sort(key=lambda e: e.pos)
        self._assigns = assigns
        self._parents = parents

    def lookup(self, name: str, at: ast.AST) -> _Entry | None:
        """The assignment of ``name`` that reaches ``at`` (the last one before it), if local."""
        if self._assigns is None:
            self._build()
        assert self._assigns is not None
        entries = self._assigns.get(name)
        if not entries:
            return None
        pos = (getattr(at, "lineno", 0), getattr(at, "col_offset", 0))
        before = [e for e in entries if e.pos < pos]
        if before:
            return before[-1]
        return _Entry("unknown", None, self.node, (0, 0))

    def parent_of(self, node: ast.AST) -> ast.AST | None:
        if self._parents is None:
            self._build()
        assert self._parents is not None
        return self._parents.get(id(node))


class Evaluator:
    """Evaluates expressions of one module; see the module docstring for what it follows."""

    def __init__(
        self, tree: ast.Module, project: ProjectLike | None = None, module: str = ""
    ) -> None:
        self.tree = tree
        self.consts: dict[str, list[tuple[tuple[int, int], ast.expr]]] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.imports: dict[str, str] = {}
        # Cross-module reading (see corsguard.lint.project): the project, this module's
        # dotted name, `from M import NAME` -> (M, NAME), `import M` -> M, star imports.
        self.project = project
        self.module = module
        self.import_from: dict[str, tuple[str, str]] = {}
        self.import_module: dict[str, str] = {}
        self.star_imports: list[tuple[tuple[int, int], str]] = []
        self.function_scopes: dict[int, Scope] = {}
        # Recording, switched on by the judge of hand-written checks.
        self.touched = 0
        self.seen_strings: list[str] = []
        self.seen_regexes: list[tuple[str, ast.AST]] = []
        self._budget = _BUDGET
        self._alloc = _ALLOC_BUDGET
        self._nesting = 0
        # (line, message) of what was left unevaluated, in order, without repeats.
        self.notes: dict[tuple[int, str], None] = {}
        for stmt in module_statements(tree.body):
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self._const(target.id, stmt, stmt.value)
            elif (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and stmt.value is not None
            ):
                self._const(stmt.target.id, stmt, stmt.value)
            elif isinstance(stmt, ast.FunctionDef):
                self.functions[stmt.name] = stmt
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.add_import(stmt)
            else:
                edit = list_edit(stmt)
                if edit is not None:
                    self._const(edit[0], stmt, edit[1])

    def _const(self, name: str, stmt: ast.stmt, value: ast.expr) -> None:
        self.consts.setdefault(name, []).append(((stmt.lineno, stmt.col_offset), value))

    def add_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                local = alias.asname or alias.name.split(".")[0]
                self.imports[local] = alias.name if alias.asname else local
            if alias.asname:
                self.import_module[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.import_module.setdefault(head, head)
        else:
            module = stmt.module or ""
            for alias in stmt.names:
                self.imports[alias.asname or alias.name] = f"{module}.{alias.name}"
            absolute = resolve_relative(self.module, stmt.level, stmt.module, self.is_package)
            if absolute is None:
                return
            for alias in stmt.names:
                if alias.name == "*":
                    pos = (stmt.lineno, stmt.col_offset)
                    self.star_imports.append((pos, absolute))
                else:
                    self.import_from[alias.asname or alias.name] = (absolute, alias.name)

    @property
    def is_package(self) -> bool:
        return self.project is not None and self.project.is_package(self.module)

    def eval_fresh(self, node: ast.expr) -> Value:
        """Evaluate a module-level expression for another module, with a budget of its own
        (saved and restored, so an evaluation in progress here keeps its own)."""
        saved = (self._budget, self._alloc, self._nesting)
        self._budget, self._alloc, self._nesting = _BUDGET, _ALLOC_BUDGET, 0
        try:
            return self.eval(node, None, {}, 1)
        finally:
            self._budget, self._alloc, self._nesting = saved

    def global_value(self, name: str) -> Value:
        """The value a module-level name has once the module has run (MISSING if none)."""
        entries = self.consts.get(name)
        if entries:
            return self.eval_fresh(entries[-1][1])
        if name in self.functions or name in self.classes:
            return UNKNOWN
        return self._imported(name, None)

    def class_attribute(self, cls: str, attr: str, seen: frozenset[str] = frozenset()) -> Value:
        """A class attribute's default, through its bases (MISSING if none is written)."""
        node = self.classes.get(cls)
        if node is None or cls in seen or len(seen) > 16:
            return MISSING
        found: ast.expr | None = None
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                    found = stmt.value
            elif (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and stmt.target.id == attr
                and stmt.value is not None
            ):
                found = stmt.value
        if found is not None:
            return self.eval_fresh(found)
        for base in node.bases:
            if isinstance(base, ast.Name):
                if base.id in self.classes:
                    value = self.class_attribute(base.id, attr, seen | {cls})
                elif base.id in self.import_from and self.project is not None:
                    module, name = self.import_from[base.id]
                    value = self.project.class_attribute(module, name, attr)
                else:
                    continue
                if value is not MISSING:
                    return value
        return MISSING

    def _imported(self, name: str, node: ast.expr | None) -> Value:
        """A name this module imports from another module of the project (MISSING if not)."""
        aiohttp = self.import_from.get(name)
        if aiohttp is not None and aiohttp[0].endswith("aiohttp.hdrs"):
            # from aiohttp.hdrs import ACCESS_CONTROL_ALLOW_ORIGIN: the header name
            return aiohttp[1].replace("_", "-").title()
        project = self.project
        if project is None:
            return MISSING
        if aiohttp is not None:
            module, attr = aiohttp
            value = project.lookup(module, attr)
            if value is MISSING and project.has_module(f"{module}.{attr}"):
                return ModuleRef(f"{module}.{attr}")
            return value
        if name in self.import_module:
            target = self.import_module[name]
            return ModuleRef(target) if project.has_module(target) else MISSING
        pos = (getattr(node, "lineno", 1 << 30), getattr(node, "col_offset", 0))
        for star_pos, module in reversed(self.star_imports):
            if star_pos < pos:
                value = project.lookup(module, name)
                if value is not MISSING:
                    return value
        return MISSING

    def qualname(self, node: ast.expr) -> str | None:
        """Dotted name of a callee with its first part resolved through the imports."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        full = self.imports.get(head, head)
        return f"{full}.{rest}" if rest else full

    def scope_for(self, node: ScopeNode, parent: Scope | None) -> Scope:
        scope = self.function_scopes.get(id(node))
        if scope is None:
            scope = Scope(node, parent)
            self.function_scopes[id(node)] = scope
        return scope

    # --- evaluation --------------------------------------------------------------------

    def eval(
        self,
        node: ast.expr | None,
        scope: Scope | None,
        bindings: Bindings | None = None,
        depth: int = 0,
    ) -> Value:
        if depth == 0:
            self._budget = _BUDGET
            self._alloc = _ALLOC_BUDGET
            self._nesting = 0
        self._budget -= 1
        if node is None or self._budget < 0:
            return UNKNOWN
        if depth > _MAX_DEPTH:
            return UNKNOWN
        b = bindings if bindings is not None else {}
        try:
            value = self._eval(node, scope, b, depth + 1)
        except (TypeError, ValueError, AttributeError, IndexError, KeyError, re.error):
            return UNKNOWN
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                return self._too_big(
                    node, f"a string of {len(value)} characters is over the size cap ({MAX_STRING})"
                )
        elif isinstance(value, (tuple, dict)) and len(value) > MAX_ITEMS:
            return self._too_big(
                node, f"a collection of {len(value)} items is over the size cap ({MAX_ITEMS})"
            )
        return value

    def note(self, node: ast.AST, message: str) -> None:
        """Record something left unevaluated, shown to the user as a note on that line."""
        self.notes.setdefault((getattr(node, "lineno", 1), message), None)

    def _too_big(self, node: ast.AST, reason: str) -> Value:
        self.note(node, f"value not evaluated: {reason}; treated as unknown")
        return UNKNOWN

    def _charge(self, node: ast.AST, size: int) -> bool:
        """Account for a value about to be built; False (with a note) when over a cap."""
        if size > MAX_STRING:
            self._too_big(node, f"it would be {size} long, over the size cap ({MAX_STRING})")
            return False
        self._alloc -= size
        if self._alloc < 0:
            self._too_big(
                node, f"one expression builds over the size cap of {_ALLOC_BUDGET} in all"
            )
            return False
        return True

    def _origin(self, b: Bindings) -> Value:
        self.touched += 1
        return b.get(ORIGIN_KEY, ORIGIN)

    def _eval(self, node: ast.expr, scope: Scope | None, b: Bindings, depth: int) -> Value:
        if isinstance(node, ast.Constant):
            constant: object = node.value
            if isinstance(constant, bytes):
                constant = constant.decode("latin-1")
            if isinstance(constant, str):
                self.seen_strings.append(constant)
            return constant
        if isinstance(node, ast.Name):
            return self._name(node, scope, b, depth)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            # Nesting of the value itself (not of the evaluation, which also counts names and
            # calls and stops silently at _MAX_DEPTH): deeper values become UNKNOWN, noted.
            if self._nesting >= MAX_NESTING:
                self.note(node, f"value not evaluated: nested more than {MAX_NESTING} levels deep")
                return UNKNOWN
            self._nesting += 1
            try:
                return self._container(node, scope, b, depth)
            finally:
                self._nesting -= 1
        return self._eval_other(node, scope, b, depth)

    def _container(
        self,
        node: ast.List | ast.Tuple | ast.Set | ast.Dict,
        scope: Scope | None,
        b: Bindings,
        depth: int,
    ) -> Value:
        ev = self.eval
        if not isinstance(node, ast.Dict):
            items: list[object] = []
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    inner = ev(elt.value, scope, b, depth)
                    if isinstance(inner, tuple):
                        items.extend(inner)
                    else:
                        items.append(UNKNOWN)
                else:
                    items.append(ev(elt, scope, b, depth))
            if not self._charge(node, len(items)):
                return UNKNOWN
            return tuple(items)
        result: dict[object, object] = {}
        for key, value_node in zip(node.keys, node.values, strict=False):
            if key is None:
                inner = ev(value_node, scope, b, depth)
                if isinstance(inner, dict):
                    result.update(inner)
                continue
            k = ev(key, scope, b, depth)
            if isinstance(k, (str, int, bool)) or k is None:
                result[k] = ev(value_node, scope, b, depth)
        return result

    def _eval_other(self, node: ast.expr, scope: Scope | None, b: Bindings, depth: int) -> Value:
        ev = self.eval
        if isinstance(node, ast.BinOp):
            left = ev(node.left, scope, b, depth)
            right = ev(node.right, scope, b, depth)
            if isinstance(node.op, ast.Add):
                both_str = isinstance(left, str) and isinstance(right, str)
                if both_str or (isinstance(left, tuple) and isinstance(right, tuple)):
                    # Sized before it is built: the doubling chain must never allocate.
                    if not self._charge(node, len(left) + len(right)):  # type: ignore[arg-type]
                        return UNKNOWN
                    return left + right  # type: ignore[operator]
                if left is ORIGIN or right is ORIGIN:
                    return UNKNOWN
            if isinstance(node.op, ast.BitOr) and isinstance(left, int) and isinstance(right, int):
                return left | right
            return UNKNOWN
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for part in node.values:
                value = ev(part, scope, b, depth)
                if not isinstance(value, str):
                    return UNKNOWN
                parts.append(value)
            if not self._charge(node, sum(len(part) for part in parts)):
                return UNKNOWN
            return "".join(parts)
        if isinstance(node, ast.FormattedValue):
            formatted = ev(node.value, scope, b, depth)
            if isinstance(formatted, str) and node.format_spec is None:
                return formatted
            return UNKNOWN
        if isinstance(node, ast.IfExp):
            test = truth(ev(node.test, scope, b, depth))
            if test is None:
                return UNKNOWN
            return ev(node.body if test else node.orelse, scope, b, depth)
        if isinstance(node, ast.BoolOp):
            return self._boolop(node, scope, b, depth)
        if isinstance(node, ast.UnaryOp):
            operand = ev(node.operand, scope, b, depth)
            if isinstance(node.op, ast.Not):
                t = truth(operand)
                return UNKNOWN if t is None else not t
            if isinstance(node.op, ast.USub) and isinstance(operand, (int, float)):
                return -operand
            return UNKNOWN
        if isinstance(node, ast.Compare):
            return self._compare(node, scope, b, depth)
        if isinstance(node, ast.Call):
            return self._call(node, scope, b, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, b, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, b, depth)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            values = self._comprehension(node.elt, node.generators, scope, b, depth)
            return UNKNOWN if values is None else tuple(values)
        if isinstance(node, ast.NamedExpr):
            return ev(node.value, scope, b, depth)
        return UNKNOWN

    def _name(self, node: ast.Name, scope: Scope | None, b: Bindings, depth: int) -> Value:
        name = node.id
        if name in b:
            return b[name]
        current = scope
        while current is not None:
            entry = current.lookup(name, node if current is scope else current.node)
            if entry is not None:
                if entry.kind == "value":
                    return self.eval(entry.expr, current, b, depth)
                return UNKNOWN
            current = current.parent
        if name in self.consts:
            entries = self.consts[name]
            pos = (node.lineno, node.col_offset)
            before = [e for e in entries if e[0] < pos] if scope is None else entries
            if not before:
                before = entries
            return self.eval(before[-1][1], None, {}, depth)
        if name in self.functions or name in self.classes:
            return UNKNOWN
        value = self._imported(name, node)
        return UNKNOWN if value is MISSING else value

    def _boolop(self, node: ast.BoolOp, scope: Scope | None, b: Bindings, depth: int) -> Value:
        is_and = isinstance(node.op, ast.And)
        unknown = False
        last: Value = UNKNOWN
        for value_node in node.values:
            last = self.eval(value_node, scope, b, depth)
            t = truth(last)
            if t is None:
                unknown = True
            elif t is not is_and:  # False in `and`, True in `or`: short-circuit
                return last if not unknown else (last if not is_and else False)
        return UNKNOWN if unknown else last

    def _compare(self, node: ast.Compare, scope: Scope | None, b: Bindings, depth: int) -> Value:
        left = self.eval(node.left, scope, b, depth)
        result: Value = True
        for op, comparator in zip(node.ops, node.comparators, strict=False):
            right = self.eval(comparator, scope, b, depth)
            outcome = _compare_one(op, left, right)
            if outcome is False:
                return False
            if outcome is None:
                result = UNKNOWN
            left = right
        return result

    def _comprehension(
        self,
        elt: ast.expr,
        generators: list[ast.comprehension],
        scope: Scope | None,
        b: Bindings,
        depth: int,
    ) -> list[Value] | None:
        if len(generators) != 1 or not isinstance(generators[0].target, ast.Name):
            return None
        gen = generators[0]
        assert isinstance(gen.target, ast.Name)
        source = self.eval(gen.iter, scope, b, depth)
        if isinstance(source, str):
            source = tuple(source)
        if not isinstance(source, tuple) or not self._charge(gen.iter, len(source)):
            return None
        out: list[Value] = []
        for item in source:
            inner = {**b, gen.target.id: item}
            keep: bool | None = True
            for cond in gen.ifs:
                t = truth(self.eval(cond, scope, inner, depth))
                if t is None:
                    return None
                keep = keep and t
            if keep:
                out.append(self.eval(elt, scope, inner, depth))
        return out

    def _attribute(
        self, node: ast.Attribute, scope: Scope | None, b: Bindings, depth: int
    ) -> Value:
        base = node.value
        if isinstance(base, ast.Name):
            module = self.imports.get(base.id, base.id)
            if base.id not in b and (module == "re" or module.endswith(".re")):
                return _RE_FLAGS.get(node.attr, UNKNOWN)
            if module in ("os", "posix") and node.attr == "environ":
                return ENVIRON
            if base.id == "hdrs" or module.endswith("aiohttp.hdrs"):
                # aiohttp.hdrs constants: ACCESS_CONTROL_ALLOW_ORIGIN -> the header name
                return node.attr.replace("_", "-").title()
        value = self.eval(base, scope, b, depth)
        if isinstance(value, Parsed):
            return getattr(value, node.attr, UNKNOWN)
        if self.project is not None and isinstance(value, ModuleRef):
            found = self.project.lookup(value.name, node.attr)
            if found is MISSING and self.project.has_module(f"{value.name}.{node.attr}"):
                return ModuleRef(f"{value.name}.{node.attr}")
            return UNKNOWN if found is MISSING else found
        if self.project is not None and isinstance(value, Instance):
            found = self.project.class_attribute(value.module, value.cls, node.attr)
            return UNKNOWN if found is MISSING else found
        if value is ORIGIN and node.attr in ("hostname", "netloc", "scheme"):
            return UNKNOWN
        return UNKNOWN

    def _subscript(
        self, node: ast.Subscript, scope: Scope | None, b: Bindings, depth: int
    ) -> Value:
        key = self.eval(node.slice, scope, b, depth)
        if isinstance(key, str) and key.lower() in _ORIGIN_HEADER_KEYS:
            receiver = node.value
            if self.qualname(receiver) != "os.environ":
                return self._origin(b)
        container = self.eval(node.value, scope, b, depth)
        if isinstance(container, dict):
            return container.get(key, UNKNOWN) if isinstance(key, (str, int)) else UNKNOWN
        if isinstance(container, (tuple, str)) and isinstance(key, int):
            return container[key]
        return UNKNOWN

    def _call(self, node: ast.Call, scope: Scope | None, b: Bindings, depth: int) -> Value:
        func = node.func
        ev = self.eval
        qual = self.qualname(func) or ""
        last = qual.rsplit(".", 1)[-1]
        args = node.args
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}

        if last == "ResourceOptions":
            return Options(last, tuple((k, ev(v, scope, b, depth)) for k, v in kwargs.items()))
        if last in _DEFAULT_CALLS or (last.endswith("Value") and "values" in qual):
            # pydantic Field(default), dataclasses field(default=...), django-configurations
            # values.ListValue(default): the default is what runs without the variable.
            if "default" in kwargs:
                return ev(kwargs["default"], scope, b, depth)
            if "default_factory" in kwargs:
                factory = kwargs["default_factory"]
                if isinstance(factory, ast.Lambda):
                    return ev(factory.body, scope, b, depth)
                return UNKNOWN
            if args and last != "field":
                return ev(args[0], scope, b, depth)
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id not in b and not args:
            made = self._instance(func.id)
            if made is not None:
                return made
        if qual in ("os.getenv", "getenv", "posix.getenv"):
            if len(args) > 1:
                return ev(args[1], scope, b, depth)
            return ev(kwargs["default"], scope, b, depth) if "default" in kwargs else None
        if isinstance(func, ast.Attribute):
            method = func.attr
            # The request's Origin header through a getter: headers.get("Origin"), META.get(...)
            if method in _HEADER_GETTERS and args:
                key = ev(args[0], scope, b, depth)
                if isinstance(key, str) and key.lower() in _ORIGIN_HEADER_KEYS:
                    receiver = ev(func.value, scope, b, depth)
                    if receiver is not ENVIRON:
                        return self._origin(b)
            # os.environ.get(NAME, default): the default runs when NAME is unset.
            if method == "get" and qual.startswith("os.environ"):
                return ev(args[1], scope, b, depth) if len(args) > 1 else None
            # django-environ: env("X", default=...), env.list("X", default=...)
            if isinstance(func.value, ast.Name) and func.value.id == "env":
                default_node = kwargs.get("default")
                # env.bool("DEBUG", True): the second argument is the default of the typed
                # getters in django-environ (Env.bool/int/float/str/json/url) and in environs;
                # for env.list/tuple/dict django-environ's second argument is `cast` instead.
                if default_node is None and len(args) > 1 and method in _ENV_SECOND_DEFAULT:
                    default_node = args[1]
                return _env_default(ev(default_node, scope, b, depth), method)
            if qual.startswith("re.") or qual.startswith("regex."):
                return self._re_call(last, node, scope, b, depth)
            receiver = ev(func.value, scope, b, depth)
            if isinstance(receiver, Compiled) and method in _RE_FUNCS and args:
                subject = ev(args[0], scope, b, depth)
                self.seen_regexes.append((receiver.pattern, node))
                return self._regex_call(method, receiver.pattern, subject, receiver.flags, node)
            if receiver is ORIGIN:
                return ORIGIN if method in _ORIGIN_PRESERVING else UNKNOWN
            if isinstance(receiver, str):
                if method in ("encode", "decode"):
                    return receiver
                if method in _STR_METHODS:
                    call_args = [ev(a, scope, b, depth) for a in args]
                    if all(_plain(a) for a in call_args) and not kwargs:
                        size = _result_size(method, receiver, call_args)
                        if size is None:
                            return self._too_big(
                                node, "str.format with a format spec (it can pad to any width)"
                            )
                        if not self._charge(node, size):
                            return UNKNOWN
                        result = getattr(str, method)(receiver, *call_args)
                        return tuple(result) if isinstance(result, list) else result
                return UNKNOWN
            if isinstance(receiver, dict) and method == "get" and args:
                key = ev(args[0], scope, b, depth)
                default = ev(args[1], scope, b, depth) if len(args) > 1 else None
                return receiver.get(key, default) if isinstance(key, str) else UNKNOWN
            return UNKNOWN

        if qual == "decouple.config" or qual.endswith("decouple.config"):
            default = ev(kwargs.get("default"), scope, b, depth) if "default" in kwargs else None
            cast = kwargs.get("cast")
            if isinstance(cast, ast.Call) and (self.qualname(cast.func) or "").endswith("Csv"):
                return _env_default(default, "list")
            return default
        if qual == "env" or qual.endswith((".env", "environ.Env")):
            # django-environ's env("X", default=...), also imported from a settings module
            return _env_default(ev(kwargs.get("default"), scope, b, depth), "str")
        if last in ("any", "all") and len(args) == 1 and isinstance(args[0], ast.GeneratorExp):
            return self._any_all(last == "any", args[0], scope, b, depth)
        if last in ("list", "tuple", "set", "frozenset", "sorted") and len(args) == 1:
            value = ev(args[0], scope, b, depth)
            return tuple(value) if isinstance(value, (tuple, str)) else UNKNOWN
        if last in ("str", "bool") and len(args) == 1:
            value = ev(args[0], scope, b, depth)
            if value is ORIGIN or value is UNKNOWN:
                return value
            return str(value) if last == "str" else bool(value)
        if last in ("urlparse", "urlsplit") and args:
            value = ev(args[0], scope, b, depth)
            if isinstance(value, str):
                parts = urlsplit(value)
                return Parsed(parts.scheme, parts.netloc, parts.hostname, parts.port)
            return UNKNOWN
        if last == "dict" and not args:
            return {k: ev(v, scope, b, depth) for k, v in kwargs.items()}
        if last == "dict" and len(args) == 1:
            # dict(scope["headers"]).get(b"origin") is an origin source: keep it unknown here
            return UNKNOWN
        if isinstance(func, ast.Name) and func.id in self.functions and func.id not in b:
            return self._inline(self.functions[func.id], node, scope, b, depth)
        if isinstance(func, ast.Name) and scope is not None:
            return UNKNOWN
        return UNKNOWN

    def _instance(self, name: str) -> Value | None:
        """``Settings()`` for a class of the project: an Instance (None if not a class)."""
        if name in self.classes and self.module:
            return Instance(self.module, name)
        origin = self.import_from.get(name)
        if (
            origin is not None
            and self.project is not None
            and self.project.has_class(origin[0], origin[1])
        ):
            return Instance(*self.project.class_home(origin[0], origin[1]))
        return None

    def _re_call(
        self, name: str, node: ast.Call, scope: Scope | None, b: Bindings, depth: int
    ) -> Value:
        args = node.args
        kwargs = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        if not args:
            return UNKNOWN
        pattern = self.eval(args[0], scope, b, depth)
        if isinstance(pattern, Compiled):
            pattern = pattern.pattern
        flags_node = kwargs.get("flags")
        if name == "compile":
            flags_node = args[1] if len(args) > 1 else flags_node
            flags = self.eval(flags_node, scope, b, depth) if flags_node is not None else 0
            if isinstance(pattern, str) and isinstance(flags, int):
                return Compiled(pattern, flags)
            return UNKNOWN
        if name == "escape":
            return re.escape(pattern) if isinstance(pattern, str) else UNKNOWN
        if name in _RE_FUNCS and len(args) > 1:
            flags_node = args[2] if len(args) > 2 else flags_node
            flags = self.eval(flags_node, scope, b, depth) if flags_node is not None else 0
            subject = self.eval(args[1], scope, b, depth)
            if isinstance(pattern, str):
                self.seen_regexes.append((pattern, node))
            if not isinstance(flags, int):
                return UNKNOWN
            return self._regex_call(name, pattern, subject, flags, node)
        return UNKNOWN

    def _any_all(
        self, is_any: bool, gen: ast.GeneratorExp, scope: Scope | None, b: Bindings, depth: int
    ) -> Value:
        values = self._comprehension(gen.elt, gen.generators, scope, b, depth)
        if values is None:
            return UNKNOWN
        unknown = False
        for value in values:
            t = truth(value)
            if t is None:
                unknown = True
            elif t is is_any:
                return is_any
        return UNKNOWN if unknown else not is_any

    def _inline(
        self, func: ast.FunctionDef, call: ast.Call, scope: Scope | None, b: Bindings, depth: int
    ) -> Value:
        """A one-expression helper: ``def allowed(origin): return origin in ORIGINS``."""
        body = [
            s
            for s in func.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or call.keywords:
            return UNKNOWN
        params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
        if len(call.args) > len(params):
            return UNKNOWN
        inner: Bindings = {ORIGIN_KEY: b[ORIGIN_KEY]} if ORIGIN_KEY in b else {}
        for name, arg in zip(params, call.args, strict=False):
            inner[name] = self.eval(arg, scope, b, depth)
        return self.eval(body[0].value, self.scope_for(func, None), inner, depth)

    def _regex_call(
        self, name: str, pattern: object, subject: object, flags: int, node: ast.AST
    ) -> Value:
        """Run a regex from the linted code, only when it cannot backtrack for long."""
        if not isinstance(pattern, str) or not isinstance(subject, str):
            return UNKNOWN
        if len(subject) > MAX_SUBJECT:
            return UNKNOWN
        risk = regex_risk(pattern, flags)
        if risk is not None:
            # Not run with re; the linear-time engine judges it when it can read it.
            judged = safe_call(name, pattern, subject, flags)
            if judged is None:
                self.note(node, f"regex not evaluated: {risk}")
                return UNKNOWN
            return judged
        try:
            compiled = re.compile(pattern, flags)
        except (re.error, RecursionError, OverflowError):
            return UNKNOWN
        return getattr(compiled, name)(subject) is not None


def _result_size(method: str, receiver: str, args: list[object]) -> int | None:
    """An upper bound of the size of ``receiver.method(*args)``, before computing it."""
    strings = [a for a in args if isinstance(a, str)]
    if method == "replace" and len(strings) >= 2:
        old, new = strings[0], strings[1]
        hits = receiver.count(old) if old else len(receiver) + 1
        return len(receiver) + hits * max(len(new) - len(old), 0)
    if method == "join" and args:
        items = args[0] if isinstance(args[0], (tuple, str)) else (args[0],)
        total = sum(len(x) for x in items if isinstance(x, str))
        return total + len(receiver) * max(len(items) - 1, 0)
    if method == "format":
        # "{:>999999999}".format(x) pads to any width: no format specs or conversions.
        if _FORMAT_SPEC_RE.search(receiver):
            return None
        longest = max((len(str(a)) for a in args), default=0)
        return len(receiver) + receiver.count("{") * longest
    return len(receiver)


def _plain(value: object) -> bool:
    if isinstance(value, tuple):
        return all(isinstance(v, str) for v in value)
    return isinstance(value, (str, int)) or value is None


_ENV_SECOND_DEFAULT = frozenset({"bool", "int", "float", "str", "json", "url"})


def _env_default(default: object, method: str) -> object:
    if method in ("list", "tuple") and isinstance(default, str):
        return tuple(part.strip() for part in default.split(",") if part.strip())
    return default if default is not UNKNOWN else None


def _compare_one(op: ast.cmpop, left: object, right: object) -> bool | None:
    if isinstance(op, (ast.Is, ast.IsNot)):
        if left is UNKNOWN or right is UNKNOWN or left is ORIGIN:
            return None
        same = left is right or (left is None and right is None)
        return same if isinstance(op, ast.Is) else not same
    if isinstance(op, (ast.In, ast.NotIn)):
        inside = _contains(right, left)
        if inside is None:
            return None
        return inside if isinstance(op, ast.In) else not inside
    if any(v is UNKNOWN or v is ORIGIN or v is ENVIRON for v in (left, right)):
        return None
    if isinstance(op, ast.Eq):
        return bool(left == right)
    if isinstance(op, ast.NotEq):
        return bool(left != right)
    return None


def _contains(container: object, item: object) -> bool | None:
    if item is UNKNOWN or item is ORIGIN or container is UNKNOWN or container is ORIGIN:
        return None
    if isinstance(container, str):
        return item in container if isinstance(item, str) else None
    if isinstance(container, dict):
        return item in container if isinstance(item, (str, int)) else None
    if isinstance(container, tuple):
        if any(item == v for v in container if v is not UNKNOWN):
            return True
        return None if any(v is UNKNOWN for v in container) else False
    return None


def list_edit(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
    """A module-level edit of a list setting as ``NAME = NAME + [...]``: ``X += [...]``,
    ``X.append(v)``, ``X.extend(vs)``, ``X.insert(i, v)`` (None for anything else)."""
    where = {"lineno": stmt.lineno, "col_offset": stmt.col_offset}
    if (
        isinstance(stmt, ast.AugAssign)
        and isinstance(stmt.target, ast.Name)
        and isinstance(stmt.op, (ast.Add, ast.BitOr))
    ):
        name = stmt.target.id
        return name, ast.BinOp(ast.Name(name, ast.Load(), **where), ast.Add(), stmt.value, **where)
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    name = func.value.id
    old = ast.Name(name, ast.Load(), **where)
    if func.attr in ("append", "add") and len(call.args) == 1:
        added: ast.expr = ast.Tuple([call.args[0]], ast.Load(), **where)
    elif func.attr in ("extend", "update") and len(call.args) == 1:
        added = call.args[0]
    elif func.attr == "insert" and len(call.args) == 2:
        added = ast.Tuple([call.args[1]], ast.Load(), **where)
    else:
        return None
    return name, ast.BinOp(old, ast.Add(), added, **where)


def resolve_relative(module: str, level: int, name: str | None, is_package: bool) -> str | None:
    """The absolute module of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or None
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return None
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    if name:
        parts.append(name)
    return ".".join(parts) or None


def module_statements(
    body: list[ast.stmt], decide: Callable[[ast.If], bool | None] | None = None
) -> Iterator[ast.stmt]:
    """Top-level statements, including those inside module-level if/try/with blocks. With
    ``decide`` (whether the ``if``'s test holds, None when not known), an ``if`` whose test is
    known keeps only the branch that runs."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            runs = decide(stmt) if decide is not None else None
            if runs is not False:
                yield from module_statements(stmt.body, decide)
            if runs is not True:
                yield from module_statements(stmt.orelse, decide)
        elif isinstance(stmt, ast.Try):
            yield from module_statements(stmt.body, decide)
            for handler in stmt.handlers:
                yield from module_statements(handler.body, decide)
            yield from module_statements(stmt.orelse, decide)
            yield from module_statements(stmt.finalbody, decide)
        elif isinstance(stmt, ast.With):
            yield from module_statements(stmt.body, decide)
