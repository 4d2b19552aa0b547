"""The last canary step sends 100 % of the traffic to the new version.

The steps are the reviewed plan of the rollout. A canary that stops below
100 % either hangs at a partial weight (on platforms that wait for a
promotion) or jumps to full traffic after its last step without the plan
saying so; either way the spec does not describe what will happen.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 8h, analysis: true}
          - {weight: 25, pause: 8h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}

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

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-005"
NAME = "ends-at-full-traffic"
SEVERITY = Severity.ERROR
REMEDIATION = "End the canary steps with {weight: 100}."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary":
        return
    steps = spec.steps
    if not steps:
        return  # MR-ROLL-003 reports a canary without steps
    weight = steps[-1]["weight"]
    if weight != 100:
        yield Hit(
            f"/spec/rollout/steps/{len(steps) - 1}/weight",
            f"the last canary step sends {weight} % of traffic, not 100 %",
        )
