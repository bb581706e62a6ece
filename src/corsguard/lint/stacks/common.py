"""What the stack readers hand to the judgement: one origin decision ("grant"), in plain terms.

Pure: no parser, no I/O. Each stack reader (JavaScript, nginx, Spring) turns a library call,
a configuration block or a hand-written header into a ``Grant``: the exact origins, the regexes
(with the matching mode the library really uses) or the predicate the code applies to the
request's Origin, and whether credentials go with the answer. ``judge_grant`` runs the same
attack origins as the Python linter and ``corsguard audit`` through it (``corsguard.lint.judge``)
so that findings carry the same ids and severities on every stack.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from corsguard.findings import KINDS, Context, Severity, render_fix, severity_of
from corsguard.lint import judge as J
from corsguard.lint.analyzer import RawFinding
from corsguard.lint.regex_safety import regex_risk as shared_regex_risk
from corsguard.lint.regexes import is_loopback, regex_samples
from corsguard.probes import ARBITRARY_ORIGIN, split_origin
from corsguard.remediation import FixContext

Accepts = Callable[[str], "bool | None"]

# Attacker-written files: a regex longer than this is not compiled, and one whose shape can
# backtrack exponentially (regex_risk) is not run; it still gets its regex-origin finding.
MAX_REGEX_LENGTH = 500


@dataclass(frozen=True)
class Regex:
    """One origin regex, with the matching the library really applies."""

    source: str  # as written in the file
    matcher: Callable[[str], bool | None]  # None: not run (unsafe or invalid), not judged
    how: str  # e.g. "RegExp.test, unanchored", "PCRE ~*, unanchored, case-insensitive"
    line: int
    col: int
    samples: tuple[str, ...] = ()  # the origins the author evidently meant


@dataclass
class Grant:
    """One place where a stack decides which origins get Access-Control-Allow-Origin."""

    stack: str  # "javascript", "nginx", "spring"
    library: str  # shown in messages: "npm cors", "nginx add_header", "Spring @CrossOrigin"
    line: int
    col: int
    credentials: bool | None  # None: could be (treated as on)
    reflect_any: bool = False  # every origin is answered with its own name
    reflect_text: str = ""  # what in the configuration does it (for the message)
    wildcard: bool = False  # a literal '*'
    wildcard_text: str = ""
    wildcard_refused: bool = False  # '*' + credentials that the library or browser refuses
    exact: list[tuple[str, int, int]] = field(default_factory=list)  # origin, line, col
    regexes: list[Regex] = field(default_factory=list)
    accepts: Accepts | None = None  # a hand-written check, evaluated per origin
    accepts_text: str = ""
    samples: list[str] = field(default_factory=list)  # trusted origins seen in the check
    vary_missing: Severity | None = None  # the grant depends on Origin and no Vary: Origin
    vary_text: str = ""
    open_proxy: bool = False  # cors-anywhere without an origin allowlist
    # The other options, for a complete fix: as values where the file has literals, else
    # as written (by the stack's option name; corsguard.remediation.FixContext.carry).
    carry: dict[str, str] = field(default_factory=dict)
    methods: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    max_age: int | None = None
    fix_kind: str = ""  # which form the fix takes (e.g. "cors", "handwritten", "map")
    written: str = ""  # the configuration as written (kept by a fix for public '*')
    any_header_text: str = ""  # the preflight echoes Access-Control-Request-Headers
    project_origins: list[str] = field(default_factory=list)  # origins named elsewhere
    probe_samples: list[str] = field(default_factory=list)  # read from regexes: probes only
    intent_regexes: list[str] = field(default_factory=list)  # regexes judged via accepts


def samples_of(pattern: str) -> list[str]:
    r"""Origins a regex was evidently written for, as ``regex_samples`` reads them.

    JavaScript and nginx regexes often escape slashes (``https:\/\/``) and wrap the whole
    pattern in one group (``(^https://...$)``); neither changes what it matches, so both are
    undone before reading.
    """
    text = pattern.replace("\\/", "/")
    for _ in range(4):
        if not text.startswith("(") or text.startswith("(?"):
            break
        depth = 0
        index = 0
        end = -1
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    end = index
                    break
            index += 1
        if end != len(text) - 1:
            break
        text = text[1:-1]
    samples = regex_samples(text)
    bare = text.strip("^$").replace("\\.", ".")
    if not samples and re.fullmatch(r"[a-z0-9-]+", bare):
        samples = [f"https://{bare}"]  # a bare host name such as /localhost/
    return samples


def regex_risk(pattern: str, flags: int = 0) -> str | None:
    """Why running this attacker-written regex could take too long, or None (ReDoS, CWE-1333).

    The Python linter's static check decides, so both sides run and refuse the same shapes.
    """
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"longer than {MAX_REGEX_LENGTH} characters"
    return shared_regex_risk(pattern, flags)


def not_run(pattern: str, flags: int = 0) -> str:
    """How a regex that is not run is described in its regex-origin finding."""
    risk = regex_risk(pattern, flags)
    return f"not evaluated: {risk}" if risk else "not evaluated: not a valid regular expression"


def _unknown(origin: str) -> bool | None:
    return None


UNKNOWN_MATCHER: Callable[[str], bool | None] = _unknown


@functools.lru_cache(maxsize=1024)  # nginx maps are looked up once per probe per block
def compile_regex(pattern: str, flags: int = 0) -> re.Pattern[str] | None:
    """The compiled regex, or None when it is invalid or unsafe to run (see regex_risk)."""
    if regex_risk(pattern, flags) is not None:
        return None
    try:
        return re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None


def _outside(verdicts: list[J.Verdict] | None) -> list[J.Verdict]:
    """Drop bypasses whose example is itself a loopback name (x.app.localhost): nobody else can
    serve a page from it (RFC 6761 section 6.3; browsers resolve *.localhost to loopback), and
    trusting such names is already reported as localhost-trusted."""
    return [
        v
        for v in verdicts or []
        if v.id == "localhost-trusted" or not is_loopback(split_origin(v.example)[1])
    ]


def _add(
    out: list[RawFinding],
    grant: Grant,
    line: int,
    col: int,
    kind: str,
    severity: Severity,
    message: str,
    fix: str,
) -> None:
    out.append(RawFinding(line, col, kind, severity, message, fix))


def fix_stack(grant: Grant) -> str:
    """The catalogue's stack (corsguard.remediation.STACKS) of a grant's fix."""
    if grant.stack == "javascript":
        return "node" if grant.fix_kind == "handwritten" else "express"
    return grant.stack


def fix_context(grant: Grant, intent: J.Intent, kind: str = "") -> FixContext:
    """What lint knows about the user's intent, for the catalogue's renderer (the same one
    `corsguard audit` uses): the file's own origins, its credentials and every option."""
    return FixContext(
        origins=intent.origins,
        credentials=grant.credentials,
        methods=grant.methods,
        headers=grant.headers,
        notes=intent.notes,
        exposed_headers=grant.exposed_headers,
        max_age=grant.max_age,
        form=grant.fix_kind if grant.fix_kind != "handwritten" else "",
        carry=tuple(grant.carry.items()),
    )


def grant_fix(kind: str, grant: Grant, intent: J.Intent) -> str:
    """The fix for one finding of one grant, from the catalogue (corsguard.findings.FIXES)."""
    return render_fix(kind, fix_stack(grant), fix_context(grant, intent, kind))


def intent_of(grant: Grant) -> J.Intent:
    """The origins the grant was evidently written for, made safe (corsguard.lint.judge)."""
    intent = J.intent_from(
        exact=[o for o, _, _ in grant.exact] + list(grant.samples),
        regexes=[
            r.source.strip("/") if grant.stack == "javascript" else r.source for r in grant.regexes
        ]
        + grant.intent_regexes,
    )
    if not intent.origins and grant.project_origins:
        # Nothing in this grant names an origin, but the project does elsewhere: use those
        # (never an invented one where real origins are known).
        intent = J.intent_from(exact=grant.project_origins)
    return intent


def judge_grant(grant: Grant) -> list[RawFinding]:
    """Findings for one grant, each with the stack's own fix (shared by the grant's findings)."""
    out: list[RawFinding] = []
    creds = grant.credentials
    lib = grant.library
    samples = [o.lower() for o, _, _ in grant.exact] + list(grant.samples)
    samples += grant.probe_samples
    for regex in grant.regexes:
        samples.extend(regex.samples or regex_samples(regex.source))
    intent = intent_of(grant)

    def fix(kind: str) -> str:
        return grant_fix(kind, grant, intent)

    if grant.open_proxy:
        # An open CORS proxy answers every site and fetches every URL it is given, including
        # hosts only the server can reach (cors-anywhere README: "originWhitelist").
        _add(
            out,
            grant,
            grant.line,
            grant.col,
            "open-cors-proxy",
            severity_of("open-cors-proxy", Context(False)),
            f"{lib}: an open CORS proxy (no origin allowlist): any site can make this server "
            "fetch any URL, including hosts on its own network, and read the answer",
            fix("open-cors-proxy"),
        )
    if grant.reflect_any:
        kind = "origin-reflected"
        _add(
            out,
            grant,
            grant.line,
            grant.col,
            kind,
            J.severity_of(kind, creds),
            f"{lib}: {grant.reflect_text} answers every origin with its own name"
            + (" and Access-Control-Allow-Credentials: true" if creds else "")
            + ", so any site can read responses"
            + (" with the user's cookies " if creds else " ")
            + f"(e.g. {ARBITRARY_ORIGIN})",
            fix(kind),
        )
    if grant.wildcard:
        if grant.wildcard_refused or creds:
            _add(
                out,
                grant,
                grant.line,
                grant.col,
                "wildcard-with-credentials",
                J.severity_of("wildcard-with-credentials", False),  # no credentialed read
                f"{lib}: {grant.wildcard_text} together with credentials: "
                + (
                    "the library refuses this at run time"
                    if grant.wildcard_refused
                    else "browsers refuse the combination"
                )
                + ", and the usual 'fix' of echoing the origin trusts everyone",
                fix("wildcard-with-credentials"),
            )
        else:
            _add(
                out,
                grant,
                grant.line,
                grant.col,
                "wildcard-origin",
                J.severity_of("wildcard-origin", False),
                f"{lib}: {grant.wildcard_text} lets any site read responses (without "
                "credentials); fine for public, read-only data",
                fix("wildcard-origin"),
            )
    for origin, line, col in grant.exact:
        for kind in J.classify_trusted(origin.lower().rstrip("/")):
            _add(
                out,
                grant,
                line,
                col,
                kind,
                J.severity_of(kind, creds),
                f"{lib} trusts {origin!r}: {KINDS[kind].title}",
                fix(kind),
            )
    for regex in grant.regexes:
        _add(
            out,
            grant,
            regex.line,
            regex.col,
            "regex-origin",
            J.severity_of("regex-origin", creds),
            f"{lib} matches origins with the regular expression {regex.source!r} ({regex.how})",
            fix("regex-origin"),
        )
        matcher = regex.matcher
        verdicts = _outside(J.judge(lambda o, m=matcher: m(o), samples))  # type: ignore[misc]
        for verdict in verdicts:
            _add(
                out,
                grant,
                regex.line,
                regex.col,
                verdict.id,
                J.severity_of(verdict.id, creds, weak=verdict.weak),
                f"{lib} regex {regex.source!r} ({regex.how}) accepts {verdict.example}: "
                f"{KINDS[verdict.id].title}",
                fix(verdict.id),
            )
    if grant.accepts is not None:
        verdicts = _outside(J.judge(grant.accepts, samples))
        for verdict in verdicts:
            _add(
                out,
                grant,
                grant.line,
                grant.col,
                verdict.id,
                J.severity_of(verdict.id, creds, weak=verdict.weak),
                f"{lib}: the check {grant.accepts_text} accepts {verdict.example}: "
                f"{KINDS[verdict.id].title}",
                fix(verdict.id),
            )
    if grant.any_header_text:
        _add(
            out,
            grant,
            grant.line,
            grant.col,
            "preflight-any-header",
            J.severity_of("preflight-any-header", creds),
            f"{lib}: {grant.any_header_text}",
            fix("preflight-any-header"),
        )
    if grant.vary_missing is not None:
        _add(
            out,
            grant,
            grant.line,
            grant.col,
            "missing-vary-origin",
            grant.vary_missing,
            f"{lib}: {grant.vary_text}",
            fix("missing-vary-origin"),
        )
    return out
