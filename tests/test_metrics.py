"""The on_reject adapters, measured with the real prometheus_client and OpenTelemetry SDK."""

from __future__ import annotations

from typing import Any

import prometheus_client
import pytest
from opentelemetry.sdk import metrics as otel_sdk_metrics
from opentelemetry.sdk.metrics import export as otel_export
from prometheus_client.parser import text_string_to_metric_families

from corsguard import Policy, decide
from corsguard.metrics import combine, otel_on_reject, prometheus_on_reject
from corsguard.refusal_log import REASON_CLASSES

APP = "https://app.example.com"

# (method, origin, extra headers, expected (kind, reason class) or None: not refused)
REQUESTS: list[tuple[str, str, dict[str, str], tuple[str, str] | None]] = [
    ("GET", APP, {}, None),
    ("GET", "https://evil.attacker.test", {}, None),  # passes without CORS headers
    ("POST", "https://evil.attacker.test", {}, ("cross-origin", "origin-not-allowed")),
    ("POST", "https://evil2.attacker.test", {}, ("cross-origin", "origin-not-allowed")),
    (
        "OPTIONS",
        "https://evil.attacker.test",
        {"access-control-request-method": "PUT"},
        ("preflight", "origin-not-allowed"),
    ),
    (
        "OPTIONS",
        APP,
        {"access-control-request-method": "DELETE"},
        ("preflight", "method-not-allowed"),
    ),
    (
        "OPTIONS",
        APP,
        {"access-control-request-method": "GET", "access-control-request-headers": "x-evil-1"},
        ("preflight", "header-not-allowed"),
    ),
    (
        "OPTIONS",
        APP,
        {"access-control-request-method": "GET", "access-control-request-headers": "x-evil-2"},
        ("preflight", "header-not-allowed"),
    ),
]


def _run(on_reject: Any) -> dict[tuple[str, str], int]:
    policy = Policy(allow_origins=[APP], allow_methods=["GET", "PUT"], on_reject=on_reject)
    expected: dict[tuple[str, str], int] = {}
    for method, origin, extra, refused in REQUESTS:
        headers = [(b"host", b"api.example.com"), (b"origin", origin.encode())]
        headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        decide(policy, method, "/api/items/" + origin, headers)
        if refused is not None:
            expected[refused] = expected.get(refused, 0) + 1
    return expected


def test_prometheus_counter_in_exposition_format() -> None:
    registry = prometheus_client.CollectorRegistry()
    expected = _run(prometheus_on_reject(registry=registry))
    text = prometheus_client.generate_latest(registry).decode()
    samples = {
        (s.labels["kind"], s.labels["reason"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "corsguard_refused_requests_total"
    }
    assert samples == {key: float(n) for key, n in expected.items()}
    assert "# TYPE corsguard_refused_requests_total counter" in text
    # Origins, paths and header names never become label values.
    assert "attacker" not in text and "x-evil" not in text and "/api" not in text


def test_prometheus_second_registration_is_an_error_not_a_silent_double() -> None:
    registry = prometheus_client.CollectorRegistry()
    prometheus_on_reject(registry=registry)
    with pytest.raises(ValueError, match="Duplicated"):
        prometheus_on_reject(registry=registry)


def test_otel_counter_with_the_sdk_reader() -> None:
    reader = otel_export.InMemoryMetricReader()
    provider = otel_sdk_metrics.MeterProvider(metric_readers=[reader])
    expected = _run(otel_on_reject(meter=provider.get_meter("test")))
    data = reader.get_metrics_data()
    points = {
        (point.attributes["kind"], point.attributes["reason"]): point.value
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "corsguard.refused_requests"
        for point in metric.data.data_points
    }
    assert points == expected
    assert all(reason in REASON_CLASSES for _kind, reason in points)


def test_combine_calls_each_callback() -> None:
    registry = prometheus_client.CollectorRegistry()
    seen: list[str] = []
    expected = _run(
        combine(prometheus_on_reject(registry=registry), lambda d: seen.append(d.reason))
    )
    assert len(seen) == sum(expected.values())
    total = registry.get_sample_value(
        "corsguard_refused_requests_total", {"kind": "preflight", "reason": "header-not-allowed"}
    )
    assert total == 2.0
