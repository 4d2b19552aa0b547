"""The autoscaler can reach the throughput objective at its maximum size.

With ``targetRequestsPerSecond`` the autoscaler adds a replica for every
that many requests per second, up to ``maxReplicas``: beyond
``maxReplicas * targetRequestsPerSecond`` it stops, each replica runs above
the load its latency was measured at, and the declared peak throughput is
unreachable. Equality is enough: the objective is the peak.

A chatbot's ``slo.throughput.concurrency`` is not compared with
``maxReplicas * targetConcurrency``: the first counts conversations at peak,
mostly idle between turns, the second in-flight generations per replica,
and the one does not bound the other.

Fails::

    spec:
      serving:
        autoscaling: {minReplicas: 3, maxReplicas: 3, targetRequestsPerSecond: 250}
      slo:
        throughput: {rps: 1000}

Passes::

    spec:
      serving:
        autoscaling: {minReplicas: 3, maxReplicas: 4, targetRequestsPerSecond: 250}
      slo:
        throughput: {rps: 1000}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-006"
NAME = "autoscaling-reaches-throughput"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Raise serving.autoscaling.maxReplicas until maxReplicas times "
    "targetRequestsPerSecond covers slo.throughput.rps."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    autoscaling = spec.serving.get("autoscaling", {})
    per_replica = autoscaling.get("targetRequestsPerSecond")
    rps = spec.slo.get("throughput", {}).get("rps")
    if per_replica is None or rps is None:
        return
    most = autoscaling["maxReplicas"]
    if most * per_replica < rps:
        yield Hit(
            "/spec/serving/autoscaling/maxReplicas",
            f"{most} replicas at {per_replica} rps each serve {most * per_replica} "
            f"rps, below the throughput objective of {rps} rps",
        )
