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
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, cast

from corsguard import foreign, sources, spec
from corsguard.decision import Decision
from corsguard.findings import Context, Severity, order, render_fix, severity_of
from corsguard.origin import OriginMatcher, OriginPattern, parse_origin_pattern
from corsguard.problems import Name, Problem, ProblemText, Setting, Text
from corsguard.problems import PolicyError as PolicyError
from corsguard.remediation import PLATFORM_NOTE, FixContext, safe_origins
from corsguard.spec import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADER_PREFIXES,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
    NO_CORS_SAFELISTED_NAMES,
    NORMALIZED_METHODS,
    is_token,
)
from corsguard.suffixes import (
    is_shared_hosting,
    shared_suffix_beneath,
    shared_suffix_in_label,
    shared_suffix_one_below,
)
from corsguard.trusted import classify_pattern

# Fetch §cors-safelisted-request-header names. Browsers still preflight some values of
# them (Content-Type: application/json), so, as Starlette does, they are always allowed.
SAFELISTED_HEADER_NAMES = NO_CORS_SAFELISTED_NAMES

MAX_AGE_LIMIT = 86400


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


@dataclass(frozen=True, slots=True)
class PolicyOptions:
    """The options of a policy, validated and normalised; what `Policy` reports back.

    Methods are uppercased where fetch() uppercases them and sorted; request header names
    are lowercased and sorted; path prefixes are cleaned of repeated and trailing slashes.
    """

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
    # Loopback origins granted only by the policy `Policy.in_development` returns.
    development_origins: tuple[str, ...] = ()


PreflightKey = tuple[str, bytes, bytes | None, bytes | None]
HeaderTuple = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """What the engine reads on every request: the options turned into lookups.

    Header values are computed once here, so a request only looks them up. Everything is
    immutable except ``preflight_memo``: the granted preflights by their exact request
    values (origin, Access-Control-Request-Method, -Headers, -Private-Network), which
    clients repeat. The engine keeps it bounded (engine.PREFLIGHT_CACHE_SIZE, cleared when
    full) and only ever stores a grant this policy computed, so it changes no answer.
    """

    origin_patterns: tuple[OriginPattern, ...]
    any_origin: bool
    # A fully public policy (any origin, no credentials) answers alike for every Origin.
    public: bool
    matcher: OriginMatcher
    has_patterns: bool  # patterns beyond exact origins: the matcher must run
    # The whole header set of a grant, per exact origin.
    granted: Mapping[str, HeaderTuple]
    methods: frozenset[str]
    any_method: bool
    headers_lower: frozenset[str]  # the allowed request header names, safelisted ones too
    any_header: bool
    acao_public: HeaderTuple  # ('access-control-allow-origin', '*') for a public policy
    public_grant: HeaderTuple  # a public policy's answer to any actual request
    actual_headers: HeaderTuple  # credentials and exposed headers, beside the origin
    preflight_headers: HeaderTuple
    vary: bytes
    preflight_vary: bytes
    allow_credentials: bool
    allow_private_network: bool
    block_cross_origin_writes: bool
    block_cross_origin_websockets: bool
    debug: bool
    on_reject: Callable[[Decision], object] | None
    exempt_prefixes: frozenset[str]  # write-protection exemptions
    routes: Mapping[str, Policy]  # the route table: path prefix to the route's policy
    # The routes' first segments ('/api' for '/api/v1'): a path whose first segment is none
    # of them can only fall under a '/' route, found with one lookup (engine._route_policy).
    route_heads: frozenset[str]
    # With routes or exempt paths: the strict policy for paths whose readings disagree,
    # and the longest route or exempt prefix (engine.route_policy); otherwise None.
    paths: tuple[Policy, int] | None
    preflight_memo: dict[PreflightKey, HeaderTuple]
    # With a path table: the policy route_policy chose for a path with no '%' in its raw
    # form, by the path (bounded by the engine, ROUTE_MEMO_SIZE; a function of the path
    # alone, so it changes no answer). Made afresh wherever ``paths`` is set.
    route_memo: dict[str, Policy]


class Policy:
    """An immutable, validated CORS policy.

    Keyword names follow Starlette's CORSMiddleware. See the README for every option.
    ``options`` holds the options as validated, ``compiled`` the form the engine reads.
    """

    __slots__ = ("compiled", "findings", "options", "warnings")

    options: PolicyOptions
    compiled: CompiledPolicy
    findings: tuple[PolicyFinding, ...]
    warnings: tuple[str, ...]

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
        development_origins: Iterable[str] = (),
        **unknown: object,
    ) -> None:
        problems: list[Problem] = []
        warnings: list[str] = []
        for name, value in unknown.items():
            entry = foreign.lookup(name)
            if entry is None:
                problems.append(_unknown_option(name))
                continue
            problems.append(
                foreign.foreign_problem(entry, value, f"unknown option {name!r}", "python")
            )
            # The value is checked under corsguard's name too (when that one is not given),
            # so that one error also says what is wrong with it (a regex among the origins).
            carried = foreign.carried_value(entry, value)
            if carried is not None:
                if entry.target == "allow_origins" and allow_origins == ():
                    allow_origins = cast("list[str]", carried)
                elif entry.target == "allow_credentials" and allow_credentials is False:
                    allow_credentials = cast(bool, carried)

        def flag(name: str, value: object) -> bool:
            if not isinstance(value, bool):
                problems.append(
                    Problem(
                        name,
                        value,
                        (Name(name), f" must be True or False, not {value!r}"),
                        (" (a non-empty string is true in Python)",)
                        if isinstance(value, str)
                        else (),
                    )
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
            problems.append(_with_refused(_regex_advice(allow_origin_regex), "regex-origin"))

        known_problems = len(problems)
        origins = _string_list("allow_origins", allow_origins, problems)
        origins_mistyped = len(problems) > known_problems
        methods = _string_list("allow_methods", allow_methods, problems)
        headers = _string_list("allow_headers", allow_headers, problems)
        exposed = _string_list("expose_headers", expose_headers, problems)
        exempt = _string_list(
            "write_protection_exempt_paths", write_protection_exempt_paths, problems
        )
        development = _development_origins(development_origins, origins, problems)

        # --- origins
        any_origin = "*" in origins
        patterns: list[OriginPattern] = []
        if not origins and allow_origin_regex is None and not origins_mistyped and not development:
            problems.append(
                Problem(
                    "allow_origins",
                    [],
                    (Name("allow_origins"), " is empty"),
                    (
                        ": list the origins of your front ends, e.g. ",
                        Setting("allow_origins", ["https://app.example.com"]),
                    ),
                )
            )
        if any_origin and len(origins) > 1:
            problems.append(
                Problem(
                    "allow_origins",
                    origins,
                    (Name("allow_origins"), " mixes '*' with specific origins"),
                    (": use ['*'] alone for a public API, or only the specific origins",),
                )
            )
        if any_origin and credentials:
            problems.append(
                Problem(
                    "allow_origins",
                    origins,
                    (
                        Setting("allow_origins", ["*"]),
                        " with ",
                        Setting("allow_credentials", True),
                        ": browsers refuse '*' with credentials (Fetch §CORS check), and "
                        "reflecting the origin instead would let every site read your users' "
                        "data",
                    ),
                    (". List the trusted origins", _refused("wildcard-with-credentials")),
                )
            )
        for text in origins:
            if text == "*":
                continue
            try:
                pattern = parse_origin_pattern(text)
            except ValueError as exc:
                if foreign.looks_like_regex(text):
                    regexes = [t for t in origins if t != "*" and foreign.is_origin_regex(t)]
                    corrected = foreign.corrected_origins(origins, regexes)
                    problems.append(foreign.origin_regex_problem("allow_origins", text, corrected))
                    continue
                parts = exc.parts if isinstance(exc, ProblemText) else (str(exc),)
                refused = _refused("null-origin-trusted") if text.strip().lower() == "null" else ""
                reason = (Name("allow_origins"), ": ", *parts)
                problems.append(Problem("allow_origins", text, reason, (refused,)))
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
            if not is_token(method):
                problems.append(
                    Problem(
                        "allow_methods",
                        method,
                        (
                            Name("allow_methods"),
                            f": {method!r} is not an HTTP method name (a token)",
                        ),
                    )
                )
                continue
            upper = method.upper()
            if upper in FORBIDDEN_METHODS:
                problems.append(
                    Problem(
                        "allow_methods",
                        method,
                        (
                            Name("allow_methods"),
                            f": {method} is a forbidden method (Fetch §forbidden method): "
                            "browsers never send it",
                        ),
                        ("; remove it",),
                    )
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
            if not is_token(header):
                problems.append(
                    Problem(
                        "allow_headers",
                        header,
                        (Name("allow_headers"), f": {header!r} is not a header name (a token)"),
                    )
                )
                continue
            lower = header.lower()
            if lower in FORBIDDEN_REQUEST_HEADERS or lower.startswith(
                FORBIDDEN_REQUEST_HEADER_PREFIXES
            ):
                problems.append(
                    Problem(
                        "allow_headers",
                        header,
                        (
                            Name("allow_headers"),
                            f": {header} is a forbidden request header "
                            "(Fetch §forbidden request-header): scripts cannot set it",
                        ),
                        ("; remove it",),
                    )
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
                        Problem(
                            "expose_headers",
                            exposed,
                            (
                                Setting("expose_headers", ["*"]),
                                " with ",
                                Setting("allow_credentials", True),
                                ": browsers treat '*' as a header literally named '*' on "
                                "credentialed requests",
                            ),
                            ("; list the headers to expose",),
                        )
                    )
                expose_list.append("*")
                continue
            if not is_token(header):
                problems.append(
                    Problem(
                        "expose_headers",
                        header,
                        (Name("expose_headers"), f": {header!r} is not a header name (a token)"),
                    )
                )
                continue
            if header.lower() in FORBIDDEN_RESPONSE_HEADERS:
                problems.append(
                    Problem(
                        "expose_headers",
                        header,
                        (
                            Name("expose_headers"),
                            f": {header} can never be read by scripts "
                            "(Fetch §forbidden response-header name)",
                        ),
                        ("; remove it",),
                    )
                )
                continue
            expose_list.append(header)

        # --- max age
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            problems.append(
                Problem(
                    "max_age",
                    max_age,
                    (Name("max_age"), f" must be a whole number of seconds, not {max_age!r}"),
                )
            )
            max_age = 0
        elif not 0 <= max_age <= MAX_AGE_LIMIT:
            problems.append(
                Problem(
                    "max_age",
                    max_age,
                    (
                        Setting("max_age", max_age),
                        f" is outside 0..{MAX_AGE_LIMIT}: browsers cap it "
                        "(Chromium at 7200 s, Firefox at 86400 s)",
                    ),
                    ("; use e.g. 600",),
                )
            )

        # --- paths
        exempt_prefixes: list[str] = []
        for path in exempt:
            normalized = _route_key("write_protection_exempt_paths", path, problems)
            if normalized == "/":
                # Every path starts with '/': the exemption would switch the protection
                # off for the whole app while block_cross_origin_writes still reads True.
                problems.append(
                    Problem(
                        "write_protection_exempt_paths",
                        path,
                        (
                            Name("write_protection_exempt_paths"),
                            f": {path!r} exempts every path, which turns cross-origin write "
                            "protection off for the whole app",
                        ),
                        (
                            ": list only the paths that take cross-origin writes "
                            "(e.g. '/webhooks'), or set ",
                            Setting("block_cross_origin_writes", False),
                            " to turn it off deliberately",
                        ),
                    )
                )
            elif normalized is not None:
                exempt_prefixes.append(normalized)

        # --- routes
        route_map: dict[str, Policy] = {}
        if routes is not None:
            if not isinstance(routes, Mapping):
                problems.append(
                    Problem(
                        "routes",
                        routes,
                        (Name("routes"), " must be a mapping of path prefixes to Policy objects"),
                    )
                )
            else:
                written: dict[str, object] = {}
                for prefix, sub in routes.items():
                    key = _route_key("routes", prefix, problems)
                    if key is not None and key in written:
                        # '/admin', '/admin/' and '//admin' name the same segments; a
                        # mapping would keep only the last one, silently.
                        problems.append(
                            Problem(
                                "routes",
                                prefix,
                                (
                                    Name("routes"),
                                    f": {written[key]!r} and {prefix!r} are the same prefix "
                                    f"{key!r} (trailing and repeated slashes do not count)",
                                ),
                                (": keep one",),
                            )
                        )
                        continue
                    if key is not None:
                        written[key] = prefix
                    if not isinstance(sub, Policy):
                        problems.append(
                            Problem(
                                "routes",
                                sub,
                                (
                                    Name("routes"),
                                    f"[{prefix!r}] must be a corsguard.Policy, "
                                    f"not {type(sub).__name__}",
                                ),
                            )
                        )
                        continue
                    if sub.routes:
                        problems.append(
                            Problem(
                                "routes",
                                sub,
                                (Name("routes"), f"[{prefix!r}] has routes of its own"),
                                (": nest no routes",),
                            )
                        )
                        continue
                    if key is not None:
                        route_map[key] = sub

        if on_reject is not None and not callable(on_reject):
            problems.append(
                Problem(
                    "on_reject",
                    on_reject,
                    (Name("on_reject"), " must be a callable taking a corsguard.Decision"),
                )
            )

        if problems:
            raise PolicyError(problems)
        if on_reject is not None:
            # A route's refusals reach the app's callback too, unless it has its own.
            route_map = {
                key: sub if sub.on_reject is not None else sub._with_on_reject(on_reject)
                for key, sub in route_map.items()
            }

        warnings.extend(_unreachable_exemptions(exempt_prefixes, route_map))

        # --- compile
        options = PolicyOptions(
            allow_origins=tuple(origins),
            allow_methods=tuple(sorted(method_set)),
            allow_headers=tuple(sorted(header_set)),
            allow_credentials=credentials,
            expose_headers=tuple(expose_list),
            max_age=max_age,
            allow_private_network=private_network,
            block_cross_origin_writes=writes,
            write_protection_exempt_paths=tuple(exempt_prefixes),
            block_cross_origin_websockets=websockets,
            tolerate_insecure_origins=tolerate_insecure,
            tolerate_public_suffix_wildcards=tolerate_psl,
            routes=MappingProxyType(dict(route_map)),
            debug=debug_flag,
            on_reject=on_reject,
            development_origins=tuple(development),
        )
        object.__setattr__(self, "options", options)
        compiled = _compile(options, tuple(patterns), any_origin)
        object.__setattr__(self, "compiled", compiled)
        own = _findings(self, tuple(patterns), tolerate_psl)
        found = own + tuple(f.on_route(key) for key, sub in route_map.items() for f in sub.findings)
        object.__setattr__(self, "findings", found)
        object.__setattr__(self, "warnings", tuple(f.text for f in own) + tuple(warnings))
        object.__setattr__(
            self, "compiled", replace(compiled, paths=_path_table(self), route_memo={})
        )

    def _with_on_reject(self, on_reject: Callable[[Decision], object]) -> Policy:
        options = replace(self.options, on_reject=on_reject)
        compiled = replace(
            self.compiled, on_reject=on_reject, preflight_memo={}, paths=None, route_memo={}
        )
        return _assemble(options, compiled, self.warnings, self.findings)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a corsguard Policy is immutable; build a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a corsguard Policy is immutable; build a new one")

    # The options, as users read them (policy.allow_origins, policy.max_age, ...).
    @property
    def allow_origins(self) -> tuple[str, ...]:
        return self.options.allow_origins

    @property
    def allow_methods(self) -> tuple[str, ...]:
        return self.options.allow_methods

    @property
    def allow_headers(self) -> tuple[str, ...]:
        return self.options.allow_headers

    @property
    def allow_credentials(self) -> bool:
        return self.options.allow_credentials

    @property
    def expose_headers(self) -> tuple[str, ...]:
        return self.options.expose_headers

    @property
    def max_age(self) -> int:
        return self.options.max_age

    @property
    def allow_private_network(self) -> bool:
        return self.options.allow_private_network

    @property
    def block_cross_origin_writes(self) -> bool:
        return self.options.block_cross_origin_writes

    @property
    def write_protection_exempt_paths(self) -> tuple[str, ...]:
        return self.options.write_protection_exempt_paths

    @property
    def block_cross_origin_websockets(self) -> bool:
        return self.options.block_cross_origin_websockets

    @property
    def tolerate_insecure_origins(self) -> bool:
        return self.options.tolerate_insecure_origins

    @property
    def tolerate_public_suffix_wildcards(self) -> bool:
        return self.options.tolerate_public_suffix_wildcards

    @property
    def routes(self) -> Mapping[str, Policy]:
        return self.options.routes

    @property
    def debug(self) -> bool:
        return self.options.debug

    @property
    def on_reject(self) -> Callable[[Decision], object] | None:
        return self.options.on_reject

    @property
    def development_origins(self) -> tuple[str, ...]:
        return self.options.development_origins

    def has_development_origins(self) -> bool:
        """Whether this policy or one of its routes lists development origins."""
        return bool(self.development_origins) or any(
            sub.development_origins for sub in self.routes.values()
        )

    def in_development(self) -> Policy:
        """This policy with its development origins granted, as for ``allow_origins``.

        Only the adapters call it, and only when the development switch is on
        (corsguard.startup.development_mode: ``CORSGUARD_ENV=development``); every other
        use of the policy, production's included, never grants them. The origins are
        loopback ones (checked at construction), so even a switch left on by mistake trusts
        only pages served by the user's own machine. Their localhost-trusted findings are
        left out: this is the development policy that finding asks for.
        """
        if not self.has_development_origins():
            return self
        routes = {prefix: sub.in_development() for prefix, sub in self.routes.items()}
        options = {
            name: getattr(self.options, name)
            for name in self.options.__dataclass_fields__
            if name not in ("development_origins", "routes")
        }
        own = self.options.allow_origins
        options["allow_origins"] = [*own, *(o for o in self.development_origins if o not in own)]
        options["routes"] = routes or None
        granted = Policy(**options)
        dev = set(self.development_origins)
        kept = tuple(
            f for f in granted.findings if not (f.id == "localhost-trusted" and _names(f, dev))
        )
        dropped = {f.text for f in granted.findings} - {f.text for f in kept}
        warnings = tuple(w for w in granted.warnings if w not in dropped)
        return _assemble(granted.options, granted.compiled, warnings, kept)

    # What the options mean, from the compiled form.
    @property
    def origin_patterns(self) -> tuple[OriginPattern, ...]:
        return self.compiled.origin_patterns

    @property
    def any_origin(self) -> bool:
        return self.compiled.any_origin

    @property
    def public(self) -> bool:
        return self.compiled.public

    @property
    def vary(self) -> bytes:
        return self.compiled.vary

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
        cls,
        prefix: str = "CORSGUARD_",
        environ: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Policy:
        """A policy from environment variables (``CORSGUARD_ALLOW_ORIGINS`` and so on).

        Keyword ``options`` (any of Policy's) are fixed in code and the environment supplies
        the rest: ``Policy.from_env(allow_credentials=True, allow_methods=["GET", "PUT"])``
        takes only the origins from the deployment. A variable for an option given in code
        is an error naming both.
        """
        return sources.policy_from_env(prefix, environ, policy_type=cls, options=options)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Policy:
        """A policy from a TOML file, or the ``[tool.corsguard]`` table of pyproject.toml."""
        return sources.policy_from_file(path, policy_type=cls)

    def allows_origin(self, origin: str) -> bool:
        """Whether a serialised Origin header value is trusted by this policy."""
        return self.compiled.any_origin or self.compiled.matcher.matches(origin)

    def allows_method(self, method: str) -> bool:
        """Whether a preflight asking for ``method`` (exact case) would be granted."""
        return self.compiled.any_method or method in self.compiled.methods


def _assemble(
    options: PolicyOptions,
    compiled: CompiledPolicy,
    warnings: tuple[str, ...],
    findings: tuple[PolicyFinding, ...],
) -> Policy:
    """A Policy from parts already validated (a route's twin, the strict policy)."""
    policy = object.__new__(Policy)
    object.__setattr__(policy, "options", options)
    object.__setattr__(policy, "warnings", warnings)
    object.__setattr__(policy, "findings", findings)
    object.__setattr__(policy, "compiled", compiled)
    if compiled.paths is None:
        object.__setattr__(
            policy, "compiled", replace(compiled, paths=_path_table(policy), route_memo={})
        )
    return policy


_ALLOW_ORIGIN = spec.ALLOW_ORIGIN.encode()
_ALLOW_CREDENTIALS = (spec.ALLOW_CREDENTIALS.encode(), b"true")


def _compile(
    options: PolicyOptions, patterns: tuple[OriginPattern, ...], any_origin: bool
) -> CompiledPolicy:
    credentials = options.allow_credentials
    method_set = frozenset(options.allow_methods)
    header_set = frozenset(options.allow_headers)
    any_method = "*" in method_set
    any_header = "*" in header_set
    # A fully public policy sends the same headers whatever the Origin: no Vary needed.
    public = any_origin and not credentials
    acao_public = ((_ALLOW_ORIGIN, b"*"),) if public else ()
    preflight_vary = b"Access-Control-Request-Method, Access-Control-Request-Headers"
    if options.allow_private_network:
        preflight_vary += b", Access-Control-Request-Private-Network"

    actual: list[tuple[bytes, bytes]] = []
    if credentials:
        actual.append(_ALLOW_CREDENTIALS)
    if options.expose_headers:
        exposed = ", ".join(options.expose_headers).encode()
        actual.append((spec.EXPOSE_HEADERS.encode(), exposed))

    preflight: list[tuple[bytes, bytes]] = []
    if credentials:
        preflight.append(_ALLOW_CREDENTIALS)
    # With credentials, '*' is literal (Fetch §CORS-preflight fetch), so the engine
    # echoes the requested method and header names instead of these values.
    if not (any_method and credentials):
        methods_value = "*" if any_method else ", ".join(sorted(method_set))
        preflight.append((spec.ALLOW_METHODS.encode(), methods_value.encode()))
    if not (any_header and credentials):
        # '*' never covers Authorization (Fetch §CORS-preflight fetch step 7.6), so
        # it is named beside '*' when the policy lists it.
        names = sorted((header_set - {"*"}) | SAFELISTED_HEADER_NAMES)
        if any_header:
            names = ["*", *names]
        if names:
            preflight.append((spec.ALLOW_HEADERS.encode(), ", ".join(names).encode()))
    preflight.append((spec.MAX_AGE.encode(), str(options.max_age).encode()))

    return CompiledPolicy(
        origin_patterns=patterns,
        any_origin=any_origin,
        public=public,
        matcher=OriginMatcher(patterns),
        has_patterns=any(p.kind != "exact" for p in patterns),
        granted={
            p.text: ((_ALLOW_ORIGIN, p.text.encode()), *actual)
            for p in patterns
            if p.kind == "exact"
        },
        methods=method_set,
        any_method=any_method,
        headers_lower=header_set | SAFELISTED_HEADER_NAMES,
        any_header=any_header,
        acao_public=acao_public,
        public_grant=(*acao_public, *actual) if public else (),
        actual_headers=tuple(actual),
        preflight_headers=tuple(preflight),
        vary=b"" if public else b"Origin",
        preflight_vary=preflight_vary if public else b"Origin, " + preflight_vary,
        allow_credentials=credentials,
        allow_private_network=options.allow_private_network,
        block_cross_origin_writes=options.block_cross_origin_writes,
        block_cross_origin_websockets=options.block_cross_origin_websockets,
        debug=options.debug,
        on_reject=options.on_reject,
        exempt_prefixes=frozenset(options.write_protection_exempt_paths),
        # A plain dict, read-only by convention: its lookups cost less than a mappingproxy's,
        # and every request to a policy with routes makes a few of them.
        routes=dict(options.routes),
        route_heads=frozenset(_first_segment(prefix) for prefix in options.routes),
        paths=None,
        preflight_memo={},
        route_memo={},
    )


def _first_segment(path: str) -> str:
    """'/api' for '/api/v1' or '/api', '/' for '/'."""
    cut = path.find("/", 1)
    return path if cut < 0 else path[:cut]


def _path_table(policy: Policy) -> tuple[Policy, int] | None:
    """See `CompiledPolicy.paths`: the strict twin grants nothing, exempts nothing, blocks
    writes and WebSocket handshakes from untrusted origins, and reports to ``on_reject``."""
    compiled = policy.compiled
    prefixes = [*compiled.exempt_prefixes, *compiled.routes]
    prefixes += [p for sub in compiled.routes.values() for p in sub.compiled.exempt_prefixes]
    if not prefixes:
        return None
    no_routes: Mapping[str, Policy] = MappingProxyType({})
    options = replace(
        policy.options,
        allow_origins=(),
        block_cross_origin_writes=True,
        block_cross_origin_websockets=True,
        write_protection_exempt_paths=(),
        routes=no_routes,
    )
    vary = compiled.preflight_vary
    strict = object.__new__(Policy)
    object.__setattr__(strict, "options", options)
    object.__setattr__(strict, "warnings", policy.warnings)
    object.__setattr__(strict, "findings", policy.findings)
    object.__setattr__(
        strict,
        "compiled",
        replace(
            compiled,
            origin_patterns=(),
            any_origin=False,
            public=False,
            granted={},
            has_patterns=False,
            matcher=OriginMatcher(()),
            acao_public=(),
            public_grant=(),
            vary=b"Origin",
            preflight_vary=vary if vary.startswith(b"Origin") else b"Origin, " + vary,
            preflight_memo={},
            block_cross_origin_writes=True,
            block_cross_origin_websockets=True,
            exempt_prefixes=frozenset(),
            routes=no_routes,
            route_heads=frozenset(),
            paths=None,
            route_memo={},
        ),
    )
    return strict, max(map(len, prefixes))


def _unknown_option(name: str) -> Problem:
    options = [p for p in Policy.__init__.__code__.co_varnames if not p.startswith(("self", "unk"))]
    options = options[: Policy.__init__.__code__.co_kwonlyargcount]
    close = difflib.get_close_matches(name, options, n=1)
    hint = f": did you mean {close[0]!r}?" if close else f"; the options are: {', '.join(options)}"
    return Problem(None, name, (f"unknown option {name!r}",), (hint,))


def _names(finding: PolicyFinding, origins: set[str]) -> bool:
    """Whether ``finding`` is about one of ``origins`` (its message starts with the origin)."""
    message = finding.message
    if finding.route is not None:
        message = message.removeprefix(f"routes {finding.route}: ")
    return message.split(" ", 1)[0] in origins


def _development_origins(value: object, origins: list[str], problems: list[Problem]) -> list[str]:
    """The development origins: loopback only (localhost, 127.0.0.0/8, [::1]), any port.

    A page on a loopback origin is served by the user's own machine (RFC 6761 §6.3 reserves
    localhost for it; Fetch treats these hosts as potentially trustworthy), so even a
    development switch left on in production trusts no remote site.
    """
    items = _string_list("development_origins", value, problems)
    good: list[str] = []
    for text in items:
        try:
            pattern = parse_origin_pattern(text)
        except ValueError as exc:
            parts = exc.parts if isinstance(exc, ProblemText) else (str(exc),)
            problems.append(
                Problem("development_origins", text, (Name("development_origins"), ": ", *parts))
            )
            continue
        if not pattern.is_loopback:
            problems.append(
                Problem(
                    "development_origins",
                    text,
                    (
                        Name("development_origins"),
                        f": {text} is not a loopback origin, and development origins are "
                        "limited to pages served by the developer's own machine",
                    ),
                    (
                        "; list localhost, 127.0.0.1 or [::1] origins here (any port, e.g. "
                        "'http://localhost:*'), and other origins in ",
                        Name("allow_origins"),
                    ),
                )
            )
            continue
        good.append(pattern.text)
    if good and "*" in origins:
        problems.append(
            Problem(
                "development_origins",
                good,
                (
                    Name("development_origins"),
                    " beside ",
                    Setting("allow_origins", ["*"]),
                    " adds nothing: '*' already allows every origin",
                ),
                ("; remove them",),
            )
        )
    return list(dict.fromkeys(good))


def _string_list(name: str, value: object, problems: list[Problem]) -> list[str]:
    if isinstance(value, (str, bytes)):
        problems.append(
            Problem(
                name,
                value,
                (Name(name), " must be a list of strings, not a single string"),
                (": write ", Setting(name, [value])),
            )
        )
        return []
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        problems.append(
            Problem(
                name, value, (Name(name), f" must be a list of strings, not {type(value).__name__}")
            )
        )
        return []
    good: list[str] = []
    for item in items:
        if isinstance(item, str):
            good.append(item)
        else:
            problems.append(Problem(name, item, (Name(name), f": {item!r} is not a string")))
    return good


# Characters of globs ('/api/*') and regular expressions (flask-cors' resources=r"/api/.*")
# that a literal path prefix would hold only by mistake: '?' starts a query, and the rest
# never appear unescaped in the paths of a typical app. A prefix holding one would never
# match, leaving the route's policy (or the exemption) silently unused.
_PATH_PATTERN_MARKS = re.compile(r"[*?()\[\]{}^$|\\]|\.\+")


# A path parameter in a framework's route syntax: Flask/Werkzeug '<int:id>', Express and
# Rails ':id' (a whole segment), Starlette/FastAPI '{item_id}' or '{path:path}'. Copied
# from a route table into a prefix, it is taken literally and never matches.
_ROUTE_PARAMETER = re.compile(r"<[^<>/]*>|/:[A-Za-z_]\w*|\{[A-Za-z_]\w*(?::\w+)?\}")


def _pattern_advice(option: str, prefix: str) -> Problem | None:
    parameter = _ROUTE_PARAMETER.search(prefix)
    mark = _PATH_PATTERN_MARKS.search(prefix)
    if parameter is None and mark is None:
        return None
    regex = ".*" in prefix or ".+" in prefix or bool(set(prefix) & set("()[]{}^$|\\"))
    if parameter is not None and (mark is None or parameter.start() <= mark.start()):
        kind = "a route pattern"
        suggestion = foreign.literal_prefix(prefix[: parameter.start()] or "/")
    else:
        kind = "a regular expression" if regex else "a glob"
        suggestion = foreign.literal_prefix(prefix)
    what = " key" if option == "routes" else ":"
    write = f"write {suggestion!r}"
    if suggestion == "/" and option != "routes":
        write = "list the paths that take cross-origin writes, e.g. '/webhooks'"
    return Problem(
        option,
        prefix,
        (
            Name(option),
            f"{what} {prefix!r} is {kind}: ",
            Name(option),
            " match whole path segments by plain prefix (no wildcards or regular expressions)",
        ),
        (f", {write}",),
    )


def _stray_in_path(prefix: str) -> str | None:
    """Why a prefix holds a character no literal path prefix means to, or None.

    A control character (a newline left by a file or an environment variable), whitespace
    at either end, or '#', which starts a URL fragment that browsers never send (RFC 3986
    section 3.5); a space inside a path is legal and left alone.
    """
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in prefix):
        return "holds a control character"
    if prefix != prefix.strip():
        return "has leading or trailing whitespace"
    if "#" in prefix:
        return "holds '#': '#' starts a URL fragment, which browsers never send"
    return None


def _owning_route(path: str, keys: Iterable[str]) -> str | None:
    """The longest route prefix whose segments start ``path`` (both normalised), or None."""
    best: str | None = None
    for key in keys:
        if (path == key or path.startswith(key + "/")) and (best is None or len(key) > len(best)):
            best = key
    return best


def exemption_applies(path: str, routes: Mapping[str, Policy], route: str | None) -> bool:
    """Whether the engine ever applies an exempt path listed by the app's own policy
    (``route`` None) or by ``routes[route]``, given the app's route table.

    Routes inherit nothing (engine.route_policy): the longest route prefix decides. An
    app-level exempt path applies where no route owns it; a route's applies below the
    route, or where it covers the whole route.
    """
    owner = _owning_route(path, routes)
    if route is None:
        return owner is None
    return owner == route or route.startswith(path + "/")


def _unreachable_exemptions(exempt: list[str], routes: Mapping[str, Policy]) -> list[str]:
    """Warnings for exempt paths the engine never applies.

    Routes inherit nothing (engine.route_policy): the policy of the longest route prefix
    decides, exemptions included. So an app-level exempt path under a route's prefix, and a
    route's exempt path that neither lies under its prefix nor covers it, are never applied;
    `corsguard check` would otherwise list them as open.
    """
    found: list[str] = []
    for path in exempt:
        if not exemption_applies(path, routes, None):
            owner = _owning_route(path, routes)
            found.append(
                f"write_protection_exempt_paths: {path!r} never applies: routes[{owner!r}] "
                "decides every path below it and inherits nothing; list it in that route's "
                "write_protection_exempt_paths"
            )
    for key, sub in routes.items():
        for path in sub.write_protection_exempt_paths:
            if exemption_applies(path, routes, key):
                continue
            owner = _owning_route(path, routes)
            where = "the app's own policy" if owner is None else f"routes[{owner!r}]"
            found.append(
                f"routes[{key!r}]: write_protection_exempt_paths {path!r} never applies: "
                f"{where} decides every path below it; list it there"
            )
    return found


def _route_key(option: str, prefix: object, problems: list[Problem]) -> str | None:
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        advice = _pattern_advice(option, prefix) if isinstance(prefix, str) else None
        problems.append(
            advice
            or Problem(
                option, prefix, (Name(option), f": {prefix!r} must be a path starting with '/'")
            )
        )
        return None
    advice = _pattern_advice(option, prefix)
    if advice is not None:
        problems.append(advice)
        return None
    stray = _stray_in_path(prefix)
    if stray is not None:
        clean = foreign.literal_prefix(
            "".join(c for c in prefix.split("#", 1)[0] if c.isprintable()).strip()
        )
        problems.append(
            Problem(
                option,
                prefix,
                (Name(option), f": {prefix!r} {stray}, so it would never match a request"),
                (f"; write {clean!r}",),
            )
        )
        return None
    segments = prefix.split("/")
    if any(segment in (".", "..") for segment in segments) or "%" in prefix:
        problems.append(
            Problem(
                option,
                prefix,
                (
                    Name(option),
                    f": {prefix!r} must be a plain decoded path, without '.', '..' or '%'",
                ),
            )
        )
        return None
    # Trailing and repeated slashes do not change which segments a prefix names.
    return "/" + "/".join(segment for segment in segments if segment)


def _check_credentialed_origin(
    pattern: OriginPattern,
    tolerate_insecure: bool,
    tolerate_psl: bool,
    problems: list[Problem],
) -> None:
    # The tolerated cases are reported by _findings, with their catalogue id.
    text = pattern.text
    if pattern.scheme == "http" and not pattern.is_loopback and not tolerate_insecure:
        problems.append(
            Problem(
                "allow_origins",
                text,
                (
                    Name("allow_origins"),
                    f": {text} is plain http: anyone on the network path can inject "
                    "script into it and read your users' data through it",
                ),
                (
                    f". Use 'https://{text[len('http://') :]}', or ",
                    Setting("tolerate_insecure_origins", True, verb=True),
                    " for a deliberate exception",
                    _refused("insecure-origin-trusted"),
                ),
            )
        )
    if not pattern.is_wildcard_host or pattern.is_loopback or tolerate_psl:
        return
    if is_shared_hosting(pattern.host):
        problems.append(
            Problem(
                "allow_origins",
                text,
                (
                    Name("allow_origins"),
                    f": {text} puts a wildcard directly on {pattern.host!r}, a public "
                    "suffix or shared hosting domain where anyone can register a matching "
                    "name and read your users' data",
                ),
                (
                    ". Host your previews on a domain you own, e.g. "
                    "'https://myapp-*.preview.example.com', or ",
                    Setting("tolerate_public_suffix_wildcards", True, verb=True),
                    " for a deliberate exception",
                    _refused("third-party-origin-trusted"),
                ),
            )
        )
        return
    beneath = _suffix_beneath(pattern)
    if beneath is not None:
        also = (
            f"also matches every host under {beneath!r}, a public suffix (Public "
            "Suffix List) where anyone can create a name"
            if pattern.kind == "subdomain"
            else f"also matches {beneath!r}, a public suffix (Public Suffix List) whose "
            "origin serves anyone's content"
        )
        problems.append(
            Problem(
                "allow_origins",
                text,
                (
                    Name("allow_origins"),
                    f": {text} {also} and read your users' data",
                ),
                (
                    ". List your exact origins, or a within-label pattern such as "
                    f"'https://myapp-*.{pattern.host}', or ",
                    Setting("tolerate_public_suffix_wildcards", True, verb=True),
                    " for a deliberate exception",
                    _refused("third-party-origin-trusted"),
                ),
            )
        )


def _with_refused(problem: Problem, kind_id: str) -> Problem:
    return replace(problem, advice=(*problem.advice, _refused(kind_id)))


def _refused(kind_id: str) -> str:
    """Names the catalogue id lint and audit report for what a refused option would do."""
    return f" [refused: {kind_id}]"


def _suffix_beneath(pattern: OriginPattern) -> str | None:
    """A public suffix a wildcard pattern reaches beneath its domain, or None.

    '*.' matches hosts at any depth, so a public suffix anywhere beneath the domain
    (s3.amazonaws.com under amazonaws.com) lets anyone create a matching host. '+.' matches
    the names one label down, so only an entry there counts (s3.amazonaws.com itself serves
    anyone's bucket as a path). A within-label '*' counts an entry one label down whose
    first label it matches (s3-*.amazonaws.com matches s3-us-west-2.amazonaws.com).
    """
    if pattern.kind == "subdomain":
        return shared_suffix_beneath(pattern.host)
    if pattern.kind == "one-label":
        return shared_suffix_one_below(pattern.host)
    if pattern.kind == "label":
        return shared_suffix_in_label(pattern.host, pattern.label_prefix, pattern.label_suffix)
    return None


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
        # The one classifier lint and audit use too (corsguard.trusted).
        trusted = classify_pattern(pattern)
        for kind in trusted.ids:
            out.append(
                (kind, _trusted_message(kind, pattern, trusted.platform, creds, tolerate_psl))
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
    # Issue #13: the fix for any-subdomain-trusted must not trust every subdomain again, so
    # the subdomain patterns are named in a note instead (the other options are kept).
    # findings._intent applies the same rule for every stack; narrowing once here keeps a
    # policy with thousands of patterns (one finding each) from narrowing once per finding.
    wide = [o for o in origins if o.split("://", 1)[-1].startswith(("*.", "+."))]
    left_out = set(wide)  # linear: a policy may hold 10,000 patterns
    named = wide[:_LISTED_PER_KIND]
    narrow_ctx = replace(
        fix_ctx,
        origins=tuple(o for o in origins if o not in left_out),
        notes=(
            *notes,
            *(f"{o} left out: list the front ends under it, or keep it if every host is yours"
              for o in named),
            *([f"{len(wide) - len(named)} more subdomain patterns left out the same way"]
              if len(wide) > len(named) else []),
        ),
    )  # fmt: skip
    # Likewise a wildcard over a hosting platform or public suffix: anyone's names, left out
    # with a note (kept, the fix would not even construct without the tolerate flag).
    # An exact origin that is a public suffix itself (s3.amazonaws.com) is no one's own
    # site either: left out alike.
    platforms: dict[str, str] = {}
    for p in patterns:
        judged = classify_pattern(p)
        if (
            "third-party-origin-trusted" in judged.ids
            and judged.platform is not None
            and (p.is_wildcard_host or judged.platform == p.host)
        ):
            platforms[p.text] = judged.platform
    platform_ctx = replace(
        fix_ctx,
        origins=tuple(o for o in origins if o not in platforms),
        notes=(
            *notes,
            *(PLATFORM_NOTE.format(platform=p) for p in dict.fromkeys(platforms.values())),
        ),
    )
    contexts = {"any-subdomain-trusted": narrow_ctx, "third-party-origin-trusted": platform_ctx}
    # Every finding of a kind has the same fix, which names the policy's origins: rendered
    # once per kind, and at most _LISTED_PER_KIND findings of a kind are listed (the last
    # one counts the rest), so that the findings of a policy of 20,000 patterns (the TOML
    # bound) stay linear in its size. Rendered per finding, 19,000 '*.' patterns took 24 GB.
    fixes: dict[str, str] = {}
    listed: dict[str, list[str]] = {}
    for kind, message in out:
        listed.setdefault(kind, []).append(message)
    found: list[PolicyFinding] = []
    for kind, messages in listed.items():
        if len(messages) > _LISTED_PER_KIND:
            rest = len(messages) - _LISTED_PER_KIND
            messages = [
                *messages[: _LISTED_PER_KIND - 1],
                f"{messages[_LISTED_PER_KIND - 1]} (and {rest} more allow_origins entries "
                "like it, not listed)",
            ]
        fix = fixes.get(kind)
        if fix is None:
            fix = fixes[kind] = render_fix(kind, "corsguard", contexts.get(kind, fix_ctx))
        found.extend(PolicyFinding(kind, severity_of(kind, ctx), m, fix) for m in messages)
    return tuple(sorted(found, key=lambda f: order(f.id)))


# How many findings of one kind, and notes of one sort in a fix, are listed one by one.
_LISTED_PER_KIND = 20


def _trusted_message(
    kind: str, pattern: OriginPattern, platform: str | None, creds: bool, tolerate_psl: bool
) -> str:
    """What trusting ``pattern`` means, for the finding ``kind`` (corsguard.trusted)."""
    text = pattern.text
    with_creds = " with credentials" if creds else ""
    if kind == "localhost-trusted":
        return (
            f"{text} is trusted{with_creds}: any program on a user's "
            "machine can serve a page there; list it in development_origins, granted only "
            "with CORSGUARD_ENV=development"
        )
    if kind == "third-party-origin-trusted":
        if not pattern.is_wildcard_host and platform == pattern.host:
            return (
                f"{text} is trusted{with_creds}: {platform} is itself a public suffix "
                "(Public Suffix List), an origin no one party owns; a platform may serve "
                "anyone's content there (S3 path-style URLs)"
            )
        how = "names under" if pattern.is_wildcard_host else "a site on"
        tolerated = " (tolerated)" if creds and tolerate_psl and pattern.is_wildcard_host else ""
        return (
            f"{text} is trusted{with_creds}{tolerated}: it allows {how} {platform}, "
            "a public suffix or hosting platform where anyone can publish a page"
        )
    if kind == "insecure-origin-trusted":
        tolerated = " (tolerated)" if creds else ""
        return (
            f"{text} is trusted{with_creds}{tolerated}: "
            "anyone on the network path can inject script into a plain-http page; "
            "prefer https"
        )
    depth = "one label deep" if pattern.kind == "one-label" else "at any depth"
    return (
        f"{text} is trusted{with_creds}: every subdomain {depth}, "
        "including forgotten ones open to takeover, can read responses"
    )


def _regex_advice(regex: str) -> Problem:
    """Explain why regexes are refused and, where possible, show the patterns to use.

    Patterns are proposed only when they trust exactly the origins the regex matches
    (origin_regex.translate_regex, read as Starlette's ``fullmatch`` does): advice never
    widens trust, so ``^https://[a-z0-9-]+\\.example\\.com$`` (one label) is answered with
    ``https://+.example.com`` (one label), never ``https://*.example.com`` (any depth).
    """
    reason: Text = (
        Setting("allow_origin_regex", regex),
        " is not accepted: unanchored or unescaped regular expressions are the most common "
        "CORS hole in Python apps",
    )
    return Problem("allow_origin_regex", regex, reason, foreign.regex_answer([regex], "fullmatch"))
