"""Models reach their users through a canary, not a rolling update.

A canary sends a small share of the traffic to the new version first and lets
the analysis abort before everyone is affected (the checklist's "canary
deployment", 1 % pilot then 5-10 %). A rolling update swaps pods until all
traffic runs on the new version, with nothing measuring it on the way, so a
bad model reaches every user before anyone can tell. Rolling updates are for
development only.

Fails::

    spec:
      rollout:
        strategy: rolling

Passes::

    spec:
      rollout:
        strategy: canary
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-ROLL-001"
NAME = "canary-strategy"
SEVERITY = Severity.ERROR
REMEDIATION = "Set rollout.strategy to canary and describe its steps."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    strategy = spec.rollout["strategy"]
    if strategy != "canary":
        yield Hit(
            "/spec/rollout/strategy",
            f"rollout strategy {strategy!r} moves all traffic without a canary",
        )
