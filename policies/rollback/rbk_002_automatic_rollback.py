"""A failing canary is rolled back automatically.

The checklist asks for automatic rollback when anomalies are detected: the
analysis that sees the error rate or latency break the SLO aborts the
rollout and returns the traffic to the stable version at once. Waiting for a
person to notice, decide and act adds the time to page someone to every
incident the new version causes.

Fails::

    spec:
      rollback:
        automatic: false

Passes::

    spec:
      rollback:
        automatic: true
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-002"
NAME = "automatic-rollback"
SEVERITY = Severity.ERROR
REMEDIATION = "Set rollback.automatic to true."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        return  # MR-RBK-001 reports a missing rollback plan
    automatic = spec.rollback.get("automatic")
    if automatic is None:
        yield Hit(
            "/spec/rollback/automatic",
            "the rollback does not say whether it is automatic",
        )
    elif automatic is not True:
        yield Hit(
            "/spec/rollback/automatic", "the rollback is manual (automatic: false)"
        )
