"""WSGI middleware: a thin translation between a WSGI environ and `corsguard.engine`.

Wraps any WSGI app (Flask, Django, Bottle). The app's response iterable is returned as
it is, so streaming responses stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from corsguard.asgi import _policy
from corsguard.engine import decide, merge_response_headers
from corsguard.policy import Policy

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The only request headers the engine reads, as WSGI names them (PEP 3333).
_ENVIRON_HEADERS = (
    ("HTTP_ORIGIN", b"origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", b"access-control-request-method"),
    ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", b"access-control-request-headers"),
    ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", b"access-control-request-private-network"),
    ("HTTP_SEC_FETCH_SITE", b"sec-fetch-site"),
    ("HTTP_HOST", b"host"),
)
_REASONS = {204: "204 No Content", 403: "403 Forbidden"}


def _latin1(pairs: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in pairs]


class CORSMiddleware:
    """Enforce a `corsguard.Policy` on a WSGI app."""

    def __init__(self, app: WSGIApp, policy: Policy | None = None, **policy_kwargs: Any) -> None:
        self.app = app
        self.policy = _policy(policy, policy_kwargs)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        headers = []
        for key, name in _ENVIRON_HEADERS:
            value = environ.get(key)
            if value is not None:
                # PEP 3333: environ strings carry the raw bytes as latin-1.
                headers.append((name, value.encode("latin-1")))
        decision = decide(
            self.policy,
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "") or "/",
            headers,
            environ.get("wsgi.url_scheme", "http"),
        )
        if decision.status is not None:
            out = _latin1(decision.headers)
            if decision.vary:
                out.append(("Vary", decision.vary.decode("latin-1")))
            body = decision.body if decision.status != 204 else b""
            if decision.status != 204:
                out.append(("Content-Type", "text/plain; charset=utf-8"))
                out.append(("Content-Length", str(len(body))))
            start_response(_REASONS.get(decision.status, str(decision.status)), out)
            return [body]
        cors_headers = _latin1(decision.headers)
        vary = decision.vary.decode("latin-1")

        def start_with_cors(
            status: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            headers = merge_response_headers(response_headers, cors_headers, vary)
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_cors)
