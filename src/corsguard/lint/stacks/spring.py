"""Spring (Java and Kotlin sources, application.properties / application.yml).

Read with tree-sitter (Java, Kotlin) and PyYAML; nothing is compiled or run. Semantics, read
from spring-framework 6.1 (web/cors/CorsConfiguration.java, CorsRegistration.java,
bind/annotation/CrossOrigin.java, RequestMappingHandlerMapping#initCorsConfiguration) and
Spring Boot 3.x CorsEndpointProperties:

- ``checkOrigin``: ``allowedOrigins`` containing ``"*"`` answers ``*`` — and, when
  ``allowCredentials`` is true, throws IllegalArgumentException (``validateAllowCredentials``,
  since 5.3), so that combination fails at run time instead of opening a hole. Other entries
  are compared with ``equalsIgnoreCase`` after trimming a trailing slash.
- ``allowedOriginPatterns``: ``"*"`` answers *every* origin with its own name (with credentials
  when allowed); other patterns become ``\\Q...\\E`` with each ``*`` replaced by ``.*`` and an
  optional port list ``:[8080,8081]`` / ``:[*]``, tested with ``Matcher.matches()`` (whole
  string, case-sensitive).
- ``@CrossOrigin`` with neither ``origins`` nor ``originPatterns`` allows ``*``;
  ``allowCredentials`` is unset (off) unless ``"true"``. Class and method annotations combine:
  origins add up, the method's ``allowCredentials`` wins.
- ``CorsRegistry.addMapping(path)`` starts from ``applyPermitDefaultValues()``: all origins
  (``*``) unless ``allowedOrigins``/``allowedOriginPatterns`` is called.
- ``management.endpoints.web.cors.*`` (Spring Boot), ``spring.web.cors.*`` and
  ``spring.cloud.gateway.globalcors.cors-configurations.[path].*`` take the same lists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import tree_sitter_java
import tree_sitter_kotlin
from tree_sitter import Language, Node, Parser

from corsguard.lint.analyzer import RawFinding
from corsguard.lint.stacks.common import Grant, Regex, compile_regex, judge_grant
from corsguard.lint.stacks.syntax_tree import node_text as _text
from corsguard.lint.stacks.syntax_tree import walk as _walk


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_MAX_YAML_NODES = 100_000
_PARSERS: dict[str, Parser] = {}
_ORIGIN_METHODS = frozenset(
    {
        "allowedOrigins",
        "allowedOriginPatterns",
        "setAllowedOrigins",
        "setAllowedOriginPatterns",
        "addAllowedOrigin",
        "addAllowedOriginPattern",
        "allowCredentials",
        "setAllowCredentials",
        "applyPermitDefaultValues",
    }
)
_LIST_FACTORIES = frozenset(
    {
        "of",
        "asList",
        "singletonList",
        "listOf",
        "mutableListOf",
        "arrayOf",
        "setOf",
        "singleton",
        "unmodifiableList",
    }
)


def _parser(kotlin: bool) -> Parser:
    key = "kotlin" if kotlin else "java"
    if key not in _PARSERS:
        language = tree_sitter_kotlin.language() if kotlin else tree_sitter_java.language()
        _PARSERS[key] = Parser(Language(language))
    return _PARSERS[key]


def origin_pattern_matcher(pattern: str) -> Callable[[str], bool] | None:
    """Spring's OriginPattern: literal text, `*` = `.*`, optional `:[ports]`, whole-string match."""
    ports = None
    match = re.fullmatch(r"(.*):\[(\*|\d+(?:,\d+)*)\]", pattern)
    if match:
        pattern, ports = match.group(1), match.group(2)
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    if ports is not None:
        regex += "(:\\d+)?" if ports == "*" else ":(" + ports.replace(",", "|") + ")"
    compiled = compile_regex(regex)
    if compiled is None:
        return None
    return lambda origin: compiled.fullmatch(origin.rstrip("/")) is not None


class Source:
    """One Java or Kotlin file: constants, annotations and call chains."""

    def __init__(self, text: str, path: str) -> None:
        self.kotlin = path.endswith((".kt", ".kts"))
        self.source = text.encode("utf-8", "surrogatepass")
        self.lines = self.source.split(b"\n")
        self.root = _parser(self.kotlin).parse(self.source).root_node
        self.consts: dict[str, list[Node]] = {}
        for node in _walk(self.root):
            if node.type == "variable_declarator" and not self.kotlin:
                name = node.child_by_field_name("name")
                value = node.child_by_field_name("value")
                if name is not None and value is not None:
                    self.consts.setdefault(_text(name), []).append(value)
            elif node.type == "property_declaration" and self.kotlin:
                decl = next(
                    (c for c in node.named_children if c.type == "variable_declaration"), None
                )
                value = node.named_children[-1] if node.named_children else None
                if decl is not None and value is not None and value != decl:
                    self.consts.setdefault(_text(decl.named_children[0]), []).append(value)

    def position(self, node: Node) -> tuple[int, int]:
        row, byte_col = node.start_point
        line = self.lines[row] if row < len(self.lines) else b""
        return row + 1, len(line[:byte_col].decode("utf-8", "replace")) + 1

    def eval(self, node: Node | None, depth: int = 0) -> Any:
        if node is None or depth > 10:
            return UNKNOWN
        kind = node.type
        if kind in ("string_literal", "line_string_literal", "multi_line_string_literal"):
            parts = []
            for child in node.named_children:
                if child.type in ("string_fragment", "string_content", "multiline_string_fragment"):
                    parts.append(_text(child))
                elif child.type == "escape_sequence":
                    parts.append(_text(child)[1:])
                else:
                    return UNKNOWN  # an interpolation
            return "".join(parts)
        if kind in ("true", "false"):
            return kind == "true"
        if kind == "boolean_literal":
            return _text(node) == "true"
        if kind == "identifier" and _text(node) in ("true", "false"):
            return _text(node) == "true"
        if kind in ("identifier", "simple_identifier"):
            values = self.consts.get(_text(node), [])
            return self.eval(values[0], depth + 1) if len(values) == 1 else UNKNOWN
        if kind == "field_access" or kind == "navigation_expression":
            last = node.named_children[-1] if node.named_children else None
            values = self.consts.get(_text(last), [])
            return self.eval(values[0], depth + 1) if len(values) == 1 else UNKNOWN
        if kind in ("element_value_array_initializer", "array_initializer", "collection_literal"):
            return [self.eval(c, depth + 1) for c in node.named_children if c.type != "comment"]
        if kind == "parenthesized_expression":
            return self.eval(node.named_children[0] if node.named_children else None, depth + 1)
        if kind == "binary_expression" or kind == "additive_expression":
            left, right = node.named_children[0], node.named_children[-1]
            a, b = self.eval(left, depth + 1), self.eval(right, depth + 1)
            if isinstance(a, str) and isinstance(b, str) and "+" in _text(node):
                return a + b
            return UNKNOWN
        if kind in ("method_invocation", "call_expression"):
            name, receiver, args = self.call_parts(node)
            if name in _LIST_FACTORIES:
                values = [self.eval(a, depth + 1) for a in args]
                flat: list[Any] = []
                for value in values:
                    flat.extend(value if isinstance(value, list) else [value])
                return flat
            if name == "split" and receiver is not None and args:
                target, sep = self.eval(receiver, depth + 1), self.eval(args[0], depth + 1)
                if isinstance(target, str) and isinstance(sep, str) and sep:
                    return [p.strip() for p in target.split(sep)]
            return UNKNOWN
        if kind == "array_creation_expression":
            init = next((c for c in node.named_children if c.type == "array_initializer"), None)
            return self.eval(init, depth + 1)
        return UNKNOWN

    def call_parts(self, node: Node) -> tuple[str, Node | None, list[Node]]:
        """(method name, receiver, arguments) of a Java method_invocation or Kotlin call."""
        if node.type == "method_invocation":
            name = _text(node.child_by_field_name("name"))
            receiver = node.child_by_field_name("object")
            arguments = node.child_by_field_name("arguments")
            args = [
                c for c in (arguments.named_children if arguments else []) if c.type != "comment"
            ]
            return name, receiver, args
        callee = node.named_children[0] if node.named_children else None
        arguments = next((c for c in node.named_children if c.type == "value_arguments"), None)
        args = []
        for value_argument in arguments.named_children if arguments else []:
            if value_argument.named_children:
                args.append(value_argument.named_children[-1])
        if callee is not None and callee.type == "navigation_expression":
            parts = callee.named_children
            return _text(parts[-1]), parts[0] if len(parts) > 1 else None, args
        return _text(callee), None, args

    def named_args(self, annotation: Node) -> dict[str, Node]:
        out: dict[str, Node] = {}
        for node in _walk(annotation):
            if node.type == "element_value_pair":
                key = node.child_by_field_name("key")
                value = node.child_by_field_name("value")
                if key is not None and value is not None:
                    out[_text(key)] = value
            elif node.type == "annotation_argument_list":
                children = [c for c in node.named_children if c.type != "comment"]
                if len(children) == 1 and children[0].type != "element_value_pair":
                    out["value"] = children[0]
            elif node.type == "constructor_invocation" and node.parent == annotation:
                # Kotlin: @CrossOrigin(origins = [...], allowCredentials = "true")
                arguments = next(
                    (c for c in node.named_children if c.type == "value_arguments"), None
                )
                for value_argument in arguments.named_children if arguments else []:
                    children = value_argument.named_children
                    if len(children) == 2:
                        out[_text(children[0])] = children[1]
                    elif len(children) == 1:
                        out["value"] = children[0]
        return out


def _annotation_name(node: Node) -> str:
    for child in _walk(node):
        if (
            child.type in ("identifier", "type_identifier", "scoped_identifier")
            and child is not node
        ):
            return _text(child).rsplit(".", 1)[-1]
    return ""


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None
    return None


class _Cors:
    """One CORS configuration being assembled from Spring calls or an annotation."""

    def __init__(self, library: str, anchor: tuple[int, int], fix_kind: str) -> None:
        self.library = library
        self.line, self.col = anchor
        self.fix_kind = fix_kind
        self.origins: list[str] | None = None
        self.patterns: list[str] | None = None
        self.credentials: bool | None = False
        self.unknown = False
        self.carry: dict[str, str] = {}
        self.creds_set = False  # allowCredentials given (a method's overrides its class's)
        self.written = ""  # the configuration as written (a fix that keeps a public '*')

    def grant(self) -> Grant | None:
        if self.unknown:
            return None
        grant = Grant(
            "spring",
            self.library,
            self.line,
            self.col,
            self.credentials,
            fix_kind=self.fix_kind,
            carry=self.carry,
        )
        origins = list(self.origins or [])
        patterns = list(self.patterns or [])
        if self.origins is None and self.patterns is None:
            origins = ["*"]
        for origin in origins:
            if origin.strip() == "*":
                grant.wildcard = True
                grant.wildcard_text = 'allowed origins "*"'
                grant.wildcard_refused = bool(self.credentials)
                grant.written = self.written or f'{self.library}: allowed origins "*"'
            elif origin.strip():
                grant.exact.append((origin.strip(), self.line, self.col))
        for pattern in patterns:
            pattern = pattern.strip()
            if pattern == "*":
                grant.reflect_any = True
                grant.reflect_text = 'allowedOriginPatterns "*"'
                continue
            matcher = origin_pattern_matcher(pattern)
            if matcher is None or ("*" not in pattern and "[" not in pattern):
                if pattern:
                    grant.exact.append((pattern, self.line, self.col))
                continue
            sample = re.sub(r":\[[^\]]*\]$", ":8080", pattern).replace("*", "app")
            grant.regexes.append(
                Regex(
                    pattern,
                    matcher,
                    "Spring origin pattern: * is .*, whole-string match",
                    self.line,
                    self.col,
                    (sample.lower(),),
                )
            )
        return grant


def _combine(base: _Cors | None, method: _Cors) -> _Cors:
    if base is None:
        return method
    merged = _Cors(method.library, (method.line, method.col), method.fix_kind)
    merged.unknown = base.unknown or method.unknown
    for attr in ("origins", "patterns"):
        a, b = getattr(base, attr), getattr(method, attr)
        setattr(merged, attr, None if a is None and b is None else list(a or []) + list(b or []))
    merged.credentials = method.credentials if method.creds_set else base.credentials
    merged.carry = {**base.carry, **method.carry}
    merged.written = method.written
    return merged


def lint_spring_source(text: str, path: str) -> list[RawFinding]:
    """Findings for one Java/Kotlin file; every file given is parsed (the keyword filter is
    the caller's, corsguard.lint.prefilter)."""
    src = Source(text, path)
    configs: list[_Cors] = []
    configs.extend(_annotations(src))
    configs.extend(_chains(src))
    configs.extend(_configurations(src))
    findings: list[RawFinding] = []
    grants = [g for g in (c.grant() for c in configs) if g is not None]
    known = [o for g in grants for o, _, _ in g.exact] + [s for g in grants for s in g.samples]
    for grant in grants:
        grant.project_origins = known
        findings.extend(judge_grant(grant))
    return findings


def _annotation_config(src: Source, node: Node) -> _Cors:
    args = src.named_args(node)
    kind = "kotlin-annotation" if src.kotlin else "annotation"
    cors = _Cors("Spring @CrossOrigin", src.position(node), kind)
    cors.written = " ".join(_text(node).split())[:200]
    cors.creds_set = "allowCredentials" in args
    for key in ("origins", "value"):
        if key in args:
            values = _strings(src.eval(args[key]))
            if values is None or any("${" in v for v in values):
                cors.unknown = True
            else:
                cors.origins = (cors.origins or []) + values
    if "originPatterns" in args:
        values = _strings(src.eval(args["originPatterns"]))
        if values is None or any("${" in v for v in values):
            cors.unknown = True
        else:
            cors.patterns = values
    if "allowCredentials" in args:
        cors.credentials = _bool(src.eval(args["allowCredentials"]))
    for key, value in args.items():
        if key not in ("origins", "value", "originPatterns", "allowCredentials"):
            cors.carry[key] = " ".join(_text(value).split())
    return cors


def _annotations(src: Source) -> list[_Cors]:
    out: list[_Cors] = []
    class_configs: dict[int, _Cors] = {}
    for node in _walk(src.root):
        if node.type not in ("annotation", "marker_annotation"):
            continue
        if _annotation_name(node) != "CrossOrigin":
            continue
        owner = _owner(node)
        if owner is None:
            continue
        cors = _annotation_config(src, node)
        if owner.type in ("class_declaration", "interface_declaration", "object_declaration"):
            class_configs[owner.id] = cors
            out.append(cors)
        else:
            klass = owner.parent
            while klass is not None and klass.type not in (
                "class_declaration",
                "object_declaration",
            ):
                klass = klass.parent
            base = class_configs.get(klass.id) if klass is not None else None
            out.append(_combine(base, cors))
    return out


def _owner(annotation: Node) -> Node | None:
    current = annotation.parent
    while current is not None and current.type in ("modifiers", "annotation", "ERROR"):
        current = current.parent
    return current


def _chains(src: Source) -> list[_Cors]:
    """registry.addMapping(path).allowedOrigins(...)...: one configuration per addMapping."""
    out: list[_Cors] = []
    for node in _walk(src.root):
        if node.type not in ("method_invocation", "call_expression"):
            continue
        name, _receiver, args = src.call_parts(node)
        if name != "addMapping":
            continue
        cors = _Cors("Spring CorsRegistry", src.position(node), "registry")
        cors.carry["mapping"] = _text(args[0]) if args else '"/**"'
        current = node
        while True:
            parent = current.parent
            if parent is not None and parent.type == "navigation_expression":
                parent = parent.parent  # Kotlin: call(navigation(call, name), args)
            if parent is None or parent.type not in ("method_invocation", "call_expression"):
                break
            method, receiver, call_args = src.call_parts(parent)
            # The next call must be made on the result of this one (a chain, not a sibling).
            if receiver is None or current.id not in {
                receiver.id,
                *(c.id for c in receiver.children),
            }:
                break
            _apply(src, cors, method, call_args)
            if method not in _ORIGIN_METHODS:
                cors.carry[method] = ", ".join(_text(a) for a in call_args)
            current = parent
        cors.written = " ".join(_text(current).split())[:200]
        out.append(cors)
    return out


def _apply(src: Source, cors: _Cors, method: str, args: list[Node]) -> None:
    if method in (
        "allowedOrigins",
        "setAllowedOrigins",
        "allowedOriginPatterns",
        "setAllowedOriginPatterns",
        "addAllowedOrigin",
        "addAllowedOriginPattern",
    ):
        values: list[str] = []
        for arg in args:
            value = _strings(src.eval(arg))
            if value is None or any("${" in v for v in value):
                cors.unknown = True
                return
            values.extend(value)
        attr = "patterns" if "Pattern" in method else "origins"
        if method.startswith("add"):
            setattr(cors, attr, (getattr(cors, attr) or []) + values)
        else:
            setattr(cors, attr, values)
    elif method in ("allowCredentials", "setAllowCredentials"):
        cors.credentials = _bool(src.eval(args[0])) if args else None
    elif method == "applyPermitDefaultValues" and cors.origins is None and cors.patterns is None:
        cors.origins = ["*"]


def _configurations(src: Source) -> list[_Cors]:
    """CorsConfiguration set up call by call on one variable inside one method or function."""
    groups: dict[tuple[int, str], _Cors] = {}
    for node in _walk(src.root):
        method = receiver_name = ""
        args: list[Node] = []
        anchor = node
        if node.type in ("method_invocation", "call_expression"):
            method, receiver, args = src.call_parts(node)
            if method not in _ORIGIN_METHODS or method in (
                "allowedOrigins",
                "allowedOriginPatterns",
                "allowCredentials",
            ):
                continue
            receiver_name = _text(receiver) if receiver is not None else "this"
        elif node.type == "assignment" and src.kotlin:
            target = node.named_children[0] if node.named_children else None
            value = node.named_children[-1] if node.named_children else None
            if target is None or value is None:
                continue
            prop = _text(target).rsplit(".", 1)[-1]
            setter = {
                "allowedOrigins": "setAllowedOrigins",
                "allowedOriginPatterns": "setAllowedOriginPatterns",
                "allowCredentials": "setAllowCredentials",
            }.get(prop)
            if setter is None:
                continue
            method, args = setter, [value]
            receiver_name = _text(target).rsplit(".", 1)[0] if "." in _text(target) else "this"
        else:
            continue
        scope = _scope(node)
        key = (scope.id if scope is not None else 0, receiver_name)
        if key not in groups:
            kind = "kotlin-config" if src.kotlin else "config"
            groups[key] = _Cors("Spring CorsConfiguration", src.position(anchor), kind)
            if receiver_name != "this" or not src.kotlin:
                groups[key].carry["receiver"] = (
                    receiver_name if receiver_name != "this" else "config"
                )
        _apply(src, groups[key], method, args)
    return [g for g in groups.values() if g.origins is not None or g.patterns is not None]


def _scope(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in (
            "method_declaration",
            "constructor_declaration",
            "function_declaration",
            "lambda_literal",
            "annotated_lambda",
        ):
            return current
        current = current.parent
    return None


# --- application.properties / application.yml ---------------------------------------------

_PREFIX_RE = re.compile(
    r"^(management\.endpoints\.web\.cors|spring\.web\.cors|spring\.mvc\.cors"
    r"|spring\.cloud\.gateway\.(?:server\.webflux\.)?globalcors\.cors-?configurations\.?\[[^\]]*\])\."
    r"(allowed-?origins|allowed-?origin-?patterns|allow-?credentials)(?:\[\d+\])?$"
)


def _normalise(key: str) -> str:
    return re.sub(r"(?<=[a-z])([A-Z])", lambda m: "-" + m.group(1).lower(), key).lower()


def _properties(text: str) -> list[tuple[str, str, int]]:
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        match = re.match(r"^((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)$", line)
        if match:
            out.append((match.group(1), match.group(2), number))
    return out


def _yaml_items(text: str) -> list[tuple[str, str, int]]:
    import yaml

    out: list[tuple[str, str, int]] = []
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise SyntaxError(f"not YAML ({exc.__class__.__name__})") from None

    budget = [_MAX_YAML_NODES]
    seen: set[int] = set()

    def visit(node: Any, prefix: str, depth: int) -> None:
        # Aliases share nodes, so a small file can stand for an exponential tree ("billion
        # laughs"): each collection node is walked once, and the walk has a fixed budget.
        budget[0] -= 1
        if depth > 40 or budget[0] < 0:
            return
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if id(node) in seen:
                return
            seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value) if isinstance(key, yaml.ScalarNode) else "?"
                visit(value, f"{prefix}.{name}" if prefix else name, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            items = [v.value for v in node.value if isinstance(v, yaml.ScalarNode)]
            out.append((prefix, ",".join(str(i) for i in items), node.start_mark.line + 1))
        elif isinstance(node, yaml.ScalarNode):
            out.append((prefix, str(node.value), node.start_mark.line + 1))

    for document in documents:
        visit(document, "", 0)
    return out


def lint_spring_properties(text: str, path: str) -> list[RawFinding]:
    """Findings for one Spring properties/YAML file (the keyword filter is the caller's)."""
    items = _yaml_items(text) if path.endswith((".yml", ".yaml")) else _properties(text)
    groups: dict[str, _Cors] = {}
    for key, value, line in items:
        match = _PREFIX_RE.match(_normalise(key).replace("[/", "[/"))
        if match is None:
            continue
        prefix, prop = match.group(1), match.group(2).replace("-", "")
        if prefix not in groups:
            groups[prefix] = _Cors("Spring properties", (line, 1), "properties")
            groups[prefix].carry["prefix"] = prefix
        cors = groups[prefix]
        if "${" in value:
            cors.unknown = True
            continue
        values = [v.strip().strip("'\"") for v in value.split(",") if v.strip()]
        if prop == "allowedorigins":
            cors.origins = (cors.origins or []) + values
        elif prop == "allowedoriginpatterns":
            cors.patterns = (cors.patterns or []) + values
        else:
            cors.credentials = _bool(value.strip().strip("'\""))
    findings: list[RawFinding] = []
    grants = [
        g
        for g in (
            c.grant() for c in groups.values() if c.origins is not None or c.patterns is not None
        )
        if g is not None
    ]
    for grant in grants:
        findings.extend(judge_grant(grant))
    return findings
