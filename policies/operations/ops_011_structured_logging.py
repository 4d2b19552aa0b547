"""Logs are structured and shipped to the central log store.

An incident is reconstructed from logs: by request ID, model version and
replica, across replicas that may already be gone. That needs structured
(JSON) lines that can be queried by field, in the central store rather than
on the node, where they vanish with the pod.

Fails::

    spec:
      monitoring:
        logging: {structured: true, centralized: false}

Passes::

    spec:
      monitoring:
        logging: {structured: true, centralized: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-011"
NAME = "structured-logging"
SEVERITY = Severity.ERROR
REMEDIATION = "Set monitoring.logging.structured and .centralized to true."

_WHY = {
    "structured": "logs are not structured",
    "centralized": "logs are not shipped to the central store",
}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    logging = spec.monitoring.get("logging")
    if logging is None:
        yield Hit(
            "/spec/monitoring/logging",
            "logging is not declared structured and centralized",
        )
        return
    for key, why in _WHY.items():
        value = logging.get(key)
        if value is not True:
            state = "unset" if value is None else "false"
            yield Hit(f"/spec/monitoring/logging/{key}", f"{why} ({key} is {state})")
