"""Flask integration: the `CORSGuard` extension, with per-blueprint policies.

::

    app.config["CORSGUARD"] = {"allow_origins": ["https://app.example.com"]}
    app.config["CORSGUARD_BLUEPRINTS"] = {"public": {"allow_origins": ["*"]}}
    cors = CORSGuard(app)            # or: cors = CORSGuard(); cors.init_app(app)

    cors.blueprint_policy(api_bp, Policy(allow_origins=[...], allow_credentials=True))

The keys are the keyword options of `corsguard.Policy`; either setting may also hold a
`corsguard.Policy`. A request routed to a blueprint with a policy of its own is decided by
that policy (the innermost one for nested blueprints); every other request by the app's
policy. Hooks run first among before_request functions, so a refusal or an allowed
preflight is answered before any other hook or view; after_request adds the headers to
every response, error pages included.

Whatever else adds CORS headers (a leftover flask-cors ``CORS(app)``, whose after_request
function and exception-handler wrappers may run after corsguard's, depending on the order
of registration), the decision is applied once more by a thin WSGI layer around
``app.wsgi_app``, so the headers that leave are the policy's alone. A flask-cors leftover
is named in a warning at start-up (or at the first request, if it was registered later).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from corsguard import foreign
from corsguard.config import SOURCE_OPTIONS, did_you_mean, mapping_policy_and_problems
from corsguard.engine import Decision, decide
from corsguard.observe import report_only_flag, start, wsgi_answer
from corsguard.policy import Policy, PolicyError
from corsguard.problems import SETTINGS_DICT
from corsguard.report_only import Observer
from corsguard.response import immediate_response
from corsguard.spec import ACCESS_CONTROL_PREFIX
from corsguard.startup import log_policy, policy_in_force
from corsguard.wsgi import (
    apply_to_headers,
    environ_headers,
    environ_raw_path,
    merge_into,
)

CONFIG_KEY = "CORSGUARD"
BLUEPRINTS_KEY = "CORSGUARD_BLUEPRINTS"
REPORT_ONLY_KEY = "CORSGUARD_REPORT_ONLY"
EXTENSION_KEY = "corsguard"
_ENVIRON_KEY = "corsguard.decision"
_OBSERVED_KEY = "corsguard.observed"
FLASK_CORS_MODULE = "flask_cors"

logger = logging.getLogger("corsguard")


def _to_policy(value: object, source: str) -> Policy:
    if isinstance(value, Policy):
        return policy_in_force(value, source)
    if not isinstance(value, Mapping):
        raise PolicyError(
            [f"{source} must be a dict of corsguard.Policy options or a corsguard.Policy, "
             f"not {type(value).__name__}"]
        )  # fmt: skip
    policy, problems = mapping_policy_and_problems(value, source, toml=False)
    if policy is None:
        raise PolicyError(problem.text for problem in problems)
    return policy_in_force(policy, source)


def _keyword_error(where: str, unknown: Mapping[str, object]) -> PolicyError:
    """CORSGuard(app, origins=...) as flask-cors' CORS(app, origins=...) is written."""
    problems: list[str] = []
    how = (
        f"; CORSGuard takes its options in app.config[{CONFIG_KEY!r}] or "
        "policy=corsguard.Policy(...)"
    )
    for name, value in unknown.items():
        lead = f"{where}(): unknown keyword {name!r}"
        entry = foreign.lookup(name)
        if entry is not None:
            problems.append(foreign.foreign_problem(entry, value, lead, "python").render() + how)
        elif name in SOURCE_OPTIONS:
            problems.append(f"{lead}: pass policy=Policy({name}=...) or set it in app.config"
                            f"[{CONFIG_KEY!r}]")  # fmt: skip
        else:
            hint = did_you_mean(name, [*SOURCE_OPTIONS, "policy", "report_only"])
            problems.append(f"{lead}:{hint or ' it takes app, policy and report_only'}{how}")
    return PolicyError(problems)


def _foreign_config(app: Flask) -> list[str]:
    """flask-cors' (and django-cors-headers') CORS_* keys in app.config, with their answers."""
    found: list[str] = []
    for key in list(app.config):
        entry = foreign.lookup(key) if isinstance(key, str) else None
        if entry is None or not key.upper().startswith("CORS_"):
            continue
        lead = f"app.config[{key!r}] is not read by corsguard"
        answer = foreign.foreign_problem(entry, app.config[key], lead, "settings")
        found.append(f"{answer.render(SETTINGS_DICT)} in app.config[{CONFIG_KEY!r}]")
    return found


@dataclass
class _AppState:
    policy: Policy | None
    blueprints: dict[str, Policy]
    extension: CORSGuard
    checked_names: bool = False
    unknown: list[str] = field(default_factory=list)
    warned_flask_cors: bool = False
    # Report-only mode (issue #14): one observer per policy, by id.
    report_only: bool = False
    observers: dict[int, Observer] = field(default_factory=dict)


class CORSGuard:
    """Enforce a `corsguard.Policy` on a Flask app, with optional per-blueprint policies."""

    def __init__(
        self,
        app: Flask | None = None,
        policy: Policy | None = None,
        report_only: bool | None = None,
        **unknown: object,
    ) -> None:
        if unknown:
            raise _keyword_error("CORSGuard", unknown)
        if policy is not None and not isinstance(policy, Policy):
            raise TypeError(f"policy must be a corsguard.Policy, not {type(policy).__name__}")
        self.policy = None if policy is None else policy_in_force(policy)
        # None: app.config[REPORT_ONLY_KEY] decides (default False).
        self.report_only = (
            None if report_only is None else report_only_flag(report_only, "report_only")
        )
        self._blueprints: dict[str, Policy] = {}
        if app is not None:
            self.init_app(app)

    def blueprint_policy(
        self, blueprint: Blueprint | str, policy: Policy | Mapping[str, Any]
    ) -> None:
        """Decide requests routed to ``blueprint`` (a Blueprint or its name) by ``policy``."""
        name = blueprint if isinstance(blueprint, str) else blueprint.name
        self._blueprints[name] = _to_policy(policy, f"blueprint_policy({name!r})")

    def init_app(self, app: Flask, **unknown: object) -> None:
        """Read app.config, validate it (raising PolicyError) and install the hooks."""
        if unknown:
            raise _keyword_error("init_app", unknown)
        policy = self.policy
        configured = app.config.get(CONFIG_KEY)
        foreign_keys = _foreign_config(app)
        if configured is not None:
            if policy is not None:
                raise PolicyError(
                    [f"both CORSGuard(policy=...) and app.config[{CONFIG_KEY!r}] are set: "
                     "keep one, so that it is clear which policy is in force"]
                )  # fmt: skip
            policy = _to_policy(configured, f"app.config[{CONFIG_KEY!r}]")
        blueprints = dict(self._blueprints)
        raw_blueprints = app.config.get(BLUEPRINTS_KEY)
        if raw_blueprints is not None:
            if not isinstance(raw_blueprints, Mapping):
                raise PolicyError(
                    [f"app.config[{BLUEPRINTS_KEY!r}] must map blueprint names to policies, "
                     f"not {type(raw_blueprints).__name__}"]
                )  # fmt: skip
            problems: list[str] = []
            for name, value in raw_blueprints.items():
                source = f"app.config[{BLUEPRINTS_KEY!r}][{name!r}]"
                if name in blueprints:
                    problems.append(f"{source}: blueprint_policy() already set a policy for it")
                    continue
                try:
                    blueprints[str(name)] = _to_policy(value, source)
                except PolicyError as exc:
                    problems.extend(exc.problems)
            if problems:
                raise PolicyError(problems)
        if policy is None and not blueprints:
            raise PolicyError(
                [f"no CORS policy: set app.config[{CONFIG_KEY!r}] = "
                 "{'allow_origins': ['https://app.example.com']} or pass CORSGuard(app, "
                 "policy=Policy(...))", *foreign_keys]
            )  # fmt: skip
        for text in foreign_keys:
            # A leftover flask-cors setting changes nothing here; said once, at start-up.
            logger.warning("corsguard: %s", text)
        report_only = self.report_only
        if report_only is None:
            report_only = app.config.get(REPORT_ONLY_KEY, False)
            if not isinstance(report_only, bool):
                raise PolicyError(
                    [f"app.config[{REPORT_ONLY_KEY!r}] must be True or False, "
                     f"not {report_only!r}"]
                )  # fmt: skip
        state = _AppState(policy, blueprints, self)
        app.extensions[EXTENSION_KEY] = state
        if report_only:
            # Blueprint policies set with blueprint_policy() after init_app are observed
            # too: _observe() creates their observer at the first request.
            state.report_only = True
            state.warned_flask_cors = True  # the app's own CORS is what is observed
            if policy is not None:
                state.observers[id(policy)] = start(policy)
            for name, sub in blueprints.items():
                state.observers[id(sub)] = start(sub, f"blueprint {name}")
        else:
            if policy is not None:
                log_policy(policy)
            for name, sub in blueprints.items():
                log_policy(sub, f"blueprint {name}")
        # First among the app-wide before_request functions: a refusal must come before
        # any other hook (an auth check, say) can run or answer without CORS headers.
        app.before_request_funcs.setdefault(None, []).insert(0, _before_request)
        app.after_request(_after_request)
        layer = app.wsgi_app
        if not isinstance(layer, _FinalCORSHeaders):
            layer = _FinalCORSHeaders(app.wsgi_app)
            app.wsgi_app = layer  # type: ignore[method-assign]
        layer.report_only = bool(report_only)
        _warn_flask_cors(app, state)

    def policy_for(self, app: Flask, blueprints: list[str]) -> Policy | None:
        state: _AppState = app.extensions[EXTENSION_KEY]
        # Blueprint policies registered after init_app are read from the extension too.
        for name in blueprints:
            sub = state.blueprints.get(name) or self._blueprints.get(name)
            if sub is not None:
                return sub
        return state.policy


class _FinalCORSHeaders:
    """The outermost WSGI layer: applies the request's decision to the final headers.

    Flask runs after_request functions in reverse order of registration, and flask-cors
    also wraps ``handle_exception`` to add headers after every hook has run; so only the
    headers passed to the server's start_response are sure to be the last word.

    A response corsguard never decided (a hook registered ahead of corsguard's answered, a
    url_value_preprocessor aborted, or no policy covers the route) leaves without any
    Access-Control-* header: otherwise a leftover flask-cors hook, which runs on every
    response, would grant it (issue #10: a leftover must never decide the response).
    Report-only mode changes nothing, so there the headers are left as they are.
    """

    def __init__(self, wsgi_app: Callable[[dict[str, Any], Any], Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app
        self.report_only = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start_with_policy(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            decision: Decision | None = environ.get(_ENVIRON_KEY)
            if decision is not None:
                headers = merge_into(headers, decision)
            else:
                observed: _Observed | None = environ.pop(_OBSERVED_KEY, None)
                if observed is not None:
                    # Report-only: the final headers, left as they are.
                    observer, seen, request_headers, raw_path = observed
                    answer = wsgi_answer(status, headers)
                    observer.report(seen, answer, request_headers, raw_path)
                elif not self.report_only:
                    headers = [
                        (name, value)
                        for name, value in headers
                        if not name.lower().startswith(ACCESS_CONTROL_PREFIX)
                    ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_with_policy)


def _flask_cors_hooks(app: Flask) -> list[str]:
    """Where flask-cors is installed on ``app``: "the app", or blueprint names."""
    places: list[str] = []
    for name, functions in app.after_request_funcs.items():
        if any(getattr(f, "__module__", "").startswith(FLASK_CORS_MODULE) for f in functions):
            places.append("the app" if name is None else f"blueprint {name!r}")
    return places


def _warn_flask_cors(app: Flask, state: _AppState) -> None:
    """Name a leftover flask-cors, as corsguard.W004 does for django-cors-headers."""
    if state.warned_flask_cors:
        return
    places = _flask_cors_hooks(app)
    if not places:
        return
    state.warned_flask_cors = True
    logger.warning(
        "corsguard: flask-cors (CORS(...)) is also installed on %s of Flask app %r: corsguard "
        "replaces its Access-Control-* headers on every response it decides; remove "
        "CORS(...), @cross_origin and the CORS_* settings now that CORSGuard is in place",
        ", ".join(places),
        app.name,
    )


def _check_blueprint_names(app: Flask, state: _AppState) -> None:
    """A policy for a blueprint name that does not exist would never apply: fail loudly.

    Checked at the first request, once every blueprint has been registered.
    """
    _warn_flask_cors(app, state)
    names = set(state.blueprints) | set(state.extension._blueprints)
    unknown = sorted(name for name in names if name not in app.blueprints)
    state.checked_names = True
    if unknown:
        problems = [
            f"a policy is set for blueprint {name!r}, which the app does not have:"
            + (did_you_mean(name, list(app.blueprints)) or f" blueprints: {sorted(app.blueprints)}")
            for name in unknown
        ]
        state.unknown = problems
    if state.unknown:
        raise PolicyError(state.unknown)


def _before_request() -> Response | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: _AppState = app.extensions[EXTENSION_KEY]
    if not state.checked_names or state.unknown:
        _check_blueprint_names(app, state)
    policy = state.extension.policy_for(app, list(request.blueprints))
    if policy is None:
        return None
    if state.report_only:
        _observe(state, policy)
        return None
    # request.path is what Flask's router matches: below SCRIPT_NAME, decoded as UTF-8.
    decision = decide(
        policy,
        request.method,
        request.path,
        environ_headers(request.environ),
        request.scheme,
        raw_path=None if policy.compiled.paths is None else environ_raw_path(request.environ),
    )
    request.environ[_ENVIRON_KEY] = decision
    if decision.status is None:
        return None
    answer = immediate_response(decision)
    # No body at all for a 204, or Werkzeug would add Content-Length: 0.
    body = answer.body if answer.has_body else None
    response = Response(body, status=answer.status, headers=answer.str_headers())
    if not answer.has_body:
        response.headers.remove("Content-Type")  # Werkzeug adds one to every response
    return response


_Observed = tuple[Observer, Decision, list[tuple[bytes, bytes]], "str | None"]


def _observe(state: _AppState, policy: Policy) -> None:
    """Report-only: decide as the policy would, for _FinalCORSHeaders to compare."""
    observer = state.observers.get(id(policy))
    if observer is None:
        # A policy set with blueprint_policy() after init_app: announced at first use.
        names = [n for n, p in state.extension._blueprints.items() if p is policy]
        where = f"blueprint {names[0]}" if names else ""
        observer = state.observers[id(policy)] = start(policy, where)
    headers = environ_headers(request.environ)
    raw_path = None if policy.compiled.paths is None else environ_raw_path(request.environ)
    decision = observer.decide(
        request.method, request.path, headers, request.scheme, raw_path=raw_path
    )
    request.environ[_OBSERVED_KEY] = (observer, decision, headers, raw_path)


def _after_request(response: Response) -> Response:
    decision: Decision | None = request.environ.get(_ENVIRON_KEY)
    if decision is None or decision.status is not None:
        return response
    apply_to_headers(response.headers, decision)
    return response
