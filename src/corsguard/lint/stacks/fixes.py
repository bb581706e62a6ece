"""Every stack-specific remediation text of `corsguard lint`, in one table.

Kept in one module on purpose (issue #11 will move all remediation texts into one catalogue):
``FIXES`` maps (finding id, stack) to a short sentence in the stack's own terms, and the
``_render_*`` functions write the configuration that expresses the evident intent safely —
exact origins from the file itself, every other option carried over, never a wider grant
than before. A placeholder origin appears only when the file names no origin at all.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from corsguard import remediation as R
from corsguard.lint import judge as J

if TYPE_CHECKING:
    from corsguard.lint.stacks.common import Grant

# (finding id, stack) -> advice; "{config}" is replaced by the rendered safe configuration.
FIXES: dict[tuple[str, str], str] = {
    ("origin-reflected", "javascript"): "{config}  // an explicit list instead of echoing",
    ("origin-reflected", "nginx"): "{config}  # a map of exact origins instead of $http_origin",
    ("origin-reflected", "spring"): '{config}  // exact origins instead of the pattern "*"',
    ("wildcard-with-credentials", "javascript"): "{config}  // '*' cannot carry credentials",
    ("wildcard-with-credentials", "nginx"): "{config}  # '*' cannot carry credentials",
    ("wildcard-with-credentials", "spring"): "{config}  // list origins; Spring refuses '*' "
    "with credentials",
    ("wildcard-origin", "javascript"): "{config}  // keep '*' only for public, read-only data",
    ("wildcard-origin", "nginx"): "{config}  # keep '*' only for public, read-only data",
    ("wildcard-origin", "spring"): "{config}  // keep '*' only for public, read-only data",
    ("open-proxy", "javascript"): "{config}  // an open proxy fetches any URL for any site",
    ("missing-vary-origin", "javascript"): "{config}  // Vary: Origin on every answer",
    ("missing-vary-origin", "nginx"): "{config}  # Vary: Origin beside every grant that "
    "depends on $http_origin (with `always`)",
    ("regex-origin", "javascript"): "{config}  // exact origins; an anchored RegExp only "
    "where a pattern is needed",
    ("regex-origin", "nginx"): "{config}  # exact origins in a map; anchored regexes only "
    "where a pattern is needed",
    ("regex-origin", "spring"): "{config}",
}
# Any other id (prefix-match, suffix-match, null-origin-trusted, ...) uses the stack's default.
DEFAULT: dict[str, str] = {
    "javascript": "{config}",
    "nginx": "{config}",
    "spring": "{config}",
}


def _js_regex(pattern: str) -> str:
    """A corsguard pattern (https://*.example.com) as an anchored JavaScript RegExp literal."""
    parts = [re.escape(p).replace("/", "\\/") for p in pattern.split("*")]
    return "/^" + "([a-z0-9-]+\\.)*[a-z0-9-]+".join(parts) + "$/"


def _pcre(pattern: str) -> str:
    parts = [re.escape(p).replace("/", "\\/") for p in pattern.split("*")]
    return "~^" + "([a-z0-9-]+\\.)*[a-z0-9-]+".join(parts) + "$"


def _origins_and_notes(grant: Grant, intent: J.Intent) -> tuple[list[str], list[str]]:
    origins = list(intent.origins)
    notes = list(intent.notes)
    if not origins:
        origins = [J.PLACEHOLDER_ORIGIN]
        notes.insert(0, R.UNKNOWN_NOTE)
    return origins, notes


def _js_list(origins: list[str]) -> str:
    items = [_js_regex(o) if "*" in o else json.dumps(o).replace('"', "'") for o in origins]
    return "[" + ", ".join(items) + "]"


def _render_javascript(grant: Grant, intent: J.Intent, kind: str) -> str:
    origins, notes = _origins_and_notes(grant, intent)
    creds = grant.credentials is not False
    listed = _js_list(origins)
    if kind == "open-proxy" or grant.fix_kind == "cors-anywhere":
        options = [f"originWhitelist: {listed}", *grant.carry.values()]
        text = "createServer({ " + ", ".join(options) + " })"
    elif grant.fix_kind == "handwritten":
        exact = [o for o in origins if "*" not in o]
        patterns = [_js_regex(o) for o in origins if "*" in o]
        test = f"new Set({_js_list(exact)}).has(origin)" if exact else "false"
        for pattern in patterns:
            test += f" || {pattern}.test(origin)"
        text = (
            f"if ({test}) {{ res.setHeader('Access-Control-Allow-Origin', origin);"
            + (" res.setHeader('Access-Control-Allow-Credentials', 'true');" if creds else "")
            + " } res.setHeader('Vary', 'Origin');"
        )
    elif grant.fix_kind == "koa":
        # @koa/cors takes a string or a function of ctx, not a list.
        options = [
            "origin: (ctx) => ALLOWED.includes(ctx.get('Origin')) ? ctx.get('Origin') : ''",
        ]
        if creds:
            options.append("credentials: true")
        options.extend(grant.carry.values())
        text = f"const ALLOWED = {_js_list(origins)}; cors({{ " + ", ".join(options) + " })"
    else:
        options = [f"origin: {listed}"]
        if creds:
            options.append("credentials: true")
        options.extend(grant.carry.values())
        if grant.fix_kind == "socket.io":
            text = "new Server(httpServer, { cors: { " + ", ".join(options) + " } })"
        else:
            call = "fastify.register(cors, " if grant.fix_kind == "fastify" else "cors("
            text = call + "{ " + ", ".join(options) + " })"
    if notes:
        text += "  // " + "; ".join(notes)
    return text


def _render_nginx(grant: Grant, intent: J.Intent, kind: str) -> str:
    origins, notes = _origins_and_notes(grant, intent)
    creds = grant.credentials is not False
    entries = " ".join(
        (f"{_pcre(o)} $http_origin;" if "*" in o else f'"{o}" $http_origin;') for o in origins
    )
    text = (
        f'map $http_origin $cors_origin {{ default ""; {entries} }}  '
        "add_header Access-Control-Allow-Origin $cors_origin always; "
        "add_header Vary Origin always;"
    )
    if creds:
        text += " add_header Access-Control-Allow-Credentials true always;"
    if notes:
        text += "  # " + "; ".join(notes)
    return text


def _spring_pattern(origin: str) -> str:
    return origin.replace(":*", ":[*]")


def _render_spring(grant: Grant, intent: J.Intent, kind: str) -> str:
    origins, notes = _origins_and_notes(grant, intent)
    creds = grant.credentials is not False
    exact = [o for o in origins if "*" not in o]
    patterns = [_spring_pattern(o) for o in origins if "*" in o]
    quoted = ", ".join(json.dumps(o) for o in exact)
    quoted_patterns = ", ".join(json.dumps(o) for o in patterns)
    if grant.fix_kind in ("annotation", "kotlin-annotation"):
        kotlin = grant.fix_kind == "kotlin-annotation"
        open_, close = ("[", "]") if kotlin else ("{", "}")
        parts = []
        if exact:
            parts.append(f"origins = {open_}{quoted}{close}")
        if patterns:
            parts.append(f"originPatterns = {open_}{quoted_patterns}{close}")
        if creds:
            parts.append('allowCredentials = "true"')
        parts.extend(grant.carry.values())
        text = "@CrossOrigin(" + ", ".join(parts) + ")"
    elif grant.fix_kind == "properties":
        prefix = grant.carry.get("prefix", "management.endpoints.web.cors")
        lines = []
        if exact:
            lines.append(f"{prefix}.allowed-origins={','.join(exact)}")
        if patterns:
            lines.append(f"{prefix}.allowed-origin-patterns={','.join(patterns)}")
        if creds:
            lines.append(f"{prefix}.allow-credentials=true")
        text = "; ".join(lines)
    elif grant.fix_kind == "config":
        receiver = grant.carry.get("receiver", "config")
        calls = []
        if exact:
            calls.append(f"{receiver}.setAllowedOrigins(List.of({quoted}));")
        if patterns:
            calls.append(f"{receiver}.setAllowedOriginPatterns(List.of({quoted_patterns}));")
        if creds:
            calls.append(f"{receiver}.setAllowCredentials(true);")
        text = " ".join(calls)
    elif grant.fix_kind == "kotlin-config":
        # Kotlin property syntax; inside `CorsConfiguration().apply { ... }` no receiver.
        owner = grant.carry.get("receiver")
        prefix = f"{owner}." if owner else ""
        lines = []
        if exact:
            lines.append(f"{prefix}allowedOrigins = listOf({quoted})")
        if patterns:
            lines.append(f"{prefix}allowedOriginPatterns = listOf({quoted_patterns})")
        if creds:
            lines.append(f"{prefix}allowCredentials = true")
        text = "; ".join(lines)
    else:
        mapping = grant.carry.get("mapping", '"/**"')
        text = f"registry.addMapping({mapping})"
        if exact:
            text += f".allowedOrigins({quoted})"
        if patterns:
            text += f".allowedOriginPatterns({quoted_patterns})"
        for key, value in grant.carry.items():
            if key not in ("mapping", "receiver", "prefix"):
                text += value
        if creds:
            text += ".allowCredentials(true)"
    if notes:
        text += "  // " + "; ".join(notes)
    return text


_RENDERERS = {
    "javascript": _render_javascript,
    "nginx": _render_nginx,
    "spring": _render_spring,
}


def render(kind: str, grant: Grant, intent: J.Intent) -> str:
    """The fix for one finding of one grant, in the grant's stack's own terms."""
    template = FIXES.get((kind, grant.stack), DEFAULT[grant.stack])
    if kind == "wildcard-origin" and not intent.origins and not grant.open_proxy:
        # Public by design is a valid choice: the fix keeps it and says when it is not.
        return template.format(config=grant.written or "'*'")
    return template.format(config=_RENDERERS[grant.stack](grant, intent, kind))
