"""Which server stack answered, from the evidence alone (pure: no I/O).

The audit writes each fix in the terms of the server it talks to: the `cors` options for
Express, a `map` and `Vary` for nginx, the framework's option and then corsguard for Python.
The evidence is what the target sent (Server, X-Powered-By, the start of an error page), all
attacker-written: only fixed, known signatures are matched, each value is bounded before it
is looked at, and the evidence quoted in the report is cut short (the output escapes it).

A server may lie about itself; the worst a lie does here is a fix written for another stack,
and the header-level fix is always in the report's ``fixes`` as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corsguard import spec

# Header values and body text looked at: a signature sits at the start, a longer value is
# never scanned (bounded time on a hostile multi-kilobyte header).
_VALUE_CAP = 200
BODY_PREFIX = 1024
_EVIDENCE_CAP = 80


@dataclass(frozen=True)
class Stack:
    """A recognised stack: its name, the fix stacks in order, and what showed it."""

    name: str  # "Express", "nginx", "Starlette/FastAPI", ...
    fixes: tuple[str, ...]  # keys of corsguard.remediation.STACKS, the first preferred
    evidence: str  # "X-Powered-By: Express" (attacker-written, cut short)


UNKNOWN = Stack("unknown", ("headers",), "")

# (header, pattern matched at the start of the value, case-insensitive; name; fix stacks).
# The application framework comes before the web server and the CDN in front of it: it is
# where the CORS headers are usually written (an Express app behind nginx gets the cors fix).
_HEADER_SIGNS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("x-powered-by", r"express\b", "Express", ("express",)),
    ("server", r"uvicorn\b", "Starlette/FastAPI (uvicorn)", ("starlette", "corsguard")),
    ("server", r"hypercorn\b", "Starlette/FastAPI (hypercorn)", ("starlette", "corsguard")),
    ("server", r"werkzeug\b", "Flask (Werkzeug)", ("flask-cors", "corsguard")),
    ("x-powered-by", r"php\b", "PHP", ("headers",)),
    ("server", r"nginx\b", "nginx", ("nginx",)),
    ("server", r"openresty\b", "nginx (OpenResty)", ("nginx",)),
    ("server", r"cloudflare\b", "Cloudflare", ("headers",)),
)
# Error pages of the frameworks' defaults (matched in the first BODY_PREFIX characters).
_BODY_SIGNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Express's finalhandler: "<pre>Cannot GET /path</pre>".
    (r"<pre>Cannot [A-Z]+ /", "Express", ("express",)),
    # Spring Boot's default error body (JSON) and its Whitelabel page.
    (r'"timestamp":.{0,60}"status":\d{3},"error":', "Spring", ("spring",)),
    (r"Whitelabel Error Page", "Spring", ("spring",)),
    # Django's 404 and its debug page.
    (
        r"The requested resource was not found on this server\.",
        "Django",
        ("django-cors-headers", "corsguard"),
    ),
    (r"Page not found at /", "Django", ("django-cors-headers", "corsguard")),
    # Werkzeug's HTTPException page.
    (
        r"The requested URL was not found on the server\.",
        "Flask (Werkzeug)",
        ("flask-cors", "corsguard"),
    ),
    # FastAPI's HTTPException body.
    (r'^\{"detail":"Not Found"\}', "Starlette/FastAPI", ("starlette", "corsguard")),
    (r"<center>nginx(/[0-9.]+)?</center>", "nginx", ("nginx",)),
)
_HEADER_RES = tuple((h, re.compile(p, re.I), n, f) for h, p, n, f in _HEADER_SIGNS)
_BODY_RES = tuple((re.compile(p), n, f) for p, n, f in _BODY_SIGNS)


def _short(text: str) -> str:
    return text if len(text) <= _EVIDENCE_CAP else text[: _EVIDENCE_CAP - 3] + "..."


def recognise(headers: Iterable[tuple[str, str]], body: str = "") -> Stack | None:
    """The stack one response shows, or None; ``headers`` with lowercase names."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value[:_VALUE_CAP].strip())
    for header, pattern, name, fixes in _HEADER_RES:
        for value in values.get(header, ()):
            if pattern.match(value):
                pretty = "X-Powered-By" if header == "x-powered-by" else "Server"
                return Stack(name, fixes, _short(f"{pretty}: {value}"))
    text = body[:BODY_PREFIX]
    for regex, name, fixes in _BODY_RES:
        found = regex.search(text)
        if found:
            return Stack(name, fixes, _short(f"error page: {found.group(0)}"))
    return None


def recognise_all(responses: Sequence[tuple[Iterable[tuple[str, str]], str]]) -> Stack:
    """The stack the responses show (the framework over the server over the CDN), else
    UNKNOWN: the header-level fix."""
    rank = {name: index for index, (_, _, name, _) in enumerate(_HEADER_SIGNS)}
    best: Stack | None = None
    for headers, body in responses:
        found = recognise(headers, body)
        if found is None:
            continue
        if best is None or rank.get(found.name, -1) < rank.get(best.name, -1):
            best = found
    return best or UNKNOWN


# --- What the trusted front ends are granted, for a fix that keeps it -----------------------

# A method or header name is a token (RFC 9110 section 5.6.2); anything else in these
# attacker-written values is not carried into a fix. Bounded: a few dozen names at most.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
_MAX_NAMES = 32
_LISTS = {
    "access-control-allow-methods": "methods",
    "access-control-allow-headers": "headers",
    "access-control-expose-headers": "exposed_headers",
}


@dataclass(frozen=True)
class Observed:
    """The options the target grants its trusted origins (from their GETs and preflights),
    which the fix carries (corsguard.remediation.FixContext): audit sees only responses,
    so this is what it knows of methods, headers, exposed headers and max age."""

    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    max_age: int | None = None
    credentials: bool = False  # a trusted origin got Access-Control-Allow-Credentials: true


_MAX_AGE = 86400


def _usable(field_name: str, name: str) -> bool:
    """Whether a page could ever use ``name`` (Fetch: forbidden methods, request headers
    scripts cannot set, response headers scripts can never read): what a fix leaves out, as
    corsguard.Policy refuses it."""
    lower = name.lower()
    if field_name == "methods":
        return name.upper() not in spec.FORBIDDEN_METHODS
    if field_name == "headers":
        return lower not in spec.FORBIDDEN_REQUEST_HEADERS and not lower.startswith(
            spec.FORBIDDEN_REQUEST_HEADER_PREFIXES
        )
    return lower not in spec.FORBIDDEN_RESPONSE_HEADERS


def observe(
    answers: Iterable[tuple[str, Iterable[tuple[str, str]]]], ignore: Iterable[str] = ()
) -> Observed:
    """What ``answers`` (origin sent, response headers with lowercase names) grant, where
    the answer granted that origin; ``ignore``: the probes' own made-up names (an echo of
    them says nothing about what the API uses).

    Credentials count where the answer carries them with that origin or with ``*``: the
    server means to give them (lint reads `*` with credentials the same way), and a fix
    that lists origins keeps them.
    """
    skip = {name.lower() for name in ignore} | {"*"}
    found: dict[str, dict[str, str]] = {field: {} for field in _LISTS.values()}
    max_age: int | None = None
    credentials = False
    cap = _VALUE_CAP * 4
    for origin, headers in answers:
        pairs = list(headers)
        granted = [v.strip() for n, v in pairs if n == "access-control-allow-origin"]
        if granted not in ([origin], ["*"]):
            continue
        for name, value in pairs:
            if name == "access-control-allow-credentials":
                # Only the exact value "true" counts (Fetch, "CORS check").
                credentials = credentials or value.strip() == "true"
            if granted != [origin]:
                continue  # a '*' answer says nothing about what the front ends use
            field_name = _LISTS.get(name)
            if field_name is not None:
                items = value[:cap].split(",")
                if len(value) > cap:
                    items.pop()  # cut inside a name: not that name
                names = found[field_name]
                for item in items:
                    item = item.strip()
                    known = _TOKEN.fullmatch(item) and item.lower() not in skip
                    if known and _usable(field_name, item) and len(names) < _MAX_NAMES:
                        names.setdefault(item.lower(), item)
            elif name == "access-control-max-age":
                text = value.strip()
                # Browsers cap it (Chromium at 2 hours, Firefox at a day): longer is noise.
                if text.isdigit() and len(text) <= 7 and int(text) <= _MAX_AGE:
                    max_age = int(text) if max_age is None else max(max_age, int(text))
    return Observed(
        tuple(found["methods"].values()),
        tuple(found["headers"].values()),
        tuple(found["exposed_headers"].values()),
        max_age,
        credentials,
    )
