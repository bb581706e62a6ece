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
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO
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
from corsguard.cliargs import parse_header, parse_resolve

JSON_VERSION = 1
SAFE_METHODS = ("GET", "HEAD")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", nargs="?", metavar="URL", help="the URL the page fetches")
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
    parser.add_argument("--json", action="store_true", help="print a JSON document")
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
    request: Request, verdict: Verdict, exchanges: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """The stable JSON document for one explained request (see docs/explain.md)."""
    failed = verdict.failed
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
        "fix": _fix_json(verdict.fix) if verdict.fix else None,
        "fixes": [_fix_json(f) for f in verdict.fixes],
        "readable_headers": list(verdict.readable_headers),
        "dropped_headers": list(verdict.dropped_headers),
        "redirects": list(verdict.redirects),
        "effective_origin": verdict.effective_origin,
        "exchanges": list(exchanges),
        "notes": list(verdict.notes),
    }


class _Style:
    def __init__(self, stream: TextIO) -> None:
        isatty = getattr(stream, "isatty", None)
        self.on = bool(isatty and isatty()) and "NO_COLOR" not in os.environ

    def __call__(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text


def render_text(
    request: Request,
    verdict: Verdict,
    exchanges: Sequence[dict[str, Any]],
    out: TextIO,
    extra_notes: Sequence[str] = (),
) -> None:
    style = _Style(out)
    w = out.write
    creds = {"include": "include (cookies)", "omit": "omit", "same-origin": "same-origin"}
    w(
        f"{request.method} {request.url}\n  from page origin {request.origin}, "
        f"credentials: {creds[request.credentials]}\n"
    )
    for ex in exchanges:
        status = ex["status"]
        shown = "not sent" if not ex["sent"] else str(status)
        w(f"  {'→':>2} {ex['method']} {ex['url']}  {style('2', '(' + ex['kind'] + ')')} {shown}\n")
    w("\n")
    failed = verdict.failed
    for check in verdict.checks:
        mark = style("32", "✓") if check.passed else style("1;31", "✗")
        label = check.id + (f" [hop {check.hop}]" if check.hop else "")
        line = f"  {mark} {label}: {check.reason}"
        if check is failed:
            line = style("1;31", f"  ✗ {label}: {check.reason}")
        w(line + "\n")
        if not check.passed:
            for name, value in check.looked_at:
                w(f"        {name}: {value if value is not None else '(missing)'}\n")
    w("\n")
    if verdict.allowed:
        w(style("1;32", "ALLOWED") + ": the script can read the response.\n")
        w("  Readable headers: " + (", ".join(verdict.readable_headers) or "none") + "\n")
    elif failed is not None:
        w(style("1;31", "BLOCKED") + f" by {failed.id}: {failed.reason}\n")
    elif not verdict.complete:
        w(
            style("1;33", "NOT PROVEN")
            + f": the actual {verdict.final_method} request was not sent, so the browser's "
            "check on its response cannot be shown. Rerun with --send to send it (it may "
            "change data on the server).\n"
        )
    else:
        w(style("1;33", "OPAQUE") + ": fetch() resolves, but the script cannot read it.\n")
    if verdict.fixes:
        w("\nFix:\n")
        for fix in verdict.fixes:
            if fix.kind == "header":
                w(f"  {style('1', fix.line)}\n      ({fix.text})\n")
            else:
                w(f"  {fix.text}\n")
    notes = [*verdict.notes, *extra_notes]
    if notes:
        w("\nNotes:\n")
        for note in notes:
            w(f"  - {note}\n")


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
) -> tuple[Verdict, list[dict[str, Any]]]:
    """Drive the model with real HTTP. Raises http_client.NetworkError."""
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
    from corsguard.http_client import NetworkError

    try:
        verdict, exchanges = explain_live(
            request,
            resolve=resolve,
            insecure=args.insecure,
            timeout=args.timeout,
            send_unsafe=args.send,
        )
    except NetworkError as exc:
        print(f"corsguard explain: error: {exc}", file=sys.stderr)
        return 2
    extra: list[str] = []
    if origin != args.origin.strip():
        extra.append(f"--origin was normalised to the browser's form {origin}")
    if args.credentials:
        extra.append(
            "explain never sends cookies; --credentials applies the browser's credentialed checks"
        )
    if args.json:
        doc = verdict_json(request, verdict, exchanges)
        doc["notes"].extend(extra)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        render_text(request, verdict, exchanges, sys.stdout, extra)
    return _exit_code(verdict)


def _run_har(args: argparse.Namespace) -> int:
    from corsguard.har import HarError, explain_har, load_har

    if args.url:
        raise UsageError("give either a URL or --har FILE, not both")
    try:
        entries = load_har(args.har)
    except HarError as exc:
        raise UsageError(f"--har: {exc}") from None
    results = explain_har(entries, "include" if args.credentials else None)
    if args.origin:
        origin = parse_origin_arg(args.origin)
        results = [r for r in results if r.request.origin == origin]
    blocked = [r for r in results if not r.verdict.allowed]
    if args.json:
        items = []
        for r in results:
            body = verdict_json(r.request, r.verdict)
            body["notes"].extend(r.notes)
            item: dict[str, Any] = {"har_index": r.entry.index, "origin_from": r.origin_source}
            item.update(body)
            items.append(item)
        doc = {"version": JSON_VERSION, "allowed": not blocked, "requests": items}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        if not results:
            print(f"{args.har}: no cross-origin CORS requests found ({len(entries)} entries)")
        for number, r in enumerate(results, 1):
            where = f"HAR entry {r.entry.index}, origin from the {r.origin_source}"
            print(f"[{number}/{len(results)}] {where}")
            render_text(r.request, r.verdict, [], sys.stdout, r.notes)
            print()
        if results:
            print(f"{len(results) - len(blocked)} allowed, {len(blocked)} blocked or not proven")
    return 1 if blocked else 0
