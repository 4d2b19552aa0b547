"""The model declares how often it is retrained.

Models age: customers, fraudsters and catalogues change, and a model trained
once slowly loses touch with them. The checklist asks for a retraining
calendar, so the spec states the longest time between two retrainings
(``model.retraining.cadence``, such as 30d); drift and accuracy may trigger
retraining earlier, but the calendar holds even when no alert fires.

Fails::

    spec:
      model:
        retraining: null

Passes::

    spec:
      model:
        retraining: {cadence: 30d, triggers: [schedule, drift, accuracy]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-006"
NAME = "retraining-cadence"
SEVERITY = Severity.ERROR
REMEDIATION = "Set model.retraining.cadence to the longest time between retrainings."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "cadence" not in spec.model.get("retraining", {}):
        yield Hit(
            "/spec/model/retraining/cadence",
            f"model {spec.model['name']!r} has no retraining cadence",
        )
