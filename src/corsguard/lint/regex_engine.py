"""A linear-time matcher for the regexes that lint refuses to run with ``re``.

``corsguard.lint.regex_safety`` refuses, before running them, regexes whose shape makes
Python's backtracking ``re`` take exponential time (``(\\w)*``, ``([-](\\w)*)*``). Such a
regex can still be judged: this module simulates the same pattern as a Thompson NFA (Ken
Thompson, "Regular Expression Search Algorithm", CACM 11(6), 1968; the technique of RE2 and
Go's regexp), which keeps the set of states reachable after each character and so never
backtracks: time is O(len(subject) x states) whatever the pattern. The pattern is read by
the standard library's own parser, so it means what it means to ``re``.

Supported: literals, classes (ranges, categories, negation), ``.``, groups, alternation,
greedy/lazy/possessive repetition (a bounded ``{m,n}`` is expanded, up to ``MAX_STATES``
states in all), ``^ $ \\A \\Z``, and the flags i, m, s, x, a. Not supported (``compile``
returns None and lint says the regex was not judged): backreferences, lookarounds, ``\\b``,
conditional groups. Lazy and possessive repetition accept the same strings as greedy for
match/fullmatch/search as a yes/no question, except that a possessive repeat can refuse what
greedy accepts; possessive repeats are therefore not supported either.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Callable
from typing import Any

from corsguard.lint.regex_safety import MAX_PATTERN, MAX_SUBJECT

_sre_parse: Any = importlib.import_module(
    "re._parser" if sys.version_info >= (3, 11) else "sre_parse"
)
_c: Any = importlib.import_module(
    "re._constants" if sys.version_info >= (3, 11) else "sre_constants"
)

__all__ = ["MAX_STATES", "compile_safe"]

MAX_STATES = 4000  # NFA states for one pattern (bounded repeats expand into copies)

_CHAR, _SPLIT, _ASSERT, _MATCH = range(4)
_ANCHORS = frozenset(
    {
        "AT_BEGINNING",
        "AT_BEGINNING_LINE",
        "AT_BEGINNING_STRING",
        "AT_END",
        "AT_END_LINE",
        "AT_END_STRING",
    }
)
Pred = Callable[[str], bool]


class _Unsupported(Exception):
    pass


def _category(name: str) -> Pred:
    tests: dict[str, Pred] = {
        "CATEGORY_DIGIT": lambda ch: ch.isdigit(),
        "CATEGORY_NOT_DIGIT": lambda ch: not ch.isdigit(),
        "CATEGORY_SPACE": lambda ch: ch.isspace(),
        "CATEGORY_NOT_SPACE": lambda ch: not ch.isspace(),
        "CATEGORY_WORD": lambda ch: ch.isalnum() or ch == "_",
        "CATEGORY_NOT_WORD": lambda ch: not (ch.isalnum() or ch == "_"),
    }
    if name not in tests:
        raise _Unsupported(name)
    return tests[name]


def _is_char(literal: str) -> Pred:
    return lambda x: x == literal


def _in_range(low: int, high: int) -> Pred:
    return lambda x: low <= ord(x) <= high


class _Builder:
    def __init__(self, flags: int) -> None:
        self.kinds: list[int] = []
        self.data: list[Any] = []
        self.next1: list[int] = []
        self.next2: list[int] = []
        self.flags = flags

    def node(self, kind: int, data: Any = None, next1: int = -1, next2: int = -1) -> int:
        if len(self.kinds) >= MAX_STATES:
            raise _Unsupported("too many states")
        self.kinds.append(kind)
        self.data.append(data)
        self.next1.append(next1)
        self.next2.append(next2)
        return len(self.kinds) - 1

    def char(self, pred: Pred, icase: bool, cont: int) -> int:
        if icase:
            base = pred
            pred = lambda ch: base(ch) or base(ch.lower()) or base(ch.upper())  # noqa: E731
        return self.node(_CHAR, pred, cont)

    def seq(self, items: list[tuple[Any, Any]], cont: int, icase: bool) -> int:
        for op, av in reversed(items):
            cont = self.item(op, av, cont, icase)
        return cont

    def item(self, op: Any, av: Any, cont: int, icase: bool) -> int:
        name = str(op)
        if name == "LITERAL":
            ch = chr(av)
            return self.char(lambda x: x == ch, icase, cont)
        if name == "NOT_LITERAL":
            ch = chr(av)
            if icase:
                return self.node(_CHAR, lambda x: x.lower() != ch.lower(), cont)
            return self.node(_CHAR, lambda x: x != ch, cont)
        if name == "ANY":
            dotall = bool(self.flags & re.DOTALL)
            return self.node(_CHAR, lambda x: dotall or x != "\n", cont)
        if name == "IN":
            return self.char(self._class(av), icase, cont)
        if name == "BRANCH":
            _none, alternatives = av
            start = self.seq(list(alternatives[-1]), cont, icase)
            for alternative in reversed(alternatives[:-1]):
                start = self.node(_SPLIT, None, self.seq(list(alternative), cont, icase), start)
            return start
        if name == "SUBPATTERN":
            _group, add_flags, del_flags, sub = av
            inner = icase
            if add_flags & re.IGNORECASE:
                inner = True
            if del_flags & re.IGNORECASE:
                inner = False
            return self.seq(list(sub), cont, inner)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, sub = av
            items = list(sub)
            if high == _c.MAXREPEAT:
                loop = self.node(_SPLIT)
                body = self.seq(items, loop, icase)
                self.next1[loop] = body
                self.next2[loop] = cont
                tail = loop
            else:
                # X{m,n}: m copies, then n-m nested optional copies (take one more, or go on).
                tail = cont
                for _ in range(high - low):
                    tail = self.node(_SPLIT, None, self.seq(items, tail, icase), cont)
            start = tail
            for _ in range(low):
                start = self.seq(items, start, icase)
            return start
        if name == "AT":
            if str(av) not in _ANCHORS:
                raise _Unsupported(str(av))  # \b, \B: word boundaries are not simulated
            return self.node(_ASSERT, str(av), cont)
        raise _Unsupported(name)

    def _class(self, items: list[tuple[Any, Any]]) -> Pred:
        negate = False
        tests: list[Pred] = []
        for op, av in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                tests.append(_is_char(chr(av)))
            elif name == "RANGE":
                tests.append(_in_range(int(av[0]), int(av[1])))
            elif name == "CATEGORY":
                tests.append(_category(str(av)))
            else:
                raise _Unsupported(name)
        return lambda x: any(t(x) for t in tests) is not negate


class SafeRegex:
    """A compiled pattern: ``match``, ``fullmatch`` and ``search`` answer True/False."""

    def __init__(self, builder: _Builder, start: int) -> None:
        self._kinds = builder.kinds
        self._data = builder.data
        self._next1 = builder.next1
        self._next2 = builder.next2
        self._start = start
        self._multiline = bool(builder.flags & re.MULTILINE)

    def _holds(self, at: str, text: str, pos: int) -> bool:
        end = len(text)
        if at in ("AT_BEGINNING", "AT_BEGINNING_LINE"):
            return pos == 0 or (self._multiline and text[pos - 1] == "\n")
        if at == "AT_BEGINNING_STRING":
            return pos == 0
        if at in ("AT_END", "AT_END_LINE"):
            if self._multiline and pos < end and text[pos] == "\n":
                return True
            return pos == end or (pos == end - 1 and text[pos] == "\n")
        if at == "AT_END_STRING":
            return pos == end
        raise _Unsupported(at)

    def _closure(self, states: list[int], text: str, pos: int) -> tuple[set[int], bool]:
        seen: set[int] = set()
        stack = list(reversed(states))
        chars: set[int] = set()
        matched = False
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            kind = self._kinds[state]
            if kind == _CHAR:
                chars.add(state)
            elif kind == _SPLIT:
                stack.append(self._next2[state])
                stack.append(self._next1[state])
            elif kind == _ASSERT:
                if self._holds(self._data[state], text, pos):
                    stack.append(self._next1[state])
            else:
                matched = True
        return chars, matched

    def _run(self, text: str, anchored: bool, full: bool) -> bool:
        current, matched = self._closure([self._start], text, 0)
        if matched and (not full or not text):
            return True
        for pos, ch in enumerate(text):
            following = [self._next1[s] for s in current if self._data[s](ch)]
            if not anchored:
                following.append(self._start)
            current, matched = self._closure(following, text, pos + 1)
            if matched and (not full or pos + 1 == len(text)):
                return True
            if not current and anchored:
                return False
        return False

    def match(self, text: str) -> bool:
        return self._run(text, True, False)

    def fullmatch(self, text: str) -> bool:
        return self._run(text, True, True)

    def search(self, text: str) -> bool:
        return self._run(text, False, False)


@functools.lru_cache(maxsize=256)
def compile_safe(pattern: str, flags: int = 0) -> SafeRegex | None:
    """The pattern as a linear-time matcher, or None when it uses what is not supported."""
    if len(pattern) > MAX_PATTERN:
        return None
    try:
        parsed = _sre_parse.parse(pattern, flags)
        all_flags = int(parsed.state.flags) | flags
        builder = _Builder(all_flags)
        match = builder.node(_MATCH)
        start = builder.seq(list(parsed), match, bool(all_flags & re.IGNORECASE))
    except (_Unsupported, re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None
    return SafeRegex(builder, start)


def safe_call(name: str, pattern: str, subject: str, flags: int) -> bool | None:
    """``re.<name>(pattern, subject, flags) is not None`` in linear time; None: not judged."""
    if len(subject) > MAX_SUBJECT:
        return None
    compiled = compile_safe(pattern, flags)
    if compiled is None:
        return None
    try:
        return bool(getattr(compiled, name)(subject))
    except _Unsupported:
        return None
