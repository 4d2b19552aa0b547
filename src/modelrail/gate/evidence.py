"""Evidence items: a measured value, the threshold it is judged by, a verdict.

Every item has a stable ``key`` (``slo.availability``, ``model.claim.auc``...)
so that attestations of two runs can be compared. Values are exact decimals
(Prometheus answers numbers as strings, MLflow as JSON numbers: both go
through ``Decimal(str(...))``), so ``99.95`` is never ``99.94999999``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

PROMETHEUS = "prometheus"
REGISTRY = "registry"
ROLLBACK = "rollback"  # a declared rollback: the repository is the evidence


class Verdict(enum.Enum):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no data"  # the source answered, without the evidence: fails
    ERROR = "error"  # the source could not be read: fails, exit 2
    # gate --compare's judge (docs/gate.md, "Candidate against stable"); its
    # pass is met and its fail missed
    MARGINAL = "marginal"  # a real but small degradation: passes, exit 0
    INCONCLUSIVE = "inconclusive"  # too little data yet: never a pass, exit 4


@dataclass(frozen=True, slots=True)
class Item:
    key: str  # stable: slo.availability, model.source, model.claim.auc...
    source: str  # PROMETHEUS or REGISTRY
    title: str  # what a person reads: "availability", "claimed auc"
    verdict: Verdict
    value: str = ""  # as displayed, with its unit ("99.97 %"); "" when none
    threshold: str = ""  # as displayed (">= 99.95 %")
    detail: str = ""  # why, for anything but a plain "met"
    measured: Decimal | str | None = None  # the raw value, for the attestation
    query: str = ""  # the PromQL or REST call the value came from

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.MET


INCONCLUSIVE_EXIT = 4


def exit_code(items: Iterable[Item]) -> int:
    """0 when every item is met (or marginal), 1 when one is missed or has
    no data, 2 when a source could not be read (never a pass), else 4 when
    one is inconclusive."""
    verdicts = {item.verdict for item in items}
    if Verdict.ERROR in verdicts:
        return 2
    if verdicts - {Verdict.MET, Verdict.MARGINAL, Verdict.INCONCLUSIVE} or not verdicts:
        return 1
    if Verdict.INCONCLUSIVE in verdicts:
        return INCONCLUSIVE_EXIT
    return 0


def outcome(items: Iterable[Item]) -> str:
    """``passed``, ``marginal``, ``failed``, ``inconclusive`` or ``error``:
    the gate as one word."""
    items = tuple(items)
    code = exit_code(items)
    if code == 0 and any(i.verdict is Verdict.MARGINAL for i in items):
        return "marginal"
    return {0: "passed", 1: "failed", 2: "error", 4: "inconclusive"}[code]


def decimal(value: object) -> Decimal:
    """A JSON number or a Prometheus sample string as an exact decimal
    (``NaN``, ``+Inf`` included); ``TypeError`` or ``ValueError`` else."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"not a number: {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"not a number: {value!r}") from None


def show(value: Decimal, places: int | None = None) -> str:
    """A decimal as people read it: ``99.9712``, ``0.957``, ``41.3``; rounded
    to ``places`` decimals when given (trailing zeros dropped)."""
    if not value.is_finite():
        return str(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
