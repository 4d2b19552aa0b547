"""The error-rate objective is at most $maximum %.

The checklist's technical metrics ask for an error rate under 0.1 % (its
summary table: 0.1 % acceptable, 0.01 % excellent). ``slo.errorRate`` is a
percentage, so 0.1 means one failed request in a thousand; an objective
above the maximum lets the canary analysis and the alerts accept a model that
fails more often than the checklist allows. The maximum itself passes: an
objective is the bound the alerts enforce.

Fails::

    spec:
      slo:
        errorRate: 0.5

Passes::

    spec:
      slo:
        errorRate: 0.05
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-003"
NAME = "error-rate-objective"
SEVERITY = Severity.ERROR
REMEDIATION = "Lower slo.errorRate to at most $maximum (percent)."


@dataclass(frozen=True)
class Options:
    maximum: float = 0.1  # percent


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    opts = ctx.options_as(Options)
    error_rate = spec.slo["errorRate"]
    if error_rate > opts.maximum:
        yield Hit(
            "/spec/slo/errorRate",
            f"error rate objective {error_rate} % is above {opts.maximum} %",
        )
