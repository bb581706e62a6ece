"""Rewriting a module's CORS configuration to corsguard with libcst, keeping its formatting.

Only the nodes that change are rebuilt: an import line, the arguments of a middleware
call, the ``CORS_*`` settings of a Django settings module and two strings of its
``MIDDLEWARE`` and ``INSTALLED_APPS``; unchanged arguments keep their exact text, comments
and layout. What each option becomes is decided by `corsguard.migrate.translate`; the notes
it returns are written as comments above the rewritten statement.

libcst is imported by this module only: ``corsguard migrate`` loads it lazily, so the core
install does not need it.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from corsguard.migrate.translate import (
    DJANGO_SETTINGS,
    Expr,
    Note,
    Translation,
    from_django,
    from_flask_cors,
    from_starlette,
)

STARLETTE_MODULES = ("starlette.middleware.cors", "fastapi.middleware.cors")
_STARLETTE_DOTTED = tuple(f"{module}.CORSMiddleware" for module in STARLETTE_MODULES)
STARLETTE_PARAMS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "allow_origin_regex",
    "allow_private_network",
    "expose_headers",
    "max_age",
)
FLASK_RENAMES = {
    "origins": "allow_origins",
    "methods": "allow_methods",
    "supports_credentials": "allow_credentials",
}
DJANGO_STRINGS = {
    "corsheaders.middleware.CorsMiddleware": "corsguard.django.CORSGuardMiddleware",
    "corsheaders": "corsguard.django.CORSGuardConfig",
    "corsheaders.apps.CorsHeadersAppConfig": "corsguard.django.CORSGuardConfig",
}
DJANGO_DEFAULTS = {
    "default_headers": (
        "accept",
        "authorization",
        "content-type",
        "user-agent",
        "x-csrftoken",
        "x-requested-with",
    ),
    "default_methods": ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"),
}
LINE_LIMIT = 99
NOTE_WIDTH = 88

# Reads the CORS_* settings of another settings module (for `from .base import *`).
SettingsResolver = Callable[[str, int], "dict[str, object] | None"]


class MigrateError(Exception):
    """The file cannot be migrated (syntax error, unsupported syntax): the message says why."""


@dataclass
class Outcome:
    """The migrated source and what could not be done (line, message)."""

    code: str
    changed: bool
    skipped: list[tuple[int, str]] = field(default_factory=list)
    data: bytes = b""  # the new source in the file's own encoding
    encoding: str = "utf-8"
    django_settings: dict[str, object] = field(default_factory=dict)


# --- values ------------------------------------------------------------------------------------


class _Unknown(Exception):
    pass


def _evaluate(node: ast.expr, names: Mapping[str, object], depth: int = 0) -> object:
    """A literal, or a literal built from known names with + list() tuple() and *."""
    if depth > 30:
        raise _Unknown
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items: list[object] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                items.extend(_sequence(_evaluate(element.value, names, depth + 1)))
            else:
                items.append(_evaluate(element, names, depth + 1))
        return items if not isinstance(node, ast.Tuple) else tuple(items)
    if isinstance(node, ast.Dict):
        out: dict[object, object] = {}
        for key, value in zip(node.keys, node.values, strict=False):
            if key is None:
                raise _Unknown
            out[_evaluate(key, names, depth + 1)] = _evaluate(value, names, depth + 1)
        return out
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        if node.id in names and not isinstance(names[node.id], Expr):
            return names[node.id]
        raise _Unknown
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _evaluate(node.left, names, depth + 1)
        right = _evaluate(node.right, names, depth + 1)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return [*_sequence(left), *_sequence(right)]
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        if name in ("list", "tuple", "set") and len(node.args) == 1 and not node.keywords:
            return list(_sequence(_evaluate(node.args[0], names, depth + 1)))
        if name == "timedelta" and not node.args:
            kwargs = {k.arg: _evaluate(k.value, names, depth + 1) for k in node.keywords}
            if all(isinstance(k, str) for k in kwargs) and all(
                isinstance(v, (int, float)) for v in kwargs.values()
            ):
                return int(timedelta(**kwargs).total_seconds())  # type: ignore[arg-type]
        if name == "compile" and len(node.args) == 1 and not node.keywords:
            return _evaluate(node.args[0], names, depth + 1)  # re.compile("..."), no flags
    raise _Unknown


def _sequence(value: object) -> list[object]:
    if isinstance(value, (list, tuple, set)):
        return list(value)
    raise _Unknown


def _value(code: str, names: Mapping[str, object]) -> object:
    try:
        tree = ast.parse(code.strip(), mode="eval")
        return _evaluate(tree.body, names)
    except (_Unknown, SyntaxError, ValueError, TypeError, OverflowError, RecursionError):
        return Expr(" ".join(code.split()))


# --- rendering -----------------------------------------------------------------------------


def render(value: object, indent: str, width: int = LINE_LIMIT) -> str:
    """Python source for a value; lists that do not fit go one item a line."""
    if isinstance(value, Expr):
        return value.source
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Translation):
        return _render_call("Policy", value, indent, width)
    if isinstance(value, dict):
        items = [f"{render(k, indent)}: {render(v, indent + '    ')}" for k, v in value.items()]
        flat = "{" + ", ".join(items) + "}"
        if len(indent) + len(flat) <= width and "\n" not in flat:
            return flat
        inner = indent + "    "
        parts = [f"{render(k, inner)}: {render(v, inner, width)}" for k, v in value.items()]
        return "{\n" + "".join(f"{inner}{p},\n" for p in parts) + indent + "}"
    if isinstance(value, (list, tuple)):
        rendered = [render(v, indent + "    ") for v in value]
        flat = "[" + ", ".join(rendered) + "]"
        if len(indent) + len(flat) <= width - 20 and "\n" not in flat:
            return flat
        inner = indent + "    "
        return "[\n" + "".join(f"{inner}{item},\n" for item in rendered) + indent + "]"
    raise TypeError(f"cannot render {type(value).__name__}")


def _policy_items(translation: Translation) -> list[tuple[str, object]]:
    items: list[tuple[str, object]] = list(translation.options.items())
    if translation.routes:
        items.append(("routes", dict(translation.routes)))
    return items


def _render_call(
    func: str,
    translation: Translation,
    indent: str,
    width: int,
    kept: Mapping[str, str] | None = None,
    flat_width: int | None = None,
) -> str:
    """``func(k=v, ...)``; ``kept`` holds option source text to keep as the user wrote it;
    the one-line form is used when it fits in ``flat_width`` (default ``width``)."""
    inner = indent + "    "
    kept = kept or {}
    parts = [
        f"{k}={kept[k] if k in kept else render(v, inner, width)}"
        for k, v in _policy_items(translation)
    ]
    flat = f"{func}(" + ", ".join(parts) + ")"
    if len(indent) + len(flat) <= (width if flat_width is None else flat_width) and (
        "\n" not in flat
    ):
        return flat
    return f"{func}(\n" + "".join(f"{inner}{p},\n" for p in parts) + indent + ")"


def render_django(translation: Translation) -> str:
    """The ``CORSGUARD = {...}`` statement (routes as nested dicts)."""

    def as_dict(t: Translation) -> dict[str, object]:
        out: dict[str, object] = dict(t.options)
        if t.routes:
            out["routes"] = {path: as_dict(route) for path, route in t.routes.items()}
        return out

    lines = [
        f"    {render(k, '')}: {render(v, '    ')},\n" for k, v in as_dict(translation).items()
    ]
    return "CORSGUARD = {\n" + "".join(lines) + "}\n"


def _wrap(text: str, prefix: str) -> list[str]:
    words = text.split()
    lines: list[str] = []
    current = prefix
    for word in words:
        if len(current) + len(word) + 1 > NOTE_WIDTH and current.strip() != prefix.strip():
            lines.append(current.rstrip())
            current = "#   "
        current += word + " "
    lines.append(current.rstrip())
    return lines


def comment_lines(notes: Sequence[Note]) -> list[str]:
    lines: list[str] = []
    for note in notes:
        prefix = "# TODO(corsguard migrate): " if note.decide else "# corsguard migrate: "
        lines.extend(_wrap(note.text, prefix))
    return lines


def _comment_nodes(notes: Sequence[Note]) -> list[cst.EmptyLine]:
    return [
        cst.EmptyLine(indent=True, comment=cst.Comment(_safe_comment(line)))
        for line in comment_lines(notes)
    ]


def _safe_comment(line: str) -> str:
    # A note quotes configuration text: keep it on one line, whatever it holds.
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in line)


# --- the transformer ----------------------------------------------------------------------


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def _import_from_module(node: cst.ImportFrom) -> str | None:
    if node.relative:
        return None
    return _dotted(node.module) if node.module is not None else None


class _Scanner(cst.CSTVisitor):
    """First pass: imports, module constants, flask-cors config keys, CORS() variables."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.starlette_names: set[str] = set()
        self.flask_names: set[str] = set()
        self.cross_origin_names: set[str] = set()
        self.constants: dict[str, object] = {}
        self.assigned: dict[str, int] = {}
        self.flask_config: dict[str, object] = {}
        self.flask_config_nodes: set[int] = set()
        self.cors_variables: set[str] = set()
        self.cors_call_variable: dict[int, str] = {}  # id(CORS() call) -> variable
        self.blueprints: set[str] = set()
        self.flask_partial = False  # a CORS(...) call stays: keep its import
        self.starlette_blocked = False  # CORSMiddleware(**options): not migrated in this file
        self.uses_cross_origin = False
        self.cross_origin_lines: list[int] = []
        self.nested_settings: list[tuple[int, list[str]]] = []
        self.nested_seen: set[int] = set()
        self.depth = 0

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _import_from_module(node)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname and isinstance(
                alias.asname.name, cst.Name) else name  # fmt: skip
            if local is None:
                continue
            if module in STARLETTE_MODULES and name == "CORSMiddleware":
                self.starlette_names.add(local)
            elif module == "flask_cors" and name == "CORS":
                self.flask_names.add(local)
            elif module == "flask_cors" and name == "cross_origin":
                self.cross_origin_names.add(local)

    def visit_Call(self, node: cst.Call) -> None:
        """Uses that cannot be migrated keep the old import (reported by the rewriter)."""
        func = _dotted(node.func)
        stars = any(arg.star for arg in node.args)
        if func in self.flask_names:
            first = node.args[0] if node.args else None
            on_blueprint = (
                first is not None
                and first.keyword is None
                and _dotted(first.value) in self.blueprints
            )
            self.flask_partial = self.flask_partial or stars or on_blueprint
        starlette = func in self.starlette_names or any(
            a.keyword is None and _dotted(a.value) in self.starlette_names for a in node.args
        )
        if starlette and stars:
            self.starlette_blocked = True

    def visit_Decorator(self, node: cst.Decorator) -> None:
        target = node.decorator.func if isinstance(node.decorator, cst.Call) else node.decorator
        if _dotted(target) in self.cross_origin_names:
            self.uses_cross_origin = True
            self.cross_origin_lines.append(self.line(node))

    def line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def visit_If(self, node: cst.If) -> None:
        self._nested_settings(node)

    def visit_Try(self, node: cst.Try) -> None:
        self._nested_settings(node)

    def visit_With(self, node: cst.With) -> None:
        self._nested_settings(node)

    def _nested_settings(self, node: cst.CSTNode) -> None:
        """django-cors-headers settings set inside a block: said, not migrated."""
        if self.depth:
            return

        class Find(cst.CSTVisitor):
            def __init__(self) -> None:
                self.names: list[str] = []

            def visit_AssignTarget(self, target: cst.AssignTarget) -> None:
                if isinstance(target.target, cst.Name) and target.target.value in DJANGO_SETTINGS:
                    self.names.append(target.target.value)

        finder = Find()
        node.visit(finder)
        if finder.names and id(node) not in self.nested_seen:
            self.nested_seen.add(id(node))
            self.nested_settings.append((self.line(node), sorted(set(finder.names))))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = _dotted(target.target)
            if name is not None and "." not in name:
                self.assigned[name] = self.assigned.get(name, 0) + 1
                if self.depth == 0:
                    self.constants[name] = _value(self.code(node.value), self.constants)
                if isinstance(node.value, cst.Call) and _dotted(node.value.func) in (
                    self.flask_names
                ):
                    self.cors_variables.add(name)
                    self.cors_call_variable[id(node.value)] = name
                if (
                    isinstance(node.value, cst.Call)
                    and (_dotted(node.value.func) or "").rpartition(".")[2] == "Blueprint"
                ):
                    self.blueprints.add(name)
            key = _config_key(target.target)
            if key is not None and key.startswith("CORS_"):
                self.flask_config[key[5:].lower()] = _value(self.code(node.value), self.constants)
                self.flask_config_nodes.add(id(node))


def _config_key(node: cst.BaseExpression) -> str | None:
    """``app.config["CORS_ORIGINS"]`` -> "CORS_ORIGINS"."""
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1:
        return None
    if not isinstance(node.value, cst.Attribute) or node.value.attr.value != "config":
        return None
    index = node.slice[0].slice
    if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
        value = index.value.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _arg_map(
    args: Sequence[cst.Arg], positional_names: Sequence[str], scanner: _Scanner
) -> tuple[dict[str, object], dict[str, cst.Arg], list[str]]:
    """Option values by name, the Arg nodes by name, and problems (``**kwargs``...)."""
    values: dict[str, object] = {}
    nodes: dict[str, cst.Arg] = {}
    problems: list[str] = []
    position = 0
    for arg in args:
        if arg.star:
            problems.append(f"{arg.star}{scanner.code(arg.value)} cannot be read statically")
            continue
        if arg.keyword is None:
            if position >= len(positional_names):
                problems.append("too many positional arguments")
                continue
            name = positional_names[position]
            position += 1
        else:
            name = arg.keyword.value
        values[name] = _value(scanner.code(arg.value), scanner.constants)
        nodes[name] = arg
    return values, nodes, problems


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, scanner: _Scanner, flask_extra: dict[str, dict[str, object]]) -> None:
        super().__init__()
        self.s = scanner
        self.flask_extra = flask_extra  # options of cors.init_app(app, ...) calls
        self.pending: list[Note] = []
        self.skipped: list[tuple[int, str]] = []
        self.changed = False

    # -- helpers
    def line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def column(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.column)

    def indent_of(self, node: cst.CSTNode) -> str:
        line = self.s.module.code.splitlines()[self.line(node) - 1]
        return line[: len(line) - len(line.lstrip())]

    # -- statements: comments go above the statement that was rewritten
    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]:
        if len(original_node.body) == 1:
            small = original_node.body[0]
            if isinstance(small, cst.Assign) and id(small) in self.s.flask_config_nodes:
                self.changed = True
                return cst.RemoveFromParent()
            if isinstance(small, cst.ImportFrom):
                replaced = self._rewrite_import(small, updated_node)
                if replaced is not None:
                    self.changed = True
                    return replaced
        if self.pending:
            notes, self.pending = self.pending, []
            return updated_node.with_changes(
                leading_lines=[*updated_node.leading_lines, *_comment_nodes(notes)]
            )
        return updated_node

    def _rewrite_import(
        self, node: cst.ImportFrom, line: cst.SimpleStatementLine
    ) -> cst.FlattenSentinel[cst.BaseStatement] | None:
        module = _import_from_module(node)
        if module not in (*STARLETTE_MODULES, "flask_cors") or isinstance(
            node.names, cst.ImportStar
        ):
            return None
        keep: list[cst.ImportAlias] = []
        new_lines: list[str] = []
        for alias in node.names:
            name = _dotted(alias.name)
            local = (
                alias.asname.name.value
                if alias.asname and isinstance(alias.asname.name, cst.Name)
                else name
            )
            if module in STARLETTE_MODULES and name == "CORSMiddleware":
                if self.s.starlette_blocked:
                    return None
                suffix = f" as {local}" if local != name else ""
                new_lines.append(f"from corsguard.asgi import CORSMiddleware{suffix}\n")
            elif module == "flask_cors" and name == "CORS":
                if self.s.flask_partial:
                    keep.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                    suffix = ""
                else:
                    suffix = f" as {local}" if local != name else ""
                new_lines.append("from corsguard import Policy\n")
                new_lines.append(f"from corsguard.flask import CORSGuard{suffix}\n")
            elif module == "flask_cors" and name == "cross_origin" and not self.s.uses_cross_origin:
                continue
            else:
                keep.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        if not new_lines and len(keep) == len(node.names):
            return None
        statements: list[cst.BaseStatement] = []
        if keep:
            statements.append(
                line.with_changes(body=[node.with_changes(names=keep, lpar=None, rpar=None)])
            )
        for index, text in enumerate(new_lines):
            statement = cst.parse_statement(text)
            assert isinstance(statement, cst.SimpleStatementLine)
            if index == 0 and not keep:
                statement = statement.with_changes(leading_lines=line.leading_lines)
            statements.append(statement)
        return cst.FlattenSentinel(statements)

    # -- calls
    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = _dotted(original_node.func)
        if func in self.s.flask_names:
            return self._flask_call(original_node, updated_node)
        if (
            func is not None
            and func.endswith(".init_app")
            and (func.rpartition(".")[0] in self.s.cors_variables)
        ):
            # The options moved into CORSGuard(policy=...): init_app takes the app only.
            args = [a for a in updated_node.args if a.keyword is None and not a.star][:1]
            if args:
                args = [args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            self.changed = True
            return updated_node.with_changes(args=args)
        # Starlette: CORSMiddleware as an argument (add_middleware, Middleware) or called.
        for index, arg in enumerate(original_node.args):
            if arg.keyword is None and _dotted(arg.value) in self.s.starlette_names:
                return self._starlette_call(original_node, updated_node, index + 1)
        if func in self.s.starlette_names:
            return self._starlette_call(original_node, updated_node, 1)
        dotted = [func, *(_dotted(a.value) for a in original_node.args)]
        if any(d and d.endswith(_STARLETTE_DOTTED) for d in dotted):
            self.skipped.append(
                (
                    self.line(original_node),
                    "CORSMiddleware used by its module path: import it with 'from "
                    "starlette.middleware.cors import CORSMiddleware' and run again",
                )
            )
        return updated_node

    def _starlette_call(self, original: cst.Call, updated: cst.Call, first: int) -> cst.Call:
        head = list(updated.args[:first])
        option_args = original.args[first:]
        values, nodes, problems = _arg_map(option_args, STARLETTE_PARAMS, self.s)
        if self.s.starlette_blocked and not problems:
            problems.append("another CORSMiddleware use in this file takes **options")
        if problems:
            self.skipped.append((self.line(original), "CORSMiddleware: " + "; ".join(problems)))
            return updated
        translation = from_starlette(values)
        new_args = self._rewrite_args(original, head, values, nodes, translation)
        self.pending.extend(translation.all_notes())
        self.changed = True
        return updated.with_changes(args=new_args)

    def _flask_call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        args = list(original.args)
        head: list[cst.Arg] = []
        if args and args[0].keyword is None and not args[0].star:
            head = [updated.args[0]]
            args = args[1:]
        values, nodes, problems = _arg_map(args, (), self.s)
        if head and _dotted(head[0].value) in self.s.blueprints:
            problems.append(
                "flask-cors on a blueprint: give the blueprint a policy with "
                "CORSGuard.blueprint_policy(...) or app.config['CORSGUARD_BLUEPRINTS']"
            )
        if problems:
            self.skipped.append((self.line(original), "CORS(...): " + "; ".join(problems)))
            return updated
        variable = self.s.cors_call_variable.get(id(original))
        extra = self.flask_extra.get(variable, {}) if variable else {}
        options = {**self.s.flask_config, **values, **extra}
        translation = from_flask_cors(options)
        kept = {
            FLASK_RENAMES.get(k, k): self.s.code(nodes[k].value)
            for k, v in values.items()
            if _same(v, translation.options.get(FLASK_RENAMES.get(k, k)))
        }
        indent = self.indent_of(original)
        name = _dotted(original.func) or "CORSGuard"
        aliased = name != "CORS" and not self.s.flask_partial  # `CORS as C`: CORSGuard as C
        func = self.s.code(original.func) if aliased else "CORSGuard"
        app = [self.s.code(head[0].value)] if head else []
        if "\n" in self.s.code(original):
            # One argument a line, as the original call was written.
            inner = indent + "    "
            policy = _render_call("Policy", translation, inner, LINE_LIMIT, kept)
            text = f"{func}(\n" + "".join(f"{inner}{a},\n" for a in app)
            text += f"{inner}policy={policy},\n{indent})"
        else:
            head_text = f"{func}(" + "".join(f"{a}, " for a in app) + "policy="
            # The call starts at its own column: the one-line form must fit from there.
            room = LINE_LIMIT - max(self.column(original) - len(indent), 0) - len(head_text)
            policy = _render_call("Policy", translation, indent, LINE_LIMIT, kept, room)
            text = f"{head_text}{policy})"
        self.pending.extend(translation.all_notes())
        self.changed = True
        replaced = cst.parse_expression(text)
        assert isinstance(replaced, cst.Call)
        return replaced

    def _rewrite_args(
        self,
        original: cst.Call,
        head: list[cst.Arg],
        values: Mapping[str, object],
        nodes: Mapping[str, cst.Arg],
        translation: Translation,
    ) -> list[cst.Arg]:
        """Keep an argument as written when its value is unchanged; rebuild the others.

        Arguments keep their order; new ones follow. Each kept argument keeps its comma (and
        the comment after it) unless it becomes the last one.
        """
        options: dict[str, object] = dict(translation.options)
        if translation.routes:
            options["routes"] = dict(translation.routes)
        order = [name for name in nodes if name in options]
        order += [name for name in options if name not in order]
        separator: cst.Comma | cst.MaybeSentinel = cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        for arg in [*original.args][:-1]:
            if isinstance(arg.comma, cst.Comma):
                separator = arg.comma
                break
        last_comma = original.args[-1].comma if original.args else cst.MaybeSentinel.DEFAULT
        indent = self.indent_of(original) + "    "
        out: list[cst.Arg] = []
        for name in order:
            value = options[name]
            node = nodes.get(name)
            if node is not None and _same(values.get(name), value):
                out.append(node)
                continue
            expression = cst.parse_expression(self._extended(node, values.get(name), value, indent))
            if node is not None:
                out.append(node.with_changes(value=expression))
            else:
                out.append(
                    cst.Arg(
                        keyword=cst.Name(name),
                        value=expression,
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""),
                            whitespace_after=cst.SimpleWhitespace(""),
                        ),
                    )
                )
        every = [*head, *out]
        fixed: list[cst.Arg] = []
        for position, arg in enumerate(every):
            if position == len(every) - 1:
                comma = last_comma
            elif isinstance(arg.comma, cst.Comma) and arg is not original.args[-1]:
                comma = arg.comma
            else:
                comma = separator
            fixed.append(arg.with_changes(comma=comma))
        return fixed

    def _extended(self, node: cst.Arg | None, before: object, after: object, indent: str) -> str:
        """``[*NAME, "new"]`` when a named list only gained items (the name is kept)."""
        if (
            node is not None
            and isinstance(node.value, (cst.Name, cst.Attribute))
            and isinstance(before, (list, tuple))
            and isinstance(after, list)
            and len(after) > len(before)
            and list(before) == after[: len(before)]
        ):
            items = [f"*{self.s.code(node.value)}", *(render(v, "") for v in after[len(before) :])]
            flat = "[" + ", ".join(items) + "]"
            if len(indent) + len(flat) <= LINE_LIMIT - 20:
                return flat
            inner = indent + "    "
            return "[\n" + "".join(f"{inner}{item},\n" for item in items) + indent + "]"
        return render(after, indent)

    # -- Django settings: strings in MIDDLEWARE and INSTALLED_APPS
    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.List:
        return updated_node.with_changes(elements=self._unique(updated_node.elements))

    def leave_Tuple(self, original_node: cst.Tuple, updated_node: cst.Tuple) -> cst.Tuple:
        elements = self._unique(updated_node.elements)
        if len(elements) == 1 and len(updated_node.elements) > 1:
            # ("a",) stays a tuple: keep a trailing comma.
            elements = [elements[0].with_changes(comma=cst.Comma())]
        return updated_node.with_changes(elements=elements)

    def _unique(self, elements: Sequence[cst.BaseElement]) -> list[cst.BaseElement]:
        """Drop a corsguard entry listed twice once corsheaders' is replaced: an app label
        twice stops Django, a middleware twice runs twice."""
        seen: set[str] = set()
        out: list[cst.BaseElement] = []
        for element in elements:
            value = element.value
            if isinstance(value, cst.SimpleString):
                text = value.evaluated_value
                if isinstance(text, str) and text in DJANGO_STRINGS.values():
                    if text in seen:
                        self.changed = True
                        continue
                    seen.add(text)
            out.append(element)
        if out and len(out) < len(elements) and elements[-1] is not out[-1]:
            out[-1] = out[-1].with_changes(comma=elements[-1].comma)
        return out

    def leave_SimpleString(
        self, original_node: cst.SimpleString, updated_node: cst.SimpleString
    ) -> cst.SimpleString:
        value = original_node.evaluated_value
        if isinstance(value, str) and value in DJANGO_STRINGS:
            quote = original_node.quote if original_node.quote in ('"', "'") else '"'
            self.changed = True
            return updated_node.with_changes(value=f"{quote}{DJANGO_STRINGS[value]}{quote}")
        return updated_node


def _same(before: object, after: object) -> bool:
    if isinstance(before, Expr) or isinstance(after, Expr):
        return before == after
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        return list(before) == list(after)
    return type(before) is type(after) and before == after


# --- Django settings modules ----------------------------------------------------------------


def _django_statements(module: cst.Module) -> list[tuple[int, str, str, cst.BaseExpression]]:
    """Top-level ``CORS_X = ...`` / ``CORS_X += ...`` statements: (index, name, op, value)."""
    found = []
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            continue
        small = statement.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target, op, value = small.targets[0].target, "=", small.value
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            target, op, value = small.target, "=", small.value
        elif isinstance(small, cst.AugAssign) and isinstance(small.operator, cst.AddAssign):
            target, op, value = small.target, "+=", small.value
        else:
            continue
        if isinstance(target, cst.Name) and target.value in DJANGO_SETTINGS:
            found.append((index, target.value, op, value))
    return found


def _star_base(statement: cst.BaseStatement) -> tuple[str, int] | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
        name = _dotted(small.module) if small.module is not None else ""
        return name or "", len(small.relative)
    return None


def django_settings(
    module: cst.Module, resolver: SettingsResolver | None
) -> tuple[dict[str, object], bool]:
    """The effective CORS_* settings at the end of the module, and whether it sets any."""
    settings: dict[str, object] = {}
    names: dict[str, object] = dict(DJANGO_DEFAULTS)
    own = False
    by_index = {index: (name, op, value) for index, name, op, value in _django_statements(module)}
    for index, statement in enumerate(module.body):
        base = _star_base(statement)
        if base is not None and resolver is not None:
            inherited = resolver(*base)
            if inherited:
                settings.update(inherited)
                names.update(inherited)
            continue
        if index not in by_index:
            continue
        own = True
        name, op, node = by_index[index]
        value = _value(module.code_for_node(node), names)
        if op == "+=":
            before = settings.get(name)
            if isinstance(before, (list, tuple)) and isinstance(value, (list, tuple)):
                value = [*before, *value]
            else:
                value = Expr(f"{_source(before, name)} + {_source(value, name)}")
        settings[name] = value
        names[name] = value
    return settings, own


def _source(value: object, name: str) -> str:
    if value is None:
        return name
    return value.source if isinstance(value, Expr) else render(value, "", 10**6)


def _rewrite_django(module: cst.Module, translation: Translation) -> cst.Module:
    statements = _django_statements(module)
    indexes = [index for index, *_ in statements]
    # The comments written above each removed setting go above CORSGUARD.
    carried: list[cst.EmptyLine] = []
    for index in indexes[1:]:
        carried.extend(line for line in module.body[index].leading_lines if line.comment)
    body: list[cst.BaseStatement] = []
    for index, statement in enumerate(module.body):
        if index not in indexes:
            body.append(statement)
        elif index == indexes[0]:
            new = cst.parse_statement(render_django(translation))
            leading = [*statement.leading_lines, *carried, *_comment_nodes(translation.all_notes())]
            body.append(new.with_changes(leading_lines=leading))
    return _drop_unused_defaults_import(module.with_changes(body=body))


def _drop_unused_defaults_import(module: cst.Module) -> cst.Module:
    body: list[cst.BaseStatement] = []
    removed_lines: list[cst.EmptyLine] | None = None
    for statement in module.body:
        if removed_lines is not None and isinstance(
            statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ):
            # The blank lines of the removed import replace the next statement's.
            own = [line for line in statement.leading_lines if line.comment]
            statement = statement.with_changes(leading_lines=[*removed_lines, *own])
            removed_lines = None
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.ImportFrom)
            and _import_from_module(statement.body[0]) == "corsheaders.defaults"
        ):
            names = statement.body[0].names
            if not isinstance(names, cst.ImportStar):
                others = module.with_changes(body=[s for s in module.body if s is not statement])
                used = [
                    a
                    for a in names
                    if isinstance(a.name, cst.Name)
                    and re.search(rf"\b{re.escape(a.name.value)}\b", others.code)
                ]
                if not used:
                    removed_lines = list(statement.leading_lines)
                    continue
        body.append(statement)
    return module.with_changes(body=body)


# --- entry point ----------------------------------------------------------------------------


def parse(source: bytes) -> cst.Module:
    """The libcst module, or a MigrateError that says where and why it cannot be read."""
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        where = f"line {exc.raw_line}:{exc.raw_column + 1}"
        reason = "invalid syntax"
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError, RecursionError) as exc:
        raise MigrateError(f"cannot read as Python source: {exc}") from None
    # libcst says only "Syntax Error"; Python's own parser says what is wrong.
    try:
        ast.parse(source)
    except SyntaxError as exc:
        where = f"line {exc.lineno}:{exc.offset}" if exc.lineno else where
        reason = exc.msg
    except (ValueError, RecursionError, MemoryError) as exc:
        reason = str(exc)
    else:
        reason = "syntax that libcst does not support yet"
    raise MigrateError(
        f"{where}: cannot parse: {reason} (if the file is valid for a newer Python than "
        f"{sys.version_info.major}.{sys.version_info.minor}, run corsguard migrate with that "
        "Python)"
    )


def migrate_module(source: bytes, resolver: SettingsResolver | None = None) -> Outcome:
    """Rewrite one module's source (bytes, any declared encoding) to corsguard."""
    module = parse(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scanner = _Scanner(module)
    wrapper.visit(scanner)
    flask_extra: dict[str, dict[str, object]] = {}
    if scanner.cors_variables:
        flask_extra = _init_app_options(module, scanner)
    rewriter = _Rewriter(scanner, flask_extra)
    try:
        new_module = wrapper.visit(rewriter)
    except RecursionError:
        raise MigrateError("too deeply nested to rewrite") from None
    changed = rewriter.changed
    settings, own = django_settings(module, resolver)
    if own and settings:
        translation = from_django(settings)
        new_module = _rewrite_django(new_module, translation)
        changed = True
    skipped = list(rewriter.skipped)
    for line in scanner.cross_origin_lines:
        skipped.append(
            (line, "@cross_origin views are not migrated: give them a path prefix under the "
                   "policy's routes, or a blueprint policy (see docs/migrate.md)")
        )  # fmt: skip
    for line, names in scanner.nested_settings:
        skipped.append(
            (line, f"{', '.join(names)} set inside a block: not migrated; put the policy for "
                   "that case in CORSGUARD (e.g. a separate settings module)")
        )  # fmt: skip
    final = new_module if changed else module
    code = final.code
    return Outcome(
        code,
        changed and code != module.code,
        skipped,
        data=final.bytes,
        encoding=final.encoding,
        django_settings=settings,
    )


def _init_app_options(module: cst.Module, scanner: _Scanner) -> dict[str, dict[str, object]]:
    """The options of ``cors.init_app(app, ...)``, by the variable holding ``CORS()``."""
    options: dict[str, dict[str, object]] = {}

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = _dotted(node.func)
            if (
                func
                and func.endswith(".init_app")
                and func.rpartition(".")[0] in (scanner.cors_variables)
            ):
                args = [a for a in node.args if a.keyword is not None or a.star]
                values, _nodes, _problems = _arg_map(args, (), scanner)
                options.setdefault(func.rpartition(".")[0], {}).update(values)

    module.visit(Finder())
    return options
