"""Other CORS libraries' option names, and what to write in corsguard instead (issue #14).

People migrating from flask-cors, Starlette/FastAPI, django-cors-headers, aiohttp-cors or
Express's cors type the names they know. A name that is merely unknown would get a generic
"did you mean" (or none: ``supports_credentials`` is far from ``allow_credentials``), so
this one table says, for each foreign name, which corsguard option to write and how. Every
entry point reads it: `corsguard.Policy` keywords (and so both middlewares), the Flask
extension's keywords and config keys, Django settings, environment variables, TOML keys.

Also here, for the same reason, the answer to a regular expression where corsguard takes
origins: the exact patterns (corsguard.origin_regex), or why there are none.

Part of the model: pure, no I/O. Each answer is a `corsguard.problems.Problem` whose settings
each source spells its own way (``allow_credentials=True``, ``CORSGUARD_ALLOW_CREDENTIALS=true``,
``allow_credentials = true``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from corsguard.origin import parse_origin_pattern
from corsguard.origin_regex import Mode, translate_regex
from corsguard.problems import Name, Problem, Setting, Text
from corsguard.suffixes import is_shared_hosting

# Where a name was written: Python keywords, a settings dict (Django, Flask), environment
# variables, TOML. Only the routes advice differs in more than how settings are spelt.
Source = Literal["python", "settings", "env", "toml"]
Kind = Literal["same", "wildcard", "routes", "regex", "builtin"]

LIST_TARGETS = frozenset({"allow_origins", "allow_methods", "allow_headers", "expose_headers"})
BOOL_TARGETS = frozenset({"allow_credentials", "allow_private_network"})
INT_TARGETS = frozenset({"max_age"})


@dataclass(frozen=True)
class Foreign:
    """One foreign name. ``kind`` says how its value becomes corsguard's:

    - "same": the same value under ``target`` (a single string becomes a list);
    - "wildcard": a switch for "any origin", which is ``allow_origins=['*']``;
    - "routes": per-path options keyed by globs or regexes, which are plain prefixes here;
    - "regex": origin regular expressions (read with ``mode``), which are patterns here;
    - "builtin": nothing to set, corsguard always does it (``note`` says what).
    """

    name: str
    library: str
    target: str | None
    kind: Kind = "same"
    mode: Mode = "match"
    ignore_case: bool = False
    note: str = ""


FLASK_CORS = "flask-cors"
STARLETTE = "Starlette"
DJANGO = "django-cors-headers"
AIOHTTP = "aiohttp-cors"
EXPRESS = "Express cors"

# flask-cors matches regexes with re.match and re.IGNORECASE (flask_cors/core.py, try_match);
# django-cors-headers with re.match (corsheaders/middleware.py, regex_domain_match);
# Starlette with fullmatch (starlette/middleware/cors.py).
_VARY = "corsguard sends Vary: Origin whenever its answer depends on the Origin: remove it"
_OPTIONS = "corsguard answers preflights itself, before the app: remove it"
_ALWAYS = (
    "corsguard adds CORS headers to cross-origin requests from allowed origins, which is "
    "all a browser reads: remove it"
)
_EXCEPTIONS = "corsguard's headers reach error responses too: remove it"

_ENTRIES: tuple[Foreign, ...] = (
    # flask-cors: CORS(app, ...) and @cross_origin(...) keywords ...
    Foreign("origins", FLASK_CORS, "allow_origins"),
    Foreign("methods", FLASK_CORS, "allow_methods"),
    Foreign("supports_credentials", FLASK_CORS, "allow_credentials"),
    Foreign("resources", FLASK_CORS, "routes", "routes"),
    Foreign("send_wildcard", FLASK_CORS, "allow_origins", "wildcard"),
    Foreign("vary_header", FLASK_CORS, None, "builtin", note=_VARY),
    Foreign("automatic_options", FLASK_CORS, None, "builtin", note=_OPTIONS),
    Foreign("always_send", FLASK_CORS, None, "builtin", note=_ALWAYS),
    Foreign("intercept_exceptions", FLASK_CORS, None, "builtin", note=_EXCEPTIONS),
    # ... and its app.config keys
    Foreign("CORS_ORIGINS", FLASK_CORS, "allow_origins"),
    Foreign("CORS_METHODS", FLASK_CORS, "allow_methods"),
    Foreign("CORS_SUPPORTS_CREDENTIALS", FLASK_CORS, "allow_credentials"),
    Foreign("CORS_RESOURCES", FLASK_CORS, "routes", "routes"),
    Foreign("CORS_SEND_WILDCARD", FLASK_CORS, "allow_origins", "wildcard"),
    Foreign("CORS_VARY_HEADER", FLASK_CORS, None, "builtin", note=_VARY),
    Foreign("CORS_AUTOMATIC_OPTIONS", FLASK_CORS, None, "builtin", note=_OPTIONS),
    Foreign("CORS_ALWAYS_SEND", FLASK_CORS, None, "builtin", note=_ALWAYS),
    Foreign("CORS_INTERCEPT_EXCEPTIONS", FLASK_CORS, None, "builtin", note=_EXCEPTIONS),
    Foreign("CORS_EXPOSE_HEADERS", FLASK_CORS, "expose_headers"),
    # Common in tutorials (app.config['CORS_HEADERS'] = 'Content-Type'), read by nothing.
    Foreign(
        "CORS_HEADERS",
        FLASK_CORS,
        "allow_headers",
        note="flask-cors never read this key either (its name is CORS_ALLOW_HEADERS), and "
        "Content-Type needs no listing: corsguard always allows it",
    ),
    Foreign("CORS_MAX_AGE", FLASK_CORS, "max_age"),
    # Starlette / FastAPI (allow_origin_regex itself is a Policy keyword, refused there)
    Foreign("allow_origin_regexes", STARLETTE, "allow_origins", "regex", "fullmatch"),
    # django-cors-headers settings, current and pre-3.5 names
    Foreign("CORS_ALLOWED_ORIGINS", DJANGO, "allow_origins"),
    Foreign("CORS_ORIGIN_WHITELIST", DJANGO, "allow_origins"),
    Foreign("CORS_ALLOW_ALL_ORIGINS", DJANGO, "allow_origins", "wildcard"),
    Foreign("CORS_ORIGIN_ALLOW_ALL", DJANGO, "allow_origins", "wildcard"),
    Foreign("CORS_ALLOWED_ORIGIN_REGEXES", DJANGO, "allow_origins", "regex"),
    Foreign("CORS_ORIGIN_REGEX_WHITELIST", DJANGO, "allow_origins", "regex"),
    Foreign("CORS_ALLOW_CREDENTIALS", DJANGO, "allow_credentials"),
    Foreign("CORS_ALLOW_METHODS", DJANGO, "allow_methods"),
    Foreign("CORS_ALLOW_HEADERS", DJANGO, "allow_headers"),
    Foreign("CORS_PREFLIGHT_MAX_AGE", DJANGO, "max_age"),
    Foreign("CORS_URLS_REGEX", DJANGO, "routes", "routes"),
    Foreign("CORS_ALLOW_PRIVATE_NETWORK", DJANGO, "allow_private_network"),
    Foreign(
        "CORS_REPLACE_HTTPS_REFERER",
        DJANGO,
        None,
        "builtin",
        note="corsguard does not rewrite Referer; for cross-origin HTTPS form posts list the "
        "origin in Django's CSRF_TRUSTED_ORIGINS: remove it",
    ),
    # the same without the CORS_ prefix, as they appear inside settings.CORSGUARD
    Foreign("allowed_origins", DJANGO, "allow_origins"),
    Foreign("allow_all_origins", DJANGO, "allow_origins", "wildcard"),
    Foreign("allowed_origin_regexes", DJANGO, "allow_origins", "regex"),
    Foreign("urls_regex", DJANGO, "routes", "routes"),
    Foreign("preflight_max_age", DJANGO, "max_age"),
    # aiohttp-cors: cors_setup(app, defaults={"https://app.example.com": ResourceOptions(...)})
    Foreign(
        "defaults",
        AIOHTTP,
        "allow_origins",
        note="aiohttp-cors keys its defaults by origin; corsguard lists the origins and "
        "takes ResourceOptions' allow_credentials, allow_headers, expose_headers, "
        "allow_methods and max_age as options beside them",
    ),
    # Express's cors package (JavaScript options pasted into a Python service)
    Foreign("origin", EXPRESS, "allow_origins"),
    Foreign("credentials", EXPRESS, "allow_credentials"),
    Foreign("allowedHeaders", EXPRESS, "allow_headers"),
    Foreign("exposedHeaders", EXPRESS, "expose_headers"),
    Foreign("maxAge", EXPRESS, "max_age"),
)

FOREIGN: Mapping[str, Foreign] = {entry.name.lower(): entry for entry in _ENTRIES}


def lookup(name: str) -> Foreign | None:
    """The foreign option ``name`` spells (any case; hyphens read as underscores), or None."""
    if not isinstance(name, str):
        return None
    return FOREIGN.get(name.lower().replace("-", "_"))


def _wrap(target: str, value: object) -> object | None:
    """``value`` in the shape corsguard's ``target`` takes, or None when it has no such form."""
    if target in LIST_TARGETS:
        if isinstance(value, str):
            # flask-cors and django-cors-headers take one string where a list is meant.
            if target == "allow_origins":
                return [value]
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, (list, tuple, set, frozenset)):
            items = [getattr(item, "pattern", item) for item in value]  # re.Pattern: its text
            return items if all(isinstance(item, str) for item in items) else None
        return None
    if target in BOOL_TARGETS:
        return value if isinstance(value, bool) else None
    if target in INT_TARGETS:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def carried_value(entry: Foreign, value: object) -> object | None:
    """The value to validate under ``entry.target`` as well, so that one error says all.

    Only for renamed options; the rename itself is still an error, so a foreign name never
    configures a policy, it only lets the policy's other problems with the value be shown.
    """
    if entry.kind == "wildcard" and value is True:
        return ["*"]
    if entry.kind == "regex":
        found = regex_patterns(_regex_texts(value), entry.mode, entry.ignore_case)
        return list(found.patterns) if found.exact and found.shared is None else None
    if entry.kind != "same" or entry.target is None or entry.name == "defaults":
        return None
    return _wrap(entry.target, value)


def foreign_problem(entry: Foreign, value: object, lead: str, source: Source) -> Problem:
    """The problem for ``value`` written under ``entry``'s name.

    ``lead`` is the source's own "unknown" phrase ("unknown option 'origins'",
    "CORSGUARD_ORIGINS is not a corsguard setting"); the rest says which option to write.
    """
    spelt = f"({entry.library} spells it {entry.name})"
    if entry.target is None:
        return Problem(None, value, (lead, f": {spelt} no option is needed"), (f"; {entry.note}",))
    reason: Text = (lead, ": did you mean '", Name(entry.target), f"'? {spelt}")
    if entry.kind == "same":
        wrapped = _wrap(entry.target, value) if entry.name != "defaults" else None
        if entry.name == "defaults" and isinstance(value, Mapping):
            origins = [key for key in value if isinstance(key, str)]
            wrapped = origins or None
        if isinstance(wrapped, list) and entry.target == "allow_origins":
            regexes = [item for item in wrapped if is_origin_regex(item)]
            if regexes:
                # The regexes themselves are answered under allow_origins (the value is
                # carried there): show the list with their exact patterns, if they have any.
                wrapped = corrected_origins(wrapped, regexes)
        if wrapped is not None:
            advice: Text = (": write ", Setting(entry.target, wrapped))
        else:
            advice = (": write ", Name(entry.target), f" ({_shape(entry.target)})")
        if entry.note:
            advice = (*advice, f"; {entry.note}")
        return Problem(None, value, reason, advice)
    if entry.kind == "wildcard":
        if value is False:
            advice = (
                ": remove it; corsguard allows only the origins listed in ",
                Name("allow_origins"),
            )
        else:
            advice = (
                ": for a public API without credentials write ",
                Setting("allow_origins", ["*"]),
                "; otherwise list the origins of your front ends",
            )
        return Problem(None, value, reason, advice)
    if entry.kind == "regex":
        strings = _regex_texts(value)
        return Problem(
            None,
            value,
            (*reason, ": corsguard takes no regular expressions"),
            regex_answer(strings, entry.mode, entry.ignore_case),
        )
    return Problem(None, value, reason, _routes_advice(value, source))


def _regex_texts(value: object) -> list[str]:
    """One regex or a list of them (str or re.Pattern), as their texts."""
    items: list[object] = [value] if isinstance(value, str) else []
    if isinstance(value, (list, tuple)):
        items = list(value)
    texts = [getattr(item, "pattern", item) for item in items]
    return [text for text in texts if isinstance(text, str)]


def _shape(target: str) -> str:
    if target in LIST_TARGETS:
        return "a list of strings"
    if target in BOOL_TARGETS:
        return "True or False"
    return "a whole number of seconds"


# ---------------------------------------------------------------- routes

# Glob and regex characters that end the literal part of a path pattern.
_PATH_MARKS = re.compile(r"[*?()\[\]{}^$|\\]|\.\+")


# A path written with backslashes only, as on Windows: \api\v1 (not a regex: \d+).
_BACKSLASH_PATH = re.compile(r"(?:\\[\w.~-]+)+\\?")
# A Python string literal pasted whole, quotes and prefix included: r"^/api/.*".
_PASTED_LITERAL = re.compile(r"""[rRuU]?(['"])(.*)\1""", re.DOTALL)


def literal_prefix(pattern: str) -> str:
    """The plain path prefix a glob or path regex starts with: ``r'^/api/.*'`` -> ``/api``.

    A pasted Python literal (``r"/api/.*"``) is read inside its quotes; a path written with
    backslashes and no slash is read with slashes; a backslash-escaped slash is a slash.
    """
    pasted = _PASTED_LITERAL.fullmatch(pattern.strip())
    if pasted is not None:
        pattern = pasted.group(2)
    if _BACKSLASH_PATH.fullmatch(pattern):
        pattern = pattern.replace("\\", "/")
    literal = pattern.replace("\\/", "/").removeprefix("^")
    cut = _PATH_MARKS.search(literal)
    if cut is not None:
        literal = literal[: cut.start()]
    literal = literal.rstrip("/.")
    return "/" + "/".join(segment for segment in literal.split("/") if segment)


def _routes_advice(value: object, source: Source) -> Text:
    if isinstance(value, Mapping):
        keys = [k for k in value if isinstance(k, str)]
    elif isinstance(value, str):
        keys = [value]
    else:
        items = [getattr(i, "pattern", i) for i in value] if isinstance(value, list) else []
        keys = [k for k in items if isinstance(k, str)]
    prefixes = list(dict.fromkeys(literal_prefix(k) for k in keys)) or ["/api"]
    shape = (
        ": routes maps plain path prefixes (no globs or regular expressions; a prefix covers "
        "the paths below it) to a policy each"
    )
    example = prefixes[0]
    if source == "env":
        how = (
            "; routes cannot be set from the environment: put them in a TOML file "
            f'([routes."{example}"]) and load it with Policy.from_file'
        )
    elif source == "toml":
        how = (
            f'; write a table per prefix: [routes."{example}"] with allow_origins = [...] under it'
        )
    elif source == "settings":
        how = f"; write 'routes': {{{example!r}: {{'allow_origins': [...]}}}}"
    else:
        how = f"; write routes={{{example!r}: Policy(allow_origins=[...])}}"
    if len(prefixes) > 1:
        how += f" (prefixes: {', '.join(prefixes)})"
    return (shape, how)


# ---------------------------------------------------------------- regular expressions

# What only a regular expression holds, not an origin or a corsguard pattern: anchors,
# escapes, groups, alternation, repetition ({n}, `.*` and `.+` not followed by a dot, a
# quantified group or class, `https?:`) and character classes. Left to the origin parser's
# own advice: a bracket holding only hex digits, ':' and '.' (an IPv6 literal such as
# http://[::1]:8000), `.*.` (a glob label, app.*.example.com), '?' elsewhere (a query) and
# a lone '+' (a label pattern such as https://+.example.com).
_REGEX_SYNTAX = re.compile(
    r"\A\^|\$\Z|\\|[()|{}]|\.[*+](?!\.)|[\])][*+?]|\?(?=:)|\[(?![0-9A-Fa-f:.]*\])"
)


def looks_like_regex(text: str) -> bool:
    """Whether ``text`` (not a valid origin or pattern) is written as a regular expression."""
    return bool(_REGEX_SYNTAX.search(text))


@dataclass(frozen=True)
class RegexPatterns:
    """Patterns for regexes: ``exact`` when they trust the same origins, else ``notes``."""

    patterns: tuple[str, ...]
    exact: bool
    notes: tuple[str, ...]
    shared: str | None  # a pattern that would trust a hosting platform's tenants


def regex_patterns(
    regexes: Iterable[str], mode: Mode = "fullmatch", ignore_case: bool = False
) -> RegexPatterns:
    """The corsguard patterns for ``regexes`` (corsguard.origin_regex: never wider)."""
    patterns: list[str] = []
    notes: list[str] = []
    exact = True
    for regex in regexes:
        translation = translate_regex(regex, mode, ignore_case=ignore_case)
        exact = exact and translation.exact
        notes.extend(translation.notes)
        patterns.extend(translation.patterns)
    unique = tuple(dict.fromkeys(patterns))
    shared = next((p for p in unique if _on_shared_hosting(p)), None)
    return RegexPatterns(unique, exact and bool(unique), tuple(dict.fromkeys(notes)), shared)


def _on_shared_hosting(pattern: str) -> bool:
    try:
        parsed = parse_origin_pattern(pattern)
    except ValueError:
        return False
    # localhost is a single-label name, like a public suffix, but only the user's own
    # machine serves it (RFC 6761 §6.3): the development advice, not a tenant's.
    return not parsed.is_loopback and is_shared_hosting(parsed.host)


_LIST_INSTEAD = (
    "list exact origins or patterns such as 'https://*.example.com', "
    "'https://+.example.com' (one label), 'http://localhost:*' or "
    "'https://myapp-*.preview.example.com'"
)


def regex_answer(regexes: list[str], mode: Mode = "fullmatch", ignore_case: bool = False) -> Text:
    """The advice for origin regexes: the exact patterns to write, or what to list instead."""
    found = regex_patterns(regexes, mode, ignore_case)
    if found.shared is not None:
        return (
            f"; its pattern {found.shared!r} would trust every tenant of a public hosting "
            "platform: host your previews on a domain you own and write e.g. ",
            Setting("allow_origins", ["https://myapp-*.preview.example.com"]),
        )
    if found.exact:
        return ("; write ", Setting("allow_origins", list(found.patterns)), " instead")
    why = f" ({found.notes[0]})" if found.notes else ""
    return (f"; no corsguard pattern trusts exactly the origins it matches{why}: {_LIST_INSTEAD}",)


def origin_regex_problem(option: str, regex: str, corrected: list[str] | None) -> Problem:
    """The problem for a regular expression written as one of ``option``'s origins.

    ``corrected`` is the whole list with every regex replaced by its exact patterns, when
    all of them have some; shown as the setting to write.
    """
    found = regex_patterns([regex], "fullmatch")
    reason: Text = (Name(option), f": {regex!r} is a regular expression, not an origin")
    if found.shared is not None:
        advice: Text = (
            f"; its pattern {found.shared!r} would trust every tenant of a public hosting "
            "platform: host your previews on a domain you own and list e.g. "
            "'https://myapp-*.preview.example.com'",
        )
    elif found.exact:
        written = ", ".join(repr(p) for p in found.patterns)
        advice = (f"; write: {written}",)
        if corrected is not None:
            advice = (*advice, ", i.e. ", Setting(option, corrected))
    else:
        why = f" ({found.notes[0]})" if found.notes else ""
        advice = (f"; no corsguard pattern trusts exactly the origins it matches{why}: "
                  "list the origins it is meant to allow, e.g. 'https://app.example.com', "
                  "or patterns such as 'https://*.example.com'",)  # fmt: skip
    return Problem(option, regex, reason, advice)


def is_origin_regex(text: str) -> bool:
    """A regular expression written as an origin: regex syntax, and not a valid pattern."""
    if not looks_like_regex(text):
        return False
    try:
        parse_origin_pattern(text)
    except ValueError:
        return True
    return False


def corrected_origins(items: list[str], is_regex: Iterable[str]) -> list[str] | None:
    """``items`` with each regex among them replaced by its exact patterns, or None."""
    regexes = set(is_regex)
    out: list[str] = []
    for item in items:
        if item not in regexes:
            out.append(item)
            continue
        found = regex_patterns([item], "fullmatch")
        if not found.exact or found.shared is not None:
            return None
        out.extend(found.patterns)
    return list(dict.fromkeys(out))
