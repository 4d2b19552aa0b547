"""Page alerts derived from the objectives can fire.

Page alerts burn the error budget by the multi-window rule of the Google SRE
workbook (``modelrail.burnrate``): over the 30-day default window, a page
fires when the error ratio exceeds the budget times 14.4 over an hour, or
times 6 over six hours. The budget is 100 % minus the availability
objective, or the error-rate objective itself. A budget of 7 % (availability
93 %) pages in an hour only above a 100.8 % error ratio: never. Such an
objective turns paging off without saying so. Checked only when
``monitoring.alerts.page`` is true.

Fails::

    spec:
      slo:
        availability: 93
      monitoring:
        alerts: {page: true}

Passes::

    spec:
      slo:
        availability: 93.1
      monitoring:
        alerts: {page: true}
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from modelrail import burnrate
from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-008"
NAME = "pageable-objectives"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Tighten the objective (or shorten slo.window) until its page alerts "
    "fire below a 100 % error ratio."
)

HUNDRED = Decimal(100)
PAGES = tuple(w for w in burnrate.WINDOWS if w.severity == "page")


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if spec.monitoring.get("alerts", {}).get("page") is not True:
        return
    slo = spec.slo
    window = slo.get("window", burnrate.DEFAULT_WINDOW)
    availability = Decimal(str(slo["availability"]))
    error_rate = Decimal(str(slo["errorRate"]))
    budget = HUNDRED - availability
    by_availability = (
        f"availability objective {availability} % leaves a "
        f"{budget.normalize():f} % error budget over {window}"
    )
    objectives = (
        ("availability", by_availability, budget),
        ("errorRate", f"error rate objective {error_rate} % over {window}", error_rate),
    )
    for key, what, budget_percent in objectives:
        thresholds = {
            p.long: burnrate.threshold(budget_percent, p, window) for p in PAGES
        }
        never = {long: t for long, t in thresholds.items() if t >= HUNDRED}
        if never:
            alerts = "alerts" if len(never) > 1 else "alert"
            ratios = " % and ".join(_percent(t) for t in never.values())
            yield Hit(
                f"/spec/slo/{key}",
                f"{what}: the {' and '.join(never)} page {alerts} would need over "
                f"{ratios} % errors to fire, which cannot happen",
            )


def _percent(value: Decimal) -> str:
    """``100.80`` -> ``100.8``; a repeating decimal is cut to two places."""
    return f"{value.quantize(Decimal('0.01')).normalize():f}"
