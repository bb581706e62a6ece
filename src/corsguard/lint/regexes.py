"""Reading an origin regular expression the way its author meant it.

Two pure helpers, used by the judgement (which then tests the *real* regex against attack
origins, so nothing here decides whether a regex is safe):

- ``regex_samples`` reads a regex literally (``https://.*\\.example\\.com`` -> the origin
  ``https://app.example.com``) to get trusted origins from which to build bypass probes;
- ``regex_to_patterns`` translates it into corsguard origin patterns for the suggested fix
  (``https://*.example.com``, ``http://localhost:*``, ``https://myapp-*.preview.example.com``),
  or returns None when no pattern says the same thing.
"""

from __future__ import annotations

import itertools
import re

from corsguard.lint.regex_engine import compile_safe
from corsguard.lint.regex_safety import MAX_PATTERN
from corsguard.probes import THIRD_PARTY_HOSTS, registrable_domain, split_origin

# Shared with the fixes (corsguard.remediation); re-exported for the lint stacks.
from corsguard.remediation import is_loopback as is_loopback
from corsguard.remediation import third_party_platform as third_party_platform

_MAX_EXPANSIONS = 8
_WILD = "\x00"  # stands for "any run of characters" while a regex is being read

# Constructs that stand for "some characters": .* .+ [..]+ [..]* [..]{n,m} \w+ \d+ \S+ ...
_WILDCARD_RE = re.compile(
    r"""(?:\.|\[[^\]]*\]|\\[wdsSWD])(?:[*+]|\{\d*,?\d*\})\??"""  # repeated class or dot
    r"""|(?<![\\\w)\]])\*"""  # a bare glob-style star (flask-cors users write these)
)
_OPTIONAL_GROUP_RE = re.compile(r"\((?:\?:)?([^()|]*)\)\?")
_OPTIONAL_CHAR_RE = re.compile(r"(?<![\\\])])([A-Za-z0-9])\?")
_ALTERNATION_RE = re.compile(r"\((?:\?:)?([^()]*\|[^()]*)\)")
_ORIGIN_RE = re.compile(r"^([a-z][a-z0-9+.\-]*)://(\[[0-9a-f:.]+\]|[^/?#:\s]+)(:[0-9]+|:\x00)?")
_HOST_RE = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9\-._~\x00]+)$")


def _strip_anchors(pattern: str) -> str:
    text = pattern.strip()
    for prefix in ("^", "\\A"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    for suffix in ("$", "\\Z", "\\z"):
        if text.endswith(suffix) and not text.endswith("\\" + suffix):
            text = text[: -len(suffix)]
    return text


def _expand(pattern: str) -> list[str]:
    """Expand alternations and optional groups into plain variants (bounded)."""
    variants = [pattern]
    for _ in range(4):
        changed = False
        out: list[str] = []
        for text in variants:
            match = _ALTERNATION_RE.search(text)
            if match:
                changed = True
                for alt in match.group(1).split("|"):
                    out.append(text[: match.start()] + alt + text[match.end() :])
                continue
            match = _OPTIONAL_CHAR_RE.search(text)
            if match:  # https? -> https and http
                changed = True
                out.append(text[: match.start()] + match.group(1) + text[match.end() :])
                out.append(text[: match.start()] + text[match.end() :])
                continue
            match = _OPTIONAL_GROUP_RE.search(text)
            if match:
                changed = True
                out.append(text[: match.start()] + match.group(1) + text[match.end() :])
                out.append(text[: match.start()] + text[match.end() :])
                continue
            out.append(text)
        variants = list(dict.fromkeys(out))[: _MAX_EXPANSIONS * 4]
        if not changed:
            break
    return variants


def _literal_reading(variant: str) -> str:
    """Replace wildcards by _WILD, `s?` by `s`, unescape; return lowercase text."""
    text = _WILDCARD_RE.sub(_WILD, variant)
    # A repeated group reads as one copy of itself: ([a-z0-9-]+\.)+ -> one label and a dot.
    text = re.sub(r"(?<!\\)\)(?:[*+?]|\{\d*,?\d*\})\??", ")", text)
    text = re.sub(r"(?<!\\)([A-Za-z0-9])\?", r"\1", text)  # https? -> https
    text = re.sub(r"\\(.)", r"\1", text)  # \. -> .
    text = text.replace("(", "").replace(")", "").replace("?", "")
    return text.lower()


def _top_level_alternatives(pattern: str) -> list[str]:
    """Split on `|` outside groups and classes: `^a$|^b` is `^a$` or `^b` (each anchored alone)."""
    parts: list[str] = []
    depth = 0
    in_class = False
    start = 0
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def _readings(pattern: str) -> list[str]:
    if len(pattern) > MAX_PATTERN:
        return []  # not read (regex_safety refuses it too); keeps the helpers' work bounded
    variants = [
        variant
        for alternative in _top_level_alternatives(pattern)
        for variant in _expand(_strip_anchors(alternative))
    ]
    return list(dict.fromkeys(_literal_reading(v) for v in variants))[:_MAX_EXPANSIONS]


def _origin_part(text: str) -> tuple[str, str, str] | None:
    match = _ORIGIN_RE.match(text)
    if not match:
        return None
    scheme, host, port = match.group(1), match.group(2), match.group(3) or ""
    if not _HOST_RE.match(host) or host.strip(".\x00") == "":
        return None
    return scheme, host, port


def regex_samples(pattern: str) -> list[str]:
    """Origins the author evidently meant to trust (wildcards read as 'app', ports as 3000)."""
    samples: list[str] = []
    for text in _readings(pattern):
        if "://" not in text and re.match(r"^[a-z0-9\-.\x00]+\.[a-z]+", text):
            text = "https://" + text  # a host-only regex used with re.search
        parts = _origin_part(text)
        if parts is None:
            continue
        scheme, host, port = parts
        host = host.replace(_WILD, "app").strip(".")
        port = port.replace(_WILD, "3000")
        samples.append(f"{scheme}://{host}{port}")
    return list(dict.fromkeys(samples))


def regex_domains(pattern: str) -> list[str]:
    """The literal domain right of a regex's wildcard: ``^https://.*example\\.com$`` and
    ``^https://\\w+\\.example\\.com$`` -> ``example.com`` (candidates for the fix, which the
    caller keeps only if the regex accepts them)."""
    out: list[str] = []
    for text in _readings(pattern):
        parts = _origin_part(text)
        if parts is None or _WILD not in parts[1]:
            continue
        suffix = parts[1].rsplit(_WILD, 1)[1].strip(".")
        if "." in suffix and _HOST_RE.match(suffix):
            out.append(registrable_domain(suffix))
    return list(dict.fromkeys(out))


def _pattern_host_ok(host: str) -> bool:
    """A corsguard pattern host: wildcards only left of the registrable domain."""
    if _WILD not in host:
        return True
    labels = host.split(".")
    if third_party_platform(host.replace(_WILD, "x")):
        return True  # judged (and replaced) as a third-party platform by the caller
    concrete = ".".join("x" if _WILD in label else label for label in labels)
    domain = registrable_domain(concrete)
    domain_labels = domain.count(".") + 1
    if len(labels) <= domain_labels:
        return False
    # Every label inside the registrable domain must be concrete.
    if any(_WILD in label for label in labels[-domain_labels:]):
        return False
    # A whole-label wildcard may only be the leftmost label.
    return all(label != _WILD for label in labels[1:])


def regex_to_patterns(pattern: str) -> list[str] | None:
    """Translate a regex into corsguard origin patterns, or None if none says the same."""
    patterns: list[str] = []
    for text in _readings(pattern):
        parts = _origin_part(text)
        if parts is None:
            return None
        scheme, host, port = parts
        rest = text[_ORIGIN_RE.match(text).end() :]  # type: ignore[union-attr]
        if rest.strip(_WILD + "/") != "":
            return None  # a path or something else after the origin
        host = host.strip(".")
        if not _pattern_host_ok(host):
            return None
        if _WILD in port and not is_loopback(host.replace(_WILD, "x")):
            return None
        host = re.sub(f"^{_WILD}(?=\\.)", "*", host).replace(_WILD, "*")
        translated = f"{scheme}://{host}{port.replace(_WILD, '*')}"
        if translated.startswith(f"{scheme}://*.") and not _accepts_deeper(pattern, translated):
            # corsguard's "*." is one label or more; a regex such as \w+\. accepts one only,
            # so the pattern would trust a.b.example.com, which the regex refused.
            return None
        patterns.append(translated)
    return list(dict.fromkeys(patterns)) or None


def _accepts_deeper(pattern: str, translated: str) -> bool:
    """Does the regex accept a name two labels deep where the pattern has "*."?"""

    compiled = compile_safe(pattern, re.IGNORECASE)
    if compiled is None:
        return False
    deep = translated.replace("*.", "corsguarda.corsguardb.", 1).replace(":*", ":8443")
    return compiled.match(deep)


_WORD_RE = re.compile(r"[a-z0-9][a-z0-9\-]{2,62}")


def platform_samples(pattern: str) -> list[str]:
    r"""Origins on a hosting platform that a regex names, read from its words.

    ``^https:\/\/(\w)*[-]*(myproject+)([-](\w)*)*(.vercel.app){1}`` is too irregular for a
    literal reading, but it names vercel and the word myproject: the candidates
    ``https://myproject.vercel.app`` (and http) are then tested against the real regex.
    """
    if len(pattern) > MAX_PATTERN:
        return []
    lowered = pattern.lower()
    out: list[str] = []
    words = [
        w for w in _WORD_RE.findall(re.sub(r"\\[a-z]", " ", lowered)) if w not in ("https", "http")
    ]
    for platform in THIRD_PARTY_HOSTS:
        name = platform.split(".")[0]
        if name not in lowered:
            continue
        labels = [w for w in words if w not in platform.split(".")][:_MAX_EXPANSIONS]
        for label in labels or ["app"]:
            for scheme in ("https", "http"):
                out.append(f"{scheme}://{label}.{platform}")
    return list(dict.fromkeys(out))


def origin_host(origin: str) -> str:
    return split_origin(origin)[1]


def combinations(pools: list[tuple[object, ...]], limit: int = 64) -> list[tuple[object, ...]]:
    return list(itertools.islice(itertools.product(*pools), limit))
