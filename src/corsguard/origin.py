"""Origins and origin patterns: parsing, validation and constant-time matching.

A browser serialises an origin as ``scheme://host[:port]`` (HTML Standard, "serialization
of an origin"): lowercase scheme and host, IDN hosts in punycode, IPv6 bracketed and
compressed, the default port omitted. Everything here works on that serialised form, so
an allowed origin is a string compared byte for byte, never a URL parsed loosely.

Patterns take exactly five forms, none of them a regular expression:

- an exact origin: ``https://app.example.com``
- a subdomain pattern: ``https://*.example.com`` (one or more labels, never the apex)
- a one-label pattern: ``https://+.example.com`` (exactly one label of letters, digits and
  hyphens directly beneath the domain: ``app.example.com``, never ``a.b.example.com`` nor
  the apex)
- a port pattern: ``http://localhost:*`` (any explicit port, or none)
- a within-label pattern: ``https://myapp-*.preview.example.com`` (``*`` is one or more
  letters, digits or hyphens inside a single label, never a dot)

A subdomain, one-label or within-label pattern may also carry ``:*``.
"""

from __future__ import annotations

import encodings.idna
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from corsguard.problems import Name, ProblemText, Setting, Text
from corsguard.spec import DEFAULT_PORTS

# Schemes whose documents get an opaque origin, which browsers serialise as "null"
# (HTML Standard, "origin" of a URL: only http(s) and a few others have tuple origins).
OPAQUE_SCHEMES = frozenset({"file", "data", "about", "javascript", "blob", "filesystem"})

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*\Z")
# A DNS label as browsers accept it in a host (the URL parser also admits "_").
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
_LITERAL_IN_LABEL = re.compile(r"[a-z0-9-]*\Z")
# Several origins pasted into one entry ("https://a.example.com,https://b.example.com").
_SEVERAL_SEPARATORS = re.compile(r"[,;\s]+")
# "https:/host", "https//host", "//host": a scheme separator gone wrong.
_MANGLED_SCHEME = re.compile(r"(https?)?:?/+")
_IPV4 = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}\Z")
_PORT = re.compile(r"[1-9][0-9]{0,4}\Z")
_LABEL_SOURCE = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
# scheme://dns.host[:port], all canonical; IP hosts and the rest go to parse_origin.
_FAST_ORIGIN = re.compile(
    rf"([a-z][a-z0-9+.-]*)://((?:{_LABEL_SOURCE}\.)*{_LABEL_SOURCE})(?::([1-9][0-9]{{0,4}}))?\Z"
)


@dataclass(frozen=True)
class Origin:
    """A tuple origin as a browser serialises it. ``port`` is None for the default port."""

    scheme: str
    host: str
    port: int | None

    def __str__(self) -> str:
        return self.scheme + "://" + self.host + ("" if self.port is None else f":{self.port}")

    @property
    def is_ip(self) -> bool:
        return self.host.startswith("[") or bool(_IPV4.match(self.host))

    @property
    def is_loopback(self) -> bool:
        """Loopback hosts: localhost and its subdomains (RFC 6761 §6.3), 127/8 and ::1."""
        host = self.host
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            return False


def parse_origin(value: str) -> Origin | None:
    """Parse an ``Origin`` header value as a browser would have serialised it.

    Returns None for ``null`` and for anything a browser would never send (uppercase,
    a path, userinfo, a default port, control bytes...): such a value matches no pattern.
    """
    scheme, sep, rest = value.partition("://")
    if not sep or not _SCHEME.match(scheme):
        return None
    host, port_text = _split_host_port(rest)
    if host is None:
        return None
    port: int | None = None
    if port_text is not None:
        if not _PORT.match(port_text):
            return None
        port = int(port_text)
        if port > 65535 or DEFAULT_PORTS.get(scheme) == port:
            return None
    if not _is_canonical_host(host):
        return None
    return Origin(scheme, host, port)


def _split_host_port(rest: str) -> tuple[str | None, str | None]:
    if rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            return None, None
        host, tail = rest[: end + 1], rest[end + 1 :]
        if not tail:
            return host, None
        if not tail.startswith(":"):
            return None, None
        return host, tail[1:]
    host, colon, port = rest.partition(":")
    return host, (port if colon else None)


def _is_canonical_host(host: str) -> bool:
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return host == f"[{address.compressed}]"
    if _IPV4.match(host):
        return all(int(part) <= 255 for part in host.split("."))
    if not host or len(host) > 253:
        return False
    labels = host.split(".")
    # A final all-numeric label would make the URL parser treat the host as IPv4.
    if labels[-1].isdigit():
        return False
    return all(_LABEL.match(label) for label in labels)


# The pattern kinds that match more than one host.
WILDCARD_KINDS = ("subdomain", "one-label", "label")


@dataclass(frozen=True)
class OriginPattern:
    """One validated entry of an origin allowlist.

    ``kind`` is "exact", "port" (``:*`` on an exact host), "subdomain" (``*.`` before
    ``host``), "one-label" (``+.`` before ``host``), "label" (``*`` inside the first label
    of ``host``, between ``label_prefix`` and ``label_suffix``).
    ``port`` is None for the default port, or "*" for any port.
    """

    text: str
    scheme: str
    kind: str
    host: str
    port: int | str | None
    label_prefix: str = ""
    label_suffix: str = ""

    @property
    def is_wildcard_host(self) -> bool:
        """Whether the pattern matches more than one host (a port pattern does not)."""
        return self.kind in WILDCARD_KINDS

    @property
    def is_loopback(self) -> bool:
        return Origin(self.scheme, self.host, None).is_loopback

    @property
    def is_secure(self) -> bool:
        return self.scheme != "http"

    def matches(self, origin: str) -> bool:
        return OriginMatcher([self]).matches(origin)


def parse_origin_pattern(text: str) -> OriginPattern:
    """Validate one allowlist entry; raise ValueError saying what to write instead."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a string: write origins as 'https://app.example.com'")
    if text == "*":
        raise ProblemText(
            "'*' must be the only entry of ", Name("allow_origins"), ", or not be there at all"
        )
    several = [item for item in _SEVERAL_SEPARATORS.split(text) if item]
    if text.count("://") > 1 and len(several) > 1:
        raise ValueError(
            f"{text!r} holds several origins in one string: list each as its own entry, {several!r}"
        )
    if text.strip() != text or any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        cleaned = "".join(c for c in text if 0x20 < ord(c) != 0x7F)
        raise ProblemText(f"{text!r} contains whitespace or control characters: ", *_write(cleaned))
    if text.lower() == "null":
        raise ValueError(
            "'null' is sent by sandboxed iframes, data: URLs, file: pages and redirected "
            "requests, so any site can produce it: trusting it trusts everyone. Remove it, "
            "and serve the client from a real origin"
        )
    if "://" not in text:
        mangled = _MANGLED_SCHEME.match(text)
        bare = text[mangled.end() :] if mangled else text
        scheme_hint = "http" if bare.startswith(("localhost", "127.")) else "https"
        if mangled and mangled.group(1):
            scheme_hint = mangled.group(1)
        raise ProblemText(
            f"{text!r} has no scheme: ", *_write(f"{scheme_hint}://{bare.rstrip('/')}")
        )
    scheme, _, rest = text.partition("://")
    if scheme.lower() in OPAQUE_SCHEMES:
        raise ValueError(
            f"{text!r}: browsers send Origin: null for {scheme.lower()}: documents, so it can "
            "never match (and 'null' must not be trusted). Serve the client over https"
        )
    if scheme.lower() in ("ws", "wss"):
        http = "https" if scheme.lower() == "wss" else "http"
        raise ValueError(
            f"{text!r}: a WebSocket handshake carries the page's own origin, "
            f"write '{http}://{rest}'"
        )
    if not _SCHEME.match(scheme.lower()):
        raise ValueError(f"{text!r}: {scheme!r} is not a valid URL scheme")
    for mark, what in (("/", "a path"), ("?", "a query"), ("#", "a fragment")):
        if mark in rest:
            base = f"{scheme}://{re.split(r'[/?#]', rest, maxsplit=1)[0]}"
            what = "a trailing slash" if rest.endswith("/") and rest.count("/") == 1 else what
            raise ProblemText(
                f"{text!r} has {what}: an origin is scheme, host and port only; ", *_write(base)
            )
    if "@" in rest:
        raise ValueError(f"{text!r} has user information ('@'): write '{scheme}://host' only")
    if text != text.lower():
        raise ProblemText(
            f"{text!r} has uppercase letters, but browsers send origins in lowercase, "
            "so it would never match: ",
            *_write(text.lower()),
        )

    if "*" in rest.partition("]")[0] and "[" in rest:
        raise ValueError(f"{text!r}: '*.' cannot stand before an IP address; list the address")
    host_text, port_text = _split_host_port(rest)
    if host_text is None:
        raise ValueError(f"{text!r}: the host is not valid; an IPv6 address needs [brackets]")
    port: int | str | None = None
    if port_text is not None:
        if port_text == "*":
            port = "*"
        elif not port_text.isdigit():
            raise ValueError(
                f"{text!r}: the port {port_text!r} must be a number from 1 to 65535, or '*'"
            )
        else:
            number = int(port_text)
            if number == 0 or number > 65535:
                raise ValueError(f"{text!r}: port {number} is out of range (1 to 65535)")
            if DEFAULT_PORTS.get(scheme) == number:
                raise ValueError(
                    f"{text!r}: browsers omit the default port {number} for {scheme}, so this "
                    f"would never match: write '{scheme}://{host_text}'"
                )
            if port_text != str(number):
                raise ValueError(f"{text!r}: write the port without leading zeros: {number}")
            port = number

    host = host_text
    if host.endswith("."):
        raise ValueError(
            f"{text!r}: browsers never send a trailing dot in an origin: write "
            f"'{scheme}://{host.rstrip('.')}{'' if port_text is None else ':' + port_text}'"
        )
    if "+" in host:
        return _one_label_pattern(text, scheme, host, port)
    if "*" not in host:
        _check_host(text, host)
        return OriginPattern(text, scheme, "exact" if port != "*" else "port", host, port)

    if host.count("*") > 1:
        raise ValueError(f"{text!r}: only one '*' is allowed in a host")
    labels = host.split(".")
    star_index = next(i for i, label in enumerate(labels) if "*" in label)
    if star_index != 0:
        raise ValueError(
            f"{text!r}: '*' may only stand in the first label of the host, as in "
            f"'{scheme}://*.example.com' or '{scheme}://myapp-*.example.com'"
        )
    rest_host = ".".join(labels[1:])
    if not rest_host:
        raise ProblemText(
            f"{text!r}: a wildcard needs a domain after it, as in '{scheme}://*.example.com'; "
            "to allow every origin use ",
            Setting("allow_origins", ["*"]),
        )
    if _IPV4.match(rest_host) or rest_host.startswith("[") or rest_host.replace(".", "").isdigit():
        raise ValueError(f"{text!r}: '*.' cannot stand before an IP address; list the address")
    _check_host(text, rest_host)
    if len(labels) < 3 and "." not in rest_host and rest_host != "localhost":
        # The label with its '*' as written: 'x-*.ck' is refused for what it is, not '*.ck'.
        raise ValueError(
            f"{text!r}: {labels[0] + '.' + rest_host!r} would match every site under a "
            f"top-level domain ({rest_host!r}), names anyone can register; name your own "
            "domain, as in 'https://*.example.com'"
        )
    star_label = labels[0]
    if star_label == "*":
        return OriginPattern(text, scheme, "subdomain", rest_host, port)
    prefix, _, suffix = star_label.partition("*")
    if not _LITERAL_IN_LABEL.match(prefix) or not _LITERAL_IN_LABEL.match(suffix):
        raise ValueError(
            f"{text!r}: the label around '*' may hold only letters, digits and hyphens"
        )
    if len(prefix) + len(suffix) + 1 > 63:
        raise ValueError(f"{text!r}: a DNS label is at most 63 characters")
    return OriginPattern(text, scheme, "label", rest_host, port, prefix, suffix)


def _one_label_pattern(text: str, scheme: str, host: str, port: int | str | None) -> OriginPattern:
    """``+.domain``: exactly one label directly beneath ``domain`` (issue #13).

    The one-label form of ``^https://[a-z0-9-]+\\.example\\.com$``, which ``*.`` would
    widen to every depth (a.b.example.com, a name that can be delegated to someone else).
    """
    if "*" in host or host.count("+") > 1 or not host.startswith("+.") or "+" in host[2:]:
        raise ValueError(
            f"{text!r}: '+' stands only as the whole first label, as in "
            f"'{scheme}://+.example.com' (one label beneath example.com)"
        )
    domain = host[2:]
    if not domain:
        raise ValueError(
            f"{text!r}: '+.' needs a domain after it, as in '{scheme}://+.example.com'"
        )
    if _IPV4.match(domain) or domain.startswith("[") or domain.replace(".", "").isdigit():
        raise ValueError(f"{text!r}: '+.' cannot stand before an IP address; list the address")
    _check_host(text, domain)
    if "." not in domain and domain != "localhost":
        raise ValueError(
            f"{text!r}: '+.{domain}' would match every site under a top-level domain; "
            "name your own domain, as in 'https://+.example.com'"
        )
    return OriginPattern(text, scheme, "one-label", domain, port)


def _write(candidate: str) -> Text:
    """``write 'candidate'``, or, when the candidate has a mistake of its own, its advice."""
    try:
        parse_origin_pattern(candidate)
    except ValueError as exc:
        # A candidate's own advice may name a setting: kept as fragments, not flattened.
        return ("then ", *exc.parts) if isinstance(exc, ProblemText) else (f"then {exc}",)
    return (f"write {candidate!r}",)


def _check_host(text: str, host: str) -> None:
    if any(ord(c) > 0x7F for c in host):
        try:
            ascii_host = ".".join(
                encodings.idna.ToASCII(label).decode("ascii") for label in host.split(".")
            )
        except UnicodeError:
            ascii_host = "xn--..."
        raise ValueError(
            f"{text!r}: browsers send internationalised host names in punycode: "
            f"write the host as {ascii_host!r}"
        )
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"{text!r}: {host} is not a valid IPv6 address") from None
        if host != f"[{address.compressed}]":
            raise ValueError(f"{text!r}: browsers compress IPv6 addresses: write [{address}]")
        return
    if _IPV4.match(host) or host.replace(".", "").isdigit():
        if not _IPV4.match(host) or any(int(p) > 255 for p in host.split(".")):
            raise ValueError(f"{text!r}: {host} is not a valid IPv4 address")
        return
    if not _is_canonical_host(host):
        raise ValueError(
            f"{text!r}: {host!r} is not a valid host name (letters, digits, hyphens and dots; "
            "labels of 1 to 63 characters; '*' only as a leading '*.' label or ':*' port)"
        )


_ANY_PORT = "*"


class OriginMatcher:
    """Matches serialised origins against many patterns in time independent of their number.

    Exact origins are a hash set. Subdomain patterns are a set keyed by
    (scheme, parent domain, port): an origin is checked against each of its own parent
    domains, so the cost grows with the number of labels in the origin (at most 127),
    not with the number of patterns. One-label patterns are the same set for the origin's
    immediate parent only: one lookup. Within-label patterns are keyed the same way by the
    host after the first label, then by the literal prefix, checking at most 63 prefixes.
    """

    __slots__ = (
        "_any_port_hosts",
        "_exact",
        "_has_patterns",
        "_label_parents",
        "_labels",
        "_one_label_parents",
        "_one_labels",
        "_subdomain_parents",
        "_subdomains",
    )

    def __init__(self, patterns: Iterable[OriginPattern]) -> None:
        self._exact: set[str] = set()
        self._any_port_hosts: set[tuple[str, str]] = set()
        self._subdomains: set[tuple[str, str, int | str | None]] = set()
        self._one_labels: set[tuple[str, str, int | str | None]] = set()
        self._labels: dict[tuple[str, str, int | str | None], dict[str, set[str]]] = {}
        for pattern in patterns:
            if pattern.kind == "exact":
                self._exact.add(pattern.text)
            elif pattern.kind == "port":
                self._any_port_hosts.add((pattern.scheme, pattern.host))
            elif pattern.kind == "subdomain":
                self._subdomains.add((pattern.scheme, pattern.host, pattern.port))
            elif pattern.kind == "one-label":
                self._one_labels.add((pattern.scheme, pattern.host, pattern.port))
            else:
                key = (pattern.scheme, pattern.host, pattern.port)
                by_prefix = self._labels.setdefault(key, {})
                by_prefix.setdefault(pattern.label_prefix, set()).add(pattern.label_suffix)

        self._has_patterns = bool(
            self._any_port_hosts or self._subdomains or self._one_labels or self._labels
        )
        # The bare domains under any wildcard: one string lookup per parent domain of an
        # origin rules most of them out before a keyed lookup is built.
        self._subdomain_parents = frozenset(host for _s, host, _p in self._subdomains)
        self._label_parents = frozenset(host for _s, host, _p in self._labels)
        self._one_label_parents = frozenset(host for _s, host, _p in self._one_labels)

    def matches(self, origin: str) -> bool:
        if origin in self._exact:
            return True
        if not self._has_patterns:
            return False
        # A fast, strict parse of the common form (a DNS host); anything else takes the
        # full parser. Either way a value a browser would never send matches nothing.
        match = _FAST_ORIGIN.match(origin)
        if match is not None and not match.group(2).rpartition(".")[2].isdigit():
            scheme, host, port_text = match.groups()
            if len(host) > 253:
                return False
            port: int | None = None
            if port_text is not None:
                port = int(port_text)
                if port > 65535 or DEFAULT_PORTS.get(scheme) == port:
                    return False
            return self._matches_host(scheme, host, port, False)
        parsed = parse_origin(origin)
        if parsed is None:
            return False
        return self._matches_host(parsed.scheme, parsed.host, parsed.port, parsed.is_ip)

    def _matches_host(self, scheme: str, host: str, port: int | None, is_ip: bool) -> bool:
        if self._any_port_hosts and (scheme, host) in self._any_port_hosts:
            return True
        if is_ip:
            return False
        parents = self._subdomain_parents
        if parents:
            subdomains = self._subdomains
            dot = host.find(".")
            while dot >= 0:
                parent = host[dot + 1 :]
                if parent in parents and (
                    (scheme, parent, port) in subdomains
                    or (scheme, parent, _ANY_PORT) in subdomains
                ):
                    return True
                dot = host.find(".", dot + 1)
        labels = self._labels
        if not labels and not self._one_label_parents:
            return False
        first, separator, parent = host.partition(".")
        if (
            separator
            and parent in self._one_label_parents
            # The label is already a valid host label (parsed above); "+" admits letters,
            # digits and hyphens only, as the within-label "*" does (see _label_matches).
            and "_" not in first
            and (
                (scheme, parent, port) in self._one_labels
                or (scheme, parent, _ANY_PORT) in self._one_labels
            )
        ):
            return True
        if labels:
            if not separator or parent not in self._label_parents:
                return False
            for key in ((scheme, parent, port), (scheme, parent, _ANY_PORT)):
                by_prefix = labels.get(key)
                if by_prefix is not None and _label_matches(first, by_prefix):
                    return True
        return False


def _label_matches(label: str, by_prefix: dict[str, set[str]]) -> bool:
    # The wildcard part is one or more of [a-z0-9-]: never a dot (the label has none)
    # and never "_" (which a browser accepts in a host but no DNS name for a site has).
    # Both loops are bounded by the label's length (at most 63), whatever the patterns.
    size = len(label)
    for cut in range(size):
        suffixes = by_prefix.get(label[:cut])
        if suffixes is None:
            continue
        for end in range(cut + 1, size + 1):
            if label[end:] in suffixes and "_" not in label[cut:end]:
                return True
    return False
