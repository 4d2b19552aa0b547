"""A rollback links its runbook.

Automatic rollback covers what the analysis sees; the rest (a bad answer a
customer reports, a downstream system that breaks) is rolled back by a
person, under pressure, often not the one who deployed. The runbook gives
them the steps, the checks that the old version is healthy again and whom to
tell, so the checklist asks for one per deployment.

Fails::

    spec:
      rollback:
        runbook: null

Passes::

    spec:
      rollback:
        runbook: https://runbooks.example.com/ml/fraud-detector/rollback
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-005"
NAME = "rollback-runbook"
SEVERITY = Severity.ERROR
REMEDIATION = "Set rollback.runbook to the URL of the rollback runbook."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        return  # MR-RBK-001 reports a missing rollback plan
    if "runbook" not in spec.rollback:
        yield Hit("/spec/rollback/runbook", "the rollback has no runbook")
