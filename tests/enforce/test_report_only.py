"""Report-only mode (issue #14): the divergence table, the silent decision, the report.

The classification is pure (`corsguard.report_only.classify`): each row is a request, what
the app answered, and the divergences corsguard must name. The adapters' pass-through is
checked here in process (ASGI and WSGI calls, Flask's test client with flask-cors, Django's
test client with django-cors-headers) and through real servers in
test_report_only_servers.py and Chromium in test_report_only_chromium.py.
"""

from __future__ import annotations

import logging
from typing import Any

import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from corsguard import Policy, refusal_log
from corsguard.decision import RequestKind
from corsguard.metrics import prometheus_on_reject
from corsguard.report_only import (
    WOULD_ADD_VARY,
    WOULD_GRANT,
    WOULD_REFUSE,
    AppAnswer,
    ObservedDecision,
    Observer,
    classify,
)

APP = "https://app.example.com"
EVIL = "https://evil.attacker.test"
HOST = [(b"host", b"api.example.com")]

LISTED = {"allow_origins": [APP], "allow_methods": ["GET", "POST"]}
LISTED_CREDS = {**LISTED, "allow_credentials": True}
PUBLIC = {"allow_origins": ["*"]}


# What apps send. Reflection with credentials: Starlette's CORSMiddleware with
# allow_origin_regex=".*" and allow_credentials=True, or flask-cors with supports_credentials.
def reflect(origin: str, credentials: bool = True, vary: bool = True) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", origin)]
    if credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if vary:
        headers.append(("Vary", "Origin"))
    return headers


STAR = [("Access-Control-Allow-Origin", "*")]
NONE: list[tuple[str, str]] = []


def preflight_answer(
    origin: str, methods: str, headers: str = "", creds: bool = False
) -> list[tuple[str, str]]:
    answer = [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Methods", methods)]
    if headers:
        answer.append(("Access-Control-Allow-Headers", headers))
    if creds:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    answer.append(("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"))
    return answer


# (case, policy, method, origin or None, request headers, app status, app headers, expected)
CASES: list[
    tuple[
        str,
        dict[str, Any],
        str,
        str | None,
        dict[str, str],
        int,
        list[tuple[str, str]],
        tuple[str, ...],
    ]
] = [
    # Actual requests: reads.
    ("listed, app grants alike", LISTED, "GET", APP, {}, 200, reflect(APP, False), ()),
    ("listed, app grants with '*'", LISTED, "GET", APP, {}, 200, [*STAR, ("Vary", "Origin")], ()),
    ("listed, app sends nothing", LISTED, "GET", APP, {}, 200, NONE, (WOULD_GRANT, WOULD_ADD_VARY)),
    (
        "listed, app forgets Vary",
        LISTED,
        "GET",
        APP,
        {},
        200,
        reflect(APP, False, False),
        (WOULD_ADD_VARY,),
    ),
    (
        "listed, app's Vary is '*'",
        LISTED,
        "GET",
        APP,
        {},
        200,
        [*reflect(APP, False, False), ("Vary", "*")],
        (),
    ),
    (
        "listed, app grants credentials the policy does not",
        LISTED,
        "GET",
        APP,
        {},
        200,
        reflect(APP),
        (WOULD_REFUSE,),
    ),
    (
        "listed, cookie, app grants credentials",
        LISTED,
        "GET",
        APP,
        {"cookie": "s=1"},
        200,
        reflect(APP),
        (WOULD_REFUSE,),
    ),
    (
        "listed with credentials, app grants alike",
        LISTED_CREDS,
        "GET",
        APP,
        {"cookie": "s=1"},
        200,
        reflect(APP),
        (),
    ),
    (
        "listed with credentials, app omits them",
        LISTED_CREDS,
        "GET",
        APP,
        {"cookie": "s=1"},
        200,
        reflect(APP, False),
        (WOULD_GRANT,),
    ),
    (
        "listed with credentials, app sends '*'",
        LISTED_CREDS,
        "GET",
        APP,
        {"cookie": "s=1"},
        200,
        [*STAR, ("Vary", "Origin")],
        (WOULD_GRANT,),
    ),
    ("unlisted, app reflects", LISTED, "GET", EVIL, {}, 200, reflect(EVIL), (WOULD_REFUSE,)),
    ("unlisted, app sends '*'", LISTED, "GET", EVIL, {}, 200, STAR, (WOULD_REFUSE, WOULD_ADD_VARY)),
    (
        "unlisted, app sends nothing but Vary",
        LISTED,
        "GET",
        EVIL,
        {},
        200,
        [("Vary", "Origin")],
        (),
    ),
    ("unlisted, app names another origin", LISTED, "GET", EVIL, {}, 200, reflect(APP, False), ()),
    (
        "public, app reflects without credentials",
        PUBLIC,
        "GET",
        EVIL,
        {},
        200,
        reflect(EVIL, False),
        (),
    ),
    (
        "public, app reflects with credentials, cookie",
        PUBLIC,
        "GET",
        EVIL,
        {"cookie": "s=1"},
        200,
        reflect(EVIL),
        (WOULD_REFUSE,),
    ),
    ("public, app sends nothing", PUBLIC, "GET", EVIL, {}, 200, NONE, (WOULD_GRANT,)),
    (
        "two Allow-Origin lines never grant",
        LISTED,
        "GET",
        APP,
        {},
        200,
        reflect(APP, False) + STAR,
        (WOULD_GRANT,),
    ),
    # Writes: corsguard refuses them before the app runs.
    ("unlisted POST the app ran", LISTED, "POST", EVIL, {}, 200, reflect(EVIL), (WOULD_REFUSE,)),
    (
        "unlisted POST the app ran without CORS",
        LISTED,
        "POST",
        EVIL,
        {},
        201,
        NONE,
        (WOULD_REFUSE,),
    ),
    ("unlisted POST the app refused too", LISTED, "POST", EVIL, {}, 403, NONE, ()),
    (
        "listed POST with a cookie, policy without credentials",
        LISTED,
        "POST",
        APP,
        {"cookie": "s=1"},
        200,
        reflect(APP),
        (WOULD_REFUSE,),
    ),
    (
        "cross-site POST without Origin",
        LISTED,
        "POST",
        None,
        {"sec-fetch-site": "cross-site"},
        200,
        NONE,
        (WOULD_REFUSE,),
    ),
    (
        "same-origin POST",
        LISTED,
        "POST",
        "https://api.example.com",
        {"sec-fetch-site": "same-origin"},
        200,
        NONE,
        (),
    ),
    ("no Origin GET", LISTED, "GET", None, {}, 200, NONE, ()),
    # Preflights: the app's answer against the policy's.
    (
        "preflight both grant",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "POST"},
        200,
        preflight_answer(APP, "GET, POST"),
        (),
    ),
    (
        "preflight app grants PUT, policy does not",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "PUT"},
        200,
        preflight_answer(APP, "GET, PUT"),
        (WOULD_REFUSE,),
    ),
    (
        "preflight app grants '*' methods",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "DELETE"},
        200,
        preflight_answer(APP, "*"),
        (WOULD_REFUSE,),
    ),
    (
        "preflight both refuse PUT",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "PUT"},
        200,
        preflight_answer(APP, "GET"),
        (),
    ),
    (
        "preflight app refuses a header the policy allows",
        {**LISTED, "allow_headers": ["x-token"]},
        "OPTIONS",
        APP,
        {"access-control-request-method": "GET", "access-control-request-headers": "x-token"},
        200,
        preflight_answer(APP, "GET"),
        (WOULD_GRANT,),
    ),
    (
        "preflight app allows '*' headers, not authorization",
        {**LISTED, "allow_headers": ["authorization"]},
        "OPTIONS",
        APP,
        {"access-control-request-method": "GET", "access-control-request-headers": "authorization"},
        200,
        preflight_answer(APP, "GET", "*"),
        (WOULD_GRANT,),
    ),
    (
        "preflight app answers 405",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "POST"},
        405,
        NONE,
        (WOULD_GRANT, WOULD_ADD_VARY),
    ),
    (
        "preflight unlisted origin the app grants",
        LISTED,
        "OPTIONS",
        EVIL,
        {"access-control-request-method": "POST"},
        200,
        preflight_answer(EVIL, "POST"),
        (WOULD_REFUSE,),
    ),
    (
        "preflight unlisted origin the app refuses",
        LISTED,
        "OPTIONS",
        EVIL,
        {"access-control-request-method": "POST"},
        400,
        NONE,
        (),
    ),
    (
        "preflight app grants credentials the policy does not",
        LISTED,
        "OPTIONS",
        APP,
        {"access-control-request-method": "POST"},
        200,
        preflight_answer(APP, "POST", creds=True),
        (WOULD_REFUSE,),
    ),
    (
        "preflight policy grants credentials the app does not",
        LISTED_CREDS,
        "OPTIONS",
        APP,
        {"access-control-request-method": "POST"},
        200,
        preflight_answer(APP, "POST"),
        (WOULD_GRANT,),
    ),
]


def _headers(origin: str | None, extra: dict[str, str]) -> list[tuple[bytes, bytes]]:
    headers = list(HOST)
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    return headers


def _encode(pairs: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in pairs]


@pytest.mark.parametrize(
    ("policy", "method", "origin", "extra", "status", "app_headers", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_divergence_table(
    policy: dict[str, Any],
    method: str,
    origin: str | None,
    extra: dict[str, str],
    status: int,
    app_headers: list[tuple[str, str]],
    expected: tuple[str, ...],
) -> None:
    observer = Observer(Policy(**policy))
    headers = _headers(origin, extra)
    decision = observer.decide(method, "/api/items", headers)
    answer = AppAnswer(status, _encode(app_headers))
    assert observer.report(decision, answer, headers) == expected


def test_header_names_compare_in_any_case() -> None:
    observer = Observer(Policy(**LISTED))
    headers = _headers(EVIL, {})
    decision = observer.decide("GET", "/", headers)
    assert classify(decision, AppAnswer(200, [(b"ACCESS-CONTROL-ALLOW-ORIGIN", b"*")])) == (
        WOULD_REFUSE,
        WOULD_ADD_VARY,
    )


@pytest.mark.parametrize(
    ("policy", "accepted", "expected"),
    [
        (LISTED, True, (WOULD_REFUSE,)),  # cross-site WebSocket hijacking the app let in
        (LISTED, False, ()),  # the app refused the handshake itself
        ({**LISTED, "block_cross_origin_websockets": False}, True, ()),
    ],
)
def test_websocket_divergences(
    policy: dict[str, Any], accepted: bool, expected: tuple[str, ...]
) -> None:
    observer = Observer(Policy(**policy))
    decision = observer.decide("GET", "/ws", _headers(EVIL, {}), "ws", True)
    assert decision.kind is RequestKind.WEBSOCKET
    answer = None if accepted else AppAnswer(403, [])
    assert classify(decision, answer) == expected


def test_the_silent_decision_logs_nothing_and_calls_no_callback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The engine's 'refused'/'unlisted' lines and on_reject are for refusals made: in
    report-only mode none is made, so only the report-only line appears."""
    refusal_log.limiter.reset()
    calls: list[Any] = []
    route = Policy(allow_origins=[APP], on_reject=lambda d: calls.append(("route", d)))
    policy = Policy(
        allow_origins=[APP], routes={"/admin": route}, on_reject=lambda d: calls.append(("app", d))
    )
    observer = Observer(policy)
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        for path in ("/api", "/admin/x"):
            for method in ("GET", "POST"):
                headers = _headers(EVIL, {})
                decision = observer.decide(method, path, headers)
                assert not decision.allowed
                assert calls == []
                assert caplog.records == []
        # Reported: one line and one callback per divergence, the route's callback for its path.
        headers = _headers(EVIL, {})
        decision = observer.decide("POST", "/admin/x", headers)
        observer.report(decision, AppAnswer(200, []), headers)
    assert [line.getMessage().split(" ")[1] for line in caplog.records] == ["report-only"]
    assert len(calls) == 1
    where, observed = calls[0]
    assert where == "route"
    assert isinstance(observed, ObservedDecision)
    assert (observed.divergence, observed.status, observed.reason) == (
        WOULD_REFUSE,
        403,
        "origin not allowed",
    )
    # The enforcing policy still logs and calls back: the mute is scoped to the observer.
    from corsguard import decide

    with caplog.at_level(logging.WARNING, logger="corsguard"):
        decide(policy, "POST", "/api", _headers(EVIL, {}))
    assert caplog.records[-1].getMessage().startswith("corsguard refused ")
    assert calls[-1][0] == "app"


def test_report_only_line_format(caplog: pytest.LogCaptureFixture) -> None:
    refusal_log.limiter.reset()
    observer = Observer(Policy(**LISTED))
    headers = _headers(EVIL + '"\n', {"access-control-request-method": "PUT", "cookie": "a=1"})
    decision = observer.decide("OPTIONS", "/items", headers)
    with caplog.at_level(logging.WARNING, logger="corsguard"):
        observer.report(decision, AppAnswer(204, _encode(preflight_answer("*", "*"))), headers)
    (line,) = [r.getMessage() for r in caplog.records]
    assert "\n" not in line
    assert line.startswith(
        'corsguard report-only kind=preflight origin="https://evil.attacker.test\\"\\n" '
        'method="OPTIONS" path="/items" request_method="PUT" credentials=yes '
        "divergence=would-refuse reason="
    )
    assert 'app_status=204 app_acao="*" app_acac=- ' in line
    assert 'app_acam="*"' in line
    assert "would_status=403 would_acao=- would_acac=- would_acam=- would_acah=-" in line


def test_report_only_lines_are_rate_limited_with_the_refusals() -> None:
    refusal_log.configure(per_class=2, per_window=3, window=3600)
    try:
        observer = Observer(Policy(**LISTED))
        logged = []
        handler = logging.Handler()
        handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
        logger = logging.getLogger("corsguard")
        logger.addHandler(handler)
        try:
            for n in range(50):
                headers = _headers(f"https://x{n}.attacker.test", {})
                decision = observer.decide("POST", "/", headers)
                observer.report(decision, AppAnswer(200, []), headers)
            for _ in range(50):
                headers = _headers(APP, {})
                decision = observer.decide("GET", "/", headers)
                observer.report(decision, AppAnswer(200, []), headers)
        finally:
            logger.removeHandler(handler)
    finally:
        refusal_log.configure()
    kinds = [line.split("divergence=")[1].split(" ")[0] for line in logged]
    # Two of each class, three in all: the budget of refusal_log, shared.
    assert kinds == ["would-refuse", "would-refuse", "would-grant,would-add-vary"]


def test_metrics_tell_observed_from_enforced() -> None:
    registry = prometheus_client.CollectorRegistry()
    on_reject = prometheus_on_reject(registry)
    enforcing = Policy(**LISTED, on_reject=on_reject)
    observer = Observer(Policy(**LISTED, on_reject=on_reject))
    from corsguard import decide

    decide(enforcing, "POST", "/", _headers(EVIL, {}))
    for origin, method, answer in (
        (EVIL, "POST", AppAnswer(200, [])),
        (EVIL, "GET", AppAnswer(200, _encode(STAR))),
        (APP, "GET", AppAnswer(200, [])),
    ):
        headers = _headers(origin, {})
        observer.report(observer.decide(method, "/", headers), answer, headers)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(
            prometheus_client.generate_latest(registry).decode()
        )
        for s in family.samples
        if s.name.endswith("_total")
    }
    assert samples == {
        (
            "corsguard_refused_requests_total",
            (("kind", "cross-origin"), ("reason", "origin-not-allowed")),
        ): 1.0,
        (
            "corsguard_report_only_divergences_total",
            (
                ("divergence", "would-refuse"),
                ("kind", "cross-origin"),
                ("reason", "origin-not-allowed"),
            ),
        ): 2.0,
        (
            "corsguard_report_only_divergences_total",
            (
                ("divergence", "would-add-vary"),
                ("kind", "cross-origin"),
                ("reason", "origin-not-allowed"),
            ),
        ): 1.0,
        (
            "corsguard_report_only_divergences_total",
            (("divergence", "would-grant"), ("kind", "cross-origin"), ("reason", "other")),
        ): 1.0,
        (
            "corsguard_report_only_divergences_total",
            (("divergence", "would-add-vary"), ("kind", "cross-origin"), ("reason", "other")),
        ): 1.0,
    }
