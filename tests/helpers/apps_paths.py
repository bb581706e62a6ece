"""Apps for tests/enforce/test_path_servers.py, importable by a gunicorn subprocess.

Each has the same handlers, each answering ``<name> handler ran``: ``/files/<path>``
(a handler with a path parameter, the target of the encoded-slash bypass),
``/webhooks/<path>`` (exempt from write protection), ``/admin/<path>`` (a stricter route),
``/café/<path>`` (a public route with a non-ASCII name) and a catch-all. corsguard guards
them as a Flask extension (`flask_ext`), as WSGI middleware around Flask (`flask_wsgi`), or
as Django middleware (`django_app` for WSGI, `django_asgi` for ASGI, with this module as
their settings and URLconf).
"""

from __future__ import annotations

from typing import Any

TRUSTED = "https://app.example.test"
PARTNER = "https://partner.example.test"
EVIL = "https://evil.attacker.test"

OPTIONS: dict[str, Any] = {
    "allow_origins": [TRUSTED, PARTNER],
    "allow_methods": ["GET", "POST"],
    "allow_credentials": True,
    "write_protection_exempt_paths": ["/webhooks"],
    "routes": {
        "/admin": {"allow_origins": [TRUSTED], "allow_credentials": True},
        "/café": {"allow_origins": ["*"]},
    },
}
HANDLERS = ("files", "webhooks", "admin", "café")


def _flask() -> Any:
    from flask import Flask

    app = Flask(__name__)

    def handler(name: str) -> Any:
        def view(rest: str = "") -> str:
            return f"{name} handler ran"

        view.__name__ = f"view_{len(app.view_functions)}"
        return view

    for name in HANDLERS:
        app.add_url_rule(f"/{name}/<path:rest>", view_func=handler(name), methods=["GET", "POST"])
    app.add_url_rule("/<path:rest>", view_func=handler("catch-all"), methods=["GET", "POST"])
    return app


def _flask_extension() -> Any:
    from corsguard import Policy
    from corsguard.flask import CORSGuard

    app = _flask()
    routes = {prefix: Policy(**sub) for prefix, sub in OPTIONS["routes"].items()}
    CORSGuard(app, policy=Policy(**{**OPTIONS, "routes": routes}))
    return app


def _flask_wsgi() -> Any:
    from corsguard import Policy
    from corsguard.wsgi import CORSMiddleware

    routes = {prefix: Policy(**sub) for prefix, sub in OPTIONS["routes"].items()}
    return CORSMiddleware(_flask(), policy=Policy(**{**OPTIONS, "routes": routes}))


def __getattr__(name: str) -> Any:
    # Built on first use, so that importing this module for Django settings needs no Flask.
    if name == "flask_ext":
        return _flask_extension()
    if name == "flask_wsgi":
        return _flask_wsgi()
    if name == "django_app":
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
    if name == "django_asgi":
        from django.core.asgi import get_asgi_application

        return get_asgi_application()
    if name == "urlpatterns":  # read by Django's resolver once settings are loaded
        return _django_urlpatterns()
    raise AttributeError(name)


# --- Django settings and URLconf (DJANGO_SETTINGS_MODULE=tests.helpers.apps_paths) -----------

SECRET_KEY = "corsguard-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware"]
ROOT_URLCONF = __name__
USE_TZ = True
CORSGUARD = OPTIONS


def _django_urlpatterns() -> list[Any]:
    import re

    from django.http import HttpRequest, HttpResponse
    from django.urls import re_path

    def handler(name: str) -> Any:
        def view(request: HttpRequest, rest: str = "") -> HttpResponse:
            return HttpResponse(f"{name} handler ran".encode())

        return view

    patterns = [re_path(rf"^{re.escape(name)}/(?P<rest>.*)\Z", handler(name)) for name in HANDLERS]
    return [*patterns, re_path(r"^(?P<rest>.*)\Z", handler("catch-all"))]
