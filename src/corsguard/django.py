"""Django integration: a middleware configured by ``settings.CORSGUARD``, with system checks.

settings.py::

    INSTALLED_APPS = [..., "corsguard.django.CORSGuardConfig"]   # system checks
    MIDDLEWARE = ["corsguard.django.CORSGuardMiddleware", ...]    # first, or nearly
    CORSGUARD = {"allow_origins": ["https://app.example.com"], "allow_credentials": True}

The keys of ``CORSGUARD`` are the keyword options of `corsguard.Policy` (``routes`` maps
path prefixes to dicts of their own); it may also be a `corsguard.Policy`. The middleware
is sync and async capable, so it runs without thread hops under WSGI and ASGI. It answers
preflights and refusals itself, and adds CORS headers to every other response, through
`corsguard.engine`. ``manage.py check`` reports every configuration problem with an id:

- corsguard.E001  settings.CORSGUARD is not set
- corsguard.E002  settings.CORSGUARD is neither a dict nor a corsguard.Policy
- corsguard.E003  an unknown option (with a "did you mean")
- corsguard.E004  an option of the wrong type
- corsguard.E005  a value the policy refuses (unsafe or invalid)
- corsguard.E006  allow_origins is missing
- corsguard.E009  settings.CORSGUARD is not set, and a django-cors-headers setting is
                  (CORS_ALLOWED_ORIGINS...): what to write in settings.CORSGUARD instead
- corsguard.E008  development_origins with CORSGUARD_ENV=development while DEBUG is False
                  (or CORSGUARD_ENV is neither development nor production)
- corsguard.W001  a policy warning
- corsguard.W002  the middleware is not in settings.MIDDLEWARE
- corsguard.W003  the middleware comes after CommonMiddleware
- corsguard.W004  django-cors-headers' middleware is also installed, below corsguard's
- corsguard.E010  django-cors-headers' middleware is listed above corsguard's (it would
                  decide the response; the middleware refuses to start too)
- corsguard.E007  settings.CORSGUARD_REPORT_ONLY is not True or False
- corsguard.W005  a django-cors-headers setting (CORS_*) is left beside settings.CORSGUARD

``settings.CORSGUARD_REPORT_ONLY = True`` observes instead of enforcing (issue #14,
`corsguard.report_only`): the app's own CORS handling (django-cors-headers, say) answers,
and each request where the policy would decide differently is logged. W004 is then not
reported: the other middleware is what is being observed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.apps import AppConfig  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]
from django.core import checks  # type: ignore[import-untyped]
from django.core.exceptions import ImproperlyConfigured  # type: ignore[import-untyped]
from django.http import HttpRequest, HttpResponse  # type: ignore[import-untyped]

from corsguard import foreign
from corsguard.config import Problem, mapping_policy_and_problems
from corsguard.engine import Decision, decide
from corsguard.observe import start, wsgi_answer
from corsguard.policy import Policy, PolicyError
from corsguard.problems import SETTINGS_DICT
from corsguard.response import immediate_response
from corsguard.startup import development_mode, log_policy, policy_in_force
from corsguard.wsgi import (
    apply_to_headers,
    environ_headers,
    environ_raw_path,
)

SETTING = "CORSGUARD"
REPORT_ONLY_SETTING = "CORSGUARD_REPORT_ONLY"
SOURCE = f"settings.{SETTING}"
MIDDLEWARE_PATH = "corsguard.django.CORSGuardMiddleware"
COMMON_MIDDLEWARE = "django.middleware.common.CommonMiddleware"
CORSHEADERS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
DOCS_HINT = "See the Django section of corsguard's docs/deployment.md."

_CHECK_IDS = {
    "missing": "corsguard.E006",
    "unknown": "corsguard.E003",
    "type": "corsguard.E004",
    "policy": "corsguard.E005",
}


def foreign_settings() -> list[str]:
    """django-cors-headers' (and flask-cors') CORS_* settings, each with what to write.

    corsguard reads settings.CORSGUARD only; a CORS_ALLOWED_ORIGINS left from a migration
    would otherwise look as if it still did something.
    """
    found: list[str] = []
    for name in dir(settings):
        entry = foreign.lookup(name) if name.startswith("CORS_") else None
        if entry is None:
            continue
        lead = f"settings.{name} is not read by corsguard"
        answer = foreign.foreign_problem(entry, getattr(settings, name), lead, "settings")
        found.append(f"{answer.render(SETTINGS_DICT)} in {SOURCE}")
    return found


def _settings_policy() -> tuple[Policy | None, list[checks.CheckMessage]]:
    """The policy from settings.CORSGUARD, or the check errors that explain why not."""
    if not hasattr(settings, SETTING):
        return None, [
            checks.Error(
                f"{SOURCE} is not set: corsguard's middleware needs a policy, e.g. "
                f"CORSGUARD = {{'allow_origins': ['https://app.example.com']}}",
                hint=DOCS_HINT,
                id="corsguard.E001",
            ),
            *(checks.Error(text, id="corsguard.E009") for text in foreign_settings()),
        ]
    value = getattr(settings, SETTING)
    if not isinstance(value, (Mapping, Policy)):
        return None, [
            checks.Error(
                f"{SOURCE} must be a dict of corsguard.Policy options or a corsguard.Policy, "
                f"not {type(value).__name__}",
                hint=DOCS_HINT,
                id="corsguard.E002",
            )
        ]
    policy, problems = mapping_policy_and_problems(value, SOURCE, toml=False)
    return policy, [_error(problem) for problem in problems]


def _production_reason() -> str | None:
    """Why this Django process looks like production: DEBUG is off (Django's deployment
    checklist requires it there). Development origins are then refused, not granted."""
    return None if getattr(settings, "DEBUG", False) else "settings.DEBUG is False"


def _development_checks(policy: Policy) -> list[checks.CheckMessage]:
    """corsguard.E008: the development switch is on (or mistyped) where it must not be."""
    if not policy.has_development_origins():
        return []
    try:
        if not development_mode():
            return []
        policy_in_force(policy, production=_production_reason())
    except PolicyError as exc:
        return [checks.Error(text, hint=DOCS_HINT, id="corsguard.E008") for text in exc.problems]
    return []


def _error(problem: Problem) -> checks.CheckMessage:
    return checks.Error(problem.text, id=_CHECK_IDS.get(problem.code, "corsguard.E005"))


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django system check: settings.CORSGUARD and the middleware's place in MIDDLEWARE."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or ())
    messages: list[checks.CheckMessage] = []
    if MIDDLEWARE_PATH not in middleware:
        messages.append(
            checks.Warning(
                f"{MIDDLEWARE_PATH} is not in settings.MIDDLEWARE, so no CORS policy is enforced",
                hint=f"Add '{MIDDLEWARE_PATH}' at the top of MIDDLEWARE.",
                id="corsguard.W002",
            )
        )
        if not hasattr(settings, SETTING):
            return messages
    else:
        position = middleware.index(MIDDLEWARE_PATH)
        if COMMON_MIDDLEWARE in middleware[:position]:
            messages.append(
                checks.Warning(
                    f"{MIDDLEWARE_PATH} comes after {COMMON_MIDDLEWARE}, which can answer a "
                    "preflight with a redirect (APPEND_SLASH) before corsguard sees it",
                    hint=f"Move '{MIDDLEWARE_PATH}' above it, ideally to the top of MIDDLEWARE.",
                    id="corsguard.W003",
                )
            )
    report_only = getattr(settings, REPORT_ONLY_SETTING, False)
    if not isinstance(report_only, bool):
        messages.append(
            checks.Error(
                f"settings.{REPORT_ONLY_SETTING} must be True or False, not {report_only!r}",
                id="corsguard.E007",
            )
        )
    outer = _outer_corsheaders(middleware)
    if outer is not None and report_only is not True:
        messages.append(checks.Error(outer, id="corsguard.E010"))
    elif CORSHEADERS_MIDDLEWARE in middleware and report_only is not True:
        messages.append(
            checks.Warning(
                f"{CORSHEADERS_MIDDLEWARE} is also in settings.MIDDLEWARE: it would add CORS "
                "headers that corsguard's policy did not decide",
                hint="Remove it (and its CORS_* settings) once settings.CORSGUARD is in place.",
                id="corsguard.W004",
            )
        )
    policy, errors = _settings_policy()
    messages.extend(errors)
    if hasattr(settings, SETTING):
        messages.extend(
            checks.Warning(text, id="corsguard.W005", hint="Remove it.")
            for text in foreign_settings()
        )
    if policy is not None:
        messages.extend(
            checks.Warning(f"{SOURCE}: {text}", id="corsguard.W001") for text in _warnings(policy)
        )
        messages.extend(_development_checks(policy))
    return messages


def _outer_corsheaders(middleware: list[str]) -> str | None:
    """Why django-cors-headers above corsguard in MIDDLEWARE is refused, or None.

    Django calls middleware top-down on the way in and bottom-up on the way out, so one
    listed above corsguard's answers preflights before corsguard sees them and adds its
    headers after corsguard has decided (Django docs, "Middleware order and layering").
    corsguard cannot strip them there, so a leftover would decide the response (issue #10).
    """
    if CORSHEADERS_MIDDLEWARE not in middleware or MIDDLEWARE_PATH not in middleware:
        return None
    if middleware.index(CORSHEADERS_MIDDLEWARE) > middleware.index(MIDDLEWARE_PATH):
        return None
    return (
        f"{CORSHEADERS_MIDDLEWARE} is listed above {MIDDLEWARE_PATH} in settings.MIDDLEWARE: "
        "it answers preflights before corsguard sees them and adds its own CORS headers "
        "after corsguard's, so django-cors-headers, not settings.CORSGUARD, would decide "
        "the response. Remove it (and its CORS_* settings) now that settings.CORSGUARD is in "
        "place, or set CORSGUARD_REPORT_ONLY = True to observe it"
    )


def _warnings(policy: Policy) -> Iterable[str]:
    yield from policy.warnings
    for prefix, sub in policy.routes.items():
        yield from (f"routes[{prefix!r}]: {text}" for text in sub.warnings)


checks.register(check_settings, checks.Tags.security)


class CORSGuardConfig(AppConfig):  # type: ignore[misc]
    """Add ``"corsguard.django.CORSGuardConfig"`` to INSTALLED_APPS for ``manage.py check``."""

    name = "corsguard"
    label = "corsguard"
    verbose_name = "corsguard (CORS)"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        checks.register(check_settings, checks.Tags.security)


def load_policy() -> Policy:
    """The policy of settings.CORSGUARD; raises ImproperlyConfigured listing every problem."""
    policy, errors = _settings_policy()
    if policy is None:
        lines = "\n".join(f"  - [{error.id}] {error.msg}" for error in errors)
        raise ImproperlyConfigured(f"invalid {SOURCE} ({len(errors)} problem(s)):\n{lines}")
    return policy


def _raw_path(policy: Policy, request: HttpRequest) -> str | None:
    raw_path: str | None = None
    if policy.compiled.paths is not None:
        scope = getattr(request, "scope", None)  # an ASGIRequest
        if scope is not None:
            raw = scope.get("raw_path")
            if isinstance(raw, bytes) and b"%" in raw:
                raw_path = raw.decode("latin-1")
        else:
            raw_path = environ_raw_path(request.META)
    return raw_path


def _decide(policy: Policy, request: HttpRequest) -> Decision:
    # path_info, not path: Django's URL resolver matches the path below SCRIPT_NAME (or
    # the ASGI root_path), decoded as UTF-8.
    return decide(
        policy,
        request.method or "GET",
        request.path_info or "/",
        environ_headers(request.META),
        request.scheme or "http",
        raw_path=_raw_path(policy, request),
    )


def _respond(decision: Decision) -> HttpResponse:
    """An allowed preflight (204) or a refusal (403), answered without calling the view."""
    answer = immediate_response(decision)
    response = HttpResponse(answer.body, status=answer.status)
    if not answer.has_body:
        del response["Content-Type"]  # Django adds one to every response
    for name, value in answer.str_headers():
        response[name] = value
    return response


def _apply(response: HttpResponse, decision: Decision) -> None:
    """Replace the view's Access-Control-* headers with the decision's, and merge Vary."""
    apply_to_headers(response, decision)


class CORSGuardMiddleware:
    """Enforce settings.CORSGUARD on every request, under WSGI or ASGI."""

    sync_capable = True
    async_capable = True

    def __new__(cls, get_response: Any) -> CORSGuardMiddleware:
        # settings.CORSGUARD_REPORT_ONLY builds the observing subclass, so that the
        # enforcing __call__ has no branch for it (issue #14).
        if cls is CORSGuardMiddleware and getattr(settings, REPORT_ONLY_SETTING, False) is True:
            return object.__new__(ReportOnlyMiddleware)
        return object.__new__(cls)

    def __init__(
        self, get_response: Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]
    ) -> None:
        self.get_response = get_response
        self.policy = load_policy()
        report_only = getattr(settings, REPORT_ONLY_SETTING, False)
        if not isinstance(report_only, bool):
            raise ImproperlyConfigured(
                f"settings.{REPORT_ONLY_SETTING} must be True or False, not {report_only!r}"
            )
        try:
            self.policy = policy_in_force(self.policy, production=_production_reason())
        except PolicyError as exc:
            raise ImproperlyConfigured(str(exc)) from None
        outer = _outer_corsheaders(list(getattr(settings, "MIDDLEWARE", None) or ()))
        if outer is not None and not report_only:
            # WSGI and ASGI servers run no system checks: refused here too (corsguard.E010).
            raise ImproperlyConfigured(f"[corsguard.E010] {outer}")
        self._start()
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            # Django then calls this middleware without a thread hop (Django docs,
            # "Asynchronous support" in the middleware topic).
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        decision = _decide(self.policy, request)
        if decision.status is not None:
            return _respond(decision)
        response = self.get_response(request)
        if decision.headers or decision.vary:
            _apply(response, decision)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        decision = _decide(self.policy, request)
        if decision.status is not None:
            return _respond(decision)
        response = await self.get_response(request)
        if decision.headers or decision.vary:
            _apply(response, decision)
        return response

    def _start(self) -> None:
        log_policy(self.policy)


class ReportOnlyMiddleware(CORSGuardMiddleware):
    """The middleware with ``settings.CORSGUARD_REPORT_ONLY = True``: the view's response,
    and whatever other middleware made of it, is returned as it is; each request where the
    policy would decide differently is logged (`corsguard.report_only`)."""

    def _start(self) -> None:
        self.observer = start(self.policy)

    def _observe(self, request: HttpRequest) -> tuple[Decision, list[tuple[bytes, bytes]], Any]:
        headers = environ_headers(request.META)
        raw_path = _raw_path(self.policy, request)
        decision = self.observer.decide(
            request.method or "GET",
            request.path_info or "/",
            headers,
            request.scheme or "http",
            raw_path=raw_path,
        )
        return decision, headers, raw_path

    def _report(self, seen: tuple[Decision, list[tuple[bytes, bytes]], Any], response: Any) -> None:
        decision, headers, raw_path = seen
        answer = wsgi_answer(f"{response.status_code:03d}", response.items())
        self.observer.report(decision, answer, headers, raw_path)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        seen = self._observe(request)
        response = self.get_response(request)
        self._report(seen, response)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        seen = self._observe(request)
        response = await self.get_response(request)
        self._report(seen, response)
        return response
