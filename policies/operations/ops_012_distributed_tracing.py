"""Requests are traced with OpenTelemetry.

A slow or failed prediction usually comes from a call the model makes (the
feature store, a vector database, a tokenizer service): distributed traces
show which one, where metrics only show that the model is slow. A
``sampleRate`` of 0 is tracing switched off under another name. A warning:
tracing helps diagnose, it does not keep the service up.

Fails::

    spec:
      monitoring:
        tracing: {enabled: false}

Passes::

    spec:
      monitoring:
        tracing: {enabled: true, sampleRate: 0.05}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-012"
NAME = "distributed-tracing"
SEVERITY = Severity.WARNING
REMEDIATION = "Set monitoring.tracing.enabled to true with a sampleRate above 0."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    tracing = spec.monitoring.get("tracing", {})
    if not tracing.get("enabled", False):
        yield Hit(
            "/spec/monitoring/tracing/enabled",
            "tracing is not enabled: requests are not traced",
        )
    elif tracing.get("sampleRate", 1) == 0:
        yield Hit(
            "/spec/monitoring/tracing/sampleRate",
            "tracing is enabled with sampleRate 0, so no request is traced",
        )
