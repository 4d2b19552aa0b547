"""Multi-window, multi-burn-rate alerting: one table for policies and rules.

The Google SRE workbook ("Alerting on SLOs", table 5-8) pages when 2 % of a
30-day error budget burns in an hour or 5 % in six hours, and opens a ticket
when 10 % burns in a day or in three days. A burn rate is how many times
faster than "exactly the budget over the SLO window" errors arrive; for a
window other than 30 days the same budget fractions give other rates.
The rendered PrometheusRules and the policy that rejects alerts which can
never fire both read this table, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from modelrail.units import seconds

DEFAULT_WINDOW = "30d"


@dataclass(frozen=True, slots=True)
class BurnWindow:
    severity: str  # "page" or "ticket"
    long: str  # the window the burn rate is measured over
    short: str  # the window that must agree (so the alert resets quickly)
    budget: Decimal  # the fraction of the whole budget spent in ``long``

    def rate(self, slo_window: str = DEFAULT_WINDOW) -> Decimal:
        """The burn-rate factor for an SLO measured over ``slo_window``."""
        return self.budget * seconds(slo_window) / seconds(self.long)


WINDOWS = (
    BurnWindow("page", "1h", "5m", Decimal("0.02")),
    BurnWindow("page", "6h", "30m", Decimal("0.05")),
    BurnWindow("ticket", "1d", "2h", Decimal("0.10")),
    BurnWindow("ticket", "3d", "6h", Decimal("0.10")),
)


def threshold(budget_percent: Decimal, window: BurnWindow, slo_window: str) -> Decimal:
    """The error ratio (in percent) above which ``window`` fires."""
    return budget_percent * window.rate(slo_window)
