"""The catalogue of CORS holes, shared by `corsguard audit` and `corsguard lint`.

One id names one class of mistake wherever it is found, live or in source, so that
a team can grep, suppress and track it across both tools.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """What an attacker gets, decided with the browser model where possible.

    high: an untrusted origin can read the response with the victim's credentials.
    medium: it can read it without credentials, or poison a shared cache.
    low: the rest (including grants the browser would refuse to honour).
    """

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r}: use low, medium or high") from None


_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


@dataclass(frozen=True)
class Kind:
    """One class of CORS hole."""

    id: str
    title: str
    remediation: str


_KINDS = [
    Kind(
        "origin-reflected",
        "Any origin is reflected in Access-Control-Allow-Origin",
        "The server copies the request's Origin into Access-Control-Allow-Origin, so every "
        "web site is trusted. Allow an explicit list instead: "
        "corsguard.Policy(allow_origins=['https://app.example.com']).",
    ),
    Kind(
        "null-origin-trusted",
        "The origin 'null' is trusted",
        "Sandboxed iframes, data: URLs and redirected requests send Origin: null, so any site "
        "can produce it. Remove 'null' from the allowlist; corsguard.Policy refuses it.",
    ),
    Kind(
        "prefix-match",
        "The origin check matches a prefix (https://TARGET.attacker.com is trusted)",
        "The check accepts any origin that starts with a trusted one, such as "
        "https://app.example.com.attacker.com. Compare whole origins against a set, or use "
        "corsguard.Policy, which matches exact origins and anchored patterns only.",
    ),
    Kind(
        "suffix-match",
        "The origin check matches a suffix (https://attackerTARGET is trusted)",
        "The check accepts any origin that ends with a trusted host, such as "
        "https://attackerexample.com. Match a subdomain only after a dot "
        "(corsguard pattern https://*.example.com) or list exact origins.",
    ),
    Kind(
        "unescaped-dot",
        "A regular expression leaves a dot unescaped",
        "A '.' in a regular expression matches any character, so https://appxexample.com "
        "passes for https://app.example.com. Replace the regex with exact origins or a "
        "corsguard pattern such as https://*.example.com.",
    ),
    Kind(
        "substring-match",
        "The origin check matches a substring (a truncated trusted host is trusted)",
        "The check accepts origins contained in a trusted one, such as https://app.example.co "
        "for https://app.example.com (Python's `origin in 'https://app.example.com'`). "
        "Compare whole origins against a set.",
    ),
    Kind(
        "special-char-bypass",
        "The origin check accepts special characters after the trusted host",
        "Origins such as https://app.example.com_.attacker.com pass the check, and some "
        "browsers accept such host names. Anchor the match at the end of the host, or list "
        "exact origins with corsguard.Policy.",
    ),
    Kind(
        "insecure-origin-trusted",
        "A plain-http origin is trusted by an https endpoint",
        "Anyone on the victim's network can inject script into a plain-http page, and through "
        "it read this https endpoint. Trust only https origins.",
    ),
    Kind(
        "any-subdomain-trusted",
        "Every subdomain is trusted",
        "Any subdomain, including forgotten or user-controlled ones and those open to "
        "subdomain takeover, can read responses. List the front ends that need access, or "
        "keep the wildcard only under a domain whose every host you control.",
    ),
    Kind(
        "third-party-origin-trusted",
        "An origin on a public hosting platform is trusted",
        "Anyone can publish a page on platforms such as github.io, netlify.app or vercel.app. "
        "Trust your own domain instead (previews on a domain you own, e.g. "
        "https://myapp-*.preview.example.com).",
    ),
    Kind(
        "localhost-trusted",
        "A localhost origin is trusted in production",
        "Any program on a user's machine can serve a page on localhost. Load development "
        "origins only in development policies.",
    ),
    Kind(
        "wildcard-origin",
        "Access-Control-Allow-Origin: * (any site can read responses without credentials)",
        "Fine for truly public data. If the response depends on the network (an intranet "
        "host) or on anything but cookies, list the origins that need it.",
    ),
    Kind(
        "wildcard-with-credentials",
        "A wildcard origin is combined with credentials",
        "Browsers refuse '*' with credentials, so many libraries quietly reflect the origin "
        "instead, trusting every site with the user's cookies. List the trusted origins; "
        "corsguard.Policy refuses '*' with allow_credentials=True.",
    ),
    Kind(
        "missing-vary-origin",
        "The allowed origin is echoed without Vary: Origin",
        "A shared cache can store one origin's grant and serve it to another. Add "
        "'Vary: Origin' to every response whose CORS headers depend on the Origin.",
    ),
    Kind(
        "preflight-any-method",
        "The preflight allows whatever method is requested",
        "The server echoes Access-Control-Request-Method. List the methods the API uses.",
    ),
    Kind(
        "preflight-any-header",
        "The preflight allows whatever header is requested",
        "The server echoes Access-Control-Request-Headers. List the headers the API uses.",
    ),
    Kind(
        "preflight-origin-reflected",
        "The preflight grants any origin",
        "The server answers every preflight with the requesting origin, so any site can send "
        "non-simple requests (PUT, DELETE, JSON bodies, custom headers) with the user's "
        "cookies, even where it cannot read the answers. Answer preflights only for trusted "
        "origins, as corsguard's middleware does.",
    ),
    Kind(
        "private-network-allowed",
        "Private network access is granted to an untrusted origin",
        "Access-Control-Allow-Private-Network lets a public site reach this private-network "
        "service through a visitor's browser. Grant it only to trusted origins.",
    ),
    Kind(
        "cors-library-conflict",
        "Another CORS library is installed beside corsguard",
        "A leftover CORS library (Starlette's CORSMiddleware, flask-cors, "
        "django-cors-headers) next to corsguard answers requests that corsguard refuses when "
        "it is the outer layer. Remove it: corsguard owns Access-Control-* where it is "
        "installed.",
    ),
    Kind(
        "regex-origin",
        "Origins are matched with a regular expression",
        "Regular expressions are the most common source of CORS holes (unanchored, unescaped "
        "dots). Use exact origins or corsguard patterns: https://*.example.com, "
        "http://localhost:*, https://myapp-*.preview.example.com.",
    ),
]

KINDS: dict[str, Kind] = {kind.id: kind for kind in _KINDS}
