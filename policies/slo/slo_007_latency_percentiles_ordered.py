"""Latency objectives grow with the percentile: p50 <= p95 <= p99.

A percentile cannot be lower than a smaller one: 95 % of requests cannot
finish faster than the fastest 50 %. Objectives out of order are a typo (a
swapped pair, a value in seconds among milliseconds), and the canary analysis
and alerts derived from them would judge the model against nonsense.

Fails::

    spec:
      slo:
        latency: {p50: 25, p95: 80, p99: 60}

Passes::

    spec:
      slo:
        latency: {p50: 80, p95: 80, p99: 150}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-007"
NAME = "latency-percentiles-ordered"
SEVERITY = Severity.ERROR
REMEDIATION = "Order slo.latency so that p50 <= p95 <= p99 (all in milliseconds)."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    latency = spec.slo["latency"]
    p95 = latency["p95"]
    p50 = latency.get("p50")
    p99 = latency.get("p99")
    if p50 is not None and p50 > p95:
        yield Hit(
            "/spec/slo/latency/p50",
            f"p50 latency objective {p50} ms is above the p95 objective {p95} ms",
        )
    if p99 is not None and p99 < p95:
        yield Hit(
            "/spec/slo/latency/p99",
            f"p99 latency objective {p99} ms is below the p95 objective {p95} ms",
        )
