"""Loading a web app from ``MODULE:ATTR`` and finding corsguard's policy inside it.

``corsguard explain --app main:app`` imports ``main`` the way uvicorn and gunicorn do (the
current directory first on ``sys.path``, so a project's own module is found without
installing it), takes its ``app`` attribute, and looks for the policy corsguard enforces
there: a corsguard.asgi / corsguard.wsgi CORSMiddleware in the middleware stack, the Flask
CORSGuard extension (with its blueprint policies), or Django's ``settings.CORSGUARD`` when
corsguard's Django middleware is installed.

Importing the module runs the user's code: that is what the user asked for (their app),
and any exception it raises becomes one :class:`AppLoadError` line, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

from corsguard.policy import Policy

__all__ = ["AppLoadError", "FoundPolicy", "find_policy", "load_app"]

# How deep to follow ``.app`` / ``.wsgi_app`` links: real stacks are a dozen layers at
# most; the bound stops a cycle (a middleware that points at itself).
MAX_DEPTH = 64


class AppLoadError(ValueError):
    """The app could not be loaded; the message is one actionable line."""


@dataclass(frozen=True)
class FoundPolicy:
    """The policy corsguard enforces for one request, and where it was found."""

    policy: Policy
    source: str


def load_app(spec: str, *, app_dir: str | None = None) -> Any:
    """Import ``MODULE`` and return its ``ATTR`` (dotted attributes allowed, as uvicorn).

    ``app_dir`` (default: the current directory) goes first on ``sys.path``, as uvicorn's
    ``--app-dir`` does, so that ``main:app`` finds ./main.py.
    """
    module_name, sep, attr = spec.partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not sep or not module_name or not attr:
        raise AppLoadError(
            f"--app {spec!r}: expected MODULE:ATTR, e.g. main:app or myproject.asgi:application"
        )
    directory = os.path.abspath(app_dir or os.getcwd())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        if module_name == missing or module_name.startswith(missing + "."):
            raise AppLoadError(
                f"--app {spec!r}: no module named {missing!r} (looked in {directory} and "
                "sys.path; run from the project's directory)"
            ) from None
        raise AppLoadError(
            f"--app {spec!r}: importing {module_name!r} failed: it needs the module "
            f"{missing!r}, which is not installed"
        ) from None
    except BaseException as exc:  # the user's module may raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise AppLoadError(_failed(spec, f"importing {module_name!r}", exc)) from None
    value: Any = module
    for part in attr.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise AppLoadError(
                f"--app {spec!r}: module {module_name!r} has no attribute {attr!r}"
            ) from None
        except Exception as exc:  # a module __getattr__ that builds the app and raises
            raise AppLoadError(_failed(spec, f"loading {attr!r}", exc)) from None
    if not callable(value):
        raise AppLoadError(
            f"--app {spec!r}: {attr} is a {type(value).__name__}, not an ASGI or WSGI app"
        )
    return value


def _failed(spec: str, what: str, exc: BaseException) -> str:
    text = f"--app {spec!r}: {what} failed: {type(exc).__name__}: {exc}"[:500]
    if type(exc).__name__ == "ImproperlyConfigured" and "DJANGO_SETTINGS_MODULE" in str(exc):
        # Django's project wsgi.py/asgi.py set the variable themselves; a module that
        # builds the handler directly needs it from the environment.
        text += (
            "; Django needs its settings: set DJANGO_SETTINGS_MODULE (e.g. "
            "DJANGO_SETTINGS_MODULE=mysite.settings), or give the project's own "
            "mysite.wsgi:application or mysite.asgi:application, which set it"
        )
    return text


def find_policy(app: Any, path: str = "/", method: str = "GET") -> FoundPolicy | None:
    """corsguard's policy in ``app`` for a request to ``path``, or None when none is found.

    Follows the links middleware keep to the app they wrap (``.app``, Flask's
    ``.wsgi_app``, Starlette's ``user_middleware`` list). Routes inside the policy are not
    resolved here (see engine.route_policy); Flask blueprints are, from the URL map.
    """
    seen: set[int] = set()
    stack = [app]
    while stack and len(seen) < MAX_DEPTH:
        obj = stack.pop(0)
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        found = _policy_of(obj, path, method)
        if found is not None:
            return found
        for name in ("middleware_stack", "app", "wsgi_app", "application", "_app"):
            try:
                inner = getattr(obj, name, None)
            except Exception:  # a property of the user's app that raises: not a link
                inner = None
            if inner is not None and inner is not obj:
                stack.append(inner)
    return None


def _policy_of(obj: Any, path: str, method: str) -> FoundPolicy | None:
    from corsguard.asgi import CORSMiddleware as ASGIMiddleware
    from corsguard.wsgi import CORSMiddleware as WSGIMiddleware

    if isinstance(obj, ASGIMiddleware):
        return FoundPolicy(obj.policy, "corsguard.asgi.CORSMiddleware")
    if isinstance(obj, WSGIMiddleware):
        return FoundPolicy(obj.policy, "corsguard.wsgi.CORSMiddleware")
    # Starlette and FastAPI build the middleware stack on the first request: before that
    # the middleware is only declared, in user_middleware, as Middleware(cls, *args, **kw).
    for declared in getattr(obj, "user_middleware", None) or ():
        cls = getattr(declared, "cls", None)
        if isinstance(cls, type) and issubclass(cls, ASGIMiddleware):
            kwargs = dict(getattr(declared, "kwargs", None) or {})
            args = tuple(getattr(declared, "args", None) or ())
            policy = kwargs.pop("policy", args[0] if args else None)
            if policy is None:
                policy = Policy(**kwargs)
            if isinstance(policy, Policy):
                return FoundPolicy(policy, "corsguard.asgi.CORSMiddleware (app.add_middleware)")
    flask = _flask_policy(obj, path, method)
    if flask is not None:
        return flask
    return _django_policy(obj)


def _flask_policy(obj: Any, path: str, method: str) -> FoundPolicy | None:
    if "flask" not in sys.modules:
        return None
    from flask import Flask

    if not isinstance(obj, Flask):
        return None
    from corsguard.flask import EXTENSION_KEY

    state = obj.extensions.get(EXTENSION_KEY)
    if state is None:
        return None
    blueprints: list[str] = []
    try:
        endpoint, _ = obj.url_map.bind("localhost").match(path, method)
    except Exception:  # no route (404), or a redirect / method error: app-wide policy
        endpoint = None
    if isinstance(endpoint, str) and "." in endpoint:
        # Flask names a nested blueprint's endpoint "parent.child.view"; request.blueprints
        # lists the innermost first, and policy_for takes the first with a policy.
        parts = endpoint.split(".")[:-1]
        blueprints = [".".join(parts[: i + 1]) for i in range(len(parts) - 1, -1, -1)]
    policy = state.extension.policy_for(obj, blueprints)
    if policy is None:
        return None
    # Blueprint policies given after init_app live on the extension (flask.py).
    registered = {**state.extension._blueprints, **state.blueprints}
    chosen = next((b for b in blueprints if registered.get(b) is policy), None)
    where = f" (blueprint {chosen!r})" if chosen else ""
    return FoundPolicy(policy, f"Flask CORSGuard{where}")


def _django_policy(obj: Any) -> FoundPolicy | None:
    if "django" not in sys.modules:
        return None
    from django.core.handlers.asgi import ASGIHandler  # type: ignore[import-untyped]
    from django.core.handlers.wsgi import WSGIHandler  # type: ignore[import-untyped]

    if not isinstance(obj, (ASGIHandler, WSGIHandler)):
        return None
    from django.conf import settings  # type: ignore[import-untyped]

    middleware = list(getattr(settings, "MIDDLEWARE", ()) or ())
    if not any(str(m).startswith("corsguard.django.") for m in middleware):
        return None
    from corsguard.django import load_policy

    try:
        policy = load_policy()
    except Exception as exc:  # ImproperlyConfigured: the settings are wrong; say so
        raise AppLoadError(f"settings.CORSGUARD is not a valid policy: {exc}") from None
    return FoundPolicy(policy, "Django settings.CORSGUARD")
