"""Library CORS options to corsguard `Policy` keyword arguments, with the reasons.

Pure (no I/O, no libcst): ``corsguard lint`` may use it to print fixes. Each ``from_*``
function takes the options as the library would receive them — Python values, or `Expr`
for what cannot be known before run time — and returns a `Translation`: the Policy keyword
arguments in a stable order, per-path routes, and notes for the reader (``decide=True``
when the user must choose something).

The rule throughout: the translation never trusts an origin, method or header that the
library did not, and whatever it cannot carry exactly is said in a note. Library semantics
(read from the installed packages):

- Starlette 1.x ``middleware/cors.py``: ``allow_origins`` compared exactly (``in``, so a
  string is a substring test), ``"*"`` allows all and, with credentials, reflects the
  origin; ``allow_origin_regex`` uses ``fullmatch``; ``allow_methods=["*"]`` means its
  ``ALL_METHODS``; ``allow_headers=["*"]`` reflects every requested header, Authorization
  included.
- flask-cors 6.x ``core.py``: defaults ``origins="*"``, ``methods`` all of ``ALL_METHODS``,
  ``allow_headers="*"``; a string with one of ``*\\]?$^[]()`` is a regex tested with
  ``re.match`` and IGNORECASE, any other string compares case-insensitively; with
  ``"*"`` the request's origin is reflected (with credentials if ``supports_credentials``);
  ``resources`` keys are path regexes tested with ``re.match`` (literal strings compare
  exactly), the first match wins.
- django-cors-headers 4.x ``conf.py``/``middleware.py``: ``CORS_ALLOWED_ORIGINS`` compared
  by scheme and netloc (``urlsplit``), ``"null"`` literally; regexes with ``re.match``;
  ``CORS_ALLOW_ALL_ORIGINS`` reflects the origin when ``CORS_ALLOW_CREDENTIALS``; default
  methods and headers in ``defaults.py``; ``CORS_URLS_REGEX`` (``re.match`` on the path)
  enables CORS per path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from corsguard.migrate.regex import translate_regex
from corsguard.policy import MAX_AGE_LIMIT, Policy, PolicyError

__all__ = [
    "NO_ORIGIN",
    "Expr",
    "Note",
    "Translation",
    "from_django",
    "from_flask_cors",
    "from_starlette",
    "path_prefix",
]

# An origin no site can have (the reserved .invalid top-level domain, RFC 6761 §6.4): what
# a policy lists when nothing the old configuration trusted could be carried, so that it
# constructs (corsguard refuses an empty list) and trusts no one.
NO_ORIGIN = "https://no-origin.invalid"

STARLETTE_ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
FLASK_CORS_ALL_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
DJANGO_DEFAULT_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
DJANGO_DEFAULT_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
)
_FLASK_REGEX_HINTS = frozenset("*\\]?$^[]()")
_ORDER = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "expose_headers",
    "max_age",
    "allow_private_network",
)


@dataclass(frozen=True)
class Expr:
    """Source text carried as written: a value known only at run time."""

    source: str


@dataclass(frozen=True)
class Note:
    text: str
    decide: bool = False  # the user must choose; rendered as a TODO


@dataclass
class Translation:
    """Policy keyword arguments (values are literals or `Expr`), routes and notes."""

    options: dict[str, object] = field(default_factory=dict)
    routes: dict[str, Translation] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def note(self, text: str, *, decide: bool = False) -> None:
        if all(n.text != text for n in self.notes):
            self.notes.append(Note(text, decide))

    @property
    def resolved(self) -> bool:
        """No value is an `Expr`: the Policy can be built here."""
        return not any(isinstance(v, Expr) for v in self.options.values()) and all(
            r.resolved for r in self.routes.values()
        )

    def kwargs(self) -> dict[str, object]:
        """Policy(**kwargs), routes built; raises ValueError when a value is an `Expr`."""
        if not self.resolved:
            raise ValueError("the translation carries run-time expressions")
        out = dict(self.options)
        if self.routes:
            out["routes"] = {path: r.build() for path, r in self.routes.items()}
        return out

    def build(self) -> Policy:
        return Policy(**self.kwargs())  # type: ignore[arg-type]

    def all_notes(self) -> list[Note]:
        notes = list(self.notes)
        for path, route in self.routes.items():
            notes.extend(Note(f"route {path}: {n.text}", n.decide) for n in route.notes)
        return notes


# --- shared pieces ---------------------------------------------------------------------------


def _items(value: object) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _problem(**kwargs: object) -> str | None:
    try:
        Policy(**kwargs)  # type: ignore[arg-type]
    except PolicyError as exc:
        return "; ".join(exc.problems)
    return None


def _keep_origin(text: str, credentials: object, out: Translation) -> bool:
    problem = _problem(allow_origins=[text], allow_credentials=credentials is True)
    if problem is None:
        return True
    problem = problem.removeprefix("allow_origins: ").removeprefix(f"{text!r}: ")
    out.note(f"{text!r} is left out: {problem}", decide=True)
    return False


def _checked(name: str, values: list[str], out: Translation) -> list[str]:
    kept = []
    for value in values:
        problem = _problem(allow_origins=[NO_ORIGIN], **{name: [value]})
        if problem is None:
            kept.append(value)
        else:
            out.note(f"{name}: {value!r} is left out: {problem.partition(': ')[2] or problem}")
    return list(dict.fromkeys(kept))


def _strings(name: str, value: object, out: Translation) -> list[str] | Expr:
    if isinstance(value, Expr):
        out.note(f"{name} is computed at run time ({value.source}): review the values", decide=True)
        return value
    items = _items(value)
    strings = [item for item in items if isinstance(item, str)]
    if len(strings) != len(items):
        out.note(f"{name}: values that are not strings are left out")
    return strings


def _set_credentials(value: object, out: Translation) -> bool | Expr:
    if isinstance(value, Expr):
        out.options["allow_credentials"] = value
        out.note(f"allow_credentials is computed at run time ({value.source}): review it")
        return value
    credentials = bool(value)
    if credentials:
        out.options["allow_credentials"] = True
    return credentials


def _any_origin_with_credentials(out: Translation, library: str) -> None:
    out.options["allow_origins"] = ["*"]
    out.options.pop("allow_credentials", None)
    out.note(
        f"{library} answered EVERY origin with its own name and credentials, so any web site "
        "could read your users' data with their cookies. corsguard refuses that: this policy "
        "keeps '*' WITHOUT credentials (public data only). Decide: if browsers must send "
        "cookies or HTTP auth, replace '*' by the origins of your front ends and set "
        "allow_credentials=True",
        decide=True,
    )


def _finish_origins(
    origins: list[str], any_origin: bool, credentials: object, out: Translation, library: str
) -> None:
    if any_origin:
        if credentials is True:
            _any_origin_with_credentials(out, library)
        elif isinstance(credentials, Expr):
            out.options["allow_origins"] = ["*"]
            out.note(
                "allow_origins=['*'] with run-time credentials: corsguard refuses '*' with "
                "credentials; list your origins if credentials can be true",
                decide=True,
            )
        else:
            out.options["allow_origins"] = ["*"]
        return
    kept = [o for o in dict.fromkeys(origins) if _keep_origin(o, credentials, out)]
    if not kept:
        kept = [NO_ORIGIN]
        out.note(
            "no origin of the old configuration could be carried, so the policy trusts "
            f"none ({NO_ORIGIN} is a reserved name no site has): list your front ends' origins",
            decide=True,
        )
    out.options["allow_origins"] = kept


def _extend_expr(value: Expr, patterns: list[str], out: Translation) -> None:
    """Run-time origins plus the patterns of the regexes: ``[*EXPR, "pattern"]``."""
    if patterns:
        extra = ", ".join(json.dumps(p) for p in dict.fromkeys(patterns))
        out.options["allow_origins"] = Expr(f"[*{value.source}, {extra}]")


def _add_regex(regex: object, mode: str, ignore_case: bool, out: Translation) -> list[str]:
    if not isinstance(regex, str):
        source = regex.source if isinstance(regex, Expr) else repr(regex)
        out.note(f"the origin regex {source} is not a literal string: list its origins")
        return []
    result = translate_regex(regex, "match" if mode == "match" else "fullmatch",
                             ignore_case=ignore_case)  # fmt: skip
    for text in result.notes:
        out.note(text, decide=not result.patterns)
    return result.patterns


def _methods(value: object, star_means: tuple[str, ...], out: Translation) -> None:
    if isinstance(value, Expr):
        out.options["allow_methods"] = value
        out.note(f"allow_methods is computed at run time ({value.source}): review it")
        return
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    methods = [m for m in _items(value) if isinstance(m, str)]
    if "*" in methods:
        methods = list(star_means)
    out.options["allow_methods"] = _checked("allow_methods", methods, out) or ["GET"]


def _headers(value: object, out: Translation, *, regexes: bool = False) -> None:
    if isinstance(value, Expr):
        out.options["allow_headers"] = value
        out.note(f"allow_headers is computed at run time ({value.source}): review it")
        return
    headers: list[str] = []
    for item in _items(value):
        if not isinstance(item, str):
            continue
        if item == "*" or (regexes and item == ".*"):
            # Every requested header was allowed, Authorization included; corsguard's '*'
            # never covers Authorization (Fetch §CORS-preflight fetch), so it is named.
            headers += ["*", "Authorization"]
        elif regexes and _FLASK_REGEX_HINTS & set(item):
            out.note(f"allow_headers: the regex {item!r} is left out: list the header names")
        else:
            headers.append(item)
    headers = _checked("allow_headers", headers, out)
    if headers:
        out.options["allow_headers"] = headers


def _expose(value: object, credentials: object, out: Translation) -> None:
    if value is None:
        return
    if isinstance(value, Expr):
        out.options["expose_headers"] = value
        out.note(f"expose_headers is computed at run time ({value.source}): review it")
        return
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    headers = [h for h in _items(value) if isinstance(h, str)]
    if "*" in headers and credentials is True:
        headers.remove("*")
        out.note(
            "expose_headers: '*' is left out: with credentials browsers read it as a header "
            "named '*', so it exposed nothing; list the headers scripts read"
        )
    headers = _checked("expose_headers", headers, out)
    if headers:
        out.options["expose_headers"] = headers


def _max_age(value: object, out: Translation) -> None:
    if value is None:
        return
    if isinstance(value, Expr):
        out.options["max_age"] = value
        out.note(f"max_age is computed at run time ({value.source}): review it")
        return
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        out.note(f"max_age {value!r} is left out (corsguard's default is 600 seconds)")
        return
    if value > MAX_AGE_LIMIT:
        out.note(f"max_age {value} is lowered to {MAX_AGE_LIMIT}: browsers cap it there or lower")
        value = MAX_AGE_LIMIT
    out.options["max_age"] = value


def _flag(name: str, value: object, out: Translation) -> None:
    if isinstance(value, Expr):
        out.options[name] = value
        out.note(f"{name} is computed at run time ({value.source}): review it")
    elif value:
        out.options[name] = True


def _order(out: Translation) -> Translation:
    out.options = {k: out.options[k] for k in _ORDER if k in out.options}
    return out


# --- Starlette / FastAPI ------------------------------------------------------------------

_STARLETTE_OPTIONS = frozenset(
    {
        "allow_origins",
        "allow_methods",
        "allow_headers",
        "allow_credentials",
        "allow_origin_regex",
        "allow_private_network",
        "expose_headers",
        "max_age",
    }
)


def from_starlette(options: Mapping[str, object]) -> Translation:
    """Starlette's (and FastAPI's) ``CORSMiddleware`` keyword arguments."""
    out = Translation()
    for name in options:
        if name not in _STARLETTE_OPTIONS:
            out.note(f"{name!r} is not a Starlette CORSMiddleware option: left out")
    credentials = _set_credentials(options.get("allow_credentials", False), out)
    raw = options.get("allow_origins", ())
    origins_value = _strings("allow_origins", raw, out)
    origins: list[str] = []
    any_origin = False
    if isinstance(origins_value, Expr):
        out.options["allow_origins"] = origins_value
    else:
        if isinstance(raw, str) and raw != "*":
            out.note(
                f"allow_origins was the string {raw!r}, which Starlette tests as a substring "
                "(any origin that is part of it passed): only the origin itself is kept"
            )
        for origin in origins_value:
            if origin == "*":
                any_origin = True
            elif "*" in origin:
                out.note(
                    f"{origin!r} is left out: Starlette compared it literally, so it never "
                    "matched; corsguard would read it as a pattern: add it back if you mean that"
                )
            else:
                origins.append(origin)
    regex = options.get("allow_origin_regex")
    if regex is not None:
        origins += _add_regex(regex, "fullmatch", False, out)
    if isinstance(origins_value, Expr):
        _extend_expr(origins_value, origins, out)
    else:
        _finish_origins(origins, any_origin, credentials, out, "Starlette's CORSMiddleware")
    if "allow_methods" in options:
        _methods(options["allow_methods"], STARLETTE_ALL_METHODS, out)
    if "allow_headers" in options:
        _headers(options["allow_headers"], out)
    _expose(options.get("expose_headers"), out.options.get("allow_credentials"), out)
    _max_age(options.get("max_age"), out)
    _flag("allow_private_network", options.get("allow_private_network"), out)
    return _order(out)


# --- flask-cors ------------------------------------------------------------------------------

_FLASK_OPTIONS = frozenset(
    {
        "origins",
        "methods",
        "allow_headers",
        "expose_headers",
        "supports_credentials",
        "max_age",
        "send_wildcard",
        "automatic_options",
        "vary_header",
        "resources",
        "intercept_exceptions",
        "always_send",
        "allow_private_network",
    }
)
_FLASK_CATCH_ALL = frozenset({"*", ".*", "/*", "/.*", "^/.*", "^.*", "^.*$", "/.*$", "^/.*$"})


def from_flask_cors(options: Mapping[str, object]) -> Translation:
    """flask-cors options, merged as flask-cors merges them (app.config ``CORS_*`` first,
    then ``CORS(...)``, then ``init_app(...)``), ``resources`` included."""
    out = Translation()
    for name in options:
        if name not in _FLASK_OPTIONS:
            out.note(f"{name!r} is not a flask-cors option: left out")
    resources = options.get("resources")
    base = {k: v for k, v in options.items() if k != "resources"}
    if resources is None:
        return _flask_one(base, out)
    if isinstance(resources, Expr):
        out.note(
            f"resources is computed at run time ({resources.source}): its paths are not "
            "carried; the policy below applies to every path",
            decide=True,
        )
        return _flask_one(base, out)
    pairs: list[tuple[object, Mapping[str, object]]]
    if isinstance(resources, Mapping):
        pairs = [
            (key, value if isinstance(value, Mapping) else {}) for key, value in resources.items()
        ]
    else:
        pairs = [(key, {}) for key in _items(resources)]
    top: Translation | None = None
    for key, extra in pairs:
        merged = {**base, **extra}
        if isinstance(key, str) and key.strip() in _FLASK_CATCH_ALL:
            if top is None:
                top = _flask_one(merged, out)
            continue
        prefix = path_prefix(key, literal_is_exact=True) if isinstance(key, str) else None
        if prefix is None:
            out.note(
                f"resources: {key!r} is not a path prefix corsguard can match exactly (only "
                "'/path/*' and '/path/.*' forms are): that resource is not carried; add a "
                "route for each path prefix it covers",
                decide=True,
            )
            continue
        if prefix == "/":
            if top is None:
                top = _flask_one(merged, out)
            continue
        if prefix not in out.routes:  # flask-cors: the first matching resource wins
            out.routes[prefix] = _flask_one(merged, Translation())
    if top is None:
        out.options["allow_origins"] = [NO_ORIGIN]
        out.note(
            f"paths outside the resources got no CORS headers from flask-cors: the top-level "
            f"policy trusts no origin ({NO_ORIGIN} is a reserved name no site has)"
        )
    return _order(out)


def _flask_one(options: Mapping[str, object], out: Translation) -> Translation:
    credentials = _set_credentials(options.get("supports_credentials", False), out)
    raw = options.get("origins", "*")
    origins: list[str] = []
    any_origin = False
    values = _strings("allow_origins", raw, out)
    if isinstance(values, Expr):
        out.options["allow_origins"] = values
    else:
        for origin in values:
            if origin in ("*", ".*"):
                any_origin = True
            elif _FLASK_REGEX_HINTS & set(origin):
                origins += _add_regex(origin, "match", True, out)
            else:
                origins.append(origin.lower())  # compared case-insensitively
        _finish_origins(origins, any_origin, credentials, out, "flask-cors")
    _methods(options.get("methods", FLASK_CORS_ALL_METHODS), FLASK_CORS_ALL_METHODS, out)
    _headers(options.get("allow_headers", "*"), out, regexes=True)
    _expose(options.get("expose_headers"), out.options.get("allow_credentials"), out)
    _max_age(options.get("max_age"), out)
    _flag("allow_private_network", options.get("allow_private_network"), out)
    if options.get("automatic_options") is False:
        out.note("automatic_options=False: corsguard answers preflights itself, before the view")
    return _order(out)


def path_prefix(pattern: str, *, literal_is_exact: bool) -> str | None:
    """The path prefix a path regex (``re.match``) selects, or None when no prefix says it.

    ``/api/*`` and ``/api/.*`` become ``/api``. corsguard matches whole segments, so the
    route also covers ``/api`` itself and not ``/apiary`` (which ``/api.*`` matched).
    With ``literal_is_exact`` (flask-cors), a string without regex characters is compared
    with the whole path, which no prefix says.
    """
    text = pattern.strip()
    if literal_is_exact and not _FLASK_REGEX_HINTS & set(text):
        return None
    text = text.removeprefix("^").removeprefix("\\A")
    literal = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and not text[index + 1].isalnum():
            literal.append(text[index + 1])
            index += 2
            continue
        if char in ".^$*+?{}[]()|\\":
            break
        literal.append(char)
        index += 1
    prefix, rest = "".join(literal), text[index:]
    if rest == "*" and prefix.endswith("/"):
        rest = ""
    elif rest in ("", ".*", "(.*)", ".*$", r".*\Z", "/*", "/.*", "/(.*)", "(/.*)?", "/?.*"):
        pass
    else:
        return None
    if not prefix.startswith("/") or "%" in prefix or "/./" in prefix + "/":
        return None
    stripped = "/" + "/".join(part for part in prefix.split("/") if part)
    if ".." in stripped.split("/"):
        return None
    return stripped


# --- django-cors-headers -------------------------------------------------------------------

DJANGO_SETTINGS = {
    "CORS_ALLOWED_ORIGINS": "origins",
    "CORS_ORIGIN_WHITELIST": "origins",
    "CORS_ALLOWED_ORIGIN_REGEXES": "regexes",
    "CORS_ORIGIN_REGEX_WHITELIST": "regexes",
    "CORS_ALLOW_ALL_ORIGINS": "all",
    "CORS_ORIGIN_ALLOW_ALL": "all",
    "CORS_ALLOW_CREDENTIALS": "credentials",
    "CORS_ALLOW_METHODS": "methods",
    "CORS_ALLOW_HEADERS": "headers",
    "CORS_EXPOSE_HEADERS": "expose",
    "CORS_PREFLIGHT_MAX_AGE": "max_age",
    "CORS_ALLOW_PRIVATE_NETWORK": "private_network",
    "CORS_URLS_REGEX": "urls",
    "CORS_REPLACE_HTTPS_REFERER": "ignored",
}


def from_django(settings: Mapping[str, object]) -> Translation:
    """django-cors-headers ``CORS_*`` settings (names as in settings.py)."""
    out = Translation()
    by_role: dict[str, object] = {}
    for name, value in settings.items():
        role = DJANGO_SETTINGS.get(name)
        if role is None:
            out.note(f"{name} is not a django-cors-headers setting: left out")
        elif role == "ignored":
            out.note(f"{name} has no corsguard equivalent: left out")
        elif role not in by_role or name in ("CORS_ALLOWED_ORIGINS", "CORS_ALLOW_ALL_ORIGINS",
                                             "CORS_ALLOWED_ORIGIN_REGEXES"):  # fmt: skip
            by_role[role] = value  # the new names win over the old ones, as in conf.py
    credentials = _set_credentials(by_role.get("credentials", False), out)
    any_origin = by_role.get("all", False)
    if isinstance(any_origin, Expr):
        out.note(
            f"CORS_ALLOW_ALL_ORIGINS = {any_origin.source} is not carried: when true it trusted "
            "every origin; for local development trust your dev server (e.g. "
            "'http://localhost:*') instead",
            decide=True,
        )
        any_origin = False
    origins: list[str] = []
    values = _strings("allow_origins", by_role.get("origins", ()), out)
    if isinstance(values, Expr):
        out.options["allow_origins"] = values
    else:
        for origin in values:
            if origin == "null":
                out.note(
                    "'null' is left out: sandboxed iframes and file: pages of any site send it"
                )
                continue
            parts = urlsplit(origin)
            if parts.scheme and parts.netloc and "*" not in origin:
                origins.append(f"{parts.scheme}://{parts.netloc}")  # conf: scheme and netloc
            else:
                out.note(f"{origin!r} is left out: django-cors-headers never matched it")
    regexes = by_role.get("regexes", ())
    if isinstance(regexes, Expr):
        out.note(
            f"CORS_ALLOWED_ORIGIN_REGEXES is computed at run time ({regexes.source}): not "
            "carried; list the origins or patterns",
            decide=True,
        )
    else:
        for regex in _items(regexes):
            origins += _add_regex(regex, "match", False, out)
    if isinstance(values, Expr):
        _extend_expr(values, origins, out)
    else:
        _finish_origins(origins, bool(any_origin), credentials, out, "django-cors-headers")
    _methods(by_role.get("methods", DJANGO_DEFAULT_METHODS), DJANGO_DEFAULT_METHODS, out)
    _headers(by_role.get("headers", DJANGO_DEFAULT_HEADERS), out)
    _expose(by_role.get("expose"), out.options.get("allow_credentials"), out)
    _max_age(by_role.get("max_age"), out)
    _flag("allow_private_network", by_role.get("private_network"), out)
    urls = by_role.get("urls")
    if urls is not None:
        _django_urls(urls, out)
    return _order(out)


def _django_urls(urls: object, out: Translation) -> None:
    prefix = path_prefix(urls, literal_is_exact=False) if isinstance(urls, str) else None
    if prefix == "/":
        return
    if prefix is None:
        shown = urls.source if isinstance(urls, Expr) else repr(urls)
        out.note(
            f"CORS_URLS_REGEX = {shown} is not a path prefix corsguard can match exactly: the "
            "policy applies to every path; move it under 'routes' with your API's prefixes",
            decide=True,
        )
        return
    route = _order(Translation(options=dict(out.options)))
    out.options = {"allow_origins": [NO_ORIGIN]}
    out.routes[prefix] = route
    out.note(
        f"CORS applied only under {prefix} (CORS_URLS_REGEX): other paths trust no origin "
        f"({NO_ORIGIN} is a reserved name no site has)"
    )
