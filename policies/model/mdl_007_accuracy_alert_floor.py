"""The accuracy alert floor is below the model's value and >= $percent of the baseline's.

Hold-out metrics describe the model on release day; production quality is
watched by ``monitoring.accuracy``, which alerts when the live metric falls
below its ``floor``. A floor at or above the model's own value alerts at
once and teaches people to ignore it. A floor far below the baseline lets a
large regression pass unnoticed: the checklist's dashboard turns critical at
90 % of the baseline (the ``minimum_ratio`` option), so the floor is at
least that.

Fails::

    spec:
      model:
        metrics: {accuracy: 0.957, auc: 0.978}
        baseline:
          version: "3.1.4"
          metrics: {accuracy: 0.948, auc: 0.971}
      monitoring:
        accuracy: {metric: accuracy, floor: 0.8}

Passes::

    spec:
      model:
        metrics: {accuracy: 0.957, auc: 0.978}
        baseline:
          version: "3.1.4"
          metrics: {accuracy: 0.948, auc: 0.971}
      monitoring:
        accuracy: {metric: accuracy, floor: 0.91}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-007"
NAME = "accuracy-alert-floor"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare monitoring.accuracy with a floor below the model's current value "
    "and at least $percent of the baseline's."
)


@dataclass(frozen=True)
class Options:
    minimum_ratio: float = 0.90  # the lowest floor, as a share of the baseline's

    @property
    def percent(self) -> str:
        return f"{self.minimum_ratio * 100:g} %"


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    accuracy = spec.monitoring.get("accuracy")
    if accuracy is None:
        yield Hit("/spec/monitoring/accuracy", "live model quality is not monitored")
        return
    metric, floor = accuracy["metric"], accuracy["floor"]
    pointer = "/spec/monitoring/accuracy/floor"
    value = spec.model.get("metrics", {}).get(metric)
    if value is not None and Decimal(str(floor)) >= Decimal(str(value)):
        yield Hit(
            pointer,
            f"{metric} floor {floor} is not below the model's {value}: "
            "it alerts at once",
        )
    base = spec.model.get("baseline", {}).get("metrics", {}).get(metric)
    if base is None:
        return
    ratio = ctx.options_as(Options).minimum_ratio
    lowest = Decimal(str(ratio)) * Decimal(str(base))
    if Decimal(str(floor)) < lowest:
        yield Hit(
            pointer,
            f"{metric} floor {floor} is below {ratio * 100:g} % of the "
            f"baseline's {base} ({lowest.normalize():f}): a large regression "
            "goes unnoticed",
        )
