"""Alertmanager as a source: the firing alerts that ask for a rollback.

``modelrail rollback --from-alerts URL`` asks Alertmanager's API v2 for the
alerts that are active, neither silenced nor inhibited, and carry the label
``modelrail_action="rollback"`` (the rendered PrometheusRules put it on the
alerts a spec marks as rollback triggers, with ``model``, ``environment`` and
``version``). The answer is checked as it is read: anything that is not a
list of alerts with string labels is a :class:`SourceError` (exit 2, nothing
changed). An alert whose labels do not name a model and an environment as
modelrail names them is returned as ignored, with why: label values come
from outside and never reach a branch name, a commit or a body unchecked.

A token for a proxy in front of Alertmanager comes from
``MODELRAIL_ALERTMANAGER_TOKEN`` (environment only, as for the gate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelrail.gate.transport import Auth, SourceError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.gate.transport import Endpoint

ALERTS = "/api/v2/alerts"
ACTION = "modelrail_action"
ROLLBACK = "rollback"
TOKEN = "MODELRAIL_ALERTMANAGER_TOKEN"
# how modelrail names environments and models (DNS labels), and versions
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


@dataclass(frozen=True, slots=True)
class Request:
    """One alert's ask: roll ``model`` back in ``environment`` from
    ``version`` (the version the alert saw running)."""

    environment: str
    model: str
    version: str
    alert: Mapping[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Firing:
    # every alert's ask, by environment and model, the earliest first: two
    # alerts of one model may name two versions (one stale), and only the
    # repository knows which one runs
    requests: tuple[Request, ...]
    ignored: tuple[str, ...]  # why each other alert is not acted on


def auth(environ: Mapping[str, str]) -> Auth:
    token = environ.get(TOKEN, "").strip()
    return Auth(f"Bearer {token}" if token else None, TOKEN)


def firing(endpoint: Endpoint) -> Firing:
    """The rollbacks the firing alerts ask for."""
    answer = endpoint.get(
        ALERTS,
        {
            "active": "true",
            "silenced": "false",
            "inhibited": "false",
            "filter": f'{ACTION}="{ROLLBACK}"',
        },
    )
    body: Any = answer.body
    if answer.status != 200 or not isinstance(body, list):
        raise _shape(endpoint, f"HTTP {answer.status}, {type(body).__name__}")
    found: list[Request] = []
    ignored: list[str] = []
    for alert in body:
        labels = alert.get("labels") if isinstance(alert, dict) else None
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
        ):
            raise _shape(endpoint, "an alert without string labels")
        if labels.get(ACTION) != ROLLBACK:
            continue  # a server that ignores the filter: not ours to act on
        state = alert.get("status")
        if isinstance(state, dict) and state.get("state") not in (None, "active"):
            continue
        why = _unusable(labels)
        if why:
            ignored.append(f"alert {_shown(labels.get('alertname', '?'))}: {why}")
            continue
        request = Request(
            labels["environment"], labels["model"], labels["version"], alert
        )
        found.append(request)
    found.sort(key=lambda r: (r.environment, r.model, _starts(r.alert), r.version))
    return Firing(tuple(found), tuple(ignored))


def _unusable(labels: Mapping[str, str]) -> str:
    for key, pattern in (
        ("environment", _NAME),
        ("model", _NAME),
        ("version", _VERSION),
    ):
        value = labels.get(key)
        if value is None:
            return f"no {key} label"
        if not pattern.fullmatch(value):
            return f"its {key} label {_shown(value)} is not a {key} name"
    return ""


def _starts(alert: Mapping[str, Any]) -> str:
    started = alert.get("startsAt")
    return started if isinstance(started, str) else "~"


def _shown(value: str) -> str:
    """A label value for a message: quoted, printable, cut."""
    text = "".join(ch if ch.isprintable() else "?" for ch in value)
    return repr(text if len(text) <= 60 else text[:59] + "…")


def _shape(endpoint: Endpoint, what: str) -> SourceError:
    return SourceError(
        f"{endpoint.where} answered {ALERTS} with something that is not a list "
        f"of alerts ({what}): is {endpoint.url} Alertmanager's base URL?"
    )
