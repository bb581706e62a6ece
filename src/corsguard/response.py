"""What the adapters send: an immediate response, and CORS headers merged into the app's.

One module for the four adapters (ASGI, WSGI, Django, Flask), so they cannot disagree on
the shape of an answer. Pure: it builds header lists; each adapter hands them to its server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, AnyStr, NamedTuple

from corsguard.decision import Decision
from corsguard.spec import ACCESS_CONTROL_PREFIX

TEXT_PLAIN = "text/plain; charset=utf-8"
STATUS_LINES = {204: "204 No Content", 403: "403 Forbidden"}


class ImmediateResponse(NamedTuple):
    """An answer given without calling the app: an allowed preflight or a refusal.

    ``headers`` are the decision's CORS headers, then Vary, then, when there is a body,
    Content-Type and Content-Length. A 204 has neither body nor those two fields
    (RFC 9110 §15.3.5, §8.6: a 204 carries no content and no Content-Length).
    """

    status: int
    status_line: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def has_body(self) -> bool:
        return self.status != 204

    def str_headers(self) -> list[tuple[str, str]]:
        """The headers as WSGI, Django and Flask take them; PEP 3333 carries bytes as latin-1."""
        return [
            (_STR_NAMES.get(name) or name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self.headers
        ]


# The fields this module adds, spelled as frameworks usually do in their str form.
_STR_NAMES = {b"vary": "Vary", b"content-type": "Content-Type", b"content-length": "Content-Length"}


def immediate_response(decision: Decision) -> ImmediateResponse:
    """The response for a decision with a status (``decision.respond_now``)."""
    status = decision.status
    if status is None:
        raise ValueError("this decision passes the request to the app: it has no response")
    headers = list(decision.headers)
    if decision.vary:
        headers.append((b"vary", decision.vary))
    body = b""
    if status != 204:
        body = decision.body
        headers.append((b"content-type", TEXT_PLAIN.encode()))
        headers.append((b"content-length", b"%d" % len(body)))
    return ImmediateResponse(status, STATUS_LINES.get(status, str(status)), headers, body)


def merge_vary(existing: AnyStr | None, add: AnyStr) -> AnyStr:
    """Append Vary tokens to an app's own Vary value, never replacing or duplicating them."""
    if not existing:
        return add
    comma, star, sep = _PUNCTUATION[type(add)]
    present = {token.strip().lower() for token in existing.split(comma)}
    if star in present:
        return existing
    missing = [t for t in add.split(sep) if t.lower() not in present]
    return existing + sep + sep.join(missing) if missing else existing


def apply_to_response(
    app_headers: Iterable[tuple[bytes, bytes]], decision: Decision
) -> list[tuple[bytes, bytes]]:
    """`merge_response_headers` for byte headers (ASGI) and a decision."""
    return merge_response_headers(app_headers, decision.headers, decision.vary)


def merge_response_headers(
    app_headers: Iterable[tuple[AnyStr, AnyStr]],
    cors_headers: Iterable[tuple[AnyStr, AnyStr]],
    vary: AnyStr,
) -> list[tuple[AnyStr, AnyStr]]:
    """The app's response headers with the decision's CORS headers and Vary applied.

    Works on bytes (ASGI) or str (WSGI) alike. The app's own Access-Control-* response
    headers are dropped: the policy alone decides what the browser is told, so a handler
    cannot widen (or break) it by accident.
    """
    prefix, vary_name, sep, initials = _NAMES[type(vary)]
    out: list[tuple[AnyStr, AnyStr]] = []
    app_vary: AnyStr | None = None
    for pair in app_headers:
        # Only names that start with a/A/v/V need a closer look (one-character slices are
        # cached objects; an empty name is looked at too). A set, not `in b"aAvV"`: a
        # bytes substring test costs several times a set lookup, on every header line.
        if pair[0][:1] in initials:
            lower = pair[0].lower()
            if lower.startswith(prefix):
                continue
            if lower == vary_name:
                app_vary = pair[1] if app_vary is None else app_vary + sep + pair[1]
                continue
        out.append(pair)
    out.extend(cors_headers)
    if vary:
        out.append((vary_name, vary if app_vary is None else merge_vary(app_vary, vary)))
    elif app_vary is not None:
        out.append((vary_name, app_vary))
    return out


_PUNCTUATION: dict[type, Any] = {bytes: (b",", b"*", b", "), str: (",", "*", ", ")}
_NAMES: dict[type, Any] = {
    bytes: (
        ACCESS_CONTROL_PREFIX.encode(),
        b"vary",
        b", ",
        frozenset({b"a", b"A", b"v", b"V", b""}),
    ),
    str: (ACCESS_CONTROL_PREFIX, "vary", ", ", frozenset({"a", "A", "v", "V", ""})),
}
