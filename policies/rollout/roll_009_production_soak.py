"""The canary's pauses add up to at least $minimum.

Model traffic follows the day: the requests of the night, the morning peak
and the evening mix differ, and a model that is fine at 10:00 can fail on the
inputs of 20:00. A production canary phase of 24-48 hours (the checklist)
shows the new version a full daily cycle before it takes all the traffic.
``minimum`` is 24h. Only pauses of steps below 100 % count: once all the
traffic is on the new version there is no canary left to watch. A ``manual``
pause counts as nothing, since no one knows how long it will last. A
declared rollback that keeps the plan is not held by it: a day of canary
would keep most users on the version being rolled back (docs/rollback.md);
the plan is judged again with the next promotion.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 2h, analysis: true}
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

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import skips_plan
from modelrail.units import human, seconds

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-009"
NAME = "production-soak"
SEVERITY = Severity.ERROR
REMEDIATION = "Lengthen the canary pauses until they add up to at least $minimum."


@dataclass(frozen=True)
class Options:
    minimum: str = "24h"  # the pauses of all steps together


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or skips_plan(spec, ctx):
        return
    steps = spec.steps
    if not steps:
        return  # MR-ROLL-003 reports a canary without steps
    opts = ctx.options_as(Options)
    pauses = [
        str(step["pause"]) for step in steps if "pause" in step and step["weight"] < 100
    ]
    total = sum(seconds(pause) for pause in pauses if pause != "manual")
    if total < seconds(opts.minimum):
        manual = " (manual pauses not counted)" if "manual" in pauses else ""
        yield Hit(
            "/spec/rollout/steps",
            f"the canary pauses {human(total)} in all{manual}, "
            f"less than {opts.minimum}",
        )
