"""The model links its dashboard.

During an incident the first question is "what changed, and when": the
dashboard (Grafana) shows traffic, latency, errors and drift side by side.
A link in the spec puts it one click from the alert, the runbook and the
deployment instead of a search away.

Fails::

    spec:
      monitoring:
        dashboard: null

Passes::

    spec:
      monitoring:
        dashboard: https://grafana.example.com/d/fraud-detector?var-env=prod
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-003"
NAME = "dashboard-link"
SEVERITY = Severity.ERROR
REMEDIATION = "Set monitoring.dashboard to the URL of the model's dashboard."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "dashboard" not in spec.monitoring:
        yield Hit("/spec/monitoring/dashboard", "no dashboard is linked")
