"""nginx: Access-Control-* headers added by ``add_header`` (and headers-more ``more_set_headers``).

Read with crossplane's lexer (0.5.8) into a block tree; nothing is run. Semantics, from the
nginx documentation of ngx_http_headers_module, ngx_http_map_module and ngx_http_rewrite_module
(nginx 1.24-1.27):

- ``add_header`` directives are inherited from the enclosing level *only if the current level
  defines none of its own*: a ``location`` (or an ``if`` block inside it) with a single
  ``add_header Cache-Control ...`` sends none of the server's CORS headers.
- Without the ``always`` parameter a header is added only to 200, 201, 204, 206, 301, 302, 303,
  304, 307 and 308 responses.
- ``if ($http_origin ~ re)`` / ``~*`` (case-insensitive) / ``!~`` are PCRE searches, unanchored
  unless the pattern says ``^...$``; ``=`` / ``!=`` compare whole strings.
- ``map $http_origin $var { ... }`` tries exact strings first (case-insensitively), then regexes
  (``~``, ``~*``) in order of appearance, then ``default``; the value may be ``$http_origin``.
- An ``if`` block in a location is its own configuration: when it matches, its ``add_header``
  set replaces the location's (the usual way ``Vary: Origin`` gets lost).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from crossplane.errors import NgxParserBaseException  # type: ignore[import-untyped]
from crossplane.lexer import (  # type: ignore[import-untyped]
    _balance_braces,
    _lex_file_object,
)

from corsguard.findings import Context, severity_of
from corsguard.lint.analyzer import RawFinding
from corsguard.lint.stacks.common import (
    UNKNOWN_MATCHER,
    Grant,
    Regex,
    compile_regex,
    grant_fix,
    intent_of,
    judge_grant,
    not_run,
    samples_of,
)

ACAO = "access-control-allow-origin"
ACAC = "access-control-allow-credentials"
_CACHES = ("proxy_cache", "fastcgi_cache", "uwsgi_cache", "scgi_cache", "srcache_fetch")
_MAX_DIRECTIVES = 50_000
_MAX_UNKNOWN_BITS = 6  # conditions on other variables: both outcomes tried (2**6 at most)
# Status codes that get an add_header without `always` (ngx_http_headers_module).
_WITHOUT_ALWAYS = "200, 201, 204, 206, 301, 302, 303, 304, 307, 308"


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    col: int
    block: list[Directive] | None = None
    parent: Directive | None = None


@dataclass
class Header:
    name: str  # lowercased
    value: str
    always: bool
    directive: Directive


@dataclass
class Map:
    source: str
    exact: dict[str, str] = field(default_factory=dict)
    regexes: list[tuple[str, bool, str, Directive]] = field(default_factory=list)
    default: str = ""


def parse(text: str) -> list[Directive]:
    """The directive tree of one configuration file (crossplane's lexer, our small tree)."""
    lines = text.split("\n")
    root: list[Directive] = []
    stack: list[tuple[list[Directive], Directive | None]] = [(root, None)]
    words: list[tuple[str, int, bool]] = []
    count = 0
    try:
        tokens = list(_balance_braces(_lex_file_object(io.StringIO(text))))
    except NgxParserBaseException as exc:
        raise SyntaxError(f"not nginx configuration ({exc.strerror})") from None
    for token, line, quoted in tokens:
        if not quoted and token.startswith("#"):
            continue
        if not quoted and token in (";", "{"):
            if not words:
                continue
            name, first_line, _ = words[0]
            source = lines[first_line - 1] if 0 < first_line <= len(lines) else ""
            col = max(source.find(name), 0) + 1
            block, parent = stack[-1]
            directive = Directive(
                name, [w for w, _, _ in words[1:]], first_line, col, parent=parent
            )
            block.append(directive)
            count += 1
            if count > _MAX_DIRECTIVES:
                raise SyntaxError("too many directives")
            words = []
            if token == "{":
                directive.block = []
                stack.append((directive.block, directive))
            continue
        if not quoted and token == "}":
            if len(stack) > 1:
                stack.pop()
            words = []
            continue
        words.append((token, line, quoted))
    return root


def _walk(block: list[Directive]) -> Iterator[Directive]:
    for directive in block:
        yield directive
        if directive.block is not None:
            yield from _walk(directive.block)


def _headers(block: list[Directive]) -> list[Header]:
    out = []
    for d in block:
        if d.name == "add_header" and len(d.args) >= 2:
            out.append(Header(d.args[0].lower(), d.args[1], "always" in d.args[2:], d))
        elif d.name == "more_set_headers":
            # headers-more: 'Name: value' arguments, sent on every status by default.
            for arg in d.args:
                if arg.startswith("-"):
                    continue
                name, sep, value = arg.partition(":")
                if sep:
                    out.append(Header(name.strip().lower(), value.strip(), True, d))
    return out


def _condition_args(d: Directive) -> list[str]:
    args = list(d.args)
    if args and args[0].startswith("("):
        args[0] = args[0][1:]
    if args and args[-1].endswith(")"):
        args[-1] = args[-1][:-1]
    return [a for a in args if a != ""]


class Config:
    def __init__(self, root: list[Directive]) -> None:
        self.root = root
        self.maps: dict[str, Map] = {}
        for d in _walk(root):
            if d.name == "map" and len(d.args) >= 2 and d.block is not None:
                self.maps[d.args[1]] = self._map(d)

    def _map(self, d: Directive) -> Map:
        result = Map(d.args[0])
        for entry in d.block or []:
            key = entry.name
            value = entry.args[0] if entry.args else ""
            if key in ("hostnames", "volatile", "include"):
                continue
            if key == "default":
                result.default = value
            elif key.startswith("~*"):
                result.regexes.append((key[2:], True, value, entry))
            elif key.startswith("~"):
                result.regexes.append((key[1:], False, value, entry))
            else:
                result.exact[key.lstrip("\\").lower()] = value
        return result

    # --- contexts and their effective headers ------------------------------------------

    def contexts(self) -> Iterator[tuple[Directive | None, list[Header], list[Directive]]]:
        """(block, effective headers, enclosing chain) for every block that answers requests."""

        def visit(
            block: list[Directive],
            owner: Directive | None,
            inherited: list[Header],
            chain: list[Directive],
        ) -> Iterator[tuple[Directive | None, list[Header], list[Directive]]]:
            own = _headers(block)
            effective = own if own else inherited
            yield owner, effective, chain
            for d in block:
                if d.block is not None and d.name in (
                    "http",
                    "server",
                    "location",
                    "if",
                    "limit_except",
                ):
                    yield from visit(d.block, d, effective, [*chain, d])

        yield from visit(self.root, None, [], [])


def _python_regex(pattern: str) -> str:
    # PCRE named groups (?<name>...) are (?P<name>...) in Python.
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern)


def _regex_matcher(pattern: str, insensitive: bool) -> Callable[[str], bool] | None:
    compiled = compile_regex(_python_regex(pattern), re.IGNORECASE if insensitive else 0)
    if compiled is None:
        return None
    return lambda origin: compiled.search(origin) is not None


@dataclass
class _Step:
    """One rewrite-phase action: `set $var value` guarded by the `if` it sits in (if any)."""

    var: str
    template: str
    guard: Directive | None


class Evaluator:
    """Runs the rewrite phase of one location for one Origin (other inputs tried both ways)."""

    def __init__(self, config: Config, chain: list[Directive], target: Directive | None) -> None:
        self.config = config
        self.chain = chain
        self.target = target
        self.steps: list[_Step | Directive] = []  # _Step, or an `if` that guards the target
        self.regexes: list[tuple[str, bool, Directive]] = []
        self.literals: list[str] = []
        self.unknown_ifs: list[Directive] = []
        # The rewrite phase runs the file's top level (a snippet included into a location)
        # and then each enclosing block, in order.
        self.levels: list[list[Directive]] = [config.root] + [c.block or [] for c in chain]
        for block in self.levels:
            for d in block:
                if d.name == "set" and len(d.args) >= 2:
                    self.steps.append(_Step(d.args[0], d.args[1], None))
                elif d.name == "if" and d.block is not None:
                    for inner in d.block:
                        if inner.name == "set" and len(inner.args) >= 2:
                            self.steps.append(_Step(inner.args[0], inner.args[1], d))
        self._ifs = [d for block in self.levels for d in block if d.name == "if"]
        for d in self._ifs + [c for c in chain if c.name == "if"]:
            self._note_condition(d)

    def _note_condition(self, d: Directive) -> None:
        args = _condition_args(d)
        if len(args) == 3 and args[1] in ("~", "~*", "!~", "!~*") and "$http_origin" in args[0]:
            if not any(r[2] is d for r in self.regexes):
                self.regexes.append((args[2], args[1].endswith("*"), d))
        elif len(args) == 3 and args[0] == "$http_origin":
            self.literals.append(args[2])
        elif not self._decidable(args) and d not in self.unknown_ifs:
            self.unknown_ifs.append(d)

    def _decidable(self, args: list[str]) -> bool:
        if not args:
            return False
        subject = args[0]
        if "$http_origin" in subject:
            return True
        names = re.findall(r"\$\{?(\w+)\}?", subject)
        set_vars = {s.var.lstrip("$") for s in self.steps if isinstance(s, _Step)}
        maps = {
            m.lstrip("$") for m in self.config.maps if self.config.maps[m].source == "$http_origin"
        }
        return bool(names) and all(n in set_vars or n in maps for n in names)

    def _expand(self, template: str, origin: str, variables: dict[str, str]) -> str | None:
        failed = False

        def replace(match: re.Match[str]) -> str:
            nonlocal failed
            name = match.group(1) or match.group(2)
            if name == "http_origin":
                return origin
            if name in variables:
                return variables[name]
            mapped = self.config.maps.get("$" + name)
            if mapped is not None and mapped.source == "$http_origin":
                value = _map_lookup(mapped, origin)
                expanded = self._expand(value, origin, variables) if value is not None else ""
                if expanded is None:
                    failed = True
                    return ""
                return expanded
            failed = True
            return ""

        out = re.sub(r"\$\{(\w+)\}|\$(\w+)", replace, template)
        return None if failed else out

    def condition(
        self, d: Directive, origin: str, variables: dict[str, str], choice: dict[int, bool]
    ) -> bool | None:
        if id(d) in choice:
            return choice[id(d)]
        args = _condition_args(d)
        if not args:
            return None
        subject = self._expand(args[0], origin, variables)
        if subject is None:
            return None
        if len(args) == 1:
            return subject not in ("", "0")
        if len(args) != 3:
            return None
        op, operand = args[1], args[2]
        if op in ("=", "!="):
            return (subject == operand) == (op == "=")
        if op in ("~", "~*", "!~", "!~*"):
            matcher = _regex_matcher(operand, op.endswith("*"))
            if matcher is None:
                return None
            return matcher(subject) != op.startswith("!")
        return None

    def run(self, origin: str, value: str) -> str | bool | None:
        """The header value sent for this origin, "" when not sent; None: cannot tell."""
        unknown = self.unknown_ifs[:_MAX_UNKNOWN_BITS]
        results: list[str | None] = []
        for bits in itertools.product((True, False), repeat=len(unknown)):
            choice = {id(d): b for d, b in zip(unknown, bits, strict=True)}
            variables: dict[str, str] = {}
            broken = False
            for step in self.steps:
                assert isinstance(step, _Step)
                if step.guard is not None:
                    taken = self.condition(step.guard, origin, variables, choice)
                    if taken is None:
                        broken = True
                        break
                    if not taken:
                        continue
                expanded = self._expand(step.template, origin, variables)
                if expanded is None:
                    broken = True
                    break
                variables[step.var.lstrip("$")] = expanded
            if broken:
                results.append(None)
                continue
            reached = True
            for level in self.chain:
                if level.name == "if":
                    taken = self.condition(level, origin, variables, choice)
                    if taken is None:
                        results.append(None)
                        reached = False
                        break
                    if not taken:
                        reached = False
                        break
            if not reached:
                if results and results[-1] is None:
                    continue
                results.append("")
                continue
            results.append(self._expand(value, origin, variables))
        if any(r == origin for r in results):
            return origin
        if any(r is None for r in results):
            return None
        sent = [r for r in results if r]
        return sent[0] if sent else ""


def _map_lookup(m: Map, origin: str) -> str | None:
    if origin.lower() in m.exact:
        return m.exact[origin.lower()]
    for pattern, insensitive, value, _ in m.regexes:
        matcher = _regex_matcher(pattern, insensitive)
        if matcher is None:
            return None
        if matcher(origin):
            return value
    return m.default


def _depends_on_origin(value: str, config: Config, evaluator: Evaluator) -> bool:
    if "$http_origin" in value:
        return True
    for name in re.findall(r"\$\{?(\w+)\}?", value):
        mapped = config.maps.get("$" + name)
        if mapped is not None and mapped.source == "$http_origin":
            return True
        for step in evaluator.steps:
            if (
                isinstance(step, _Step)
                and step.var.lstrip("$") == name
                and ("$http_origin" in step.template)
            ):
                return True
    return False


def _has_cache(chain: list[Directive], root: list[Directive]) -> bool:
    levels = [root] + [d.block or [] for d in chain]
    cached = False
    for block in levels:
        for d in block:
            if d.name in _CACHES:
                cached = not (d.args and d.args[0] == "off")
    return cached


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_LISTS = {
    "access-control-allow-methods": "methods",
    "access-control-allow-headers": "headers",
    "access-control-expose-headers": "exposed_headers",
}


def _carry_headers(grant: Grant, headers: list[Header]) -> None:
    """The block's other CORS headers (fixed lists of tokens, RFC 9110 section 5.6.2), so
    that the fix carries them instead of the catalogue's defaults."""
    for header in headers:
        value = header.value.strip()
        field_name = _LISTS.get(header.name)
        if field_name is not None:
            items = [i.strip() for i in value.split(",") if i.strip()]
            if items and all(_TOKEN.fullmatch(i) and i != "*" for i in items):
                setattr(grant, field_name, tuple(items))
        elif header.name == "access-control-max-age" and value.isdigit() and len(value) <= 7:
            grant.max_age = int(value)


def lint_nginx(text: str, path: str) -> tuple[list[RawFinding], list[str]]:
    """Findings and notes (inheritance and `always` pitfalls) for one nginx file."""
    config = Config(parse(text))
    findings: list[RawFinding] = []
    notes: list[str] = []
    judged: set[tuple[int, int]] = set()
    origins_named: list[str] = []
    grants: list[Grant] = []
    for owner, headers, chain in config.contexts():
        if owner is not None and owner.block is not None:
            own = _headers(owner.block)
            parent_headers = _inherited(config, chain[:-1])
            if (
                own
                and any(h.name == ACAO for h in parent_headers)
                and not any(h.name == ACAO for h in own)
            ):
                outer = next(h for h in parent_headers if h.name == ACAO)
                notes.append(
                    f"line {owner.line}: `{owner.name} {' '.join(owner.args)}` has add_header of "
                    f"its own, so the CORS headers of line {outer.directive.line} are not sent "
                    "there (nginx inherits add_header only into blocks that define none)"
                )
        acao = [h for h in headers if h.name == ACAO]
        if not acao:
            continue
        header = acao[-1]
        key = (header.directive.line, id(owner))
        evaluator = Evaluator(config, chain, owner)
        dep = _depends_on_origin(header.value, config, evaluator)
        acac = [h for h in headers if h.name == ACAC]
        credentials: bool | None = False
        if acac:
            value = acac[-1].value.strip().lower()
            credentials = True if value == "true" else (None if "$" in value else False)
        d = header.directive
        grant = Grant("nginx", "nginx add_header", d.line, d.col, credentials, fix_kind="map")
        _carry_headers(grant, headers)
        if not dep:
            value = header.value.strip()
            if "$" in value:
                continue  # a variable that does not come from the Origin: nothing to judge
            for part in value.split(","):
                part = part.strip()
                if part == "*":
                    grant.wildcard = True
                    grant.wildcard_text = "add_header Access-Control-Allow-Origin *"
                    grant.written = f"add_header Access-Control-Allow-Origin {value}"
                elif part:
                    grant.exact.append((part, d.line, d.col))
                    origins_named.append(part)
        else:
            for pattern, insensitive, directive in evaluator.regexes:
                matcher = _regex_matcher(pattern, insensitive)
                how = (
                    "PCRE ~*, unanchored, case-insensitive" if insensitive else "PCRE ~, unanchored"
                )
                if matcher is None:
                    how = not_run(_python_regex(pattern), re.IGNORECASE if insensitive else 0)
                grant.probe_samples.extend(samples_of(pattern))
                grant.regexes.append(
                    Regex(pattern, matcher or UNKNOWN_MATCHER, how, directive.line, directive.col)
                )
            for name in re.findall(r"\$\{?(\w+)\}?", header.value):
                mapped = config.maps.get("$" + name)
                if mapped is None or mapped.source != "$http_origin":
                    continue
                for pattern, insensitive, _value, entry in mapped.regexes:
                    grant.probe_samples.extend(samples_of(pattern))
                    matcher = _regex_matcher(pattern, insensitive)
                    how = (
                        "map regex "
                        + ("~*, case-insensitive" if insensitive else "~")
                        + ", unanchored"
                    )
                    if matcher is None:
                        how = not_run(_python_regex(pattern), re.IGNORECASE if insensitive else 0)
                    grant.regexes.append(
                        Regex(pattern, matcher or UNKNOWN_MATCHER, how, entry.line, entry.col)
                    )
                grant.samples.extend(o for o in mapped.exact if "://" in o)
            grant.samples.extend(lit for lit in evaluator.literals if "://" in lit)
            origins_named.extend(grant.samples)
            value = header.value

            def accepts(origin: str, ev: Evaluator = evaluator, v: str = value) -> bool | None:
                sent = ev.run(origin, v)
                if sent is None:
                    return None
                return sent == origin

            # The regexes are judged through accepts() of the whole block (what nginx runs);
            # judging each alone again would repeat the findings, so only regex-origin stays.
            grant.accepts = accepts
            grant.accepts_text = _describe(chain, header)
            if accepts("https://corsguard-probe.attacker.test") is True and not grant.regexes:
                grant.accepts = None
                grant.reflect_any = True
                grant.reflect_text = f"add_header Access-Control-Allow-Origin {header.value}"
            vary = [h for h in headers if h.name == "vary" and "origin" in h.value.lower()]
            cached = _has_cache(chain, config.root)
            if not vary:
                grant.vary_missing = severity_of("missing-vary-origin", Context(cacheable=cached))
                grant.vary_text = (
                    "the answer depends on $http_origin but this block sends no Vary: Origin"
                    + (
                        " and responses are cached here (proxy_cache): one origin's grant is "
                        "served to another"
                        if cached
                        else ""
                    )
                )
            elif header.always and not any(h.always for h in vary):
                # Only error responses lack Vary, and caches here do not store those.
                grant.vary_missing = severity_of("missing-vary-origin", Context(cacheable=False))
                grant.vary_text = (
                    "Access-Control-Allow-Origin is sent on every status (always) but Vary: "
                    f"Origin only on {_WITHOUT_ALWAYS}: error responses lack Vary"
                )
        if not header.always and key not in judged:
            notes.append(
                f"line {d.line}: add_header Access-Control-Allow-Origin without `always` is "
                f"sent only on {_WITHOUT_ALWAYS} responses; browsers block reading errors"
            )
        judged.add(key)
        grants.append(grant)
    for grant in grants:
        grant.project_origins = origins_named
        if grant.accepts is not None:
            regexes = grant.regexes
            grant.regexes = []
            grant.intent_regexes = [r.source for r in regexes]
            findings.extend(judge_grant(grant))
            for regex in regexes:
                findings.append(
                    RawFinding(
                        regex.line,
                        regex.col,
                        "regex-origin",
                        severity_of("regex-origin", Context()),
                        f"nginx matches origins with the regular expression {regex.source!r} "
                        f"({regex.how})",
                        grant_fix("regex-origin", grant, intent_of(grant)),
                    )
                )
        else:
            findings.extend(judge_grant(grant))
    return findings, list(dict.fromkeys(notes))


def _inherited(config: Config, chain: list[Directive]) -> list[Header]:
    effective = _headers(config.root)
    for level in chain:
        own = _headers(level.block or [])
        if own:
            effective = own
    return effective


def _describe(chain: list[Directive], header: Header) -> str:
    where = " > ".join(" ".join([d.name, *d.args]).replace(" )", ")") for d in chain)
    return f"({where or 'top level'}: add_header Access-Control-Allow-Origin {header.value})"
