"""The catalogue of CORS holes: everything the tools know about a finding id, declared once.

One id names one class of mistake wherever it is found, live or in source, so that a team
can grep, suppress and track it across `corsguard audit`, `corsguard lint` and `--prove`.
Each :class:`Kind` carries the title, what it means, the condition the tools test (as in
docs/audit.md and docs/lint.md), the severity rule, how a browser proof shows it (or why
none can), its SARIF metadata and its remediation per stack. Adding an id means one entry
here, one detector and one lab endpoint.

Pure model layer: no I/O, imports nothing from the tools.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass

from corsguard.remediation import RENDERERS, STACKS, FixContext


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


# --- Severity rules ------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the detector knows about one finding, for its severity rule.

    ``credentials``: an untrusted page gets the victim's credentials along (audit: the
    browser model's CORS check passes with credentials; lint: the configuration allows them).
    None means "could not tell" and is judged as True (assume the worst).
    ``readable``: the browser honours the grant at all (audit: the CORS check passes without
    credentials, or a preflight passes; lint cannot run a browser and assumes it does).
    ``weak``: shown only by a host name nobody can register today (app.examplexcom).
    ``exposed``: the grant reaches beyond what the finding shows: for cors-library-conflict the
    leftover library answers where corsguard would refuse (it is the outer layer, or it allows
    credentials or every origin); for wildcard-origin, an open CORS proxy.
    ``cacheable``: missing-vary-origin only: a shared cache may store the answer (None:
    could not tell, judged as True).
    """

    credentials: bool | None = None
    readable: bool = True
    weak: bool = False
    exposed: bool = False
    cacheable: bool | None = None

    @property
    def creds(self) -> bool:
        return self.credentials is not False


SeverityRule = Callable[[Context], Severity]


def _reach(ctx: Context) -> Severity:
    """Any outsider can mount it: high with credentials, medium for an anonymous read."""
    if ctx.weak:
        return Severity.LOW
    if ctx.creds:
        return Severity.HIGH
    return Severity.MEDIUM if ctx.readable else Severity.LOW


def _foothold(ctx: Context) -> Severity:
    """Needs a foothold first (a network position, a subdomain, a local program): one step
    less than `_reach`, so medium with credentials and low without."""
    if ctx.weak or not ctx.readable:
        return Severity.LOW
    return Severity.MEDIUM if ctx.creds else Severity.LOW


def _low(ctx: Context) -> Severity:
    return Severity.LOW


def _public_low(ctx: Context) -> Severity:
    """'*' is low, but medium where the grant reaches beyond this server's own public data
    (``exposed``: an open CORS proxy fetches any URL, internal hosts included)."""
    return Severity.MEDIUM if ctx.exposed else Severity.LOW


def _credentials_high(ctx: Context) -> Severity:
    """`*` with credentials: harmless as written (the browser refuses it, Fetch "CORS check"),
    high where a library turns it into reflection with credentials."""
    return Severity.HIGH if ctx.creds else Severity.LOW


def _credentials_medium(ctx: Context) -> Severity:
    """A write goes out with the victim's cookies (medium); without them, low."""
    return Severity.MEDIUM if ctx.creds and ctx.readable else Severity.LOW


def _honoured_medium(ctx: Context) -> Severity:
    return Severity.MEDIUM if ctx.readable else Severity.LOW


def _cache_medium(ctx: Context) -> Severity:
    """Medium where a shared cache may hand one origin's grant to another (for every user),
    low where only a cache added later, or a browser's own, could."""
    return Severity.MEDIUM if ctx.cacheable is not False else Severity.LOW


def _high(ctx: Context) -> Severity:
    return Severity.HIGH


def _exposed_high(ctx: Context) -> Severity:
    return Severity.HIGH if ctx.exposed else Severity.MEDIUM


# --- Proof in a browser ----------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """How `corsguard audit --prove` shows a finding in Chromium, or why it cannot.

    ``how``: "read" (a page on the finding's origin reads the response, with credentials
    when the finding has them), "read-with-credentials" (always with credentials),
    "method" (a fetch with the made-up method), "header" (a fetch with the made-up header),
    or "" when no proof exists; then ``why_not`` says why.
    """

    how: str
    why_not: str = ""

    @property
    def provable(self) -> bool:
        return bool(self.how)


_READ = Proof("read")
_SOURCE_ONLY = Proof("", "found in source only (corsguard lint); nothing to prove in a browser")


# --- The catalogue ------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One class of CORS hole, with everything the tools need about it."""

    id: str
    title: str
    meaning: str  # what it means for the user, in one or two sentences
    advice: str  # what to change, in words (the configuration comes from corsguard.remediation)
    condition: str  # what the detectors test (docs/audit.md "shown by", docs/lint.md)
    severity_rule: SeverityRule
    proof: Proof
    cwe: str = "942"  # CWE-942: Permissive Cross-domain Policy with Untrusted Domains
    audit: bool = True  # found in live responses
    lint: bool = True  # found in source

    def severity(self, ctx: Context) -> Severity:
        return self.severity_rule(ctx)

    @property
    def remediation(self) -> str:
        """The stack-independent remediation: what it means and what to change."""
        return f"{self.meaning} {self.advice}"

    @property
    def tags(self) -> tuple[str, ...]:
        return ("security", "cors", f"external/cwe/cwe-{self.cwe}")


# Entries are in report order: for one check or target, the most telling first.
_KINDS = [
    Kind(
        "origin-reflected",
        "Any origin is reflected in Access-Control-Allow-Origin",
        "The server copies the request's Origin into Access-Control-Allow-Origin, so every "
        "web site is trusted.",
        "Allow an explicit list of your front ends' origins instead.",
        "the arbitrary origin is granted",
        _reach,
        _READ,
    ),
    Kind(
        "wildcard-with-credentials",
        "A wildcard origin is combined with credentials",
        "Browsers refuse '*' with credentials, so many libraries quietly reflect the origin "
        "instead, trusting every site with the user's cookies.",
        "List the trusted origins; corsguard.Policy refuses '*' with allow_credentials=True.",
        "`*` together with `Access-Control-Allow-Credentials: true`",
        _credentials_high,
        Proof("read-with-credentials"),
    ),
    Kind(
        "null-origin-trusted",
        "The origin 'null' is trusted",
        "Sandboxed iframes, data: URLs and redirected requests send Origin: null, so any site "
        "can produce it.",
        "Remove 'null' from the allowlist; corsguard.Policy refuses it.",
        "`Origin: null` is granted",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "third-party-origin-trusted",
        "An origin on a public hosting platform is trusted",
        "Anyone can publish a page on platforms such as github.io, netlify.app or vercel.app.",
        "Trust your own domain instead (previews on a domain you own).",
        "`corsguard-probe.github.io`, `.netlify.app`, `.vercel.app`, ...; and, for a "
        "trusted origin on a hosting platform such as "
        "`https://myapp-git-main-myteam.vercel.app`, deployments anyone could create "
        "beside it (`myapp-corsguardprobe`, `corsguardprobe-myteam`, "
        "`myapp-git-corsguardprobe-myteam`, ...), which reveal preview patterns like "
        "`myapp-git-*-myteam.vercel.app`; not where a granted suffix probe explains the "
        'name (`corsguardprobe-website.com` under `endsWith("website.com")`)',
        _reach,
        _READ,
    ),
    Kind(
        "prefix-match",
        "The origin check matches a prefix (https://TARGET.attacker.com is trusted)",
        "The check accepts any origin that starts with a trusted one, such as "
        "https://TRUSTED-HOST.attacker.test.",
        "Compare whole origins against a set, or use corsguard.Policy, which matches exact "
        "origins and anchored patterns only.",
        "`https://TRUSTED-HOST.attacker.test`",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "suffix-match",
        "The origin check matches a suffix (https://attackerTARGET is trusted)",
        "The check accepts any origin that ends with a trusted host, such as "
        "https://attackerTRUSTED-HOST.",
        "Match a subdomain only after a dot (a corsguard pattern such as https://*.DOMAIN) "
        "or list exact origins.",
        "`https://attackerTRUSTED-HOST` or `https://attackerDOMAIN` (outside the own "
        "domain) is granted: an `endsWith` / unanchored-start check",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "substring-match",
        "The origin check matches a substring (a truncated trusted host is trusted)",
        "The check accepts origins contained in a trusted one, such as the trusted origin "
        "minus its last character (Python's `origin in 'https://...'`).",
        "Compare whole origins against a set.",
        "the trusted origin minus its last character",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "unescaped-dot",
        "A regular expression leaves a dot unescaped",
        "A '.' in a regular expression matches any character, so a host with one dot "
        "replaced by a letter passes for the trusted one.",
        "Replace the regex with exact origins or a corsguard pattern such as https://*.DOMAIN.",
        "a dot of the trusted host replaced by `x` is granted, **and** its suffix twin "
        "(`attacker` + the part after that dot) is refused: a regex dot, not a suffix "
        "check",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "special-char-bypass",
        "The origin check accepts special characters after the trusted host",
        "Origins such as https://TRUSTED-HOST_.attacker.test pass the check, and some "
        "browsers accept such host names.",
        "Anchor the match at the end of the host, or list exact origins with corsguard.Policy.",
        "the trusted host + one of ``_ - ~ ! $ & ' ( ) * + , ; = ` %60 { } \\|`` + "
        "`.attacker.test`",
        _reach,
        _READ,
        cwe="346",
    ),
    Kind(
        "insecure-origin-trusted",
        "A plain-http origin is trusted by an https endpoint",
        "Anyone on the victim's network can inject script into a plain-http page, and through "
        "it read this https endpoint.",
        "Trust only https origins.",
        "the `http://` variant of an https trusted origin",
        _foothold,
        _READ,
    ),
    # Decided once for both tools: medium with credentials, low without. Exploiting it takes
    # control of some subdomain first (a takeover, user content on a subdomain), one step
    # more than an outsider's bypass (prefix-match and friends are high); the same footing as
    # a plain-http origin (a network position) and localhost (a local program).
    Kind(
        "any-subdomain-trusted",
        "Every subdomain is trusted",
        "Any subdomain, including forgotten or user-controlled ones and those open to "
        "subdomain takeover, can read responses.",
        "List the front ends that need access, or keep the wildcard only under a domain "
        "whose every host you control.",
        "`corsguard-probe.<registrable domain>`",
        _foothold,
        _READ,
    ),
    Kind(
        "localhost-trusted",
        "A localhost origin is trusted in production",
        "Any program on a user's machine can serve a page on localhost.",
        "List development origins in `development_origins`, which corsguard grants only "
        "with `CORSGUARD_ENV=development`.",
        "`http://localhost`, `http://localhost:3000`, `http://127.0.0.1`",
        _foothold,
        _READ,
    ),
    Kind(
        "private-network-allowed",
        "Private network access is granted to an untrusted origin",
        "Access-Control-Allow-Private-Network lets a public site reach this private-network "
        "service through a visitor's browser.",
        "Grant it only to trusted origins.",
        "a 2xx preflight answers `Access-Control-Allow-Private-Network: true` to the "
        "arbitrary origin",
        _honoured_medium,
        Proof(
            "",
            "not provable in Chromium: it no longer sends Private Network Access preflights "
            "(replaced by the Local Network Access permission prompt), so "
            "Access-Control-Allow-Private-Network changes nothing there; the evidence is the "
            "preflight response",
        ),
    ),
    Kind(
        "preflight-origin-reflected",
        "The preflight grants any origin",
        "The server answers every preflight with the requesting origin, so any site can send "
        "non-simple requests (PUT, DELETE, JSON bodies, custom headers) with the user's "
        "cookies, even where it cannot read the answers.",
        "Answer preflights only for trusted origins, as corsguard's middleware does.",
        "a preflight for a PUT with a JSON body from the arbitrary origin **reflects "
        "that origin** (never `*`) and passes (2xx), while a simple GET from the same "
        "origin gets no grant (neither the origin nor `*`): any site can send such "
        "writes (with cookies when `Allow-Credentials: true`)",
        _credentials_medium,
        Proof(
            "",
            "not provable by reading: the preflight lets an attacker's request go out, but the "
            "page cannot see its effect on the server; the evidence is the preflight response",
        ),
        audit=True,
        lint=False,
    ),
    # Opt-in (`corsguard audit --cache-check`): the audit primes a cache key of its own from
    # one origin and reads it from another. High where the trusted front end is handed an
    # answer that is not its own (another origin's grant, or none: every visitor's page
    # breaks until the entry expires); medium where only the attacker's origin is handed the
    # front end's grant (unreadable to it, but the cache is shown not keyed on Origin).
    Kind(
        "cache-poisoning",
        "A shared cache serves one origin's CORS answer to another",
        "A cache in front of the server stores the Access-Control-Allow-Origin answered to "
        "the first origin and serves it to the next, so one request from an attacker's page "
        "can take the grant away from your front end for every user.",
        "Send 'Vary: Origin' with every answer whose CORS headers depend on the Origin, or "
        "key the cache on the Origin header.",
        "`--cache-check`: a key of the audit's own primed from the arbitrary origin is then "
        "read from the trusted origin (and the reverse), and the read returns the other "
        "origin's `Access-Control-Allow-Origin` instead of its own",
        _exposed_high,
        Proof(
            "",
            "not provable from a web page: Chromium's own HTTP cache is partitioned by "
            "top-level site; the evidence is the primed and the read response on the audit's "
            "own cache key",
        ),
        cwe="349",
        lint=False,
    ),
    Kind(
        "missing-vary-origin",
        "The allowed origin is echoed without Vary: Origin",
        "A shared cache can store one origin's grant and serve it to another.",
        "Add 'Vary: Origin' to every response whose CORS headers depend on the Origin.",
        "`Access-Control-Allow-Origin` differs between the probes' GETs, and a granted "
        "response lacks `Vary: Origin` (or `Vary: *`)",
        _cache_medium,
        Proof(
            "",
            "not provable from a web page: the risk is a shared cache (CDN, proxy) serving one "
            "origin's Access-Control-Allow-Origin to another, and Chromium's own HTTP cache is "
            "partitioned by top-level site; the evidence is the response without Vary: Origin",
        ),
        cwe="524",
    ),
    Kind(
        "preflight-any-method",
        "The preflight allows whatever method is requested",
        "The server echoes Access-Control-Request-Method.",
        "List the methods the API uses.",
        "the preflight (from a trusted origin) **succeeds** (2xx and passes the CORS "
        "check) and allows the made-up method `CORSGUARD-PROBE`",
        _low,
        Proof("method"),
        # lint: corsguard's own allow_methods=["*"] with credentials (Policy.findings).
    ),
    Kind(
        "preflight-any-header",
        "The preflight allows whatever header is requested",
        "The server echoes Access-Control-Request-Headers.",
        "List the headers the API uses.",
        "a preflight from a trusted origin (asking for the made-up method, or for "
        "`GET`) **succeeds** and allows the made-up header `x-corsguard-probe`",
        _low,
        Proof("header"),
    ),
    # High in both tools: an open proxy is a server-side request forgery (CWE-918) that any
    # site can drive and read, with no foothold and no victim: it reaches whatever the proxy
    # can (internal hosts, cloud metadata), far beyond this server's own public data.
    Kind(
        "open-cors-proxy",
        "An open CORS proxy fetches any URL for any site",
        "The server fetches whatever URL a request names and answers it with CORS headers, so "
        "any web site can read any host the server can reach, internal ones included.",
        "Allow only your front ends' origins (cors-anywhere: originWhitelist) and only the "
        "upstream hosts they need; never expose it on a network with internal services.",
        "a GET from the arbitrary origin for the target's path + its own origin's root "
        "(`/http://TARGET/`) is granted and answers what the root answers directly, while a "
        "path of the same shape that is no URL does not: the server fetched the URL (only "
        "the target's own origin is ever named)",
        _high,
        Proof(
            "",
            "not provable in a browser without naming another host: the evidence is the "
            "target answering its own root "
            "through the proxy path; corsguard never makes it fetch another host",
        ),
        cwe="918",
    ),
    # Low in both tools: '*' is the Fetch standard's own grant for public data and never
    # carries credentials (Fetch, "CORS check"); it is often deliberate.
    Kind(
        "wildcard-origin",
        "Access-Control-Allow-Origin: * (any site can read responses without credentials)",
        "Any site can read these responses, without the user's cookies.",
        "Fine for truly public data. If the response depends on the network (an intranet "
        "host) or on anything but cookies, list the origins that need it.",
        "`Access-Control-Allow-Origin: *`",
        _public_low,
        _READ,
    ),
    Kind(
        "origin-never-matches",
        "An origin entry can never match (dead configuration)",
        "A regular expression or pattern was put where the library compares origins as plain "
        "strings, so it matches no browser origin and the front end it names is refused.",
        "List exact origins, or corsguard patterns (https://*.DOMAIN, http://localhost:*).",
        "an allowlist compared literally holds a regular expression or glob",
        _low,
        _SOURCE_ONLY,
        cwe="185",
        audit=False,
    ),
    Kind(
        "regex-origin",
        "Origins are matched with a regular expression",
        "Regular expressions are the most common source of CORS holes (unanchored, unescaped "
        "dots).",
        "Use exact origins or corsguard patterns (https://*.DOMAIN, http://localhost:*).",
        "an origin check or CORS library option uses a regular expression",
        _low,
        _SOURCE_ONLY,
        cwe="185",
        audit=False,
    ),
    Kind(
        "cors-library-conflict",
        "Another CORS library is installed beside corsguard",
        "A leftover CORS library (Starlette's CORSMiddleware, flask-cors, "
        "django-cors-headers) next to corsguard answers requests that corsguard refuses when "
        "it is the outer layer.",
        "Remove it: corsguard owns Access-Control-* where it is installed.",
        "another CORS library is installed on the same app as corsguard",
        _exposed_high,
        _SOURCE_ONLY,
        audit=False,
    ),
]

KINDS: dict[str, Kind] = {kind.id: kind for kind in _KINDS}
ORDER: tuple[str, ...] = tuple(KINDS)
_RANK_OF = {kind_id: index for index, kind_id in enumerate(ORDER)}
AUDIT_IDS: tuple[str, ...] = tuple(k.id for k in _KINDS if k.audit)
LINT_IDS: tuple[str, ...] = tuple(k.id for k in _KINDS if k.lint)


def order(kind_id: str) -> int:
    """The report position of an id (the most telling first)."""
    return _RANK_OF[kind_id]


def severity_of(kind_id: str, ctx: Context) -> Severity:
    return KINDS[kind_id].severity(ctx)


def label(kind_id: str, ctx: Context) -> str:
    """``[id, severity]``: how Policy warnings name the finding lint and audit would report."""
    return f"[{kind_id}, {severity_of(kind_id, ctx).value}]"


# GitHub code scanning ranks alerts by a CVSS-like "security-severity" (0.1-10): below 4.0
# low, 4.0-6.9 medium, 7.0-8.9 high. Derived from each finding's actual severity.
SECURITY_SEVERITY = {Severity.HIGH: "8.1", Severity.MEDIUM: "5.3", Severity.LOW: "3.1"}


# --- Remediation ------------------------------------------------------------------------

# (finding id, stack) -> what the fix changes, in the stack's terms, shown after the
# configuration that corsguard.remediation writes with the user's origins and options (a
# comment in the stack's syntax). Declared once: `corsguard lint` (every stack it reads) and
# `corsguard audit` (the stack it recognises) print the same text for the same inputs.
# A pair not listed shows the configuration alone.
FIXES: dict[tuple[str, str], str] = {
    ("origin-reflected", "express"): "an explicit list instead of echoing the request's Origin",
    ("origin-reflected", "node"): "an explicit set instead of echoing the request's Origin",
    ("origin-reflected", "nginx"): "a map of exact origins instead of $http_origin",
    ("origin-reflected", "spring"): 'exact origins instead of the pattern "*"',
    ("wildcard-with-credentials", "express"): "'*' cannot carry credentials: list the origins",
    ("wildcard-with-credentials", "node"): "'*' cannot carry credentials: list the origins",
    ("wildcard-with-credentials", "nginx"): "'*' cannot carry credentials: list the origins",
    ("wildcard-with-credentials", "spring"): "list origins; Spring refuses '*' with credentials",
    ("wildcard-origin", "express"): "keep '*' only for public, read-only data",
    ("wildcard-origin", "node"): "keep '*' only for public, read-only data",
    ("wildcard-origin", "nginx"): "keep '*' only for public, read-only data",
    ("wildcard-origin", "spring"): "keep '*' only for public, read-only data",
    ("open-cors-proxy", "express"): "an open proxy fetches any URL for any site: allow only "
    "your front ends (originWhitelist)",
    ("missing-vary-origin", "express"): "cors sends Vary: Origin itself when origin is a list",
    ("missing-vary-origin", "node"): "Vary: Origin on every answer, granted or not",
    ("missing-vary-origin", "nginx"): "Vary: Origin beside every grant that depends on "
    "$http_origin (with `always`)",
    ("regex-origin", "express"): "exact origins; an anchored RegExp only where a pattern is needed",
    ("regex-origin", "node"): "exact origins; an anchored RegExp only where a pattern is needed",
    ("regex-origin", "nginx"): "exact origins in a map; anchored regexes only where a pattern "
    "is needed",
    ("preflight-any-header", "express"): "allowedHeaders listed: without it cors echoes "
    "Access-Control-Request-Headers",
    ("cache-poisoning", "nginx"): "nginx's proxy_cache keeps one entry per Vary value; "
    "without Vary, add $http_origin to proxy_cache_key",
    ("private-network-allowed", "corsguard"): "allow_private_network stays off, or on only "
    "for these origins",
    ("private-network-allowed", "headers"): "Access-Control-Allow-Private-Network: true only "
    "for those origins.",
    ("cors-library-conflict", "corsguard"): "and remove the leftover CORS library",
}
_PYTHON_STACKS = frozenset(
    {"corsguard", "starlette", "flask-cors", "django-cors-headers", "aiohttp-cors"}
)


def _remark(stack: str, ctx: FixContext, text: str) -> str:
    """``text`` as a comment after the configuration, in the stack's own syntax."""
    if stack == "headers":
        return " " + text
    if stack in _PYTHON_STACKS:
        return "  # " + text  # on the line of the call (the Python fixes are one line)
    if stack == "nginx" or (stack == "spring" and ctx.form == "properties"):
        return "\n# " + text
    return "\n// " + text


def _intent(kind_id: str, ctx: FixContext) -> FixContext:
    if kind_id == "wildcard-origin" and not ctx.origins:
        # '*' with no origin known is read as public data by design, a valid choice: the
        # fix keeps it and says when it is not (Fetch: '*' never carries credentials).
        return dataclasses.replace(ctx, public=True)
    if kind_id == "any-subdomain-trusted":
        # Issue #13: the fix for trusting every subdomain must not trust every subdomain
        # again, in any stack: the subdomain patterns are named in a note instead (the other
        # origins and options are kept; none left is the "no origin known" fix).
        wide = [o for o in ctx.origins if o.split("://", 1)[-1].startswith(("*.", "+."))]
        if wide:
            left_out = set(wide)  # linear in the number of origins, whatever their count
            return dataclasses.replace(
                ctx,
                origins=tuple(o for o in ctx.origins if o not in left_out),
                notes=(
                    *ctx.notes,
                    *(f"{o} left out: list the front ends under it, or keep it if every "
                      "host is yours" for o in wide),
                ),
            )  # fmt: skip
    return ctx


def render_fix(kind_id: str, stack: str, ctx: FixContext) -> str:
    """The fix for ``kind_id`` in ``stack``'s own terms, with the origins and options in
    ``ctx``. With no origin known (and no public intent) every stack gets the header-level
    fix, which says what to send without inventing an origin; corsguard's own takes the
    origins from the deployment (``corsguard.Policy.from_env``, issue #13)."""
    ctx = _intent(kind_id, ctx)
    if not ctx.known and stack != "corsguard":
        stack = "headers"
    text = RENDERERS[stack](ctx)
    remark = FIXES.get((kind_id, stack))
    return text + _remark(stack, ctx, remark) if remark else text


_STACK_NAMES = {
    "corsguard": "With corsguard",
    "starlette": "Starlette/FastAPI",
    "flask-cors": "flask-cors",
    "django-cors-headers": "django-cors-headers",
    "aiohttp-cors": "aiohttp-cors",
    "express": "Express (the cors package)",
    "node": "Node",
    "nginx": "nginx",
    "spring": "Spring (CorsConfiguration)",
    "headers": "Response headers",
}


def stack_fix(kind_id: str, stacks: tuple[str, ...], ctx: FixContext) -> str:
    """The fix in the recognised stack's terms: each of ``stacks`` in order (for Python, the
    framework's own option, then corsguard), one labelled paragraph each."""
    if not _intent(kind_id, ctx).known:
        stacks = ("headers",)  # the same origin-free text for every stack: said once
    return "\n".join(f"{_STACK_NAMES[s]}:\n{render_fix(kind_id, s, ctx)}" for s in stacks)


def fixes(kind_id: str, ctx: FixContext) -> dict[str, str]:
    """The fix in every stack corsguard knows."""
    return {stack: render_fix(kind_id, stack, ctx) for stack in STACKS}


def remediation(kind_id: str, ctx: FixContext) -> str:
    """One paragraph: what it means, what to change, and the corsguard.Policy that does it."""
    kind = KINDS[kind_id]
    return f"{kind.remediation} With corsguard: {render_fix(kind_id, 'corsguard', ctx)}"
