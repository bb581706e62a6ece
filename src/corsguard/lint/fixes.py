"""The suggested fix: a complete, runnable ``corsguard.Policy(...)`` for one configuration.

Pure. A fix must be safe to paste: it carries every option of the configuration it replaces
(methods, headers, exposed headers, max age, credentials, per-path ``resources`` as
``routes``), so that copying it does not break PUT, DELETE or ``Authorization``; it uses the
origins written in the project and never a made-up one; it never trusts more than the
original did (a regex ``^https://[a-z0-9-]+\\.example\\.com$`` accepts one label: corsguard's
``https://+.example.com``, never ``https://*.example.com``, which accepts any depth); an
ephemeral tunnel (ngrok, localtunnel, trycloudflare...) or localhost is a development note,
never production trust; it constructs without error (the values corsguard refuses are left
out with a note); and, linted again, it no longer yields the finding (issue #13).

So a subdomain pattern (``*.`` or ``+.``) is named in a note, not put in the fix: trusting
every subdomain is the any-subdomain-trusted finding itself. When no origin of the project's
own is left, the fix is ``corsguard.Policy.from_env(...)`` with every other option carried
(corsguard.remediation.from_env_call, the catalogue's form), so the origins come from the
deployment's ``CORSGUARD_ALLOW_ORIGINS``; it never shows a made-up origin, and never falls
back to ``*``, to the bare domain of a regex, or to a tunnel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from corsguard import remediation as R
from corsguard.lint.regexes import is_loopback, regex_to_patterns, third_party_platform
from corsguard.origin_regex import translate_regex
from corsguard.probes import split_origin
from corsguard.remediation import FROM_ENV_NOTE, PLATFORM_NOTE, from_env_call
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
    # Subdomain patterns (``*.`` any depth, ``+.`` one label) the configuration trusts: named
    # in a note, never in the fix (they are the any-subdomain-trusted finding).
    subdomains: tuple[str, ...] = ()
    # Development origins (localhost, tunnels): named in a note for a development policy,
    # never in the fix (linted again, the fix would be localhost-trusted once more).
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
    subdomains: list[str] = []

    def add(origin: str) -> None:
        if origin in ("null", "*", ""):
            return
        scheme, host, port = split_origin(origin.lower())
        if not host or scheme not in ("http", "https"):
            return
        probe = host.replace("*", "x").replace("+", "x")
        if is_loopback(probe):
            dev.append(origin)
            return
        if tunnel_host(probe):
            if "*" in host or "+" in host:
                # Every user's tunnel: no one's own origin, not even in development.
                notes.append(f"{host} is anyone's temporary tunnel: never trust it")
                return
            dev.append(origin)
            notes.append(f"{host} is a temporary tunnel, not a production origin")
            return
        platform = third_party_platform(probe)
        if platform is not None:
            if "*" in host or "+" in host:
                notes.append(PLATFORM_NOTE.format(platform=platform))
                return
            notes.append(f"only if you own {host}")
        if scheme == "http":
            origin = f"https://{host}{port}"
        if host.startswith(("*.", "+.")):
            subdomains.append(origin)
            return
        origins.append(origin)

    for origin in exact:
        add(origin.strip().rstrip("/"))
    accepted_list = list(accepted)
    for pattern in regexes:
        translated = regex_to_patterns(pattern)
        if translated is None:
            # The exact reading (corsguard.origin_regex): never a wider pattern, so a
            # one-label regex becomes '+.' and nothing else. Read as a full match, the
            # narrower of the libraries' two readings, so it holds for re.match users too;
            # case-sensitive, the narrower reading for flask-cors' IGNORECASE too.
            reading = translate_regex(pattern, "fullmatch")
            translated = reading.patterns if isinstance(pattern, str) else []
            if not translated:
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
    for pattern in dict.fromkeys(subdomains):
        _scheme, host, _port = split_origin(pattern)
        depth = "one label deep" if host.startswith("+.") else "at any depth"
        notes.append(
            f"{pattern} (every subdomain {depth}) is left out: list the front ends under "
            f"{host[2:]}, or add it only if you control every such host"
        )
    return Intent(
        tuple(dict.fromkeys(origins)),
        tuple(dict.fromkeys(notes)),
        False,
        tuple(dict.fromkeys(subdomains)),
        tuple(dict.fromkeys(o for o in dev if not tunnel_host(split_origin(o)[1]))),
    )


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
        credentials = False
        if nested:
            origins = ["*"]  # a public route inside a policy that lists its origins
        else:
            # wildcard-origin's remedy (corsguard.findings): list the origins that need it,
            # unless the data is truly public; so the fix, linted again, is not '*' again.
            notes.append(
                "or keep allow_origins=['*'] if the data is truly public (the same for "
                "everyone, no cookies, not an intranet host)"
            )
    # No origin of the project's own known: the origins come from the deployment
    # (Policy.from_env, as the catalogue writes it), with every other option carried; never
    # a made-up origin, '*', a bare domain or a tunnel in their place.
    args = [f"allow_origins=[{', '.join(json.dumps(o) for o in origins)}]"] if origins else []
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
    text = "corsguard.Policy(" + ", ".join(args) + ")" if origins else from_env_call(args)
    if nested:
        return text
    if "corsguard.Policy.from_env(" in text:  # here or in a route
        notes.insert(0, FROM_ENV_NOTE)
    if fix.routes:
        for sub in fix.routes.values():
            notes.extend([*sub.notes, *sub.intent.notes])
    notes = list(dict.fromkeys(notes))
    return text + ("  # " + "; ".join(notes) if notes else "")


__all__ += ["TUNNEL_SUFFIXES", "route_prefix"]
