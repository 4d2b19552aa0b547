"""A canary moves to full traffic in at least $minimum steps.

Each step is a chance to stop: with two (10 -> 100) the jump from the first
small share to everyone is taken on the strength of a single observation.
The checklist's progression is 10 -> 25 -> 50 -> 100; ``minimum`` (3 by
default, counting the final 100 % step) keeps at least one step in between.
A declared rollback that keeps the plan is not held by it: it walks no steps
(docs/rollback.md); the plan is judged again with the next promotion.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 24h, analysis: true}
          - {weight: 100}

Passes::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 8h, analysis: true}
          - {weight: 50, pause: 16h, analysis: true}
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

ID = "MR-ROLL-003"
NAME = "enough-steps"
SEVERITY = Severity.ERROR
REMEDIATION = "Give the canary at least $minimum steps, such as 10, 25, 50 and 100 %."


@dataclass(frozen=True)
class Options:
    minimum: int = 3  # steps, the final 100 % one included


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or skips_plan(spec, ctx):
        return
    steps = spec.steps
    if not steps:
        yield Hit("/spec/rollout", "the canary declares no steps")
        return
    opts = ctx.options_as(Options)
    if len(steps) < opts.minimum:
        weights = " -> ".join(str(step["weight"]) for step in steps)
        count = f"{len(steps)} step{'s' * (len(steps) != 1)}"
        yield Hit(
            "/spec/rollout/steps",
            f"the canary has {count} ({weights} %), fewer than {opts.minimum}",
        )
