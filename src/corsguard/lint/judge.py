"""Judging an origin check by what it lets through, with the attack origins of corsguard.probes.

Pure: no AST, no I/O. The analyzer turns each configuration or hand-written check into a
predicate ``accepts(origin) -> True | False | None`` (None: cannot tell) plus the trusted
origins it was evidently written for; this module runs the probes through it and decides
finding ids, severities and the corsguard policy that expresses the intent safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from corsguard import findings as C
from corsguard import remediation as R
from corsguard.findings import Severity
from corsguard.lint.regexes import regex_to_patterns
from corsguard.probes import (
    ARBITRARY_ORIGIN,
    Probe,
    bypass_probes,
    generic_probes,
    registrable_domain,
    split_origin,
)
from corsguard.remediation import is_loopback, third_party_platform
from corsguard.trusted import classify_origin

Accepts = Callable[[str], "bool | None"]

# Severity and report order come from the catalogue (corsguard.findings), shared with audit.
ORDER = C.ORDER
# A bypass inside the trusted site still counts for these two (a subdomain is the hole).
_FOOTHOLD = frozenset({"insecure-origin-trusted", "any-subdomain-trusted"})


def severity_of(kind_id: str, credentials: bool | None, *, weak: bool = False) -> Severity:
    """Severity of a finding; ``credentials`` None means "could not tell" (assume the worst)."""
    return C.severity_of(kind_id, C.Context(credentials=credentials, weak=weak))


@dataclass(frozen=True)
class Verdict:
    """One finding id for one check, with an origin that demonstrates it."""

    id: str
    example: str
    weak: bool = False  # demonstrably accepted, but by a name nobody can register


def _host_of(origin: str) -> str:
    return split_origin(origin)[1]


def classify_trusted(origin: str) -> tuple[str, ...]:
    """The finding ids for trusting this one origin on purpose (exact allowlist entry).

    The model's one classifier (corsguard.trusted), shared with check and audit.
    """
    return classify_origin(origin).ids


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
            for kind in classify_trusted(sample):
                found.setdefault(kind, Verdict(kind, sample))
        # On a hosting platform (third-party-origin-trusted), a bypass that leaves the
        # platform (https://app.vercel.app.attacker.com) is a hole of its own; subdomain and
        # plain-http variants of the platform name add nothing to that finding.
        on_platform = third_party_platform(_host_of(sample))
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
            if on_platform and third_party_platform(host) == on_platform:
                continue  # still on the platform: third-party-origin-trusted says it all
            if probe.finding_id == "insecure-origin-trusted" and is_loopback(host):
                continue  # http://localhost is reported as localhost-trusted
            same_site = registrable_domain(host) == sample_site
            if probe.finding_id not in _FOOTHOLD and same_site:
                continue  # a name inside the trusted site: not a bypass by an outsider
            # A bypass that changes the top-level label (app.examplexcom) is real but
            # nobody can register such a name today.
            weak = probe.finding_id == "unescaped-dot" and host.rsplit(".", 1)[-1] != tld
            found[probe.finding_id] = Verdict(probe.finding_id, probe.origin, weak)
    return sorted(found.values(), key=lambda v: C.order(v.id))


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
    found: list[str] = [origin.rstrip("/") for origin in exact]
    notes: list[str] = []
    for pattern in regexes:
        translated = regex_to_patterns(pattern)
        if translated is None:
            notes.append(f"regex {pattern!r} has no exact corsguard equivalent: list the origins")
            continue
        found.extend(translated)
    for suffix in suffixes:
        suffix = suffix.lower().lstrip("*")
        if "://" in suffix:
            continue
        if suffix.startswith("."):
            found.append(f"https://*{suffix}")
        elif "." in suffix:
            found += [f"https://{suffix}", f"https://*.{suffix}"]
    origins, safe_notes = R.safe_origins(found)
    # The catalogue's note order: what each origin needs, then the regexes, then development.
    dev = [n for n in safe_notes if R.is_development_note(n)]
    notes = [n for n in safe_notes if n not in dev] + notes + dev
    return Intent(origins, tuple(dict.fromkeys(notes)))


def fix_context(intent: Intent, credentials: bool | None) -> R.FixContext:
    return R.FixContext(
        origins=intent.origins, credentials=credentials, public=intent.public, notes=intent.notes
    )


def render_fix(intent: Intent, credentials: bool | None) -> str:
    """A corsguard.Policy(...) call expressing the intent safely, with short notes."""
    return R.render_corsguard(fix_context(intent, credentials))


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
