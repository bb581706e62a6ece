"""ASGI 3 middleware: a thin translation between ASGI messages and `corsguard.engine`.

Works as ``app.add_middleware(CORSMiddleware, allow_origins=[...])`` in Starlette and
FastAPI, or wrapped around any ASGI app (Django's included). Lifespan and other scope
types pass through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from corsguard.engine import Decision, decide, merge_response_headers
from corsguard.policy import Policy
from corsguard.startup import log_policy

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_TEXT_PLAIN = (b"content-type", b"text/plain; charset=utf-8")


def _policy(policy: Policy | None, policy_kwargs: dict[str, Any]) -> Policy:
    if policy is None:
        return Policy(**policy_kwargs)
    if policy_kwargs:
        raise TypeError(
            "CORSMiddleware takes either policy=Policy(...) or the policy's options, not both: "
            f"move {', '.join(sorted(policy_kwargs))} into the Policy"
        )
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a corsguard.Policy, not {type(policy).__name__}")
    return policy


class CORSMiddleware:
    """Enforce a `corsguard.Policy` on an ASGI app."""

    def __init__(self, app: ASGIApp, policy: Policy | None = None, **policy_kwargs: Any) -> None:
        self.app = app
        self.policy = _policy(policy, policy_kwargs)
        log_policy(self.policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type == "http":
            decision = decide(
                self.policy,
                scope["method"],
                route_path(scope),
                scope["headers"],
                scope.get("scheme", "http"),  # optional in the ASGI spec
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
        if self.policy._paths is None:
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
    headers = list(decision.headers)
    if decision.vary:
        headers.append((b"vary", decision.vary))
    body = decision.body
    if decision.status != 204:
        headers.append(_TEXT_PLAIN)
        headers.append((b"content-length", str(len(body)).encode()))
    else:
        body = b""
    await send({"type": "http.response.start", "status": decision.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
