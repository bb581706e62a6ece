"""What trusting an origin or pattern on purpose means, in the catalogue's finding ids.

One classifier for every tool (issue #11, "one verdict"): `corsguard check` and the start-up
log (through ``Policy.findings``), `corsguard lint` (an allowlist entry in a library's
configuration) and `corsguard audit` (an origin it is told with ``--origin``, when the
server grants it) all name a trusted ``http://localhost:3000``, ``http://...``,
``https://*.example.com`` or ``https://myorg.github.io`` with the same ids from here. The
severity stays the catalogue's rule (corsguard.findings) over each tool's own facts.

Pure model layer: no I/O, imports nothing from the tools.
"""

from __future__ import annotations

from dataclasses import dataclass

from corsguard.origin import Origin, OriginPattern
from corsguard.probes import split_origin
from corsguard.remediation import third_party_platform
from corsguard.suffixes import (
    is_listed_suffix,
    is_shared_hosting,
    shared_suffix_beneath,
    shared_suffix_in_label,
    shared_suffix_one_below,
)


@dataclass(frozen=True)
class TrustedClass:
    """The catalogue ids for trusting one origin or pattern, in the order they are checked.

    ``platform``: the public suffix or hosting platform whose tenants it trusts (for
    third-party-origin-trusted; None otherwise), for the tools' messages.
    """

    ids: tuple[str, ...]
    platform: str | None = None


_NONE = TrustedClass(())


def _classify(
    scheme: str, host: str, kind: str, label_prefix: str = "", label_suffix: str = ""
) -> TrustedClass:
    # Loopback first and alone: any program on the user's machine can serve a page there,
    # whatever the scheme (http://localhost is a potentially trustworthy origin, W3C Secure
    # Contexts section 3.2, so plain http adds nothing to it).
    if Origin(scheme, host, None).is_loopback:
        return TrustedClass(("localhost-trusted",))
    ids: list[str] = []
    # A wildcard on a public suffix or hosting platform, or ('*.': any depth) over a public
    # suffix beneath its domain (s3.amazonaws.com under *.amazonaws.com), trusts names anyone
    # can register (Public Suffix List); an exact origin, when its host is on a platform.
    if kind == "subdomain":
        platform = host if is_shared_hosting(host) else shared_suffix_beneath(host)
    elif kind == "one-label":
        # '+.' (one label): only a suffix one label down is reachable (s3.amazonaws.com).
        platform = host if is_shared_hosting(host) else shared_suffix_one_below(host)
    elif kind == "label":
        # A '*' inside the first label: a suffix one label down whose label it matches
        # (s3-*.amazonaws.com matches s3-us-west-2.amazonaws.com, anyone's buckets).
        platform = (
            host
            if is_shared_hosting(host)
            else shared_suffix_in_label(host, label_prefix, label_suffix)
        )
    else:
        # An exact origin on a platform (myorg.github.io), or whose host is itself a public
        # suffix: s3.amazonaws.com serves anyone's bucket at its own origin (path-style
        # URLs), and no one party owns a public suffix's origin (Public Suffix List).
        platform = third_party_platform(host) or (host if is_listed_suffix(host) else None)
    if platform is not None:
        ids.append("third-party-origin-trusted")
    # Anyone on the network path can inject script into a plain-http page.
    if scheme == "http":
        ids.append("insecure-origin-trusted")
    if kind in ("subdomain", "one-label") and platform is None:
        ids.append("any-subdomain-trusted")
    return TrustedClass(tuple(ids), platform)


def classify_pattern(pattern: OriginPattern) -> TrustedClass:
    """The ids for trusting a validated corsguard pattern (``Policy`` and ``audit --origin``)."""
    return _classify(
        pattern.scheme, pattern.host, pattern.kind, pattern.label_prefix, pattern.label_suffix
    )


def classify_origin(origin: str) -> TrustedClass:
    """The ids for trusting ``origin`` compared as an exact, serialized origin.

    Lenient, for origins read from source by lint (lowercased, no validation): ``null``
    is null-origin-trusted (any site can produce it: sandboxed iframes, data: URLs); text
    that names no host trusts nothing a browser sends.
    """
    if origin == "null":
        return TrustedClass(("null-origin-trusted",))
    scheme, host, _port = split_origin(origin.lower())
    if not host:
        return _NONE
    return _classify(scheme, host, "exact")
