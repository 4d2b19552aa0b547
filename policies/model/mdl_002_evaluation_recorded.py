"""The model's metrics are recorded with the evaluation that produced them.

A metric means little without knowing where it comes from: the checklist asks
for validation on a hold-out set, so the spec records the metrics and the
evaluation behind them, the hold-out ``dataset``, the ``date`` it ran and a
link to the ``report``. Reviewers can then check that the numbers compared
with the baseline (MR-MDL-003) were measured on the same data, and recently.
Each missing item is reported on its own.

Fails::

    spec:
      model:
        metrics: null
        evaluation:
          dataset: s3://ml-datasets-example/fraud/holdout-2026q3
          date: null
          report: null

Passes::

    spec:
      model:
        metrics: {accuracy: 0.957, auc: 0.978}
        evaluation:
          dataset: s3://ml-datasets-example/fraud/holdout-2026q3
          date: "2026-09-14"
          report: https://mlflow.example.com/reports/fraud-detector/3.2.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-002"
NAME = "evaluation-recorded"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Record model.metrics and give model.evaluation the hold-out dataset, "
    "the date it ran and a link to the report."
)

_ITEMS = {
    "dataset": "hold-out dataset",
    "date": "date",
    "report": "report link",
}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    model = spec.model
    if not model.get("metrics"):
        yield Hit("/spec/model/metrics", f"model {model['name']!r} records no metrics")
    evaluation = model.get("evaluation", {})
    for key, what in _ITEMS.items():
        if key not in evaluation:
            yield Hit(
                f"/spec/model/evaluation/{key}",
                f"the model evaluation names no {what}",
            )
