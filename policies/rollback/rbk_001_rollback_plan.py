"""Every deployment says how it is rolled back.

When a new version misbehaves, the fastest fix is the version before it; the
checklist asks for the way back to be planned before the way forward is
taken, not improvised during an incident. The ``rollback`` section holds that
plan: whether it is automatic, how long it may take, where it returns to and
the runbook to follow.

Fails::

    spec:
      rollback: null

Passes::

    spec:
      rollback:
        automatic: true
        maxDuration: 15m
        previousVersion: "3.1.4"
        runbook: https://runbooks.example.com/ml/fraud-detector/rollback
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-001"
NAME = "rollback-plan"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Add a rollback section with automatic, maxDuration, previousVersion and runbook."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        yield Hit("/spec/rollback", "the deployment has no rollback plan")
