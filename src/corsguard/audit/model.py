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
from urllib.parse import urljoin, urlsplit, urlunsplit

from corsguard.audit.severity import preflight_passes, readability
from corsguard.audit.stack import BODY_PREFIX, UNKNOWN, Observed, Stack, observe, recognise_all
from corsguard.findings import KINDS, Context, Severity, order, severity_of
from corsguard.origin import OriginPattern, parse_origin_pattern
from corsguard.probes import (
    ARBITRARY_ORIGIN,
    THIRD_PARTY_HOSTS,
    bypass_probes,
    deep_subdomain_probe,
    generic_probes,
    platform_probes,
    registrable_domain,
    split_origin,
)
from corsguard.trusted import classify_pattern
from corsguard.untrusted import clean_text

MAX_REQUESTS = 100
"""At most this many requests per target for the whole check set.

Black-box runs (no --origin) probe the target's own origin and, when the target is on a
non-default port, the same host on the default port too (the real front end of an API on
:3000 is usually https://host): that doubles the bypass classes, not the waves.
"""

PROBE_METHOD = "CORSGUARD-PROBE"
PROBE_HEADER = "x-corsguard-probe"

# Purposes of probes that are not tied to one finding id.
TRUSTED = "trusted"
OWN = "own-origin"
PREFLIGHT = "preflight"
UNTRUSTED_PREFLIGHT = "untrusted-preflight"
# A told origin the catalogue names (corsguard.trusted: localhost, plain http, '*.', a
# hosting platform), sent to see whether the server grants it.
TOLD = "told"
# The made-up header alone, with method GET: a server that refuses the made-up method (400,
# Starlette) may still echo any header, which a GET with a custom header gets through.
PREFLIGHT_HEADER = "preflight-header"

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
    # Whether a shared cache may store the response, and whether one is on the path
    # (RFC 9111 section 5.2: Cache-Control; section 5.1: Age; RFC 9110 section 7.6.3: Via;
    # the de-facto X-Cache / CF-Cache-Status of CDNs and proxies).
    "cache-control",
    "age",
    "via",
    "x-cache",
    "x-cache-status",
    "cf-cache-status",
    "x-proxy-cache",
    "cdn-cache-control",
    "surrogate-control",
)
_FINGERPRINT_HEADERS = frozenset({"server", "x-powered-by"})
_FINGERPRINT_CAP = 200
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
    # The cache check (--cache-check): probes with the same slot share one cache key of the
    # audit's own; "" is a key of the probe's own.
    slot: str = ""
    # The open-proxy check: the path (with its leading "/") requested on the target's own
    # origin instead of the target URL's; "" is the target URL.
    path: str = ""

    @property
    def all_headers(self) -> tuple[tuple[str, str], ...]:
        return (("Origin", self.origin), *self.headers)


@dataclass(frozen=True)
class ProbeResponse:
    """What came back: the status and the CORS-relevant header fields (names lowercase)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    # What names the server stack (Server, X-Powered-By) and the start of the body, for
    # corsguard.audit.stack; not CORS evidence, so left out of comparisons and the report.
    fingerprint: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    body: str = field(default="", compare=False, repr=False)

    @classmethod
    def keep_cors(
        cls, status: int, headers: Sequence[tuple[str, str]], body: str = ""
    ) -> ProbeResponse:
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
        fingerprint = tuple(
            (name.lower(), clean_text(value[:_FINGERPRINT_CAP]))
            for name, value in headers
            if name.lower() in _FINGERPRINT_HEADERS
        )[:8]
        return cls(status, kept, fingerprint, clean_text(body[:BODY_PREFIX]))

    def values(self, name: str) -> list[str]:
        return [value.strip(" \t") for key, value in self.headers if key == name]

    def get(self, name: str) -> str | None:
        found = self.values(name)
        return ", ".join(found) if found else None

    @property
    def has_cors(self) -> bool:
        """Any CORS response header, or ``Vary: Origin`` (the answer depends on an origin check)."""
        if any(name.startswith("access-control-") for name, _ in self.headers):
            return True
        tokens = {t.strip().lower() for v in self.values("vary") for t in v.split(",")}
        return "origin" in tokens

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
    """The legitimate front ends: the basis of the bypass probes, never reported as a bypass.

    A told origin that the catalogue names on its own (corsguard.trusted) is reported when
    the server grants it, as check and lint report it (_told_findings).
    """

    own_origin: str
    patterns: tuple[OriginPattern, ...]
    representatives: tuple[str, ...]  # concrete trusted origins to send
    bases: tuple[str, ...]  # exact origins the bypass probes are built from
    # Black-box: the target's own site on the default port (the API's front end).
    own_site: tuple[str, ...] = ()

    @property
    def black_box(self) -> bool:
        """No --origin: the target's own site is taken as the trusted front end."""
        return not self.patterns

    @property
    def one_label(self) -> bool:
        return any(p.kind == "one-label" for p in self.patterns)

    def trusts(self, origin: str) -> bool:
        return (
            origin == self.own_origin
            or origin in self.own_site
            or any(p.matches(origin) for p in self.patterns)
        )


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
    # missing-vary-origin: whether a shared cache may store the response (its rating).
    cacheable: bool | None = None
    # The finding's origin is a trusted front end (a preflight or wildcard seen from it):
    # no attacker page can be run there, so it has no browser proof.
    origin_trusted: bool = False
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
    # The server stack the responses show (corsguard.audit.stack): the fix is in its terms.
    stack: Stack = UNKNOWN
    # What the trusted origins are granted (methods, headers, ...): the fix carries it.
    observed: Observed = field(default=Observed(), repr=False)


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


CACHE_KEY_PARAMETER = "corsguard"
"""The query parameter that gives every probe a cache key of its own (``--no-cache-key``)."""


def with_cache_key(url: str, value: str | None) -> str:
    """``url`` with ``corsguard=value`` added to its query (unchanged for None).

    A shared cache keys on the URL (RFC 9111 section 4: the primary cache key is the target
    URI), so a probe's answer is stored under a URL no real user requests: the audit can
    neither poison what real users get nor be answered from what they got.
    """
    if value is None:
        return url
    parts = urlsplit(url.strip())
    extra = f"{CACHE_KEY_PARAMETER}={value}"
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def without_cache_key(url: str) -> str:
    """``url`` without the audit's own cache-key parameter (a redirect may echo it back)."""
    parts = urlsplit(url)
    if f"{CACHE_KEY_PARAMETER}=" not in parts.query:
        return url
    kept = [
        item for item in parts.query.split("&") if not item.startswith(f"{CACHE_KEY_PARAMETER}=")
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


def parse_trusted(texts: Sequence[str]) -> tuple[OriginPattern, ...]:
    """Validate --origin values (corsguard.Policy's syntax); ValueError says what to write."""
    return tuple(parse_origin_pattern(text) for text in texts)


def _concrete(pattern: OriginPattern) -> tuple[str, str]:
    """(an origin the pattern trusts, the exact origin to build bypasses from)."""
    port = "" if pattern.port in (None, "*") else f":{pattern.port}"
    if pattern.kind in ("subdomain", "one-label"):
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
        # Black-box: the target's own site is the trusted front end. A check written for
        # production (`/website\.com$/`, `endsWith(".website.com")`) sees origins without a
        # port, so an API on a non-default port is probed on the default port as well.
        scheme, host, port = split_origin(own)
        domain = registrable_domain(host)
        ports = ["", port] if port else [""]
        bases = []
        for each in ports:
            bases.append(f"{scheme}://{host}{each}")
            if domain != host:
                bases.append(f"{scheme}://{domain}{each}")
        site = [f"{scheme}://{host}"] if port else []
        if scheme == "http":
            # An API on plain http (behind a TLS terminator, or in staging) usually serves
            # an https front end of the same host; the reverse would be insecure-origin-trusted.
            site.append(f"https://{host}")
        return Trust(own, (), (own, *site), tuple(bases), tuple(site))
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
    probes += [p for p in _told_probes(trust) if _get(TRUSTED, p.origin) not in probes]
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


def _told_origins(pattern: OriginPattern) -> tuple[str, ...]:
    """Concrete origins that show whether the server grants a told pattern: its
    representative and, for '*.' (any depth), a subdomain one level deeper too."""
    representative, _base = _concrete(pattern)
    if pattern.kind != "subdomain":
        return (representative,)
    scheme, host, port = split_origin(representative)
    label, _, rest = host.partition(".")
    return representative, f"{scheme}://{label}.deeper.{rest}{port}"


def _told_probes(trust: Trust) -> list[ProbeRequest]:
    """GETs from each told origin or pattern the catalogue names (corsguard.trusted)."""
    return [
        _get(TOLD, origin)
        for pattern in trust.patterns
        if classify_pattern(pattern).ids
        for origin in _told_origins(pattern)
    ]


def _header_preflight_probe(target: Target) -> ProbeRequest:
    return ProbeRequest(
        PREFLIGHT_HEADER,
        "OPTIONS",
        target.trust.representatives[0],
        (
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", PROBE_HEADER),
        ),
    )


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
        # Told '+.' (one label): a name two labels deep must be refused (issue #13).
        deeper = [deep_subdomain_probe(base)] if trust.one_label else []
        for probe in [*platform_probes(base), *bypass_probes(base), *deeper]:
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
    """ "none" (no CORS), "reflect" (any origin), "static" (ignores Origin), or "full".

    "static" needs the same Access-Control-Allow-Origin on every GET: a server that grants
    nothing to the probes so far (the npm `cors` package with a regex answers them with
    ``Vary: Origin`` only) has an origin check, and gets the full set.
    """
    answered = [e for e in exchanges if e.response is not None and not e.request.path]
    if not any(e.response is not None and e.response.has_cors for e in answered):
        return "none"
    if any(e.request.purpose == "origin-reflected" and _accepted(e) for e in answered):
        return "reflect"
    grants = [
        e.response.get("access-control-allow-origin")
        for e in answered
        if e.response and e.request.method == "GET"
    ]
    if len(grants) > 1 and len(set(grants)) == 1 and grants[0] is not None:
        return "static"
    return "full"


def _dot_remainder(origin: str, base_host: str) -> str | None:
    """For an unescaped-dot probe of ``base_host``: the host part after the replaced dot."""
    host = _host(origin)
    labels = base_host.split(".")
    for i in range(1, len(labels)):
        if host == ".".join(labels[:i]) + "x" + ".".join(labels[i:]):
            return ".".join(labels[i:])
    return None


def _suffix_twin(exchange: Exchange, trust: Trust) -> ProbeRequest | None:
    r"""The suffix probe that tells an endsWith check from an unescaped regex dot.

    ``appxexample.com`` passes both ``/app.example\.com$/`` and ``endsWith("example.com")``;
    only the second also passes ``attackerexample.com``.
    """
    scheme, _, port = split_origin(exchange.request.origin)
    for base in trust.bases:
        rest = _dot_remainder(exchange.request.origin, _host(base))
        if rest is not None:
            return _get("suffix-match", f"{scheme}://attacker{rest}{port}")
    return None


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
    # An answer any site may read may be an open CORS proxy's: ask it to fetch its own root.
    if any(
        e.request.purpose == "origin-reflected"
        and e.request.method == "GET"
        and e.response is not None
        and _grants_arbitrary(e.response)
        for e in exchanges
    ):
        wave += [p for p in open_proxy_probes(target) if p not in sent]
    pna = _private_network_probe()
    if pna not in sent:
        wave.append(pna)
    header = _header_preflight_probe(target)
    if header not in sent:
        wave.append(header)
    if mode == "static":
        # A fixed Access-Control-Allow-Origin lets exactly that origin read (Fetch, "CORS
        # check"): when a probe class (localhost, plain http, a platform) has it as its
        # origin, send that probe so the fixed grant is judged like an echoed one.
        fixed = next(
            (e.response.get("access-control-allow-origin") for e in exchanges if e.response),
            None,
        )
        for group in _groups(target):
            for probe in group:
                if probe.origin == fixed and probe not in sent and probe not in wave:
                    wave.append(probe)
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
        # A granted dot probe needs its suffix twin to name the cause (see analyse).
        for exchange in exchanges:
            if exchange.request.purpose == "unescaped-dot" and _accepted(exchange):
                twin = _suffix_twin(exchange, target.trust)
                if twin is not None and twin not in sent and twin not in wave:
                    wave.append(twin)
        for group in _groups(target):
            if any(probe in hit for probe in group):
                continue
            pending = [probe for probe in group if probe not in sent and probe not in wave]
            if pending:
                wave.append(pending[0])
    return wave[:remaining]


PROXY_DIRECT = "proxy-direct"
PROXY_FETCH = "proxy-fetch"
PROXY_CONTROL = "proxy-control"
_NOT_A_URL = "corsguard-probe-not-a-url"


def open_proxy_probes(target: Target) -> list[ProbeRequest]:
    """Ask the target to fetch its own origin's root through its path, as a CORS proxy
    (cors-anywhere: ``/http://host/path``) is asked; the root directly; and a control path
    of the same shape that is no URL. Only the target's own origin is ever named: corsguard
    never makes a target fetch another host.
    """
    own = url_origin(target.url)
    prefix = urlsplit(target.url).path.rstrip("/")
    return [
        ProbeRequest(PROXY_DIRECT, "GET", ARBITRARY_ORIGIN, path="/"),
        ProbeRequest(PROXY_FETCH, "GET", ARBITRARY_ORIGIN, path=f"{prefix}/{own}/"),
        ProbeRequest(PROXY_CONTROL, "GET", ARBITRARY_ORIGIN, path=f"{prefix}/{_NOT_A_URL}/"),
    ]


def probe_url(url: str, probe: ProbeRequest) -> str:
    """The URL ``probe`` requests: the target URL, or a path on the target's own origin."""
    return url if not probe.path else url_origin(url) + probe.path


def _grants_arbitrary(response: ProbeResponse) -> bool:
    return response.get("access-control-allow-origin") in ("*", ARBITRARY_ORIGIN)


def _open_proxy_finding(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    """open-cors-proxy: the proxy path answered exactly what the root answers, the control
    path did not (a catch-all page answers both alike), and the answer is granted to the
    arbitrary origin."""
    by = {e.request.purpose: e for e in answered if e.request.path}
    direct, fetched, control = (by.get(p) for p in (PROXY_DIRECT, PROXY_FETCH, PROXY_CONTROL))
    if direct is None or fetched is None or control is None:
        return []
    d, f, c = direct.response, fetched.response, control.response
    assert d is not None and f is not None and c is not None
    if not (200 <= f.status < 300 and f.status == d.status and f.body and f.body == d.body):
        return []
    if (c.status, c.body) == (d.status, d.body) or not _grants_arbitrary(f):
        return []
    return [
        Finding(
            "open-cors-proxy",
            severity_of("open-cors-proxy", Context(False)),
            ARBITRARY_ORIGIN,
            False,
            fetched.request,
            f,
            f"{fetched.request.path} answered {f.status} with what {url_origin(target.url)}/ "
            f"answers, granted to {ARBITRARY_ORIGIN}: the server fetches the URL in its path "
            "for any site (and would fetch hosts on its own network)",
        )
    ]


CACHE_PRIME = "cache-prime"
CACHE_READ = "cache-read"


def cache_check_waves(target: Target) -> list[list[ProbeRequest]]:
    """--cache-check: prime two keys of the audit's own, then read each from the other origin.

    Slot "a" is primed from the arbitrary origin and read from the trusted one; slot "b" the
    reverse. The waves run one after the other; the two keys within a wave are independent.
    """
    trusted = target.trust.representatives[0]
    return [
        [
            ProbeRequest(CACHE_PRIME, "GET", ARBITRARY_ORIGIN, slot="a"),
            ProbeRequest(CACHE_PRIME, "GET", trusted, slot="b"),
        ],
        [
            ProbeRequest(CACHE_READ, "GET", trusted, slot="a"),
            ProbeRequest(CACHE_READ, "GET", ARBITRARY_ORIGIN, slot="b"),
        ],
    ]


def _cache_findings(target: Target, cache: Sequence[Exchange]) -> list[Finding]:
    """cache-poisoning: a read on a primed key returned the primer's answer, not its own.

    Each origin's own answer is what it got as the first request on a fresh key (its prime);
    a read that returns the other origin's Access-Control-Allow-Origin (a grant, or no grant)
    where the two fresh answers differ was served from the cache entry the other one stored.
    """
    by = {(e.request.purpose, e.request.slot): e.response for e in cache if e.response}
    primes = {slot: by.get((CACHE_PRIME, slot)) for slot in ("a", "b")}
    reads = {slot: by.get((CACHE_READ, slot)) for slot in ("a", "b")}
    if any(r is None for r in (*primes.values(), *reads.values())):
        return []
    attacker_own, trusted_own = (primes["a"], primes["b"])
    assert attacker_own is not None and trusted_own is not None
    a_acao = attacker_own.get("access-control-allow-origin")
    t_acao = trusted_own.get("access-control-allow-origin")
    if a_acao == t_acao:
        return []  # one answer for both origins: nothing a cache could mix up
    shown: list[tuple[bool, Exchange, str]] = []
    for slot, own, other, victim in (("a", t_acao, a_acao, True), ("b", a_acao, t_acao, False)):
        read = reads[slot]
        assert read is not None
        got = read.get("access-control-allow-origin")
        if got == other and got != own:
            exchange = next(
                e for e in cache if (e.request.purpose, e.request.slot) == (CACHE_READ, slot)
            )
            shown.append((victim, exchange, got or "no Access-Control-Allow-Origin"))
    if not shown:
        return []
    shown.sort(key=lambda item: not item[0])  # the trusted origin's broken read first
    broken, exchange, got = shown[0]
    assert exchange.response is not None
    primer = ARBITRARY_ORIGIN if broken else target.trust.representatives[0]
    explanation = (
        f"after {primer} requested a key of the audit's own, {exchange.request.origin} got "
        f"{got} from it instead of its own answer"
        + (": your front end's grant can be taken away for every user" if broken else "")
    )
    return [
        Finding(
            "cache-poisoning",
            severity_of("cache-poisoning", Context(exposed=broken)),
            exchange.request.origin,
            False,
            exchange.request,
            exchange.response,
            explanation,
            origin_trusted=broken,
        )
    ]


def planned_probe_count(target: Target) -> int:
    """How many probes the full check set holds before the budget (for documentation/tests)."""
    return len(initial_probes(target)) + 3 + sum(len(g) for g in _groups(target))


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
    dot = first.get("unescaped-dot")
    if dot is not None:
        # An endsWith / suffix check passes appxexample.com too: the dot probe names an
        # unescaped regex dot only when its suffix twin (attackerexample.com) is refused.
        twin = _suffix_twin(dot, trust)
        granted = [e for e in answered if twin is not None and e.request == twin and _accepted(e)]
        if granted:
            del first["unescaped-dot"]
            first.setdefault("suffix-match", granted[0])
    if "third-party-origin-trusted" in first and "suffix-match" in first:
        # corsguardprobe-website.com passes endsWith("website.com") like attackerwebsite.com:
        # a platform-style name explained by the suffix check is not another cause.
        suffixes = [
            _host(e.request.origin).removeprefix("attacker")
            for e in answered
            if e.request.purpose == "suffix-match"
            and _host(e.request.origin).startswith("attacker")
            and _accepted(e)
        ]
        unexplained = [
            e
            for e in answered
            if e.request.purpose == "third-party-origin-trusted"
            and _accepted(e)
            and not trust.trusts(e.request.origin)
            and not any(_host(e.request.origin).endswith(s) for s in suffixes)
        ]
        if unexplained:
            first["third-party-origin-trusted"] = unexplained[0]
        else:
            del first["third-party-origin-trusted"]
    return [_origin_finding(target, exchange) for exchange in first.values()]


def _told_findings(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    """What the server does with the origins it was told to trust, judged as check and lint
    judge the same configuration (corsguard.trusted): a told localhost, plain-http, '*.' or
    hosting-platform origin the server grants (Access-Control-Allow-Origin is exactly that
    origin, Fetch "CORS check") is reported under the catalogue's id, rated by what a page
    there can read (credentials or not). The evidence is the observed grant."""
    found: dict[str, Finding] = {}
    for pattern in target.trust.patterns:
        trusted = classify_pattern(pattern)
        if not trusted.ids:
            continue
        wanted = _told_origins(pattern)
        granted = [
            e
            for origin in wanted
            for e in answered
            if e.request.origin == origin
            and e.request.method == "GET"
            and e.request.purpose in (TRUSTED, TOLD, OWN)
            and _accepted(e)
        ]
        if not granted:
            continue
        exchange = granted[0]
        assert exchange.response is not None
        response = exchange.response
        origin = exchange.request.origin
        read = readability(origin, target.url, response.status, response.headers)
        deeper = sorted({e.request.origin for e in granted} - {origin})
        shown = f"{origin} is granted" + (f" (and {', '.join(deeper)})" if deeper else "")
        if read.credentialed:
            reads = "a page there can read this response with the victim's cookies"
        elif read.anonymous:
            reads = (
                f"a page there can read this response, without the victim's cookies ({read.reason})"
            )
        else:
            reads = f"the browser would not honour this grant: {read.reason}"
        for kind in trusted.ids:
            severity = severity_of(kind, read.context)
            if kind in found and found[kind].severity.rank >= severity.rank:
                continue  # one finding per id: the worst told origin's
            found[kind] = Finding(
                kind,
                severity,
                origin,
                read.credentialed,
                exchange.request,
                response,
                f"--origin {pattern.text} is trusted on purpose, and {shown}: "
                f"{KINDS[kind].meaning} {reads[0].upper()}{reads[1:]}.",
            )
    return list(found.values())


def _merge_told(findings: list[Finding], told: Sequence[Finding]) -> list[Finding]:
    """One finding per id: a told origin's grant joins the bypass probes' findings, the more
    severe of two with the same id kept (the probe's on a tie). Where every origin is
    granted, origin-reflected stands for the told origins too: the server trusts no one
    in particular."""
    out = list(findings)
    if any(f.id == "origin-reflected" for f in out):
        return out
    for finding in told:
        same = next((i for i, f in enumerate(out) if f.id == finding.id), None)
        if same is None:
            out.append(finding)
        elif finding.severity.rank > out[same].severity.rank:
            out[same] = finding
    return out


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
                origin_trusted=target.trust.trusts(origin),
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
                    origin_trusted=target.trust.trusts(origin),
                )
            )
        return findings
    return []


def _vary_has_origin(response: ProbeResponse) -> bool:
    tokens = {t.strip().lower() for v in response.values("vary") for t in v.split(",")}
    return "origin" in tokens or "*" in tokens


# Headers that only a cache on the path adds (RFC 9111 section 5.1 Age; RFC 9110 section
# 7.6.3 Via; X-Cache of Squid, Varnish, Fastly, CloudFront; CF-Cache-Status of Cloudflare).
_CACHE_SIGNS = ("age", "x-cache", "x-cache-status", "cf-cache-status", "x-proxy-cache", "via")


def shared_cache_may_store(response: ProbeResponse) -> tuple[bool, str]:
    """(whether a shared cache may store ``response``, why) from its own headers.

    RFC 9111 section 5.2.2: ``no-store`` and ``private`` forbid a shared cache to store it;
    ``public`` and ``s-maxage`` are addressed to shared caches (CDN-Cache-Control and
    Surrogate-Control, RFC 9213, likewise). A cache on the path (Age, Via, X-Cache,
    CF-Cache-Status) may store any cacheable answer by its own configuration.
    """
    directives = {
        token.strip().lower().split("=", 1)[0]
        for value in response.values("cache-control")
        for token in value.split(",")
    }
    if "no-store" in directives or "private" in directives:
        return False, "Cache-Control forbids shared caches to store it (no-store or private)"
    stated = sorted(directives & {"public", "s-maxage"})
    if stated:
        return True, f"Cache-Control allows shared caches to store it ({', '.join(stated)})"
    if response.get("cdn-cache-control") or response.get("surrogate-control"):
        return True, "CDN-Cache-Control or Surrogate-Control addresses a CDN"
    seen = [name for name in _CACHE_SIGNS if response.get(name) is not None]
    if seen:
        names = ", ".join(_PRETTY_CACHE.get(n, n) for n in seen)
        return True, f"a cache is on the path ({names} in the response)"
    return False, "nothing shows a shared cache that may store it"


_PRETTY_CACHE = {
    "age": "Age",
    "via": "Via",
    "x-cache": "X-Cache",
    "x-cache-status": "X-Cache-Status",
    "cf-cache-status": "CF-Cache-Status",
    "x-proxy-cache": "X-Proxy-Cache",
}


def missing_vary_severity(cacheable: bool) -> Severity:
    """The rating of missing-vary-origin (the catalogue's rule, corsguard.findings): medium
    where a shared cache may store the answer (one origin's grant or refusal served to
    another, for every user), low otherwise."""
    return severity_of("missing-vary-origin", Context(cacheable=cacheable))


def _vary_finding(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    gets = [e for e in answered if e.response is not None and e.request.method == "GET"]
    granted = {e.response.get("access-control-allow-origin") for e in gets if e.response}
    if len(granted) < 2:
        return []  # the grant does not depend on the Origin
    # Prefer the evidence of a trusted origin's grant: that is what a cache would hand on.
    ordered = sorted(gets, key=lambda e: not target.trust.trusts(e.request.origin))
    for exchange in ordered:
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
            cacheable, why = shared_cache_may_store(response)
            if cacheable:
                risk = (
                    f"{why}, so it can serve one origin's answer to another: the front end "
                    "gets a response without its grant (broken for every user until the entry "
                    "expires), or an attacker's origin gets a grant meant for another."
                )
            else:
                risk = (
                    f"{why}; it is exposed only if a shared cache is added in front later, "
                    "or through a browser's own cache."
                )
            return [
                Finding(
                    "missing-vary-origin",
                    severity_of(
                        "missing-vary-origin", Context(read.credentialed, cacheable=cacheable)
                    ),
                    exchange.request.origin,
                    read.credentialed,
                    exchange.request,
                    response,
                    "Access-Control-Allow-Origin changes with the request's Origin (other "
                    f"origins got: {', '.join(others)}) but the response has no Vary: Origin; "
                    + risk,
                    cacheable=cacheable,
                    origin_trusted=target.trust.trusts(exchange.request.origin),
                )
            ]
    return []


def _list_tokens(response: ProbeResponse, name: str) -> list[str]:
    return [t.strip() for value in response.values(name) for t in value.split(",")]


def _preflight_findings(target: Target, answered: Sequence[Exchange]) -> list[Finding]:
    """preflight-any-method / -header, from preflights that succeed only.

    Fetch, "CORS-preflight fetch": a preflight without an ok status, or failing the CORS
    check for its origin, fails whatever else it says; a 400 that echoes the method, or an
    echo to an origin it does not grant, allows nothing.
    """
    found: dict[str, Finding] = {}
    for exchange in answered:
        response = exchange.response
        purpose = exchange.request.purpose
        if response is None or purpose not in (PREFLIGHT, PREFLIGHT_HEADER):
            continue
        origin = exchange.request.origin
        if not preflight_passes(origin, response.status, response.headers):
            continue
        trusted = target.trust.trusts(origin)
        methods = _list_tokens(response, "access-control-allow-methods")
        if purpose == PREFLIGHT and PROBE_METHOD in methods:
            found["preflight-any-method"] = Finding(
                "preflight-any-method",
                severity_of("preflight-any-method", Context(False)),
                origin,
                False,
                exchange.request,
                response,
                f"Asked for the made-up method {PROBE_METHOD}, the preflight allowed it.",
                origin_trusted=trusted,
            )
        allowed = [t.lower() for t in _list_tokens(response, "access-control-allow-headers")]
        if PROBE_HEADER.lower() in allowed and "preflight-any-header" not in found:
            found["preflight-any-header"] = Finding(
                "preflight-any-header",
                severity_of("preflight-any-header", Context(False)),
                origin,
                False,
                exchange.request,
                response,
                f"Asked for the made-up header {PROBE_HEADER}, the preflight allowed it.",
                origin_trusted=trusted,
            )
    return list(found.values())


def _untrusted_preflight_finding(
    target: Target, answered: Sequence[Exchange], origin_findings: Sequence[Finding]
) -> list[Finding]:
    """The preflight reflects an arbitrary origin, although simple requests from it get no grant.

    Never for ``*`` (that is wildcard-origin, and browsers refuse it with credentials), and
    never where a simple GET from the same origin is granted: reads are open to it already,
    and the finding about the grant says more.
    """
    if any(f.id == "origin-reflected" for f in origin_findings):
        return []
    simple = [
        e
        for e in answered
        if e.request.method == "GET" and e.request.origin == ARBITRARY_ORIGIN and e.response
    ]
    if not simple:
        return []
    for e in simple:
        assert e.response is not None
        if e.response.values("access-control-allow-origin") in ([ARBITRARY_ORIGIN], ["*"]):
            return []
    for exchange in answered:
        response = exchange.response
        if response is None or exchange.request.purpose != UNTRUSTED_PREFLIGHT:
            continue
        origin = exchange.request.origin
        if response.values("access-control-allow-origin") != [origin]:
            return []  # not a reflection (absent, another origin, or *)
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
                f"The preflight for a PUT with a JSON body reflects {origin} and passes, while "
                "a simple GET from it gets no grant: a page there can send such writes"
                + (
                    " with the victim's cookies (Allow-Credentials: true), without reading "
                    "the answers."
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
        if not 200 <= response.status <= 299:
            continue  # a failed preflight (not ok) grants nothing, whatever its headers
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


def redirect_target(url: str, location: str | None) -> str:
    """Where a redirect leads: Location resolved against the request URL (RFC 9110 10.2.2)."""
    if not location:
        return "(no Location header)"
    try:
        return without_cache_key(urljoin(url, location))
    except ValueError:
        return location


def _error(target: Target, exchanges: Sequence[Exchange]) -> str | None:
    exchanges = [e for e in exchanges if not e.request.path]  # not the open-proxy probes'
    answered = [e for e in exchanges if e.response is not None]
    if not answered:
        errors = [e.error for e in exchanges if e.error]
        return errors[0] if errors else "no probe was sent"
    gets = [e for e in answered if e.request.method == "GET" and e.response is not None]
    if gets and all(300 <= e.response.status < 400 for e in gets if e.response):
        # Every GET was redirected: what a browser reads is the final URL's answer, which
        # was not fetched; CORS headers on the hop alone say nothing about it.
        response = gets[0].response
        assert response is not None
        final = redirect_target(target.url, response.get("location"))
        where = "itself" if final == target.url else final
        return (
            f"redirects ({response.status}) to {where}; corsguard does not follow redirects: "
            "audit the final URL, or add --follow-redirects"
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
    target: Target,
    exchanges: Sequence[Exchange],
    notes: Sequence[str] = (),
    cache: Sequence[Exchange] = (),
) -> TargetReport:
    """Every finding the exchanges show, most severe first; or the target's error.

    ``notes`` (from the prober: a check set cut short) join the exchanges' own notes.
    """
    error = _error(target, exchanges)
    if error is not None:
        return TargetReport(target.url, "error", error, (), len(exchanges), target.request_headers)
    all_notes = (*notes, *exchange_notes(exchanges))
    # The open-proxy probes ask other URLs of the origin: their answers are no evidence
    # about the target URL itself, only about the proxy.
    answered = [e for e in exchanges if e.response is not None and not e.request.path]
    proxied = [e for e in exchanges if e.response is not None and e.request.path]
    origin_findings = _merge_told(
        _origin_findings(target, answered), _told_findings(target, answered)
    )
    findings = (
        origin_findings
        + _untrusted_preflight_finding(target, answered, origin_findings)
        + _wildcard_findings(target, answered)
        + _vary_finding(target, answered)
        + _preflight_findings(target, answered)
        + _private_network_finding(target, answered)
        + _cache_findings(target, cache)
        + _open_proxy_finding(target, proxied)
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
        recognise_all([(e.response.fingerprint, e.response.body) for e in answered if e.response]),
        observe(
            [
                (e.request.origin, e.response.headers)
                for e in answered
                if e.response and e.request.purpose in (TRUSTED, OWN, PREFLIGHT, PREFLIGHT_HEADER)
            ],
            ignore=(PROBE_METHOD, PROBE_HEADER),
        ),
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
    "cache_check_waves",
    "initial_probes",
    "missing_vary_severity",
    "next_probes",
    "parse_trusted",
    "redirect_target",
    "shared_cache_may_store",
    "url_origin",
    "with_cache_key",
]
