"""Data drift is monitored, with a warning threshold below the critical one.

Input data drifts away from the training data and quality decays silently,
before any accuracy metric can be measured on labelled data. The checklist
watches a drift score with two thresholds, warning at 0.1 and critical at
0.2 (PSI). A warning threshold of 0 fires on every score, and one at or
above the critical threshold never warns ahead of it.

Fails::

    spec:
      monitoring:
        drift: {method: psi, warning: 0.2, critical: 0.2, window: 24h}

Passes::

    spec:
      monitoring:
        drift: {method: psi, warning: 0.1, critical: 0.2, window: 24h}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-005"
NAME = "drift-thresholds"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare monitoring.drift with a warning threshold above 0 and below the "
    "critical one (0.1 and 0.2 for PSI)."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    drift = spec.monitoring.get("drift")
    if drift is None:
        yield Hit("/spec/monitoring/drift", "data drift is not monitored")
        return
    warning, critical = drift["warning"], drift["critical"]
    if warning <= 0:
        yield Hit(
            "/spec/monitoring/drift/warning",
            f"drift warning threshold {warning} fires on every score",
        )
    elif warning >= critical:
        yield Hit(
            "/spec/monitoring/drift/warning",
            f"drift warning threshold {warning} is not below the critical "
            f"threshold {critical}",
        )
