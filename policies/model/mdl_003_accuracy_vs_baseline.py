"""The model's quality metric is at least $percent of its baseline's.

The checklist's gate for a new version: its accuracy on the hold-out set must
reach at least 95 % of the baseline's (the version it replaces), measured on
the same data. The metric compared is the one production tracks,
``monitoring.accuracy.metric``, else ``accuracy``; the ratio is the
``ratio`` option (0.95). Without a baseline there is nothing to compare
(MR-MDL-004 reports that); a metric missing on either side is reported.

Fails::

    spec:
      model:
        metrics: {accuracy: 0.89, auc: 0.978}
        baseline:
          version: "3.1.4"
          metrics: {accuracy: 0.948, auc: 0.971}

Passes::

    spec:
      model:
        metrics: {accuracy: 0.957, auc: 0.978}
        baseline:
          version: "3.1.4"
          metrics: {accuracy: 0.948, auc: 0.971}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-003"
NAME = "accuracy-vs-baseline"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Deploy a version whose quality metric reaches $percent of the "
    "baseline's, with both measured on the same hold-out set."
)


@dataclass(frozen=True)
class Options:
    ratio: float = 0.95  # the share of the baseline's metric the model must reach

    @property
    def percent(self) -> str:
        return f"{self.ratio * 100:g} %"


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    baseline = spec.model.get("baseline")
    metrics = spec.model.get("metrics")
    if baseline is None or not metrics:  # MR-MDL-004, MR-MDL-002
        return
    ratio = ctx.options_as(Options).ratio
    metric = spec.monitoring.get("accuracy", {}).get("metric", "accuracy")
    value, base = metrics.get(metric), baseline["metrics"].get(metric)
    if value is None:
        yield Hit(
            f"/spec/model/metrics/{metric}",
            f"model.metrics has no {metric!r} to compare with the baseline's",
        )
    if base is None:
        yield Hit(
            f"/spec/model/baseline/metrics/{metric}",
            f"the baseline {_label(baseline)} has no {metric!r} to compare with",
        )
    if value is None or base is None or base <= 0:
        return
    have, was = Decimal(str(value)), Decimal(str(base))
    if have < Decimal(str(ratio)) * was:
        share = (have / was * 100).quantize(Decimal("0.1"), ROUND_DOWN)
        yield Hit(
            f"/spec/model/metrics/{metric}",
            f"{metric} {value} is {share} % of the baseline "
            f"{_label(baseline)}'s {base}, below the required {ratio * 100:g} %",
        )


def _label(baseline: dict[str, Any]) -> str:
    """The baseline as people name it: its version, or the system it is."""
    return (
        str(baseline["version"]) if "version" in baseline else str(baseline["system"])
    )
