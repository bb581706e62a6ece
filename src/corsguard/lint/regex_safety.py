"""Deciding, without running it, whether a regex from a linted repository is safe to run.

The linter judges an origin regex by running it against attack origins, and the regex is
written by whoever wrote the linted code (a pull request that CI lints). Python's ``re`` is a
backtracking engine: ``(a+)+$`` takes time exponential in the input on a near-miss (ReDoS,
CWE-1333; OWASP "Regular expression Denial of Service"), the C matcher does not check for
signals while it runs, so no alarm or thread can stop it, and ``re`` has no timeout.

The options were: (1) match in a subprocess killed after a timeout -- tens of milliseconds
to start one per regex, and a worker pool to keep fast is more machinery than the problem
needs; (2) the third-party ``regex`` package's ``timeout=`` -- a new dependency, and a
fallback would still be needed without it; (3) refuse, before running, the regex shapes that
backtrack badly, and run the rest only on short inputs. We take (3): the shapes are well
known (star height above one, ambiguous alternation under a repetition, many unbounded
repetitions in a row: see Weideman et al., "Analyzing Matching Time Behavior of Backtracking
Regular Expression Matchers by Using Ambiguity of NFA", CIAA 2016), the check is one parse of
the pattern with the standard library's own parser, and a refused regex is reported as a note
("regex not evaluated: ...") instead of being run. Inputs are probe origins of at most
``MAX_SUBJECT`` characters, so what is left (at most ``_MAX_UNGUARDED`` overlapping unbounded
repetitions, i.e. a low-degree polynomial in a short input) stays fast.

The check errs on the side of refusing: a refused regex still gets its ``regex-origin``
finding, and only the bypass probes are skipped.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

# The standard library's own regex parser (re._parser since 3.11, sre_parse before, which
# 3.11+ deprecates); private, so it is used as Any and only through SubPattern lists.
_sre_parse: Any = importlib.import_module(
    "re._parser" if sys.version_info >= (3, 11) else "sre_parse"
)

__all__ = ["MAX_PATTERN", "MAX_SUBJECT", "regex_risk"]

# Longer patterns are not read at all (origin regexes are a few dozen characters).
MAX_PATTERN = 1000
# Longer subjects are not matched (an origin is at most a few hundred characters).
MAX_SUBJECT = 300
# Unbounded repetitions that can trade characters with what follows them: n of them make a
# failing anchored match try about len(subject) ** n / n! ways to split the subject (one
# power more for re.search); two keep that under 50,000 steps for a MAX_SUBJECT input.
_MAX_UNGUARDED = 2
# A bounded repetition {m,n} counts as unbounded when n - m is at least this.
_LONG_RANGE = 16

_ALPHABET = range(256)
# A character set: the code points below 256 it contains, plus "some code point above 255".
_CharSet = tuple[frozenset[int], bool]
_ANY: _CharSet = (frozenset(_ALPHABET), True)
_NONE: _CharSet = (frozenset(), False)


def _is_word(c: int) -> bool:
    return chr(c).isalnum() or c == 0x5F


# sre category -> (test for a code point below 256, whether it has code points above 255)
_CATEGORY: dict[str, tuple[Callable[[int], bool], bool]] = {
    "CATEGORY_DIGIT": (lambda c: chr(c).isdigit(), True),
    "CATEGORY_NOT_DIGIT": (lambda c: not chr(c).isdigit(), True),
    "CATEGORY_SPACE": (lambda c: chr(c).isspace(), True),
    "CATEGORY_NOT_SPACE": (lambda c: not chr(c).isspace(), True),
    "CATEGORY_WORD": (_is_word, True),
    "CATEGORY_NOT_WORD": (lambda c: not _is_word(c), True),
}


class _Risky(Exception):
    pass


@functools.lru_cache(maxsize=256)  # hand-written checks run one regex once per probe
def regex_risk(pattern: str, flags: int = 0) -> str | None:
    """Why running ``pattern`` could take too long, or None when it is safe to run.

    Also None for a pattern that does not compile (the caller's ``re.compile`` reports it).
    """
    if len(pattern) > MAX_PATTERN:
        return f"pattern longer than {MAX_PATTERN} characters"
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None if len(pattern) < 200 else "pattern could not be analysed"
    ignore_case = bool(flags & re.IGNORECASE) or bool(parsed.state.flags & re.IGNORECASE)
    try:
        _check(list(parsed), in_repeat=False, ignore_case=ignore_case)
        unguarded = _count_unguarded(list(parsed), ignore_case)
    except _Risky as exc:
        return str(exc)
    except RecursionError:
        return "pattern nested too deeply to analyse"
    if unguarded > _MAX_UNGUARDED:
        return (
            f"{unguarded} unbounded repetitions that can overlap "
            f"(more than {_MAX_UNGUARDED} make matching time grow as a high power of the input)"
        )
    return None


def _op(item: tuple[Any, Any]) -> str:
    return str(item[0])


def _is_repeat(name: str) -> bool:
    return name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _children(item: tuple[Any, Any]) -> Iterable[list[Any]]:
    """The sub-sequences inside one parsed item."""
    name, av = _op(item), item[1]
    if _is_repeat(name):
        yield list(av[2])
    elif name == "SUBPATTERN":
        yield list(av[3])
    elif name == "BRANCH":
        for alternative in av[1]:
            yield list(alternative)
    elif name in ("ASSERT", "ASSERT_NOT"):
        yield list(av[1])
    elif name == "ATOMIC_GROUP":
        yield list(av)
    elif name == "GROUPREF_EXISTS":
        yield list(av[1])
        if av[2] is not None:
            yield list(av[2])


def _width(seq: list[Any]) -> tuple[int, int]:
    lo, hi = _sre_parse.SubPattern(_sre_parse.State(), seq).getwidth()
    return int(lo), int(hi)


def _variable(item: tuple[Any, Any]) -> bool:
    name, av = _op(item), item[1]
    return _is_repeat(name) and av[0] != av[1]


def _contains_variable_repeat(seq: list[Any]) -> bool:
    for item in seq:
        if _variable(item):
            return True
        if any(_contains_variable_repeat(child) for child in _children(item)):
            return True
    return False


def _check(seq: list[Any], *, in_repeat: bool, ignore_case: bool) -> None:
    for item in seq:
        name, av = _op(item), item[1]
        if _is_repeat(name):
            body = list(av[2])
            repeats = av[1] > 1
            if repeats:
                if _width(body)[0] == 0:
                    raise _Risky("nested quantifier: a repeated group that can match nothing")
                if not _unambiguous_body(body, ignore_case) and _contains_variable_repeat(body):
                    raise _Risky("nested quantifier (a repetition inside a repetition)")
            _check(body, in_repeat=in_repeat or repeats, ignore_case=ignore_case)
            continue
        if name == "BRANCH" and in_repeat:
            alternatives = [list(a) for a in av[1]]
            firsts = [_first(a, ignore_case) for a in alternatives]
            for i, alternative in enumerate(alternatives):
                if _width(alternative)[0] == 0:
                    raise _Risky("alternation with an empty branch under a repetition")
                for other in firsts[i + 1 :]:
                    if _overlap(firsts[i], other):
                        raise _Risky("overlapping alternation under a repetition")
        for child in _children(item):
            _check(child, in_repeat=in_repeat, ignore_case=ignore_case)


def _unambiguous_body(body: list[Any], ignore_case: bool) -> bool:
    """``([a-z0-9-]+\\.)+``: each inner repetition is of one character class and is
    followed by a required character outside that class, so every way through the outer
    repetition is forced (the common "labels ending in a dot" shape is safe)."""
    while len(body) == 1 and _op(body[0]) == "SUBPATTERN":
        body = list(body[0][1][3])
    for index, item in enumerate(body):
        if _variable(item):
            inner = list(item[1][2])
            chars = _single(inner, ignore_case)
            if chars is None or index + 1 >= len(body):
                return False
            follower = _single([body[index + 1]], ignore_case)
            if follower is None or _overlap(chars, follower):
                return False
        elif any(_contains_variable_repeat(child) for child in _children(item)):
            return False
    return True


def _count_unguarded(seq: list[Any], ignore_case: bool) -> int:
    """Unbounded repetitions not followed by a required character outside their class."""
    count = 0
    for index, item in enumerate(seq):
        name, av = _op(item), item[1]
        if _is_repeat(name) and av[1] - av[0] >= _LONG_RANGE:
            chars = _single(list(av[2]), ignore_case)
            follower = _single([seq[index + 1]], ignore_case) if index + 1 < len(seq) else None
            if chars is None or follower is None or _overlap(chars, follower):
                count += 1
        for child in _children(item):
            count += _count_unguarded(child, ignore_case)
    return count


def _single(seq: list[Any], ignore_case: bool) -> _CharSet | None:
    """The set of a sequence that is exactly one character (a literal, a class, a dot)."""
    if len(seq) != 1:
        return None
    item = seq[0]
    name, av = _op(item), item[1]
    if name == "SUBPATTERN":
        return _single(list(av[3]), ignore_case)
    if name == "LITERAL":
        return _fold(frozenset({av}) if av < 256 else frozenset(), av >= 256, ignore_case)
    if name == "NOT_LITERAL" or name == "ANY":
        return _ANY
    if name == "IN":
        return _class(av, ignore_case)
    return None


def _class(items: list[Any], ignore_case: bool) -> _CharSet:
    chars: set[int] = set()
    high = False
    negate = False
    for sub in items:
        name, av = _op(sub), sub[1]
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            if av < 256:
                chars.add(av)
            else:
                high = True
        elif name == "RANGE":
            lo, hi = av
            chars.update(c for c in _ALPHABET if lo <= c <= hi)
            high = high or hi >= 256
        elif name == "CATEGORY":
            category = _CATEGORY.get(str(av))
            if category is None:
                return _ANY
            test, has_high = category
            chars.update(c for c in _ALPHABET if test(c))
            high = high or has_high
        else:  # anything unexpected: assume it can be any character
            return _ANY
    if negate:
        return (frozenset(_ALPHABET) - chars, True)
    return _fold(frozenset(chars), high, ignore_case)


def _fold(chars: frozenset[int], high: bool, ignore_case: bool) -> _CharSet:
    if not ignore_case:
        return chars, high
    folded = set(chars)
    for c in chars:
        for x in (chr(c).lower(), chr(c).upper()):
            if len(x) == 1 and ord(x) < 256:  # "ß".upper() is "SS"
                folded.add(ord(x))
    return frozenset(folded), high


def _overlap(a: _CharSet, b: _CharSet) -> bool:
    return bool(a[0] & b[0]) or (a[1] and b[1])


def _first(seq: list[Any], ignore_case: bool) -> _CharSet:
    """Characters a match of ``seq`` can start with (over-approximated)."""
    chars: set[int] = set()
    high = False
    for item in seq:
        name, av = _op(item), item[1]
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width
        single = _single([item], ignore_case)
        if single is not None:
            part = single
        elif _is_repeat(name):
            part = _first(list(av[2]), ignore_case)
        elif name == "SUBPATTERN":
            part = _first(list(av[3]), ignore_case)
        elif name == "BRANCH":
            parts = [_first(list(a), ignore_case) for a in av[1]]
            part = (frozenset().union(*(p[0] for p in parts)), any(p[1] for p in parts))
        else:
            return _ANY
        chars.update(part[0])
        high = high or part[1]
        if _width([item])[0] > 0:
            return frozenset(chars), high
    return (frozenset(chars), high) if chars or high else _NONE
