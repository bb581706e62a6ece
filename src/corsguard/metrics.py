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

Each library is imported when its factory is called: install ``corsguard[prometheus]`` or
``corsguard[otel]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corsguard.engine import Decision
from corsguard.refusal_log import reason_class

OnReject = Callable[[Decision], None]

PROMETHEUS_NAME = "corsguard_refused_requests"
OTEL_NAME = "corsguard.refused_requests"
_DESCRIPTION = "Requests refused by corsguard, by request kind and reason class"


def prometheus_on_reject(registry: Any = None, name: str = PROMETHEUS_NAME) -> OnReject:
    """A callback that increments the Counter ``<name>_total{kind, reason}``.

    ``registry`` defaults to prometheus_client's global REGISTRY. Create one callback per
    registry and share it between policies: registering the same name twice is an error
    in prometheus_client.
    """
    from prometheus_client import REGISTRY, Counter

    counter = Counter(
        name, _DESCRIPTION, ["kind", "reason"], registry=REGISTRY if registry is None else registry
    )

    def on_reject(decision: Decision) -> None:
        counter.labels(decision.kind.value, reason_class(decision.reason)).inc()

    return on_reject


def otel_on_reject(meter: Any = None, name: str = OTEL_NAME) -> OnReject:
    """A callback that adds 1 to the OpenTelemetry Counter ``name`` with attributes
    ``kind`` and ``reason``. ``meter`` defaults to the global provider's meter "corsguard"."""
    from opentelemetry import metrics

    if meter is None:
        meter = metrics.get_meter("corsguard")
    counter = meter.create_counter(name, unit="{request}", description=_DESCRIPTION)

    def on_reject(decision: Decision) -> None:
        counter.add(1, {"kind": decision.kind.value, "reason": reason_class(decision.reason)})

    return on_reject


def combine(*callbacks: OnReject) -> OnReject:
    """One ``on_reject`` that calls each of ``callbacks`` in turn (Policy takes one)."""

    def on_reject(decision: Decision) -> None:
        for callback in callbacks:
            callback(decision)

    return on_reject
