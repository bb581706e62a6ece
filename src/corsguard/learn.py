"""``corsguard learn``: propose the tightest policy that admits the origins seen in logs.

Reads corsguard's own WARNING lines (``corsguard refused ...``, ``corsguard unlisted ...``
and report-only mode's ``corsguard report-only ...``, key=value with quoted, escaped values)
and web-server access logs in the combined
format with the Origin header appended (and optionally Access-Control-Request-Method and
-Headers; docs/monitoring.md has the nginx and Apache formats). Every byte of these files
was chosen by a client: lines are cut at MAX_LINE_BYTES, at most MAX_ORIGINS distinct
origins are tracked, and every value is escaped before it is printed.

An origin is proposed only if trusting it is not one of the mistakes that corsguard audit
and lint report (the finding ids of corsguard.findings); each other origin is named with
the finding that trusting it would be.

In report-only mode only the requests where the policy and the app disagree are logged, so
the origins the observed policy already admits do not appear; its start-up line
(``corsguard report-only mode: CORS policy origins=[...]; ...``) names them, and the
proposal keeps them (but '*', and what judge() would not trust).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from corsguard.cli import UsageError
from corsguard.cliargs import format_type
from corsguard.findings import KINDS
from corsguard.origin import parse_origin
from corsguard.policy import Policy
from corsguard.probes import (
    ARBITRARY_ORIGIN,
    ATTACKER_DOMAIN,
    PROBE_LABEL,
    THIRD_PARTY_HOSTS,
    is_shared_hosting,
)
from corsguard.spec import FORBIDDEN_METHODS, FORBIDDEN_REQUEST_HEADERS, is_token
from corsguard.untrusted import for_terminal, text_from_bytes

MAX_LINE_BYTES = 16384
MAX_ORIGINS = 10000
MAX_METHODS = 32
MAX_HEADERS = 256
MAX_TOKEN = 64
MAX_FIELDS = 16

# corsguard's own line, after whatever prefix a log formatter adds (time, level, name).
_OWN = re.compile(r"\bcorsguard (refused|unlisted|report-only) (kind=.*)")
# Report-only mode's start-up line (corsguard.observe.start, corsguard.startup.summary).
_OBSERVED_POLICY = re.compile(
    r"\bcorsguard (?:blueprint \S+ )?report-only mode: CORS policy origins=\[([^\]]*)\]; "
    r"credentials=(yes|no); methods=\[([^\]]*)\]; headers=\[([^\]]*)\]"
)
_FIELD = re.compile(r'([a-z_]+)=(?:"((?:[^"\\]|\\.)*)"(\.\.\.)?|(\S+))')
# Combined log format, then one to three quoted fields: Origin, Access-Control-Request-
# Method, Access-Control-Request-Headers ("-" when absent).
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_ACCESS = re.compile(
    rf"\S+ \S+ \S+ \[[^\]]*\] {_QUOTED} (\d{{3}}|-) \S+ {_QUOTED} {_QUOTED}"
    rf"((?: {_QUOTED}){{1,3}})\s*\Z"
)
_EXTRA = re.compile(_QUOTED)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"}


@dataclass
class Seen:
    """What one origin did in the logs."""

    requests: int = 0
    methods: set[str] = field(default_factory=set)
    headers: set[str] = field(default_factory=set)
    credentials: bool = False
    truncated: bool = False


@dataclass
class Observations:
    origins: dict[str, Seen] = field(default_factory=dict)
    lines: int = 0
    used: int = 0
    skipped: int = 0
    too_long: int = 0
    untracked: int = 0  # requests from origins beyond MAX_ORIGINS
    # The policy observed in report-only mode (its start-up lines), kept in the proposal.
    observed_origins: set[str] = field(default_factory=set)
    observed_methods: set[str] = field(default_factory=set)
    observed_headers: set[str] = field(default_factory=set)
    observed_credentials: bool = False


@dataclass(frozen=True)
class Verdict:
    origin: str
    trusted: bool
    finding: str | None  # a corsguard.findings id, or None
    reason: str


def _unescape(text: str) -> str:
    """Undo the escapes of corsguard (Python unicode_escape), nginx (\\xNN) and Apache."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, text)


def _record(
    obs: Observations,
    origin: str,
    method: str | None,
    acrm: str | None,
    acrh: str | None,
    credentials: bool,
    truncated: bool = False,
) -> None:
    seen = obs.origins.get(origin)
    if seen is None:
        if len(obs.origins) >= MAX_ORIGINS:
            obs.untracked += 1
            return
        seen = obs.origins[origin] = Seen()
    seen.requests += 1
    seen.truncated |= truncated
    seen.credentials |= credentials
    for candidate in (acrm, method if method != "OPTIONS" else None):
        if (
            candidate
            and len(seen.methods) < MAX_METHODS
            and len(candidate) <= MAX_TOKEN
            and is_token(candidate)
        ):
            seen.methods.add(candidate)
    if acrh:
        for name in acrh.split(","):
            name = name.strip(" \t").lower()
            if (
                name
                and len(name) <= MAX_TOKEN
                and is_token(name)
                and len(seen.headers) < MAX_HEADERS
            ):
                seen.headers.add(name)


def parse_line(obs: Observations, line: str) -> bool:
    """Record one log line; False if it is neither format (or has no Origin)."""
    own = _OWN.search(line)
    if own is None and "report-only mode" in line:
        return _observed_policy(obs, line)
    if own is not None:
        values: dict[str, str] = {}
        truncated = False
        # corsguard's lines put the fields read here among the first eight; reading only
        # the first sixteen
        # bounds the regex work on a forged line of many unterminated quotes to linear.
        for match in itertools.islice(_FIELD.finditer(own.group(2)), MAX_FIELDS):
            quoted, cut, bare = match.group(2), match.group(3), match.group(4)
            values.setdefault(match.group(1), _unescape(quoted) if bare is None else bare)
            truncated |= match.group(1) == "origin" and cut is not None
        origin = values.get("origin")
        if origin is None or origin == "-":
            return False
        _record(
            obs,
            origin,
            values.get("method"),
            values.get("request_method"),
            values.get("request_headers"),
            values.get("credentials") == "yes",
            truncated,
        )
        return True
    access = _ACCESS.match(line)
    if access is None:
        return False
    extras = [_unescape(m.group(1)) for m in _EXTRA.finditer(access.group(5))]
    origin = extras[0]
    if origin in ("-", ""):
        return False
    request = _unescape(access.group(1)).split(" ")
    method = request[0] if request else None
    acrm = extras[1] if len(extras) > 1 and extras[1] != "-" else None
    acrh = extras[2] if len(extras) > 2 and extras[2] != "-" else None
    _record(obs, origin, method, acrm, acrh, credentials=False)
    return True


def _observed_policy(obs: Observations, line: str) -> bool:
    """Record the policy of a report-only start-up line; False if the line is not one."""
    match = _OBSERVED_POLICY.search(line)
    if match is None:
        return False
    origins, credentials, methods, headers = match.groups()
    for origin in origins.split(", "):
        if origin and len(obs.observed_origins) < MAX_ORIGINS:
            obs.observed_origins.add(origin)
    for method in methods.split(", "):
        if method and is_token(method) and len(obs.observed_methods) < MAX_METHODS:
            obs.observed_methods.add(method)
    for name in headers.split(", "):
        if name and is_token(name) and len(obs.observed_headers) < MAX_HEADERS:
            obs.observed_headers.add(name.lower())
    obs.observed_credentials |= credentials == "yes"
    return True


def read_log(obs: Observations, stream: Any) -> None:
    """Read a binary stream line by line, each line bounded."""
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        obs.lines += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            obs.too_long += 1
            # Skip the rest of the overlong line, a bounded chunk at a time.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_LINE_BYTES + 1)
            continue
        if parse_line(obs, text_from_bytes(raw.rstrip(b"\r\n"))):
            obs.used += 1
        else:
            obs.skipped += 1


def judge(origin: str, seen: Seen, trusted_hosts: set[str] | None = None) -> Verdict:
    """Whether to propose ``origin``; if not, the finding that trusting it would be."""
    if origin == "null":
        return Verdict(origin, False, "null-origin-trusted", _meaning("null-origin-trusted"))
    if seen.truncated:
        return Verdict(origin, False, None, "the origin was cut short in the log")
    parsed = parse_origin(origin)
    if parsed is None:
        return Verdict(
            origin,
            False,
            None,
            "not an origin a browser sends (malformed, uppercase, a path or a default port): "
            "a forged header or a broken client",
        )
    host = parsed.host
    if (
        origin == ARBITRARY_ORIGIN
        or host == ATTACKER_DOMAIN
        or host.endswith("." + ATTACKER_DOMAIN)
        or "corsguard-probe" in host
        or PROBE_LABEL in host
    ):
        return Verdict(origin, False, None, "a corsguard audit probe, not a front end")
    if parsed.scheme not in ("http", "https"):
        return Verdict(
            origin, False, None, f"a {parsed.scheme}: origin (an extension or app), not a web site"
        )
    if parsed.is_loopback or _private_ip(host):
        return Verdict(origin, False, "localhost-trusted", _meaning("localhost-trusted"))
    if parsed.scheme == "http":
        return Verdict(
            origin, False, "insecure-origin-trusted", _meaning("insecure-origin-trusted")
        )
    parent = host.partition(".")[2]
    if parent and (parent in THIRD_PARTY_HOSTS or is_shared_hosting(parent)):
        return Verdict(
            origin,
            False,
            "third-party-origin-trusted",
            f"on {parent}, where anyone can publish a site: pass --trust {origin} if it is yours",
        )
    for trusted in trusted_hosts or ():
        if host != trusted and _looks_like(host, trusted):
            return Verdict(
                origin,
                False,
                "prefix-match" if host.startswith(trusted) else "suffix-match",
                f"looks like {trusted} but is another site (the shape of a bypass probe)",
            )
    return Verdict(origin, True, None, "")


def _meaning(kind_id: str) -> str:
    return KINDS[kind_id].meaning


def _private_ip(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_private
    except ValueError:
        return False


def _looks_like(host: str, trusted: str) -> bool:
    # prefix-match: app.example.com.evil.net, app.example.com_.evil.net;
    # suffix-match: evilapp.example.com (ends with the name but not at a dot).
    if host.startswith(trusted):
        return True
    return host.endswith(trusted) and host[-len(trusted) - 1] != "."


@dataclass
class Proposal:
    verdicts: list[Verdict]
    options: dict[str, Any]
    requests: dict[str, int]


def propose(obs: Observations, trust: set[str], min_requests: int = 1) -> Proposal:
    # First pass without look-alike checks gives the hosts a look-alike would imitate.
    first = {o: judge(o, s) for o, s in obs.origins.items()}
    trusted_hosts = {
        o.partition("://")[2].split(":")[0] for o, v in first.items() if v.trusted or o in trust
    }
    verdicts: list[Verdict] = []
    for origin in sorted(obs.observed_origins - obs.origins.keys()):
        verdicts.append(_observed_verdict(origin, trusted_hosts))
    for origin, seen in sorted(obs.origins.items()):
        if origin in trust:
            verdicts.append(Verdict(origin, True, None, "trusted with --trust"))
            continue
        verdict = judge(origin, seen, trusted_hosts)
        if verdict.trusted and seen.requests < min_requests:
            verdict = Verdict(
                origin, False, None, f"seen {seen.requests} time(s), fewer than --min-requests"
            )
        verdicts.append(verdict)
    verdicts.sort(key=lambda v: v.origin)
    admitted = [v.origin for v in verdicts if v.trusted]
    methods = {"GET"} | obs.observed_methods
    headers: set[str] = set(obs.observed_headers)
    credentials = obs.observed_credentials
    for origin in admitted:
        logged = obs.origins.get(origin)
        if logged is None:  # from the observed policy only
            continue
        seen = logged
        methods |= {m.upper() for m in seen.methods if m.upper() not in FORBIDDEN_METHODS}
        headers |= {
            h
            for h in seen.headers
            if h not in FORBIDDEN_REQUEST_HEADERS and not h.startswith(("proxy-", "sec-"))
        }
        credentials |= seen.credentials
    options: dict[str, Any] = {"allow_origins": admitted, "allow_methods": sorted(methods)}
    if headers:
        options["allow_headers"] = sorted(headers)
    if credentials:
        options["allow_credentials"] = True
        # Only an origin trusted by hand (--trust, or the observed policy) can be http://
        # here; with credentials the policy refuses it unless told (Policy's own rule).
        if any(_insecure(origin) for origin in admitted):
            options["tolerate_insecure_origins"] = True
    requests = dict.fromkeys(obs.observed_origins, 0)
    requests.update((o, s.requests) for o, s in obs.origins.items())
    return Proposal(verdicts, options, requests)


_OBSERVED = "in the policy observed in report-only mode"


def _insecure(origin: str) -> bool:
    parsed = parse_origin(origin)
    return parsed is not None and parsed.scheme == "http" and not parsed.is_loopback


def _observed_verdict(origin: str, trusted_hosts: set[str]) -> Verdict:
    """An origin of the observed policy that no logged request named: it agreed with the
    app, so it is kept (the team chose it, and Policy validated it), but '*'. What judge()
    would say of it is kept beside it, as the finding."""
    if origin == "*":
        return Verdict(origin, False, None, f"'*' {_OBSERVED}: list the front ends instead")
    if "*" in origin:
        # A pattern (https://*.example.com): one that Policy accepts, as when observed (the
        # line may be forged: a log file is anyone's text).
        try:
            Policy(allow_origins=[origin], tolerate_insecure_origins=True)
        except (ValueError, TypeError):
            return Verdict(origin, False, None, "not an origin pattern corsguard accepts")
        return Verdict(origin, True, None, _OBSERVED)
    verdict = judge(origin, Seen(), trusted_hosts)
    if verdict.trusted:
        return Verdict(origin, True, None, _OBSERVED)
    if verdict.finding is None:
        # Malformed, a probe, an extension: not something a team lists.
        return verdict
    return Verdict(origin, True, verdict.finding, f"{_OBSERVED}; {verdict.reason}")


def as_python(options: dict[str, Any]) -> str:
    # json.dumps writes ASCII-only string literals that Python reads the same way.
    lines = ["corsguard.Policy("]
    for key, value in options.items():
        text = repr(value) if isinstance(value, bool) else json.dumps(value)
        lines.append(f"    {key}={text},")
    lines.append(")")
    return "\n".join(lines)


def as_toml(options: dict[str, Any]) -> str:
    # json.dumps writes valid TOML for these: strings, lists of strings and booleans.
    return "\n".join(f"{key} = {json.dumps(value)}" for key, value in options.items())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "logfiles",
        nargs="+",
        metavar="LOGFILE",
        help="corsguard's log output, or an access log with the Origin field ('-' for stdin)",
    )
    parser.add_argument(
        "--format",
        type=format_type(("text", "json")),
        default="text",
        help="text (default) or json",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="an origin to admit although it would be named as not trusted (repeatable)",
    )
    parser.add_argument(
        "--min-requests",
        type=int,
        default=1,
        metavar="N",
        help="admit only origins seen in at least N requests (default 1)",
    )


def run(args: argparse.Namespace) -> int:
    if args.min_requests < 1:
        raise UsageError("--min-requests must be at least 1")
    obs = Observations()
    for name in args.logfiles:
        try:
            if name == "-":
                read_log(obs, sys.stdin.buffer)
            else:
                with open(name, "rb") as stream:
                    read_log(obs, stream)
        except OSError as exc:
            raise UsageError(f"cannot read {for_terminal(name)}: {exc.strerror or exc}") from None
    proposal = propose(obs, set(args.trust), args.min_requests)
    valid = True
    problem = ""
    if proposal.options["allow_origins"]:
        try:
            Policy(**proposal.options)
        except (ValueError, TypeError) as exc:  # a method or header the policy refuses
            valid, problem = False, str(exc)
    status = 0 if proposal.options["allow_origins"] and valid else 1
    if args.format == "json":
        print(json.dumps(_json(obs, proposal, valid, problem), indent=2, ensure_ascii=True))
    else:
        _print_text(obs, proposal, valid, problem)
    return status


def _json(obs: Observations, proposal: Proposal, valid: bool, problem: str) -> dict[str, Any]:
    return {
        "lines": obs.lines,
        "used": obs.used,
        "skipped": obs.skipped,
        "too_long": obs.too_long,
        "untracked_requests": obs.untracked,
        "policy": proposal.options if valid else None,
        "problem": problem or None,
        "python": as_python(proposal.options) if valid else None,
        "toml": as_toml(proposal.options) if valid else None,
        "origins": [
            {
                "origin": v.origin,
                "requests": proposal.requests[v.origin],
                "trusted": v.trusted,
                "finding": v.finding,
                "reason": v.reason,
            }
            for v in proposal.verdicts
        ],
    }


def _print_text(obs: Observations, proposal: Proposal, valid: bool, problem: str) -> None:
    print(
        f"{obs.lines} lines read: {obs.used} requests with an Origin, {obs.skipped} other "
        f"lines, {obs.too_long} too long"
        + (
            f", {obs.untracked} requests from origins beyond the first {MAX_ORIGINS}"
            if obs.untracked
            else ""
        )
    )
    trusted = [v for v in proposal.verdicts if v.trusted]
    if not trusted:
        print("\nNo origin to propose: none of the origins seen is one to trust.")
    elif not valid:
        print(f"\nThe proposal is not a valid policy: {for_terminal(problem)}")
    else:
        print(f"\nProposed policy ({len(trusted)} origins):\n")
        print(as_python(proposal.options))
        print("\nAs a TOML policy file (corsguard check FILE):\n")
        print(as_toml(proposal.options))
    kept = [v for v in proposal.verdicts if v.trusted and v.finding]
    if kept:
        print(f"\nKept from the observed policy, but worth a second look ({len(kept)}):")
        for v in kept:
            print(f"  {for_terminal(v.origin)} [{v.finding}]: {v.reason}")
    refused = [v for v in proposal.verdicts if not v.trusted]
    if refused:
        print(f"\nNot trusted ({len(refused)} origins):")
        for v in refused:
            finding = f" [{v.finding}]" if v.finding else ""
            print(
                f"  {for_terminal(v.origin)}  ({proposal.requests[v.origin]} requests)"
                f"{finding}: {v.reason}"
            )
