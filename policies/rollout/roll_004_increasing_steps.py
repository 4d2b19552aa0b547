"""Canary step weights strictly increase.

A canary widens its exposure only after each share has proven itself; a step
that keeps or lowers the weight repeats or undoes the previous one, which
usually means the steps were edited out of order (a 50 where 25 was meant)
and the rollout is not the one that was reviewed.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 8h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 25, pause: 8h, analysis: true}
          - {weight: 100}

Passes::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 8h, analysis: true}
          - {weight: 25, pause: 8h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-004"
NAME = "increasing-steps"
SEVERITY = Severity.ERROR
REMEDIATION = "Order the canary steps so that each weight is above the one before."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary":
        return
    steps = spec.steps
    for index in range(1, len(steps)):
        before, weight = steps[index - 1]["weight"], steps[index]["weight"]
        if weight <= before:
            yield Hit(
                f"/spec/rollout/steps/{index}/weight",
                f"canary step {index + 1} ({weight} %) is not above "
                f"step {index} ({before} %)",
            )
