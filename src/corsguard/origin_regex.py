"""Origin regular expressions to corsguard origin patterns, exactly or not at all.

Part of the model: the policy's advice for a regex pasted into ``allow_origin_regex`` and
``corsguard migrate`` both read regexes here, so neither ever proposes a wider pattern.

``lint.regexes.regex_to_patterns`` reads a regex the way its author *meant* it (for a
suggested fix that a human reviews); a migration rewrites the configuration, so here a
regex becomes patterns only when they trust the same browser origins, or fewer, and every
difference is said. Nothing is guessed:

- The regex is read into a small syntax tree (literals, classes, groups, alternation,
  quantifiers, anchors); anything else (look-arounds, back-references, possessive
  quantifiers) is "not translatable".
- Each character class is decided by Python's own ``re`` on every character that can
  appear in a serialised origin (lowercase letters, digits, ``+ - . _ : / [ ]``), with the
  library's flags, so ``[^.]``, ``\\w`` or ``(?i)`` mean exactly what they mean at run time.
- The regex is expanded into a bounded number of shapes (alternatives, optional parts) and
  each shape is compared with corsguard's five forms (origin.py): an exact origin,
  ``*.domain`` (one or more labels, any characters a host label may hold), ``+.domain``
  (exactly one label of ``[a-z0-9-]``), ``:*`` (any port, *or none*), ``prefix-*-suffix``
  (``[a-z0-9-]+`` inside the first label).

Only the origins a browser can send matter (HTML Standard, "serialization of an origin":
lowercase scheme and host, no path, default port omitted), so ``[A-Za-z]`` and ``[a-z]``
are the same here, and ``.*`` after ``https://`` cannot reach past the host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from corsguard.origin import parse_origin_pattern
from corsguard.suffixes import is_shared_hosting, shared_suffix_one_below

Mode = Literal["fullmatch", "match"]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
# Every character of a serialised origin; anything else stands for "another character".
_OTHER = "\x01"
ALPHABET = frozenset(_LOWER + _DIGITS + "+-._:/[]" + _OTHER)
_LABEL_CHARS = frozenset(_LOWER + _DIGITS + "-_")
# corsguard's within-label `*` (origin.py `_label_matches`): letters, digits, hyphens.
_WITHIN_LABEL = frozenset(_LOWER + _DIGITS + "-")
_HOST_CHARS = _LABEL_CHARS | {"."}
_INF = 10**9
# A host label as browsers accept it (origin.py's _LABEL).
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_MAX_SHAPES = 64
_MAX_LENGTH = 1000


class Untranslatable(Exception):
    """The regex uses a construct this reader does not model."""


@dataclass(frozen=True)
class _Atom:
    chars: frozenset[str]
    low: int
    high: int

    @property
    def literal(self) -> str | None:
        if self.low == self.high == 1 and len(self.chars) == 1 and _OTHER not in self.chars:
            return next(iter(self.chars))
        return None


# --- parsing ---------------------------------------------------------------------------

_Node = tuple[
    Any, ...
]  # ("atom", chars) | ("seq", [nodes]) | ("alt", [nodes]) | ("rep", node, lo, hi)
#                | ("start",) | ("end",)


class _Parser:
    def __init__(self, text: str, flags: int) -> None:
        self.text = text
        self.pos = 0
        self.flags = flags

    def chars_of(self, source: str) -> frozenset[str]:
        compiled = re.compile(source, self.flags)
        return frozenset(c for c in ALPHABET if c != _OTHER and compiled.fullmatch(c)) | (
            {_OTHER} if compiled.fullmatch("\x01") or compiled.fullmatch("!") else set()
        )

    def parse(self) -> _Node:
        node = self.alternation()
        if self.pos != len(self.text):
            raise Untranslatable(f"unexpected {self.text[self.pos]!r}")
        return node

    def alternation(self) -> _Node:
        branches = [self.sequence()]
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while self.pos < len(self.text) and self.text[self.pos] not in "|)":
            items.append(self.quantified(self.item()))
        return ("seq", items)

    def item(self) -> _Node:
        text, pos = self.text, self.pos
        char = text[pos]
        if char == "(":
            if text.startswith("(?:", pos):
                self.pos += 3
            elif text.startswith("(?P<", pos):
                end = text.find(">", pos)
                if end < 0:
                    raise Untranslatable("unterminated group name")
                self.pos = end + 1
            elif text.startswith("(?", pos):
                raise Untranslatable("look-arounds, flags and other (?...) groups")
            else:
                self.pos += 1
            inner = self.alternation()
            if self.pos >= len(text) or text[self.pos] != ")":
                raise Untranslatable("unbalanced parenthesis")
            self.pos += 1
            return inner
        if char == "[":
            end = pos + 1
            if end < len(text) and text[end] == "^":
                end += 1
            if end < len(text) and text[end] == "]":
                end += 1
            while end < len(text) and text[end] != "]":
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise Untranslatable("unterminated character class")
            self.pos = end + 1
            return ("atom", self.chars_of(text[pos : end + 1]))
        if char == "\\":
            if pos + 1 >= len(text):
                raise Untranslatable("trailing backslash")
            escape = text[pos + 1]
            self.pos += 2
            if escape == "A":
                return ("start",)
            if escape in "Zz":
                return ("end",)
            if escape in "dwsDWS" or not escape.isalnum():
                return ("atom", self.chars_of(text[pos : pos + 2]))
            raise Untranslatable(f"the escape \\{escape}")
        self.pos += 1
        if char == "^":
            return ("start",)
        if char == "$":
            return ("end",)
        if char in "*+?{":
            raise Untranslatable(f"a quantifier {char!r} with nothing before it")
        return ("atom", self.chars_of(re.escape(char) if char != "." else "."))

    def quantified(self, node: _Node) -> _Node:
        text = self.text
        while self.pos < len(text) and text[self.pos] in "*+?{":
            char = text[self.pos]
            if char == "{":
                match = re.compile(r"\{(\d*)(,?)(\d*)\}").match(text, self.pos)
                if match is None or (not match.group(1) and not match.group(3)):
                    raise Untranslatable("a malformed {m,n}")
                low = int(match.group(1) or 0)
                high = int(match.group(3)) if match.group(3) else (_INF if match.group(2) else low)
                self.pos = match.end()
            else:
                low, high = {"*": (0, _INF), "+": (1, _INF), "?": (0, 1)}[char]
                self.pos += 1
            if self.pos < len(text) and text[self.pos] == "+":
                raise Untranslatable("possessive quantifiers")
            if self.pos < len(text) and text[self.pos] == "?":
                self.pos += 1  # lazy: the same strings match, only the search order differs
            if node[0] in ("start", "end"):
                raise Untranslatable("a quantified anchor")
            node = ("rep", node, low, high)
        return node


# --- expansion into shapes ---------------------------------------------------------------

_Shape = tuple[object, ...]  # _Atom, "^" or "$"


def _shapes(node: _Node) -> list[_Shape]:
    kind = node[0]
    if kind == "atom":
        return [(_Atom(node[1], 1, 1),)]
    if kind == "start":
        return [("^",)]
    if kind == "end":
        return [("$",)]
    if kind == "alt":
        out = [shape for branch in node[1] for shape in _shapes(branch)]
    elif kind == "seq":
        out = [()]
        for item in node[1]:
            out = [a + b for a in out for b in _shapes(item)]
            if len(out) > _MAX_SHAPES:
                raise Untranslatable("too many alternatives")
    else:  # rep
        inner, low, high = node[1], node[2], node[3]
        if inner[0] == "atom":
            chars = inner[1]
            if high <= 3 and len(chars - {_OTHER}) == 1 and _OTHER not in chars:
                # `https?`, `\.?`: spelled out, so the literal parts stay literal.
                one = _Atom(chars, 1, 1)
                return [(one,) * count for count in range(low, high + 1)]
            return [(_Atom(chars, low, high),)]
        if high > 3:
            raise Untranslatable("a repeated group")
        bodies = _shapes(inner)
        out = []
        for count in range(low, high + 1):
            combos: list[_Shape] = [()]
            for _ in range(count):
                combos = [a + b for a in combos for b in bodies]
            out.extend(combos)
    if len(out) > _MAX_SHAPES:
        raise Untranslatable("too many alternatives")
    return out


# --- the translation ----------------------------------------------------------------------


@dataclass
class RegexTranslation:
    """The corsguard patterns for one regex; ``exact`` when they trust the same origins."""

    regex: str
    patterns: list[str] = field(default_factory=list)
    exact: bool = True
    # Why the patterns trust fewer origins, or why some part could not be translated.
    notes: list[str] = field(default_factory=list)

    def narrow(self, note: str) -> None:
        self.exact = False
        if note not in self.notes:
            self.notes.append(note)


def _clean(shape: _Shape, mode: Mode) -> tuple[list[_Atom], bool] | None:
    """Drop anchors; return the atoms and whether the end is anchored (None: misplaced ^)."""
    atoms: list[_Atom] = []
    anchored_end = mode == "fullmatch"
    for index, item in enumerate(shape):
        if item == "^":
            if atoms:
                return None  # a ^ after characters never matches (no MULTILINE)
            continue
        if item == "$":
            if any(isinstance(x, _Atom) and x.low > 0 for x in shape[index:]):
                # `$` before more characters only matches before a final newline,
                # which no origin has.
                return None
            anchored_end = True
            continue
        assert isinstance(item, _Atom)
        if item.high == 0:
            continue
        if not item.chars - {_OTHER}:
            if item.low == 0:
                continue
            return None  # a character no origin contains: this shape never matches
        atoms.append(item)
    return atoms, anchored_end


def _is_open(atom: _Atom) -> bool:
    """Matches any run of host and port characters (`.*`, `.+`, `\\S*` ...)."""
    return atom.high >= _INF and (_HOST_CHARS | {":"} | set(_DIGITS)) <= atom.chars


def translate_regex(regex: str, mode: Mode, *, ignore_case: bool = False) -> RegexTranslation:
    """Translate an origin regex used with ``re.fullmatch`` or ``re.match`` (prefix)."""
    result = RegexTranslation(regex)
    if not isinstance(regex, str) or len(regex) > _MAX_LENGTH:
        result.narrow(f"{str(regex)[:80]!r}: not a regex this migration reads; list the origins")
        result.exact = False
        return result
    flags = re.IGNORECASE if ignore_case else 0
    text = regex
    inline = re.match(r"\(\?([aiLmsux]+)\)", text)
    if inline:
        if set(inline.group(1)) - {"i"}:
            return _untranslatable(result, "inline flags other than (?i)")
        flags |= re.IGNORECASE
        text = text[inline.end() :]
    try:
        re.compile(regex)
        shapes = _shapes(_Parser(text, flags).parse())
    except (Untranslatable, re.error, OverflowError) as exc:
        return _untranslatable(result, str(exc))
    except RecursionError:
        return _untranslatable(result, "nested too deeply")
    for shape in shapes:
        cleaned = _clean(shape, mode)
        if cleaned is None:
            continue
        atoms, anchored = cleaned
        if not anchored:
            atoms = [*atoms, _Atom(ALPHABET, 0, _INF)]
        _translate_shape(atoms, result)
    result.patterns = list(dict.fromkeys(result.patterns))
    _merge_ports(result)
    if not result.patterns and not result.notes:
        result.notes.append(
            f"the regex {regex!r} matches no origin a browser sends (lowercase scheme and "
            "host, no path): it is dropped"
        )
    return result


def _untranslatable(result: RegexTranslation, why: str) -> RegexTranslation:
    result.patterns = []
    result.narrow(f"the regex {result.regex!r} was not translated ({why}): list its origins")
    return result


def _literal(atoms: list[_Atom]) -> str | None:
    out = []
    for atom in atoms:
        char = atom.literal
        if char is None:
            return None
        out.append(char)
    return "".join(out)


def _translate_shape(atoms: list[_Atom], result: RegexTranslation) -> None:
    # Scheme: literal characters up to "://".
    head = []
    index = 0
    while index < len(atoms) and atoms[index].literal is not None:
        head.append(atoms[index].literal or "")
        index += 1
    joined = "".join(head)
    if "://" not in joined:
        result.narrow(
            f"the regex {result.regex!r} has no literal scheme (https://): list its origins"
        )
        return
    scheme, _, host_head = joined.partition("://")
    rest = [_Atom(frozenset(c), 1, 1) for c in host_head] + atoms[index:]
    # An open tail (`.*` at the end, or no `$` with re.match) trusts every origin that
    # merely starts with the text before it: keep only that text's own origins.
    if rest and _is_open(rest[-1]):
        before = rest[:-1]
        shown = _literal(before)
        if shown is not None and shown:
            result.narrow(
                f"{result.regex!r} also matched every origin that starts with "
                f"{scheme}://{shown} (e.g. {scheme}://{shown}.attacker.example): only "
                f"{scheme}://{shown} itself is kept"
            )
        elif shown == "":
            result.narrow(
                f"{result.regex!r} matched every {scheme} origin: no pattern says that; "
                "list your origins (or use ['*'] for a public API without credentials)"
            )
            return
        else:
            result.narrow(
                f"{result.regex!r} is not anchored at the end ($) and also matched longer "
                "origins (e.g. ones ending in .attacker.example): only its anchored form is kept"
            )
        rest = before
    _translate_authority(scheme, rest, result)


def _translate_authority(scheme: str, atoms: list[_Atom], result: RegexTranslation) -> None:
    # Split host and port at the first literal ':' outside an IPv6 literal.
    host_atoms, port_atoms = atoms, []
    depth = 0
    for position, atom in enumerate(atoms):
        char = atom.literal
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == ":" and depth == 0:
            host_atoms, port_atoms = atoms[:position], atoms[position + 1 :]
            break
    ports = _port_text(port_atoms, result)
    if ports is None:
        return
    for host in _host_patterns(host_atoms, result):
        for port in ports:
            candidate = f"{scheme}://{host}{port}"
            try:
                parse_origin_pattern(candidate.replace(_PORT_ANY, ":*"))
            except ValueError as exc:
                result.narrow(f"{candidate} is left out: {exc}")
                continue
            result.patterns.append(candidate)


_PORT_ANY = ":\x00"  # any explicit port, merged with the no-port variant in _merge_ports


def _port_text(atoms: list[_Atom], result: RegexTranslation) -> list[str] | None:
    if not atoms:
        return [""]
    literal = _literal(atoms)
    if literal is not None:
        if literal.isdigit():
            return [f":{literal}"]
        result.narrow(f"{result.regex!r}: the port part {literal!r} is not a number")
        return None
    if len(atoms) == 1:
        atom = atoms[0]
        digits = set(_DIGITS)
        if digits <= atom.chars and atom.low <= 1 and atom.high >= 5:
            return [_PORT_ANY]
    result.narrow(
        f"{result.regex!r} allows only some ports; corsguard's ':*' would allow every port: "
        "list the origins with their ports"
    )
    return None


def _merge_ports(result: RegexTranslation) -> None:
    """`:*` in corsguard also matches no port; exact only when the regex allowed none too."""
    merged: list[str] = []
    for pattern in result.patterns:
        if pattern.endswith(_PORT_ANY):
            base = pattern[: -len(_PORT_ANY)]
            if base in result.patterns:
                merged.append(base + ":*")
            else:
                result.narrow(
                    f"{result.regex!r} requires an explicit port; corsguard's {base}:* also "
                    f"matches {base} on the default port, so it is not written for you: add "
                    f"'{base}:*' if that origin is yours too, or list the ports"
                )
        else:
            merged.append(pattern)
    bases_with_any = {p[: -len(":*")] for p in merged if p.endswith(":*")}
    result.patterns = list(dict.fromkeys(p for p in merged if p not in bases_with_any))


def _host_patterns(atoms: list[_Atom], result: RegexTranslation) -> list[str]:
    literal = _literal(atoms)
    if literal is not None:
        return [literal] if literal else []
    wild = [i for i, atom in enumerate(atoms) if atom.literal is None]
    if len(wild) != 1:
        result.narrow(f"{result.regex!r} has several wildcards in the host: list its origins")
        return []
    at = wild[0]
    left = _literal(atoms[:at]) or ""
    right = _literal(atoms[at + 1 :]) or ""
    w = atoms[at]
    spans_dots = "." in w.chars
    if spans_dots and not w.chars >= _HOST_CHARS:
        result.narrow(
            f"{result.regex!r}: its wildcard crosses dots but not every character of a host "
            "name, which no corsguard pattern says: list its origins"
        )
        return []
    if spans_dots and w.high < _INF:
        result.narrow(f"{result.regex!r}: a bounded wildcard host part: list its origins")
        return []
    if spans_dots:
        if w.low > 1:
            result.narrow(f"{result.regex!r}: a wildcard of at least {w.low} characters")
            return []
        if not left and right.startswith("."):
            return ["*" + right]  # any number of labels before the domain: exact
        if not left:
            # `.*example\.com` also matches `evilexample.com`: keep the subdomains and
            # the apex, both of which it matches.
            result.narrow(
                f"{result.regex!r} also matched any host that merely ends in {right!r} "
                f"(e.g. attacker{right}, which anyone can register): only {right} and its "
                "subdomains are kept"
            )
            out = ["*." + right]
            return [*out, right] if w.low == 0 else out
    # A wildcard inside one label (or narrowed to one).
    if "." in left:
        result.narrow(
            f"{result.regex!r}: a wildcard after the first label; corsguard puts '*' only in "
            "the first label: list its origins"
        )
        return []
    label_right, dot, domain = right.partition(".")
    if not dot or not domain:
        result.narrow(f"{result.regex!r}: a wildcard in the last label: list its origins")
        return []
    if not left and not label_right:
        if _is_shared_hosting(domain):
            result.narrow(
                f"{result.regex!r} trusts any name on {domain}, a public hosting platform "
                "where anyone can create one: list your own exact origins"
            )
            return []
        return _one_label(w, domain, result)
    if not w.chars >= _WITHIN_LABEL:
        result.narrow(
            f"{result.regex!r}: its wildcard admits only some letters, digits or hyphens; "
            "corsguard's '*' admits them all: list its origins"
        )
        return []
    if w.high < 63:
        result.narrow(
            f"{result.regex!r}: its wildcard is at most {w.high} characters; corsguard's "
            "'*' is not bounded: list its origins"
        )
        return []
    if w.low > 1:
        result.narrow(f"{result.regex!r}: a wildcard of at least {w.low} characters")
        return []
    if spans_dots:
        result.narrow(
            f"{result.regex!r} also matched names with more labels "
            f"({left}x.y{right}): only one label is kept ({left}*{right})"
        )
    elif w.chars & _LABEL_CHARS - _WITHIN_LABEL:
        result.narrow(f"{result.regex!r} also matched labels with '_'; corsguard's '*' never does")
    out = [f"{left}*{right}"]
    if w.low == 0 and _LABEL.fullmatch(left + label_right):
        out.append(left + right)
    return out


def _one_label(w: _Atom, domain: str, result: RegexTranslation) -> list[str]:
    """A whole first label: corsguard's ``+.domain`` when it trusts no label the regex refused.

    ``+`` is one label of letters, digits and hyphens (origin.py); ``*.`` would also trust
    deeper names (a.b.domain), which can be delegated to someone else, so it is never the
    answer to a one-label regex.
    """
    missing = sorted(_WITHIN_LABEL - w.chars)
    short = w.high < 63
    if missing or short or w.low > 1:
        if missing:
            groups = (("some letters", _LOWER), ("some digits", _DIGITS), ("'-'", "-"))
            kinds = [name for name, chars in groups if set(chars) & set(missing)]
            why = f"its label never holds {' nor '.join(kinds)}"
        elif short:
            why = f"its label is at most {w.high} characters"
        else:
            why = f"its label is at least {w.low} characters"
        result.narrow(
            f"{result.regex!r} matches one label under {domain}, but {why}; corsguard's "
            f"'+.{domain}' would trust more: list the origins, or write '+.{domain}' yourself "
            f"if every name one label under {domain} is yours"
        )
        return []
    below = shared_suffix_one_below(domain)
    if below is not None:
        result.narrow(
            f"{result.regex!r} also trusts {below}, a public suffix whose origin serves "
            "anyone's content: list your own exact origins"
        )
        return []
    if w.chars & _LABEL_CHARS - _WITHIN_LABEL:
        result.narrow(f"{result.regex!r} also matched labels with '_'; corsguard's '+' never does")
    return ["+." + domain]


def _is_shared_hosting(domain: str) -> bool:
    return is_shared_hosting(domain)
