"""`corsguard explain`: why a browser blocks (or allows) a cross-origin request, and the fix.

It plays the browser: sends the preflight exactly as Chromium would (OPTIONS, Origin,
Access-Control-Request-Method, Access-Control-Request-Headers; never cookies), then the
actual request when the preflight passes or none is needed, and only for GET and HEAD
unless --send is given. Each response goes through corsguard.browser, the same model the
auditor uses, and the checks are printed with the failing one and a copy-paste fix.
``--har FILE`` explains every cross-origin request recorded in a HAR export offline.

Exit status: 0 allowed, 1 blocked (or not provable without --send), 2 usage or network error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from corsguard import __version__
from corsguard.browser import (
    Credentials,
    Fix,
    Outgoing,
    Request,
    Response,
    Verdict,
    serialize_url_origin,
    simulate,
)
from corsguard.cli import UsageError
from corsguard.cliargs import (
    format_type,
    load_policy_file,
    normalize_url,
    parse_header,
    parse_resolve,
)
from corsguard.har import Explained, is_serialized_origin
from corsguard.untrusted import clean_text, for_terminal

if TYPE_CHECKING:
    from corsguard.explain_policy import PolicyReport

JSON_VERSION = 1
SAFE_METHODS = ("GET", "HEAD")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url", nargs="?", metavar="URL", type=normalize_url,
        help="the URL the page fetches (no scheme: http://, as curl)",
    )  # fmt: skip
    parser.add_argument(
        "--origin", metavar="ORIGIN", help="the page's origin, e.g. https://app.example.com"
    )
    parser.add_argument(
        "-X", "--request", dest="method", metavar="METHOD", default="GET",
        help="the method the page uses (as written in fetch(); default GET)",
    )  # fmt: skip
    parser.add_argument(
        "-H", "--header", dest="headers", action="append", default=[], metavar="'Name: value'",
        help="a header the page's script sets (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--credentials", action="store_true",
        help="the page uses credentials: 'include' (cookies); no cookies are actually sent",
    )  # fmt: skip
    parser.add_argument(
        "--resolve", action="append", default=[], metavar="HOST:PORT:ADDRESS",
        help="connect to ADDRESS for HOST:PORT, keeping Host and TLS SNI (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "-k", "--insecure", action="store_true", help="do not verify TLS certificates"
    )
    parser.add_argument(
        "--format", type=format_type(("text", "json", "jsonl")), default="text",
        help="text (default), json (a document), or jsonl (one line; with --har one a request)",
    )  # fmt: skip
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )
    parser.add_argument(
        "--policy", metavar="FILE",
        help="answer from this policy (TOML, or pyproject.toml's [tool.corsguard]), offline",
    )  # fmt: skip
    parser.add_argument(
        "--app", metavar="MODULE:ATTR",
        help="run the request in-process against this ASGI/WSGI app (e.g. main:app), offline",
    )  # fmt: skip
    parser.add_argument(
        "--send", action="store_true",
        help="also send an actual request that is not GET or HEAD (it may change data)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S",
        help="seconds for each request, all included (default 10)",
    )  # fmt: skip
    parser.add_argument(
        "--har", metavar="FILE", help="explain every cross-origin request in a HAR file, offline"
    )


# --- Arguments ----------------------------------------------------------------------------


def parse_origin_arg(text: str) -> str:
    """The browser's serialization of --origin, or UsageError."""
    text = text.strip()
    if text == "null":
        return text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--origin {text!r}: expected an origin such as https://app.example.com or null"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise UsageError(
            f"--origin {text!r}: an origin has no path, query or user name; "
            f"use {serialize_url_origin(text)}"
        )
    origin = serialize_url_origin(text)
    if origin == "null":
        raise UsageError(f"--origin {text!r} is not a valid origin")
    return origin


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"URL {url!r}: expected an http:// or https:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UsageError(f"URL {url!r} has an invalid port") from None


# --- Untrusted values in fixes and output ----------------------------------------------
#
# Header values, Location URLs and everything in a HAR file are written by the server or by
# whoever made the file. They are decoded where read (http_client, har); here they are
# escaped for each output, and a URL copied from them is only ever proposed as a fix when
# it is a plain http(s) URL: a fix saying `Location: javascript:...` or `file:///etc/passwd`
# would have the user deploy the attacker's choice.

LOCATION_PLACEHOLDER = "<an http(s) URL without user name or password>"
ORIGIN_PLACEHOLDER = "<the page's origin>"
# Characters a URL proposed as a fix may hold as they are: printable ASCII except those the
# URL standard percent-encodes in a path or query, plus backslash (some parsers treat it as
# a slash). Anything else is percent-encoded as UTF-8.
_NOT_IN_URL = re.compile(r'[^\x21-\x7e]|["<>\\^`{|}]')
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.\-_]*[a-z0-9])?|[0-9a-f:.]+")
_HTTP_WS = " \t\r\n"  # Fetch, "HTTP whitespace": trimmed from a Location value


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{b:02X}" for b in match.group().encode("utf-8", "surrogatepass"))


def safe_http_url(url: str, *, drop_userinfo: bool = False) -> str | None:
    """``url`` as a plain, percent-encoded http(s) URL fit to propose as a fix, or None.

    None for another scheme (javascript:, data:, file:, ...), a relative or unparsable URL,
    a host that is not an ASCII name or an IP address, and a user name or password (unless
    ``drop_userinfo``, which removes it: Fetch, "HTTP-redirect fetch", makes a CORS
    request's redirect to a URL with credentials a network error).
    """
    try:
        parts = urlsplit(url.strip(_HTTP_WS))
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme.lower() not in ("http", "https") or not host or not _HOST.fullmatch(host):
        return None
    if "@" in parts.netloc:
        if not drop_userinfo:
            return None
        parts = parts._replace(netloc=parts.netloc.rpartition("@")[2])
    return _NOT_IN_URL.sub(_percent, parts.geturl())


def _shown_reference(location: str) -> str | None:
    """How a Location value may appear in a fix's text; None to leave it as it is.

    A relative reference resolves against an http(s) URL and stays; an absolute one is
    replaced by its sanitised form, or by a placeholder when it is not plain http(s).
    """
    try:
        parts = urlsplit(location.strip(_HTTP_WS))
    except ValueError:
        return LOCATION_PLACEHOLDER
    if not parts.scheme and "@" not in parts.netloc:
        return None
    return safe_http_url(location) or LOCATION_PLACEHOLDER


def safe_fix(fix: Fix, locations: Iterable[str] = ()) -> Fix:
    """``fix`` with no URL from the input proposed unless it is a plain http(s) URL."""
    header = (fix.header or "").lower() if fix.kind == "header" else ""
    value, text = fix.value, fix.text
    if header == "location" and value is not None:
        value = safe_http_url(value, drop_userinfo=True) or LOCATION_PLACEHOLDER
    elif (
        header == "access-control-allow-origin"
        and value
        and value not in ("*", "null")
        and not is_serialized_origin(value)
    ):
        text = text.replace(value, ORIGIN_PLACEHOLDER)
        value = ORIGIN_PLACEHOLDER
    for location in locations:
        for form in sorted({location, location.strip(_HTTP_WS)}, key=len, reverse=True):
            shown = _shown_reference(form) if form and form in text else None
            if shown is not None:
                text = text.replace(form, shown)
    if value == fix.value and text == fix.text:
        return fix
    return replace(fix, value=value, text=text)


def safe_fixes(verdict: Verdict, locations: Sequence[str] = ()) -> list[Fix]:
    return [safe_fix(f, locations) for f in verdict.fixes]


# JSON: json.dumps(ensure_ascii=False) escapes only C0 controls, quote and backslash; DEL,
# C1 controls, BiDi and other format characters, separators and surrogates would be written
# raw. Only those characters are looked at (the document's own structure is printable ASCII).
_JSON_SUSPECT = re.compile(r"[^\x20-\x7e\n]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char.isprintable():
        return char
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        # A lone surrogate has no valid \u escape (strict parsers refuse "\ud800"): write
        # it as corsguard.untrusted shows it, as text.
        return json.dumps(clean_text(char))[1:-1]
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps_json(doc: Any, indent: int | None = 2) -> str:
    """``doc`` as JSON that strict parsers accept, with no raw control or format character."""
    return _JSON_SUSPECT.sub(_json_escape, json.dumps(doc, indent=indent, ensure_ascii=False))


# --- Rendering ----------------------------------------------------------------------------


def _looked(check_looked: Sequence[tuple[str, str | None]]) -> list[dict[str, str | None]]:
    return [{"name": name, "value": value} for name, value in check_looked]


def _fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "kind": fix.kind,
        "header": fix.header,
        "value": fix.value,
        "where": fix.where,
        "line": fix.line,
        "text": fix.text,
    }


def _outgoing_json(outgoing: Outgoing | None) -> dict[str, Any] | None:
    if outgoing is None:
        return None
    return {
        "method": outgoing.method,
        "url": outgoing.url,
        "headers": [[n, v] for n, v in outgoing.headers],
    }


def verdict_json(
    request: Request,
    verdict: Verdict,
    exchanges: Sequence[dict[str, Any]] = (),
    locations: Sequence[str] = (),
) -> dict[str, Any]:
    """The stable JSON document for one explained request (see docs/explain.md).

    ``locations`` are the Location values the responses carried: a fix never repeats one
    that is not a plain http(s) URL. Serialize the document with :func:`dumps_json`.
    """
    failed = verdict.failed
    fixes = safe_fixes(verdict, locations)
    return {
        "version": JSON_VERSION,
        "allowed": verdict.allowed,
        "outcome": verdict.outcome,
        "complete": verdict.complete,
        "request": {
            "origin": request.origin,
            "url": request.url,
            "method": request.method,
            "headers": [[n, v] for n, v in request.headers],
            "credentials": request.credentials,
            "mode": request.mode,
        },
        "cross_origin": verdict.cross_origin,
        "preflight": {
            "needed": verdict.preflight.needed,
            "reasons": list(verdict.preflight.reasons),
            "outcome": verdict.preflight.outcome,
            "status": verdict.preflight.status,
            "cache_seconds": verdict.preflight.cache_seconds,
            "request": _outgoing_json(verdict.preflight.request),
        },
        "checks": [
            {
                "id": c.id,
                "step": c.step,
                "name": c.name,
                "hop": c.hop,
                "passed": c.passed,
                "reason": c.reason,
                "looked_at": _looked(c.looked_at),
            }
            for c in verdict.checks
        ],
        "failed": failed.id if failed else None,
        "fix": _fix_json(fixes[0]) if fixes else None,
        "fixes": [_fix_json(f) for f in fixes],
        "readable_headers": list(verdict.readable_headers),
        "dropped_headers": list(verdict.dropped_headers),
        "redirects": list(verdict.redirects),
        "effective_origin": verdict.effective_origin,
        "exchanges": list(exchanges),
        "notes": list(verdict.notes),
    }


class _Style:
    def __init__(self, stream: TextIO, on: bool | None = None) -> None:
        if on is None:
            isatty = getattr(stream, "isatty", None)
            on = bool(isatty and isatty()) and "NO_COLOR" not in os.environ
        self.on = on

    def __call__(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text


def render_text(
    request: Request,
    verdict: Verdict,
    exchanges: Sequence[dict[str, Any]],
    out: TextIO,
    extra_notes: Sequence[str] = (),
    *,
    locations: Sequence[str] = (),
    color: bool | None = None,
    policy: PolicyReport | None = None,
    not_proven: str | None = None,
) -> None:
    """The human report. Every value from the server, a HAR file or the command line goes
    through for_terminal, so no escape sequence, C1 control or BiDi override reaches the
    terminal (CVE-2021-42574 for the BiDi part); corsguard's own colours are added after."""
    style = _Style(out, color)
    t = for_terminal
    w = out.write
    creds = {"include": "include (cookies)", "omit": "omit", "same-origin": "same-origin"}
    w(
        f"{t(request.method)} {t(request.url)}\n  from page origin {t(request.origin)}, "
        f"credentials: {creds[request.credentials]}\n"
    )
    for ex in exchanges:
        status = ex["status"]
        shown = "not sent" if not ex["sent"] else str(status)
        kind = style("2", "(" + ex["kind"] + ")")
        w(f"  {'→':>2} {t(ex['method'])} {t(ex['url'])}  {kind} {shown}\n")
    w("\n")
    failed = verdict.failed
    for check in verdict.checks:
        mark = style("32", "✓") if check.passed else style("1;31", "✗")
        label = check.id + (f" [hop {check.hop}]" if check.hop else "")
        line = f"  {mark} {label}: {t(check.reason)}"
        if check is failed:
            line = style("1;31", f"  ✗ {label}: {t(check.reason)}")
        w(line + "\n")
        if not check.passed:
            for name, value in check.looked_at:
                shown_value = t(value) if value is not None else "(missing)"
                w(f"        {t(name)}: {shown_value}\n")
    w("\n")
    if verdict.allowed:
        w(style("1;32", "ALLOWED") + ": the script can read the response.\n")
        readable = ", ".join(t(h) for h in verdict.readable_headers) or "none"
        w(f"  Readable headers: {readable}\n")
    elif failed is not None:
        w(style("1;31", "BLOCKED") + f" by {failed.id}: {t(failed.reason)}\n")
    elif not verdict.complete and not_proven is not None:
        w(style("1;33", "NOT PROVEN") + f": {t(not_proven)}\n")
    elif not verdict.complete:
        w(
            style("1;33", "NOT PROVEN")
            + f": the actual {t(verdict.final_method)} request was not sent, so the browser's "
            "check on its response cannot be shown. Rerun with --send to send it (it may "
            "change data on the server).\n"
        )
    else:
        w(style("1;33", "OPAQUE") + ": fetch() resolves, but the script cannot read it.\n")
    if policy is not None:
        _render_policy(policy, verdict, w, style)
    fixes = safe_fixes(verdict, locations)
    if policy is not None and (policy.fixes or verdict.allowed):
        fixes = []  # the policy's terms replace the header lines
    if fixes:
        w("\nFix:\n")
        for fix in fixes:
            if fix.kind == "header":
                w(f"  {style('1', t(fix.line))}\n      ({t(fix.text)})\n")
            else:
                w(f"  {t(fix.text)}\n")
    notes = [*verdict.notes, *extra_notes]
    if notes:
        w("\nNotes:\n")
        for note in notes:
            w(f"  - {t(note)}\n")


def _render_policy(
    report: PolicyReport, verdict: Verdict, w: Callable[[str], object], style: _Style
) -> None:
    t = for_terminal
    route = f", route {t(report.route)}" if report.route else ""
    w(f"\nPolicy ({t(report.source)}{route}):\n")
    for item in report.items:
        mark = style("32", "✓") if item.ok else style("1;31", "✗")
        w(f"  {mark} {t(item.option)}: {t(item.text)}\n")
    if not report.fixes:
        return
    w("\nFix (in the policy):\n")
    for fix in report.fixes:
        w(f"  {style('1', t(fix.text))}\n")
        if fix.header:
            w(f"      (the engine then sends {t(fix.header)})\n")
    if report.verified is True:
        w("  Checked: with these changes the browser allows the request.\n")
    elif report.verified is False:
        w("  With these changes alone the browser still blocks the request: see the notes.\n")
    for note in report.notes:
        w(f"  - {t(note)}\n")


# --- Running ------------------------------------------------------------------------------


def _resolve_map(items: Sequence[str]) -> dict[tuple[str, int], str]:
    mapping: dict[tuple[str, int], str] = {}
    for raw in items:
        host, port, address = parse_resolve(raw)
        mapping[(host, port)] = address
    return mapping


def _wire_headers(outgoing: Outgoing) -> list[tuple[str, str]]:
    """The header lines a browser sends besides the model's (User-Agent; no cookies)."""
    return [*outgoing.headers, ("User-Agent", f"corsguard-explain/{__version__}")]


def explain_live(
    request: Request,
    *,
    resolve: dict[tuple[str, int], str],
    insecure: bool,
    timeout: float,
    send_unsafe: bool,
    locations: list[str] | None = None,
) -> tuple[Verdict, list[dict[str, Any]]]:
    """Drive the model with real HTTP. Raises http_client.NetworkError.

    Only the status line and headers are read: the verdict depends on nothing else, so a
    body that is short, slow or never sent changes nothing. Each Location a response
    carried is appended to ``locations`` (for :func:`safe_fix`).
    """
    from corsguard.http_client import send

    exchanges: list[dict[str, Any]] = []
    gen = simulate(request)
    answer: Response | None = None
    try:
        outgoing = next(gen)
        while True:
            if (
                outgoing.kind == "actual"
                and outgoing.method not in SAFE_METHODS
                and not send_unsafe
            ):
                answer = None
                exchanges.append(
                    {"kind": outgoing.kind, "method": outgoing.method, "url": outgoing.url,
                     "status": None, "sent": False}
                )  # fmt: skip
            else:
                answer = send(
                    outgoing.method,
                    outgoing.url,
                    _wire_headers(outgoing),
                    resolve=resolve,
                    insecure=insecure,
                    timeout=timeout,
                )
                if locations is not None and answer.redirect_location is not None:
                    locations.append(answer.redirect_location)
                exchanges.append(
                    {"kind": outgoing.kind, "method": outgoing.method, "url": outgoing.url,
                     "status": answer.status, "sent": True}
                )  # fmt: skip
            outgoing = gen.send(answer)
    except StopIteration as stop:
        verdict: Verdict = stop.value
        return verdict, exchanges


def _exit_code(verdict: Verdict) -> int:
    return 0 if verdict.allowed else 1


def run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= 600:  # also refuses nan
        raise UsageError("--timeout must be more than 0 and at most 600 seconds")
    if args.har:
        if args.policy or args.app:
            raise UsageError("--policy and --app explain one URL; they do not apply to --har")
        return _run_har(args)
    if not args.url:
        raise UsageError("give a URL to explain (or --har FILE)")
    if not args.origin:
        raise UsageError("--origin is required: the origin of the page that makes the request")
    _check_url(args.url)
    origin = parse_origin_arg(args.origin)
    headers = [parse_header(h) for h in args.headers]
    resolve = _resolve_map(args.resolve)
    credentials: Credentials = "include" if args.credentials else "same-origin"
    request = Request(origin, args.url, args.method, tuple(headers), credentials, "cors")
    extra: list[str] = []
    if origin != args.origin.strip():
        extra.append(f"--origin was normalised to the browser's form {origin}")
    if args.policy or args.app:
        return _run_offline(args, request, extra)
    from corsguard.http_client import NetworkError

    locations: list[str] = []
    try:
        verdict, exchanges = explain_live(
            request,
            resolve=resolve,
            insecure=args.insecure,
            timeout=args.timeout,
            send_unsafe=args.send,
            locations=locations,
        )
    except NetworkError as exc:
        print(f"corsguard explain: error: {for_terminal(str(exc))}", file=sys.stderr)
        return 2
    if args.credentials:
        extra.append(
            "explain never sends cookies; --credentials applies the browser's credentialed checks"
        )
    if args.format in ("json", "jsonl"):
        doc = verdict_json(request, verdict, exchanges, locations)
        doc["notes"].extend(extra)
        print(dumps_json(doc, indent=2 if args.format == "json" else None))
    else:
        render_text(request, verdict, exchanges, sys.stdout, extra, locations=locations)
    return _exit_code(verdict)


# The URL standard's path and query percent-encode sets, for the characters that matter
# here: C0 controls, space, non-ASCII, and " < > ` (plus { } in a path); '#' cannot occur
# (urlsplit took the fragment off).
_PATH_ENCODE = re.compile(r'[^\x21-\x7e]|["<>`{}]')
_QUERY_ENCODE = re.compile(r'[^\x21-\x7e]|["<>`]')


def _as_browser_sends(url: str) -> str:
    """``url`` as the browser's URL parser leaves it: non-ASCII path and query percent-encoded
    as UTF-8, an internationalised host in its ASCII (IDNA) form. The in-process request
    is then what an app behind a server receives."""
    parts = urlsplit(url)
    netloc = parts.netloc
    host = parts.hostname or ""
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UsageError(f"URL {url!r}: the host {host!r} is not a valid domain") from None
        netloc = netloc.replace(host, ascii_host) if host in netloc else ascii_host
    path = _PATH_ENCODE.sub(_percent, parts.path)
    query = _QUERY_ENCODE.sub(_percent, parts.query)
    return parts._replace(netloc=netloc, path=path, query=query, fragment="").geturl()


def _run_offline(args: argparse.Namespace, request: Request, extra: list[str]) -> int:
    """--policy / --app: nothing goes over the network (see corsguard.explain_policy)."""
    from corsguard.appload import AppLoadError, find_policy, load_app
    from corsguard.explain_policy import diagnose, policy_app, run_app

    request = replace(request, url=_as_browser_sends(request.url))

    if args.resolve or args.insecure:
        raise UsageError(
            "--resolve and -k apply to requests over the network, not to --policy/--app"
        )
    policy = load_policy_file(args.policy) if args.policy else None
    source = f"policy file {args.policy}" if args.policy else ""
    # The user's code prints what it likes (start-up banners, debug output): to stderr, so
    # that stdout holds only the report (a JSON document stays parsable).
    user_code = contextlib.redirect_stdout(sys.stderr)
    if args.app:
        try:
            with user_code:
                app = load_app(args.app)
                found = find_policy(app, urlsplit(request.url).path or "/", request.method)
        except AppLoadError as exc:
            raise UsageError(str(exc)) from None
        if policy is None and found is not None:
            policy, source = found.policy, f"{found.source} in {args.app}"
        elif policy is None:
            extra.append(
                f"no corsguard policy was found in {args.app} (corsguard.asgi/wsgi "
                "CORSMiddleware, Flask CORSGuard, Django settings.CORSGUARD): the verdict is "
                "the app's, and the fixes are response headers; give --policy FILE to name "
                "the options"
            )
        # The user's own app: an actual request other than GET/HEAD runs its handler, which
        # may change data (a development database), so it needs --send as over HTTP.
        target: Any = app
        send_unsafe = bool(args.send)
    else:
        assert policy is not None  # --policy was given
        target = policy_app(policy)
        send_unsafe = True  # the stub behind the policy has nothing to change
    try:
        with user_code:
            verdict, exchanges = run_app(target, request, send_unsafe=send_unsafe)
    except Exception as exc:  # the user's app raised: say so, no traceback
        if not args.app:
            raise
        raise UsageError(
            f"the app {args.app} raised {type(exc).__name__} while answering: {exc}"[:500]
        ) from None
    report: PolicyReport | None = diagnose(policy, request, source) if policy else None
    if report is not None and report.fixes and verdict.allowed:
        extra.append(
            f"the app allows this request although {report.source} does not grant it: "
            "something besides corsguard's policy adds the CORS headers (another CORS "
            "middleware, a handler, a proxy rule in the app)"
        )
        report.fixes = []
    if report is not None and verdict.preflight.outcome == "passed":
        # The app's own preflight answer passed: what the policy alone would refuse there
        # is granted by something else, and changing the policy would change nothing.
        options = ("allow_methods", "allow_headers")
        moot = [f for f in report.fixes if f.option.rpartition(".")[2] in options]
        if moot and not verdict.allowed:
            extra.append(
                "the app's preflight answer passed although "
                + ", ".join(f"{f.option} lacks {f.value!r}" for f in moot)
                + ": something besides corsguard's policy answers preflights"
            )
        report.fixes = [f for f in report.fixes if f not in moot]
    if report is not None and report.fixes and verdict.preflight.status == 403:
        extra.append(
            "corsguard refuses a preflight as a whole (403, no CORS headers) when any part of "
            "it is not granted, so the browser fails every check on it: the Policy section "
            "names the option that is the cause"
        )
    failed = verdict.failed
    if (
        report is not None
        and failed is not None
        and failed.step != "request"  # fetch() refused the request itself: no app involved
        and report.grants
    ):
        extra.append(
            f"the policy grants this request, yet the app's answer fails {failed.id}"
            ": something besides corsguard's policy answers it (another CORS middleware, "
            "a proxy rule, a handler that sets its own headers, an error before the "
            "middleware); the header fixes below say what the response lacks"
        )
    if args.format in ("json", "jsonl"):
        doc = verdict_json(request, verdict, _shown_exchanges(exchanges))
        doc["notes"].extend(extra)
        if report is not None:
            doc["policy"] = _policy_json(report)
            if report.fixes:
                doc["fixes"] = [_policy_fix_json(f) for f in report.fixes]
                doc["fix"] = doc["fixes"][0]
        print(dumps_json(doc, indent=2 if args.format == "json" else None))
    else:
        render_text(request, verdict, _shown_exchanges(exchanges), sys.stdout, extra, policy=report)
    return _exit_code(verdict)


def _shown_exchanges(exchanges: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in ex.items() if k != "headers"} for ex in exchanges]


def _policy_fix_json(fix: Any) -> dict[str, Any]:
    return {
        "kind": "policy",
        "option": fix.option,
        "action": fix.action,
        "value": fix.value,
        "line": fix.text,
        "text": fix.text,
        "sends": fix.header,
        "header": None,
        "where": "policy",
    }


def _policy_json(report: Any) -> dict[str, Any]:
    return {
        "source": report.source,
        "route": report.route,
        "grants": report.grants,
        "options": [{"option": i.option, "ok": i.ok, "text": i.text} for i in report.items],
        "fixes": [_policy_fix_json(f) for f in report.fixes],
        "verified": report.verified,
        "notes": list(report.notes),
    }


def _har_item_json(result: Explained) -> str:
    body = verdict_json(result.request, result.verdict, (), result.locations)
    body["notes"].extend(result.notes)
    item: dict[str, Any] = {"har_index": result.entry.index, "origin_from": result.origin_source}
    item.update(body)
    # One line per request: json's C encoder only runs without indentation (the indenting
    # encoder is pure Python and was most of the time for a large file).
    return dumps_json(item, indent=None)


def _har_not_proven(result: Explained) -> str:
    failure = result.entry.failure
    if failure:
        return (
            f"the browser recorded the request as failed ({failure}): fetch() rejected, but "
            "the file does not show which check failed; the notes say what is unknown and "
            "how to find out"
        )
    return (
        "the HAR file does not show all the browser's checks need; the notes say what is "
        "unknown and how to find out"
    )


def _har_item_text(result: Explained, number: int, color: bool) -> str:
    buffer = io.StringIO()
    where = f"HAR entry {result.entry.index}, origin from the {result.origin_source}"
    buffer.write(f"[{number}] {where}\n")
    render_text(
        result.request, result.verdict, [], buffer, result.notes,
        locations=result.locations, color=color,
        not_proven=_har_not_proven(result),
    )  # fmt: skip
    buffer.write("\n")
    return buffer.getvalue()


def _run_har(args: argparse.Namespace) -> int:
    """Explain each entry and write its result at once: output grows with the file, memory
    does not (beyond the parsed file), and a failure on one entry is reported for that entry
    while the others are still explained."""
    from corsguard.har import EntryError, HarError, explain_har, load_har

    if args.url:
        raise UsageError("give either a URL or --har FILE, not both")
    try:
        har = load_har(args.har)
    except HarError as exc:
        raise UsageError(f"--har: {exc}") from None
    only = parse_origin_arg(args.origin) if args.origin else None
    out = sys.stdout
    color = _Style(out).on
    explained = blocked = 0
    errors: list[EntryError] = []
    if args.format == "json":
        out.write(f'{{"version": {JSON_VERSION}, "requests": [')

    def failed(error: EntryError) -> None:
        errors.append(error)
        if args.format == "text":
            out.write(f"HAR entry {error.index}: error: {for_terminal(error.message)}\n\n")
        elif args.format == "jsonl":
            item = {"har_index": error.index, "error": error.message}
            out.write(dumps_json(item, indent=None) + "\n")

    for result in explain_har(har, "include" if args.credentials else None):
        if isinstance(result, EntryError):
            failed(result)
            continue
        if only is not None and result.request.origin != only:
            continue
        try:
            if args.format == "jsonl":
                chunk = _har_item_json(result) + "\n"
            elif args.format == "json":
                chunk = ("\n" if explained == 0 else ",\n") + _har_item_json(result)
            else:
                chunk = _har_item_text(result, explained + 1, color)
        except Exception as exc:  # one entry's report must not stop the others
            failed(EntryError(result.entry.index, f"cannot report this entry: {exc!r}"[:300]))
            continue
        out.write(chunk)
        explained += 1
        blocked += not result.verdict.allowed
    if args.format == "jsonl":
        pass  # one line a request or error, nothing around them
    elif args.format == "json":
        error_items = [{"har_index": e.index, "error": e.message} for e in errors]
        out.write(
            ("\n], " if explained else "], ")
            + '"errors": '
            + dumps_json(error_items, indent=None)
            + f', "allowed": {"false" if blocked or errors else "true"}}}\n'
        )
    else:
        if not explained:
            print(
                f"{for_terminal(args.har)}: no cross-origin CORS requests found "
                f"({har.total} entries)"
            )
        else:
            print(f"{explained - blocked} allowed, {blocked} blocked or not proven")
    if errors:
        print(
            f"corsguard explain: error: {len(errors)} of {har.total} HAR entries could not be "
            "read or explained (each is reported in place); the other results are complete",
            file=sys.stderr,
        )
        return 2
    return 1 if blocked else 0
