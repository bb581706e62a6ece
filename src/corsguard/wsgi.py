"""WSGI middleware: a thin translation between a WSGI environ and `corsguard.engine`.

Wraps any WSGI app (Flask, Django, Bottle). The app's response iterable is returned as
it is, so streaming responses stream. The helpers here also serve the Flask and Django
integrations, which see the same environ and str headers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

from corsguard import refusal_log
from corsguard.asgi import _NO_REPORT_ONLY, _policy
from corsguard.engine import (
    Decision,
    RequestKind,
    decide,
    logs_unlisted,
    unlisted_fields,
    unlisted_log_key,
)
from corsguard.policy import Policy
from corsguard.response import immediate_response, merge_response_headers
from corsguard.startup import log_policy

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The only request headers the engine reads, as WSGI (PEP 3333) and Django's META name them.
_ENVIRON_HEADERS = (
    ("HTTP_ORIGIN", b"origin"),
    ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", b"access-control-request-method"),
    ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", b"access-control-request-headers"),
    ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", b"access-control-request-private-network"),
    ("HTTP_SEC_FETCH_SITE", b"sec-fetch-site"),
    ("HTTP_HOST", b"host"),
    ("HTTP_AUTHORIZATION", b"authorization"),
)


def environ_headers(environ: Mapping[str, Any]) -> list[tuple[bytes, bytes]]:
    """The request headers the engine reads, from a WSGI environ or Django's request.META."""
    if "HTTP_ORIGIN" not in environ:
        # Without an Origin the engine reads only Sec-Fetch-Site (see engine.decide).
        site = environ.get("HTTP_SEC_FETCH_SITE")
        return [] if site is None else [(b"sec-fetch-site", site.encode("latin-1", "replace"))]
    headers = []
    for key, name in _ENVIRON_HEADERS:
        value = environ.get(key)
        if value is not None:
            # PEP 3333: environ strings carry the raw bytes as latin-1.
            headers.append((name, value.encode("latin-1", "replace")))
    if _has_cookie(environ):
        # The engine reads only whether cookies came (write trust), never their value.
        headers.append((b"cookie", b"present"))
    if environ.get("REMOTE_USER") and "HTTP_AUTHORIZATION" not in environ:
        # The server authenticated the user itself (CGI REMOTE_USER, RFC 3875 §4.1.11) and
        # kept the Authorization header (mod_wsgi without WSGIPassAuthorization, IIS): the
        # browser's cached HTTP auth came with the request. An empty value has no valid
        # scheme, which the engine counts as ambient credentials (engine._ambient_auth).
        headers.append((b"authorization", b""))
    return headers


def _has_cookie(environ: Mapping[str, Any]) -> bool:
    """Whether the request carries a cookie, as engine.decide judges a Cookie line."""
    value = environ.get("HTTP_COOKIE")
    return value is not None and (value[:1] not in " \t" or bool(value.strip(" \t")))


def environ_path(environ: Mapping[str, Any]) -> str:
    """The path a WSGI app routes on: PATH_INFO (already below SCRIPT_NAME), as text.

    PEP 3333 hands PATH_INFO over as the request's bytes decoded as latin-1; routers
    (Werkzeug, Django) decode those bytes as UTF-8, so route prefixes such as "/café"
    are compared with the UTF-8 reading. Undecodable bytes become U+FFFD, as in Werkzeug.
    """
    path: str = environ.get("PATH_INFO") or "/"
    if not path.isascii():
        # A str that is not latin-1 bytes is text the server already decoded.
        with contextlib.suppress(UnicodeEncodeError):
            path = path.encode("latin-1").decode("utf-8", "replace")
    return path


def environ_raw_path(environ: Mapping[str, Any]) -> str | None:
    """The request target as the client sent it, where the server reports it and it has a
    '%' escape (gunicorn and Werkzeug set RAW_URI, waitress and Apache REQUEST_URI); else
    None. It includes SCRIPT_NAME and the query; engine.decide reads past both."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str) and "%" in raw:
        return raw
    return None


def _str_pairs(pairs: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in pairs]


# The str form of the header sets a policy grants. Keys are the byte tuples themselves
# (compared by value), and the cache is bounded, whatever origins clients send.
_STR_CACHE: dict[tuple[tuple[bytes, bytes], ...], list[tuple[str, str]]] = {}
_STR_CACHE_SIZE = 256


def _str_form(decision: Decision) -> tuple[list[tuple[str, str]], str]:
    """A pass-through decision's CORS headers and Vary tokens, as str for WSGI."""
    cors = _STR_CACHE.get(decision.headers)
    if cors is None:
        if len(_STR_CACHE) >= _STR_CACHE_SIZE:
            _STR_CACHE.clear()
        cors = _STR_CACHE[decision.headers] = _str_pairs(decision.headers)
    return cors, decision.vary.decode("latin-1")


def merge_into(app_headers: Iterable[tuple[str, str]], decision: Decision) -> list[tuple[str, str]]:
    """An app's str response headers with the decision applied (see merge_response_headers)."""
    return merge_response_headers(app_headers, *_str_form(decision))


def _is_cors_header(name: str) -> bool:
    lower = name.lower()
    return lower.startswith("access-control-") or lower == "vary"


def apply_to_headers(headers: Any, decision: Decision) -> None:
    """Apply a decision in place to a framework's header mapping.

    ``headers`` is anything with ``items()``, ``del headers[name]`` and
    ``headers[name] = value``: Werkzeug's Headers (Flask) or a Django HttpResponse.
    Only Access-Control-* and Vary fields are touched.
    """
    merged = merge_into(list(headers.items()), decision)
    for name in {name for name, _ in headers.items() if _is_cors_header(name)}:
        del headers[name]
    for name, value in merged:
        if _is_cors_header(name):
            headers[name] = value


# Pass-through decisions remembered per middleware (see CORSMiddleware.__call__).
_MEMO_SIZE = 512
_MemoKey = tuple[str, "str | None", "str | None", "str | None", bool]
# What a repeat must log again: the refusal log's class key and the line's fields but the
# path (kind, origin, method, reason, credentials); None for a request that logs nothing.
_Unlisted = tuple[tuple[str, str, str], RequestKind, "str | None", str, str, bool]
_MemoEntry = tuple[list[tuple[str, str]], str, "_Unlisted | None"]


class CORSMiddleware:
    """Enforce a `corsguard.Policy` on a WSGI app."""

    def __new__(
        cls, app: WSGIApp, /, policy: Policy | None = None, report_only: Any = False, **kw: Any
    ) -> CORSMiddleware:
        # report_only=True builds corsguard.observe's subclass (see corsguard.asgi).
        if report_only is not False and cls is CORSMiddleware:
            from corsguard.observe import ReportOnlyWSGI

            return object.__new__(ReportOnlyWSGI)
        return object.__new__(cls)

    def __init__(
        self,
        app: WSGIApp,
        /,
        policy: Policy | None = None,
        report_only: bool = False,
        **policy_kwargs: Any,
    ) -> None:
        if report_only is not False and not self._observes:
            raise TypeError(_NO_REPORT_ONLY.format(type(self).__name__))
        self.app = app
        self.policy = _policy(policy, policy_kwargs)
        self._start()
        # Without per-path rules, a pass-through is decided by the request's method,
        # Origin, Sec-Fetch-Site and Host alone, and whether it carries cookies: the
        # engine's answer for those values is remembered, bounded. An unlisted origin's
        # pass-through is remembered with its log line's fields, and a repeat logs through
        # the refusal log's budget as the engine would (engine.logs_unlisted), the path
        # read afresh. OPTIONS (which may be a preflight) and requests with an
        # Authorization header or a REMOTE_USER (write trust reads them) are decided afresh.
        policy = self.policy
        self._memo: dict[_MemoKey, _MemoEntry] | None = (
            {} if not policy.routes and not policy.write_protection_exempt_paths else None
        )

    # True in corsguard.observe's report-only subclass.
    _observes = False

    def _start(self) -> None:
        log_policy(self.policy)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        memo = self._memo
        key: _MemoKey | None = None
        if (
            memo is not None
            and method != "OPTIONS"
            and "HTTP_AUTHORIZATION" not in environ
            and "REMOTE_USER" not in environ
        ):
            key = (
                method,
                environ.get("HTTP_ORIGIN"),
                environ.get("HTTP_SEC_FETCH_SITE"),
                environ.get("HTTP_HOST"),
                _has_cookie(environ),
            )
            remembered = memo.get(key)
            if remembered is not None:
                cors, vary, unlisted = remembered
                if unlisted is not None:
                    refusal_log.log_class(unlisted[0], _unlisted_line, (unlisted, environ))
                return self.app(environ, _with_cors(start_response, cors, vary))
        decision = decide(
            self.policy,
            method,
            environ_path(environ),
            environ_headers(environ),
            environ.get("wsgi.url_scheme", "http"),
            raw_path=None if self.policy.compiled.paths is None else environ_raw_path(environ),
        )
        if decision.status is not None:
            response = immediate_response(decision)
            start_response(response.status_line, response.str_headers())
            return [response.body]
        cors, vary = _str_form(decision)
        if memo is not None and key is not None:
            replay: _Unlisted | None = None
            site = key[2]
            fetch_site = None if site is None else site.encode("latin-1", "replace")
            if logs_unlisted(decision, fetch_site):
                # Cookies are in the key; a request with Authorization is never memoised.
                kind, origin, reason = decision.kind, decision.origin, decision.reason
                replay = (unlisted_log_key(decision), kind, origin, method, reason, key[4])
            if len(memo) >= _MEMO_SIZE:
                memo.clear()  # bounded, whatever clients send
            memo[key] = (cors, vary, replay)
        return self.app(environ, _with_cors(start_response, cors, vary))


def _unlisted_line(unlisted: _Unlisted, environ: Mapping[str, Any]) -> str:
    """A remembered unlisted line's fields, with this request's path (admitted lines only)."""
    _key, kind, origin, method, reason, credentials = unlisted
    if origin is None:  # never: unlisted lines come from requests with an Origin
        origin = "-"
    return unlisted_fields(kind, origin, method, environ_path(environ), reason, credentials)


def _with_cors(
    start_response: StartResponse, cors: list[tuple[str, str]], vary: str
) -> StartResponse:
    def start_with_cors(
        status: str, response_headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        headers = merge_response_headers(response_headers, cors, vary)
        return start_response(status, headers, exc_info)

    return start_with_cors
