"""Serving declares CPU and memory requests and limits, each request within its limit.

Without requests the scheduler packs replicas onto nodes that cannot hold
them, and the autoscaler's CPU utilisation has nothing to be a percentage
of; without limits one runaway replica (a batch of huge inputs, a leak)
starves every pod on its node. A request above its limit is refused by
Kubernetes when the rollout is applied, long after review.

Fails::

    spec:
      serving:
        resources:
          requests: {cpu: "4", memory: 1Gi}
          limits: {cpu: "2", memory: null}

Passes::

    spec:
      serving:
        resources:
          requests: {cpu: 500m, memory: 2Gi}
          limits: {cpu: "1", memory: 2Gi}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.units import bytes_of, millicores

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from decimal import Decimal

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-007"
NAME = "resource-requests-limits"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Give serving.resources requests and limits for cpu and memory, "
    "each request no larger than its limit."
)

REQUIRED = ("cpu", "memory")
AMOUNT: dict[str, Callable[[str], Decimal]] = {
    "cpu": millicores,
    "memory": bytes_of,
    "ephemeral-storage": bytes_of,
}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    resources = spec.serving["resources"]
    requests = resources.get("requests", {})
    limits = resources.get("limits", {})
    for kind, declared in (("requests", requests), ("limits", limits)):
        for key in REQUIRED:
            if key not in declared:
                yield Hit(
                    f"/spec/serving/resources/{kind}/{key}",
                    f"serving.resources.{kind} declares no {key}",
                )
    for key, amount in AMOUNT.items():
        if key in requests and key in limits:
            request, limit = requests[key], limits[key]
            if amount(request) > amount(limit):
                yield Hit(
                    f"/spec/serving/resources/requests/{key}",
                    f"{key} request {request!r} is above its limit {limit!r}",
                )
