"""Judging an origin check by what it lets through, with the attack origins of corsguard.probes.

Pure: no AST, no I/O. The analyzer turns each configuration or hand-written check into a
predicate ``accepts(origin) -> True | False | None`` (None: cannot tell) plus the trusted
origins it was evidently written for; this module runs the probes through it and decides
finding ids, severities and the corsguard policy that expresses the intent safely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from corsguard.findings import KINDS, Severity
from corsguard.lint.regexes import (
    is_loopback,
    regex_to_patterns,
    third_party_platform,
)
from corsguard.probes import (
    ARBITRARY_ORIGIN,
    Probe,
    bypass_probes,
    generic_probes,
    registrable_domain,
    split_origin,
)

Accepts = Callable[[str], "bool | None"]

# Severity follows what an attacker gets (see corsguard.findings.Severity): with credentials
# an accepted attacker origin reads the victim's data (high); without, it reads what the
# server returns to anyone who asks from a browser on the victim's network (medium).
_HIGH_WITH_CREDENTIALS = frozenset(
    {
        "origin-reflected",
        "null-origin-trusted",
        "prefix-match",
        "suffix-match",
        "substring-match",
        "special-char-bypass",
        "unescaped-dot",
        "third-party-origin-trusted",
    }
)
# Needs a position on the network (http) or control of some subdomain: one step less.
_MEDIUM_WITH_CREDENTIALS = frozenset({"insecure-origin-trusted", "any-subdomain-trusted"})
_ALWAYS_LOW = frozenset({"wildcard-origin", "localhost-trusted", "regex-origin"})

# Order in which ids are reported for one check (the most telling first).
ORDER = (
    "origin-reflected",
    "wildcard-with-credentials",
    "null-origin-trusted",
    "third-party-origin-trusted",
    "prefix-match",
    "suffix-match",
    "substring-match",
    "unescaped-dot",
    "special-char-bypass",
    "insecure-origin-trusted",
    "any-subdomain-trusted",
    "localhost-trusted",
    "private-network-allowed",
    "wildcard-origin",
    "regex-origin",
)
assert all(kind in KINDS for kind in ORDER)

PLACEHOLDER_ORIGIN = "https://app.example.com"
PREVIEW_PATTERN = "https://myapp-*.preview.example.com"


def severity_of(kind_id: str, credentials: bool | None, *, weak: bool = False) -> Severity:
    """Severity of a finding; ``credentials`` None means "could not tell" (assume the worst)."""
    creds = credentials is not False
    if kind_id in _ALWAYS_LOW or weak:
        return Severity.LOW
    if kind_id in _HIGH_WITH_CREDENTIALS:
        return Severity.HIGH if creds else Severity.MEDIUM
    if kind_id in _MEDIUM_WITH_CREDENTIALS:
        return Severity.MEDIUM if creds else Severity.LOW
    return Severity.MEDIUM


@dataclass(frozen=True)
class Verdict:
    """One finding id for one check, with an origin that demonstrates it."""

    id: str
    example: str
    weak: bool = False  # demonstrably accepted, but by a name nobody can register


def _host_of(origin: str) -> str:
    return split_origin(origin)[1]


def classify_trusted(origin: str) -> str | None:
    """The finding id for trusting this one origin on purpose (exact allowlist entry)."""
    if origin == "null":
        return "null-origin-trusted"
    scheme, host, _port = split_origin(origin.lower())
    if not host:
        return None
    if is_loopback(host):
        return "localhost-trusted"
    if third_party_platform(host):
        return "third-party-origin-trusted"
    if scheme == "http":
        return "insecure-origin-trusted"
    return None


def judge(accepts: Accepts, samples: Iterable[str]) -> list[Verdict] | None:
    """Findings for an origin check, or None when the check cannot be evaluated."""
    verdict = accepts(ARBITRARY_ORIGIN)
    if verdict is None:
        return None
    if verdict:
        return [Verdict("origin-reflected", ARBITRARY_ORIGIN)]
    found: dict[str, Verdict] = {}
    for probe in generic_probes():
        if probe.finding_id != "origin-reflected" and accepts(probe.origin):
            found.setdefault(probe.finding_id, Verdict(probe.finding_id, probe.origin))
    for sample in dict.fromkeys(samples):
        if "://" not in sample:
            continue
        if accepts(sample):
            kind = classify_trusted(sample)
            if kind is not None:
                found.setdefault(kind, Verdict(kind, sample))
        if third_party_platform(_host_of(sample)):
            continue  # reported as third-party-origin-trusted; bypasses there add nothing
        sample_site = registrable_domain(_host_of(sample))
        tld = _host_of(sample).rsplit(".", 1)[-1]
        scheme, host, port = split_origin(sample)
        # A one-letter suffix bypass too: flask-cors reads "https://*.example.com" as a regex
        # in which "/*." stands for one character, so it accepts https://xexample.com.
        extra = [Probe("suffix-match", f"{scheme}://x{sample_site}{port}")]
        # Any subdomain again on the sample's own port (bypass_probes tries the default port
        # only), for checks such as `https://.+\.example\.com:8443`.
        if port and not host.startswith("["):
            subdomain = f"{scheme}://corsguard-probe.{sample_site}{port}"
            extra.append(Probe("any-subdomain-trusted", subdomain))
        for probe in [*bypass_probes(sample), *extra]:
            host = _host_of(probe.origin)
            if probe.finding_id in found or not accepts(probe.origin):
                continue
            if probe.finding_id == "insecure-origin-trusted" and is_loopback(host):
                continue  # http://localhost is reported as localhost-trusted
            same_site = registrable_domain(host) == sample_site
            if probe.finding_id not in _MEDIUM_WITH_CREDENTIALS and same_site:
                continue  # a name inside the trusted site: not a bypass by an outsider
            # A bypass that changes the top-level label (app.examplexcom) is real but
            # nobody can register such a name today.
            weak = probe.finding_id == "unescaped-dot" and host.rsplit(".", 1)[-1] != tld
            found[probe.finding_id] = Verdict(probe.finding_id, probe.origin, weak)
    return sorted(found.values(), key=lambda v: ORDER.index(v.id))


# --- the suggested fix ---------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    """What the configuration evidently meant to allow, in corsguard terms."""

    origins: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    public: bool = False  # '*' without credentials: any site may read, by design


def intent_from(
    exact: Iterable[str] = (),
    regexes: Iterable[str] = (),
    suffixes: Iterable[str] = (),
) -> Intent:
    """Translate exact origins, regexes and host suffixes into safe corsguard patterns."""
    origins: list[str] = []
    notes: list[str] = []
    dev: list[str] = []

    def add(origin: str) -> None:
        if origin == "null" or origin == "*":
            return
        scheme, host, port = split_origin(origin.lower())
        if not host:
            return
        if is_loopback(host.replace("*", "x")):
            dev.append(origin)
            return
        platform = third_party_platform(host.replace("*", "x"))
        if platform is not None:
            if "*" in host:
                origins.append(PREVIEW_PATTERN)
                notes.append(f"previews on a domain you own instead of *.{platform}")
            else:
                origins.append(origin)
                notes.append(f"only if you own {host}")
            return
        if scheme == "http":
            origin = f"https://{host}{port}"
        origins.append(origin)

    for origin in exact:
        add(origin.rstrip("/"))
    for pattern in regexes:
        translated = regex_to_patterns(pattern)
        if translated is None:
            notes.append(f"regex {pattern!r} has no exact corsguard equivalent: list the origins")
            continue
        for item in translated:
            add(item)
    for suffix in suffixes:
        suffix = suffix.lower().lstrip("*")
        if "://" in suffix:
            continue
        if suffix.startswith("."):
            add(f"https://*{suffix}")
        elif "." in suffix:
            add(f"https://{suffix}")
            add(f"https://*.{suffix}")
    if dev:
        listed = ", ".join(dict.fromkeys(dev))
        notes.append(f"allow {listed} only in a development policy")
    return Intent(tuple(dict.fromkeys(origins)), tuple(dict.fromkeys(notes)))


def render_fix(intent: Intent, credentials: bool | None) -> str:
    """A corsguard.Policy(...) call expressing the intent safely, with short notes."""
    if intent.public:
        return 'corsguard.Policy(allow_origins=["*"])  # public, read-only data without credentials'
    origins = list(intent.origins)
    notes = list(intent.notes)
    if not origins:
        origins = [PLACEHOLDER_ORIGIN]
        notes.insert(0, "list the front ends that need access")
    # json.dumps writes a valid Python string literal: an origin from the linted code with a
    # quote in it cannot close the literal and turn the suggested fix into other code.
    listed = ", ".join(json.dumps(origin) for origin in origins)
    text = f"corsguard.Policy(allow_origins=[{listed}]"
    if credentials is not False:
        text += ", allow_credentials=True"
    text += ")"
    if notes:
        text += "  # " + "; ".join(notes)
    return text


def describe(verdicts: Sequence[Verdict]) -> str:
    return ", ".join(f"{v.example}" for v in verdicts)


_HOST_SUFFIX_RE = re.compile(r"^\.?[a-z0-9\-]+(\.[a-z0-9\-]+)+$")


def samples_from_literal(text: str) -> list[str]:
    """Trusted origins suggested by a string literal used in a hand-written check."""
    out: list[str] = []
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        if "://" in part:
            scheme, _, rest = part.partition("://")
            rest = rest.split("/", 1)[0]
            if rest:
                out.append(f"{scheme}://{rest}")
        elif _HOST_SUFFIX_RE.match(part):
            out.append("https://app" + part if part.startswith(".") else "https://" + part)
    return out
