"""The CORS policy: validated at construction, compiled into an immutable form.

Every mistake in a configuration is collected into one `PolicyError` that lists each
problem with what to write instead, so an app refuses to start with an unsafe policy
rather than serving one. Header values are computed once here; the engine's hot path
only looks them up.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from corsguard.findings import Context, Severity, order, render_fix, severity_of
from corsguard.origin import OriginMatcher, OriginPattern, parse_origin_pattern
from corsguard.remediation import FixContext, safe_origins, third_party_platform
from corsguard.spec import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
    NO_CORS_SAFELISTED_NAMES,
    NORMALIZED_METHODS,
)
from corsguard.suffixes import is_shared_hosting, shared_suffix_beneath

if TYPE_CHECKING:
    from corsguard.engine import Decision

# RFC 9110 §5.6.2: methods and field names are tokens.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")

# Fetch §cors-safelisted-request-header names. Browsers still preflight some values of
# them (Content-Type: application/json), so, as Starlette does, they are always allowed.
SAFELISTED_HEADER_NAMES = NO_CORS_SAFELISTED_NAMES

MAX_AGE_LIMIT = 86400


class PolicyError(ValueError):
    """A CORS configuration that corsguard refuses; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid CORS policy ({len(self.problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class PolicyFinding:
    """A risk a valid policy accepts, named as `corsguard lint` and `corsguard audit` name it.

    ``id`` and ``severity`` come from the catalogue (corsguard.findings) with what the policy
    says about credentials, so the start-up log, `corsguard check`, lint and audit agree;
    ``fix`` is the corsguard.Policy that avoids it, with the policy's own origins
    (corsguard.remediation). ``route`` is the routes prefix of a per-route policy, if any.
    """

    id: str
    severity: Severity
    message: str
    fix: str
    route: str | None = None

    @property
    def label(self) -> str:
        return f"[{self.id}, {self.severity.value}]"

    @property
    def text(self) -> str:
        """The one-line form of ``Policy.warnings``: the message and ``[id, severity]``."""
        return f"{self.message} {self.label}"

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "severity": self.severity.value,
            "message": self.message,
            "fix": self.fix,
        }

    def on_route(self, prefix: str) -> PolicyFinding:
        return PolicyFinding(
            self.id, self.severity, f"routes {prefix}: {self.message}", self.fix, prefix
        )


def _is_token(value: str) -> bool:
    return bool(_TOKEN.match(value))


class Policy:
    """An immutable, validated CORS policy.

    Keyword names follow Starlette's CORSMiddleware. See the README for every option.
    """

    __slots__ = (
        "_acao_public",
        "_actual_headers",
        "_any_header",
        "_any_method",
        "_exempt_prefixes",
        "_granted",
        "_has_patterns",
        "_headers_lower",
        "_matcher",
        "_methods",
        "_paths",
        "_preflight_cache",
        "_preflight_headers",
        "_preflight_vary",
        "_public_grant",
        "_routes",
        "allow_credentials",
        "allow_headers",
        "allow_methods",
        "allow_origins",
        "allow_private_network",
        "any_origin",
        "block_cross_origin_websockets",
        "block_cross_origin_writes",
        "debug",
        "expose_headers",
        "findings",
        "max_age",
        "on_reject",
        "origin_patterns",
        "public",
        "routes",
        "tolerate_insecure_origins",
        "tolerate_public_suffix_wildcards",
        "vary",
        "warnings",
        "write_protection_exempt_paths",
    )

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    allow_credentials: bool
    expose_headers: tuple[str, ...]
    max_age: int
    allow_private_network: bool
    block_cross_origin_writes: bool
    write_protection_exempt_paths: tuple[str, ...]
    block_cross_origin_websockets: bool
    tolerate_insecure_origins: bool
    tolerate_public_suffix_wildcards: bool
    routes: Mapping[str, Policy]  # read-only view
    debug: bool
    on_reject: Callable[[Decision], object] | None
    origin_patterns: tuple[OriginPattern, ...]
    any_origin: bool
    public: bool
    vary: bytes
    findings: tuple[PolicyFinding, ...]
    warnings: tuple[str, ...]
    # The compiled form the engine reads on every request.
    _matcher: OriginMatcher
    _methods: frozenset[str]
    _any_method: bool
    _headers_lower: frozenset[str]
    _any_header: bool
    _exempt_prefixes: frozenset[str]
    _routes: dict[str, Policy]
    _acao_public: tuple[tuple[bytes, bytes], ...]
    _public_grant: tuple[tuple[bytes, bytes], ...]
    _actual_headers: tuple[tuple[bytes, bytes], ...]
    _granted: dict[str, tuple[tuple[bytes, bytes], ...]]
    _has_patterns: bool
    _preflight_cache: dict[
        tuple[str, bytes, bytes | None, bytes | None], tuple[tuple[bytes, bytes], ...]
    ]
    _preflight_headers: tuple[tuple[bytes, bytes], ...]
    _preflight_vary: bytes
    # With routes or exempt paths: the strict policy for paths whose readings disagree,
    # and the longest route or exempt prefix (engine.route_policy); otherwise None.
    _paths: tuple[Policy, int] | None

    def __init__(
        self,
        *,
        allow_origins: Iterable[str] = (),
        allow_methods: Iterable[str] = ("GET",),
        allow_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int = 600,
        allow_private_network: bool = False,
        block_cross_origin_writes: bool = True,
        write_protection_exempt_paths: Iterable[str] = (),
        block_cross_origin_websockets: bool = True,
        tolerate_insecure_origins: bool = False,
        tolerate_public_suffix_wildcards: bool = False,
        routes: Mapping[str, Policy] | None = None,
        debug: bool = False,
        on_reject: Callable[[Decision], object] | None = None,
        allow_origin_regex: str | None = None,
        **unknown: object,
    ) -> None:
        problems: list[str] = []
        warnings: list[str] = []
        for name in unknown:
            problems.append(_unknown_option(name))

        def flag(name: str, value: object) -> bool:
            if not isinstance(value, bool):
                problems.append(
                    f"{name} must be True or False, not {value!r}"
                    + (" (a non-empty string is true in Python)" if isinstance(value, str) else "")
                )
                return False
            return value

        credentials = flag("allow_credentials", allow_credentials)
        private_network = flag("allow_private_network", allow_private_network)
        writes = flag("block_cross_origin_writes", block_cross_origin_writes)
        websockets = flag("block_cross_origin_websockets", block_cross_origin_websockets)
        tolerate_insecure = flag("tolerate_insecure_origins", tolerate_insecure_origins)
        tolerate_psl = flag("tolerate_public_suffix_wildcards", tolerate_public_suffix_wildcards)
        debug_flag = flag("debug", debug)

        if allow_origin_regex is not None:
            problems.append(_regex_advice(allow_origin_regex) + _refused("regex-origin"))

        known_problems = len(problems)
        origins = _string_list("allow_origins", allow_origins, problems)
        origins_mistyped = len(problems) > known_problems
        methods = _string_list("allow_methods", allow_methods, problems)
        headers = _string_list("allow_headers", allow_headers, problems)
        exposed = _string_list("expose_headers", expose_headers, problems)
        exempt = _string_list(
            "write_protection_exempt_paths", write_protection_exempt_paths, problems
        )

        # --- origins
        any_origin = "*" in origins
        patterns: list[OriginPattern] = []
        if not origins and allow_origin_regex is None and not origins_mistyped:
            problems.append(
                "allow_origins is empty: list the origins of your front ends, e.g. "
                "allow_origins=['https://app.example.com']"
            )
        if any_origin and len(origins) > 1:
            problems.append(
                "allow_origins mixes '*' with specific origins: use ['*'] alone for a public "
                "API, or only the specific origins"
            )
        if any_origin and credentials:
            problems.append(
                "allow_origins=['*'] with allow_credentials=True: browsers refuse '*' with "
                "credentials (Fetch §CORS check), and reflecting the origin instead would let "
                "every site read your users' data. List the trusted origins"
                + _refused("wildcard-with-credentials")
            )
        for text in origins:
            if text == "*":
                continue
            try:
                pattern = parse_origin_pattern(text)
            except ValueError as exc:
                refused = _refused("null-origin-trusted") if text.strip().lower() == "null" else ""
                problems.append(f"allow_origins: {exc}{refused}")
                continue
            patterns.append(pattern)
            if credentials:
                _check_credentialed_origin(pattern, tolerate_insecure, tolerate_psl, problems)

        # --- methods
        method_set: set[str] = set()
        for method in methods:
            if method == "*":
                method_set.add("*")
                continue
            if not _is_token(method):
                problems.append(f"allow_methods: {method!r} is not an HTTP method name (a token)")
                continue
            upper = method.upper()
            if upper in FORBIDDEN_METHODS:
                problems.append(
                    f"allow_methods: {method} is a forbidden method (Fetch §forbidden method): "
                    "browsers never send it; remove it"
                )
                continue
            if upper in NORMALIZED_METHODS:
                method = upper
            elif method != upper:
                warnings.append(
                    f"allow_methods: {method!r} matches only a request method written exactly "
                    f"so; fetch() sends '{upper}' when the script writes '{upper}' (methods "
                    "other than DELETE, GET, HEAD, OPTIONS, POST and PUT are case-sensitive)"
                )
            method_set.add(method)

        # --- request headers
        header_set: set[str] = set()
        for header in headers:
            if header == "*":
                header_set.add("*")
                continue
            if not _is_token(header):
                problems.append(f"allow_headers: {header!r} is not a header name (a token)")
                continue
            lower = header.lower()
            if lower in FORBIDDEN_REQUEST_HEADERS or lower.startswith(
                FORBIDDEN_REQUEST_HEADER_PREFIXES
            ):
                problems.append(
                    f"allow_headers: {header} is a forbidden request header "
                    "(Fetch §forbidden request-header): scripts cannot set it; remove it"
                )
                continue
            header_set.add(lower)
        if "*" in header_set and "authorization" not in header_set:
            warnings.append(
                "allow_headers=['*'] does not cover Authorization (Fetch §CORS-preflight fetch): "
                "add 'Authorization' if clients send it"
            )

        # --- exposed headers
        expose_list: list[str] = []
        for header in exposed:
            if header == "*":
                if credentials:
                    problems.append(
                        "expose_headers=['*'] with allow_credentials=True: browsers treat '*' "
                        "as a header literally named '*' on credentialed requests; list the "
                        "headers to expose"
                    )
                expose_list.append("*")
                continue
            if not _is_token(header):
                problems.append(f"expose_headers: {header!r} is not a header name (a token)")
                continue
            if header.lower() in FORBIDDEN_RESPONSE_HEADERS:
                problems.append(
                    f"expose_headers: {header} can never be read by scripts "
                    "(Fetch §forbidden response-header name); remove it"
                )
                continue
            expose_list.append(header)

        # --- max age
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            problems.append(f"max_age must be a whole number of seconds, not {max_age!r}")
            max_age = 0
        elif not 0 <= max_age <= MAX_AGE_LIMIT:
            problems.append(
                f"max_age={max_age} is outside 0..{MAX_AGE_LIMIT}: browsers cap it "
                "(Chromium at 7200 s, Firefox at 86400 s); use e.g. 600"
            )

        # --- paths
        exempt_prefixes: list[str] = []
        for path in exempt:
            normalized = _route_key("write_protection_exempt_paths", path, problems)
            if normalized == "/":
                # Every path starts with '/': the exemption would switch the protection
                # off for the whole app while block_cross_origin_writes still reads True.
                problems.append(
                    f"write_protection_exempt_paths: {path!r} exempts every path, which turns "
                    "cross-origin write protection off for the whole app: list only the "
                    "paths that take cross-origin writes (e.g. '/webhooks'), or set "
                    "block_cross_origin_writes=False to turn it off deliberately"
                )
            elif normalized is not None:
                exempt_prefixes.append(normalized)

        # --- routes
        route_map: dict[str, Policy] = {}
        if routes is not None:
            if not isinstance(routes, Mapping):
                problems.append("routes must be a mapping of path prefixes to Policy objects")
            else:
                written: dict[str, object] = {}
                for prefix, sub in routes.items():
                    key = _route_key("routes", prefix, problems)
                    if key is not None and key in written:
                        # '/admin', '/admin/' and '//admin' name the same segments; a
                        # mapping would keep only the last one, silently.
                        problems.append(
                            f"routes: {written[key]!r} and {prefix!r} are the same prefix "
                            f"{key!r} (trailing and repeated slashes do not count): keep one"
                        )
                        continue
                    if key is not None:
                        written[key] = prefix
                    if not isinstance(sub, Policy):
                        problems.append(
                            f"routes[{prefix!r}] must be a corsguard.Policy, "
                            f"not {type(sub).__name__}"
                        )
                        continue
                    if sub.routes:
                        problems.append(f"routes[{prefix!r}] has routes of its own: nest no routes")
                        continue
                    if key is not None:
                        route_map[key] = sub

        if on_reject is not None and not callable(on_reject):
            problems.append("on_reject must be a callable taking a corsguard.Decision")

        if problems:
            raise PolicyError(problems)
        if on_reject is not None:
            # A route's refusals reach the app's callback too, unless it has its own.
            route_map = {
                key: sub if sub.on_reject is not None else sub._with_on_reject(on_reject)
                for key, sub in route_map.items()
            }

        # --- compile
        s = object.__setattr__
        s(self, "allow_origins", tuple(origins))
        s(self, "allow_methods", tuple(sorted(method_set)))
        s(self, "allow_headers", tuple(sorted(header_set)))
        s(self, "allow_credentials", credentials)
        s(self, "expose_headers", tuple(expose_list))
        s(self, "max_age", max_age)
        s(self, "allow_private_network", private_network)
        s(self, "block_cross_origin_writes", writes)
        s(self, "write_protection_exempt_paths", tuple(exempt_prefixes))
        s(self, "block_cross_origin_websockets", websockets)
        s(self, "tolerate_insecure_origins", tolerate_insecure)
        s(self, "tolerate_public_suffix_wildcards", tolerate_psl)
        s(self, "routes", MappingProxyType(dict(route_map)))
        s(self, "debug", debug_flag)
        s(self, "on_reject", on_reject)
        s(self, "origin_patterns", tuple(patterns))
        s(self, "any_origin", any_origin)
        s(self, "_matcher", OriginMatcher(patterns))
        s(self, "_has_patterns", any(p.kind != "exact" for p in patterns))
        s(self, "_methods", frozenset(method_set))
        s(self, "_any_method", "*" in method_set)
        s(self, "_headers_lower", frozenset(header_set | SAFELISTED_HEADER_NAMES))
        s(self, "_any_header", "*" in header_set)
        s(self, "_exempt_prefixes", frozenset(exempt_prefixes))
        s(self, "_routes", dict(route_map))

        # A fully public policy sends the same headers whatever the Origin: no Vary needed.
        public = any_origin and not credentials
        s(self, "public", public)
        own = _findings(self, tuple(patterns), tolerate_psl)
        found = own + tuple(f.on_route(key) for key, sub in route_map.items() for f in sub.findings)
        s(self, "findings", found)
        s(self, "warnings", tuple(f.text for f in own) + tuple(warnings))
        s(self, "_acao_public", ((b"access-control-allow-origin", b"*"),) if public else ())
        s(self, "vary", b"" if public else b"Origin")
        preflight_vary = b"Access-Control-Request-Method, Access-Control-Request-Headers"
        if private_network:
            preflight_vary += b", Access-Control-Request-Private-Network"
        s(self, "_preflight_vary", preflight_vary if public else b"Origin, " + preflight_vary)

        actual: list[tuple[bytes, bytes]] = []
        if credentials:
            actual.append((b"access-control-allow-credentials", b"true"))
        if expose_list:
            actual.append((b"access-control-expose-headers", ", ".join(expose_list).encode()))
        s(self, "_actual_headers", tuple(actual))
        # A public policy's answer to any actual request: '*' and the exposed headers.
        s(self, "_public_grant", (*self._acao_public, *actual) if public else ())
        # The whole header set of a grant, per exact origin, so a request only looks it up.
        s(
            self,
            "_granted",
            {
                p.text: ((b"access-control-allow-origin", p.text.encode()), *actual)
                for p in patterns
                if p.kind == "exact"
            },
        )

        preflight: list[tuple[bytes, bytes]] = []
        if credentials:
            preflight.append((b"access-control-allow-credentials", b"true"))
        # With credentials, '*' is literal (Fetch §CORS-preflight fetch), so the engine
        # echoes the requested method and header names instead of these values.
        if not (self._any_method and credentials):
            methods_value = "*" if self._any_method else ", ".join(sorted(method_set))
            preflight.append((b"access-control-allow-methods", methods_value.encode()))
        if not (self._any_header and credentials):
            # '*' never covers Authorization (Fetch §CORS-preflight fetch step 7.6), so
            # it is named beside '*' when the policy lists it.
            names = sorted((header_set - {"*"}) | SAFELISTED_HEADER_NAMES)
            if self._any_header:
                names = ["*", *names]
            if names:
                preflight.append((b"access-control-allow-headers", ", ".join(names).encode()))
        preflight.append((b"access-control-max-age", str(max_age).encode()))
        s(self, "_preflight_headers", tuple(preflight))
        # The only mutable state: a bounded memo of granted preflights (engine.py).
        s(self, "_preflight_cache", {})
        s(self, "_paths", self._path_table())

    def _with_on_reject(self, on_reject: Callable[[Decision], object]) -> Policy:
        twin = object.__new__(Policy)
        for name in Policy.__slots__:
            if name != "_paths":
                object.__setattr__(twin, name, getattr(self, name))
        object.__setattr__(twin, "on_reject", on_reject)
        object.__setattr__(twin, "_paths", twin._path_table())
        return twin

    def _path_table(self) -> tuple[Policy, int] | None:
        """See ``_paths``: the strict twin grants nothing, exempts nothing, blocks writes
        and WebSocket handshakes from untrusted origins, and reports to ``on_reject``."""
        prefixes = [*self._exempt_prefixes, *self._routes]
        prefixes += [p for sub in self._routes.values() for p in sub._exempt_prefixes]
        if not prefixes:
            return None
        strict = object.__new__(Policy)
        for name in Policy.__slots__:
            if name != "_paths":
                object.__setattr__(strict, name, getattr(self, name))
        vary = self._preflight_vary
        for name, value in {
            "allow_origins": (),
            "origin_patterns": (),
            "any_origin": False,
            "public": False,
            "_granted": {},
            "_has_patterns": False,
            "_matcher": OriginMatcher(()),
            "_acao_public": (),
            "_public_grant": (),
            "vary": b"Origin",
            "_preflight_vary": vary if vary.startswith(b"Origin") else b"Origin, " + vary,
            "_preflight_cache": {},
            "block_cross_origin_writes": True,
            "block_cross_origin_websockets": True,
            "write_protection_exempt_paths": (),
            "_exempt_prefixes": frozenset(),
            "routes": MappingProxyType({}),
            "_routes": {},
            "_paths": None,
        }.items():
            object.__setattr__(strict, name, value)
        return strict, max(map(len, prefixes))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a corsguard Policy is immutable; build a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a corsguard Policy is immutable; build a new one")

    def __repr__(self) -> str:
        return (
            f"Policy(allow_origins={list(self.allow_origins)!r}, "
            f"allow_methods={list(self.allow_methods)!r}, "
            f"allow_headers={list(self.allow_headers)!r}, "
            f"allow_credentials={self.allow_credentials!r}, "
            f"expose_headers={list(self.expose_headers)!r}, max_age={self.max_age!r})"
        )

    @classmethod
    def from_env(
        cls, prefix: str = "CORSGUARD_", environ: Mapping[str, str] | None = None
    ) -> Policy:
        """A policy from environment variables (``CORSGUARD_ALLOW_ORIGINS`` and so on)."""
        from corsguard.config import policy_from_env

        return policy_from_env(prefix=prefix, environ=environ)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        """A policy from a TOML file, or the ``[tool.corsguard]`` table of pyproject.toml."""
        from corsguard.config import policy_from_file

        return policy_from_file(path)

    def allows_origin(self, origin: str) -> bool:
        """Whether a serialised Origin header value is trusted by this policy."""
        return self.any_origin or self._matcher.matches(origin)

    def allows_method(self, method: str) -> bool:
        """Whether a preflight asking for ``method`` (exact case) would be granted."""
        return self._any_method or method in self._methods


def _unknown_option(name: str) -> str:
    options = [p for p in Policy.__init__.__code__.co_varnames if not p.startswith(("self", "unk"))]
    options = options[: Policy.__init__.__code__.co_kwonlyargcount]
    close = difflib.get_close_matches(name, options, n=1)
    hint = f": did you mean {close[0]!r}?" if close else f"; the options are: {', '.join(options)}"
    return f"unknown option {name!r}{hint}"


def _string_list(name: str, value: object, problems: list[str]) -> list[str]:
    if isinstance(value, (str, bytes)):
        problems.append(
            f"{name} must be a list of strings, not a single string: write {name}=[{value!r}]"
        )
        return []
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        problems.append(f"{name} must be a list of strings, not {type(value).__name__}")
        return []
    good: list[str] = []
    for item in items:
        if isinstance(item, str):
            good.append(item)
        else:
            problems.append(f"{name}: {item!r} is not a string")
    return good


# Characters of globs ('/api/*') and regular expressions (flask-cors' resources=r"/api/.*")
# that a literal path prefix would hold only by mistake: '?' starts a query, and the rest
# never appear unescaped in the paths of a typical app. A prefix holding one would never
# match, leaving the route's policy (or the exemption) silently unused.
_PATH_PATTERN_MARKS = re.compile(r"[*?()\[\]{}^$|\\]|\.\+")


def _pattern_advice(option: str, prefix: str) -> str | None:
    mark = _PATH_PATTERN_MARKS.search(prefix)
    if mark is None:
        return None
    regex = ".*" in prefix or ".+" in prefix or bool(set(prefix) & set("()[]{}^$|\\"))
    kind = "a regular expression" if regex else "a glob"
    literal = prefix.removeprefix("^")
    cut = _PATH_PATTERN_MARKS.search(literal)
    if cut is not None:
        literal = literal[: cut.start()]
    literal = literal.rstrip("/.")
    segments = [segment for segment in literal.split("/") if segment]
    suggestion = "/" + "/".join(segments)
    what = "routes key" if option == "routes" else option + ":"
    write = f"write {suggestion!r}"
    if suggestion == "/" and option != "routes":
        write = "list the paths that take cross-origin writes, e.g. '/webhooks'"
    return (
        f"{what} {prefix!r} is {kind}: {option} match whole path segments by plain prefix "
        f"(no wildcards or regular expressions), {write}"
    )


def _route_key(option: str, prefix: object, problems: list[str]) -> str | None:
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        advice = _pattern_advice(option, prefix) if isinstance(prefix, str) else None
        problems.append(advice or f"{option}: {prefix!r} must be a path starting with '/'")
        return None
    advice = _pattern_advice(option, prefix)
    if advice is not None:
        problems.append(advice)
        return None
    segments = prefix.split("/")
    if any(segment in (".", "..") for segment in segments) or "%" in prefix:
        problems.append(
            f"{option}: {prefix!r} must be a plain decoded path, without '.', '..' or '%'"
        )
        return None
    # Trailing and repeated slashes do not change which segments a prefix names.
    return "/" + "/".join(segment for segment in segments if segment)


def _check_credentialed_origin(
    pattern: OriginPattern,
    tolerate_insecure: bool,
    tolerate_psl: bool,
    problems: list[str],
) -> None:
    # The tolerated cases are reported by _findings, with their catalogue id.
    text = pattern.text
    if pattern.scheme == "http" and not pattern.is_loopback and not tolerate_insecure:
        problems.append(
            f"allow_origins: {text} is plain http: anyone on the network path can inject "
            "script into it and read your users' data through it. Use "
            f"'https://{text[len('http://') :]}', or pass tolerate_insecure_origins=True "
            "for a deliberate exception" + _refused("insecure-origin-trusted")
        )
    if not pattern.is_wildcard_host or pattern.is_loopback or tolerate_psl:
        return
    if is_shared_hosting(pattern.host):
        problems.append(
            f"allow_origins: {text} puts a wildcard directly on {pattern.host!r}, a "
            "public suffix or shared hosting domain where anyone can register a matching "
            "name and read "
            "your users' data. Host your previews on a domain you own, e.g. "
            "'https://myapp-*.preview.example.com', or pass "
            "tolerate_public_suffix_wildcards=True for a deliberate exception"
            + _refused("third-party-origin-trusted")
        )
        return
    # '*.' matches hosts at any depth, so a public suffix anywhere beneath the domain
    # (s3.amazonaws.com under amazonaws.com) lets anyone create a matching host. A
    # within-label '*' matches one label only, directly under the domain.
    beneath = shared_suffix_beneath(pattern.host) if pattern.kind == "subdomain" else None
    if beneath is not None:
        problems.append(
            f"allow_origins: {text} also matches every host under {beneath!r}, a public "
            "suffix (Public Suffix List) where anyone can create a name and read your "
            "users' data. List your exact origins, or a within-label pattern such as "
            f"'https://myapp-*.{pattern.host}', or pass "
            "tolerate_public_suffix_wildcards=True for a deliberate exception"
            + _refused("third-party-origin-trusted")
        )


def _refused(kind_id: str) -> str:
    """Names the catalogue id lint and audit report for what a refused option would do."""
    return f" [refused: {kind_id}]"


def _third_party(pattern: OriginPattern) -> str | None:
    """The public suffix or hosting platform whose tenants ``pattern`` trusts, or None.

    A wildcard by the refusal's rule (_check_credentialed_origin): on a public suffix or
    shared hosting domain, or ('*.') over one beneath its domain; an exact origin when its
    host is on a hosting platform (corsguard.probes.THIRD_PARTY_HOSTS).
    """
    if not pattern.is_wildcard_host:
        return third_party_platform(pattern.host)
    if is_shared_hosting(pattern.host):
        return pattern.host
    return shared_suffix_beneath(pattern.host) if pattern.kind == "subdomain" else None


def _findings(
    policy: Policy, patterns: tuple[OriginPattern, ...], tolerate_psl: bool
) -> tuple[PolicyFinding, ...]:
    """The catalogue findings of a valid policy, in catalogue order (issue #11).

    Each matches what `corsguard audit --origin <these origins>` sees from a server enforcing
    the policy and what `corsguard lint` reports for the code configuring it; the severity is
    the catalogue's rule with the policy's credentials.
    """
    creds = policy.allow_credentials
    ctx = Context(credentials=creds)
    origins, notes = safe_origins(policy.allow_origins)
    methods = tuple(m for m in policy.allow_methods if m != "*")
    headers = tuple(h for h in policy.allow_headers if h != "*")
    fix_ctx = FixContext(origins, creds, methods, headers, public=policy.public, notes=notes)
    with_creds = " with credentials" if creds else ""
    out: list[tuple[str, str]] = []
    if policy.any_origin:
        out.append(
            (
                "wildcard-origin",
                "allow_origins=['*']: any site can read responses (without "
                "credentials); fine for public, read-only data",
            )
        )
        if policy.allow_private_network:
            out.append(
                (
                    "private-network-allowed",
                    "allow_private_network=True with allow_origins=['*'] "
                    "lets any public site reach this private-network service through a visitor's "
                    "browser",
                )
            )
    for pattern in patterns:
        text = pattern.text
        if pattern.is_loopback:
            out.append(
                (
                    "localhost-trusted",
                    f"{text} is trusted{with_creds}: any program on a user's "
                    "machine can serve a page there; allow it only in a development policy",
                )
            )
            continue
        platform = _third_party(pattern)
        if platform is not None:
            how = "names under" if pattern.is_wildcard_host else "a site on"
            tolerated = (
                " (tolerated)" if creds and tolerate_psl and pattern.is_wildcard_host else ""
            )
            out.append(
                (
                    "third-party-origin-trusted",
                    f"{text} is trusted{with_creds}{tolerated}: it allows {how} {platform}, "
                    "a public suffix or hosting platform where anyone can publish a page",
                )
            )
        if pattern.scheme == "http":
            tolerated = " (tolerated)" if creds else ""
            out.append(
                (
                    "insecure-origin-trusted",
                    f"{text} is trusted{with_creds}{tolerated}: "
                    "anyone on the network path can inject script into a plain-http page; "
                    "prefer https",
                )
            )
        if pattern.kind == "subdomain" and platform is None:
            out.append(
                (
                    "any-subdomain-trusted",
                    f"{text} is trusted{with_creds}: every subdomain, at "
                    "any depth, including forgotten ones open to takeover, can read responses",
                )
            )
    # With credentials the engine echoes the requested method and headers (a '*' would be
    # literal, Fetch §CORS-preflight fetch), which is what audit sees.
    if creds and "*" in policy.allow_methods:
        out.append(
            (
                "preflight-any-method",
                "allow_methods=['*'] with credentials: every preflight's "
                "requested method is allowed (echoed); list the methods the API uses",
            )
        )
    if creds and "*" in policy.allow_headers:
        out.append(
            (
                "preflight-any-header",
                "allow_headers=['*'] with credentials: every preflight's "
                "requested header is allowed (echoed); list the headers the API uses",
            )
        )
    found = [
        PolicyFinding(kind, severity_of(kind, ctx), message, render_fix(kind, "corsguard", fix_ctx))
        for kind, message in out
    ]
    return tuple(sorted(found, key=lambda f: order(f.id)))


def _regex_advice(regex: str) -> str:
    """Explain why regexes are refused and, where possible, show the pattern to use."""
    suggestion = _pattern_from_regex(regex) if isinstance(regex, str) else None
    text = (
        f"allow_origin_regex={regex!r} is not accepted: unanchored or unescaped regular "
        "expressions are the most common CORS hole in Python apps"
    )
    if suggestion and is_shared_hosting(parse_origin_pattern(suggestion).host):
        return (
            text + f"; its pattern {suggestion!r} would trust every tenant of a public hosting "
            "platform: host your previews on a domain you own and write e.g. "
            "allow_origins=['https://myapp-*.preview.example.com']"
        )
    if suggestion:
        return text + f"; write allow_origins=[{suggestion!r}] instead"
    return (
        text + "; list exact origins or patterns such as 'https://*.example.com', "
        "'http://localhost:*' or 'https://myapp-*.preview.example.com'"
    )


_REGEX_LABEL_WILDCARDS = (
    r".*",
    r".+",
    r"[^.]+",
    r"[^.]*",
    r"[a-z0-9-]+",
    r"[a-z0-9-]*",
    r"[a-zA-Z0-9-]+",
    r"[A-Za-z0-9-]+",
    r"[\w-]+",
    r"\w+",
    r"[a-z0-9]+",
    r"[a-z]+",
    r"(.*)",
    r"(.+)",
    r"([^.]+)",
    r"([a-z0-9-]+)",
)


def _pattern_from_regex(regex: str) -> str | None:
    text = regex.strip()
    text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z").removesuffix("/?")
    text = text.replace("https?://", "https://").replace("(https|http)://", "https://")
    for wildcard in sorted(_REGEX_LABEL_WILDCARDS, key=len, reverse=True):
        text = text.replace(wildcard + r"\.", "*.").replace(wildcard, "*")
    text = text.replace(r"\.", ".").replace(r"\-", "-").replace(r"\:", ":").replace(r"\/", "/")
    if re.search(r"[\\()\[\]{}|?+^$]", text):
        return None
    try:
        return parse_origin_pattern(text).text
    except ValueError:
        return None
