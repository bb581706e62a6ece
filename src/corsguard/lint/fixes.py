"""The suggested fix: a complete, runnable ``corsguard.Policy(...)`` for one configuration.

Pure. A fix must be safe to paste: it carries every option of the configuration it replaces
(methods, headers, exposed headers, max age, credentials, per-path ``resources`` as
``routes``), so that copying it does not break PUT, DELETE or ``Authorization``; it uses the
origins written in the project and never a made-up one; it never trusts more than the
original did (a regex ``^https://\\w+\\.example\\.com$`` accepts one label, and corsguard's
``https://*.example.com`` accepts any depth, so that regex is not translated into it); an
ephemeral tunnel (ngrok, localtunnel, trycloudflare...) or localhost is a development note,
never production trust; it constructs without error (the values corsguard refuses are left
out with a note); and, linted again, it no longer yields the finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from corsguard import remediation as R
from corsguard.lint.regexes import is_loopback, regex_to_patterns, third_party_platform
from corsguard.probes import split_origin
from corsguard.spec import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
)

__all__ = ["Fix", "Intent", "intent_from", "render", "tunnel_host"]

# Hosts that hand out short-lived public URLs forwarding to a developer's machine: an origin
# there is whoever holds the tunnel today (ngrok's free URLs change on every start).
TUNNEL_SUFFIXES = (
    "ngrok.io", "ngrok.app", "ngrok-free.app", "ngrok.dev", "ngrok-free.dev", "loca.lt",
    "localtunnel.me", "trycloudflare.com", "serveo.net", "serveousercontent.com",
    "localhost.run", "lhr.life", "lhr.rocks", "pagekite.me", "tunnelmole.net",
    "devtunnels.ms", "telebit.io", "localto.net", "bore.pub",
)  # fmt: skip
# corsguard.Policy's bounds on max_age (policy.py): browsers cap it anyway.
_MAX_AGE_CAP = 86400
_ROUTE_TAIL_RE = re.compile(r"(?:/?\(?\.\*\)?|/?\*|\$|/)+\Z")


def tunnel_host(host: str) -> bool:
    return any(host == s or host.endswith("." + s) for s in TUNNEL_SUFFIXES)


@dataclass(frozen=True)
class Intent:
    """What the configuration evidently meant to allow, in corsguard terms."""

    origins: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    public: bool = False  # '*' without credentials: any site may read, by design
    # The registrable domains of regexes that corsguard cannot say exactly (one-label).
    domains: tuple[str, ...] = ()
    # Development origins (localhost, tunnels): a development policy when nothing else is left.
    dev: tuple[str, ...] = ()


def intent_from(
    exact: Iterable[str] = (),
    regexes: Iterable[str] = (),
    suffixes: Iterable[str] = (),
    accepted: Iterable[str] = (),
) -> Intent:
    """Exact origins, regexes and host suffixes as safe corsguard patterns.

    ``accepted``: concrete origins from the same project that the regexes accept; they
    stand in for a regex that no corsguard pattern says exactly.
    """
    origins: list[str] = []
    notes: list[str] = []
    dev: list[str] = []
    domains: list[str] = []

    def add(origin: str) -> None:
        if origin in ("null", "*", ""):
            return
        scheme, host, port = split_origin(origin.lower())
        if not host or scheme not in ("http", "https"):
            return
        probe = host.replace("*", "x")
        if is_loopback(probe):
            dev.append(origin)
            return
        if tunnel_host(probe):
            dev.append(origin)
            notes.append(f"{host} is a temporary tunnel, not a production origin")
            return
        platform = third_party_platform(probe)
        if platform is not None:
            if "*" in host:
                notes.append(
                    f"anyone can publish on *.{platform}: serve previews from a domain you own "
                    "and list them as a pattern such as https://<app>-*.<your domain>"
                )
                return
            notes.append(f"only if you own {host}")
        if scheme == "http":
            origin = f"https://{host}{port}"
        if host.startswith("*."):
            notes.append(
                f"{origin} trusts every subdomain: keep it only if you control every host under "
                f"{host[2:]}, else list the front ends"
            )
        origins.append(origin)

    for origin in exact:
        add(origin.strip().rstrip("/"))
    accepted_list = list(accepted)
    for pattern in regexes:
        translated = regex_to_patterns(pattern)
        if translated is None:
            domain = _one_label_domain(pattern)
            if domain is not None:
                domains.append(domain)
                notes.append(
                    f"regex {pattern!r} accepts one label under {domain}: corsguard's "
                    f"https://*.{domain} would also accept deeper names, so list each front end"
                )
            else:
                notes.append(
                    f"regex {pattern!r} has no exact corsguard equivalent: list the origins"
                )
            continue
        for item in translated:
            add(item)
    for origin in accepted_list:
        add(origin)
    for suffix in suffixes:
        suffix = suffix.lower().lstrip("*")
        if "://" in suffix:
            continue
        if suffix.startswith("."):
            add(f"https://*{suffix}")
        elif "." in suffix:
            add(f"https://{suffix}")
            add(f"https://*.{suffix}")
    if dev:
        tunnels = [o for o in dev if tunnel_host(split_origin(o)[1])]
        loopback = [o for o in dev if o not in tunnels]
        if loopback:
            notes.append(R.development_note(loopback))
        if tunnels:
            notes.append(R.tunnel_note(tunnels))
    return Intent(
        tuple(dict.fromkeys(origins)),
        tuple(dict.fromkeys(notes)),
        False,
        tuple(domains),
        tuple(dict.fromkeys(o for o in dev if not tunnel_host(split_origin(o)[1]))),
    )


_ONE_LABEL_RE = re.compile(
    r"^\^?(https?)\??:(?://|\\/\\/)(?:\\w|\[[a-z0-9\-_\\]*\])[+*](?:\\\.|\[\.\])"
    r"((?:[a-z0-9\-]+(?:\\\.|\[\.\]))+[a-z]+)/?\$?$",
    re.IGNORECASE,
)


def _one_label_domain(pattern: str) -> str | None:
    """``^https://\\w+\\.example\\.com$`` -> ``example.com`` (one label of word characters)."""
    match = _ONE_LABEL_RE.match(pattern)
    if not match:
        return None
    host = re.sub(r"\\\.|\[\.\]", ".", match.group(2)).lower()
    return host


@dataclass
class Fix:
    """A configuration's options in corsguard terms, rendered as one Policy call."""

    intent: Intent
    credentials: bool | None
    methods: Sequence[str] | None = None
    headers: Sequence[str] | None = None
    expose: Sequence[str] | None = None
    max_age: int | None = None
    routes: Mapping[str, Fix] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")  # RFC 9110 token


def _clean(values: Sequence[object] | None) -> list[str] | None:
    """Strings of a list option, "GET, POST" split into items, without repeats."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return list(dict.fromkeys(out))


def _methods(values: Sequence[object] | None, notes: list[str]) -> list[str] | None:
    items = _clean(values)
    if items is None:
        return None
    # Fetch "forbidden method": corsguard.Policy refuses them (browsers never send them).
    kept = [
        m for m in items if m == "*" or (_TOKEN_RE.match(m) and m.upper() not in FORBIDDEN_METHODS)
    ]
    if len(kept) != len(items):
        notes.append(
            f"left out methods browsers never send: {', '.join(sorted(set(items) - set(kept)))}"
        )
    return kept or ["GET"]


def _headers(values: Sequence[object] | None, notes: list[str]) -> list[str]:
    items = _clean(values) or []
    kept = [
        h
        for h in items
        if h == "*"
        or (
            _TOKEN_RE.match(h)
            and h.lower() not in FORBIDDEN_REQUEST_HEADERS
            and not h.lower().startswith(FORBIDDEN_REQUEST_HEADER_PREFIXES)
        )
    ]
    if len(kept) != len(items):
        dropped = ", ".join(h for h in items if h not in kept)
        notes.append(f"left out request headers scripts cannot set (Fetch): {dropped}")
    if "*" in kept and "authorization" not in {h.lower() for h in kept}:
        # The libraries echo any requested header for "*", Authorization included; in a
        # response '*' does not cover Authorization (Fetch, CORS-preflight fetch).
        kept.append("Authorization")
    return kept


def _exposed(values: Sequence[object] | None, credentials: bool, notes: list[str]) -> list[str]:
    items = _clean(values) or []
    kept = [
        h
        for h in items
        if (h == "*" and not credentials)
        or (h != "*" and _TOKEN_RE.match(h) and h.lower() not in FORBIDDEN_RESPONSE_HEADERS)
    ]
    if "*" in items and credentials:
        notes.append("expose_headers '*' is literal with credentials: list the headers")
    return kept


def route_prefix(path: str) -> str | None:
    """A flask-cors resource (a regex over the path) as a corsguard route prefix, if one."""
    text = path.lstrip("^")
    text = _ROUTE_TAIL_RE.sub("", text)
    if not text.startswith("/"):
        text = "/" + text
    if re.search(r"[\\^$.*+?()\[\]{}|%]", text) or "/./" in text or "/../" in text:
        return None
    return text if text != "/" else None


def render(fix: Fix, *, nested: bool = False) -> str:
    """``corsguard.Policy(...)`` with every option; notes after ``#`` (top level only)."""
    intent = fix.intent
    notes = [*fix.notes, *intent.notes]
    credentials = fix.credentials is not False
    origins = list(intent.origins)
    if intent.public:
        origins = ["*"]
        credentials = False
    if not origins and intent.dev and not intent.domains:
        # Only development origins were trusted: the fix is the development policy itself,
        # never a wider one.
        origins = list(intent.dev)
        notes = [n for n in notes if not R.is_development_note(n)]
        notes.append(f"a development policy: or list these in {R.DEVELOPMENT_HINT}")
    if not origins and intent.domains:
        # Only the registrable domain the regex named (the project's own site), until the
        # front ends are listed: trusts no one the regex did not.
        origins = [f"https://{d}" for d in intent.domains]
        notes.append("then list each front end under it")
    if not origins:
        origins = ["*"]
        if credentials:
            notes.append(
                "public data only, without credentials: to send cookies, list the exact origins "
                "of your front ends"
            )
        credentials = False
    args = [f"allow_origins=[{', '.join(json.dumps(o) for o in origins)}]"]
    methods = _methods(fix.methods, notes)
    if methods is not None:
        args.append(f"allow_methods={json.dumps(methods)}")
    headers = _headers(fix.headers, notes)
    if headers:
        args.append(f"allow_headers={json.dumps(headers)}")
    expose = _exposed(fix.expose, credentials, notes)
    if expose:
        args.append(f"expose_headers={json.dumps(expose)}")
    if credentials:
        args.append("allow_credentials=True")
    if fix.max_age is not None and not isinstance(fix.max_age, bool):
        age = min(max(int(fix.max_age), 0), _MAX_AGE_CAP)
        if age != fix.max_age:
            notes.append(f"max_age {fix.max_age} is outside 0..{_MAX_AGE_CAP}")
        args.append(f"max_age={age}")
    if fix.routes and not nested:
        parts = [
            f"{json.dumps(prefix)}: {render(sub, nested=True)}"
            for prefix, sub in fix.routes.items()
        ]
        args.append("routes={" + ", ".join(parts) + "}")
    text = "corsguard.Policy(" + ", ".join(args) + ")"
    if nested:
        return text
    if fix.routes:
        for sub in fix.routes.values():
            notes.extend([*sub.notes, *sub.intent.notes])
    notes = list(dict.fromkeys(notes))
    return text + ("  # " + "; ".join(notes) if notes else "")


__all__ += ["TUNNEL_SUFFIXES", "route_prefix"]
