"""Public-suffix facts: where anyone can get a host name of their own.

Part of the model: the policy refuses credentialed wildcards over such names, and the
auditor and linter build their probes from the same facts (corsguard.probes re-exports
them). The data is the Public Suffix List shipped inside the ``publicsuffixlist`` package,
read once, lazily, from that package's own file.
"""

from __future__ import annotations

import re
from functools import lru_cache

import publicsuffixlist
from publicsuffixlist import PublicSuffixList

# Public hosting platforms where anyone can publish a page. Most are on the public suffix
# list; codepen.io, jsfiddle.net and glitch.me are not, so they are named here.
THIRD_PARTY_HOSTS = (
    "github.io",
    "codepen.io",
    "jsfiddle.net",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "web.app",
    "firebaseapp.com",
    "azurewebsites.net",
    # Azure Storage: any account's public container serves HTML at ACCOUNT.blob.core.windows.net
    # (a Public Suffix List private entry; unicef/hope-country-report's CORS regex names it).
    "blob.core.windows.net",
    "glitch.me",
    "repl.co",
)


@lru_cache(maxsize=1)
def _list_lines() -> tuple[str, ...]:
    # The package's own data file (publicsuffixlist.PSLFILE), the one PublicSuffixList()
    # reads by default; read here once so that both views below share it.
    with open(publicsuffixlist.PSLFILE, encoding="utf-8") as handle:
        return tuple(handle.read().splitlines())


@lru_cache(maxsize=1)
def public_suffix_list() -> PublicSuffixList:
    return PublicSuffixList(_list_lines())


def _ascii(name: str) -> str | None:
    """A list entry as browsers serialise it in an origin (IDNA A-labels), or None."""
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return None


@lru_cache(maxsize=1)
def _entries() -> frozenset[str]:
    """Every list entry (a ``*.`` rule counts as its parent) and the platforms named above."""
    entries: set[str] = set(THIRD_PARTY_HOSTS)
    for line in _list_lines():
        rule = line.split(" ", 1)[0].strip().lower()
        if not rule or rule.startswith(("//", "!")):
            continue
        rule = rule.removeprefix("*.")
        for name in {rule, _ascii(rule)}:
            if name:
                entries.add(name)
    return frozenset(entries)


@lru_cache(maxsize=1)
def _entries_beneath() -> dict[str, str]:
    """For every domain with a list entry strictly beneath it, the shortest such entry.

    Built once, on first use: each entry (a ``*.`` rule counts as its parent, which the
    list's own linter treats as public too) marks all its ancestors. Exception rules
    (``!``) name hosts that are not public, so they mark nothing.
    """
    beneath: dict[str, str] = {}
    for entry in _entries():
        labels = entry.split(".")
        for i in range(1, len(labels)):
            parent = ".".join(labels[i:])
            known = beneath.get(parent)
            if known is None or (len(entry), entry) < (len(known), known):
                beneath[parent] = entry
    return beneath


@lru_cache(maxsize=1)
def _entries_one_below() -> dict[str, str]:
    """For every domain with a list entry exactly one label beneath it, the shortest one."""
    below: dict[str, str] = {}
    for entry in _entries():
        _first, dot, parent = entry.partition(".")
        known = below.get(parent)
        if dot and (known is None or (len(entry), entry) < (len(known), known)):
            below[parent] = entry
    return below


@lru_cache(maxsize=1)
def _first_labels_by_parent() -> dict[str, tuple[str, ...]]:
    """For every domain, the first labels of the list entries exactly one label beneath it.

    Sorted by length, then alphabetically, so the first match is the shortest entry.
    """
    labels: dict[str, set[str]] = {}
    for entry in _entries():
        first, dot, parent = entry.partition(".")
        if dot:
            labels.setdefault(parent, set()).add(first)
    return {
        parent: tuple(sorted(names, key=lambda n: (len(n), n))) for parent, names in labels.items()
    }


def shared_suffix_in_label(domain: str, prefix: str, suffix: str) -> str | None:
    """A list entry ``PREFIX*SUFFIX.domain`` that a within-label pattern matches, or None.

    ``https://s3-*.amazonaws.com`` matches ``s3-us-west-2.amazonaws.com`` itself, an entry
    whose origin serves anyone's bucket as a path, as ``+.amazonaws.com`` does. The '*'
    stands for one or more of [a-z0-9-] (corsguard.origin's label matching).
    """
    parent = domain.lower().rstrip(".")
    for first in _first_labels_by_parent().get(parent, ()):
        if (
            len(first) > len(prefix) + len(suffix)
            and first.startswith(prefix)
            and first.endswith(suffix)
            and _WILDCARD_PART.fullmatch(first[len(prefix) : len(first) - len(suffix)])
        ):
            return f"{first}.{parent}"
    return None


_WILDCARD_PART = re.compile(r"[a-z0-9-]+")


def is_shared_hosting(domain: str) -> bool:
    """Whether anyone can get a host name directly under ``domain``.

    True for public suffixes (the Public Suffix List, private section included: vercel.app,
    github.io...) and for the user-content platforms named above that are not on it.
    """
    if domain in THIRD_PARTY_HOSTS:
        return True
    return bool(public_suffix_list().is_public(domain))


def is_listed_suffix(host: str) -> bool:
    """Whether ``host`` is itself a Public Suffix List entry (or a platform named above).

    Only explicit entries count, not the list's default rule (which would make every
    single-label intranet name public): ``s3.amazonaws.com``, ``github.io``, ``co.uk``.
    """
    return host.lower().rstrip(".") in _entries()


def shared_suffix_beneath(domain: str) -> str | None:
    """A public suffix or hosting platform strictly beneath ``domain``, or None.

    ``*.amazonaws.com`` covers ``bucket.s3.amazonaws.com``, which anyone can create because
    ``s3.amazonaws.com`` is on the list; this names such an entry (the shortest one).
    """
    return _entries_beneath().get(domain.lower().rstrip("."))


def shared_suffix_one_below(domain: str) -> str | None:
    """A public suffix or hosting platform exactly one label beneath ``domain``, or None.

    What a one-label pattern ``+.domain`` can match: ``+.amazonaws.com`` matches
    ``s3.amazonaws.com``, where anyone's bucket is served (path-style URLs share its origin).
    """
    return _entries_one_below().get(domain.lower().rstrip("."))


def registrable_domain(host: str) -> str:
    """The registrable domain of a host (eTLD+1), or the host itself for IPs and single labels."""
    if host.startswith("[") or host.replace(".", "").isdigit():
        return host
    return public_suffix_list().privatesuffix(host) or host
