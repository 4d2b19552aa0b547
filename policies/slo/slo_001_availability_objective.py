"""The availability objective is at least $minimum %.

The checklist asks for 99.9 % availability of infrastructure and served
models (its summary table: 99.5 % acceptable, 99.9 % excellent), and its
dashboard turns critical and pages the SRE team below 99.9 %: an objective
below that promises less than the alert that wakes the on-call, so the two
disagree. The minimum is an option, so other tiers can accept the
checklist's 99.5 %.

Fails::

    spec:
      slo:
        availability: 99.5

Passes::

    spec:
      slo:
        availability: 99.95
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-001"
NAME = "availability-objective"
SEVERITY = Severity.ERROR
REMEDIATION = "Raise slo.availability to at least $minimum (percent)."


@dataclass(frozen=True)
class Options:
    minimum: float = 99.9  # percent


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    opts = ctx.options_as(Options)
    availability = spec.slo["availability"]
    if availability < opts.minimum:
        yield Hit(
            "/spec/slo/availability",
            f"availability objective {availability} % is below {opts.minimum} %",
        )
