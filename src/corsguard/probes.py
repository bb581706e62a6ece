"""Attack origins built from a trusted origin: the bypasses that real-world origin checks fall for.

Pure and shared: the auditor sends these as Origin header values (never fetches them),
and the linter runs hand-written checks and regular expressions against them, so that
both tools name a hole by the same id. Attacker-controlled names live under the
reserved .test TLD (RFC 6761) wherever the bypass allows a free choice of name.
"""

from __future__ import annotations

from dataclasses import dataclass

# Public-suffix facts belong to the model (corsguard.suffixes); re-exported here for the
# auditor and the linter, which import them from this module.
from corsguard.suffixes import (
    THIRD_PARTY_HOSTS,
    is_shared_hosting,
    public_suffix_list,
    registrable_domain,
)

__all__ = [
    "ARBITRARY_ORIGIN",
    "ATTACKER_DOMAIN",
    "PROBE_LABEL",
    "SPECIAL_CHARACTERS",
    "THIRD_PARTY_HOSTS",
    "Probe",
    "bypass_probes",
    "deep_subdomain_probe",
    "generic_probes",
    "is_shared_hosting",
    "platform_probes",
    "public_suffix_list",
    "registrable_domain",
    "split_origin",
]

ATTACKER_DOMAIN = "attacker.test"
ARBITRARY_ORIGIN = "https://corsguard-probe.attacker.test"

# Characters that some URL parsers accept in a host and that a check anchored only at
# the start lets through (the classic "special characters" bypass list).
SPECIAL_CHARACTERS = (
    "_", "-", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=",
    "`", "%60", "{", "}", "|",
)  # fmt: skip


@dataclass(frozen=True)
class Probe:
    """One Origin to send, and the class of hole that trusting it reveals."""

    finding_id: str
    origin: str


def split_origin(origin: str) -> tuple[str, str, str]:
    """(scheme, host, ":port" or "") of a serialized origin; no validation."""
    scheme, _, rest = origin.partition("://")
    if rest.startswith("["):
        end = rest.find("]") + 1
        return scheme, rest[:end], rest[end:]
    host, colon, port = rest.partition(":")
    return scheme, host, colon + port


def bypass_probes(trusted: str) -> list[Probe]:
    """Origins that a flawed check would mistake for ``trusted`` (an exact origin)."""
    scheme, host, port = split_origin(trusted)
    domain = registrable_domain(host)
    probes = [
        Probe("prefix-match", f"{scheme}://{host}.{ATTACKER_DOMAIN}{port}"),
        Probe("suffix-match", f"{scheme}://attacker{host}{port}"),
    ]
    if domain != host:
        probes.append(Probe("suffix-match", f"{scheme}://attacker{domain}{port}"))
    labels = host.split(".")
    if not host.startswith("[") and not host.replace(".", "").isdigit():
        for i in range(1, len(labels)):
            dotless = ".".join(labels[:i]) + "x" + ".".join(labels[i:])
            probes.append(Probe("unescaped-dot", f"{scheme}://{dotless}{port}"))
    if len(host) > 1:
        probes.append(Probe("substring-match", f"{scheme}://{host[:-1]}{port}"))
    for char in SPECIAL_CHARACTERS:
        probes.append(
            Probe("special-char-bypass", f"{scheme}://{host}{char}.{ATTACKER_DOMAIN}{port}")
        )
    if scheme == "https":
        probes.append(Probe("insecure-origin-trusted", f"http://{host}{port}"))
    if not host.startswith("["):
        probes.append(Probe("any-subdomain-trusted", f"{scheme}://corsguard-probe.{domain}"))
        # Letters only, for checks such as \w+ or [a-z]+ that a hyphen would not pass.
        probes.append(Probe("any-subdomain-trusted", f"{scheme}://corsguardprobe.{domain}"))
    return probes


def deep_subdomain_probe(trusted: str) -> Probe:
    """A name two labels beneath ``trusted``'s host: what ``+.host`` (one label) refuses."""
    scheme, host, port = split_origin(trusted)
    return Probe("any-subdomain-trusted", f"{scheme}://corsguard-probe.corsguardprobe.{host}{port}")


PROBE_LABEL = "corsguardprobe"


def platform_probes(trusted: str) -> list[Probe]:
    """Deployments an attacker can create next to a trusted one on a hosting platform.

    A trusted ``https://myapp-git-main-myteam.vercel.app`` is usually allowed through a
    pattern such as ``myapp-git-*-myteam.vercel.app`` or ``myapp-*.vercel.app``; anyone can
    deploy a project whose name fits. Each hyphen-separated part of the first label is
    replaced in turn, and the name is cut after its first and before its last part.
    """
    scheme, host, port = split_origin(trusted)
    first, dot, parent = host.partition(".")
    if not dot or not is_shared_hosting(parent):
        return []
    parts = first.split("-")
    labels: list[str] = []
    if len(parts) > 1:
        labels.append(f"{parts[0]}-{PROBE_LABEL}")
        labels.append(f"{PROBE_LABEL}-{parts[-1]}")
        for i in range(1, len(parts) - 1):
            labels.append("-".join([*parts[:i], PROBE_LABEL, *parts[i + 1 :]]))
    else:
        labels += [f"{first}-{PROBE_LABEL}", f"{PROBE_LABEL}-{first}"]
    seen: dict[str, None] = dict.fromkeys(label for label in labels if label != first)
    return [
        Probe("third-party-origin-trusted", f"{scheme}://{label}.{parent}{port}") for label in seen
    ]


def generic_probes() -> list[Probe]:
    """Origins that no endpoint should trust, whatever its own origin."""
    probes = [
        Probe("origin-reflected", ARBITRARY_ORIGIN),
        Probe("null-origin-trusted", "null"),
        Probe("localhost-trusted", "http://localhost"),
        Probe("localhost-trusted", "http://localhost:3000"),
        Probe("localhost-trusted", "http://127.0.0.1"),
    ]
    probes.extend(
        Probe("third-party-origin-trusted", f"https://corsguard-probe.{platform}")
        for platform in THIRD_PARTY_HOSTS
    )
    return probes
