"""Alert routing: one AlertmanagerConfig per team of an environment
(``spec.alerting``), built here as data and written by a template.

The alerts a spec renders (``render/alerts.py``) carry ``team``,
``environment``, ``model`` and ``severity``; the severities are ``page`` and
``ticket``, which are the seed's critical and warning:

- ``page`` (critical): the team's pager, Slack and email, every one declared;
  the first notification leaves ``CRITICAL.wait`` after the alert fires, a new
  alert of a group already notified within ``CRITICAL.interval``: both well
  inside the 5 minutes a person has to acknowledge it;
- ``ticket`` (warning): Slack (email where the team has no Slack), within the
  15 minutes of a warning;
- the email of a team also goes to the ``metadata.contacts`` (``oncall``,
  ``escalation``) of its models that are email addresses: the people a spec
  names hear of its critical alerts;
- a critical alert inhibits the warnings of the same model and environment;
- an alert labelled ``modelrail_action="rollback"`` also goes to the
  automatic-rollback relay (``spec.alerting.rollback``), and on to the people;
- anything else of the team (another severity) reaches the team's first human
  receiver: no alert of the team is dropped.

The Prometheus Operator nests the route under a ``namespace`` matcher (the
AlertmanagerConfig's own namespace) and prefixes every receiver with
``<namespace>/<name>/``. Credentials are only ``SecretKeySelector``s, read by
the operator from the same namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.render.alerts import ACTION

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CRITICAL_SEVERITY = "page"
WARNING_SEVERITY = "ticket"
GROUP_BY = ("alertname", "environment", "model")
HUMAN = ("pager", "slack", "email")  # receivers with a person behind them
ROLLBACK = "rollback"
TEAM_LABEL = "team"
INHIBIT_EQUAL = ("model", "environment")
# an address Alertmanager's comma-separated ``to`` carries as it is
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+")  # fullmatch: no "\n" after


@dataclass(frozen=True, slots=True)
class Timing:
    """How long Alertmanager waits: ``wait`` before a group's first
    notification, ``interval`` before one about a new alert of the group,
    ``repeat`` before the same notification again. ``deadline``: the seed's
    time for a person to have it (``wait`` and ``interval`` stay under it)."""

    wait: str
    interval: str
    repeat: str
    deadline: str


# The seed (3.A): critical acknowledged within 5 minutes, warning within 15.
# The pager's own escalation policy re-pages an unacknowledged incident; the
# repeat here only reminds the channels.
CRITICAL = Timing(wait="30s", interval="2m", repeat="1h", deadline="5m")
WARNING = Timing(wait="2m", interval="10m", repeat="4h", deadline="15m")


def name(team: str) -> str:
    """The AlertmanagerConfig of ``team``."""
    return f"modelrail-{team}"


def warning_receivers(team: Mapping[str, Any]) -> tuple[str, ...]:
    """Where a warning of ``team`` goes: Slack, else email (none: nowhere)."""
    for receiver in ("slack", "email"):
        if receiver in team:
            return (receiver,)
    return ()


def critical_receivers(team: Mapping[str, Any]) -> tuple[str, ...]:
    """Where a critical alert of ``team`` goes: every human receiver declared."""
    return tuple(r for r in HUMAN if r in team)


def _matcher(label: str, value: str) -> dict[str, str]:
    # equality: no matchType (nor regex), which the operator reads as "=";
    # a bare = in YAML is a tag of YAML 1.1 (value) to some readers
    return {"name": label, "value": value}


def _fan_out(receivers: tuple[str, ...]) -> list[dict[str, Any]]:
    """Child routes sending to each of ``receivers`` (all but the last continue)."""
    return [
        {"receiver": r, **({"continue": True} if i < len(receivers) - 1 else {})}
        for i, r in enumerate(receivers)
    ]


def contacts(specs: list[Mapping[str, Any]], team: str) -> list[str]:
    """The email addresses in the ``metadata.contacts`` of ``team``'s specs."""
    return gathered(
        [(spec["metadata"]["team"], addresses(spec)) for spec in specs], team
    )


def addresses(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The email addresses among a spec's ``metadata.contacts`` (``oncall``,
    ``escalation``): what the routing of its team takes from it."""
    meta = spec["metadata"]
    found: list[str] = []
    for role in ("oncall", "escalation"):
        value = meta.get("contacts", {}).get(role)
        if isinstance(value, str) and _EMAIL.fullmatch(value) and value not in found:
            found.append(value)
    return tuple(found)


def gathered(teams: Sequence[tuple[str, Sequence[str]]], team: str) -> list[str]:
    """The addresses of ``team`` among (team, addresses) pairs, one each, sorted."""
    return sorted({a for name, found in teams if name == team for a in found})


def _receiver(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    if kind == "pager":
        return {
            "name": kind,
            "pagerdutyConfigs": [
                {"routingKey": dict(settings["routingKey"]), "sendResolved": True}
            ],
        }
    if kind == "slack":
        return {
            "name": kind,
            "slackConfigs": [
                {
                    "apiURL": dict(settings["apiURL"]),
                    "channel": settings["channel"],
                    "sendResolved": True,
                }
            ],
        }
    if kind == "email":
        config: dict[str, Any] = {
            "to": ", ".join(settings["to"]),
            "from": settings["from"],
            "smarthost": settings["smarthost"],
            "requireTLS": True,
            "sendResolved": True,
        }
        if "username" in settings:
            config["authUsername"] = settings["username"]
            config["authPassword"] = dict(settings["password"])
        return {"name": kind, "emailConfigs": [config]}
    return {  # the rollback relay
        "name": kind,
        "webhookConfigs": [{"urlSecret": dict(settings["url"]), "sendResolved": False}],
    }


def team_spec(
    team: str,
    receivers: Mapping[str, Any],
    rollback: Mapping[str, Any] | None,
    also: Sequence[str] = (),
) -> dict[str, Any]:
    """The ``spec`` of ``team``'s AlertmanagerConfig; ``also``: more email
    addresses (the specs' contacts)."""
    if "email" in receivers:
        to = list(receivers["email"]["to"])
        receivers = {
            **receivers,
            "email": {
                **receivers["email"],
                "to": to + [a for a in also if a not in to],
            },
        }
    critical = critical_receivers(receivers)
    warning = warning_receivers(receivers)
    routes: list[dict[str, Any]] = []
    if rollback is not None:
        routes.append(
            {
                "receiver": ROLLBACK,
                "matchers": [_matcher(ACTION, "rollback")],
                "continue": True,
            }
        )
    routes.append(
        {
            "receiver": critical[0],
            "matchers": [_matcher("severity", CRITICAL_SEVERITY)],
            "groupWait": CRITICAL.wait,
            "groupInterval": CRITICAL.interval,
            "repeatInterval": CRITICAL.repeat,
            "routes": _fan_out(critical),
        }
    )
    if warning:
        routes.append(
            {
                "receiver": warning[0],
                "matchers": [_matcher("severity", WARNING_SEVERITY)],
                "groupWait": WARNING.wait,
                "groupInterval": WARNING.interval,
                "repeatInterval": WARNING.repeat,
            }
        )
    declared = [_receiver(kind, receivers[kind]) for kind in critical]
    if rollback is not None:
        declared.append(_receiver(ROLLBACK, rollback))
    return {
        "route": {
            # the team's alerts of any other severity: a person still hears
            "receiver": critical[0],
            "matchers": [_matcher(TEAM_LABEL, team)],
            "groupBy": list(GROUP_BY),
            "groupWait": CRITICAL.wait,
            "groupInterval": WARNING.interval,
            "repeatInterval": WARNING.repeat,
            "routes": routes,
        },
        "receivers": declared,
        "inhibitRules": [
            {
                "sourceMatch": [_matcher("severity", CRITICAL_SEVERITY)],
                "targetMatch": [_matcher("severity", WARNING_SEVERITY)],
                "equal": list(INHIBIT_EQUAL),
            }
        ],
    }


def configs(
    env: Mapping[str, Any], specs: list[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Team -> the ``spec`` of its AlertmanagerConfig, for every team the
    environment's ``spec.alerting`` declares ({} without it); ``specs``: the
    environment's specs (their contacts)."""
    return configs_of(
        env, [(spec["metadata"]["team"], addresses(spec)) for spec in specs]
    )


def configs_of(
    env: Mapping[str, Any], teams: Sequence[tuple[str, Sequence[str]]]
) -> dict[str, dict[str, Any]]:
    """``configs`` from what each spec gives the routing: (its team, its
    ``addresses``), as a spec's ``render.sum`` keeps them."""
    alerting = env["spec"].get("alerting")
    if alerting is None:
        return {}
    rollback = alerting.get("rollback")
    return {
        team: team_spec(team, receivers, rollback, gathered(teams, team))
        for team, receivers in sorted(alerting["teams"].items())
    }
