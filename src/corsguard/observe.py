"""Report-only mode in the adapters: pass everything through, watch the app's answer.

The ASGI and WSGI middleware (``report_only=True``), the Flask extension
(``CORSGUARD_REPORT_ONLY``) and the Django middleware (``settings.CORSGUARD_REPORT_ONLY``)
hand each request here instead of enforcing. The request reaches the app unchanged and the
app's messages reach the server unchanged (the same objects: headers, body and streaming as
the app made them); only the start of the response (or the WebSocket accept) is looked at,
to compare with what the policy would have done (`corsguard.report_only`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from corsguard import asgi, wsgi
from corsguard.asgi import ASGIApp, Message, Receive, Scope, Send
from corsguard.decision import Decision, RequestKind
from corsguard.policy import Policy
from corsguard.report_only import AppAnswer, Observer
from corsguard.startup import log_policy, summary
from corsguard.wsgi import StartResponse, WSGIApp

logger = logging.getLogger("corsguard.startup")


def report_only_flag(value: object, source: str) -> bool:
    """``report_only`` as given in code or settings: True or False, nothing else."""
    if not isinstance(value, bool):
        raise TypeError(
            f"{source} must be True or False, not {value!r}"
            + (" (a non-empty string is true in Python)" if isinstance(value, str) else "")
        )
    return value


def start(policy: Policy, where: str = "") -> Observer:
    """The observer of an adapter in report-only mode, announced loudly in the log.

    The WARNING line names the policy observed (`corsguard learn` reads its origins,
    methods and headers back, so that a proposal keeps what the policy already admits).
    """
    label = f"{where} report-only mode" if where else "report-only mode"
    log_policy(policy, label)
    logger.warning(
        "%s; NOT ENFORCED: corsguard protects nothing in report-only mode. Requests and "
        "responses pass unchanged; each request where this policy would decide differently "
        "is logged as a 'corsguard report-only' line. Enforce the policy (report_only=False) "
        "once `corsguard learn` on these lines proposes nothing new.",
        summary(policy, label),
    )
    return Observer(policy)


def _nothing_to_compare(decision: Decision) -> bool:
    # No Origin and nothing refused: a browser reads no CORS header on it.
    return decision.kind is RequestKind.NO_ORIGIN and decision.status is None


async def observe_asgi(
    observer: Observer,
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    path: str,
    raw_path: str | None,
) -> None:
    """Call the app with the request as it came; compare its answer with the policy's."""
    websocket = scope["type"] == "websocket"
    headers = scope["headers"]
    decision = observer.decide(
        "GET" if websocket else scope["method"],
        path,
        headers,
        scope.get("scheme", "ws" if websocket else "http"),
        websocket,
        raw_path=raw_path,
    )
    if _nothing_to_compare(decision):
        await app(scope, receive, send)
        return
    pending = True

    def watch(message: Message) -> Awaitable[None]:
        nonlocal pending
        if pending:
            kind = message["type"]
            if kind == "http.response.start" or kind == "websocket.http.response.start":
                pending = False
                answer = AppAnswer(message["status"], message.get("headers") or ())
                observer.report(decision, answer, headers, raw_path)
            elif kind == "websocket.accept":
                pending = False
                observer.report(decision, None, headers, raw_path)
            elif kind == "websocket.close":
                pending = False  # the app refused the handshake itself: no divergence
        return send(message)

    await app(scope, receive, watch)


def observe_wsgi(
    observer: Observer,
    app: WSGIApp,
    environ: dict[str, Any],
    start_response: StartResponse,
    decision: Decision,
    headers: list[tuple[bytes, bytes]],
    raw_path: str | None,
) -> Iterable[bytes]:
    """Call the WSGI app unchanged; compare the headers it starts its response with.

    The app's iterable is returned as it is (streaming stays streaming); start_response
    receives exactly the arguments the app gave.
    """
    if _nothing_to_compare(decision):
        return app(environ, start_response)
    pending = True

    def watch(*args: Any) -> Callable[[bytes], object]:
        nonlocal pending
        if pending:
            pending = False
            observer.report(decision, wsgi_answer(args[0], args[1]), headers, raw_path)
        return start_response(*args)

    return app(environ, watch)


def wsgi_answer(status: str, response_headers: Iterable[tuple[str, str]]) -> AppAnswer:
    """The app's answer from a WSGI status line and str headers (PEP 3333: latin-1)."""
    try:
        code = int(status[:3])
    except ValueError:
        code = 0
    return AppAnswer(code, response_headers)


class ReportOnlyASGI(asgi.CORSMiddleware):
    """`corsguard.asgi.CORSMiddleware` built with ``report_only=True``.

    An invalid policy still stops the server at start-up, as when enforcing: report-only
    observes a policy that is to be enforced later, so it must be one corsguard accepts.
    """

    observer: Observer
    _observes = True

    def __init__(
        self,
        app: ASGIApp,
        /,
        policy: Policy | None = None,
        report_only: bool = True,
        **policy_kwargs: Any,
    ) -> None:
        report_only_flag(report_only, "report_only")
        super().__init__(app, policy, **policy_kwargs)

    def _start(self) -> None:
        self.observer = start(self.policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.error is None and scope["type"] in ("http", "websocket"):
            await observe_asgi(
                self.observer,
                self.app,
                scope,
                receive,
                send,
                asgi.route_path(scope),
                self._raw_path(scope),
            )
        else:
            await super().__call__(scope, receive, send)


class ReportOnlyWSGI(wsgi.CORSMiddleware):
    """`corsguard.wsgi.CORSMiddleware` built with ``report_only=True``."""

    observer: Observer
    _observes = True

    def __init__(
        self,
        app: WSGIApp,
        /,
        policy: Policy | None = None,
        report_only: bool = True,
        **policy_kwargs: Any,
    ) -> None:
        report_only_flag(report_only, "report_only")
        super().__init__(app, policy, **policy_kwargs)

    def _start(self) -> None:
        self.observer = start(self.policy)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = wsgi.environ_headers(environ)
        raw_path = None if self.policy.compiled.paths is None else wsgi.environ_raw_path(environ)
        decision = self.observer.decide(
            environ.get("REQUEST_METHOD", "GET"),
            wsgi.environ_path(environ),
            headers,
            environ.get("wsgi.url_scheme", "http"),
            raw_path=raw_path,
        )
        return observe_wsgi(
            self.observer, self.app, environ, start_response, decision, headers, raw_path
        )
