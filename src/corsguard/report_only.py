"""Report-only mode (issue #14): what the policy would have done, compared with what the app did.

Like CSP's Content-Security-Policy-Report-Only, report-only mode puts corsguard in front of
an app's existing CORS handling without changing a byte: the app answers every request,
preflights included. corsguard decides each request as it would when enforcing (the engine,
with the engine's own refusal lines and ``on_reject`` calls held back) and compares that
decision with the app's answer. Each request where they differ is a divergence:

- ``would-refuse``: corsguard would refuse what the app allowed: a write or WebSocket
  handshake it would block before the app runs, a preflight the app granted, or an
  Access-Control-Allow-Origin (or -Credentials) the app sent that the policy would not;
- ``would-grant``: the app refused, or answered without the CORS headers for, what the
  policy allows (or sent no Allow-Credentials where the policy grants them);
- ``would-add-vary``: the app's answer depends on Origin but its Vary lacks the tokens
  corsguard adds (a shared cache may serve one origin's answer to another: Fetch §CORS
  protocol and HTTP caches).

This module is pure but for the report: `classify` is a function of the decision and the
app's answer; `report` writes a rate-limited ``corsguard report-only ...`` line through
`corsguard.refusal_log` (the refusals' budget) and calls ``on_reject`` with an
`ObservedDecision`. The adapters' plumbing is in `corsguard.observe`.

Report-only is an option of the adapter, not of the `Policy`: the policy is what will be
enforced, unchanged, once the observation is over (``corsguard check`` validates the same
file either way); and a policy's routes cannot be half enforced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from corsguard import refusal_log, spec
from corsguard.decision import Decision, RequestKind
from corsguard.engine import decide, escape, route_policy
from corsguard.policy import Policy

WOULD_REFUSE = "would-refuse"
WOULD_GRANT = "would-grant"
WOULD_ADD_VARY = "would-add-vary"
DIVERGENCES = (WOULD_REFUSE, WOULD_GRANT, WOULD_ADD_VARY)
# The event of the log line: ``corsguard report-only kind=...`` (`corsguard learn` reads it).
EVENT = "report-only"

_ACAO = spec.ALLOW_ORIGIN.encode()
_ACAC = spec.ALLOW_CREDENTIALS.encode()
_ACAM = spec.ALLOW_METHODS.encode()
_ACAH = spec.ALLOW_HEADERS.encode()
# Fetch §CORS-safelisted method: needs no Access-Control-Allow-Methods.
_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
# The first character of Vary and Access-Control-*, as str and bytes, in either case.
_FIRST = frozenset({"v", "V", "a", "A", b"v", b"V", b"a", b"A"})
# The fields AppAnswer keeps, by lowercase name (str or bytes), to their slot.
_SLOTS: dict[str | bytes, int] = {}
for _slot, _name in enumerate(
    ("vary", spec.ALLOW_ORIGIN, spec.ALLOW_CREDENTIALS, spec.ALLOW_METHODS, spec.ALLOW_HEADERS)
):
    _SLOTS[_name] = _SLOTS[_name.encode()] = _slot


def _joined(values: list[bytes | str]) -> bytes | None:
    """One field's lines as bytes, each bounded and trimmed; None when absent."""
    if not values:
        return None
    if len(values) == 1:  # the usual case
        one = values[0]
        raw = one if isinstance(one, bytes) else str(one).encode("latin-1", "replace")
        return raw[:_MAX_VALUE].strip(b" \t")
    parts = [
        (v if isinstance(v, bytes) else str(v).encode("latin-1", "replace"))[:_MAX_VALUE].strip(
            b" \t"
        )
        for v in values
    ]
    return parts[0] if len(parts) == 1 else b", ".join(parts)


# Bounds what is kept of an app's header for the comparison and the line (it is the app's
# own output, but a reflected Origin makes it client-chosen).
_MAX_VALUE = 1024


class ObservedDecision(Decision):
    """What ``on_reject`` receives in report-only mode: the decision corsguard would have
    made (its ``status``, ``headers``, ``reason``), plus ``divergence`` (one of
    `DIVERGENCES`). Nothing was enforced: the app answered the request."""

    divergence: str
    report_only = True


def observed(decision: Decision, divergence: str) -> ObservedDecision:
    result = ObservedDecision(*decision)
    result.divergence = divergence
    return result


class AppAnswer:
    """The CORS-relevant part of the app's response (header names compared lowercase).

    ``headers`` are byte pairs (ASGI) or str pairs (WSGI, Django, Flask: PEP 3333 latin-1).
    """

    __slots__ = ("acac", "acah", "acam", "acao", "status", "vary")

    def __init__(
        self, status: int, headers: Iterable[tuple[bytes, bytes]] | Iterable[tuple[str, str]]
    ) -> None:
        self.status = status
        found: list[list[bytes | str]] = [[], [], [], [], []]
        for name, value in headers:
            # Only Vary and Access-Control-Allow-*: most names are passed over on their
            # first character, without a copy.
            if name[:1] in _FIRST:
                slot = _SLOTS.get(name.lower())
                if slot is not None:
                    found[slot].append(value)
        vary, acao, acac, acam, acah = (_joined(values) for values in found)
        self.vary = vary or b""
        # Several lines of one field: the browser takes them combined, and a combined
        # Allow-Origin never matches (Fetch §CORS check).
        self.acao, self.acac, self.acam, self.acah = acao, acac, acam, acah


def _grants(acao: bytes | None, acac: bytes | None, origin: str, credentials: bool) -> bool:
    """Whether the browser's CORS check passes (Fetch §CORS check): Allow-Origin is the
    request's origin, or '*' for a request without credentials; with credentials,
    Allow-Credentials is exactly 'true'."""
    if acao is None:
        return False
    if acao == b"*":
        return not credentials
    if acao != origin.encode("latin-1", "replace"):
        return False
    return not credentials or acac == b"true"


def _tokens(value: bytes | None) -> set[str]:
    if not value:
        return set()
    return {t.strip(" \t") for t in value.decode("latin-1").split(",") if t.strip(" \t")}


def _preflight_grants(answer: AppAnswer, origin: str, acrm: str | None, acrh: str | None) -> bool:
    """Whether a browser takes the app's answer to a preflight as a grant (Fetch §CORS-
    preflight fetch): an ok status, the CORS check, the method and every header allowed.
    The credentials mode of the actual request is unknown here: '*' counts as allowing."""
    if not 200 <= answer.status < 300 or not _grants(answer.acao, None, origin, False):
        return False
    methods = _tokens(answer.acam)
    if acrm and acrm not in _SAFELISTED_METHODS and acrm not in methods and "*" not in methods:
        return False
    allowed = {name.lower() for name in _tokens(answer.acah)}
    for name in (acrh or "").split(","):
        name = name.strip(" \t").lower()
        # '*' never covers Authorization (Fetch §CORS-preflight fetch).
        if name and name not in allowed and ("*" not in allowed or name == "authorization"):
            return False
    return True


def _header(headers: Iterable[tuple[bytes, bytes]], wanted: bytes) -> bytes | None:
    for name, value in headers:
        if name == wanted:
            return value
    return None


def missing_vary(decision: Decision, app_vary: bytes) -> str:
    """The Vary tokens corsguard would add that the app's Vary lacks ('' for none)."""
    if not decision.vary or app_vary == decision.vary:
        return ""
    present = {t.lower() for t in _tokens(app_vary)}
    if "*" in present:
        return ""
    missing = [t for t in _tokens(decision.vary) if t.lower() not in present]
    # Sorted: a set's order is not stable between processes.
    return ", ".join(sorted(missing))


def classify(
    decision: Decision,
    answer: AppAnswer | None,
    acrm: str | None = None,
    acrh: str | None = None,
    credentials: bool = False,
) -> tuple[str, ...]:
    """The divergences between what corsguard would do (``decision``) and what the app did.

    ``answer`` is the app's response (None: a WebSocket handshake the app accepted).
    ``acrm``/``acrh`` are a preflight's requested method and headers; ``credentials``
    whether the request carries cookies or HTTP auth. Requests without an Origin, and
    same-origin ones, have nothing to compare: a browser reads no CORS header on them.
    """
    origin = decision.origin
    if origin is None or decision.kind is RequestKind.SAME_ORIGIN:
        if decision.status == 403 and (answer is None or answer.status != 403):
            # A cross-site write without Origin (Sec-Fetch-Site) that the app ran.
            return (WOULD_REFUSE,)
        return ()
    if decision.kind is RequestKind.WEBSOCKET:
        if decision.status == 403 and answer is None:
            return (WOULD_REFUSE,)
        return ()
    if answer is None:
        return ()
    found: list[str] = []
    if decision.kind is RequestKind.PREFLIGHT:
        app_grants = _preflight_grants(answer, origin, acrm, acrh)
        if decision.status == 403:
            if app_grants:
                found.append(WOULD_REFUSE)
            return tuple(found)
        if not app_grants:
            found.append(WOULD_GRANT)
        elif answer.acac == b"true" and _header(decision.headers, _ACAC) is None:
            # The app lets the actual request carry credentials; the policy would not.
            found.append(WOULD_REFUSE)
        elif answer.acac != b"true" and _header(decision.headers, _ACAC) is not None:
            found.append(WOULD_GRANT)
    elif decision.status == 403:
        # A write the app ran, which corsguard would have refused before the app.
        if answer.status != 403:
            found.append(WOULD_REFUSE)
        return tuple(found)
    else:
        would_acao = _header(decision.headers, _ACAO)
        would_acac = _header(decision.headers, _ACAC)
        app_grants = _grants(answer.acao, answer.acac, origin, credentials)
        would = _grants(would_acao, would_acac, origin, credentials)
        app_reads = _grants(answer.acao, answer.acac, origin, False)
        would_reads = _grants(would_acao, would_acac, origin, False)
        if (app_grants and not would) or (app_reads and not would_reads):
            found.append(WOULD_REFUSE)
        elif (would and not app_grants) or (would_reads and not app_reads):
            found.append(WOULD_GRANT)
        elif answer.acac == b"true" and would_acac is None and app_reads:
            # Credentials granted by the app on a request that carried none: the
            # browser's next credentialed fetch would pass the app and not corsguard.
            found.append(WOULD_REFUSE)
    if missing_vary(decision, answer.vary):
        found.append(WOULD_ADD_VARY)
    return tuple(found)


def _without_callbacks(policy: Policy) -> Policy:
    """``policy`` with no ``on_reject`` anywhere (its routes included)."""
    options = policy.options
    if options.on_reject is None and all(
        sub.on_reject is None and not sub.routes for sub in options.routes.values()
    ):
        return policy
    kwargs = {f.name: getattr(options, f.name) for f in fields(options)}
    kwargs["on_reject"] = None
    kwargs["routes"] = {key: _without_callbacks(sub) for key, sub in options.routes.items()}
    return Policy(**kwargs)


class Observer:
    """The report-only state of one adapter: the policy observed, and its silent twin."""

    __slots__ = ("policy", "silent")

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        # Decided by a twin without callbacks and with the engine's lines muted: the engine
        # would otherwise log 'refused' and call on_reject for refusals that never happen.
        self.silent = _without_callbacks(policy)

    def decide(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[bytes, bytes]],
        scheme: str = "http",
        websocket: bool = False,
        *,
        raw_path: str | None = None,
    ) -> Decision:
        token = refusal_log.mute()
        try:
            return decide(self.silent, method, path, headers, scheme, websocket, raw_path=raw_path)
        finally:
            refusal_log.muted.reset(token)

    def report(
        self,
        decision: Decision,
        answer: AppAnswer | None,
        request_headers: Iterable[tuple[bytes, bytes]],
        raw_path: str | None = None,
    ) -> tuple[str, ...]:
        """Classify, and log and report each divergence; returns the divergences."""
        acrm = acrh = None
        credentials = False
        for name, value in request_headers:
            if name == b"access-control-request-method":
                acrm = value.decode("latin-1").strip(" \t")
            elif name == b"access-control-request-headers":
                text = value.decode("latin-1")
                acrh = text if acrh is None else acrh + "," + text
            elif name in (b"cookie", b"authorization") and value.strip(b" \t"):
                credentials = True
        found = classify(decision, answer, acrm, acrh, credentials)
        if not found:
            return found
        refusal_log.log(
            EVENT,
            f"{found[0]}/{decision.kind.value}",
            decision.reason,
            _fields,
            decision,
            found,
            answer,
            acrm,
            acrh,
            credentials,
        )
        on_reject = self.policy.on_reject
        if self.policy.compiled.paths is not None:
            on_reject = route_policy(self.policy, decision.path, raw_path).on_reject
        if on_reject is not None:
            for divergence in found:
                on_reject(observed(decision, divergence))
        return found


def _value(value: bytes | None) -> str:
    return "-" if value is None else escape(value.decode("latin-1"))


def _fields(
    decision: Decision,
    found: tuple[str, ...],
    answer: AppAnswer | None,
    acrm: str | None,
    acrh: str | None,
    credentials: bool,
) -> str:
    # key=value as the engine's lines; what `corsguard learn` reads comes first.
    origin = decision.origin
    line = (
        f"kind={decision.kind.value} origin={escape(origin) if origin is not None else '-'} "
        f"method={escape(decision.method)} path={escape(decision.path)}"
    )
    if acrm is not None:
        line += " request_method=" + escape(acrm)
    if acrh is not None:
        line += " request_headers=" + escape(acrh)
    line += f" credentials={'yes' if credentials else 'no'} divergence={','.join(found)}"
    if decision.reason:
        line += " reason=" + escape(decision.reason)
    if answer is None:
        line += " app_status=accepted"
    else:
        line += (
            f" app_status={answer.status} app_acao={_value(answer.acao)}"
            f" app_acac={_value(answer.acac)} app_vary={_value(answer.vary or None)}"
        )
        if decision.kind is RequestKind.PREFLIGHT:
            line += f" app_acam={_value(answer.acam)} app_acah={_value(answer.acah)}"
    headers = decision.headers
    line += (
        f" would_status={decision.status or 'pass'}"
        f" would_acao={_value(_header(headers, _ACAO))}"
        f" would_acac={_value(_header(headers, _ACAC))}"
    )
    if decision.kind is RequestKind.PREFLIGHT:
        line += (
            f" would_acam={_value(_header(headers, _ACAM))}"
            f" would_acah={_value(_header(headers, _ACAH))}"
        )
    if WOULD_ADD_VARY in found and answer is not None:
        line += " would_add_vary=" + escape(missing_vary(decision, answer.vary))
    return line
