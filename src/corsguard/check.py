"""`corsguard check`: validate a policy file or the environment and show what it allows.

A valid policy may still carry catalogue findings (`Policy.findings`: localhost, plain
http, any subdomain, ``*``, ...), listed with the id and severity `corsguard lint` and
`corsguard audit` give the same configuration (issue #11), and other warnings.

Exit status: 1 when the policy is invalid (every problem is listed); 1 too when
``--fail-on SEVERITY`` is given and a finding is at least that severe, or with ``--strict``
and any finding or warning; otherwise 0 (findings and warnings are printed but do not fail);
2 for a usage mistake such as a missing file.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from corsguard.cli import UsageError
from corsguard.cliargs import format_type
from corsguard.config import (
    env_policy_and_problems,
    env_variable,
    file_policy_and_problems,
)
from corsguard.findings import Severity
from corsguard.origin import OriginPattern
from corsguard.policy import (
    SAFELISTED_HEADER_NAMES,
    Policy,
    PolicyError,
    PolicyFinding,
    exemption_applies,
)
from corsguard.startup import DEVELOPMENT_SWITCH, development_mode
from corsguard.untrusted import for_terminal

KIND_LABELS = {
    "exact": "exact origin",
    "port": "any port of this host",
    "subdomain": "any subdomain (not the apex)",
    "one-label": "one label directly beneath the domain (letters, digits, hyphens)",
    "label": "within-label wildcard (letters, digits, hyphens; no dots)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="a TOML policy file, or a pyproject.toml with a [tool.corsguard] table",
    )
    parser.add_argument(
        "--env", action="store_true", help="read the policy from environment variables"
    )
    parser.add_argument(
        "--prefix",
        default=None,
        metavar="P",
        help="prefix of the environment variables (default CORSGUARD_); only with --env",
    )
    parser.add_argument(
        "--format",
        type=format_type(("text", "json")),
        default="text",
        help="text (default) or json (one JSON object)",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat every finding and warning as an error (exit 1)",
    )
    parser.add_argument(
        "--fail-on",
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a finding is at least this severe: low, medium or high "
        "(default: findings do not fail)",
    )


def run(args: argparse.Namespace) -> int:
    if args.env and args.file:
        raise UsageError("give either FILE or --env, not both")
    if not args.env and not args.file:
        raise UsageError(
            "give a policy FILE (TOML, or pyproject.toml with [tool.corsguard]) or --env"
        )
    if args.prefix is not None and not args.env:
        raise UsageError("--prefix only applies with --env")
    try:
        fail_on = None if args.fail_on is None else Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    if args.env:
        prefix = "CORSGUARD_" if args.prefix is None else args.prefix
        if not prefix:
            raise UsageError("--prefix must not be empty")
        source = f"environment ({env_variable(prefix, '*')})"
        policy, problems = env_policy_and_problems(prefix)
    else:
        # A file name may hold any character (a glob over a repository's files in CI):
        # shown escaped, never interpreted by the terminal.
        source = for_terminal(args.file)
        if os.path.isdir(args.file):
            raise UsageError(f"{source} is a directory: give a TOML file")
        try:
            policy, problems = file_policy_and_problems(args.file)
        except FileNotFoundError:
            raise UsageError(f"{source}: no such file") from None
        except OSError as exc:
            raise UsageError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    errors = [problem.text for problem in problems]
    development = _development_state(policy, errors)
    warnings = list(_warnings(policy)) if policy is not None else []
    findings = list(policy.findings) if policy is not None else []
    failing = _failing(findings, warnings, fail_on, args.strict)
    if policy is not None and errors:
        failing = failing or f"{len(errors)} error(s)"  # the development switch's
    valid = policy is not None and not failing
    if args.format == "json":
        report = {
            "source": source,
            "valid": valid,
            "errors": errors,
            "findings": [finding.as_dict() for finding in findings],
            # Every finding's one-line text and the other warnings, as before issue #11.
            "warnings": warnings,
            "policy": describe(policy) if policy is not None else None,
            "development": development,
        }
        print(json.dumps(report, indent=2))
    else:
        lines = _text_report(source, policy, errors, findings, warnings, failing)
        print("\n".join([*lines, *_development_lines(development)]))
    return 0 if valid else 1


def _development_state(policy: Policy | None, errors: list[str]) -> dict[str, Any] | None:
    """Whether this environment's adapters would grant the development origins (None: none)."""
    if policy is None or not policy.has_development_origins():
        return None
    try:
        granted = development_mode()
    except PolicyError as exc:
        errors.extend(exc.problems)
        granted = False
    value = os.environ.get(DEVELOPMENT_SWITCH)
    return {
        "switch": DEVELOPMENT_SWITCH,
        "value": None if value is None else for_terminal(value),
        "granted": granted,
        "origins": list(policy.development_origins),
        "routes": {p: list(sub.development_origins) for p, sub in policy.routes.items()
                   if sub.development_origins},
    }  # fmt: skip


def _development_lines(state: dict[str, Any] | None) -> Iterator[str]:
    if state is None:
        return
    switch = state["switch"]
    if state["granted"]:
        yield (f"DEVELOPMENT MODE: {switch}=development here, so the middleware also trusts "
               "the development origins; never set it in production")  # fmt: skip
    else:
        shown = "unset" if state["value"] is None else f"{state['value']!r}"
        yield (f"development origins: not granted here ({switch} is {shown}); granted only "
               f"where {switch}=development")  # fmt: skip


def _failing(
    findings: list[PolicyFinding], warnings: list[str], fail_on: Severity | None, strict: bool
) -> str:
    """Why a valid policy fails the check ("" when it does not)."""
    if strict and (findings or warnings):
        return f"--strict, {len(findings)} finding(s), {len(warnings) - len(findings)} warning(s)"
    if fail_on is not None:
        hits = [f for f in findings if f.severity.rank >= fail_on.rank]
        if hits:
            return f"--fail-on {fail_on.value}, {len(hits)} finding(s)"
    return ""


def _warnings(policy: Policy) -> Iterator[str]:
    yield from policy.warnings
    for prefix, sub in policy.routes.items():
        yield from (f"routes {prefix}: {text}" for text in sub.warnings)


def _notes(policy: Policy) -> Iterator[str]:
    """The warnings that are not catalogue findings (a method's case, Authorization)."""
    texts = {finding.text for finding in policy.findings}
    yield from (text for text in _warnings(policy) if text not in texts)


def describe(policy: Policy, app: Policy | None = None, route: str | None = None) -> dict[str, Any]:
    """What a policy allows, as plain data (the --json output's "policy").

    ``app`` and ``route``: for a route's policy, the app's policy and the route's prefix,
    so that exempt paths the engine never applies are not described as open.
    """
    exempt = applied_exemptions(policy, app, route)
    return {
        "any_origin": policy.any_origin,
        "origins": [_describe_pattern(p) for p in policy.origin_patterns],
        "allow_methods": list(policy.allow_methods),
        "allow_headers": list(policy.allow_headers),
        "allow_credentials": policy.allow_credentials,
        "expose_headers": list(policy.expose_headers),
        "max_age": policy.max_age,
        "allow_private_network": policy.allow_private_network,
        "block_cross_origin_writes": policy.block_cross_origin_writes,
        "write_protection_exempt_paths": list(policy.write_protection_exempt_paths),
        "block_cross_origin_websockets": policy.block_cross_origin_websockets,
        "cross_origin_writes": write_trust(policy, websocket=False, exempt=exempt),
        "cross_origin_websockets": write_trust(policy, websocket=True, exempt=exempt),
        "tolerate_insecure_origins": policy.tolerate_insecure_origins,
        "tolerate_public_suffix_wildcards": policy.tolerate_public_suffix_wildcards,
        "debug": policy.debug,
        "routes": {prefix: describe(sub, policy, prefix) for prefix, sub in policy.routes.items()},
        "development_origins": list(policy.development_origins),
    }


def applied_exemptions(
    policy: Policy, app: Policy | None = None, route: str | None = None
) -> list[str]:
    """The exempt paths of ``policy`` that the engine applies (see policy.exemption_applies):
    for the app's policy (``app`` None) or for ``app.routes[route]``."""
    routes = policy.routes if app is None else app.routes
    return [
        path
        for path in policy.write_protection_exempt_paths
        if exemption_applies(path, routes, route)
    ]


def write_trust(
    policy: Policy, *, websocket: bool, exempt: Sequence[str] | None = None
) -> dict[str, Any]:
    """Which origins may send a cross-origin write (or WebSocket handshake), as engine.decide
    enforces it: with credentials (cookies, HTTP auth) only an origin trusted with them,
    without credentials any origin the policy allows. Same-origin requests always pass.
    ``exempt``: the exempt paths that apply (`applied_exemptions`; default: all listed).
    """
    if exempt is None:
        exempt = policy.write_protection_exempt_paths
    flag = "block_cross_origin_websockets" if websocket else "block_cross_origin_writes"
    enforced = bool(getattr(policy, flag))
    if not enforced:
        without, with_ = "any origin", "any origin"
    elif policy.any_origin:  # '*' is never credentialed (the policy refuses that)
        without, with_ = "any origin", "none"
    elif policy.allow_credentials:
        without, with_ = "listed origins", "listed origins"
    else:
        without, with_ = "listed origins", "none"
    trust: dict[str, Any] = {
        "enforced": enforced,
        "switch": flag,
        "without_credentials": without,
        "with_credentials": with_,
    }
    if not websocket:
        # Exempt paths take any origin's writes, credentials and all; handshakes have none.
        trust["exempt_paths"] = list(exempt) if enforced else []
    return trust


def _trust_text(trust: dict[str, Any]) -> str:
    without, with_ = trust["without_credentials"], trust["with_credentials"]
    if not trust["enforced"]:
        text = f"NOT blocked ({trust['switch']} is off): any origin, cookies and HTTP auth too"
    elif without == "any origin":
        text = "any origin without cookies or HTTP auth; with them, none"
    elif with_ == "listed origins":
        text = "listed origins only, with or without cookies and HTTP auth"
    else:
        text = "listed origins only, and only without cookies or HTTP auth"
    exempt = trust.get("exempt_paths")
    if exempt:
        text += f" (exempt paths, open to any origin: {', '.join(exempt)})"
    return text


def _describe_pattern(pattern: OriginPattern) -> dict[str, Any]:
    return {"pattern": pattern.text, "kind": pattern.kind}


def _text_report(
    source: str,
    policy: Policy | None,
    errors: list[str],
    findings: list[PolicyFinding],
    warnings: list[str],
    failing: str,
) -> Iterator[str]:
    if policy is None:
        yield f"{source}: INVALID ({len(errors)} error(s))"
    elif failing:
        yield f"{source}: INVALID ({failing})"
    else:
        yield f"{source}: valid"
    if policy is not None:
        yield from _policy_lines(policy, "  ", applied_exemptions(policy))
        if policy.routes:
            yield "  routes (longest matching path prefix wins; nothing is inherited):"
            for prefix, sub in policy.routes.items():
                yield f"    {for_terminal(prefix)}"
                yield from _policy_lines(sub, "      ", applied_exemptions(sub, policy, prefix))
    if errors:
        yield "errors:"
        yield from (f"  - {for_terminal(text)}" for text in errors)
    if findings:
        # The same ids and severities as `corsguard lint` and `corsguard audit` (issue #11).
        yield "findings (accepted, but risky):"
        for finding in findings:
            yield f"  - [{finding.id}, {finding.severity.value}] {for_terminal(finding.message)}"
            fix = for_terminal(finding.fix)
            yield f"    fix: {fix}"
    notes = list(_notes(policy)) if policy is not None else []
    if notes:
        yield "warnings:"
        yield from (f"  - {for_terminal(text)}" for text in notes)


def _policy_lines(
    policy: Policy, indent: str, exempt: Sequence[str] | None = None
) -> Iterator[str]:
    """The text lines describing ``policy``; ``exempt`` as in `write_trust`."""
    if policy.any_origin:
        yield f"{indent}origins: * (any origin; a public API, no credentials)"
    elif not policy.origin_patterns:
        yield f"{indent}origins: none (no cross-origin reads)"
    else:
        yield f"{indent}origins:"
        width = max(len(p.text) for p in policy.origin_patterns)
        for pattern in policy.origin_patterns:
            label = KIND_LABELS.get(pattern.kind, pattern.kind)
            yield f"{indent}  {pattern.text.ljust(width)}  {label}"
    if policy.development_origins:
        listed_dev = ", ".join(policy.development_origins)
        switch = f"{DEVELOPMENT_SWITCH}=development"
        yield f"{indent}development origins (loopback; only with {switch}): {listed_dev}"
    listed = [m for m in policy.allow_methods if m != "*"]
    if "*" in policy.allow_methods:
        methods = "* (any method" + (
            ", echoed one by one with credentials)" if policy.allow_credentials else ")"
        )
    else:
        methods = ", ".join(listed) + " (GET, HEAD and POST always pass a preflight)"
    yield f"{indent}methods: {methods}"
    names = [h for h in policy.allow_headers if h != "*"]
    safelisted = ", ".join(sorted(SAFELISTED_HEADER_NAMES))
    if "*" in policy.allow_headers:
        headers = "* (any header but Authorization" + (", unless listed)" if names else ")")
        if names:
            headers += f", plus {', '.join(names)}"
    else:
        headers = ", ".join(names) or "none beyond the safelisted"
    yield f"{indent}request headers: {headers} (always: {safelisted})"
    yield f"{indent}credentials: " + (
        "allowed (cookies and HTTP auth are sent, responses readable)"
        if policy.allow_credentials
        else "not allowed"
    )
    yield f"{indent}exposed headers: {', '.join(policy.expose_headers) or 'none'}"
    yield f"{indent}max-age: {policy.max_age} s (Chromium caps at 7200 s)"
    yield f"{indent}private network access: " + (
        "allowed for trusted origins" if policy.allow_private_network else "not allowed"
    )
    writes = write_trust(policy, websocket=False, exempt=exempt)
    yield f"{indent}cross-origin writes: {_trust_text(writes)}"
    yield f"{indent}cross-origin WebSocket handshakes: " + _trust_text(
        write_trust(policy, websocket=True, exempt=exempt)
    )
    tolerated = [
        name
        for name in ("tolerate_insecure_origins", "tolerate_public_suffix_wildcards", "debug")
        if getattr(policy, name)
    ]
    if tolerated:
        yield f"{indent}switched on: {', '.join(tolerated)}"
