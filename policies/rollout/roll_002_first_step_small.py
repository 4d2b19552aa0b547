"""The first canary step sends at most $maximum % of the traffic to the new version.

The first step is the one that meets a defect nobody has seen yet, so it must
be small enough that the users it reaches are few: the checklist starts with
a 1 % pilot and a 5-10 % canary. The limit is ``maximum`` (10 by default).
A declared rollback that keeps the plan is not held by it: it restores a
version that ran at full traffic, and Argo Rollouts skips the steps for it
(docs/rollback.md); the plan is judged again with the next promotion.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 25, pause: 2h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}

Passes::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 5, pause: 2h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import skips_plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-002"
NAME = "first-step-small"
SEVERITY = Severity.ERROR
REMEDIATION = "Start the canary with a step of at most $maximum % of the traffic."


@dataclass(frozen=True)
class Options:
    maximum: int = 10  # percent of traffic on the first step


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or skips_plan(spec, ctx):
        return
    steps = spec.steps
    if not steps:
        return  # MR-ROLL-003 reports a canary without steps
    opts = ctx.options_as(Options)
    weight = steps[0]["weight"]
    if weight > opts.maximum:
        yield Hit(
            "/spec/rollout/steps/0/weight",
            f"the first canary step sends {weight} % of traffic, "
            f"more than {opts.maximum} %",
        )
