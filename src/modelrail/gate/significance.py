"""The statistical judge: a candidate against the stable version, metric by metric.

Pure and deterministic (no randomness, no clock): counts in, calls out. The
tests and distributions are scipy's (imported here, lazily, and nowhere else
in modelrail); docs/gate.md, "Candidate against stable", says why each.

- **error ratio**: Fisher's exact test, one-sided (the candidate's odds of a
  server error are higher), on the 2x2 table of errors and other answers. It
  is exact at every sample size (no switch between a small-count and a
  large-count test) and conservative, so its false-positive rate is at most
  alpha by construction. The effect is the increase in percentage points.
- **latency**: the two histograms' per-bucket counts as a 2 x k table of
  ordered categories; Somers' D of it (rows: stable, candidate) is Cliff's
  delta, the probability that a candidate request is slower than a stable
  one minus the probability it is faster (ties in a bucket count as
  neither), with scipy's asymptotic one-sided test (the Mann-Whitney test on
  tied, bucketed data, without expanding the counts into samples).
- **gauges** (online model quality, business metrics): a mean over the
  window per side, judged by the spec's tolerance; no p-value (a gauge has
  no sample size), so outside the correction below.

The p-values are adjusted with Holm-Bonferroni across the metrics, so the
chance that any metric of an A/A comparison fails is at most alpha. Each
metric is then:

- ``inconclusive`` with less than the minimum sample on either side (never
  a pass);
- ``fail`` when its adjusted p-value is under alpha and its effect is
  material (at least ``Limits.material_delta`` for latency, at least the
  error-ratio margin for errors);
- ``marginal`` when significant but not material: real, and small;
- ``pass`` otherwise.

Overall is the worst: fail > inconclusive > marginal > pass.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


class Call(enum.IntEnum):
    """A metric's verdict; the overall one is the highest."""

    PASS = 0
    MARGINAL = 1
    INCONCLUSIVE = 2
    FAIL = 3

    @property
    def word(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Limits:
    alpha: float = 0.05  # family-wise, across the metrics' tests (Holm)
    min_requests: int = 1000  # per side, for the error ratio and the latency
    min_points: int = 5  # samples of a gauge over the window, per side
    material_delta: float = 0.1  # Cliff's delta of a latency shift that matters
    budget_share: float = 0.1  # share of slo.errorRate an increase must reach


@dataclass(frozen=True, slots=True)
class Proportion:
    errors: int
    requests: int

    @property
    def ratio(self) -> float:
        return self.errors / self.requests if self.requests else math.nan


@dataclass(frozen=True, slots=True)
class Buckets:
    """A histogram's observations over the window: ``counts[i]`` in
    ``(bounds[i-1], bounds[i]]``, the last one above ``bounds[-1]``."""

    bounds: tuple[float, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile, interpolated in its bucket as Prometheus'
        ``histogram_quantile`` does (NaN without observations)."""
        total = self.total
        if total == 0:
            return math.nan
        rank, seen = q * total, 0
        for i, count in enumerate(self.counts):
            if count and seen + count >= rank:
                if i == len(self.bounds):
                    return self.bounds[-1]  # in the +Inf bucket
                low = self.bounds[i - 1] if i else 0.0
                return low + (self.bounds[i] - low) * (rank - seen) / count
            seen += count
        return self.bounds[-1]


@dataclass(frozen=True, slots=True)
class Gauge:
    mean: float  # over the window; NaN without samples
    points: int  # samples over the window


@dataclass(frozen=True, slots=True)
class Assessment:
    """One metric judged: the call, and why."""

    key: str
    title: str
    call: Call
    candidate: str  # the candidate's value, as displayed
    stable: str
    effect: str  # "+1.01 points", "Cliff's delta 0.32"
    threshold: str  # what would fail
    detail: str
    p_value: float | None = None
    adjusted: float | None = None  # Holm's
    material: bool = False
    data: dict[str, object] = field(default_factory=dict)  # the measured numbers


def _enough(n: int, limits: Limits) -> bool:
    return n >= limits.min_requests


def error_ratio(
    candidate: Proportion, stable: Proportion, *, error_rate: float, limits: Limits
) -> Assessment:
    """The candidate's server-error ratio against the stable's; ``error_rate``
    is ``slo.errorRate`` (percent), whose ``budget_share`` is the margin."""
    from scipy import stats

    margin = error_rate * limits.budget_share  # points
    data: dict[str, object] = {
        "candidate": {"errors": candidate.errors, "requests": candidate.requests},
        "stable": {"errors": stable.errors, "requests": stable.requests},
    }
    shown = (_percent(candidate.ratio), _percent(stable.ratio))
    threshold = f"increase < {_num(margin)} points, or not significant"
    base = Assessment(
        "judge.errorRatio", "error ratio", Call.INCONCLUSIVE, *shown, "", threshold,
        "", data=data,
    )  # fmt: skip
    if not (_enough(candidate.requests, limits) and _enough(stable.requests, limits)):
        return replace(
            base,
            detail=f"{candidate.requests} candidate and {stable.requests} stable "
            f"requests: at least {limits.min_requests} each are needed",
        )
    table = [
        [candidate.errors, candidate.requests - candidate.errors],
        [stable.errors, stable.requests - stable.errors],
    ]
    p = float(stats.fisher_exact(table, alternative="greater").pvalue)
    increase = (candidate.ratio - stable.ratio) * 100
    return replace(
        base,
        effect=f"{increase:+.4g} points",
        detail=f"{candidate.errors} server errors in {candidate.requests} requests "
        f"against {stable.errors} in {stable.requests}; Fisher's exact test, "
        "one-sided",
        p_value=p,
        material=increase >= margin,
        data={**data, "increasePoints": increase},
    )


def latency(candidate: Buckets, stable: Buckets, *, limits: Limits) -> Assessment:
    """The candidate's latency distribution against the stable's."""
    from scipy import stats

    data: dict[str, object] = {
        "bounds": list(candidate.bounds),
        "candidate": list(candidate.counts),
        "stable": list(stable.counts),
        "p50": {"candidate": candidate.quantile(0.5), "stable": stable.quantile(0.5)},
        "p95": {"candidate": candidate.quantile(0.95), "stable": stable.quantile(0.95)},
    }
    shown = (_ms(candidate), _ms(stable))
    threshold = f"Cliff's delta < {_num(limits.material_delta)}, or not significant"
    base = Assessment(
        "judge.latency", "latency", Call.INCONCLUSIVE, *shown, "", threshold, "",
        data=data,
    )  # fmt: skip
    n1, n2 = candidate.total, stable.total
    if not (_enough(n1, limits) and _enough(n2, limits)):
        return replace(
            base,
            detail=f"{n1} candidate and {n2} stable observations: at least "
            f"{limits.min_requests} each are needed",
        )
    if candidate.bounds != stable.bounds:
        return replace(
            base,
            detail="the two versions' histograms have different buckets: "
            "their distributions cannot be compared",
        )
    kept = [
        (s, c) for s, c in zip(stable.counts, candidate.counts, strict=True) if s or c
    ]
    if len(kept) < 2:  # every observation in one bucket: no order to test
        p, delta = 1.0, 0.0
    else:
        table = [[s for s, _ in kept], [c for _, c in kept]]
        result = stats.somersd(table, alternative="greater")
        p, delta = float(result.pvalue), float(result.statistic)
    return replace(
        base,
        effect=f"Cliff's delta {delta:+.3f}",
        detail=f"{n1} candidate and {n2} stable observations in "
        f"{len(candidate.bounds) + 1} buckets; Mann-Whitney (Somers' D) on the "
        "bucket counts, one-sided",
        p_value=p,
        material=delta >= limits.material_delta,
        data={**data, "cliffsDelta": delta},
    )


def gauge(
    key: str,
    title: str,
    candidate: Gauge,
    stable: Gauge,
    *,
    higher_is_better: bool,
    tolerance: float,
    limits: Limits,
) -> Assessment:
    """A gauge's mean against the stable's: worse by more than ``tolerance``
    fails, by more than half of it is marginal."""
    data: dict[str, object] = {
        "candidate": {"mean": candidate.mean, "points": candidate.points},
        "stable": {"mean": stable.mean, "points": stable.points},
        "tolerance": tolerance,
    }
    word = "under" if higher_is_better else "over"
    threshold = f"not {word} the stable's by {_num(tolerance)} or more"
    base = Assessment(
        key, title, Call.INCONCLUSIVE, _num(candidate.mean), _num(stable.mean),
        "", threshold, "", data=data,
    )  # fmt: skip
    if min(candidate.points, stable.points) < limits.min_points or not (
        math.isfinite(candidate.mean) and math.isfinite(stable.mean)
    ):
        return replace(
            base,
            detail=f"{candidate.points} candidate and {stable.points} stable "
            f"samples: at least {limits.min_points} each are needed",
        )
    worse = (stable.mean - candidate.mean) * (1 if higher_is_better else -1)
    call = (  # never worse by nothing: a tolerance of 0 (a stable at 0) fails none
        Call.PASS
        if worse <= 0
        else Call.FAIL
        if worse >= tolerance
        else Call.MARGINAL
        if worse >= tolerance / 2
        else Call.PASS
    )
    return replace(
        base,
        call=call,
        effect=f"{-worse if higher_is_better else worse:+.4g}",
        detail=f"mean over the window, {candidate.points} and {stable.points} samples",
        material=call is Call.FAIL,
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (monotone, at most 1), in the given
    order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def decide(findings: Sequence[Assessment], limits: Limits) -> tuple[Assessment, ...]:
    """``findings`` with Holm's adjustment applied across those with a
    p-value, and each call made."""
    tested = [i for i, f in enumerate(findings) if f.p_value is not None]
    adjusted = holm([findings[i].p_value or 0.0 for i in tested])
    out = list(findings)
    for i, q in zip(tested, adjusted, strict=True):
        finding = findings[i]
        significant = q < limits.alpha
        call = (
            (Call.FAIL if finding.material else Call.MARGINAL)
            if significant
            else Call.PASS
        )
        out[i] = replace(
            finding,
            call=call,
            adjusted=q,
            detail=f"{finding.detail}: p {_p(finding.p_value)}, Holm-adjusted "
            f"{_p(q)} (alpha {_num(limits.alpha)} over {len(tested)} tests)",
        )
    return tuple(out)


def overall(findings: Sequence[Assessment]) -> Call:
    """The worst call (fail > inconclusive > marginal > pass); inconclusive
    when there is nothing to judge."""
    return max((f.call for f in findings), default=Call.INCONCLUSIVE)


def _p(p: float | None) -> str:
    """``= 0.0123``, or ``< 1e-300`` (0: under a double's range)."""
    if p is None:
        return "-"
    return "< 1e-300" if p < 1e-300 else f"= {p:.3g}"


def _num(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.4g}"


def _percent(ratio: float) -> str:
    return "-" if math.isnan(ratio) else f"{ratio * 100:.4g} %"


def _ms(buckets: Buckets) -> str:
    p50, p95 = buckets.quantile(0.5), buckets.quantile(0.95)
    if math.isnan(p95):
        return "-"
    return f"p50 {p50 * 1000:.4g} ms, p95 {p95 * 1000:.4g} ms"
