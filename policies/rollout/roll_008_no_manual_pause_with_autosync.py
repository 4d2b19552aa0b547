"""No canary step waits for a manual promotion where Argo CD syncs automatically.

With automated sync, what is merged is what runs: a pull request is the only
way to change it. A ``manual`` pause waits for someone to run ``kubectl argo
rollouts promote`` out of band; until then the rollout hangs, and the change
that finally moves it leaves no trace in git. Use a timed pause with an
analysis instead, which promotes or aborts on its own.

Fails::

    spec:
      rollout:
        strategy: canary
        steps:
          - {weight: 10, pause: manual, analysis: true}
          - {weight: 50, pause: 24h, analysis: true}
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

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-008"
NAME = "no-manual-pause-with-autosync"
SEVERITY = Severity.ERROR
REMEDIATION = "Replace pause: manual with a timed pause, such as pause: 2h."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.rollout["strategy"] != "canary" or not env.auto_sync:
        return
    for index, step in enumerate(spec.steps):
        if step.get("pause") == "manual":
            yield Hit(
                f"/spec/rollout/steps/{index}/pause",
                f"canary step {index + 1} ({step['weight']} %) waits for a manual "
                f"promotion, but Argo CD syncs {env.name!r} automatically",
            )
