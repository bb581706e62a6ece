"""What an attacker's page gets from a response, as the browser model decides it.

The severity rules themselves are the catalogue's (corsguard.findings): this module only
works out the facts they read (a read with and without credentials, a passing preflight).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corsguard.browser import Response, can_read
from corsguard.browser.cors import cors_check
from corsguard.browser.data import Credentials
from corsguard.findings import Context

Headers = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Readability:
    """Whether a page on ``origin`` can read a response, without and with credentials."""

    anonymous: bool
    credentialed: bool
    reason: str  # why the credentialed (or, failing that, the anonymous) read fails; "" if none

    @property
    def context(self) -> Context:
        """The catalogue's severity context (corsguard.findings.Context) of a read grant."""
        return Context(credentials=self.credentialed, readable=self.anonymous or self.credentialed)


def _cors_check(origin: str, headers: Headers, credentials: bool) -> str:
    """Fetch standard, "CORS check", as corsguard.browser runs it: "" when it passes, else why."""
    mode: Credentials = "include" if credentials else "omit"
    checks, _fixes = cors_check("response", Response.make(200, headers), origin, mode, 0)
    failed = next((check for check in checks if not check.passed), None)
    return "" if failed is None else failed.reason


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
