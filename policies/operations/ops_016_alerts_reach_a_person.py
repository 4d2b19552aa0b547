"""Every alert the spec renders reaches a person: no black hole.

A model with a metrics endpoint gets a PrometheusRule whose alerts carry its
``metadata.team`` and a severity: ``page`` (critical) or ``ticket``
(warning). The environment's ``spec.alerting`` routes them, per team
(docs/alerting.md): critical alerts to the team's pager, Slack and email,
warnings to Slack (else email). A team the environment does not list, a
warning with neither Slack nor email, a page with no pager where ``pager``
is on (the seed's critical alert reaches the on-call person's phone; the
test and development profiles let pages reach Slack), or an automatic
rollback with no relay to start it: each is an alert that fires and reaches
no one, or not the one it must.

Fails::

    metadata:
      team: vision-ml

Passes::

    metadata:
      team: risk-ml
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-016"
NAME = "alerts-reach-a-person"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare the team under spec.alerting.teams of the environment file, with "
    "a pager for critical alerts and Slack or email for warnings (and "
    "spec.alerting.rollback for automatic rollbacks); or fix metadata.team."
)


@dataclass(frozen=True)
class Options:
    pager: bool = True  # a spec's pages must reach its team's pager


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "metrics" not in spec.serving.get("endpoints", {}):
        return  # no metrics, no PrometheusRule: no alert to route
    team = str(spec.metadata["team"])
    alerting = env.spec.get("alerting")
    if alerting is None:
        yield Hit(
            "/metadata/team",
            f"environment {env.name} has no spec.alerting: the alerts of "
            f"{spec.name} reach no one",
        )
        return
    receivers = alerting["teams"].get(team)
    if receivers is None:
        yield Hit(
            "/metadata/team",
            f"team {team} has no receivers in spec.alerting.teams of "
            f"environment {env.name}: the alerts of {spec.name} reach no one",
        )
        return
    if not ("slack" in receivers or "email" in receivers):
        yield Hit(
            "/metadata/team",
            f"team {team} has neither Slack nor email in environment {env.name}: "
            f"the warnings of {spec.name} reach no one",
        )
    pages = spec.monitoring.get("alerts", {}).get("page", True)
    if pages and ctx.options_as(Options).pager and "pager" not in receivers:
        yield Hit(
            "/spec/monitoring/alerts/page",
            f"{spec.name}'s critical alerts page, but team {team} has no pager in "
            f"environment {env.name}: no one's phone rings",
        )
    if spec.rollback.get("automatic") is True and "rollback" not in alerting:
        yield Hit(
            "/spec/rollback/automatic",
            f"environment {env.name} has no spec.alerting.rollback: the alert "
            f"that should roll {spec.name} back reaches people only",
        )
