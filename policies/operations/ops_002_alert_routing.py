"""Alerts are declared, routed to a receiver, and page or open a ticket.

The checklist asks for automatic alerts: the SLO burn-rate alerts are rendered
from ``monitoring.alerts``. An alert with no Alertmanager receiver, or with
both paging and ticketing switched off, fires into the void: nobody learns
that the error budget is burning until customers say so.

Fails::

    spec:
      monitoring:
        alerts: {page: false, ticket: false, receivers: [risk-ml-pagerduty]}

Passes::

    spec:
      monitoring:
        alerts: {page: true, ticket: true, receivers: [risk-ml-pagerduty]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-002"
NAME = "alert-routing"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare monitoring.alerts with at least one receiver and page: true "
    "or ticket: true."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    alerts = spec.monitoring.get("alerts")
    if alerts is None:
        yield Hit("/spec/monitoring/alerts", "no alerts are declared")
        return
    if not alerts.get("receivers"):
        yield Hit("/spec/monitoring/alerts/receivers", "alerts have no receiver")
    if not (alerts.get("page", False) or alerts.get("ticket", False)):
        yield Hit("/spec/monitoring/alerts", "alerts neither page nor open a ticket")
