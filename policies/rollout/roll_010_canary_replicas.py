"""Without a traffic router, the canary has enough replicas to express its weights.

Where the environment has no traffic router (``trafficRouter: none``), Argo
Rollouts splits traffic by replica count: a 10 % step needs one canary pod
next to nine stable ones. With fewer replicas the smallest weight cannot be
expressed and the canary gets far more traffic than planned (one pod of
two is 50 %). ``minReplicas`` must be at least ``ceil(100 / w)`` for the
smallest step weight ``w`` below 100. A KServe model is exempt: Knative
splits its traffic between revisions by weight, whatever the replicas.

Fails::

    metadata: {environment: dev}
    spec:
      serving:
        autoscaling: {minReplicas: 2, maxReplicas: 10}
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 10m, analysis: true}
          - {weight: 50, pause: 10m, analysis: true}
          - {weight: 100}

Passes::

    metadata: {environment: dev}
    spec:
      serving:
        autoscaling: {minReplicas: 4, maxReplicas: 4}
      rollout:
        strategy: canary
        steps:
          - {weight: 25, pause: 10m, analysis: true}
          - {weight: 50, pause: 10m, analysis: true}
          - {weight: 100}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-010"
NAME = "canary-replicas"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Raise serving.autoscaling.minReplicas to 100 divided by the smallest "
    "canary weight (rounded up), or route the environment's traffic by weight."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or env.traffic_router != "none":
        return
    if spec.serving["runtime"] == "kserve":  # Knative routes by weight
        return
    weights = [step["weight"] for step in spec.steps if step["weight"] < 100]
    if not weights:
        return
    smallest = min(weights)
    needed = -(-100 // smallest)  # ceil(100 / smallest)
    replicas = spec.serving["autoscaling"]["minReplicas"]
    if replicas < needed:
        yield Hit(
            "/spec/serving/autoscaling/minReplicas",
            f"minReplicas {replicas} cannot split off a {smallest} % canary "
            f"by replica count; it takes at least {needed}",
        )
