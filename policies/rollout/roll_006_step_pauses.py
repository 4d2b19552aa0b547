"""Every canary step below 100 % holds its weight for a while.

Without a pause the controller moves to the next weight at once: the
analysis has no time to measure the canary and the step protects nobody.
The pause is the time the canary is watched at that weight (``manual``
counts here; MR-ROLL-008 says where it may be used). A declared rollback
that keeps the plan is not held by it: it pauses nowhere (docs/rollback.md);
the plan is judged again with the next promotion.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
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

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import skips_plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-006"
NAME = "step-pauses"
SEVERITY = Severity.ERROR
REMEDIATION = "Give every canary step below 100 % a pause, such as pause: 2h."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or skips_plan(spec, ctx):
        return
    for index, step in enumerate(spec.steps):
        if step["weight"] < 100 and "pause" not in step:
            yield Hit(
                f"/spec/rollout/steps/{index}/pause",
                f"canary step {index + 1} ({step['weight']} %) has no pause",
            )
