"""Reading HAR files (HTTP Archive 1.2, as browsers' developer tools export them).

`corsguard explain --har FILE` explains every cross-origin CORS request in a HAR offline:
the recorded preflight and response stand in for the network. The page's origin comes from
the request's Origin header, else from the page the entry belongs to (Chrome stores the
page URL as the page title), else from the Referer. Headers the browser adds itself
(User-Agent, Accept-Encoding, Sec-*, Cache-Control under devtools' "Disable cache", ...)
are not counted as script headers unless the recorded preflight asked for them.

A HAR file is written by whoever hands it over: every string is made valid Unicode where it
is read (corsguard.untrusted.clean_text), every field is type-checked, sizes are bounded,
and an entry that cannot be read becomes an :class:`EntryError` for that entry alone; the
other entries are explained as usual. Lookups go through indexes built once, so the work is
linear in the number of entries.
"""

from __future__ import annotations

import bisect
import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from corsguard.browser import (
    Check,
    Credentials,
    Headers,
    Outgoing,
    Request,
    Response,
    Verdict,
    normalize_method,
    run,
    serialize_url_origin,
)
from corsguard.untrusted import clean_text, for_terminal

# Headers a browser adds below the script (or that devtools adds) and which the script
# therefore did not set. Kept only when the recorded preflight lists them.
BROWSER_SET = frozenset(
    {
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-length",
        "cookie",
        "host",
        "origin",
        "pragma",
        "priority",
        "referer",
        "te",
        "upgrade-insecure-requests",
        "user-agent",
        "dnt",
        "keep-alive",
    }
)
CORS_RESOURCE_TYPES = frozenset({"fetch", "xhr", "preflight"})
# log.creator.name as the browsers' own recorders write it: Playwright (record_har_path),
# Chromium's and Edge's DevTools ("WebInspector"), Firefox's DevTools, Safari's.
BROWSER_RECORDERS = frozenset({"playwright", "webinspector", "firefox", "webkit web inspector"})
MAX_FAILURE_CHARS = 200

# Bounds taken from what a browser itself accepts, so no real export comes near them:
# Chromium refuses a URL longer than 2 MiB (url::kMaxURLChars) and a response whose header
# block exceeds 256 KiB (net/http/http_stream_parser.cc, kMaxHeaderBufSize).
MAX_URL_CHARS = 2 * 1024 * 1024
MAX_HEADER_CHARS = 256 * 1024
MAX_METHOD_CHARS = 1024  # a method is a short token; any real one is far below this

# A serialized origin (HTML, "serialization of an origin"): scheme, host, optional port.
# The host is an ASCII domain (after IDNA) or a bracketed IPv6 address; anything else
# (control characters, spaces, quotes, escapes) is not an origin a browser sends.
_ORIGIN = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9.\-_]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?"
)


def is_serialized_origin(value: str) -> bool:
    """True for ``https://host[:port]`` as a browser serializes it (not for ``null``)."""
    return _ORIGIN.fullmatch(value) is not None and serialize_url_origin(value) == value


class HarError(ValueError):
    """The file is not a usable HAR; the message is one actionable line."""


@dataclass(frozen=True)
class EntryError:
    """An entry that could not be read or explained; the other entries are unaffected."""

    index: int
    message: str


@dataclass(frozen=True)
class HarEntry:
    index: int
    method: str
    url: str
    request_headers: Headers
    status: int
    response_headers: Headers
    resource_type: str | None
    page_url: str | None
    has_cookies: bool
    # Why the recorder got no response (Playwright's _failureText, Chrome's _error), e.g.
    # "net::ERR_FAILED" for a request the browser's CORS checks stopped.
    failure: str | None = None
    # The page's service worker answered (Chrome's _fetchedViaServiceWorker): the browser
    # sent no preflight for the page's request (Fetch, "HTTP fetch": the service worker is
    # asked before any CORS-preflight fetch), so the response proves nothing about one.
    via_service_worker: bool = False

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for n, v in self.request_headers:
            if n.lower() == lower:
                return v
        return None

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and self.header("access-control-request-method") is not None


@dataclass(frozen=True)
class HarFile:
    """The readable entries, and one error per entry that is not (both in file order)."""

    entries: list[HarEntry]
    errors: list[EntryError] = field(default_factory=list)
    creator: str | None = None  # log.creator.name: "Playwright", "WebInspector", "Firefox"

    @property
    def from_browser(self) -> bool:
        """Whether a browser recorded the file (what it shows happened in a browser)."""
        return (self.creator or "").strip().lower() in BROWSER_RECORDERS

    @property
    def total(self) -> int:
        return len(self.entries) + len(self.errors)


@dataclass(frozen=True)
class Explained:
    entry: HarEntry
    request: Request
    verdict: Verdict
    origin_source: str
    notes: tuple[str, ...]
    # Every Location value the recorded responses handed to the model, as written in the
    # file: explain must never propose one of them as a fix unless it is a safe http(s) URL.
    locations: tuple[str, ...] = ()


class _EntryProblem(Exception):
    """Why one entry is unusable (becomes an EntryError)."""


_MISSING = object()  # a key that is absent, told apart from an explicit null


def _text(value: Any, where: str, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        if value is None and not required:
            return ""
        raise _EntryProblem(f"{where} is {_kind(value)}, not a string")
    if len(value) > limit:
        raise _EntryProblem(f"{where} is longer than {limit} characters")
    return clean_text(value)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    return "missing" if value is _MISSING else names.get(type(value), type(value).__name__)


def _pairs(value: Any, where: str) -> Headers:
    if value is None or value is _MISSING:
        return ()
    if not isinstance(value, list):
        raise _EntryProblem(f"{where} is {_kind(value)}, not a list of {{name, value}} objects")
    out = []
    total = 0
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise _EntryProblem(f"{where}[{i}] is {_kind(item)}, not a {{name, value}} object")
        name = item.get("name", _MISSING)
        raw = item.get("value", "")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            raw = str(raw)  # some tools write numeric values unquoted
        name_text = _text(name, f"{where}[{i}].name", MAX_HEADER_CHARS)
        value_text = _text(raw, f"{where}[{i}].value", MAX_HEADER_CHARS, required=False)
        total += len(name_text) + len(value_text)
        if total > MAX_HEADER_CHARS:
            raise _EntryProblem(f"{where} hold more than {MAX_HEADER_CHARS} characters in all")
        out.append((name_text, value_text))
    return tuple(out)


def _parse_entry(raw: Any, i: int, pages: Mapping[str, str]) -> HarEntry:
    where = f"log.entries[{i}]"
    if not isinstance(raw, Mapping):
        raise _EntryProblem(f"{where} is {_kind(raw)}, not an object")
    request = raw.get("request", _MISSING)
    response = raw.get("response")
    if response is None:
        response = {}
    if not isinstance(request, Mapping):
        raise _EntryProblem(f"{where}.request is {_kind(request)}, not an object")
    if not isinstance(response, Mapping):
        raise _EntryProblem(f"{where}.response is {_kind(response)}, not an object")
    method = _text(request.get("method", _MISSING), f"{where}.request.method", MAX_METHOD_CHARS)
    url = _text(request.get("url", _MISSING), f"{where}.request.url", MAX_URL_CHARS)
    if not method:
        raise _EntryProblem(f"{where}.request.method is empty")
    if not url:
        raise _EntryProblem(f"{where}.request.url is empty")
    status = response.get("status", 0)
    if status == -1 and not isinstance(status, bool):
        status = 0  # Playwright writes -1 for "no response" where the HAR spec says 0
    if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status <= 999:
        raise _EntryProblem(f"{where}.response.status is not a status code (0 to 999)")
    failure = response.get("_failureText", raw.get("_error"))
    # Made valid Unicode here; escaped for each output where it is written (explain.py).
    failure_text = clean_text(failure[:MAX_FAILURE_CHARS]) if isinstance(failure, str) else None
    request_headers = _pairs(request.get("headers"), f"{where}.request.headers")
    response_headers = _pairs(response.get("headers"), f"{where}.response.headers")
    cookies = request.get("cookies")
    has_cookies = (isinstance(cookies, list) and bool(cookies)) or any(
        n.lower() == "cookie" for n, _ in request_headers
    )
    resource_type = raw.get("_resourceType")
    pageref = raw.get("pageref")
    return HarEntry(
        index=i,
        method=method,
        url=url,
        request_headers=request_headers,
        status=status,
        response_headers=response_headers,
        resource_type=clean_text(resource_type) if isinstance(resource_type, str) else None,
        page_url=pages.get(pageref) if isinstance(pageref, str) else None,
        has_cookies=has_cookies,
        failure=failure_text or None,
        via_service_worker=response.get("_fetchedViaServiceWorker") is True
        or response.get("_fromServiceWorker") is True,
    )


def parse_har(data: Any) -> HarFile:
    """The entries of a decoded HAR document.

    Raises HarError only when the document as a whole is not a HAR (no log.entries list);
    an unusable entry becomes an EntryError and the others are still read.
    """
    log = data.get("log") if isinstance(data, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(entries, list):
        raise HarError("not a HAR file: there is no log.entries list")
    pages: dict[str, str] = {}
    raw_pages = log.get("pages")
    for page in raw_pages if isinstance(raw_pages, list) else ():
        if isinstance(page, Mapping) and isinstance(page.get("id"), str):
            title = page.get("title")
            if (
                isinstance(title, str)
                and len(title) <= MAX_URL_CHARS
                and title.startswith(("http://", "https://"))
            ):
                pages[page["id"]] = clean_text(title)
    creator = log.get("creator")
    name = creator.get("name") if isinstance(creator, Mapping) else None
    har = HarFile([], creator=clean_text(name[:100]) if isinstance(name, str) else None)
    for i, raw in enumerate(entries):
        try:
            har.entries.append(_parse_entry(raw, i, pages))
        except _EntryProblem as exc:
            har.errors.append(EntryError(i, str(exc)))
    return har


def load_har(path: str) -> HarFile:
    shown = for_terminal(path)
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise HarError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HarError(f"{shown} is not UTF-8 text (a HAR file is JSON)") from None
    except json.JSONDecodeError as exc:
        raise HarError(
            f"{shown} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise HarError(f"{shown} is nested too deeply to be a HAR file") from None
    except ValueError as exc:
        # json turns a number of more than sys.get_int_max_str_digits() digits into a
        # ValueError of its own (CVE-2020-10735's limit), not a JSONDecodeError.
        raise HarError(f"{shown} is not a usable JSON document: {exc}") from None
    return parse_har(data)


def _page_origin(entry: HarEntry) -> tuple[str, str] | None:
    origin = entry.header("origin")
    if origin is not None:
        origin = origin.strip()
        if origin == "null" or is_serialized_origin(origin):
            return origin, "Origin header"
    if entry.page_url:
        origin = serialize_url_origin(entry.page_url)
        if is_serialized_origin(origin):
            return origin, "page URL"
    referer = entry.header("referer")
    if referer:
        origin = serialize_url_origin(referer)
        if is_serialized_origin(origin):
            return origin, "Referer header"
    return None


class _Index:
    """The entries by (URL, method), each list in file order and searched by bisection."""

    def __init__(self, entries: Sequence[HarEntry]) -> None:
        self.tables: dict[bool, dict[tuple[str, str], tuple[list[int], list[HarEntry]]]] = {
            True: {},
            False: {},
        }
        for e in entries:
            preflight = e.is_preflight
            method = (
                (e.header("access-control-request-method") or "").strip() if preflight else e.method
            )
            positions, found = self.tables[preflight].setdefault((e.url, method), ([], []))
            positions.append(e.index)
            found.append(e)

    def preflight_for(self, entry: HarEntry) -> HarEntry | None:
        """The preflight recorded for ``entry``: the nearest one before it, else the first after."""
        key = (entry.url, normalize_method(entry.method))
        positions, found = self.tables[True].get(key, ([], []))
        if not found:
            return None
        before = bisect.bisect_left(positions, entry.index)
        return found[before - 1] if before else found[0]

    def find(self, after: int, method: str, url: str, preflight: bool) -> HarEntry | None:
        """The recorded entry for a hop: the first match after ``after``, else the last before."""
        key = (url, method.strip() if preflight else method)
        positions, found = self.tables[preflight].get(key, ([], []))
        at = bisect.bisect_right(positions, after)
        if at < len(found):
            return found[at]
        return found[at - 1] if at else None


def explain_har(
    har: HarFile | Sequence[HarEntry], credentials: Credentials | None = None
) -> Iterator[Explained | EntryError]:
    """Explain every cross-origin CORS request, in file order, one result at a time.

    Unreadable entries come out as EntryError in their place; so does an entry whose
    explanation fails, so that no entry can stop the others (redirect hops are followed).
    """
    if not isinstance(har, HarFile):
        har = HarFile(list(har))
    errors = iter(sorted(har.errors, key=lambda e: e.index))
    pending = next(errors, None)
    index = _Index(har.entries)
    consumed: set[int] = set()
    for entry in har.entries:
        while pending is not None and pending.index < entry.index:
            yield pending
            pending = next(errors, None)
        result: Explained | EntryError | None
        try:
            result = _explain_entry(entry, index, credentials, consumed, har)
        except Exception as exc:  # one entry must not stop the others
            result = EntryError(entry.index, f"cannot explain this entry: {_describe(exc)}")
        if result is not None:
            yield result
    while pending is not None:
        yield pending
        pending = next(errors, None)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return for_terminal(text[:300] + ("..." if len(text) > 300 else ""))


def _explain_entry(
    entry: HarEntry,
    index: _Index,
    credentials: Credentials | None,
    consumed: set[int],
    har: HarFile,
) -> Explained | None:
    if entry.is_preflight or entry.index in consumed:
        return None
    found = _page_origin(entry)
    if found is None:
        return None
    origin, source = found
    if serialize_url_origin(entry.url) == origin:
        return None
    if entry.header("origin") is None and entry.resource_type not in CORS_RESOURCE_TYPES:
        return None  # a no-cors subresource (image, script without crossorigin...)
    notes: list[str] = []
    preflight = index.preflight_for(entry)
    asked = set()
    if preflight is not None:
        acrh = preflight.header("access-control-request-headers") or ""
        asked = {n.strip().lower() for n in acrh.split(",") if n.strip()}
    script_headers = tuple(
        (n, v)
        for n, v in entry.request_headers
        if not n.startswith(":")
        and not n.lower().startswith(("sec-", "proxy-"))
        and (n.lower() not in BROWSER_SET or n.lower() in asked)
    )
    if credentials is not None:
        mode: Credentials = credentials
    elif entry.has_cookies:
        mode = "include"
    else:
        mode = "omit"
        notes.append(
            "no cookies were recorded, so credentials are taken as omitted; "
            "use --credentials if the page uses credentials: 'include'"
        )
    request = Request(origin, entry.url, entry.method, script_headers, mode, "cors")
    locations: list[str] = []
    verdict = _replay(index, entry, request, preflight, notes, consumed, locations, har)
    return Explained(entry, request, verdict, source, tuple(notes), tuple(locations))


def _replay(
    index: _Index,
    entry: HarEntry,
    request: Request,
    preflight: HarEntry | None,
    notes: list[str],
    consumed: set[int],
    locations: list[str],
    har: HarFile,
) -> Verdict:
    """Run the model with the recorded responses standing in for the network.

    A preflight that is not in the file (Playwright records none; DevTools none that came
    from the preflight cache) is judged from what the file does show, see _unrecorded.
    """
    state = {"last": entry.index}
    inferred: dict[int, HarEntry] = {}  # hop -> the recorded actual response it rests on

    def answer(match: HarEntry) -> Response:
        response = Response(match.status, match.response_headers)
        location = response.redirect_location
        if location is not None:
            locations.append(location)
        return response

    def respond(outgoing: Outgoing) -> Response | None:
        if outgoing.kind == "preflight":
            acrm = outgoing.header("access-control-request-method") or ""
            if outgoing.hop == 0:
                match = preflight
            else:
                match = index.find(state["last"], acrm, outgoing.url, True)
            if match is not None:
                return answer(match)
            actual = (
                entry
                if outgoing.hop == 0
                else index.find(state["last"], acrm.strip(), outgoing.url, False)
            )
            if actual is not None and actual.status > 0 and not actual.via_service_worker:
                inferred[outgoing.hop] = actual
                return _stand_in_preflight(outgoing)
            notes.append(_unknown_preflight(outgoing, actual, har, request))
            return None
        match = (
            entry
            if outgoing.hop == 0
            else index.find(state["last"], outgoing.method, outgoing.url, False)
        )
        if match is None or match.status == 0:
            notes.append(_unknown_response(outgoing, match, har, request))
            return None
        consumed.add(match.index)
        state["last"] = match.index
        return answer(match)

    verdict = run(request, respond)
    if inferred:
        verdict = _unrecorded(verdict, inferred, har, notes)
    return verdict


# --- Preflights the file does not record ---------------------------------------------------
#
# What the recorded actual response proves about a preflight that is not in the file:
# - The browser sends the actual request only after the preflight passed (Fetch, "HTTP
#   fetch": when a CORS-preflight fetch returns a network error, that error is returned
#   and nothing else is sent), or when a cached preflight result matches (Fetch,
#   "CORS-preflight cache"), which an earlier preflight that passed put there. So in a
#   file a browser recorded, a response to the actual request means the preflight passed.
#   A file from another tool proves nothing of the kind: anyone can write the entry.
# - The actual response gets its own CORS check (Fetch, "HTTP fetch", the CORS check on
#   the response, and "CORS check"): if that fails, the request is blocked whatever the
#   preflight answered, in any file.
# The preflight's own headers stay unknown either way (its Access-Control-Max-Age, what
# else it allowed): the verdict never shows them as if they had been read.


def _stand_in_preflight(outgoing: Outgoing) -> Response:
    """A preflight answer that grants exactly what was asked: it lets the model go on to the
    actual response; its checks are replaced by one 'inferred' check in _unrecorded."""
    origin = outgoing.header("origin") or "null"
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Methods", outgoing.header("access-control-request-method") or ""),
    ]
    asked = outgoing.header("access-control-request-headers")
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    return Response(204, tuple(headers))


def _unrecorded(
    verdict: Verdict, inferred: Mapping[int, HarEntry], har: HarFile, notes: list[str]
) -> Verdict:
    blocked_later = verdict.failed is not None
    creator = har.creator or "an unnamed tool"
    checks: list[Check] = []
    for check in verdict.checks:
        hop_entry = inferred.get(check.hop)
        if check.step != "preflight" or check.name == "needed" or hop_entry is None:
            checks.append(check)
            continue
        if any(
            c.step == "preflight" and c.name == "inferred" and c.hop == check.hop for c in checks
        ):
            continue
        looked: tuple[tuple[str, str | None], ...] = (
            ("recorded preflight", None),
            ("recorded actual response", f"HAR entry {hop_entry.index}, status {hop_entry.status}"),
            ("recorded by", har.creator),
        )
        if har.from_browser:
            reason = (
                f"not recorded, but passed: {creator} recorded the browser receiving the "
                "response to the actual request, which the browser only sends after the "
                "preflight passed (or a cached preflight result matched)"
            )
        elif blocked_later:
            reason = (
                "not recorded and unknown; it does not matter here: the actual response "
                "below fails the CORS check whatever the preflight answered"
            )
        else:
            reason = (
                f"not recorded and unknown: the file was written by {creator}, not by a "
                "browser's recorder, so a response in it does not show that a browser "
                "sent the actual request"
            )
        checks.append(Check("preflight", "inferred", True, looked, reason, check.hop))
    preflight_notes = tuple(n for n in verdict.notes if not n.startswith("Preflight cache"))
    info = replace(verdict.preflight, status=None, cache_seconds=None)
    if not har.from_browser and not blocked_later:
        # The response passes, but nothing shows that the preflight did: not proven.
        notes.append(
            "the preflight is not in the file (a browser leaves out one answered from the "
            "preflight cache, and Playwright records none), and the file does not come from "
            f"a browser's recorder (log.creator: {creator}): whether the browser sends the "
            "actual request "
            "is unknown. Record with the browser (DevTools with 'Disable cache', or "
            "Playwright's record_har_path), or run corsguard explain on the URL"
        )
        return replace(
            verdict,
            allowed=False,
            complete=False,
            checks=tuple(checks),
            notes=preflight_notes,
            preflight=replace(info, outcome="not-sent"),
        )
    if har.from_browser:
        notes.append(
            f"the preflight is not in the file ({creator} records none or it came from the "
            "preflight cache); it is judged from the actual response the browser received, "
            "so its headers (Access-Control-Max-Age, what else it allowed) are unknown"
        )
    return replace(verdict, checks=tuple(checks), notes=preflight_notes, preflight=info)


def rerun_command(request: Request) -> str:
    """The `corsguard explain` command that asks the server itself (shell-quoted: every
    value comes from the file)."""
    words = ["corsguard", "explain", request.url, "--origin", request.origin]
    if request.method != "GET":
        words += ["-X", request.method]
    for name, value in request.headers:
        words += ["-H", f"{name}: {value}"]
    if request.credentials == "include":
        words.append("--credentials")
    if request.method.upper() not in ("GET", "HEAD"):
        words.append("--send")  # the question is the actual response; it may change data
    return " ".join(shlex.quote(word) for word in words)


def _unknown_preflight(
    outgoing: Outgoing, actual: HarEntry | None, har: HarFile, request: Request
) -> str:
    asked = outgoing.header("access-control-request-headers")
    method = outgoing.header("access-control-request-method") or "?"
    wanted = f"method {method}" + (f" and headers {asked}" if asked else "")
    lead = f"no preflight for {outgoing.url} is recorded"
    if (har.creator or "").lower() == "playwright":
        lead += " (Playwright records no preflights)"
    else:
        lead += " (maybe it came from the preflight cache: export the HAR with 'Disable cache' on)"
    if actual is not None and actual.via_service_worker:
        lead += (
            ", and the page's service worker answered the request: the browser sent no "
            "preflight for it, so the recorded response shows nothing about one"
        )
    elif actual is not None and actual.failure:
        lead += (
            f", and the browser recorded the request as failed ({actual.failure}) with no "
            "response: fetch() rejected"
        )
    return (
        f"{lead}. Unknown: whether the preflight allowed {wanted} for this origin, and the "
        f"actual response's CORS headers. To see which check fails, ask the server: "
        f"{rerun_command(request)}"
    )


def _unknown_response(
    outgoing: Outgoing, match: HarEntry | None, har: HarFile, request: Request
) -> str:
    text = f"no response for {outgoing.method} {outgoing.url} is recorded"
    if match is not None and match.failure:
        text += (
            f": the browser recorded it as failed ({match.failure}), so fetch() rejected; "
            "the response's CORS headers are unknown"
        )
        if (har.creator or "").lower() == "playwright":
            text += " (Playwright records no response for a request the CORS check stops)"
        text += f". To see which check fails, ask the server: {rerun_command(request)}"
    return text
