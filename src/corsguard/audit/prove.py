"""`corsguard audit --prove`: replay each finding as an attacker's page in real Chromium.

Header-based verdicts are predictions; this module asks the browser. For each selected
finding it serves an attacker page *at the probe origin itself* (Playwright request
routing fulfils that one origin's URLs, so no port or certificate is needed and the origin
is exactly ``https://x.attacker.test`` or ``http://localhost:3000``), and from that page
runs the fetch an attacker would write, once routing is off again (while a route is active
Playwright answers CORS preflights itself, which would fake the verdict). Only the attacker
page is served locally: the fetch goes over the network to the real target, so Chromium's
own CORS enforcement decides. ``null`` comes from a sandboxed iframe
(``sandbox="allow-scripts"``, srcdoc) inside the routed page.

The module has two halves:

- pure (no I/O, no asyncio): `plan_proof` decides what a proof of a finding is (or why
  there is none), `attacker_page` builds the page's HTML and JS, `interpret` turns what
  the page read into ``proven`` / ``proof`` and a lowered severity for a refuted finding;
  `context_cookies`, `resolver_rules` and `header_notes` translate the audit's -H and
  --resolve options for the browser.
- the edge: `Prover`, an async context manager that starts Chromium once per audit
  (Debian's binary via Playwright, never a downloaded browser), proves each target in
  its own browser context with all its findings in parallel pages.

Proof is never claimed from headers: ``proven`` is true only when the page's script got
the response (the fetch promise resolved and the body was read).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import ipaddress
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from corsguard.audit.model import (
    PROBE_HEADER,
    PROBE_METHOD,
    Finding,
    TargetError,
    TargetReport,
    url_origin,
    with_cache_key,
)
from corsguard.findings import KINDS, Severity
from corsguard.probes import ARBITRARY_ORIGIN
from corsguard.untrusted import clean_text

BODY_PREVIEW = 512
"""Characters of the response body kept in a proof (marked ``body_truncated`` beyond)."""

PROOF_PATH = "/.corsguard-proof/"
"""Where, on the attacker origin, the proof pages are served (by request routing)."""

BROWSER_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

INSTALL_HINT = "apt-get install chromium  and  pip install 'corsguard[prove]'"

# Offline-safe flags: no background traffic, no component updates, no QUIC. The test
# suite launches Chromium with these too.
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Attacker pages of many origins would each get a renderer process of their own; a few
# shared ones make proofs several times faster on a small machine. CORS is enforced in the
# network service, not the renderer, so verdicts do not change.
# HTTPS-Upgrades would load an http attacker page (http://app.example.com, the
# insecure-origin-trusted probe) over https, which is not routed: the proof needs the page at
# exactly the probe's origin. Real victims can still reach such a page over http.
_DISABLED_FEATURES = ("IsolateOrigins", "site-per-process", "HttpsUpgrades")
LAUNCH_FLAGS = (
    *OFFLINE_FLAGS,
    f"--disable-features={','.join(_DISABLED_FEATURES)}",
    "--disable-site-isolation-trials",
    "--renderer-process-limit=4",
)
# Local Network Access (Chromium's permission prompt for loopback and private targets, and
# its refusal of insecure pages) is not CORS. It is turned off only in the browser that
# proves targets which are themselves on a loopback or private address: a public target is
# proven in a browser that keeps it, so it cannot steer the scanning browser into the
# user's loopback or intranet (https://wicg.github.io/local-network-access/).
LOCAL_TARGET_FLAGS = (
    *OFFLINE_FLAGS,
    f"--disable-features={','.join(('LocalNetworkAccessChecks', *_DISABLED_FEATURES))}",
    "--disable-site-isolation-trials",
    "--renderer-process-limit=4",
)


def launch_flags(local: bool) -> tuple[str, ...]:
    """Chromium's flags for proving public (``local`` False) or local targets."""
    return LOCAL_TARGET_FLAGS if local else LAUNCH_FLAGS


# Chromium's profile preference "cookie_controls_mode": 0 = allow third-party cookies,
# Chrome's default for ordinary windows. Debian's Chromium 156 starts a fresh profile
# blocking them, which would hide every credentialed read from a cross-site page.
PROFILE_PREFERENCES = {"profile": {"cookie_controls_mode": 0}}

# Whether and how each id can be proven is the catalogue's (corsguard.findings.Kind.proof).
NOT_PROVABLE = {k.id: k.proof.why_not for k in KINDS.values() if not k.proof.provable}

# The JS an attacker's page runs: fetch, then read status, the script-readable headers and
# the first bytes of the body. Shared by the proof pages and the --poc-dir pages.
FETCH_FUNCTION = """\
async function corsguardFetch(spec) {
  const result = {pageOrigin: self.origin, read: false};
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      credentials: spec.credentials,
      headers: spec.headers,
      redirect: spec.redirect || 'follow',
      cache: 'no-store',
      signal: controller.signal,
    });
    result.read = true;
    result.status = response.status;
    result.responseUrl = response.url;
    result.headers = [...response.headers];
    const chunks = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      while (size <= spec.limit) {
        const {done, value} = await reader.read();
        if (done) break;
        chunks.push(value);
        size += value.length;
      }
      reader.cancel().catch(() => {});
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) { bytes.set(chunk, offset); offset += chunk.length; }
    const text = new TextDecoder().decode(bytes);
    result.body = text.slice(0, spec.limit);
    result.bodyTruncated = size > spec.limit || text.length > spec.limit;
  } catch (error) {
    if (result.read) {
      result.bodyError = String(error);
    } else {
      result.error = String(error);
    }
  } finally {
    clearTimeout(timer);
  }
  return result;
}
"""


# --- Plans (pure) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchSpec:
    """The attacker's fetch(): what it asks for, and with which credentials mode."""

    url: str
    method: str = "GET"
    credentials: str = "omit"  # "include" sends the victim's cookies
    headers: tuple[tuple[str, str], ...] = ()
    # "error" where the page's CSP cannot confine redirects (see page_policy).
    redirect: str = "follow"

    def js_init(self) -> str:
        """The fetch() call as an attacker would write it (for the PoC page)."""
        init: dict[str, Any] = {"method": self.method, "credentials": self.credentials}
        if self.headers:
            init["headers"] = dict(self.headers)
        if self.redirect != "follow":
            init["redirect"] = self.redirect
        return f"fetch({_js(self.url)}, {_js(init)})"


@dataclass(frozen=True)
class ProofPlan:
    """How to prove one finding: a page on ``page_origin`` runs ``fetch``."""

    index: int  # the finding's position in its report
    finding_id: str
    page_origin: str  # the origin the script runs in ("null" for the sandboxed iframe)
    host_origin: str  # the origin the page is served at (routing); = page_origin unless null
    fetch: FetchSpec
    claim: str  # what a successful read shows
    # The finding was seen from a trusted front end (a preflight finding): the page runs on
    # an attacker origin instead, and a refusal there is no refutation of the finding.
    stand_in: bool = False

    @property
    def page_url(self) -> str:
        return f"{self.host_origin}{PROOF_PATH}{self.index}-{self.finding_id}.html"

    @property
    def sandboxed(self) -> bool:
        return self.page_origin == "null"


@dataclass(frozen=True)
class NoProof:
    """Why a finding has no browser proof (``proven`` stays null)."""

    index: int
    note: str


def should_prove(finding: Finding, prove_all: bool) -> bool:
    """--prove: medium and high findings; --prove=all: every finding."""
    return prove_all or finding.severity.rank >= Severity.MEDIUM.rank


def _same_origin(url: str, origin: str) -> bool:
    try:
        return url_origin(url) == origin
    except TargetError:
        return False


def plan_proof(url: str, index: int, finding: Finding) -> ProofPlan | NoProof:
    """The attacker page and fetch that show ``finding`` on target ``url``, or why none."""
    if finding.id in NOT_PROVABLE:
        return NoProof(index, NOT_PROVABLE[finding.id])
    stand_in = False
    if finding.origin_trusted:
        # A page on a trusted front end is the legitimate site, not an attacker: what it can
        # do shows no hole (issue #12). Proofs run on attacker-controlled origins only; a
        # preflight echo is tried from one, the rest has no proof.
        if KINDS[finding.id].proof.how not in ("method", "header"):
            return NoProof(
                index,
                f"not provable as an attack: {finding.origin} is a trusted front end, and a "
                "proof page runs only on an origin an attacker controls",
            )
        finding = replace(finding, origin=ARBITRARY_ORIGIN)
        stand_in = True
    origin = finding.origin
    if origin != "null":
        scheme = origin.partition("://")[0]
        if scheme not in ("http", "https"):
            return NoProof(index, f"not provable: a page cannot be served at origin {origin!r}")
        if _same_origin(url, origin):
            return NoProof(
                index,
                "not provable as an attack: the finding's origin is the target's own origin, "
                "and a same-origin request involves no CORS",
            )
    host_origin = ARBITRARY_ORIGIN if origin == "null" else origin
    credentials = "include" if finding.credentials else "omit"
    where = "a sandboxed iframe (Origin: null)" if origin == "null" else f"a page on {origin}"
    if stand_in:
        where += " (an attacker origin: the finding was seen from a trusted front end)"
    how = KINDS[finding.id].proof.how
    if how == "method":
        spec = FetchSpec(url, PROBE_METHOD, credentials)
        claim = (
            f"{where} sent a {PROBE_METHOD} request: the preflight let the made-up method "
            "through and the page read the answer"
        )
    elif how == "header":
        spec = FetchSpec(url, "GET", credentials, ((PROBE_HEADER, "1"),))
        claim = (
            f"{where} sent the made-up header {PROBE_HEADER}: the preflight let it through "
            "and the page read the answer"
        )
    elif how in ("read", "read-with-credentials"):
        if how == "read-with-credentials":
            credentials = "include"
        spec = FetchSpec(url, "GET", credentials)
        with_cookies = (
            "with credentials: 'include' (the victim's cookies)"
            if credentials == "include"
            else "without credentials"
        )
        claim = f"{where} read the response {with_cookies}"
    else:
        return NoProof(index, f"no browser proof is defined for {finding.id}")
    if page_policy(url) is None:
        spec = replace(spec, redirect="error")
    return ProofPlan(index, finding.id, origin, host_origin, spec, claim, stand_in)


def _js(value: Any) -> str:
    """JSON that is safe inside a <script> element and an HTML attribute."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def spec_json(spec: FetchSpec, timeout: float, limit: int = BODY_PREVIEW) -> str:
    return _js(
        {
            "url": spec.url,
            "method": spec.method,
            "credentials": spec.credentials,
            "headers": dict(spec.headers),
            "redirect": spec.redirect,
            "timeoutMs": max(1, round(timeout * 1000)),
            "limit": limit,
        }
    )


def attacker_page(plan: ProofPlan, timeout: float) -> str:
    """The HTML served at ``plan.page_url``.

    Nothing is fetched on load: ``window.corsguardRun()`` starts the fetch and returns a
    Promise of its result, so the prover can first turn request routing off (see
    `Prover._page`). In the sandboxed variant the iframe waits for its parent's "go".
    """
    script = f"{FETCH_FUNCTION}const corsguardSpec = {spec_json(plan.fetch, timeout)};\n"
    title = f"corsguard proof: {html.escape(plan.finding_id)}"
    if not plan.sandboxed:
        return (
            f'<!doctype html>\n<meta charset="utf-8">\n<title>{title}</title>\n<script>\n'
            f"{script}window.corsguardRun = () => corsguardFetch(corsguardSpec);\n</script>\n"
        )
    inner = (
        f"<script>\n{script}window.addEventListener('message', (event) => {{\n"
        "  if (event.source !== parent || event.data !== 'go') return;\n"
        "  corsguardFetch(corsguardSpec).then((result) => parent.postMessage(result, '*'));\n"
        "}, {once: true});\n</script>"
    )
    return (
        f'<!doctype html>\n<meta charset="utf-8">\n<title>{title}</title>\n<script>\n'
        "window.corsguardRun = () => new Promise((resolve) => {\n"
        "  const frame = document.getElementById('attacker');\n"
        "  window.addEventListener('message', (event) => {\n"
        "    if (event.source === frame.contentWindow) resolve(event.data);\n"
        "  });\n"
        "  frame.contentWindow.postMessage('go', '*');\n"
        "});\n</script>\n"
        f'<iframe id="attacker" sandbox="allow-scripts" srcdoc="{html.escape(inner)}">'
        "</iframe>\n"
    )


# --- What the page read (pure) ----------------------------------------------------------


@dataclass(frozen=True)
class PageOutcome:
    """What the attacker page reported, plus what the browser logged."""

    page_origin: str | None = None  # self.origin in the script (None: the page never ran)
    read: bool = False
    status: int | None = None
    response_url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    body_truncated: bool = False
    error: str | None = None  # the fetch's rejection (TypeError: Failed to fetch)
    console: tuple[str, ...] = ()  # the browser's console errors (the CORS reason)
    page_error: str | None = None  # the page could not be loaded or run
    # Whether the fetch's request to the target carried a Cookie header, as Chromium sent
    # it (None: not observed). A cookie Chromium withholds (SameSite=Lax on a cross-site
    # fetch) makes a credentialed read an anonymous one.
    cookie_sent: bool | None = None

    @classmethod
    def from_script(cls, data: Any, console: Sequence[str] = ()) -> PageOutcome:
        """Validate the JSON the page script returned (a hostile target shapes part of it).

        Every string is made valid Unicode here, where it is read: a JS string may hold a
        lone surrogate, which strict UTF-8 writers and JSON parsers refuse.
        """
        console = tuple(clean_text(str(line)) for line in console)
        if not isinstance(data, dict):
            return cls(console=console, page_error="the proof page returned nothing")
        headers = data.get("headers")
        pairs = tuple(
            (clean_text(str(pair[0])), clean_text(str(pair[1])))
            for pair in (headers if isinstance(headers, list) else [])
            if isinstance(pair, list) and len(pair) == 2
        )
        status = data.get("status")
        body_error = data.get("bodyError")
        return cls(
            page_origin=clean_text(str(data.get("pageOrigin"))),
            read=data.get("read") is True,
            status=status if isinstance(status, int) else None,
            response_url=clean_text(str(data["responseUrl"])) if data.get("responseUrl") else None,
            headers=pairs,
            body=clean_text(str(data.get("body") or "")[:BODY_PREVIEW]),
            body_truncated=bool(data.get("bodyTruncated")) or body_error is not None,
            error=clean_text(str(data["error"])) if data.get("error") else None,
            console=console,
        )

    @property
    def policy_block(self) -> str | None:
        """Chromium's console line saying the page's CSP refused a request (see page_policy)."""
        for line in self.console:
            if "Content Security Policy" in line:
                return line
        return None

    @property
    def cors_message(self) -> str | None:
        """Chromium's console line saying why CORS blocked the read, if it did."""
        for line in self.console:
            # "address space" lines are Local Network Access refusals, not a CORS verdict.
            if "CORS policy" in line and "address space" not in line:
                return line
        return None


def _reason(outcome: PageOutcome) -> str:
    message = outcome.cors_message
    if message is not None:
        _, _, why = message.partition("blocked by CORS policy: ")
        return why or message
    return outcome.page_error or outcome.error or "the page could not read the response"


@dataclass(frozen=True)
class ProofContext:
    """Facts about the browser run shared by a target's proofs."""

    browser: str  # "Chromium 156.0.8078.79"
    notes: tuple[str, ...] = ()
    timeout: float = 10.0
    keep_bodies: bool = False  # --keep-bodies: the body preview goes into the report


_SECRET_HEADER_WORDS = ("cookie", "auth", "token", "key", "secret", "session", "password")
_JSON_KEY = re.compile(r'"((?:[^"\\\x00-\x1f]|\\.){1,64})"\s*:')


def body_shape(body: str, truncated: bool, headers: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What a report says about a body by default: its size, type and JSON keys, no values.

    Reports are CI artifacts; a proof with the auditor's cookie reads a victim's private
    data (API keys, addresses), which must not land there unless --keep-bodies asks.
    """
    content_type = next((v for n, v in headers if n.lower() == "content-type"), None)
    keys: list[str] = []
    with contextlib.suppress(ValueError, RecursionError):
        data = json.loads(body)
        if isinstance(data, dict):
            keys = [str(k) for k in data][:50]
    if not keys:
        # A truncated preview is not valid JSON: the keys it shows, in order.
        keys = list(dict.fromkeys(m.group(1) for m in _JSON_KEY.finditer(body)))[:50]
    return {
        "length": len(body),
        "truncated": truncated,
        "content_type": content_type,
        "json_keys": keys,
    }


def _proof_headers(headers: Sequence[tuple[str, str]], keep: bool) -> dict[str, str]:
    return {
        name: value
        if keep or not any(word in name.lower() for word in _SECRET_HEADER_WORDS)
        else "<redacted>"
        for name, value in headers
    }


def _proof_dict(
    plan: ProofPlan, outcome: PageOutcome, notes: Sequence[str], keep_bodies: bool = False
) -> dict[str, Any]:
    return {
        "page": plan.page_url,
        "page_origin": outcome.page_origin or plan.page_origin,
        "sandboxed_iframe": plan.sandboxed,
        "request": {
            "method": plan.fetch.method,
            "url": plan.fetch.url,
            "credentials": plan.fetch.credentials,
            "headers": dict(plan.fetch.headers),
        },
        "read": outcome.read,
        "result": read_result(plan, outcome),
        "cookie_sent": outcome.cookie_sent,
        "status": outcome.status,
        "response_url": outcome.response_url,
        "headers": _proof_headers(outcome.headers, keep_bodies),
        "body": outcome.body if keep_bodies else None,
        "body_redacted": not keep_bodies,
        "body_shape": body_shape(outcome.body, outcome.body_truncated, outcome.headers),
        "body_truncated": outcome.body_truncated,
        "error": outcome.error or outcome.page_error,
        "console": outcome.cors_message,
        "notes": list(notes),
    }


READ_WITH_CREDENTIALS = "read-with-credentials"
READ_ANONYMOUSLY = "read-anonymously"
READ_ERROR_STATUS = "read-error-status"


def read_result(plan: ProofPlan, outcome: PageOutcome) -> str | None:
    """What the attacker page read: the victim's answer, an anonymous one, or an error.

    Only a 2xx answer fetched with the victim's cookie actually sent shows private data;
    with ``credentials: 'omit'``, or a cookie Chromium withheld (SameSite=Lax on plain
    http), the page read what anyone gets; a 4xx/5xx answer shows no data at all.
    """
    if not outcome.read:
        return None
    if outcome.status is None or not 200 <= outcome.status <= 299:
        return READ_ERROR_STATUS
    if plan.fetch.credentials == "include" and outcome.cookie_sent:
        return READ_WITH_CREDENTIALS
    return READ_ANONYMOUSLY


def not_proven(finding: Finding, browser: str, note: str) -> Finding:
    """A finding that went through --prove without a browser proof (``proven`` null)."""
    return replace(finding, proven=None, browser=browser, proof={"notes": [note]})


def interpret(
    finding: Finding, plan: ProofPlan, outcome: PageOutcome, context: ProofContext
) -> Finding:
    """The finding marked proven, refuted (and lowered to low) or inconclusive."""
    notes = list(context.notes)
    if outcome.page_origin is not None and outcome.page_origin != plan.page_origin:
        notes.insert(
            0,
            f"inconclusive: Chromium serializes this page's origin as {outcome.page_origin!r}, "
            f"not {plan.page_origin!r}, so it cannot send the probe's Origin",
        )
        return replace(
            finding,
            proven=None,
            browser=context.browser,
            proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
        )
    if outcome.read:
        status = outcome.status if outcome.status is not None else "?"
        size = f"{len(outcome.body)}{'+' if outcome.body_truncated else ''} characters"
        result = read_result(plan, outcome)
        if result == READ_ERROR_STATUS:
            # The grant let the page read, but an error answer holds no data: no proof.
            notes.insert(
                0,
                f"inconclusive: the page could read the answer, but it is an error (status "
                f"{status}), which shows no data; audit with the victim's session "
                "(-H 'Cookie: ...') or an endpoint that returns data",
            )
            return replace(
                finding,
                proven=None,
                browser=context.browser,
                proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
            )
        if result == READ_WITH_CREDENTIALS:
            what = "with the victim's cookie sent by Chromium: the page read the logged-in answer"
        elif plan.fetch.credentials == "include":
            what = (
                "but Chromium sent no cookie with the request (none given with -H, or one it "
                "withholds from a cross-site fetch: SameSite=Lax is the default, and plain "
                "http cannot have SameSite=None), so the page read the anonymous answer: the "
                "grant is proven, the exposure of a logged-in victim's data is not"
            )
        else:
            what = "without credentials: the page read what any visitor's browser gets here"
        explanation = (
            f"{finding.explanation} Proven in {context.browser}: {plan.claim}, {what} "
            f"(status {status}, {size} of body)."
        )
        return replace(
            finding,
            proven=True,
            browser=context.browser,
            proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
            explanation=explanation,
        )
    if outcome.policy_block is not None:
        # The target sent the fetch elsewhere (a redirect to an origin the user did not
        # list): the proof does not follow it, so the read is neither shown nor refuted.
        notes.insert(
            0,
            "inconclusive: the target redirected the request to another origin, which the "
            "proof does not follow (its browser reaches only the listed target): "
            f"{outcome.policy_block}",
        )
        return replace(
            finding,
            proven=None,
            browser=context.browser,
            proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
        )
    if outcome.cors_message is not None and plan.stand_in:
        # The echo was seen from the trusted front end; an attacker origin being refused
        # shows the echo is not an attacker's tool, not that the finding is wrong.
        notes.insert(
            0,
            f"not provable as an attack: from an attacker origin ({plan.page_origin}) "
            f"Chromium refuses it ({_reason(outcome)}); the finding was seen from "
            f"{finding.origin}, a trusted front end",
        )
        return replace(
            finding,
            proven=None,
            browser=context.browser,
            proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
        )
    if outcome.cors_message is not None:
        # Chromium's own CORS check refused the read: the header verdict was wrong.
        reason = _reason(outcome)
        lowered = finding.severity.rank > Severity.LOW.rank
        change = f" Severity lowered from {finding.severity.value} to low." if lowered else ""
        explanation = (
            f"{finding.explanation} Refuted in {context.browser}: the attacker page could not "
            f"read the response ({reason}).{change}"
        )
        return replace(
            finding,
            severity=Severity.LOW,
            proven=False,
            browser=context.browser,
            proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
            explanation=explanation,
        )
    # A network error, a timeout or a page that did not run: neither proven nor refuted.
    notes.insert(0, f"inconclusive: {_reason(outcome)}")
    return replace(
        finding,
        proven=None,
        browser=context.browser,
        proof=_proof_dict(plan, outcome, notes, context.keep_bodies),
    )


# --- The audit's options, for the browser (pure) -------------------------------------------


def _is_cookie(name: str) -> bool:
    return name.lower() == "cookie"


def context_cookies(url: str, headers: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """-H 'Cookie: a=1; b=2' as cookies of the target's host, as the victim would hold them.

    The audit does not know the real cookies' attributes. On https they are set
    ``SameSite=None; Secure``, the only kind a cross-site fetch carries; on plain http
    Chromium refuses both Secure and SameSite=None, so they get its default (Lax) and
    only same-site pages send them.
    """
    secure = urlsplit(url).scheme.lower() == "https"
    base = url_origin(url) + "/"
    cookies: list[dict[str, Any]] = []
    for name, value in headers:
        if not _is_cookie(name):
            continue
        for part in value.split(";"):
            key, sep, val = part.strip().partition("=")
            if not sep or not key.strip():
                continue
            cookies.append(
                {
                    "name": key.strip(),
                    "value": val.strip(),
                    "url": base,
                    "secure": secure,
                    "sameSite": "None" if secure else "Lax",
                }
            )
    return cookies


def header_notes(url: str, headers: Sequence[tuple[str, str]]) -> list[str]:
    """What the proof can and cannot carry of the audit's -H headers."""
    notes: list[str] = []
    cookies = context_cookies(url, headers)
    if cookies:
        if urlsplit(url).scheme.lower() == "https":
            notes.append(
                f"{len(cookies)} cookie(s) from -H set for the target as SameSite=None; "
                "Secure (their real attributes are unknown: Lax or Strict cookies would not "
                "come along on a cross-site fetch)"
            )
        else:
            notes.append(
                f"{len(cookies)} cookie(s) from -H set for the target with Chromium's default "
                "SameSite=Lax: on plain http a cookie cannot be SameSite=None (that needs "
                "Secure), so cross-site pages never send it"
            )
    others = sorted({name for name, _ in headers if not _is_cookie(name)}, key=str.lower)
    if others:
        notes.append(
            f"not used by the proof: {', '.join(others)} (an attacker's page cannot make the "
            "victim's browser send them; only cookies are ambient credentials)"
        )
    return notes


def resolver_rules(resolve: Sequence[tuple[str, int, str]]) -> str:
    """--resolve HOST:PORT:ADDRESS as Chromium's --host-resolver-rules (port kept in the URL).

    ``MAP host:port address`` applies to that port only and keeps it; ``*`` maps every host.
    """
    rules = []
    for host, port, address in resolve:
        shown = f"[{address}]" if ":" in address else address
        rules.append(f"MAP {host}:{port} {shown}")
    return ", ".join(rules)


def pinned_address(url: str, resolve: Sequence[tuple[str, int, str]]) -> str:
    """The address --resolve pins for the URL's host and port, else the host itself."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    for pin_host, pin_port, address in resolve:
        if pin_port == port and pin_host in (host, "*"):
            return address
    return host


def is_local_address(address: str) -> bool | None:
    """True for loopback, private and link-local addresses (and localhost names), False for
    other IP addresses, None for a host name that needs DNS."""
    address = address.strip("[]").lower()
    if address == "localhost" or address.endswith(".localhost"):
        return True  # RFC 6761, 6.3: always loopback
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return ip.is_loopback or ip.is_private or ip.is_link_local


def local_network_note(url: str, resolve: Sequence[tuple[str, int, str]]) -> str | None:
    """A note when the target is on a loopback or private address (Local Network Access)."""
    if not is_local_address(pinned_address(url, resolve)):
        return None
    return (
        "the target is on a local network address: a real Chromium would first ask the "
        "visitor for Local Network Access permission (and refuse plain-http pages); the proof "
        "turns that check off for local targets only, to test CORS alone"
    )


async def target_is_local(
    url: str, resolve: Sequence[tuple[str, int, str]], timeout: float = 5.0
) -> bool:
    """Whether ``url`` is on a loopback or private address (--resolve first, then DNS).

    Only then may its proof run in the browser without Local Network Access checks; a name
    that does not resolve, or resolves to any public address, counts as public.
    """
    address = pinned_address(url, resolve)
    local = is_local_address(address)
    if local is not None:
        return local
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(address, port, type=socket.SOCK_STREAM),
            timeout,
        )
    except (OSError, asyncio.TimeoutError, UnicodeError):
        return False
    found = {str(info[4][0]) for info in infos}
    return bool(found) and all(is_local_address(a) for a in found)


def page_policy(target_url: str) -> str | None:
    """The attacker page's Content-Security-Policy: it may connect to the target only.

    None for a target on an IPv6 literal, which CSP's host-source grammar cannot name
    (Chromium drops ``http://[::1]:8080`` as invalid): its proof fetches with
    ``redirect: "error"`` instead, so no redirect is followed at all.

    CSP is checked again on every redirect hop (Fetch, "main fetch" step "should request be
    blocked by Content Security Policy", reached from "HTTP-redirect fetch"), which
    Playwright's request routing does not see (it continues redirects by itself), so a
    target cannot steer the proof to a host or port the user did not list. The sandboxed
    iframe (srcdoc) inherits the policy (HTML, "policy container" of about:srcdoc).
    """
    try:
        origin = url_origin(target_url)
    except TargetError:
        return None
    if "[" in origin:
        return None
    return f"connect-src {origin}"


# --- The edge: Chromium through Playwright ------------------------------------------------


class BrowserUnavailable(RuntimeError):
    """No usable Chromium (or no Playwright): the message says how to install one."""


def find_browser(path: str | None) -> str:
    """The Chromium binary to drive; BrowserUnavailable with an install hint if there is none."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        raise BrowserUnavailable(
            f"--prove needs Playwright for Python and Chromium: {INSTALL_HINT}"
        ) from None
    if path is not None:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
        raise BrowserUnavailable(
            f"--browser {path}: no executable Chromium there; install one ({INSTALL_HINT}) "
            "or point --browser at a Chromium binary"
        )
    for candidate in BROWSER_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise BrowserUnavailable(
        f"--prove needs Chromium and none was found: {INSTALL_HINT} (or use --browser PATH)"
    )


@dataclass(frozen=True)
class ProveSettings:
    prove_all: bool = False
    browser: str | None = None  # --browser PATH
    insecure: bool = False  # -k
    resolve: tuple[tuple[str, int, str], ...] = ()
    timeout: float = 10.0  # per fetch, seconds
    contexts: int = 4  # targets proven at once
    keep_bodies: bool = False  # --keep-bodies: body previews go into the report
    cache_key: str | None = None  # the run's cache-key token (model.with_cache_key)
    poc_dir: str | None = None  # --poc-dir, created and checked (corsguard.audit.poc)
    # The first target is local (only a hint: which browser to start before the first
    # probe, so that a missing Chromium is reported at once; see Prover).
    expect_local: bool = False


@dataclass
class _Page:
    plan: ProofPlan
    console: list[str] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)  # the fetch's requests to the target


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Prover:
    """Chromium for an audit; ``await prover.prove(report)`` per target.

    Two browsers at most, each started when first needed: one with Local Network Access
    checks (public targets) and one without (targets on loopback or private addresses, see
    `launch_flags`), so a public target is never proven where those checks are off.
    """

    def __init__(self, settings: ProveSettings) -> None:
        self.settings = settings
        self.executable = find_browser(settings.browser)
        self.browser_name = "Chromium"
        self._stack = contextlib.AsyncExitStack()
        self._playwright: Any = None
        self._home = ""
        self._browsers: dict[bool, Any] = {}
        self._launching = asyncio.Lock()
        self._limit = asyncio.Semaphore(max(1, settings.contexts))

    async def __aenter__(self) -> Prover:
        from playwright.async_api import async_playwright

        self._home = self._stack.enter_context(
            tempfile.TemporaryDirectory(prefix="corsguard-prove-")
        )
        try:
            self._playwright = await self._stack.enter_async_context(async_playwright())
            await self._browser(self.settings.expect_local)
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def _browser(self, local: bool) -> Any:
        async with self._launching:
            if local not in self._browsers:
                self._browsers[local] = await self._launch(local)
            return self._browsers[local]

    async def _launch(self, local: bool) -> Any:
        home = os.path.join(self._home, "local" if local else "public")
        profile = os.path.join(home, "profile")
        os.makedirs(os.path.join(profile, "Default"))
        with open(os.path.join(profile, "Default", "Preferences"), "w", encoding="utf-8") as f:
            json.dump(PROFILE_PREFERENCES, f)
        env: dict[str, str | float | bool] = dict(os.environ)
        env.update(
            HOME=home,
            XDG_CONFIG_HOME=os.path.join(home, "config"),
            XDG_CACHE_HOME=os.path.join(home, "cache"),
            XDG_DATA_HOME=os.path.join(home, "data"),
        )
        args = list(launch_flags(local))
        rules = resolver_rules(self.settings.resolve)
        if rules:
            args.append(f"--host-resolver-rules={rules}")
        try:
            persistent = await self._playwright.chromium.launch_persistent_context(
                profile, executable_path=self.executable, args=args, env=env, headless=True
            )
        except Exception as exc:
            raise BrowserUnavailable(
                f"cannot start Chromium at {self.executable}: {_first_line(exc)} "
                f"({INSTALL_HINT}, or --browser PATH)"
            ) from None
        self._stack.push_async_callback(persistent.close)
        self.browser_name = f"Chromium {persistent.browser.version}"
        return persistent.browser

    async def prove(self, report: TargetReport) -> TargetReport:
        """The report with every finding marked: proven, refuted (lowered) or null.

        Never raises for one target's sake: whatever goes wrong becomes a note on that
        target's findings, and the other targets are proven as usual.
        """
        try:
            return await self._prove(report)
        except Exception as exc:
            note = f"inconclusive: the proof could not run ({_first_line(exc)[:200]})"
            return replace(
                report,
                findings=tuple(not_proven(f, self.browser_name, note) for f in report.findings),
            )

    async def _prove(self, report: TargetReport) -> TargetReport:
        if report.status != "ok" or not report.findings:
            return report
        plans: list[ProofPlan] = []
        findings = list(report.findings)
        for index, finding in enumerate(findings):
            if not should_prove(finding, self.settings.prove_all):
                findings[index] = not_proven(
                    finding,
                    self.browser_name,
                    f"not attempted: severity {finding.severity.value} (--prove=all proves "
                    "every finding)",
                )
                continue
            token = self.settings.cache_key
            url = report.url if token is None else with_cache_key(report.url, f"{token}-p{index}")
            plan = plan_proof(url, index, finding)
            if isinstance(plan, NoProof):
                findings[index] = not_proven(finding, self.browser_name, plan.note)
            else:
                plans.append(plan)
        if plans:
            local = await target_is_local(report.url, self.settings.resolve, self.settings.timeout)
            async with self._limit:
                outcomes, blocked = await self._run(report, plans, local)
            notes = list(header_notes(report.url, report.request_headers))
            lna = local_network_note(report.url, self.settings.resolve) if local else None
            if lna:
                notes.append(lna)
            if page_policy(report.url) is None:
                notes.append(
                    "the target is on an IPv6 address, which a Content-Security-Policy cannot "
                    "name: the proof follows no redirect at all (fetch redirect: 'error')"
                )
            if blocked:
                notes.append(
                    f"the proof's browser refused {len(blocked)} request(s) to origins the "
                    f"user did not list (first: {blocked[0][:200]})"
                )
            context = ProofContext(
                self.browser_name, tuple(notes), keep_bodies=self.settings.keep_bodies
            )
            for plan, outcome in zip(plans, outcomes, strict=True):
                findings[plan.index] = interpret(findings[plan.index], plan, outcome, context)
        findings.sort(key=lambda f: -f.severity.rank)  # stable: the audit's order otherwise
        return replace(report, findings=tuple(findings))

    async def _run(
        self, report: TargetReport, plans: Sequence[ProofPlan], local: bool
    ) -> tuple[list[PageOutcome], list[str]]:
        """One browser context for the target; each plan in its own page, all at once.

        Returns the outcomes and the URLs the context refused (origins not listed).
        """
        browser = await self._browser(local)
        context = await browser.new_context(ignore_https_errors=self.settings.insecure)
        blocked: list[str] = []
        try:
            if local:
                # Only a local target's own browser (checks off anyway) gets the permission;
                # a public target's context never lets a page reach the local network.
                with contextlib.suppress(Exception):  # older Playwright: no such permission
                    await context.grant_permissions(["local-network-access"])
            cookies = context_cookies(report.url, report.request_headers)
            if cookies:
                await context.add_cookies(cookies)
            policy = page_policy(report.url)
            outcomes = list(
                await asyncio.gather(
                    *(self._page(context, plan, policy, blocked) for plan in plans)
                )
            )
            return outcomes, blocked
        finally:
            await context.close()

    async def _page(
        self, context: Any, plan: ProofPlan, policy: str | None, blocked: list[str]
    ) -> PageOutcome:
        """Load the attacker page through routing, then turn routing off and run the fetch.

        While any route is active Playwright intercepts every request of the page, answers
        CORS preflights itself with a grant of whatever was asked (its crNetworkManager does
        so to let routed requests through) and continues redirect hops unseen: the fetch
        must run with routing off, so that the target's own preflight answer is judged.
        """
        state = _Page(plan)
        page = await context.new_page()
        page.on(
            "console",
            lambda message: (
                state.console.append(clean_text(message.text)) if message.type == "error" else None
            ),
        )
        # Requests that got an answer only: Chromium reports the headers it sent (cookies
        # included) with the response; a request refused before it was sent has none.
        page.on(
            "response",
            lambda response: (
                state.requests.append(response.request)
                if response.request.url == plan.fetch.url and response.request.method != "OPTIONS"
                else None
            ),
        )
        body = attacker_page(plan, self.settings.timeout)

        async def serve(route: Any) -> None:
            url = route.request.url
            if url.split("#", 1)[0] != plan.page_url:
                # The page loads nothing else; refuse anything it would.
                blocked.append(url)
                await route.abort("blockedbyclient")
                return
            await route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": policy} if policy else {},
                body=body,
            )

        budget = self.settings.timeout + 5
        try:
            await page.route("**/*", serve)
            await page.goto(plan.page_url, timeout=budget * 1000)
            await page.unroute_all()
            data = await asyncio.wait_for(page.evaluate("() => window.corsguardRun()"), budget)
            outcome = PageOutcome.from_script(data)
            if not outcome.read:
                # The console error (Chromium's CORS reason) may trail the rejection a little.
                for _ in range(25):
                    if any(
                        "blocked by CORS policy" in line or "Content Security Policy" in line
                        for line in state.console
                    ):
                        break
                    await asyncio.sleep(0.02)
            return replace(
                outcome, console=tuple(state.console), cookie_sent=await _cookie_sent(state)
            )
        except Exception as exc:
            return PageOutcome(console=tuple(state.console), page_error=_first_line(exc))
        finally:
            with contextlib.suppress(Exception):
                await page.close()


async def _cookie_sent(state: _Page) -> bool | None:
    """Whether Chromium put a Cookie header on the fetch's request (as sent on the wire)."""
    if not state.requests:
        return None
    for request in state.requests:
        with contextlib.suppress(Exception):
            # Playwright waits for Chromium's "extra info" event, which a request refused
            # before it was sent (CSP on a redirect hop) never gets: bounded.
            headers = await asyncio.wait_for(request.all_headers(), 2.0)
            if any(name.lower() == "cookie" and value for name, value in headers.items()):
                return True
    return False


async def prove_stream(
    items: Iterator[Any],
    options: Any,
    on_report: Callable[[int, TargetReport], Awaitable[None] | None],
    settings: ProveSettings,
) -> list[BaseException]:
    """`corsguard.audit.prober.audit_stream` with each report proven before ``on_report``.

    Chromium starts once, before the first probe; each target is proven as soon as its
    audit is done (its own browser context), and, with ``settings.poc_dir``, its
    proof-of-concept pages are written then.
    """
    from corsguard.audit.poc import prepare_poc_dir, write_pocs
    from corsguard.audit.prober import audit_stream

    poc_dir = None if settings.poc_dir is None else prepare_poc_dir(settings.poc_dir)
    async with Prover(settings) as prover:

        async def proved(index: int, report: TargetReport) -> None:
            report = await prover.prove(report)
            if poc_dir is not None:
                try:
                    write_pocs(poc_dir, [report], settings.timeout)
                except Exception as exc:  # one target's pages must not end the run
                    note = f"--poc-dir: its proof-of-concept pages were not written ({exc})"
                    report = replace(report, notes=(*report.notes, note))
            result = on_report(index, report)
            if result is not None:
                await result

        return await audit_stream(items, options, proved)


__all__ = [
    "BODY_PREVIEW",
    "FETCH_FUNCTION",
    "BrowserUnavailable",
    "FetchSpec",
    "NoProof",
    "PageOutcome",
    "ProofContext",
    "ProofPlan",
    "ProveSettings",
    "Prover",
    "attacker_page",
    "body_shape",
    "context_cookies",
    "find_browser",
    "header_notes",
    "interpret",
    "is_local_address",
    "launch_flags",
    "local_network_note",
    "not_proven",
    "page_policy",
    "pinned_address",
    "plan_proof",
    "prove_stream",
    "read_result",
    "resolver_rules",
    "should_prove",
    "target_is_local",
]
