"""Reading HAR files (HTTP Archive 1.2, as browsers' developer tools export them).

`corsguard explain --har FILE` explains every cross-origin CORS request in a HAR offline:
the recorded preflight and response stand in for the network. The page's origin comes from
the request's Origin header, else from the page the entry belongs to (Chrome stores the
page URL as the page title), else from the Referer. Headers the browser adds itself
(User-Agent, Accept-Encoding, Sec-*, Cache-Control under devtools' "Disable cache", ...)
are not counted as script headers unless the recorded preflight asked for them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corsguard.browser import (
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


class HarError(ValueError):
    """The file is not a usable HAR; the message is one actionable line."""


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
class Explained:
    entry: HarEntry
    request: Request
    verdict: Verdict
    origin_source: str
    notes: tuple[str, ...]


def _pairs(value: Any, where: str) -> Headers:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise HarError(f"{where} must be a list of {{name, value}} objects")
    out = []
    for item in value:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise HarError(f"{where} holds an item without a string 'name'")
        out.append((item["name"], str(item.get("value", ""))))
    return tuple(out)


def parse_har(data: Any) -> list[HarEntry]:
    """The entries of a decoded HAR document; raises HarError on a structural problem."""
    log = data.get("log") if isinstance(data, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise HarError("not a HAR file: there is no log.entries list")
    pages: dict[str, str] = {}
    assert isinstance(log, Mapping)
    for page in log.get("pages") or []:
        if isinstance(page, Mapping) and isinstance(page.get("id"), str):
            title = page.get("title")
            if isinstance(title, str) and title.startswith(("http://", "https://")):
                pages[page["id"]] = title
    out = []
    for i, raw in enumerate(entries):
        where = f"log.entries[{i}]"
        if not isinstance(raw, Mapping):
            raise HarError(f"{where} is not an object")
        request = raw.get("request")
        response = raw.get("response") or {}
        if not isinstance(request, Mapping):
            raise HarError(f"{where}.request is missing")
        if not isinstance(response, Mapping):
            raise HarError(f"{where}.response is not an object")
        method, url = request.get("method"), request.get("url")
        if not isinstance(method, str) or not method:
            raise HarError(f"{where}.request.method is missing")
        if not isinstance(url, str) or not url:
            raise HarError(f"{where}.request.url is missing")
        status = response.get("status", 0)
        if not isinstance(status, int) or isinstance(status, bool):
            raise HarError(f"{where}.response.status is not a number")
        request_headers = _pairs(request.get("headers"), f"{where}.request.headers")
        cookies = request.get("cookies") or []
        has_cookies = bool(cookies) or any(n.lower() == "cookie" for n, _ in request_headers)
        resource_type = raw.get("_resourceType")
        pageref = raw.get("pageref")
        out.append(
            HarEntry(
                index=i,
                method=method,
                url=url,
                request_headers=request_headers,
                status=status,
                response_headers=_pairs(response.get("headers"), f"{where}.response.headers"),
                resource_type=resource_type if isinstance(resource_type, str) else None,
                page_url=pages.get(pageref) if isinstance(pageref, str) else None,
                has_cookies=has_cookies,
            )
        )
    return out


def load_har(path: str) -> list[HarEntry]:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise HarError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HarError(f"{path} is not UTF-8 text (a HAR file is JSON)") from None
    except json.JSONDecodeError as exc:
        raise HarError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise HarError(f"{path} is nested too deeply to be a HAR file") from None
    return parse_har(data)


def _page_origin(entry: HarEntry) -> tuple[str, str] | None:
    origin = entry.header("origin")
    if origin is not None:
        origin = origin.strip()
        if origin == "null" or serialize_url_origin(origin) == origin:
            return origin, "Origin header"
    if entry.page_url:
        return serialize_url_origin(entry.page_url), "page URL"
    referer = entry.header("referer")
    if referer:
        return serialize_url_origin(referer), "Referer header"
    return None


def _find(
    entries: Sequence[HarEntry], after: int, method: str, url: str, preflight: bool
) -> HarEntry | None:
    """The recorded entry for a request: the first match after ``after``, else the last before."""
    matches = [e for e in entries if e.url == url and e.is_preflight == preflight]
    if preflight:
        matches = [e for e in matches if e.header("access-control-request-method") == method]
    else:
        matches = [e for e in matches if e.method == method]
    later = [e for e in matches if e.index > after]
    if later:
        return later[0]
    earlier = [e for e in matches if e.index <= after]
    return earlier[-1] if earlier else None


def explain_har(
    entries: Sequence[HarEntry], credentials: Credentials | None = None
) -> list[Explained]:
    """Explain every cross-origin CORS request in ``entries`` (redirect hops are followed)."""
    out: list[Explained] = []
    consumed: set[int] = set()
    for entry in entries:
        if entry.is_preflight or entry.index in consumed:
            continue
        found = _page_origin(entry)
        if found is None:
            continue
        origin, source = found
        if serialize_url_origin(entry.url) == origin:
            continue
        if entry.header("origin") is None and entry.resource_type not in CORS_RESOURCE_TYPES:
            continue  # a no-cors subresource (image, script without crossorigin...)
        notes: list[str] = []
        # The preflight recorded for this request: the nearest one before it, else after it.
        candidates = [
            e
            for e in entries
            if e.is_preflight
            and e.url == entry.url
            and (e.header("access-control-request-method") or "").strip()
            == normalize_method(entry.method)
        ]
        before = [e for e in candidates if e.index < entry.index]
        preflight = before[-1] if before else (candidates[0] if candidates else None)
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
        verdict = _replay(entries, entry, request, preflight, notes, consumed)
        out.append(Explained(entry, request, verdict, source, tuple(notes)))
    return out


def _replay(
    entries: Sequence[HarEntry],
    entry: HarEntry,
    request: Request,
    preflight: HarEntry | None,
    notes: list[str],
    consumed: set[int],
) -> Verdict:
    """Run the model with the recorded responses standing in for the network."""
    state = {"last": entry.index}

    def respond(outgoing: Outgoing) -> Response | None:
        if outgoing.kind == "preflight":
            if outgoing.hop == 0:
                match = preflight
            else:
                acrm = outgoing.header("access-control-request-method") or ""
                match = _find(entries, state["last"], acrm, outgoing.url, True)
            if match is None:
                notes.append(
                    f"no preflight for {outgoing.url} is recorded (maybe it came from the "
                    "preflight cache: export the HAR with 'Disable cache' on)"
                )
                return None
            return Response(match.status, match.response_headers)
        match = (
            entry
            if outgoing.hop == 0
            else _find(entries, state["last"], outgoing.method, outgoing.url, False)
        )
        if match is None or match.status == 0:
            notes.append(f"no response for {outgoing.method} {outgoing.url} is recorded")
            return None
        consumed.add(match.index)
        state["last"] = match.index
        return Response(match.status, match.response_headers)

    return run(request, respond)
