"""The paths `corsguard audit --app` audits when none are given: the app's GET routes
without parameters, where the framework lists them.

- Starlette and FastAPI: ``app.routes`` (``Route`` with GET or no method list; ``Mount``
  followed into its routes), paths with a ``{parameter}`` left out;
- Flask: ``app.url_map``, rules that answer GET and take no argument;
- Django: the URLconf's resolver, patterns (and ``include()``s) without converters or
  regex groups.

The app may sit under middleware (corsguard's, Starlette's user middleware, a WSGI
wrapper): the links middleware keep to the app they wrap are followed as
`corsguard.appload.find_policy` does. None when no framework is recognised: the caller
asks for paths.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["MAX_ROUTES", "list_routes"]

MAX_ROUTES = 100_000
"""Paths listed at most (a URLconf generated in a loop must not exhaust memory)."""

MAX_DEPTH = 64
"""Nesting followed at most: middleware links, Mounts, include()s (a cycle stops here)."""

_LINKS = ("middleware_stack", "app", "wsgi_app", "application", "_app")


def list_routes(app: Any) -> list[str] | None:
    """The app's parameter-free GET paths, in declaration order without repeats; None when
    the framework is not one corsguard can list."""
    seen: set[int] = set()
    stack = [app]
    while stack and len(seen) < MAX_DEPTH:
        obj = stack.pop(0)
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        for lister in (_flask, _django, _starlette):
            found = lister(obj)
            if found is not None:
                return list(dict.fromkeys(_bounded(found)))
        for name in _LINKS:
            try:
                inner = getattr(obj, name, None)
            except Exception:  # a property of the user's app that raises: not a link
                inner = None
            if inner is not None and inner is not obj:
                stack.append(inner)
    return None


def _bounded(paths: Iterator[str]) -> Iterator[str]:
    for count, path in enumerate(paths):
        if count >= MAX_ROUTES:
            return
        yield path


def _join(prefix: str, path: str) -> str:
    joined = prefix.rstrip("/") + "/" + path.lstrip("/")
    return joined if joined.startswith("/") else "/" + joined


# --- Starlette / FastAPI ------------------------------------------------------------------


def _starlette(obj: Any) -> Iterator[str] | None:
    if "starlette" not in sys.modules:
        return None
    from starlette.routing import Router

    router = getattr(obj, "router", None)
    if isinstance(obj, Router):
        router = obj
    if not isinstance(router, Router):
        return None
    return _starlette_routes(router.routes, "", 0)


def _starlette_routes(routes: Any, prefix: str, depth: int) -> Iterator[str]:
    from starlette.routing import Mount, Route

    if depth > MAX_DEPTH:
        return
    for route in routes:
        if isinstance(route, Route):
            # Route.methods is None for an HTTPEndpoint class: it answers what it defines.
            methods = route.methods
            if "{" in route.path or (methods is not None and "GET" not in methods):
                continue
            yield _join(prefix, route.path)
        elif isinstance(route, Mount):
            if "{" in route.path:
                continue
            try:
                inner = route.routes  # a Mount of a plain ASGI app has none
            except Exception:
                continue
            yield from _starlette_routes(inner or (), _join(prefix, route.path), depth + 1)


# --- Flask --------------------------------------------------------------------------------


def _flask(obj: Any) -> Iterator[str] | None:
    if "flask" not in sys.modules:
        return None
    from flask import Flask

    if not isinstance(obj, Flask):
        return None
    return (
        rule.rule
        for rule in obj.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and not rule.host
        # A subdomain rule answers on another host than the audit's base URL.
        and not rule.subdomain
    )


# --- Django -------------------------------------------------------------------------------

# A regex pattern (re_path) is a literal path when, without its anchors, it has no
# metacharacter left (escaped dots and slashes are literal).
_REGEX_META = re.compile(r"(?<!\\)[.^$*+?{}\[\]|()]")


def _django(obj: Any) -> Iterator[str] | None:
    if "django" not in sys.modules:
        return None
    from django.core.handlers.asgi import ASGIHandler  # type: ignore[import-untyped]
    from django.core.handlers.wsgi import WSGIHandler  # type: ignore[import-untyped]

    if not isinstance(obj, (ASGIHandler, WSGIHandler)):
        return None
    from django.urls import get_resolver  # type: ignore[import-untyped]

    return _django_patterns(get_resolver().url_patterns, "/", 0)


def _django_literal(pattern: Any) -> str | None:
    """The literal text a pattern matches, or None when it takes a parameter."""
    from django.urls.resolvers import RegexPattern, RoutePattern  # type: ignore[import-untyped]

    if isinstance(pattern, RoutePattern):
        return None if pattern.converters else str(pattern)
    if isinstance(pattern, RegexPattern):
        text = str(pattern)
        if text.startswith("^"):
            text = text[1:]
        if text.endswith("$") and not text.endswith("\\$"):
            text = text[:-1]
        if _REGEX_META.search(text):
            return None
        return re.sub(r"\\(.)", r"\1", text)
    return None  # LocalePrefixPattern and others: a prefix that depends on the request


def _django_patterns(patterns: Any, prefix: str, depth: int) -> Iterator[str]:
    from django.urls import URLPattern, URLResolver

    if depth > MAX_DEPTH:
        return
    for entry in patterns:
        literal = _django_literal(entry.pattern)
        if literal is None:
            continue
        if isinstance(entry, URLResolver):
            try:
                inner = entry.url_patterns
            except Exception:  # an include() of a module that does not import: skipped
                continue
            yield from _django_patterns(inner, prefix + literal, depth + 1)
        elif isinstance(entry, URLPattern):
            yield prefix + literal
