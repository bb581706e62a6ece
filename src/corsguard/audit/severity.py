"""Severity: what an attacker's page gets from a response, as the browser decides it.

high: an untrusted origin can read the response with the victim's credentials;
medium: it can read it without credentials, or the response can poison a shared cache;
low: the rest, including grants the browser refuses to honour (reported with the reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corsguard.browser import Response, can_read
from corsguard.findings import Severity

Headers = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Readability:
    """Whether a page on ``origin`` can read a response, without and with credentials."""

    anonymous: bool
    credentialed: bool
    reason: str  # why the credentialed (or, failing that, the anonymous) read fails; "" if none

    @property
    def severity(self) -> Severity:
        if self.credentialed:
            return Severity.HIGH
        if self.anonymous:
            return Severity.MEDIUM
        return Severity.LOW


def _values(headers: Headers, name: str) -> list[str]:
    # Header parsing trims surrounding whitespace (RFC 9110 §5.5).
    return [value.strip(" \t") for key, value in headers if key.lower() == name]


def _cors_check(origin: str, headers: Headers, credentials: bool) -> str:
    """Fetch standard, "CORS check": "" when it passes, else why it fails."""
    fields = _values(headers, "access-control-allow-origin")
    if not fields:
        return "no Access-Control-Allow-Origin header"
    if len(fields) > 1:
        # Several fields are combined with ", " and never match an origin.
        return "several Access-Control-Allow-Origin headers, which browsers refuse"
    value = fields[0]
    if value == "*" and not credentials:
        return ""
    if value == "*":
        return "browsers refuse Access-Control-Allow-Origin: * on a request with credentials"
    if value != origin:
        return f"Access-Control-Allow-Origin is {value!r}, not {origin!r}"
    if credentials:
        acac = _values(headers, "access-control-allow-credentials")
        if acac != ["true"]:
            shown = ", ".join(acac) if acac else "missing"
            return (
                "Access-Control-Allow-Credentials must be exactly 'true' for a request with "
                f"credentials (it is {shown})"
            )
    return ""


def _model(origin: str, url: str, response: Response, credentials: bool) -> str:
    """corsguard.browser's verdict on a script's fetch(url): "" when it can read the response."""
    verdict = can_read(origin, url, credentials=credentials, response=response)
    if verdict.allowed:
        return ""
    failed = verdict.failed
    return failed.reason if failed is not None else "the browser would not expose the response"


def readability(origin: str, url: str, status: int, headers: Headers) -> Readability:
    """Could a script on ``origin`` read this response to a simple GET of ``url``?

    Decided by the browser model (`corsguard.browser.can_read`). A redirect (3xx) is only a
    hop: the browser follows it and the script reads the final response, which the audit
    does not fetch; for such a hop the grant is judged by the CORS check alone.
    """
    if 300 <= status <= 399:
        anonymous = _cors_check(origin, headers, credentials=False)
        credentialed = _cors_check(origin, headers, credentials=True)
    else:
        response = Response.make(status, headers)
        anonymous = _model(origin, url, response, credentials=False)
        credentialed = _model(origin, url, response, credentials=True)
    return Readability(not anonymous, not credentialed, credentialed or anonymous)


def preflight_passes(origin: str, status: int, headers: Headers) -> bool:
    """Fetch, "CORS-preflight fetch": an ok status and a passing CORS check (no credentials)."""
    return 200 <= status <= 299 and not _cors_check(origin, headers, credentials=False)
