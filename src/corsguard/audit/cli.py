"""`corsguard audit URL... [-i FILE|-]`: find CORS holes in live endpoints, with evidence.

Exit status (docs/audit.md, "Exit status"): 2 when the run cannot be done (bad arguments,
unreadable input) or audited nothing (every target is an error entry); otherwise 1 when a
finding is at or above --fail-on (default medium); otherwise 3 when some target is an error
entry (a gate must not pass over what it could not check), unless --allow-errors; else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, unquote, urlsplit

from corsguard.audit.model import (
    MAX_REQUESTS,
    Target,
    TargetError,
    TargetReport,
    build_trust,
    parse_trusted,
    url_origin,
)
from corsguard.audit.output import (
    FORMATS,
    Summary,
    jsonl_line,
    render_json,
    render_sarif,
    render_table,
)
from corsguard.audit.poc import PocDirError, prepare_poc_dir
from corsguard.audit.prober import AuditOptions, Collected, Item, audit_stream
from corsguard.audit.prove import (
    BrowserUnavailable,
    ProveSettings,
    find_browser,
    is_local_address,
    pinned_address,
    prove_stream,
)
from corsguard.audit.transport import AppTransport
from corsguard.cli import UsageError
from corsguard.cliargs import (
    format_type,
    load_policy_file,
    normalize_url,
    parse_header,
    parse_resolve,
)
from corsguard.findings import Severity
from corsguard.inprocess import LifespanFailed
from corsguard.origin import OriginPattern
from corsguard.untrusted import for_terminal, text_from_bytes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        help="endpoints to audit (with --app: PATHs such as /api/items)",
    )
    parser.add_argument(
        "--app",
        metavar="MODULE:ATTR",
        help="audit this ASGI/WSGI app in-process, no server (e.g. main:app); without PATHs, "
        "its GET routes without parameters (Starlette/FastAPI, Flask, Django)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help=f"with --app: the scheme and host the app is audited under (default {BASE_URL})",
    )
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="take the trusted origins from this corsguard policy (TOML, or pyproject.toml's "
        "[tool.corsguard]); its routes' origins for the paths under them",
    )
    parser.add_argument(
        "-i", "--input", metavar="FILE", help="read URLs from FILE, one a line ('-': stdin)"
    )
    parser.add_argument(
        "--origin",
        action="append",
        default=[],
        metavar="TRUSTED",
        help="a legitimate front end (exact origin or https://*.example.com pattern); repeatable",
    )
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="add a header (cookie, token) to every probe; repeatable",
    )
    parser.add_argument(
        "--resolve",
        action="append",
        default=[],
        metavar="HOST:PORT:ADDRESS",
        help="connect to ADDRESS for HOST:PORT (Host and TLS name unchanged); repeatable",
    )
    parser.add_argument(
        "-k", "--insecure", action="store_true", help="do not verify TLS certificates"
    )
    parser.add_argument(
        "--format",
        type=format_type(("table", "json", "jsonl", "sarif"), {"text": "table"}),
        default="table",
        help="text (default; also called table), json, jsonl or sarif",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--concurrency", default="20", metavar="N", help="targets audited at once (default 20)"
    )
    parser.add_argument(
        "--rate", metavar="PER_SECOND", help="at most this many requests per second in all"
    )
    parser.add_argument(
        "--timeout", default="10", metavar="SECONDS", help="per request (default 10)"
    )
    parser.add_argument(
        "--fail-on",
        default="medium",
        metavar="low|medium|high",
        help="exit 1 when a finding is at least this severe (default medium)",
    )
    parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="exit 0 (not 3) when some targets could not be audited and nothing else fails",
    )
    parser.add_argument(
        "--no-cache-key",
        action="store_true",
        help="do not add ?corsguard=<random> to probe URLs (for targets that refuse unknown "
        "parameters; probes may then be served from, and stored in, shared caches)",
    )
    parser.add_argument(
        "--cache-check",
        action="store_true",
        help="also check whether a shared cache serves one origin's CORS answer to another "
        "(primes and reads keys of the audit's own, never the real URL; needs cache keys)",
    )
    parser.add_argument(
        "--follow-redirects",
        action="store_true",
        help="audit the final URL of same-site redirects instead of reporting the redirect",
    )
    parser.add_argument(
        "--keep-bodies",
        action="store_true",
        help="with --prove: keep the first characters of response bodies in the report "
        "(default: only their length, content type and JSON keys)",
    )
    parser.add_argument(
        "--prove",
        nargs="?",
        const="default",
        metavar="all",
        help="replay medium and high findings (--prove=all: every finding) in headless Chromium",
    )
    parser.add_argument(
        "--browser", metavar="PATH", help="the Chromium binary for --prove (default: chromium)"
    )
    parser.add_argument(
        "--poc-dir", metavar="DIR", help="with --prove: write a proof-of-concept page per proof"
    )


MAX_CONCURRENCY = 1000
MAX_TIMEOUT = 600.0

BASE_URL = "http://testserver"
"""--app's default scheme and host (the name Starlette's and Django's test clients use)."""


def _number(
    text: str,
    option: str,
    kind: type[int] | type[float],
    minimum: float,
    maximum: float = float("inf"),
) -> Any:
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not minimum <= value <= maximum:  # also refuses nan
        what = "a whole number" if kind is int else "a number"
        bound = f"of at least {minimum:g}"
        if maximum < float("inf"):
            bound = f"from {minimum:g} to {maximum:g}"
        raise UsageError(f"{option} {text!r}: expected {what} {bound}")
    return value


def _options(args: argparse.Namespace) -> AuditOptions:
    resolve = tuple(parse_resolve(raw) for raw in args.resolve)
    rate = None if args.rate is None else _number(args.rate, "--rate", float, 0.001)
    return AuditOptions(
        # One worker task per unit of concurrency; no time limit is no time limit at all.
        concurrency=_number(args.concurrency, "--concurrency", int, 1, MAX_CONCURRENCY),
        rate=rate,
        timeout=_number(args.timeout, "--timeout", float, 0.01, MAX_TIMEOUT),
        insecure=args.insecure,
        resolve=resolve,
        budget=MAX_REQUESTS,
        # One token per run, so nothing any real user requests shares a probe's cache entry.
        cache_key=None if args.no_cache_key else secrets.token_hex(6),
        follow_redirects=args.follow_redirects,
        cache_check=args.cache_check,
    )


def _patterns(texts: Sequence[str]) -> tuple[OriginPattern, ...]:
    try:
        return parse_trusted(texts)
    except ValueError as exc:
        raise UsageError(f"--origin: {exc}") from None


# The trusted origins of one target URL (--origin's for all, or --policy's for its path).
TrustFor = Callable[[str], tuple[OriginPattern, ...]]


def _policy_trust(path: str) -> TrustFor:
    """--policy FILE: each target trusts the origins of the policy that decides its path.

    A policy's ``routes`` give a path prefix origins of its own (engine.route_policy picks
    the route as the middleware does); '*' names no front end, so a target under it is
    audited black-box (its own site trusted), as without --origin; so is a route that
    grants no origin (a route inherits nothing from the top level).
    """
    from corsguard.engine import route_policy

    policy = load_policy_file(path)
    # Every origin list read now, in this thread: the targets are built in the feeder's.
    cache: dict[tuple[str, ...], tuple[OriginPattern, ...]] = {}
    for each in (policy, *policy.routes.values()):
        origins = each.allow_origins
        try:
            cache[origins] = () if "*" in origins else parse_trusted(origins)
        except ValueError as exc:  # validated by Policy already; kept as a clear error
            raise UsageError(f"--policy {path}: {exc}") from None

    def trust_for(url: str) -> tuple[OriginPattern, ...]:
        raw = urlsplit(url).path or "/"
        try:
            decided = route_policy(policy, unquote(raw), raw)
        except Exception:  # a path the engine cannot read: the policy's own origins
            decided = policy
        # A path the readings disagree on is decided by a strict policy with no origin.
        return cache.get(decided.allow_origins, ())

    return trust_for


NOT_TEXT = "this input line is not UTF-8 text"


def _lines(handle: IO[str]) -> Iterator[str]:
    for raw in handle:
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def _items(
    urls: Sequence[str],
    handle: IO[str] | None,
    trust_for: TrustFor,
    headers: tuple[tuple[str, str], ...],
    to_url: Callable[[str], str] | None = None,
) -> Iterator[Item]:
    """The targets, lazily: a bad line of the input file becomes an error entry.

    ``to_url`` (--app) turns each input line, a path, into the URL audited."""
    index = 0
    for url in urls:
        yield index, Target(url, build_trust(url, trust_for(url)), headers), None
        index += 1
    if handle is None:
        return
    for line in _lines(handle):
        if "\x00" in line or any("\udc80" <= c <= "\udcff" for c in line):
            # Undecodable bytes arrive as surrogates (see _open_input): one bad line is an
            # error entry, and the rest of the inventory is still audited.
            shown = text_from_bytes(line.encode("utf-8", "surrogateescape"))
            yield index, shown, NOT_TEXT
            index += 1
            continue
        try:
            url = line if to_url is None else to_url(line)
            yield index, Target(url, build_trust(url, trust_for(url)), headers), None
        except TargetError as exc:
            yield index, line, str(exc)
        index += 1


def _open_input(path: str | None) -> IO[str] | None:
    if path is None:
        return None
    if path == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a text-only stand-in (tests, embedding)
            return sys.stdin
        return io.TextIOWrapper(buffer, encoding="utf-8", errors="surrogateescape")
    try:
        return open(path, encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _open_output(path: str | None) -> IO[str]:
    if path is None:
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            # The report is valid Unicode, but a terminal or pipe in another encoding (LANG=C)
            # must not be able to refuse a character and so lose the whole report.
            with contextlib.suppress(Exception):
                reconfigure(errors="backslashreplace")
        return sys.stdout
    try:
        return open(path, "w", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


class _Progress:
    """A rich progress bar on stderr, only on a terminal and when the output is not piped."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self._bar: Any = None
        self._task: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("auditing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[found]} findings"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._bar.add_task("audit", total=total, found=0)
        self._found = 0

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, report: TargetReport) -> None:
        if self._bar is not None:
            self._found += len(report.findings)
            self._bar.update(self._task, advance=1, found=self._found)


def _trust(args: argparse.Namespace) -> TrustFor:
    """The trusted origins: --origin's, or --policy's (never both: which would win?)."""
    if args.policy is not None and args.origin:
        # The policy is the list of front ends the service trusts; an --origin beside it
        # would either be in it already or be one the service refuses. Fix the policy.
        raise UsageError(
            "--origin and --policy both give the trusted origins: give one (add a missing "
            "front end to the policy's allow_origins)"
        )
    if args.policy is not None:
        return _policy_trust(args.policy)
    patterns = _patterns(args.origin)
    return lambda url: patterns


@dataclass(frozen=True)
class AppTarget:
    """--app: the loaded app and the base URL its paths are audited under."""

    app: Any
    spec: str
    base: str

    def url(self, path: str) -> str:
        """The URL audited for ``path`` (TargetError for what is not a path)."""
        text = path.strip()
        if "://" in text:
            raise TargetError(
                f"{text!r}: with --app give paths such as /api/items (--base-url sets the "
                "scheme and host)"
            )
        if any(c.isspace() for c in text) or not text:
            raise TargetError(f"{text!r} is not a path such as /api/items")
        # As a browser's URL parser leaves it (non-ASCII as UTF-8 percent-escapes), so the
        # app receives what it would behind a server.
        encoded = quote(text if text.startswith("/") else "/" + text, safe="/%?&=:@!$'()*+,;~-._")
        return self.base + encoded


def _base_url(text: str) -> str:
    try:
        origin = url_origin(normalize_url(text))
    except TargetError as exc:
        raise UsageError(f"--base-url: {exc}") from None
    parts = urlsplit(normalize_url(text))
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise UsageError(
            f"--base-url {text!r}: give only a scheme and host (and port), e.g. "
            "https://api.example.com; paths go after --app"
        )
    return origin


def _load_app_target(args: argparse.Namespace) -> AppTarget:
    """--app MODULE:ATTR: the app imported, and the paths (given, or its GET routes)."""
    from corsguard.appload import AppLoadError, load_app
    from corsguard.audit.routes import list_routes

    refused = [
        name
        for name, given in (
            ("--prove", args.prove is not None),
            ("--resolve", bool(args.resolve)),
            ("-k", args.insecure),
        )
        if given
    ]
    if refused:
        raise UsageError(
            f"{', '.join(refused)} apply to audits over the network; --app audits in-process "
            "(serve the app and audit its URL for those)"
        )
    base = _base_url(args.base_url or BASE_URL)
    try:
        # The user's module may print as it loads: stdout holds only the report.
        with contextlib.redirect_stdout(sys.stderr):
            app = load_app(args.app)
    except AppLoadError as exc:
        raise UsageError(for_terminal(str(exc))) from None
    target = AppTarget(app, args.app, base)
    if args.urls or args.input is not None:
        try:
            args.urls = [target.url(path) for path in args.urls]
        except TargetError as exc:
            raise UsageError(str(exc)) from None
        return target
    try:
        with contextlib.redirect_stdout(sys.stderr):
            routes = list_routes(app)
    except Exception as exc:  # the framework's own lookup raised (a broken URLconf)
        raise UsageError(
            f"--app {args.app}: its routes could not be listed ({type(exc).__name__}: "
            f"{for_terminal(str(exc))[:300]}); pass the paths to audit, e.g. "
            f"corsguard audit --app {args.app} /api/items"
        ) from None
    if routes is None:
        raise UsageError(
            f"--app {args.app}: not a Starlette/FastAPI, Flask or Django app, so its routes "
            f"cannot be listed; pass the paths to audit, e.g. corsguard audit --app "
            f"{args.app} /api/items"
        )
    if not routes:
        raise UsageError(
            f"--app {args.app}: no GET route without parameters; pass the paths to audit "
            f"(with real values for the parameters), e.g. /items/1"
        )
    args.urls = [target.url(path) for path in routes]
    return target


def _prove_settings(args: argparse.Namespace, options: AuditOptions) -> ProveSettings | None:
    """--prove[=all], --browser, --poc-dir; Chromium is looked for now, before any probe."""
    mode = args.prove
    if mode is not None and mode not in ("default", "all"):
        if "://" not in mode:
            raise UsageError(f"--prove={mode}: use --prove or --prove=all")
        args.urls.insert(0, mode)  # `--prove URL`: the URL is a target, not the mode
        mode = "default"
    if mode is None:
        if args.poc_dir is not None or args.browser is not None or args.keep_bodies:
            raise UsageError("--poc-dir, --browser and --keep-bodies need --prove")
        return None
    try:
        if args.poc_dir is not None:
            prepare_poc_dir(args.poc_dir)
        browser = find_browser(args.browser)
    except (BrowserUnavailable, PocDirError) as exc:
        raise UsageError(str(exc)) from None
    # Which browser to start first (see Prover): the one for local targets when the first
    # command-line target is on a literal loopback/private address or --resolve pin.
    first = args.urls[0] if args.urls else None
    expect_local = first is not None and bool(
        is_local_address(pinned_address(first, options.resolve))
    )
    return ProveSettings(
        expect_local=expect_local,
        prove_all=mode == "all",
        browser=browser,
        insecure=options.insecure,
        resolve=options.resolve,
        timeout=options.timeout,
        poc_dir=args.poc_dir,
        keep_bodies=args.keep_bodies,
        cache_key=options.cache_key,
    )


def run(args: argparse.Namespace) -> int:
    fmt = str(args.format).lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {args.format!r}: use {', '.join(FORMATS)}")
    try:
        fail_on = Severity.parse(args.fail_on)
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc}") from None
    if args.cache_check and args.no_cache_key:
        raise UsageError(
            "--cache-check primes cache entries and needs keys of its own: drop --no-cache-key"
        )
    options = _options(args)
    app: AppTarget | None = None
    if args.app is not None:
        app = _load_app_target(args)
    else:
        if args.base_url is not None:
            raise UsageError("--base-url sets the host of an --app audit: it needs --app")
        args.urls = [normalize_url(url) for url in args.urls]
    prove = _prove_settings(args, options)
    trust_for = _trust(args)
    headers = tuple(parse_header(raw) for raw in args.header)
    for url in args.urls:
        if any("\udc80" <= c <= "\udcff" for c in url):
            # Undecodable bytes of the command line arrive as surrogates.
            shown = text_from_bytes(url.encode("utf-8", "surrogateescape"))
            raise UsageError(f"{shown!r} is not UTF-8 text: give the URL percent-encoded")
        try:
            url_origin(url)
        except TargetError as exc:
            raise UsageError(str(exc)) from None
    if not args.urls and args.input is None:
        raise UsageError("no targets: give URLs, or -i FILE ('-i -' reads standard input)")

    handle = _open_input(args.input)
    try:
        out = _open_output(args.output)
        try:
            return _audit(args, fmt, fail_on, options, trust_for, headers, handle, out, prove, app)
        finally:
            if out is not sys.stdout:
                out.close()
    finally:
        if handle is not None and args.input != "-":
            handle.close()


def _audit(
    args: argparse.Namespace,
    fmt: str,
    fail_on: Severity,
    options: AuditOptions,
    trust_for: TrustFor,
    headers: tuple[tuple[str, str], ...],
    handle: IO[str] | None,
    out: IO[str],
    prove: ProveSettings | None = None,
    app: AppTarget | None = None,
) -> int:
    summary = Summary()
    collected = Collected()
    failing = False
    audited = errored = 0
    to_terminal = out is sys.stdout and sys.stdout.isatty()
    show_progress = sys.stderr.isatty() and (out is not sys.stdout or to_terminal)
    total = None if handle is not None else len(args.urls)

    with _Progress(show_progress, total) as progress:

        def on_report(index: int, report: TargetReport) -> None:
            nonlocal failing, audited, errored
            summary.add(report)
            if report.status == "ok":
                audited += 1
            else:
                errored += 1
            if any(f.severity.rank >= fail_on.rank for f in report.findings):
                failing = True
            if fmt == "jsonl":
                out.write(jsonl_line(report))
                out.flush()
            else:
                collected.add(index, report)
            progress.advance(report)

        items = _items(args.urls, handle, trust_for, headers, None if app is None else app.url)
        first = next(items, None)
        if first is not None and first[2] == NOT_TEXT and not args.urls:
            # The very first line is not text: a wrong file (an archive, a binary), not an
            # inventory with one bad line in it.
            raise UsageError(f"cannot read {args.input}: it is not UTF-8 text")
        if first is None:
            # Nothing to audit is a mistake, not a clean report: a CI job with an empty
            # inventory must not pass silently.
            raise UsageError(
                "no targets: give URLs as arguments, or one URL a line with -i FILE or -i -"
            )
        items = itertools.chain([first], items)
        if app is not None:
            transport = AppTransport(
                app.app, options.timeout, options.concurrency, options.target_timeout
            )
            # The app's own prints (debug output) go to stderr: stdout is the report.
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    read_errors = asyncio.run(audit_stream(items, options, on_report, transport))
            except LifespanFailed as exc:
                # The app's own words: escaped for the terminal like any other untrusted text.
                raise UsageError(
                    f"--app {app.spec}: {for_terminal(str(exc))}; nothing was audited"
                ) from None
        elif prove is None:
            read_errors = asyncio.run(audit_stream(items, options, on_report))
        else:
            try:
                read_errors = asyncio.run(prove_stream(items, options, on_report, prove))
            except (BrowserUnavailable, PocDirError) as exc:
                raise UsageError(str(exc)) from None

    reports = collected.ordered()
    if fmt == "json":
        out.write(render_json(reports))
    elif fmt == "sarif":
        out.write(render_sarif(reports))
    elif fmt == "table":
        colour = to_terminal and "NO_COLOR" not in os.environ
        out.write(render_table(reports, colour=colour))
    with contextlib.suppress(OSError):
        out.flush()
    if fmt != "table" and (out is not sys.stdout or not sys.stdout.isatty()):
        print(summary.line(), file=sys.stderr)
    if read_errors:
        error = read_errors[0]
        if isinstance(error, UnicodeDecodeError):
            raise UsageError(f"cannot read {args.input}: it is not UTF-8 text")
        raise UsageError(f"cannot read {args.input}: {error}")
    return exit_status(audited, errored, failing, args.allow_errors)


EXIT_FINDINGS = 1
EXIT_NOTHING_AUDITED = 2
EXIT_TARGET_ERRORS = 3


def exit_status(audited: int, errored: int, failing: bool, allow_errors: bool) -> int:
    """The run's exit status: a gate that audited nothing, or skipped targets, cannot pass."""
    if audited == 0:
        print(
            f"corsguard audit: no target could be audited ({errored} error entries): "
            "nothing was checked",
            file=sys.stderr,
        )
        return EXIT_NOTHING_AUDITED
    if failing:
        return EXIT_FINDINGS
    if errored and not allow_errors:
        print(
            f"corsguard audit: {errored} target(s) could not be audited (see their error "
            "entries); --allow-errors accepts that",
            file=sys.stderr,
        )
        return EXIT_TARGET_ERRORS
    return 0
