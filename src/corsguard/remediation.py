"""Safe CORS configurations written in each stack's own terms (pure: strings in, str out).

The catalogue (corsguard.findings) says per finding id what to change; this module writes
the configuration that does it, with the user's own trusted origins: from ``--origin`` (audit)
or from the configuration being judged (lint). Where the origins are unknown the text says
so and shows :data:`UNKNOWN_ORIGIN`, a name under the reserved ``.example`` TLD (RFC 2606)
that reads as "put yours here", never as a guess at the user's origin.

Every origin comes from a linted file or a command line: each is quoted with ``json.dumps``
(a valid string literal in Python, JavaScript, Java and nginx), so a quote inside it cannot
close the literal and turn a suggested fix into other code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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

UNKNOWN_ORIGIN = "https://your-front-end.example"
UNKNOWN_NOTE = "list the origins your front ends use (the one shown is not yours)"
PREVIEW_PATTERN = "https://myapp-*.preview.example.com"
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
    """

    origins: tuple[str, ...] = ()
    credentials: bool | None = None
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    public: bool = False
    notes: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.origins) or self.public


def safe_origins(origins: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the origins a fix may trust, notes) from what the user trusts now.

    Dropped: ``null`` and ``*``; localhost (to development_origins); an origin on a public
    hosting platform stays only "if you own it" and a wildcard there becomes previews on the
    user's own domain; plain http becomes https (Fetch: an http page is anyone's on the path).
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
            if "*" in host:
                kept.append(PREVIEW_PATTERN)
                notes.append(f"previews on a domain you own instead of *.{platform}")
            else:
                kept.append(origin)
                notes.append(f"only if you own {host}")
            continue
        if scheme == "http":
            origin = f"https://{host}{port}"
        kept.append(origin)
    if dev:
        notes.append(development_note(dev))
    return tuple(dict.fromkeys(kept)), tuple(dict.fromkeys(notes))


# Where a loopback origin belongs (issue #14): Policy's development_origins, which the
# adapters grant only with CORSGUARD_ENV=development (corsguard.startup).
DEVELOPMENT_HINT = "development_origins (granted only with CORSGUARD_ENV=development)"


# A tunnel (ngrok, localtunnel...) is a development origin too, but a remote one, which
# development_origins refuses: it keeps the older advice.
_TUNNEL_HINT = "only in a development policy (a tunnel is not loopback)"


def development_note(origins: list[str] | tuple[str, ...]) -> str:
    """The fix's note for loopback origins: put them in development_origins."""
    return f"put {', '.join(dict.fromkeys(origins))} in {DEVELOPMENT_HINT}"


def tunnel_note(origins: list[str] | tuple[str, ...]) -> str:
    return f"allow {', '.join(dict.fromkeys(origins))} {_TUNNEL_HINT}"


def is_development_note(note: str) -> bool:
    return note.endswith((DEVELOPMENT_HINT, _TUNNEL_HINT))


def _q(text: str) -> str:
    return json.dumps(text)


def _regex(pattern: str) -> str:
    """A corsguard pattern as an anchored regex: ``*`` stands for one or more DNS labels."""
    parts = [re.escape(p) for p in pattern.split("*")]
    return "^" + r"([a-z0-9-]+\.)*[a-z0-9-]+".join(parts) + "$"


def _split(ctx: FixContext) -> tuple[list[str], list[str], list[str]]:
    """(exact origins, wildcard patterns, notes); the unknown-origin example if none."""
    notes = list(ctx.notes)
    origins = list(ctx.origins)
    if not origins:
        origins = [UNKNOWN_ORIGIN]
        notes.insert(0, UNKNOWN_NOTE)
    exact = [o for o in origins if "*" not in o]
    patterns = [o for o in origins if "*" in o]
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


def render_corsguard(ctx: FixContext) -> str:
    if ctx.public:
        return 'corsguard.Policy(allow_origins=["*"])  # public, read-only data without credentials'
    exact, patterns, notes = _split(ctx)
    text = f"corsguard.Policy(allow_origins={_py_list([*exact, *patterns])}"
    if _creds(ctx):
        text += ", allow_credentials=True"
    if ctx.methods:
        text += f", allow_methods={_py_list(ctx.methods)}"
    if ctx.headers:
        text += f", allow_headers={_py_list(ctx.headers)}"
    return text + ")" + _comment(notes)


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
    return text + ")" + _comment(notes)


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
    return text + ")" + _comment(notes)


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
    options += ")"
    entries = ", ".join(f"{_q(o)}: {options}" for o in exact)
    return f"aiohttp_cors.setup(app, defaults={{{entries}}})" + _comment(notes)


def _js_regex(pattern: str) -> str:
    return "/" + _regex(pattern).replace("/", "\\/") + "/"


def render_express(ctx: FixContext) -> str:
    if ctx.public:
        return "app.use(cors())  // origin '*': public data only, no credentials"
    exact, patterns, notes = _split(ctx)
    items = [*(_q(o) for o in exact), *(_js_regex(p) for p in patterns)]
    # cors adds Vary: Origin itself when origin is a list (cors/lib/index.js configureOrigin).
    text = f"app.use(cors({{ origin: [{', '.join(items)}]"
    if _creds(ctx):
        text += ", credentials: true"
    text += f", methods: [{', '.join(_q(m) for m in _methods(ctx))}]"
    text += f", allowedHeaders: [{', '.join(_q(h) for h in _headers(ctx))}]"
    return text + " }))" + _comment(notes, "//")


def render_node(ctx: FixContext) -> str:
    if ctx.public:
        return "res.setHeader('Access-Control-Allow-Origin', '*');  // public data only"
    exact, patterns, notes = _split(ctx)
    test = "ALLOWED.has(origin)" + "".join(f" || {_js_regex(p)}.test(origin)" for p in patterns)
    lines = [
        f"const ALLOWED = new Set([{', '.join(_q(o) for o in exact)}]);",
        "const origin = req.headers.origin;",
        "res.setHeader('Vary', 'Origin');",
        f"if (origin && ({test})) {{",
        "  res.setHeader('Access-Control-Allow-Origin', origin);",
    ]
    if _creds(ctx):
        lines.append("  res.setHeader('Access-Control-Allow-Credentials', 'true');")
    methods = _q(", ".join(_methods(ctx)))
    lines.append(f"  res.setHeader('Access-Control-Allow-Methods', {methods});")
    lines.append(
        f"  res.setHeader('Access-Control-Allow-Headers', {_q(', '.join(_headers(ctx)))});"
    )
    lines.append("}")
    return "\n".join(lines) + ("\n" + _comment(notes, "//").strip() if notes else "")


NGINX_HTTP = "# in http { }:"
NGINX_LOCATION = "# in the server { } or location { } that answers:"


def render_nginx(ctx: FixContext) -> str:
    if ctx.public:
        return 'add_header Access-Control-Allow-Origin "*" always;  # public data only'
    exact, patterns, notes = _split(ctx)
    lines = [NGINX_HTTP, "map $http_origin $cors_origin {", '    default "";']
    lines += [f"    {_q(o)} $http_origin;" for o in exact]
    lines += [f'    "~{_regex(p)}" $http_origin;' for p in patterns]
    lines.append("}")
    if _creds(ctx):
        # The credentials grant goes only with an origin grant (map of the map's result).
        lines += ["map $cors_origin $cors_credentials {", '    default "true";', '    "" "";', "}"]
    lines.append(NGINX_LOCATION)
    # add_header skips a header whose value is empty: only listed origins get a grant.
    lines.append("add_header Access-Control-Allow-Origin $cors_origin always;")
    if _creds(ctx):
        lines.append("add_header Access-Control-Allow-Credentials $cors_credentials always;")
    lines.append(f"add_header Access-Control-Allow-Methods {_q(', '.join(_methods(ctx)))} always;")
    lines.append(f"add_header Access-Control-Allow-Headers {_q(', '.join(_headers(ctx)))} always;")
    lines.append("add_header Vary Origin always;")
    return "\n".join(lines) + ("\n" + _comment(notes).strip() if notes else "")


def _java_list(items: Iterable[str]) -> str:
    return "List.of(" + ", ".join(_q(i) for i in items) + ")"


def render_spring(ctx: FixContext) -> str:
    if ctx.public:
        return 'config.setAllowedOrigins(List.of("*"));  // public data only, no credentials'
    exact, patterns, notes = _split(ctx)
    lines = [f"config.setAllowedOrigins({_java_list(exact)});"]
    if patterns:
        # Spring's origin patterns take "*" inside a host (CorsConfiguration, 5.3+).
        lines.append(f"config.setAllowedOriginPatterns({_java_list(patterns)});")
    if _creds(ctx):
        lines.append("config.setAllowCredentials(true);")
    lines.append(f"config.setAllowedMethods({_java_list(_methods(ctx))});")
    lines.append(f"config.setAllowedHeaders({_java_list(_headers(ctx))});")
    return "\n".join(lines) + ("\n" + _comment(notes, "//").strip() if notes else "")


def render_headers(ctx: FixContext) -> str:
    if ctx.public:
        return "Access-Control-Allow-Origin: *  (no Access-Control-Allow-Credentials)"
    exact, patterns, notes = _split(ctx)
    listed = ", ".join([*exact, *patterns])
    text = (
        f"When Origin is one of {listed}: Access-Control-Allow-Origin: <that origin>"
        + ("; Access-Control-Allow-Credentials: true" if _creds(ctx) else "")
        + f"; on preflights Access-Control-Allow-Methods: {', '.join(_methods(ctx))}"
        + f"; Access-Control-Allow-Headers: {', '.join(_headers(ctx))}"
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
