"""The model links its incident runbook.

Whoever is paged at night may not know this model: the incident runbook says
what its alerts mean, what to look at and what is safe to do (scale out,
roll back, fail open). The rollback runbook (``rollback.runbook``) covers one
of those actions only.

Fails::

    spec:
      monitoring:
        runbook: null

Passes::

    spec:
      monitoring:
        runbook: https://runbooks.example.com/ml/fraud-detector
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-004"
NAME = "runbook-link"
SEVERITY = Severity.ERROR
REMEDIATION = "Set monitoring.runbook to the URL of the model's incident runbook."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "runbook" not in spec.monitoring:
        yield Hit("/spec/monitoring/runbook", "no incident runbook is linked")
