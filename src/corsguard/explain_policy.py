"""`corsguard explain --policy FILE | --app MODULE:ATTR`: the verdict in the policy's terms.

Nothing goes over the network. With ``--policy`` the request runs in-process against
corsguard's own middleware enforcing that policy (over a stub app that answers 200), so the
verdict is what the engine answers; with ``--app`` it runs against the user's ASGI or WSGI
app itself, so the verdict is what the app really answers, and the policy found in the app
(see corsguard.appload) names the options.

The policy side is judged from the request alone, option by option, in the order the
browser checks them (Fetch "CORS-preflight fetch": origin and credentials, then method,
then headers; "CORS check" on the actual response), and each fix is an option change:
"add 'Authorization' to allow_headers", never a header line the user would have to map back
to their configuration. A proposed change is applied to a copy of the policy and the
request is run again, so the report can say that the change is enough, and which header
the engine then sends.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from corsguard.asgi import CORSMiddleware
from corsguard.browser import (
    Outgoing,
    Request,
    Response,
    Verdict,
    needs_preflight,
    serialize_url_origin,
    simulate,
)
from corsguard.engine import route_policy
from corsguard.inprocess import call_asgi, call_wsgi, is_asgi
from corsguard.policy import Policy, PolicyError
from corsguard.spec import SAFELISTED_METHODS

__all__ = ["PolicyFix", "PolicyItem", "PolicyReport", "diagnose", "policy_app", "run_app"]

Message = MutableMapping[str, Any]
# The actual requests run in-process without --send: they cannot change data.
SAFE_ACTUAL = ("GET", "HEAD")


@dataclass(frozen=True)
class PolicyItem:
    """One option the request depends on: ``ok`` when the policy already grants it."""

    option: str
    ok: bool
    text: str


@dataclass(frozen=True)
class PolicyFix:
    """A change to one option; ``header`` is what the engine then sends (after the rerun)."""

    option: str
    action: str  # "add" or "set"
    value: str
    text: str
    header: str | None = None


@dataclass
class PolicyReport:
    source: str
    route: str | None
    items: list[PolicyItem] = field(default_factory=list)
    fixes: list[PolicyFix] = field(default_factory=list)
    # True/False once the fixed policy was run; None when there was nothing to fix or the
    # change could not be built into a valid policy.
    verified: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def grants(self) -> bool:
        return all(item.ok for item in self.items)


# --- Running in-process -------------------------------------------------------------------


async def _stub(scope: Message, receive: Callable[[], Awaitable[Message]], send: Any) -> None:
    """The app behind the policy: answers every request 200, so only the policy decides."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok\n"})


def policy_app(policy: Policy) -> CORSMiddleware:
    """corsguard's ASGI middleware enforcing ``policy`` over an app that answers 200."""
    return CORSMiddleware(_stub, policy=policy)


def run_app(
    app: Any, request: Request, *, send_unsafe: bool = True
) -> tuple[Verdict, list[dict[str, Any]]]:
    """Drive the browser model with ``app``'s in-process answers (no network).

    Without ``send_unsafe`` an actual request other than GET or HEAD is not given to the
    app (it may change data) and the verdict is incomplete, as explain does over HTTP.
    """
    asgi = is_asgi(app)
    exchanges: list[dict[str, Any]] = []
    loop = asyncio.new_event_loop()
    try:
        gen = simulate(request)
        try:
            outgoing: Outgoing = next(gen)
            while True:
                answer: Response | None = None
                headers = list(outgoing.headers)
                if (
                    outgoing.kind == "actual"
                    and outgoing.method not in SAFE_ACTUAL
                    and not (send_unsafe)
                ):
                    exchanges.append(_exchange(outgoing, None))
                else:
                    if asgi:
                        got = loop.run_until_complete(
                            call_asgi(app, outgoing.method, outgoing.url, headers)
                        )
                    else:
                        got = call_wsgi(app, outgoing.method, outgoing.url, headers)
                    answer = Response.make(got.status, got.headers)
                    exchanges.append(_exchange(outgoing, answer))
                outgoing = gen.send(answer)
        except StopIteration as stop:
            verdict: Verdict = stop.value
    finally:
        loop.close()
    return verdict, exchanges


def _exchange(outgoing: Outgoing, answer: Response | None) -> dict[str, Any]:
    return {
        "kind": outgoing.kind,
        "method": outgoing.method,
        "url": outgoing.url,
        "status": answer.status if answer is not None else None,
        "sent": answer is not None,
        "headers": [[n, v] for n, v in answer.headers] if answer is not None else [],
    }


# --- The policy's terms -------------------------------------------------------------------


def _path(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path or "/")


def _route(policy: Policy, url: str) -> tuple[Policy, str | None, bool]:
    """The policy deciding ``url``, its route prefix, and whether the path was ambiguous."""
    sub = route_policy(policy, _path(url))
    if sub is policy:
        return policy, None, False
    for prefix, routed in policy.routes.items():
        if routed is sub:
            return sub, prefix, False
    return sub, None, True  # engine.route_policy's strict twin: readings disagreed


# Constructor arguments that are not options kept on the policy under their own name.
_NOT_KEPT = frozenset({"on_reject", "allow_origin_regex"})


def _options(policy: Policy) -> dict[str, Any]:
    """The keyword arguments that rebuild ``policy`` (read from Policy's signature, so an
    option added later is carried over too)."""
    options: dict[str, Any] = {}
    for name, parameter in inspect.signature(Policy.__init__).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY or name in _NOT_KEPT:
            continue
        value = getattr(policy, name)
        if isinstance(value, tuple):
            value = list(value)
        elif name == "routes":
            value = dict(value)
        options[name] = value
    return options


def _header_case(request: Request, lower: str) -> str:
    """The header name as the page's script wrote it (the fix reads like the user's code)."""
    for name, _ in request.headers:
        if name.lower() == lower:
            return name
    return lower


def diagnose(policy: Policy, request: Request, source: str) -> PolicyReport:
    """What ``policy`` says about ``request``, option by option, with verified fixes."""
    sub, prefix, ambiguous = _route(policy, request.url)
    where = f"routes[{prefix!r}]." if prefix is not None else ""
    report = PolicyReport(source, prefix)
    if serialize_url_origin(request.url) == request.origin:
        # HTML "same origin": the browser applies no CORS check, the policy is not asked.
        report.notes.append("the page and the URL have the same origin: CORS does not apply")
        return report
    if ambiguous:
        report.notes.append(
            "the request's path reads differently to different parts of a stack (encoded "
            "slashes, dot segments...): corsguard decides it by a strict policy that grants "
            "nothing; request the canonical path"
        )
    credentialed = request.credentials == "include"
    changes: dict[str, Any] = {}

    # Origin [Fetch "CORS check"]: the engine grants nothing to an origin it does not list.
    origin = request.origin
    if sub.allows_origin(origin):
        shown = "*" if sub.any_origin else origin
        report.items.append(
            PolicyItem(f"{where}allow_origins", True, f"{shown} is already in allow_origins")
        )
    elif origin == "null":
        report.items.append(
            PolicyItem(
                f"{where}allow_origins",
                False,
                "the page's origin is 'null' (sandboxed iframe, file: or data: page, or a "
                "redirect across origins); any site can send it, so no policy should trust "
                "it: serve the page from an https origin and list that",
            )
        )
    else:
        report.items.append(
            PolicyItem(f"{where}allow_origins", False, f"{origin} is not in allow_origins")
        )
        report.fixes.append(
            PolicyFix(
                f"{where}allow_origins", "add", origin, f"add '{origin}' to {where}allow_origins"
            )
        )
        changes["allow_origins"] = [o for o in sub.allow_origins if o != "*"] + [origin]

    # Credentials [Fetch "CORS check"]: 'include' needs Access-Control-Allow-Credentials.
    if credentialed:
        if sub.allow_credentials:
            report.items.append(
                PolicyItem(f"{where}allow_credentials", True, "allow_credentials is already on")
            )
        else:
            report.items.append(
                PolicyItem(
                    f"{where}allow_credentials",
                    False,
                    "the page sends credentials: 'include' but allow_credentials is off",
                )
            )
            text = f"set {where}allow_credentials to true"
            if sub.any_origin:
                # Fetch "CORS check": '*' never passes with credentials.
                text += f" and replace '*' in {where}allow_origins by '{origin}'"
                changes["allow_origins"] = [o for o in sub.allow_origins if o != "*"] + [origin]
            report.fixes.append(
                PolicyFix(
                    f"{where}allow_credentials",
                    "set",
                    "true",
                    text + " (or make the request with credentials: 'omit')",
                )
            )
            changes["allow_credentials"] = True

    try:
        need = needs_preflight(request)
    except ValueError:
        need = None  # fetch() itself refuses the request: the browser side says why
    if need is not None and need.needed:
        _judge_method(report, sub, request, need.method, where, changes)
        _judge_headers(report, sub, request, need.unsafe_headers, where, changes)
    if changes:
        _verify(report, policy, sub, prefix, request, changes)
    return report


def _judge_method(
    report: PolicyReport,
    sub: Policy,
    request: Request,
    method: str,
    where: str,
    changes: dict[str, Any],
) -> None:
    option = f"{where}allow_methods"
    # Fetch "CORS-preflight fetch": a CORS-safelisted method always passes; others compare
    # exactly (case-sensitive), '*' only without credentials (the engine echoes the method
    # with credentials, so '*' in the policy still serves).
    if method in SAFELISTED_METHODS:
        report.items.append(PolicyItem(option, True, f"{method} always passes a preflight"))
    elif sub.allows_method(method):
        shown = f"{method} is already in allow_methods"
        if method not in sub.allow_methods:
            shown = f"{method} is covered by '*' in allow_methods"
        report.items.append(PolicyItem(option, True, shown))
    else:
        report.items.append(PolicyItem(option, False, f"{method} is not in allow_methods"))
        text = f"add '{method}' to {option}"
        if method.upper() in sub.allow_methods and method != method.upper():
            text = (
                f"write the method as '{method.upper()}' in fetch() (methods compare "
                f"case-sensitively and fetch() uppercases only DELETE, GET, HEAD, OPTIONS, "
                f"POST and PUT), or {text}"
            )
        report.fixes.append(PolicyFix(option, "add", method, text))
        changes["allow_methods"] = [*sub.allow_methods, method]


def _judge_headers(
    report: PolicyReport,
    sub: Policy,
    request: Request,
    unsafe: tuple[str, ...],
    where: str,
    changes: dict[str, Any],
) -> None:
    option = f"{where}allow_headers"
    listed = {h.lower() for h in sub.allow_headers}
    missing: list[str] = []
    for name in unsafe:
        shown = _header_case(request, name)
        if name in listed:
            report.items.append(PolicyItem(option, True, f"{shown} is already in allow_headers"))
        elif "*" in sub.allow_headers and name != "authorization":
            report.items.append(
                PolicyItem(option, True, f"{shown} is covered by '*' in allow_headers")
            )
        else:
            # Fetch "CORS-preflight fetch": '*' never covers Authorization; the engine
            # follows the standard (policy.py), so it must be named.
            why = " ('*' does not cover Authorization)" if "*" in sub.allow_headers else ""
            report.items.append(PolicyItem(option, False, f"{shown} is not in allow_headers{why}"))
            missing.append(shown)
    if missing:
        for shown in missing:
            report.fixes.append(PolicyFix(option, "add", shown, f"add '{shown}' to {option}"))
        changes["allow_headers"] = [*sub.allow_headers, *missing]


_FIX_HEADER = {
    "allow_origins": ("actual", "access-control-allow-origin"),
    "allow_credentials": ("actual", "access-control-allow-credentials"),
    "allow_methods": ("preflight", "access-control-allow-methods"),
    "allow_headers": ("preflight", "access-control-allow-headers"),
}


def _verify(
    report: PolicyReport,
    policy: Policy,
    sub: Policy,
    prefix: str | None,
    request: Request,
    changes: dict[str, Any],
) -> None:
    """Apply the changes to a copy of the policy, run the request again, and record the
    header each change makes the engine send."""
    try:
        fixed_sub = Policy(**{**_options(sub), **changes})
        if prefix is None:
            fixed = fixed_sub
        else:
            options = _options(policy)
            options["routes"] = {**options["routes"], prefix: fixed_sub}
            fixed = Policy(**options)
    except PolicyError as exc:
        report.notes.append(f"the change is not a valid policy on its own: {exc}")
        return
    verdict, exchanges = run_app(policy_app(fixed), request)
    report.verified = verdict.allowed
    fixes = []
    for fix in report.fixes:
        step, header = _FIX_HEADER[fix.option.rpartition(".")[2]]
        line = None
        for ex in exchanges:
            if ex["kind"] != step:
                continue
            for name, value in ex["headers"]:
                if name.lower() == header:
                    line = f"{_title(header)}: {value}"
        fixes.append(PolicyFix(fix.option, fix.action, fix.value, fix.text, line))
    report.fixes = fixes


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
