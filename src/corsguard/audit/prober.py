"""The I/O edge of the audit: a transport (aiohttp, or an app in-process) driving
`corsguard.audit.model`.

Targets are read lazily and audited by a fixed pool of workers (never one task per
target), so memory stays flat whatever the length of the list. Each target gets its
probes in waves (`model.next_probes`), each wave sent concurrently over pooled
keep-alive connections; bodies are never read beyond `BODY_CAP`, redirects are recorded
and not followed, and every target has a total time budget.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import re
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from corsguard.audit.model import (
    MAX_REQUESTS,
    TRUSTED,
    Exchange,
    ProbeRequest,
    ProbeResponse,
    Target,
    TargetError,
    TargetReport,
    analyse,
    build_trust,
    cache_check_waves,
    next_probes,
    probe_url,
    redirect_target,
    url_origin,
    with_cache_key,
)
from corsguard.audit.stack import BODY_PREFIX, Stack
from corsguard.audit.transport import (
    BODY_CAP,
    DEFAULT_HEADERS,
    AppCrashed,
    RawResponse,
    Transport,
    TransportError,
    body_timed_out,
    timed_out,
)
from corsguard.probes import registrable_domain, split_origin
from corsguard.untrusted import clean_text, text_from_bytes

MAX_HEADER_LINE = 64 * 1024
"""Bytes of one response header line read at most (as corsguard explain's header limit)."""

MAX_REDIRECTS = 10
"""--follow-redirects: at most this many hops (as browsers' 20, but audits are not sessions)."""


@dataclass(frozen=True)
class AuditOptions:
    concurrency: int = 20
    rate: float | None = None  # requests per second, all targets together
    timeout: float = 10.0  # seconds per request
    insecure: bool = False  # -k: do not verify TLS certificates
    resolve: tuple[tuple[str, int, str], ...] = ()  # --resolve HOST:PORT:ADDRESS
    budget: int = MAX_REQUESTS
    # The run's cache-key token (model.with_cache_key; each probe adds its number);
    # None: --no-cache-key, the target's own URL is requested as given.
    cache_key: str | None = None
    follow_redirects: bool = False  # --follow-redirects: audit the same-site final URL
    # --cache-check: prime and read keys of the audit's own (model.cache_check_waves).
    cache_check: bool = False

    @property
    def target_timeout(self) -> float:
        """The whole check set of one target: a few rounds of slow answers at most."""
        return max(self.timeout * 4, 5.0)


class PinnedResolver(AbstractResolver):
    """curl's --resolve: fixed addresses for HOST:PORT (``*`` for any host), else DNS.

    Only the connection's address changes: the URL's host still goes into the Host header
    and the TLS server name (SNI) and certificate check.
    """

    def __init__(self, pins: Iterable[tuple[str, int, str]]) -> None:
        self._pins = {(host.lower(), port): address for host, port, address in pins}
        self._fallback: AbstractResolver = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self._pins.get((host.lower(), port)) or self._pins.get(("*", port))
        if address is None:
            return await self._fallback.resolve(host, port, family)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        await self._fallback.close()


class RateLimiter:
    """At most ``rate`` request starts per second, spread evenly."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


def describe_error(exc: BaseException, timeout: float) -> str:
    """A one-line, actionable description of why a request failed."""
    text = " ".join(clean_text(_describe(exc, timeout)).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return timed_out(timeout)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(exc.certificate_error, "verify_message", None) or str(
            exc.certificate_error
        )
        return f"TLS certificate verification failed ({reason}): use -k to audit it anyway"
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError):
        return f"TLS handshake failed: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            reason = "connection refused"
        else:
            reason = exc.os_error.strerror or str(exc.os_error)
        return f"cannot connect to {exc.host}:{exc.port}: {reason}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without an HTTP response"
    if isinstance(exc, aiohttp.ClientOSError):
        if isinstance(exc.__cause__ or exc, ConnectionResetError) or exc.errno == 104:
            return "the connection was reset by the server"
        return f"connection failed: {exc.strerror or exc}"
    if isinstance(exc, aiohttp.ClientResponseError) and "Got more than" in str(exc.message):
        return f"a response header line exceeds {MAX_HEADER_LINE // 1024} KiB"
    if isinstance(exc, aiohttp.ClientResponseError):
        first = str(exc.message).split(":", 1)[0].strip() or "unparsable status line"
        sent = re.search(r"b(['\"]).*?\1", str(exc.message))
        shown = f": the server sent {sent.group(0)[:60]}" if sent else ""
        return f"not an HTTP response ({first}{shown})"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"the response is malformed ({exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"invalid URL: {exc}"
    text = str(exc) or type(exc).__name__
    return f"request failed: {text}"


class HttpTransport:
    """The live audit's transport: one aiohttp session shared by every target (connection
    reuse per host); bodies are never read beyond BODY_CAP and redirects are not followed."""

    known_stack: Stack | None = None  # told by the responses (corsguard.audit.stack)

    def __init__(self, options: AuditOptions) -> None:
        self.options = options
        connector = aiohttp.TCPConnector(
            limit=max(options.concurrency * 8, 100),
            limit_per_host=max(options.concurrency, 8),
            ttl_dns_cache=300,
            ssl=not options.insecure,
            resolver=PinnedResolver(options.resolve) if options.resolve else None,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=dict(DEFAULT_HEADERS),
            timeout=aiohttp.ClientTimeout(total=options.timeout),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Accept-Encoding",),
            # aiohttp's 8 KiB default refuses real sites' CSP or cookie headers; explain's limit.
            max_line_size=MAX_HEADER_LINE,
            max_field_size=MAX_HEADER_LINE,
        )

    async def start(self) -> None:
        pass  # the session connects on the first request

    async def close(self) -> None:
        await self._session.close()

    async def round_trip(
        self, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> RawResponse:
        try:
            async with self._session.request(
                method, url, headers=dict(headers), allow_redirects=False
            ) as response:
                received = tuple(decoded_headers(response))
                try:
                    body = await _drain(response)
                except Exception as exc:
                    # The headers are the whole evidence and they are here: a short, broken
                    # or slow body must not turn a hole into "error, 0 findings".
                    response.close()
                    return RawResponse(
                        response.status, received, b"", body_note(exc, self.options.timeout)
                    )
                return RawResponse(response.status, received, body)
        except Exception as exc:  # every failure becomes a line in the report
            raise TransportError(describe_error(exc, self.options.timeout)) from None


class Prober:
    """Sends each target's probes through one transport and judges the answers."""

    def __init__(self, options: AuditOptions, transport: Transport | None = None) -> None:
        self.options = options
        self._limiter = RateLimiter(options.rate) if options.rate else None
        self._probe_numbers = itertools.count(1)
        self._transport: Transport = transport if transport is not None else HttpTransport(options)

    async def start(self) -> None:
        await self._transport.start()

    async def close(self) -> None:
        await self._transport.close()

    def request_url(self, url: str, slot: str = "") -> str:
        """The URL a probe requests: with a cache key of its own unless --no-cache-key;
        the cache check's probes share the key of their slot."""
        token = self.options.cache_key
        if slot:
            # Never the real URL: a primed entry there would be served to real visitors.
            if token is None:
                raise ValueError("the cache check needs cache keys")
            return with_cache_key(url, f"{token}-cache-{slot}")
        return with_cache_key(
            url, None if token is None else f"{token}-{next(self._probe_numbers)}"
        )

    async def send(
        self, target: Target, probe: ProbeRequest, crashes: list[str] | None = None
    ) -> Exchange:
        """One probe; an app that raised (--app) is also added to ``crashes``."""
        if self._limiter is not None:
            await self._limiter.wait()
        headers: dict[str, str] = dict(target.request_headers)
        for name in [n for n in headers if n.lower() == "origin"]:
            del headers[name]
        headers.update(probe.all_headers)
        try:
            raw = await self._transport.round_trip(
                probe.method,
                self.request_url(probe_url(target.url, probe), probe.slot),
                list(headers.items()),
            )
        except AppCrashed as exc:
            if crashes is not None:
                crashes.append(str(exc))
            return Exchange(probe, None, str(exc))
        except TransportError as exc:
            return Exchange(probe, None, str(exc))
        except Exception as exc:  # every failure becomes a line in the report
            return Exchange(probe, None, describe_error(exc, self.options.timeout))
        # The start of an error page names the stack (audit.stack).
        prefix = text_from_bytes(raw.body[:BODY_PREFIX]) if raw.body else ""
        return Exchange(
            probe, ProbeResponse.keep_cors(raw.status, raw.headers, prefix), note=raw.note
        )

    async def final_url(self, target: Target) -> tuple[str | None, str]:
        """--follow-redirects: (the URL a GET ends at, or None, and what happened).

        Only redirects within the target's site (same registrable domain) are followed: the
        -H headers (cookies, tokens) must not be handed to another site.
        """
        url = target.url
        site = registrable_domain(split_origin(url_origin(url))[1])
        origin = target.trust.representatives[0]
        for hop in range(MAX_REDIRECTS + 1):
            exchange = await self.send(
                replace(target, url=url), ProbeRequest(TRUSTED, "GET", origin)
            )
            response = exchange.response
            if response is None:
                return None, exchange.error or "no answer"
            if not 300 <= response.status < 400 or response.get("location") is None:
                return url, f"followed {hop} redirect(s) from {target.url}"
            following = redirect_target(url, response.get("location"))
            try:
                host = split_origin(url_origin(following))[1]
            except TargetError:
                return None, f"redirects ({response.status}) to {following}, not an http(s) URL"
            if registrable_domain(host) != site:
                return None, (
                    f"redirects ({response.status}) to {following}, another site: "
                    "--follow-redirects stays within the target's site (the -H headers must "
                    "not reach another one); audit that URL directly"
                )
            url = following
        return None, f"more than {MAX_REDIRECTS} redirects from {target.url}"

    async def audit(self, target: Target) -> TargetReport:
        """The whole check set of one target, within its time budget."""
        notes: list[str] = []
        if self.options.follow_redirects:
            final, what = await self.final_url(target)
            if final is None:
                return TargetReport(target.url, "error", what, (), 0, target.request_headers)
            if final != target.url:
                notes.append(what)
                target = Target(
                    final, build_trust(final, target.trust.patterns), target.request_headers
                )
        exchanges: list[Exchange] = []
        cache: list[Exchange] = []
        crashes: list[str] = []

        async def probe_all() -> None:
            while True:
                wave = next_probes(target, exchanges, self.options.budget)
                if not wave:
                    break
                exchanges.extend(
                    await asyncio.gather(*(self.send(target, p, crashes) for p in wave))
                )
            if self.options.cache_check and self.options.cache_key is not None:
                for step in cache_check_waves(target):
                    cache.extend(
                        await asyncio.gather(*(self.send(target, p, crashes) for p in step))
                    )

        limit = self.options.target_timeout
        try:
            await asyncio.wait_for(probe_all(), limit)
        except asyncio.TimeoutError:
            if not any(e.response for e in exchanges):
                return TargetReport(
                    target.url,
                    "error",
                    f"timed out: the check set did not finish within {limit:g} s",
                    (),
                    len(exchanges),
                    target.request_headers,
                )
            notes.append(
                f"the check set did not finish within {limit:g} s: judged from the "
                f"{len(exchanges)} responses received, some probes were not sent"
            )
        if crashes:
            # --app: an exception where a server would have answered 500. A CI gate must
            # not pass over a path its app cannot answer, so the target is an error entry.
            sent = len(exchanges) + len(cache)
            return TargetReport(
                target.url,
                "error",
                f"{crashes[0]} (on {len(crashes)} of {sent} probes): fix the app, or leave "
                "this path out of the audit",
                (),
                len(exchanges),
                target.request_headers,
            )
        try:
            return analyse(target, exchanges, notes, cache, self._transport.known_stack)
        except Exception as exc:
            # A bug met on one target's answers is that target's error, not the end of the
            # run: every other target is still audited and reported.
            return TargetReport(
                target.url,
                "error",
                f"internal error while analysing the responses ({type(exc).__name__}: "
                f"{clean_text(str(exc))[:120]}); please report it",
                (),
                len(exchanges),
                target.request_headers,
            )


def decoded_headers(response: aiohttp.ClientResponse) -> list[tuple[str, str]]:
    """The response's header fields from their raw bytes: undecodable bytes as ``\\xNN``.

    aiohttp decodes header values with surrogateescape; a lone surrogate in a report makes
    strict UTF-8 writers and JSON parsers fail, so the bytes are decoded here, once.
    """
    return [(text_from_bytes(name), text_from_bytes(value)) for name, value in response.raw_headers]


def body_note(exc: BaseException, timeout: float) -> str:
    """Why the body of a response whose headers arrived could not be read in full."""
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return body_timed_out(timeout)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "the body was incomplete (shorter than its Content-Length, or a broken chunk)"
    return f"the body could not be read ({describe_error(exc, timeout)})"


async def _drain(response: aiohttp.ClientResponse) -> bytes:
    """Read a small body so the connection can be reused; close on anything larger.

    Returns what was read (at most BODY_CAP bytes)."""
    length = response.content_length
    if length is not None and length <= BODY_CAP:
        return await response.read()
    if length is None and response.status in (204, 304):
        return b""
    data = await response.content.read(BODY_CAP)
    if not response.content.at_eof():
        response.close()  # never read further: drop the connection instead
    return data


# One item of the target stream: (index, Target) or (index, url, error message).
Item = tuple[int, Target | str, str | None]
_DONE: Any = object()


def _feed(
    items: Iterator[Item],
    queue: asyncio.Queue[Any],
    loop: asyncio.AbstractEventLoop,
    workers: int,
    stop: threading.Event,
) -> None:
    """Read the (possibly blocking) target source in a thread, into a bounded queue."""

    def put(item: Any) -> bool:
        put_item = queue.put(item)
        try:
            future = asyncio.run_coroutine_threadsafe(put_item, loop)
        except RuntimeError:  # the loop is closed: the run is over
            put_item.close()  # never scheduled: closed, not left to warn "never awaited"
            return False
        while not stop.is_set():
            try:
                future.result(timeout=0.2)
                return True
            except concurrent.futures.TimeoutError:
                continue
            except Exception:
                return False
        future.cancel()
        return False

    try:
        for item in items:
            if not put(item):
                return
    except Exception as exc:  # a read error ends the stream with a report entry
        put(exc)
    for _ in range(workers):
        if not put(_DONE):
            return


async def audit_stream(
    items: Iterator[Item],
    options: AuditOptions,
    on_report: Callable[[int, TargetReport], Awaitable[None] | None],
    transport: Transport | None = None,
) -> list[BaseException]:
    """Audit every target of ``items`` with ``options.concurrency`` workers.

    ``on_report(index, report)`` is called as soon as each target is done. Returns the
    errors met while reading the target source (if any). ``transport`` (default: HTTP)
    carries the probes; `corsguard.audit.transport.AppTransport` audits an app in-process.
    """
    loop = asyncio.get_running_loop()
    workers = max(1, options.concurrency)
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=workers * 2)
    read_errors: list[BaseException] = []
    stop = threading.Event()
    feeder = threading.Thread(
        target=_feed,
        args=(items, queue, loop, workers, stop),
        name="corsguard-targets",
        daemon=True,
    )
    prober = Prober(options, transport)

    async def worker() -> None:
        while True:
            item = await queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                read_errors.append(item)
                continue
            index, target, error = item
            if isinstance(target, Target):
                report = await prober.audit(target)
            else:
                report = TargetReport(target, "error", error or "invalid target")
            result = on_report(index, report)
            if result is not None:
                await result

    try:
        await prober.start()
    except BaseException:
        await prober.close()
        raise
    feeder.start()
    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        stop.set()
        await prober.close()
    return read_errors


@dataclass
class Collected:
    reports: dict[int, TargetReport] = field(default_factory=dict)

    def add(self, index: int, report: TargetReport) -> None:
        self.reports[index] = report

    def ordered(self) -> list[TargetReport]:
        return [self.reports[i] for i in sorted(self.reports)]


def audit_targets(
    targets: Iterable[Target], options: AuditOptions, transport: Transport | None = None
) -> list[TargetReport]:
    """Audit a few targets and return their reports in order (for the demo and tests)."""
    collected = Collected()
    items: Iterator[Item] = ((i, t, None) for i, t in enumerate(targets))
    asyncio.run(audit_stream(items, options, collected.add, transport))
    return collected.ordered()
