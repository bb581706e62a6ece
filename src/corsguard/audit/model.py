"""The audit's judgement, free of I/O: which probes to send next, and what the answers show.

The prober (`corsguard.audit.prober`) drives two pure functions in a loop::

    exchanges = []
    while wave := next_probes(target, exchanges):
        exchanges += [send(probe) for probe in wave]   # concurrently, at the edge
    report = analyse(target, exchanges)

so the whole decision logic is tested with canned responses, without sockets.
Probe origins are only ever sent as header values to the target, never fetched; names
an attacker would choose live under the reserved .test TLD (RFC 6761).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from corsguard.audit.severity import preflight_passes, readability
from corsguard.findings import KINDS, Context, Severity, order, severity_of
from corsguard.origin import OriginPattern, parse_origin_pattern
from corsguard.probes import (
    ARBITRARY_ORIGIN,
    THIRD_PARTY_HOSTS,
    bypass_probes,
    generic_probes,
    platform_probes,
    registrable_domain,
    split_origin,
)
from corsguard.untrusted import clean_text

MAX_REQUESTS = 40
"""At most this many requests per target for the whole check set."""

PROBE_METHOD = "CORSGUARD-PROBE"
PROBE_HEADER = "x-corsguard-probe"

# Purposes of probes that are not tied to one finding id.
TRUSTED = "trusted"
OWN = "own-origin"
PREFLIGHT = "preflight"
UNTRUSTED_PREFLIGHT = "untrusted-preflight"

# The classes an Origin probe reveals: the server grants that probe's origin.
ORIGIN_CLASSES = frozenset(
    {
        "origin-reflected",
        "null-origin-trusted",
        "prefix-match",
        "suffix-match",
        "unescaped-dot",
        "substring-match",
        "special-char-bypass",
        "insecure-origin-trusted",
        "any-subdomain-trusted",
        "third-party-origin-trusted",
        "localhost-trusted",
    }
)
_CORS_RESPONSE_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-allow-private-network",
    "access-control-expose-headers",
    "access-control-max-age",
    "vary",
    "location",
)
# Probe classes whose origin can fall under the trusted domain (attackerapp.example.com).
_SUBDOMAIN_LOOKALIKES = frozenset({"suffix-match", "unescaped-dot"})
# The public hosting platforms named by the issue come first: the budget may cut the rest.
_THIRD_PARTY_FIRST = 7


class TargetError(ValueError):
    """A target line that is not an absolute http(s) URL."""


@dataclass(frozen=True)
class ProbeRequest:
    """One request to send: ``purpose`` is a finding id or TRUSTED / OWN / PREFLIGHT."""

    purpose: str
    method: str
    origin: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def all_headers(self) -> tuple[tuple[str, str], ...]:
        return (("Origin", self.origin), *self.headers)


@dataclass(frozen=True)
class ProbeResponse:
    """What came back: the status and the CORS-relevant header fields (names lowercase)."""

    status: int
    headers: tuple[tuple[str, str], ...]

    @classmethod
    def keep_cors(cls, status: int, headers: Sequence[tuple[str, str]]) -> ProbeResponse:
        """The CORS-relevant fields of ``headers``, as valid Unicode.

        The prober decodes raw header bytes with `corsguard.untrusted.text_from_bytes`;
        clean_text here also covers callers that hand over surrogateescape-decoded text, so
        no report ever holds a lone surrogate (strict UTF-8 writers and JSON parsers refuse
        one, which would lose every other target's results with it).
        """
        kept = tuple(
            (name.lower(), clean_text(value))
            for name, value in headers
            if name.lower() in _CORS_RESPONSE_HEADERS
        )
        return cls(status, kept)

    def values(self, name: str) -> list[str]:
        return [value.strip(" \t") for key, value in self.headers if key == name]

    def get(self, name: str) -> str | None:
        found = self.values(name)
        return ", ".join(found) if found else None

    @property
    def has_cors(self) -> bool:
        return any(name.startswith("access-control-") for name, _ in self.headers)

    @property
    def cors_headers(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(pair for pair in self.headers if pair[0].startswith("access-control-")))


@dataclass(frozen=True)
class Exchange:
    """A probe and its outcome: a response, or the error that stopped it."""

    request: ProbeRequest
    response: ProbeResponse | None = None
    error: str | None = None
    # The headers arrived but the body did not, in full (short, broken or too slow): the
    # headers are the whole evidence, so the response counts, with this note.
    note: str | None = None


@dataclass(frozen=True)
class Trust:
    """The legitimate front ends: never reported; the basis of the bypass probes."""

    own_origin: str
    patterns: tuple[OriginPattern, ...]
    representatives: tuple[str, ...]  # concrete trusted origins to send
    bases: tuple[str, ...]  # exact origins the bypass probes are built from

    def trusts(self, origin: str) -> bool:
        return origin == self.own_origin or any(p.matches(origin) for p in self.patterns)


@dataclass(frozen=True)
class Target:
    url: str
    trust: Trust
    request_headers: tuple[tuple[str, str], ...] = ()  # -H headers, sent with every probe


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    origin: str
    credentials: bool  # the victim's credentials come along (readable with cookies)
    request: ProbeRequest
    response: ProbeResponse
    explanation: str
    # Set by `corsguard audit --prove` (corsguard.audit.prove); None when not run in a browser.
    proven: bool | None = None  # True: read by an attacker page; False: Chromium refused it
    browser: str | None = None  # "Chromium 156.0.8078.79"
    proof: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def title(self) -> str:
        return KINDS[self.id].title

    @property
    def remediation(self) -> str:
        """Stack-independent; corsguard.audit.output writes it with the user's origins."""
        return KINDS[self.id].remediation


@dataclass(frozen=True)
class TargetReport:
    url: str
    status: str  # "ok" or "error"
    error: str | None = None
    findings: tuple[Finding, ...] = ()
    requests: int = 0
    request_headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # What the reader should know about how complete the evidence is (incomplete bodies, a
    # check set cut short by the time budget); the findings stand.
    notes: tuple[str, ...] = ()
    # The --origin values (empty in black-box mode): the origins a remediation is written for.
    trusted: tuple[str, ...] = ()


# --- Targets and trusted origins ---------------------------------------------------------


def url_origin(url: str) -> str:
    """The serialized origin of an absolute http(s) URL; TargetError if it is not one."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError as exc:
        raise TargetError(f"{url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise TargetError(f"{url!r} is not an absolute http:// or https:// URL")
    if any(c.isspace() for c in text):
        raise TargetError(f"{url!r} contains whitespace")
    if ":" in host:
        host = f"[{host}]"
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def parse_trusted(texts: Sequence[str]) -> tuple[OriginPattern, ...]:
    """Validate --origin values (corsguard.Policy's syntax); ValueError says what to write."""
    return tuple(parse_origin_pattern(text) for text in texts)


def _concrete(pattern: OriginPattern) -> tuple[str, str]:
    """(an origin the pattern trusts, the exact origin to build bypasses from)."""
    port = "" if pattern.port in (None, "*") else f":{pattern.port}"
    if pattern.kind == "subdomain":
        return (
            f"{pattern.scheme}://corsguard-probe.{pattern.host}{port}",
            f"{pattern.scheme}://{pattern.host}{port}",
        )
    if pattern.kind == "label":
        host = f"{pattern.label_prefix}x{pattern.label_suffix}.{pattern.host}"
        origin = f"{pattern.scheme}://{host}{port}"
        return origin, origin
    origin = f"{pattern.scheme}://{pattern.host}{port}"
    return origin, origin


def build_trust(url: str, patterns: Sequence[OriginPattern] = ()) -> Trust:
    """The trust basis of a target: the --origin patterns, else its own origin and domain."""
    own = url_origin(url)
    if not patterns:
        bases = [own]
        scheme, host, port = split_origin(own)
        domain = registrable_domain(host)
        if domain != host:
            bases.append(f"{scheme}://{domain}{port}")
        return Trust(own, (), (own,), tuple(bases))
    representatives: list[str] = []
    bases = []
    for pattern in patterns:
        representative, base = _concrete(pattern)
        if representative not in representatives:
            representatives.append(representative)
        if base not in bases:
            bases.append(base)
    return Trust(own, tuple(patterns), tuple(representatives), tuple(bases))


# --- Planning ----------------------------------------------------------------------------


def _get(purpose: str, origin: str) -> ProbeRequest:
    return ProbeRequest(purpose, "GET", origin)


def initial_probes(target: Target) -> list[ProbeRequest]:
    """The first handful: trusted origins, the own origin, an arbitrary one, null, a preflight."""
    trust = target.trust
    probes = [_get(TRUSTED, origin) for origin in trust.representatives[:3]]
    if trust.own_origin not in trust.representatives[:3]:
        probes.append(_get(OWN, trust.own_origin))
    probes.append(_get("origin-reflected", ARBITRARY_ORIGIN))
    probes.append(_get("null-origin-trusted", "null"))
    probes.append(
        ProbeRequest(
            PREFLIGHT,
            "OPTIONS",
            trust.representatives[0],
            (
                ("Access-Control-Request-Method", PROBE_METHOD),
                ("Access-Control-Request-Headers", PROBE_HEADER),
            ),
        )
    )
    return probes


def _untrusted_preflight_probe() -> ProbeRequest:
    # A write an attacker would send: its preflight, from an origin nobody trusts.
    return ProbeRequest(
        UNTRUSTED_PREFLIGHT,
        "OPTIONS",
        ARBITRARY_ORIGIN,
        (
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type"),
        ),
    )


def _private_network_probe() -> ProbeRequest:
    return ProbeRequest(
        "private-network-allowed",
        "OPTIONS",
        ARBITRARY_ORIGIN,
        (
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Private-Network", "true"),
        ),
    )


def _groups(target: Target) -> list[list[ProbeRequest]]:
    """Origin probes by class, in priority order; within a class the first hit is enough."""
    trust = target.trust
    seen: set[str] = {ARBITRARY_ORIGIN, "null"}
    groups: list[list[ProbeRequest]] = []
    by_id: dict[tuple[int, str], list[ProbeRequest]] = {}
    for index, base in enumerate(trust.bases):
        for probe in [*platform_probes(base), *bypass_probes(base)]:
            if probe.origin in seen or trust.trusts(probe.origin):
                continue
            seen.add(probe.origin)
            key = (index, probe.finding_id)
            if key not in by_id:
                by_id[key] = []
                groups.append(by_id[key])
            by_id[key].append(_get(probe.finding_id, probe.origin))
        if index == 0:
            localhost = [
                _get(p.finding_id, p.origin)
                for p in generic_probes()
                if p.finding_id == "localhost-trusted" and not trust.trusts(p.origin)
            ]
            third = [
                _get(p.finding_id, p.origin)
                for p in generic_probes()
                if p.finding_id == "third-party-origin-trusted" and not trust.trusts(p.origin)
            ]
            groups += [g for g in (localhost, third[:_THIRD_PARTY_FIRST]) if g]
            if third[_THIRD_PARTY_FIRST:]:
                groups.append(third[_THIRD_PARTY_FIRST:])
    return groups


def _accepted(exchange: Exchange) -> bool:
    """The response grants exactly the probe's origin."""
    response = exchange.response
    return response is not None and response.values("access-control-allow-origin") == [
        exchange.request.origin
    ]


def _mode(target: Target, exchanges: Sequence[Exchange]) -> str:
    """ "none" (no CORS), "reflect" (any origin), "static" (ignores Origin), or "full"."""
    answered = [e for e in exchanges if e.response is not None]
    if not any(e.response is not None and e.response.has_cors for e in answered):
        return "none"
    if any(e.request.purpose == "origin-reflected" and _accepted(e) for e in answered):
        return "reflect"
    gets = [e.response.cors_headers for e in answered if e.response and e.request.method == "GET"]
    if len(gets) > 1 and len(set(gets)) == 1:
        return "static"
    return "full"


def next_probes(
    target: Target, exchanges: Sequence[Exchange], budget: int = MAX_REQUESTS
) -> list[ProbeRequest]:
    """The next wave of probes given what came back so far; [] when the check is complete."""
    remaining = budget - len(exchanges)
    if remaining <= 0:
        return []
    if not exchanges:
        return initial_probes(target)[:remaining]
    sent = {e.request for e in exchanges}
    initial = initial_probes(target)
    if not all(probe in sent for probe in initial):
        return [p for p in initial if p not in sent][:remaining]
    mode = _mode(target, exchanges)
    if mode == "none":
        return []
    wave: list[ProbeRequest] = []
    pna = _private_network_probe()
    if pna not in sent:
        wave.append(pna)
    if mode == "full":
        preflight = _untrusted_preflight_probe()
        if preflight not in sent:
            wave.append(preflight)
        # A suffix or dot probe granted under our own domain may be just another subdomain
        # (analyse drops it then): it does not end its class, the probe outside must go too.
        domains = {registrable_domain(_host(base)) for base in target.trust.bases}
        hit = {
            e.request
            for e in exchanges
            if _accepted(e)
            and not (
                e.request.purpose in _SUBDOMAIN_LOOKALIKES
                and any(_host(e.request.origin).endswith("." + d) for d in domains)
            )
        }
        for group in _groups(target):
            if any(probe in hit for probe in group):
                continue
            pending = [probe for probe in group if probe not in sent]
            if pending:
                wave.append(pending[0])
    return wave[:remaining]


def planned_probe_count(target: Target) -> int:
    """How many probes the full check set holds before the budget (for documentation/tests)."""
    return len(initial_probes(target)) + 2 + sum(len(g) for g in _groups(target))


# --- Analysis ----------------------------------------------------------------------------


def _host(origin: str) -> str:
    return split_origin(origin)[1]


def _origin_finding(target: Target, exchange: Exchange) -> Finding:
    assert exchange.response is not None
    origin = exchange.request.origin
    response = exchange.response
    read = readability(origin, target.url, response.status, response.headers)
    if read.credentialed:
        explanation = f"A page on {origin} can read this response with the victim's cookies."
    elif read.anonymous:
        explanation = (
            f"A page on {origin} can read this response, but not with the victim's cookies "
            f"({read.reason})."
        )
    else:
        explanation = f"The browser would not honour this grant: {read.reason}."
    return Finding(
        exchange.request.purpose,
        severity_of(exchange.request.purpose, read.context),
        origin,
        read.credentialed,
        exchange.request,
        response,
        explanation,
    )


def _origin_findings(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    trust = target.trust
    first: dict[str, Exchange] = {}
    for exchange in answered:
        purpose = exchange.request.purpose
        if (
            purpose in ORIGIN_CLASSES
            and exchange.request.method == "GET"
            and not trust.trusts(exchange.request.origin)
            and _accepted(exchange)
            and purpose not in first
        ):
            first[purpose] = exchange
    if "origin-reflected" in first:
        # Every origin is granted: the narrower classes add nothing.
        first = {"origin-reflected": first["origin-reflected"]}
    if "any-subdomain-trusted" in first:
        # attacker<host> under our own domain is just another subdomain, not a suffix match.
        domains = {registrable_domain(_host(base)) for base in trust.bases}
        for purpose in ("suffix-match", "unescaped-dot"):
            hit = first.get(purpose)
            if hit is not None and any(
                _host(hit.request.origin).endswith("." + domain) for domain in domains
            ):
                # Look for another hit of the class outside our domain.
                others = [
                    e
                    for e in answered
                    if e.request.purpose == purpose
                    and _accepted(e)
                    and not any(_host(e.request.origin).endswith("." + d) for d in domains)
                ]
                if others:
                    first[purpose] = others[0]
                else:
                    del first[purpose]
    return [_origin_finding(target, exchange) for exchange in first.values()]


def _wildcard_findings(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    # Show the grant to an untrusted origin when there is one.
    ordered = sorted(answered, key=lambda e: target.trust.trusts(e.request.origin))
    for exchange in ordered:
        response = exchange.response
        if (
            response is None
            or exchange.request.method != "GET"
            or response.values("access-control-allow-origin") != ["*"]
        ):
            continue
        origin = exchange.request.origin
        read = readability(origin, target.url, response.status, response.headers)
        findings = [
            Finding(
                "wildcard-origin",
                severity_of("wildcard-origin", read.context),
                origin,
                False,
                exchange.request,
                response,
                "Any page can read this response without the victim's credentials.",
            )
        ]
        if [v.lower() for v in response.values("access-control-allow-credentials")] == ["true"]:
            severity = severity_of("wildcard-with-credentials", read.context)
            findings.append(
                Finding(
                    "wildcard-with-credentials",
                    severity,
                    origin,
                    read.credentialed,
                    exchange.request,
                    response,
                    "Browsers refuse Access-Control-Allow-Origin: * on requests with "
                    "credentials (Fetch, CORS check), so this grant gives no access to the "
                    "victim's data; but it shows that credentials were meant to be allowed, "
                    "and the usual 'fix' (reflecting the origin) trusts every site.",
                )
            )
        return findings
    return []


def _vary_has_origin(response: ProbeResponse) -> bool:
    tokens = {t.strip().lower() for v in response.values("vary") for t in v.split(",")}
    return "origin" in tokens or "*" in tokens


def _vary_finding(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    gets = [e for e in answered if e.response is not None and e.request.method == "GET"]
    granted = {e.response.get("access-control-allow-origin") for e in gets if e.response}
    if len(granted) < 2:
        return []  # the grant does not depend on the Origin
    for exchange in gets:
        response = exchange.response
        assert response is not None
        if _accepted(exchange) and not _vary_has_origin(response):
            others = sorted(
                {str(e.response.get("access-control-allow-origin")) for e in gets if e.response}
                - {exchange.request.origin}
            )
            read = readability(
                exchange.request.origin, target.url, response.status, response.headers
            )
            return [
                Finding(
                    "missing-vary-origin",
                    severity_of("missing-vary-origin", Context(read.credentialed)),
                    exchange.request.origin,
                    read.credentialed,
                    exchange.request,
                    response,
                    "Access-Control-Allow-Origin changes with the request's Origin (other "
                    f"origins got: {', '.join(others)}) but the response has no Vary: Origin, "
                    "so a shared cache can serve one origin's answer to another.",
                )
            ]
    return []


def _list_tokens(response: ProbeResponse, name: str) -> list[str]:
    return [t.strip() for value in response.values(name) for t in value.split(",")]


def _preflight_findings(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    findings: list[Finding] = []
    for exchange in answered:
        response = exchange.response
        if response is None or exchange.request.purpose != PREFLIGHT:
            continue
        origin = exchange.request.origin
        if PROBE_METHOD in _list_tokens(response, "access-control-allow-methods"):
            findings.append(
                Finding(
                    "preflight-any-method",
                    severity_of("preflight-any-method", Context(False)),
                    origin,
                    False,
                    exchange.request,
                    response,
                    f"Asked for the made-up method {PROBE_METHOD}, the preflight allowed it.",
                )
            )
        asked = PROBE_HEADER.lower()
        if asked in [t.lower() for t in _list_tokens(response, "access-control-allow-headers")]:
            findings.append(
                Finding(
                    "preflight-any-header",
                    severity_of("preflight-any-header", Context(False)),
                    origin,
                    False,
                    exchange.request,
                    response,
                    f"Asked for the made-up header {PROBE_HEADER}, the preflight allowed it.",
                )
            )
        break
    return findings


def _untrusted_preflight_finding(
    target: Target, answered: Sequence[Exchange], origin_findings: Sequence[Finding]
) -> list[Finding]:
    """A preflight granted to an arbitrary origin, where simple requests showed nothing."""
    if any(f.id == "origin-reflected" for f in origin_findings):
        return []  # reads are granted to everyone already: that finding says more
    for exchange in answered:
        response = exchange.response
        if response is None or exchange.request.purpose != UNTRUSTED_PREFLIGHT:
            continue
        origin = exchange.request.origin
        if not preflight_passes(origin, response.status, response.headers):
            return []
        credentialed = response.values("access-control-allow-credentials") == ["true"]
        # Fetch, "CORS-preflight fetch": passing it lets the actual request go out, with
        # cookies when Allow-Credentials is true; reading the answer is a separate check.
        return [
            Finding(
                "preflight-origin-reflected",
                severity_of("preflight-origin-reflected", Context(credentialed)),
                origin,
                credentialed,
                exchange.request,
                response,
                f"A page on {origin} passes the preflight for a PUT with a JSON body"
                + (
                    ", so the request goes out with the victim's cookies."
                    if credentialed
                    else ", though without the victim's cookies (no Allow-Credentials: true)."
                ),
            )
        ]
    return []


def _private_network_finding(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    for exchange in answered:
        response = exchange.response
        origin = exchange.request.origin
        if (
            response is None
            or exchange.request.purpose != "private-network-allowed"
            or target.trust.trusts(origin)
        ):
            continue
        if [v.lower() for v in response.values("access-control-allow-private-network")] != ["true"]:
            continue
        # Private Network Access: the grant counts only if the preflight passes as a whole.
        passes = preflight_passes(origin, response.status, response.headers)
        severity = severity_of("private-network-allowed", Context(False, readable=passes))
        if passes:
            explanation = (
                f"The preflight grants {origin} access to this private-network service through "
                "a visitor's browser."
            )
        else:
            explanation = (
                "The preflight answers Access-Control-Allow-Private-Network: true to an "
                "untrusted origin, but the browser would not honour it: the preflight does not "
                f"pass the CORS check for {origin}."
            )
        return [
            Finding(
                "private-network-allowed",
                severity,
                origin,
                False,
                exchange.request,
                response,
                explanation,
            )
        ]
    return []


def _error(target: Target, exchanges: Sequence[Exchange]) -> str | None:
    answered = [e for e in exchanges if e.response is not None]
    if not answered:
        errors = [e.error for e in exchanges if e.error]
        return errors[0] if errors else "no probe was sent"
    if all(300 <= e.response.status < 400 for e in answered if e.response) and not any(
        e.response.has_cors for e in answered if e.response
    ):
        response = answered[0].response
        assert response is not None
        location = response.get("location")
        where = "itself" if location == target.url else repr(location or "(no Location)")
        return (
            f"redirects ({response.status}) to {where}; corsguard does not follow redirects: "
            "audit the final URL"
        )
    return None


def exchange_notes(exchanges: Sequence[Exchange]) -> tuple[str, ...]:
    """One note per distinct body problem, with how many responses it affected."""
    counts: dict[str, int] = {}
    for exchange in exchanges:
        if exchange.response is not None and exchange.note:
            counts[exchange.note] = counts.get(exchange.note, 0) + 1
    answered = sum(1 for e in exchanges if e.response is not None)
    return tuple(
        f"{count} of {answered} responses: {note}; judged from their headers, which arrived in full"
        for note, count in counts.items()
    )


def analyse(
    target: Target, exchanges: Sequence[Exchange], notes: Sequence[str] = ()
) -> TargetReport:
    """Every finding the exchanges show, most severe first; or the target's error.

    ``notes`` (from the prober: a check set cut short) join the exchanges' own notes.
    """
    error = _error(target, exchanges)
    if error is not None:
        return TargetReport(target.url, "error", error, (), len(exchanges), target.request_headers)
    all_notes = (*notes, *exchange_notes(exchanges))
    answered = [e for e in exchanges if e.response is not None]
    origin_findings = _origin_findings(target, answered)
    findings = (
        origin_findings
        + _untrusted_preflight_finding(target, answered, origin_findings)
        + _wildcard_findings(target, answered)
        + _vary_finding(target, answered)
        + _preflight_findings(target, answered)
        + _private_network_finding(target, answered)
    )
    findings.sort(key=lambda f: (-f.severity.rank, order(f.id)))
    return TargetReport(
        target.url,
        "ok",
        None,
        tuple(findings),
        len(exchanges),
        target.request_headers,
        tuple(dict.fromkeys(all_notes)),
        tuple(pattern.text for pattern in target.trust.patterns),
    )


__all__ = [
    "MAX_REQUESTS",
    "THIRD_PARTY_HOSTS",
    "Exchange",
    "Finding",
    "ProbeRequest",
    "ProbeResponse",
    "Target",
    "TargetError",
    "TargetReport",
    "Trust",
    "analyse",
    "build_trust",
    "initial_probes",
    "next_probes",
    "parse_trusted",
    "url_origin",
]
