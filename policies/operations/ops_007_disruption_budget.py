"""A disruption budget lets node drains evict a replica, but never all of them.

Without a PodDisruptionBudget a node drain (a cluster upgrade, a scale-down)
may evict every replica at once. A budget that is too strict is as bad the
other way: the drain hangs and the platform team overrides it. So, with ``m``
= ``autoscaling.minReplicas``, the budget must allow between 1 and ``m - 1``
evictions: ``minAvailable`` from 1 to ``m - 1``, ``maxUnavailable`` from 1 to
``m - 1``. Percentages are turned into pods the way Kubernetes does for
budgets: ``ceil(p * m / 100)``, rounded up for both fields. Checking at ``m``
covers any larger scale. With a single replica no budget can satisfy both
sides; MR-OPS-006 reports that, and this policy then only asks for a budget.

Fails::

    spec:
      serving:
        autoscaling: {minReplicas: 3}
        disruptionBudget: {maxUnavailable: null, minAvailable: 3}

Passes::

    spec:
      serving:
        autoscaling: {minReplicas: 3}
        disruptionBudget: {maxUnavailable: 1}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-007"
NAME = "disruption-budget"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare serving.disruptionBudget so that a drain may evict at least one "
    "replica and keeps at least one up, such as maxUnavailable: 1."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    budget = spec.serving.get("disruptionBudget")
    if budget is None:
        yield Hit(
            "/spec/serving/disruptionBudget",
            "no disruption budget: a node drain may evict every replica at once",
        )
        return
    m: int = spec.serving["autoscaling"]["minReplicas"]
    if m < 2:
        return
    key = "minAvailable" if "minAvailable" in budget else "maxUnavailable"
    value: int | str = budget[key]
    pods = _pods(value, m)
    evictable = m - pods if key == "minAvailable" else pods
    pointer = f"/spec/serving/disruptionBudget/{key}"
    what = f"{key} {value!r}" + (f" ({pods} of {m})" if isinstance(value, str) else "")
    if evictable < 1:
        yield Hit(pointer, f"{what} lets no replica of {m} be evicted: drains hang")
    elif evictable >= m:
        yield Hit(pointer, f"{what} lets a drain evict all {m} replicas at once")


def _pods(value: float | str, replicas: int) -> int:
    """Pods of ``replicas`` that ``value`` means; percentages round up."""
    if not isinstance(value, str):
        return int(value)  # the schema's integers include 1.0
    percent = int(value.rstrip("%"))
    return -(-percent * replicas // 100)
