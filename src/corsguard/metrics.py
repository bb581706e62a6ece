"""Ready ``on_reject`` callbacks that count refusals in Prometheus or OpenTelemetry.

::

    from corsguard import Policy
    from corsguard.metrics import prometheus_on_reject

    policy = Policy(allow_origins=["https://app.example.com"], on_reject=prometheus_on_reject())

Labels are the request kind and a reason class from a fixed vocabulary
(`corsguard.refusal_log.REASON_CLASSES`), never the origin, the path or the method: each is
chosen by the client, and one label value per attacker-chosen string would grow the
metric store without bound.

Only refusals (403s and refused WebSocket handshakes) reach ``on_reject``. A safe request
from an unlisted origin passes without CORS headers and is not counted here; it is logged
(see docs/monitoring.md).

In report-only mode (issue #14) nothing is refused: each divergence between the policy and
the app reaches ``on_reject`` as a `corsguard.report_only.ObservedDecision`, and these
callbacks count it in a counter of its own, ``corsguard_report_only_divergences_total``
(OpenTelemetry: ``corsguard.report_only_divergences``), labelled ``kind``, ``divergence``
(would-refuse, would-grant, would-add-vary) and ``reason``, so that a dashboard never adds
an observation to the refusals.

Each library is imported when its factory is called: install ``corsguard[prometheus]`` or
``corsguard[otel]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corsguard.engine import Decision
from corsguard.refusal_log import reason_class
from corsguard.report_only import ObservedDecision

OnReject = Callable[[Decision], None]

PROMETHEUS_NAME = "corsguard_refused_requests"
OTEL_NAME = "corsguard.refused_requests"
_DESCRIPTION = "Requests refused by corsguard, by request kind and reason class"
PROMETHEUS_REPORT_ONLY_NAME = "corsguard_report_only_divergences"
OTEL_REPORT_ONLY_NAME = "corsguard.report_only_divergences"
_REPORT_ONLY_DESCRIPTION = (
    "Requests where corsguard's policy would decide differently from the app (report-only "
    "mode, nothing enforced), by request kind, divergence and reason class"
)


def prometheus_on_reject(
    registry: Any = None,
    name: str = PROMETHEUS_NAME,
    report_only_name: str = PROMETHEUS_REPORT_ONLY_NAME,
) -> OnReject:
    """A callback that increments the Counter ``<name>_total{kind, reason}`` for a refusal,
    and ``<report_only_name>_total{kind, divergence, reason}`` for a report-only divergence.

    ``registry`` defaults to prometheus_client's global REGISTRY. Create one callback per
    registry and share it between policies: registering the same name twice is an error
    in prometheus_client.
    """
    from prometheus_client import REGISTRY, Counter

    registry = REGISTRY if registry is None else registry
    counter = Counter(name, _DESCRIPTION, ["kind", "reason"], registry=registry)
    observed = Counter(
        report_only_name,
        _REPORT_ONLY_DESCRIPTION,
        ["kind", "divergence", "reason"],
        registry=registry,
    )

    def on_reject(decision: Decision) -> None:
        if isinstance(decision, ObservedDecision):
            observed.labels(
                decision.kind.value, decision.divergence, reason_class(decision.reason)
            ).inc()
            return
        counter.labels(decision.kind.value, reason_class(decision.reason)).inc()

    return on_reject


def otel_on_reject(
    meter: Any = None, name: str = OTEL_NAME, report_only_name: str = OTEL_REPORT_ONLY_NAME
) -> OnReject:
    """A callback that adds 1 to the OpenTelemetry Counter ``name`` with attributes
    ``kind`` and ``reason`` for a refusal, and to ``report_only_name`` with ``kind``,
    ``divergence`` and ``reason`` for a report-only divergence. ``meter`` defaults to the
    global provider's meter "corsguard"."""
    from opentelemetry import metrics

    if meter is None:
        meter = metrics.get_meter("corsguard")
    counter = meter.create_counter(name, unit="{request}", description=_DESCRIPTION)
    observed = meter.create_counter(
        report_only_name, unit="{request}", description=_REPORT_ONLY_DESCRIPTION
    )

    def on_reject(decision: Decision) -> None:
        if isinstance(decision, ObservedDecision):
            observed.add(
                1,
                {
                    "kind": decision.kind.value,
                    "divergence": decision.divergence,
                    "reason": reason_class(decision.reason),
                },
            )
            return
        counter.add(1, {"kind": decision.kind.value, "reason": reason_class(decision.reason)})

    return on_reject


def combine(*callbacks: OnReject) -> OnReject:
    """One ``on_reject`` that calls each of ``callbacks`` in turn (Policy takes one)."""

    def on_reject(decision: Decision) -> None:
        for callback in callbacks:
            callback(decision)

    return on_reject
