"""Every canary step below 100 % runs an analysis, with limits that can fail it.

A pause only waits; an analysis measures the canary against the SLOs (error
rate, latency) and aborts the rollout when it fails, which is what makes a
canary safe without a person watching. The analysis settings say how often
it measures and how many failed measurements abort. A declared rollback
that keeps the plan is not held by it: it returns to a version measured
before, and Argo Rollouts runs no step analysis for it (docs/rollback.md);
the plan is judged again with the next promotion.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 2h}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
        analysis: {interval: 5m, failureLimit: 2}

Passes::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 2h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
        analysis: {interval: 5m, failureLimit: 2}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import skips_plan

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-007"
NAME = "canary-step-analysis"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Set analysis: true on every step below 100 and give rollout.analysis "
    "an interval and a failureLimit."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or skips_plan(spec, ctx):
        return
    steps = spec.steps
    for index, step in enumerate(steps):
        if step["weight"] < 100 and not step.get("analysis", False):
            yield Hit(
                f"/spec/rollout/steps/{index}",
                f"canary step {index + 1} ({step['weight']} %) runs no analysis",
            )
    if any(step.get("analysis") for step in steps):
        analysis = spec.rollout.get("analysis", {})
        missing = [k for k in ("interval", "failureLimit") if k not in analysis]
        if missing:
            yield Hit(
                "/spec/rollout/analysis",
                f"the canary analysis has no {' and no '.join(missing)}",
            )
