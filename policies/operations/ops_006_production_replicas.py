"""Production runs at least $minimum replicas, so losing one is not an outage.

A 99.9 % availability objective leaves 43 minutes of downtime a month. A
single replica spends that on one node drain, one eviction or one crash loop
while a replacement is scheduled and loads the model, so the checklist reads
99.9 % as "no single replica". The floor is ``minimum`` (default 2); profiles
switch the policy off outside production.

Fails::

    spec:
      serving:
        autoscaling: {minReplicas: 1}

Passes::

    spec:
      serving:
        autoscaling: {minReplicas: 2}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-006"
NAME = "production-replicas"
SEVERITY = Severity.ERROR
REMEDIATION = "Raise serving.autoscaling.minReplicas to at least $minimum."


@dataclass(frozen=True)
class Options:
    minimum: int = 2


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    opts = ctx.options_as(Options)
    replicas: int = spec.serving["autoscaling"]["minReplicas"]
    if replicas < opts.minimum:
        yield Hit(
            "/spec/serving/autoscaling/minReplicas",
            f"minReplicas {replicas} is below {opts.minimum}: "
            "losing one replica takes the model down",
        )
