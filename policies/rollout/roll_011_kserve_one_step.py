"""A KServe canary moves one step per pull request, within its plan.

KServe sends ``canaryTrafficPercent`` of the traffic to the new revision and
the rest to the previous one; nothing walks the canary steps for it. In
GitOps each step is a pull request that sets ``rollout.currentStep`` (the
rendered percentage is that step's weight), so that every increase of
traffic is reviewed, with the evidence of the step before. This rule keeps
that promise:

- ``currentStep`` is 0 (all traffic back on the previous revision) to the
  number of steps: the traffic stays within 0-100 % and on the plan;
- judged against the base of the pull request (``check --base``): with the
  same version, ``currentStep`` moves on by at most one (going back, a
  rollback, is always allowed; leaving it out means full traffic: the step
  of 100 %, or one past the last step); a new version starts at step 0 or
  1, never straight at full traffic.

A declared rollback (``rollback.revert``, MR-PROM-004) is not a new version:
it restores one that ran at full traffic, and may take it back there at once.
So may a later change that keeps the base's revert and the restored version
(a KServe rollback sends the traffic back with ``currentStep: 0`` first, then
restores the version: docs/rollback.md). A revert the base did not declare,
on a version that does not go back, spares nothing.

Without ``--base``, or for a spec that is new in the change, only the range
is judged.

Fails::

    spec:
      serving: {runtime: kserve}
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 2h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
        currentStep: 4

Passes::

    spec:
      serving: {runtime: kserve}
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: 2h, analysis: true}
          - {weight: 50, pause: 8h, analysis: true}
          - {weight: 100}
        currentStep: 2
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import restored

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-011"
NAME = "kserve-canary-one-step"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Set rollout.currentStep to at most one more than on the base branch (a "
    "new version starts at 1), within 0 and the number of steps; remove it "
    "once the last step has soaked."
)
# what makes a different revision: a new version starts its canary again
_REVISION = (("model", "version"), ("model", "artifact"), ("serving", "image"))


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.serving.get("runtime") != "kserve" or spec.rollout["strategy"] != "canary":
        return
    steps = spec.steps
    pointer = "/spec/rollout/currentStep"
    current = spec.rollout.get("currentStep")
    if current is not None and current > len(steps):
        yield Hit(
            pointer,
            f"currentStep {current} is past the canary plan, which has "
            f"{len(steps)} step{'s' * (len(steps) != 1)}",
        )
        return
    before = ctx.base_spec(spec)
    if before is None or before.serving.get("runtime") != "kserve":
        return
    if restored(spec, ctx):
        return  # back to a version that ran at full traffic
    where = pointer if current is not None else "/spec/rollout"
    if _revision(spec.body) != _revision(before.body):
        if current is None or current > 1:
            step = "full traffic" if current is None else f"step {current}"
            yield Hit(
                where,
                f"version {spec.model.get('version')} is new since "
                f"{ctx.history.base if ctx.history else 'the base'} and starts at "
                f"{step}: a new version starts its canary at step 1",
            )
        return
    was = _position(before.rollout, steps)
    now = _position(spec.rollout, steps)
    if was is not None and now is not None and now > was + 1:
        target = "full traffic" if current is None else f"step {current}"
        yield Hit(
            where,
            f"the canary goes from {_name(before.rollout)} to {target} in one "
            f"change (base {ctx.history.base if ctx.history else '?'}): "
            "one step per pull request",
        )


def _revision(body: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(
        body[section].get(key) if isinstance(body.get(section), Mapping) else None
        for section, key in _REVISION
    )


def _position(rollout: Any, steps: list[Any]) -> int | None:
    """The step as a number. Leaving it out is full traffic: the first step
    of 100 %, or one past the last step."""
    if not isinstance(rollout, Mapping):
        return None
    current = rollout.get("currentStep")
    if current is None:
        full = [i for i, step in enumerate(steps, 1) if step["weight"] == 100]
        return full[0] if full else len(steps) + 1
    ok = isinstance(current, int) and 0 <= current <= len(steps)
    return current if ok else None


def _name(rollout: Mapping[str, Any]) -> str:
    current = rollout.get("currentStep")
    return "full traffic" if current is None else f"step {current}"
