"""Autoscaling has a consistent range and a target to scale on.

``minReplicas`` above ``maxReplicas`` is rejected by the HorizontalPodAutoscaler
(and KServe), so the deployment fails at sync time instead of review time.
A range without a target (``targetCPUUtilization``, ``targetConcurrency`` or
``targetRequestsPerSecond``) never scales: the checklist's auto-scaling is
then only a minimum. A fixed size (``minReplicas == maxReplicas``) needs no
target.

Fails::

    spec:
      serving:
        autoscaling: {minReplicas: 3, maxReplicas: 20, targetRequestsPerSecond: null}

Passes::

    spec:
      serving:
        autoscaling: {minReplicas: 3, maxReplicas: 20, targetRequestsPerSecond: 250}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-009"
NAME = "autoscaling-bounds"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Keep minReplicas at or below maxReplicas and set targetCPUUtilization, "
    "targetConcurrency or targetRequestsPerSecond."
)

TARGETS = ("targetCPUUtilization", "targetConcurrency", "targetRequestsPerSecond")


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    scaling = spec.serving["autoscaling"]
    low: int = scaling["minReplicas"]
    high: int = scaling["maxReplicas"]
    if low > high:
        yield Hit(
            "/spec/serving/autoscaling/minReplicas",
            f"minReplicas {low} is above maxReplicas {high}",
        )
    elif low < high and not any(t in scaling for t in TARGETS):
        yield Hit(
            "/spec/serving/autoscaling",
            f"autoscaling from {low} to {high} replicas has no target to scale on",
        )
