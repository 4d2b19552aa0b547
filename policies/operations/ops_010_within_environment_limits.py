"""Replicas, CPU, memory and GPUs stay within the environment's limits.

Each environment caps what one model may take (``spec.limits`` of its
environment.yaml) so that one deployment cannot starve the others or ask for
nodes the cluster does not have; over the cap, the quota rejects the pods or
they stay Pending. Each limit is checked only when the environment sets it.
CPU and memory are compared per replica: the limit, or the request when no
limit is set.

Fails::

    spec:
      serving:
        autoscaling: {maxReplicas: 100}

Passes::

    spec:
      serving:
        autoscaling: {maxReplicas: 60}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.units import bytes_of, millicores

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-010"
NAME = "within-environment-limits"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Lower the value to the environment's limit, or ask the platform team "
    "to raise the limit in environment.yaml."
)

_RESOURCES = (("cpu", "maxCpu", millicores), ("memory", "maxMemory", bytes_of))


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    limits = env.limits
    serving = spec.serving
    where = f"environment {env.name!r}"
    if "maxReplicas" in limits:
        replicas: int = serving["autoscaling"]["maxReplicas"]
        if replicas > limits["maxReplicas"]:
            yield Hit(
                "/spec/serving/autoscaling/maxReplicas",
                f"maxReplicas {replicas} exceeds the maxReplicas "
                f"{limits['maxReplicas']} of {where}",
            )
    resources = serving["resources"]
    for name, cap, amount in _RESOURCES:
        if cap not in limits:
            continue
        for kind in ("limits", "requests"):
            value = resources.get(kind, {}).get(name)
            if value is not None:
                if amount(value) > amount(limits[cap]):
                    yield Hit(
                        f"/spec/serving/resources/{kind}/{name}",
                        f"{name} {kind[:-1]} {value!r} exceeds the {cap} "
                        f"{limits[cap]!r} of {where}",
                    )
                break
    gpu = resources.get("gpu")
    if gpu is not None and "maxGpu" in limits and gpu["count"] > limits["maxGpu"]:
        yield Hit(
            "/spec/serving/resources/gpu/count",
            f"gpu count {gpu['count']} exceeds the maxGpu {limits['maxGpu']} "
            f"of {where}",
        )
