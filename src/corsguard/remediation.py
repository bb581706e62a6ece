"""Safe CORS configurations written in each stack's own terms (pure: strings in, str out).

The catalogue (corsguard.findings) says per finding id what to change; this module writes
the configuration that does it, from a :class:`FixContext`: the user's own trusted origins
(``--origin`` in audit, the configuration being judged in lint, the Policy itself) and every
other option known (credentials, methods, allowed and exposed headers, max age; lint adds the
configuration's form and its other options as written). Both tools fill the context and call
``corsguard.findings.render_fix``, so the same inputs print the same text. Where no origin is
known, ``render_fix`` writes the header-level fix of :func:`render_headers`, which names no
origin, and the corsguard stack writes ``corsguard.Policy.from_env(...)`` with every other
option, so that the origins come from the operator (``CORSGUARD_ALLOW_ORIGINS``): no fix ever
shows an origin that is not the project's own (issue #13).

Every origin comes from a linted file or a command line: each is quoted with ``json.dumps``
(a valid string literal in Python, JavaScript, Java and nginx), so a quote inside it cannot
close the literal and turn a suggested fix into other code; option text carried from a file
is put on one line, so the fix's line breaks are the renderer's own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from corsguard.probes import THIRD_PARTY_HOSTS, split_origin

# The stacks corsguard writes fixes for; keys of the catalogue's (finding id, stack) table.
STACKS = (
    "corsguard",  # corsguard.Policy
    "starlette",  # Starlette / FastAPI CORSMiddleware
    "flask-cors",
    "django-cors-headers",
    "aiohttp-cors",
    "express",  # the npm `cors` package
    "node",  # hand-written Node (http / Express handlers)
    "nginx",
    "spring",
    "headers",  # plain response headers, any server
)

NO_ORIGIN_NOTE = "list the origins your front ends use: none is known here"
# With no origin of the project's own known, the corsguard fix takes its origins from the
# deployment: Policy.from_env with every other option fixed in code.
ORIGINS_VARIABLE = "CORSGUARD_ALLOW_ORIGINS"
FROM_ENV_NOTE = (
    f"set {ORIGINS_VARIABLE} to your front ends' origins: none of the project's own is known here"
)
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def is_loopback(host: str) -> bool:
    return host in _LOOPBACK or host.endswith(".localhost") or host.startswith("127.")


def third_party_platform(host: str) -> str | None:
    """The public hosting platform ``host`` is on (github.io, ...), or None."""
    for platform in THIRD_PARTY_HOSTS:
        if host == platform or host.endswith("." + platform):
            return platform
    return None


@dataclass(frozen=True)
class FixContext:
    """What is known about the user's intent when a fix is written.

    ``origins``: the trusted origins and corsguard patterns (``https://*.example.com``) the
    fix allows, already made safe (see :func:`safe_origins`); empty when unknown.
    ``credentials``: whether the fix keeps credentials (None: unknown, kept).
    ``methods`` / ``headers``: what the API uses, where known.
    ``public``: ``*`` without credentials is the intent (public, read-only data).
    ``exposed_headers`` / ``max_age``: Access-Control-Expose-Headers and -Max-Age, where known.
    """

    origins: tuple[str, ...] = ()
    credentials: bool | None = None
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    public: bool = False
    notes: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    max_age: int | None = None
    # The shape of the configuration in its stack (lint: as the file has it): "cors",
    # "fastify", "koa", "socket.io", "cors-anywhere" (express); "registry", "annotation",
    # "kotlin-annotation", "config", "kotlin-config", "properties" (spring); "" the default.
    form: str = ""
    # Options as written in the linted file, by the stack's own option names (value text in
    # the stack's syntax), carried over verbatim where they are not known as values.
    carry: tuple[tuple[str, str], ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.origins) or self.public


def safe_origins(origins: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the origins a fix may trust, notes) from what the user trusts now.

    Dropped: ``null`` and ``*``; localhost (to development_origins); a wildcard on a public
    hosting platform (anyone can publish there), with a note saying what to list instead,
    never a made-up domain in its place; an origin on such a platform stays only "if you own
    it"; plain http becomes https (Fetch: an http page is anyone's on the path).
    """
    kept: list[str] = []
    notes: list[str] = []
    dev: list[str] = []
    for origin in origins:
        origin = origin.rstrip("/")
        if origin in ("null", "*"):
            continue
        scheme, host, port = split_origin(origin.lower())
        if not host:
            continue
        if is_loopback(host.replace("*", "x")):
            dev.append(origin)
            continue
        platform = third_party_platform(host.replace("*", "x"))
        if platform is not None:
            if "*" in host or "+" in host:
                notes.append(PLATFORM_NOTE.format(platform=platform))
            else:
                kept.append(origin)
                notes.append(f"only if you own {host}")
            continue
        if scheme == "http":
            origin = f"https://{host}{port}"
        kept.append(origin)
    if dev:
        notes.append(_development_policy_note(dev))
    return tuple(dict.fromkeys(kept)), tuple(dict.fromkeys(notes))


PLATFORM_NOTE = (
    "anyone can publish on *.{platform}: list your deployments' exact origins, or a "
    "within-label pattern (https://<app>-*.<domain>) under a domain you own"
)


# Where a loopback origin belongs (issue #14): Policy's development_origins, which the
# adapters grant only with CORSGUARD_ENV=development (corsguard.startup).
DEVELOPMENT_HINT = "development_origins (granted only with CORSGUARD_ENV=development)"


# A tunnel (ngrok, localtunnel...) is a development origin too, but a remote one, which
# development_origins refuses: it keeps the older advice.
_TUNNEL_HINT = "only in a development policy (a tunnel is not loopback)"


_GENERIC_HINT = " only in a development policy"


def development_note(origins: list[str] | tuple[str, ...]) -> str:
    """The corsguard fix's note for loopback origins: put them in development_origins."""
    return f"put {', '.join(dict.fromkeys(origins))} in {DEVELOPMENT_HINT}"


def _development_policy_note(origins: list[str] | tuple[str, ...]) -> str:
    # Every stack's wording (Express, nginx... have no development_origins);
    # render_corsguard says where that is in corsguard.
    return f"allow {', '.join(dict.fromkeys(origins))}{_GENERIC_HINT}"


def _in_corsguard_terms(note: str) -> str:
    if note.startswith("allow ") and note.endswith(_GENERIC_HINT):
        return development_note(note[len("allow ") : -len(_GENERIC_HINT)].split(", "))
    return note


def tunnel_note(origins: list[str] | tuple[str, ...]) -> str:
    return f"allow {', '.join(dict.fromkeys(origins))} {_TUNNEL_HINT}"


def is_development_note(note: str) -> bool:
    return note.endswith((DEVELOPMENT_HINT, _TUNNEL_HINT, _GENERIC_HINT))


def _q(text: str) -> str:
    return json.dumps(text)


# The label forms of corsguard.origin's matcher, as regexes that accept no more than it does.
# A host label (corsguard.origin._LABEL): letters, digits, "_" and inner hyphens, 63 at most.
_ANY_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
# "+": exactly one label of letters, digits and hyphens (no "_"), as a host label has them.
_ONE_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# "*" inside a label: one or more letters, digits or hyphens, never a dot.
_IN_LABEL = r"[a-z0-9-]+"
# ":*": any explicit port, or none.
_ANY_PORT = r"(?::[0-9]{1,5})?"


def is_pattern(origin: str) -> bool:
    """Whether a corsguard origin entry is a pattern (``*`` anywhere, or a ``+.`` label)."""
    return "*" in origin or "://+." in origin


def _regex(pattern: str) -> str:
    """A corsguard pattern as an anchored regex that accepts exactly what corsguard does:
    ``*.`` one or more labels, ``+.`` exactly one label, ``*`` inside a label letters,
    digits and hyphens, ``:*`` any port or none (corsguard.origin, the five forms)."""
    scheme, _, rest = pattern.partition("://")
    any_port = rest.endswith(":*")
    if any_port:
        rest = rest[:-2]
    # Patterns name DNS hosts (never IPv6), so one ':' is the port's.
    host, colon, port = rest.partition(":")
    if host.startswith("*."):
        host_re = f"(?:{_ANY_LABEL}\\.)+" + re.escape(host[2:])
    elif host.startswith("+."):
        host_re = f"{_ONE_LABEL}\\." + re.escape(host[2:])
    elif "*" in host:
        before, _, after = host.partition("*")
        host_re = re.escape(before) + _IN_LABEL + re.escape(after)
    else:
        host_re = re.escape(host)
    port_re = _ANY_PORT if any_port else (re.escape(":" + port) if colon else "")
    return "^" + re.escape(scheme) + "://" + host_re + port_re + "$"


def _split(ctx: FixContext) -> tuple[list[str], list[str], list[str]]:
    """(exact origins, patterns, notes); with no origin known, a note saying so and no
    origin at all (never a made-up one)."""
    notes = list(ctx.notes)
    if not ctx.origins:
        notes.insert(0, NO_ORIGIN_NOTE)
    exact = [o for o in ctx.origins if not is_pattern(o)]
    patterns = [o for o in ctx.origins if is_pattern(o)]
    return exact, patterns, notes


def _py_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _comment(notes: list[str], mark: str = "#") -> str:
    return f"  {mark} " + "; ".join(notes) if notes else ""


def _methods(ctx: FixContext) -> list[str]:
    return list(ctx.methods) or ["GET", "POST"]


def _headers(ctx: FixContext) -> list[str]:
    # Always explicit: flask-cors ("*"), Express cors (no allowedHeaders) and Spring's
    # @CrossOrigin default to allowing whatever the preflight asks for.
    return list(ctx.headers) or ["Content-Type"]


def _creds(ctx: FixContext) -> bool:
    return ctx.credentials is not False and not ctx.public


def _py_extra(ctx: FixContext) -> str:
    """expose_headers and max_age, where known: the same keyword in corsguard.Policy,
    Starlette's CORSMiddleware, flask-cors and aiohttp-cors' ResourceOptions."""
    text = f", expose_headers={_py_list(ctx.exposed_headers)}" if ctx.exposed_headers else ""
    return text + (f", max_age={ctx.max_age}" if ctx.max_age is not None else "")


def from_env_call(args: Iterable[str]) -> str:
    """``corsguard.Policy.from_env(...)`` with the keyword arguments given: the corsguard fix
    when no origin of the project's own is known (lint's corsguard.lint.fixes uses it too)."""
    return "corsguard.Policy.from_env(" + ", ".join(args) + ")"


def render_corsguard(ctx: FixContext) -> str:
    if ctx.public:
        return 'corsguard.Policy(allow_origins=["*"])  # public, read-only data without credentials'
    args = [f"allow_origins={_py_list(ctx.origins)}"] if ctx.origins else []
    notes = [_in_corsguard_terms(note) for note in ctx.notes]
    if _creds(ctx):
        args.append("allow_credentials=True")
    if ctx.methods:
        args.append(f"allow_methods={_py_list(ctx.methods)}")
    if ctx.headers:
        args.append(f"allow_headers={_py_list(ctx.headers)}")
    if ctx.exposed_headers:
        args.append(f"expose_headers={_py_list(ctx.exposed_headers)}")
    if ctx.max_age is not None:
        args.append(f"max_age={ctx.max_age}")
    if not ctx.origins:
        return from_env_call(args) + _comment([FROM_ENV_NOTE, *notes])
    return "corsguard.Policy(" + ", ".join(args) + ")" + _comment(notes)


def render_starlette(ctx: FixContext) -> str:
    if ctx.public:
        return 'app.add_middleware(CORSMiddleware, allow_origins=["*"])  # public data only'
    exact, patterns, notes = _split(ctx)
    text = f"app.add_middleware(CORSMiddleware, allow_origins={_py_list(exact)}"
    if patterns:
        # Starlette fullmatches allow_origin_regex (starlette/middleware/cors.py).
        joined = "|".join(_regex(p)[1:-1] for p in patterns)
        text += f", allow_origin_regex={_q(joined)}"
    if _creds(ctx):
        text += ", allow_credentials=True"
    text += f", allow_methods={_py_list(_methods(ctx))}"
    text += f", allow_headers={_py_list(_headers(ctx))}"
    return text + _py_extra(ctx) + ")" + _comment(notes)


def render_flask_cors(ctx: FixContext) -> str:
    if ctx.public:
        return 'CORS(app, origins=["*"])  # public data only, without supports_credentials'
    exact, patterns, notes = _split(ctx)
    # flask-cors reads an entry with regex characters as a regex (re.match): anchor it.
    items = [*exact, *(_regex(p) for p in patterns)]
    text = f"CORS(app, origins={_py_list(items)}"
    if _creds(ctx):
        text += ", supports_credentials=True"
    text += f", methods={_py_list(_methods(ctx))}"
    text += f", allow_headers={_py_list(_headers(ctx))}"
    return text + _py_extra(ctx) + ")" + _comment(notes)


def render_django(ctx: FixContext) -> str:
    if ctx.public:
        return "CORS_ALLOW_ALL_ORIGINS = True  # public data only; CORS_ALLOW_CREDENTIALS = False"
    exact, patterns, notes = _split(ctx)
    lines = [f"CORS_ALLOWED_ORIGINS = {_py_list(exact)}"]
    if patterns:
        lines.append(f"CORS_ALLOWED_ORIGIN_REGEXES = {_py_list(_regex(p) for p in patterns)}")
    lines.append(f"CORS_ALLOW_CREDENTIALS = {_creds(ctx)}")
    lines.append(f"CORS_ALLOW_METHODS = {_py_list(_methods(ctx))}")
    lines.append(f"CORS_ALLOW_HEADERS = {_py_list(_headers(ctx))}")
    if ctx.exposed_headers:
        lines.append(f"CORS_EXPOSE_HEADERS = {_py_list(ctx.exposed_headers)}")
    if ctx.max_age is not None:
        lines.append(f"CORS_PREFLIGHT_MAX_AGE = {ctx.max_age}")
    return "\n".join(lines) + ("\n" + _comment(notes).strip() if notes else "")


def render_aiohttp(ctx: FixContext) -> str:
    if ctx.public:
        return 'aiohttp_cors.setup(app, defaults={"*": aiohttp_cors.ResourceOptions()})'
    exact, patterns, notes = _split(ctx)
    if patterns:
        notes.append("aiohttp-cors matches exact origins only: list each of " + ", ".join(patterns))
    options = f"aiohttp_cors.ResourceOptions(allow_credentials={_creds(ctx)}"
    options += f", allow_methods={_py_list(_methods(ctx))}"
    options += f", allow_headers={_py_list(_headers(ctx))}"
    options += _py_extra(ctx) + ")"
    entries = ", ".join(f"{_q(o)}: {options}" for o in exact)
    return f"aiohttp_cors.setup(app, defaults={{{entries}}})" + _comment(notes)


# --- The stacks lint reads too: each renderer takes the form the user's configuration has
# (FixContext.form) and carries every option it was given, structured (methods, headers, ...)
# or as written in the linted file (FixContext.carry).


def _one_line(text: str) -> str:
    """Carried source text on one line: the fix's own line breaks are the only ones, so a
    linted file cannot add lines of its own to a report (each break and the indentation
    around it becomes one space; spacing within a line is kept)."""
    return re.sub(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+\s*", " ", text).strip()


def _carried(ctx: FixContext, *skip: str) -> dict[str, str]:
    return {name: _one_line(text) for name, text in ctx.carry if name not in skip}


def _js_regex(pattern: str) -> str:
    return "/" + _regex(pattern).replace("/", "\\/") + "/"


def _js_array(items: Iterable[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


# The option names of each npm CORS library (npm cors, @fastify/cors and socket.io share cors's
# names; @koa/cors has its own): methods, allowed headers, exposed headers, max age.
_JS_NAMES = {
    "koa": ("allowMethods", "allowHeaders", "exposeHeaders", "maxAge"),
    "": ("methods", "allowedHeaders", "exposedHeaders", "maxAge"),
}
_JS_ALIASES = {"headers": "allowedHeaders"}  # npm cors reads `headers` as allowedHeaders
# Not options: where the call sits in the linted file (its receiver, the mount path before
# it, or "bare": a call used elsewhere than `.use`), kept so that the fix stays there.
_JS_PLACES = ("receiver", "mount", "bare")


def _js_options(ctx: FixContext, form: str) -> list[str]:
    """Every option after origin and credentials: carried as written, else from ``ctx``."""
    methods, allowed, exposed, max_age = _JS_NAMES.get(form, _JS_NAMES[""])
    carried = _carried(ctx, "origin", "credentials", "originWhitelist", *_JS_PLACES)
    for alias, name in _JS_ALIASES.items():
        if alias in carried:
            carried.setdefault(name, carried.pop(alias))
    out: list[str] = []
    value = carried.pop(methods, None) or (_js_array(ctx.methods) if ctx.methods else None)
    if value:  # unknown: the library's fixed default list (not an echo of the request)
        out.append(f"{methods}: {value}")
    # Always explicit: without it npm cors, @fastify/cors and @koa/cors echo whatever
    # Access-Control-Request-Headers asks for (cors lib/index.js configureAllowedHeaders).
    value = carried.pop(allowed, None) or _js_array(_headers(ctx))
    out.append(f"{allowed}: {value}")
    value = carried.pop(exposed, None) or (
        _js_array(ctx.exposed_headers) if ctx.exposed_headers else None
    )
    if value:
        out.append(f"{exposed}: {value}")
    value = carried.pop(max_age, None) or (str(ctx.max_age) if ctx.max_age is not None else None)
    if value:
        out.append(f"{max_age}: {value}")
    out += [f"{name}: {text}" for name, text in carried.items()]
    return out


def render_express(ctx: FixContext) -> str:
    """The npm `cors` options (``form`` "cors", the default), or the same options for
    @fastify/cors ("fastify"), socket.io ("socket.io"), @koa/cors ("koa") and cors-anywhere
    ("cors-anywhere")."""
    form = ctx.form or "cors"
    if form == "cors-anywhere":
        return _render_cors_anywhere(ctx)
    exact, patterns, notes = _split(ctx)
    lines: list[str] = []
    if ctx.public:
        origin = _q("*")  # never with credentials (Fetch, "CORS check")
        notes = []
    elif form == "koa":
        # @koa/cors takes a string or a function of ctx, not a list; a falsy result sends
        # no CORS headers (@koa/cors index.js), and it sets Vary: Origin itself.
        test = "ALLOWED.has(o)" + "".join(f" || {_js_regex(p)}.test(o)" for p in patterns)
        lines.append(f"const ALLOWED = new Set({_js_array(exact)});")
        origin = f'(ctx) => {{ const o = ctx.get("Origin"); return {test} ? o : ""; }}'
    else:
        # cors adds Vary: Origin itself when origin is a list (cors lib/index.js
        # configureOrigin) and tests a RegExp entry with .test: each one anchored.
        origin = "[" + ", ".join([*(_q(o) for o in exact), *map(_js_regex, patterns)]) + "]"
    options = [f"origin: {origin}"]
    if _creds(ctx):
        options.append("credentials: true")
    body = "{ " + ", ".join([*options, *_js_options(ctx, form)]) + " }"
    places = {name: _one_line(text) for name, text in ctx.carry if name in _JS_PLACES}
    if form == "fastify":
        lines.append(f"{places.get('receiver', 'fastify')}.register(cors, {body});")
    elif form == "socket.io":
        lines.append(f"new Server(httpServer, {{ cors: {body} }});")
    elif "bare" in places:
        lines.append(f"cors({body})")
    else:
        mount = places["mount"] + ", " if "mount" in places else ""
        lines.append(f"{places.get('receiver', 'app')}.use({mount}cors({body}));")
    return "\n".join(lines) + _comment_line(notes, "//")


def _render_cors_anywhere(ctx: FixContext) -> str:
    if ctx.public or not [o for o in ctx.origins if not is_pattern(o)]:
        # An empty originWhitelist is an open proxy (cors-anywhere README): never written;
        # with no exact origin known, the header-level fix says what to list.
        return render_headers(replace(ctx, public=False, origins=(), credentials=False))
    exact, patterns, notes = _split(ctx)
    if patterns:
        # originWhitelist compares whole origins (cors-anywhere lib/cors-anywhere.js).
        notes.append(
            "cors-anywhere matches exact origins only: list each of " + ", ".join(patterns)
        )
    options = [f"originWhitelist: {_js_array(exact)}"]
    options += [f"{name}: {text}" for name, text in _carried(ctx, "originWhitelist").items()]
    return "createServer({ " + ", ".join(options) + " });" + _comment_line(notes, "//")


def _comment_line(notes: list[str], mark: str) -> str:
    return f"\n{mark} " + "; ".join(notes) if notes else ""


def render_node(ctx: FixContext) -> str:
    """Hand-written headers in a Node handler (http, Express, Next.js API routes)."""
    if ctx.public:
        return 'res.setHeader("Access-Control-Allow-Origin", "*");  // no Allow-Credentials'
    exact, patterns, notes = _split(ctx)
    test = "ALLOWED.has(origin)" + "".join(f" || {_js_regex(p)}.test(origin)" for p in patterns)
    lines = [
        f"const ALLOWED = new Set({_js_array(exact)});",
        "const origin = req.headers.origin;",
        # Every answer, granted or not, depends on Origin (Fetch: HTTP caches and CORS).
        'res.setHeader("Vary", "Origin");',
        f"if (origin && ({test})) {{",
        '  res.setHeader("Access-Control-Allow-Origin", origin);',
    ]
    if _creds(ctx):
        lines.append('  res.setHeader("Access-Control-Allow-Credentials", "true");')
    lines.append(
        f'  res.setHeader("Access-Control-Allow-Methods", {_q(", ".join(_methods(ctx)))});'
    )
    lines.append(
        f'  res.setHeader("Access-Control-Allow-Headers", {_q(", ".join(_headers(ctx)))});'
    )
    if ctx.exposed_headers:
        exposed = _q(", ".join(ctx.exposed_headers))
        lines.append(f'  res.setHeader("Access-Control-Expose-Headers", {exposed});')
    if ctx.max_age is not None:
        lines.append(f'  res.setHeader("Access-Control-Max-Age", "{ctx.max_age}");')
    lines.append("}")
    return "\n".join(lines) + _comment_line(notes, "//")


NGINX_HTTP = "# in http { }:"
NGINX_LOCATION = "# in the server { } or location { } that answers:"


def render_nginx(ctx: FixContext) -> str:
    if ctx.public:
        return 'add_header Access-Control-Allow-Origin "*" always;  # no Allow-Credentials'
    exact, patterns, notes = _split(ctx)
    lines = [NGINX_HTTP, "map $http_origin $cors_origin {", '    default "";']
    lines += [f"    {_q(o)} $http_origin;" for o in exact]
    lines += [f'    "~{_regex(p)}" $http_origin;' for p in patterns]
    lines.append("}")
    if _creds(ctx):
        # The credentials grant goes only with an origin grant (map of the map's result).
        lines += ["map $cors_origin $cors_credentials {", '    default "true";', '    "" "";', "}"]
    lines.append(NGINX_LOCATION)
    # add_header skips a header whose value is empty: only listed origins get a grant;
    # `always` adds it to error answers too (ngx_http_headers_module).
    lines.append("add_header Access-Control-Allow-Origin $cors_origin always;")
    if _creds(ctx):
        lines.append("add_header Access-Control-Allow-Credentials $cors_credentials always;")
    lines.append(f"add_header Access-Control-Allow-Methods {_q(', '.join(_methods(ctx)))} always;")
    lines.append(f"add_header Access-Control-Allow-Headers {_q(', '.join(_headers(ctx)))} always;")
    if ctx.exposed_headers:
        exposed = _q(", ".join(ctx.exposed_headers))
        lines.append(f"add_header Access-Control-Expose-Headers {exposed} always;")
    if ctx.max_age is not None:
        lines.append(f"add_header Access-Control-Max-Age {ctx.max_age} always;")
    lines.append("add_header Vary Origin always;")
    return "\n".join(lines) + _comment_line(notes, "#")


def _java_list(items: Iterable[str]) -> str:
    return ", ".join(_q(i) for i in items)


def _spring_pattern(pattern: str) -> str | None:
    """The pattern in Spring's allowedOriginPatterns, or None where Spring cannot say it.

    Spring turns each ``*`` into ``.*``, any characters, dots included (CorsConfiguration
    OriginPattern, 5.3+): ``*.`` keeps its meaning (one or more labels), but a one-label
    ``+.`` or a ``*`` inside a label would match deeper names, so neither is ever written."""
    _scheme, _, rest = pattern.partition("://")
    host = rest[:-2] if rest.endswith(":*") else rest
    if host.startswith("+.") or ("*" in host and not host.startswith("*.")) or "*" in host[1:]:
        return None
    # Spring origin patterns write "any port" as ":[*]".
    return pattern[:-2] + ":[*]" if rest.endswith(":*") else pattern


# Spring's names per form: methods, allowed headers, exposed headers, max age.
_SPRING_NAMES = {
    "registry": ("allowedMethods", "allowedHeaders", "exposedHeaders", "maxAge"),
    "annotation": ("methods", "allowedHeaders", "exposedHeaders", "maxAge"),
    "config": ("setAllowedMethods", "setAllowedHeaders", "setExposedHeaders", "setMaxAge"),
    "kotlin-config": ("allowedMethods", "allowedHeaders", "exposedHeaders", "maxAge"),
    "properties": ("allowed-methods", "allowed-headers", "exposed-headers", "max-age"),
}
_SPRING_NAMES["kotlin-annotation"] = _SPRING_NAMES["annotation"]
# Not options: where the configuration sits (the linted file's own names).
_SPRING_PLACES = ("mapping", "receiver", "prefix")
_REQUEST_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})


def render_spring(ctx: FixContext) -> str:
    """Spring's CorsConfiguration (``form`` "config", the default), CorsRegistry ("registry"),
    @CrossOrigin ("annotation", "kotlin-annotation"), Kotlin properties ("kotlin-config") or
    application.properties ("properties")."""
    form = ctx.form if ctx.form in _SPRING_NAMES else "config"
    kotlin = form.startswith("kotlin")
    places = {name: _one_line(text) for name, text in ctx.carry if name in _SPRING_PLACES}
    carried = _carried(ctx, *_SPRING_PLACES)
    exact, given, notes = _split(ctx)
    patterns = [p for p in map(_spring_pattern, given) if p is not None]
    unsaid = [p for p in given if _spring_pattern(p) is None]
    if unsaid:
        notes.append(
            "Spring's '*' matches any characters, dots included, so it cannot say "
            + ", ".join(unsaid)
            + " exactly: list each front end's exact origin"
        )
    if ctx.public:
        exact, patterns, notes = ["*"], [], []
    names = _SPRING_NAMES[form]
    # (option name, structured values or None, carried text or None), in Spring's order.
    methods = (
        [m for m in ctx.methods if m.upper() in _REQUEST_METHODS]
        if form.endswith("annotation")
        else list(ctx.methods)
    )
    # @CrossOrigin and CorsRegistry allow every requested header by default ("*"): always
    # explicit there. CorsConfiguration and the Boot properties allow none by default.
    headers = (
        _headers(ctx)
        if form in ("registry", "annotation", "kotlin-annotation")
        else list(ctx.headers)
    )
    options: list[tuple[str, list[str] | None, int | None]] = [
        (names[0], methods or None, None),
        (names[1], headers or None, None),
        (names[2], list(ctx.exposed_headers) or None, None),
        (names[3], None, ctx.max_age),
    ]
    creds = _creds(ctx)

    def values(name: str, items: list[str] | None, number: int | None) -> str | None:
        if name in carried:
            return carried.pop(name)
        if number is not None:
            return f"{number}L" if form in ("config", "kotlin-config") else str(number)
        if items is None:
            return None
        if form == "properties":
            return ",".join(items)
        if name == "methods":  # @CrossOrigin takes RequestMethod constants
            consts = ", ".join(f"RequestMethod.{m.upper()}" for m in items)
            return f"[{consts}]" if kotlin else f"{{{consts}}}"
        if form.endswith("annotation"):
            return f"[{_java_list(items)}]" if kotlin else f"{{{_java_list(items)}}}"
        if form == "kotlin-config":
            return f"listOf({_java_list(items)})"
        if form == "config":
            return f"List.of({_java_list(items)})"
        return _java_list(items)

    extra = [(name, values(name, items, number)) for name, items, number in options]
    filled = [(name, text) for name, text in extra if text is not None]
    filled += list(carried.items())
    if form == "registry":
        text = f"registry.addMapping({places.get('mapping', _q('/**'))})"
        if exact:
            text += f".allowedOrigins({_java_list(exact)})"
        if patterns:
            text += f".allowedOriginPatterns({_java_list(patterns)})"
        if creds:
            text += ".allowCredentials(true)"
        text += "".join(f".{name}({value})" for name, value in filled) + ";"
    elif form.endswith("annotation"):
        open_, close = ("[", "]") if kotlin else ("{", "}")
        parts = []
        if exact:
            parts.append(f"origins = {open_}{_java_list(exact)}{close}")
        if patterns:
            parts.append(f"originPatterns = {open_}{_java_list(patterns)}{close}")
        if creds:
            parts.append('allowCredentials = "true"')
        parts += [f"{name} = {value}" for name, value in filled]
        text = "@CrossOrigin(" + ", ".join(parts) + ")"
    elif form == "properties":
        prefix = places.get("prefix", "spring.web.cors")
        lines = []
        if exact:
            lines.append(f"{prefix}.allowed-origins={','.join(exact)}")
        if patterns:
            lines.append(f"{prefix}.allowed-origin-patterns={','.join(patterns)}")
        if creds:
            lines.append(f"{prefix}.allow-credentials=true")
        lines += [f"{prefix}.{name}={value}" for name, value in filled]
        text = "\n".join(lines)
    elif form == "kotlin-config":
        # Kotlin property syntax; inside `CorsConfiguration().apply { ... }` no receiver.
        owner = places.get("receiver")
        prefix = f"{owner}." if owner else ""
        lines = []
        if exact:
            lines.append(f"{prefix}allowedOrigins = listOf({_java_list(exact)})")
        if patterns:
            lines.append(f"{prefix}allowedOriginPatterns = listOf({_java_list(patterns)})")
        if creds:
            lines.append(f"{prefix}allowCredentials = true")
        lines += [f"{prefix}{name} = {value}" for name, value in filled]
        text = "\n".join(lines)
    else:
        receiver = places.get("receiver", "config")
        lines = []
        if exact:
            lines.append(f"{receiver}.setAllowedOrigins(List.of({_java_list(exact)}));")
        if patterns:
            lines.append(f"{receiver}.setAllowedOriginPatterns(List.of({_java_list(patterns)}));")
        if creds:
            lines.append(f"{receiver}.setAllowCredentials(true);")
        lines += [f"{receiver}.{name}({value});" for name, value in filled]
        text = "\n".join(lines)
    return text + _comment_line(notes, "#" if form == "properties" else "//")


def render_headers(ctx: FixContext) -> str:
    """The response headers, any server. With no origin known, the fix every other stack
    shows too: it says what to send without inventing an origin."""
    if ctx.public:
        return "Access-Control-Allow-Origin: *  (no Access-Control-Allow-Credentials)"
    notes = list(ctx.notes)
    if ctx.origins:
        listed = "one of " + ", ".join(ctx.origins)
    else:
        listed = "one of your front ends' origins"
        notes.insert(0, NO_ORIGIN_NOTE)
    text = (
        f"When Origin is {listed}: Access-Control-Allow-Origin: <that origin>"
        + ("; Access-Control-Allow-Credentials: true" if _creds(ctx) else "")
        + f"; on preflights Access-Control-Allow-Methods: {', '.join(_methods(ctx))}"
        + f"; Access-Control-Allow-Headers: {', '.join(_headers(ctx))}"
        + (
            f"; Access-Control-Expose-Headers: {', '.join(ctx.exposed_headers)}"
            if ctx.exposed_headers
            else ""
        )
        + (f"; Access-Control-Max-Age: {ctx.max_age}" if ctx.max_age is not None else "")
        + ". Any other Origin: no Access-Control-* header. Always: Vary: Origin."
    )
    return text + (" (" + "; ".join(notes) + ")" if notes else "")


RENDERERS: dict[str, Callable[[FixContext], str]] = {
    "corsguard": render_corsguard,
    "starlette": render_starlette,
    "flask-cors": render_flask_cors,
    "django-cors-headers": render_django,
    "aiohttp-cors": render_aiohttp,
    "express": render_express,
    "node": render_node,
    "nginx": render_nginx,
    "spring": render_spring,
    "headers": render_headers,
}
assert tuple(RENDERERS) == STACKS
