"""ASGI 3 middleware: a thin translation between ASGI messages and `corsguard.engine`.

Works as ``app.add_middleware(CORSMiddleware, allow_origins=[...])`` in Starlette and
FastAPI, or wrapped around any ASGI app (Django's included). Lifespan and other scope
types pass through untouched.

An invalid policy stops the server at start-up. Built directly, the middleware raises
`corsguard.PolicyError` at once. Built by Starlette or FastAPI, it is built lazily, inside
the first ASGI call (the lifespan startup under uvicorn), where uvicorn's default lifespan
mode would take the exception for "lifespan unsupported" and serve 500s; so there the
middleware keeps the error and answers the lifespan startup with
``lifespan.startup.failed`` and the policy's problems (ASGI lifespan spec), which uvicorn
honours in every lifespan mode. With the lifespan turned off (``--lifespan off``) no start-up
event exists: every request is then answered 500 and the problems are logged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from corsguard import foreign
from corsguard.engine import Decision, decide
from corsguard.policy import Policy, PolicyError
from corsguard.response import immediate_response, merge_response_headers
from corsguard.startup import log_policy, policy_in_force

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")


def _policy(policy: Policy | None, policy_kwargs: dict[str, Any]) -> Policy:
    """The policy a middleware enforces (its development origins only with the switch on)."""
    if policy is None:
        return policy_in_force(Policy(**policy_kwargs))
    if policy_kwargs:
        foreign_names = [name for name in policy_kwargs if foreign.lookup(name) is not None]
        if foreign_names:
            # Other libraries' names get their answer even beside policy= (issue #14).
            raise PolicyError(
                foreign.foreign_problem(
                    entry, policy_kwargs[name], f"unknown option {name!r}", "python"
                )
                for name in foreign_names
                if (entry := foreign.lookup(name)) is not None
            )
        raise TypeError(
            "CORSMiddleware takes either policy=Policy(...) or the policy's options, not both: "
            f"move {', '.join(sorted(policy_kwargs))} into the Policy"
        )
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a corsguard.Policy, not {type(policy).__name__}")
    return policy_in_force(policy)


logger = logging.getLogger("corsguard")

# The method by which Starlette (and FastAPI, which overrides it) builds its middleware
# stack on the first ASGI call: starlette/applications.py, Starlette.build_middleware_stack.
_LAZY_BUILDERS = frozenset({"build_middleware_stack"})
_LAZY_BUILDER_MODULES = ("starlette.", "fastapi.")
# A subclass of the middleware is built as itself, so it cannot observe: said, not ignored.
_NO_REPORT_ONLY = (
    "report_only=True needs corsguard's own CORSMiddleware: {} subclasses it, and would "
    "enforce; subclass corsguard.observe's ReportOnlyASGI or ReportOnlyWSGI instead"
)
_UNCONFIGURED_BODY = b"Internal Server Error: the CORS policy is invalid; see the server log.\n"


def _built_lazily() -> bool:
    """Whether a framework is building this middleware inside an ASGI call.

    Looks a few frames up the stack (the caller of ``__init__`` and its neighbours) for
    Starlette's or FastAPI's ``build_middleware_stack``.
    """
    frame = sys._getframe(2)  # the caller of CORSMiddleware.__init__
    for _ in range(4):
        if frame is None:
            return False
        module = frame.f_globals.get("__name__", "")
        if (
            frame.f_code.co_name in _LAZY_BUILDERS
            and isinstance(module, str)
            and module.startswith(_LAZY_BUILDER_MODULES)
        ):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


class CORSMiddleware:
    """Enforce a `corsguard.Policy` on an ASGI app.

    Raises `corsguard.PolicyError` for an invalid policy, except when Starlette or FastAPI
    builds it lazily (see the module docstring): then ``error`` holds the PolicyError and
    the app refuses to start.
    """

    policy: Policy
    error: PolicyError | None

    # ``app`` is positional-only: Starlette's Middleware/add_middleware type their factory with
    # a positional-only app, and mypy --strict refuses a class whose app could be a keyword.
    def __new__(
        cls, app: ASGIApp, /, policy: Policy | None = None, report_only: Any = False, **kw: Any
    ) -> CORSMiddleware:
        # report_only=True builds corsguard.observe's subclass, so that the enforcing
        # __call__ has no branch for it (issue #14).
        if report_only is not False and cls is CORSMiddleware:
            from corsguard.observe import ReportOnlyASGI

            return object.__new__(ReportOnlyASGI)
        return object.__new__(cls)

    def __init__(
        self,
        app: ASGIApp,
        /,
        policy: Policy | None = None,
        report_only: bool = False,
        **policy_kwargs: Any,
    ) -> None:
        if report_only is not False and not self._observes:
            raise TypeError(_NO_REPORT_ONLY.format(type(self).__name__))
        self.app = app
        self.error = None
        try:
            self.policy = _policy(policy, policy_kwargs)
            self._start()
        except PolicyError as exc:
            if not _built_lazily():
                raise
            # Raising here would reach uvicorn as a lifespan failure that "auto" mode
            # ignores; kept, it is reported through the lifespan protocol instead.
            self.error = exc
            logger.error("corsguard: %s", exc)

    # True in corsguard.observe's report-only subclass.
    _observes = False

    def _start(self) -> None:
        log_policy(self.policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.error is not None:
            await _refuse_to_serve(self.error, scope, receive, send)
            return
        scope_type = scope["type"]
        if scope_type == "http":
            # The common case inlined (no root_path, no per-path rules): two calls fewer.
            path = scope["path"]
            if scope.get("root_path"):
                path = route_path(scope)
            # The scheme is not passed: no rule of the engine compares it (see decide).
            # Without per-path rules the raw path cannot change the decision (route_policy).
            policy = self.policy
            if policy.compiled.paths is None:
                decision = decide(policy, scope["method"], path, scope["headers"])
            else:
                decision = decide(
                    policy,
                    scope["method"],
                    path,
                    scope["headers"],
                    raw_path=self._raw_path(scope),
                )
            if decision.status is not None:
                await _respond(send, decision)
                return

            cors_headers, vary = decision.headers, decision.vary

            # A plain function that hands back send's awaitable: no coroutine of its own
            # per message, and the app awaits what the server gave.
            def send_with_cors(message: Message) -> Awaitable[None]:
                if message["type"] == "http.response.start":
                    # Rewritten in place, as Starlette's own middleware does.
                    message["headers"] = merge_response_headers(
                        message.get("headers", ()), cors_headers, vary
                    )
                return send(message)

            await self.app(scope, receive, send_with_cors)
        elif scope_type == "websocket":
            decision = decide(
                self.policy,
                "GET",
                route_path(scope),
                scope["headers"],
                scope.get("scheme", "ws"),
                True,
                raw_path=self._raw_path(scope),
            )
            if decision.status is not None:
                # Closing before accepting makes the server answer the handshake with 403
                # (ASGI spec, websocket.close), so the app never sees the connection.
                message = await receive()
                if message["type"] == "websocket.connect":
                    await send({"type": "websocket.close", "code": 1008})
                return
            await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _raw_path(self, scope: Scope) -> str | None:
        """The raw path where it can change the route (it has a '%' escape), else None."""
        if self.policy.compiled.paths is None:
            return None
        raw = scope.get("raw_path")  # optional in the ASGI spec, bytes where given
        if not isinstance(raw, bytes) or b"%" not in raw:
            return None
        return raw.decode("latin-1")


def route_path(scope: Scope) -> str:
    """The path the app's router sees: scope["path"] below scope["root_path"].

    In the ASGI spec (HTTP and WebSocket connection scopes) ``path`` includes
    ``root_path``, the point the app is mounted at (uvicorn --root-path, Starlette's
    Mount); routers match what follows it. As Starlette's get_route_path does, a path that
    does not continue the root path with '/' is read whole (servers that leave the root
    path out of ``path`` give one already relative).
    """
    path: str = scope["path"]
    root: str | None = scope.get("root_path")
    if root and path.startswith(root):
        if len(path) == len(root):
            return "/"
        if path[len(root)] == "/":
            return path[len(root) :]
    return path


async def _respond(send: Send, decision: Decision) -> None:
    response = immediate_response(decision)
    await send(
        {"type": "http.response.start", "status": response.status, "headers": response.headers}
    )
    await send({"type": "http.response.body", "body": response.body})


async def _refuse_to_serve(error: PolicyError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every ASGI event of an app whose CORS policy is invalid.

    Lifespan: ``lifespan.startup.failed`` with the problems, so that the server exits
    (ASGI lifespan spec; uvicorn logs the message and exits in every lifespan mode).
    HTTP: a 500 naming no configuration value, the problems going to the log only.
    WebSocket: closed before the handshake is accepted, which servers answer with 403.
    """
    scope_type = scope["type"]
    if scope_type == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            if message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    logger.error("corsguard: refusing a request: %s", error)
    if scope_type == "http":
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [_TEXT_PLAIN, (b"content-length", b"%d" % len(_UNCONFIGURED_BODY))],
            }
        )
        await send({"type": "http.response.body", "body": _UNCONFIGURED_BODY})
    elif scope_type == "websocket":
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": 1011})
