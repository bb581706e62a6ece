"""The values the browser model passes around: requests, responses, checks, verdicts.

All immutable. :class:`Request` is what a page's script asks fetch() for, :class:`Outgoing`
what the browser then sends (a preflight or the actual request), :class:`Response` what a
server answers, and :class:`Verdict` what the browser makes of it all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypeAlias

from corsguard.spec import TOKEN

Credentials = Literal["omit", "same-origin", "include"]
Mode = Literal["cors", "no-cors"]
Headers = tuple[tuple[str, str], ...]


def as_headers(pairs: Iterable[tuple[str, str]] | Mapping[str, str]) -> Headers:
    """Header fields as a tuple of (name, value) str pairs, in order, duplicates kept."""
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple((str(name), str(value)) for name, value in items)


@dataclass(frozen=True)
class Request:
    """The request as a page's script makes it with fetch().

    ``origin`` is the page's serialized origin (``https://app.example.com``) or ``"null"``;
    ``headers`` are the headers the script sets, in order, duplicates allowed.
    """

    origin: str
    url: str
    method: str = "GET"
    headers: Headers = ()
    credentials: Credentials = "same-origin"
    mode: Mode = "cors"

    @classmethod
    def make(
        cls,
        origin: str,
        url: str,
        method: str = "GET",
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        credentials: Credentials | bool = "same-origin",
        mode: Mode = "cors",
    ) -> Request:
        if credentials is True:
            credentials = "include"
        elif credentials is False:
            credentials = "omit"
        return cls(origin, url, method, as_headers(headers), credentials, mode)


@dataclass(frozen=True)
class Response:
    """A response as received: status, header fields in order (duplicates kept)."""

    status: int = 200
    headers: Headers = ()
    location: str | None = None  # overrides a Location header when given

    @classmethod
    def make(
        cls,
        status: int = 200,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        location: str | None = None,
    ) -> Response:
        return cls(status, as_headers(headers), location)

    def values(self, name: str) -> list[str]:
        """Every field value of ``name``, trimmed as HTTP parsing does."""
        return list(self._by_name.get(name.lower(), ()))

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        # The CORS checks look up about ten names per response: one pass over the fields,
        # not one per lookup (testing.fetch's cost, issue #14). Not a dataclass field, so
        # equality and hashing still read the headers alone.
        index: dict[str, list[str]] = {}
        for name, value in self.headers:
            index.setdefault(name.lower(), []).append(value.strip(" \t"))
        return index

    def get(self, name: str) -> str | None:
        """The combined value (fields joined with ", ", as Chromium's GetNormalizedHeader)."""
        found = self.values(name)
        return ", ".join(found) if found else None

    @property
    def redirect_location(self) -> str | None:
        if self.location is not None:
            return self.location
        return self.get("location")


# What answers an Outgoing request: its Response, or None when it was not sent.
Answer: TypeAlias = "Response | None"


@dataclass(frozen=True)
class Outgoing:
    """A request the browser sends: ``kind`` is "preflight" or "actual"; ``hop`` counts hops."""

    kind: Literal["preflight", "actual"]
    method: str
    url: str
    headers: Headers
    hop: int
    credentials: bool  # cookies would be attached (never for a preflight)

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for n, v in self.headers:
            if n.lower() == lower:
                return v
        return None


@dataclass(frozen=True)
class Check:
    """One check the browser applies. ``looked_at`` holds (header or item, value or None)."""

    step: Literal["request", "preflight", "response", "redirect"]
    name: str
    passed: bool
    looked_at: tuple[tuple[str, str | None], ...]
    reason: str
    hop: int = 0

    @property
    def id(self) -> str:
        return f"{self.step}.{self.name}"


@dataclass(frozen=True)
class Fix:
    """The minimal change that makes a failed check pass.

    ``kind`` is "header" (the server sends ``header: value``), "status" (the server answers
    with ``value`` as status), or "request" (the page changes its request, ``text`` says how).
    ``where`` is "preflight" or "response" for server-side fixes.
    """

    kind: Literal["header", "status", "request"]
    text: str
    header: str | None = None
    value: str | None = None
    where: str | None = None

    @property
    def line(self) -> str:
        """A copy-paste line: ``Header: value`` for header fixes, the text otherwise."""
        if self.kind == "header" and self.header is not None:
            return f"{self.header}: {self.value}"
        return self.text


@dataclass(frozen=True)
class PreflightNeed:
    needed: bool
    reasons: tuple[str, ...]
    method: str
    unsafe_headers: tuple[str, ...]  # lowercase, sorted: Access-Control-Request-Headers


@dataclass(frozen=True)
class PreflightInfo:
    needed: bool
    reasons: tuple[str, ...]
    outcome: Literal["not-needed", "passed", "failed", "not-sent"]
    status: int | None = None
    cache_seconds: int | None = None
    request: Outgoing | None = None


@dataclass(frozen=True)
class Verdict:
    """What the browser does. ``allowed``: fetch() resolves with a response the script can read.

    ``complete`` is False when a response the model needed was not supplied (for example
    explain did not send a PUT); such a verdict is never allowed. ``resolves`` says whether
    fetch() resolves at all (a no-cors request resolves with an unreadable, opaque response).
    """

    allowed: bool
    resolves: bool
    complete: bool
    checks: tuple[Check, ...]
    fixes: tuple[Fix, ...]
    preflight: PreflightInfo
    readable_headers: tuple[str, ...]
    dropped_headers: tuple[str, ...]
    notes: tuple[str, ...]
    cross_origin: bool
    effective_origin: str
    final_url: str
    final_method: str
    redirects: tuple[str, ...]
    sent: tuple[Outgoing, ...] = field(default=())

    @property
    def fix(self) -> Fix | None:
        return self.fixes[0] if self.fixes else None

    @property
    def failed(self) -> Check | None:
        for check in self.checks:
            if not check.passed:
                return check
        return None

    @property
    def outcome(self) -> Literal["allowed", "blocked", "incomplete", "opaque"]:
        if self.allowed:
            return "allowed"
        if self.resolves and self.complete:
            return "opaque"
        if self.failed is not None:
            return "blocked"
        if not self.complete:
            return "incomplete"
        return "opaque"


class RequestError(ValueError):
    """fetch() would throw a TypeError before sending anything."""


# --- HTTP syntax shared by request and response parsing ---------------------------------

# RFC 9110 §5.6.2 token (method names, header names, list items): spec.TOKEN.
# Fetch, "HTTP whitespace" (stripped when a header value is normalized).
HTTP_WS = " \t\r\n"


def parse_list(value: str | None) -> list[str] | None:
    """Chromium's ParseAccessControlAllowList: comma list of tokens, empty items ignored.

    None for a missing header; raises ValueError when an item is not a token (Fetch:
    "extract header list values" returns failure, which is a network error).
    """
    if value is None:
        return None
    items = []
    for raw in value.split(","):
        item = raw.strip(HTTP_WS)
        if not item:
            continue
        if not TOKEN.match(item):
            raise ValueError(item)
        items.append(item)
    return items
