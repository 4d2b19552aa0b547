"""The statistical judge on simulated data (no server), with fixed seeds.

The false-positive rate over A/A comparisons, the power the docs state
(docs/gate.md, "Candidate against stable"), and inconclusive small or empty
samples. The simulation draws requests the way a model server's metrics count
them: errors binomially, latencies lognormal (median 40 ms) into the lab's
histogram buckets.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np
import pytest
from scipy import stats

from modelrail.gate import significance
from modelrail.gate.significance import Buckets, Call, Gauge, Limits, Proportion

BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LIMITS = Limits()  # alpha 0.05, 1000 requests a side
ERROR_RATE = 0.1  # slo.errorRate of fraud-detector (percent)
SIMULATIONS = 1000


def histogram(rng: np.random.Generator, n: int, shift: float = 1.0) -> Buckets:
    seconds = rng.lognormal(math.log(0.04), 0.5, n) * shift
    index = np.searchsorted(BOUNDS, seconds, side="left")  # le: at or under
    counts = np.bincount(index, minlength=len(BOUNDS) + 1)
    return Buckets(BOUNDS, tuple(int(c) for c in counts))


def compare(
    rng: np.random.Generator,
    n: int,
    *,
    errors: tuple[float, float] = (0.01, 0.01),
    shift: float = 1.0,
) -> tuple[significance.Assessment, ...]:
    """One simulated comparison: ``n`` requests a side, the candidate's and
    the stable's error ratios, the candidate's latencies times ``shift``."""
    candidate = Proportion(int(rng.binomial(n, errors[0])), n)
    stable = Proportion(int(rng.binomial(n, errors[1])), n)
    findings = [
        significance.error_ratio(
            candidate, stable, error_rate=ERROR_RATE, limits=LIMITS
        ),
        significance.latency(
            histogram(rng, n, shift), histogram(rng, n), limits=LIMITS
        ),
    ]
    return significance.decide(findings, LIMITS)


def rates(runs: list[tuple[significance.Assessment, ...]]) -> dict[str, float]:
    """Share of the runs whose overall call is each call."""
    calls = [significance.overall(run) for run in runs]
    return {c.word: sum(1 for x in calls if x is c) / len(calls) for c in Call}


@pytest.mark.parametrize(
    ("seed", "n", "error"),
    [
        (19, 5000, 0.01),  # 50 errors a side: Fisher's exact at moderate counts
        (20, 2000, 0.001),  # 2 errors a side: the small-count regime
    ],
)
def test_aa_false_positive_rate_is_at_most_alpha(
    seed: int, n: int, error: float
) -> None:
    rng = np.random.default_rng(seed)
    runs = [compare(rng, n, errors=(error, error)) for _ in range(SIMULATIONS)]
    got = rates(runs)
    # a false positive: any significant degradation (fail or marginal), the
    # stricter reading; the family-wise rate over both metrics (Holm)
    assert got["fail"] + got["marginal"] <= LIMITS.alpha, got
    assert got["inconclusive"] == 0


def test_power_error_ratio_half_a_point() -> None:
    # the docs: 20 000 requests a side detect 1 % -> 1.5 % (>= 95 %)
    rng = np.random.default_rng(21)
    runs = [compare(rng, 20_000, errors=(0.015, 0.01)) for _ in range(200)]
    detected = [run[0].call is Call.FAIL for run in runs]
    assert sum(detected) / len(runs) >= 0.95


def test_power_error_ratio_half_a_point_over_a_small_base() -> None:
    # the docs: 5 000 requests a side detect 0.1 % -> 0.6 % (>= 95 %)
    rng = np.random.default_rng(22)
    runs = [compare(rng, 5000, errors=(0.006, 0.001)) for _ in range(200)]
    assert sum(run[0].call is Call.FAIL for run in runs) / len(runs) >= 0.95


def test_power_latency_twenty_percent() -> None:
    # the docs: 2 000 observations a side detect a 20 % slower candidate
    rng = np.random.default_rng(23)
    runs = [compare(rng, 2000, shift=1.2) for _ in range(200)]
    assert sum(run[1].call is Call.FAIL for run in runs) / len(runs) >= 0.95


def test_a_trivial_shift_on_a_huge_sample_is_marginal_not_a_failure() -> None:
    rng = np.random.default_rng(24)
    run = compare(rng, 2_000_000, shift=1.03)
    assert run[1].call is Call.MARGINAL, run[1]
    assert run[1].adjusted is not None
    assert run[1].adjusted < LIMITS.alpha
    assert not run[1].material


def test_a_faster_candidate_passes() -> None:
    rng = np.random.default_rng(25)
    run = compare(rng, 50_000, errors=(0.005, 0.01), shift=0.7)
    assert [f.call for f in run] == [Call.PASS, Call.PASS]


@pytest.mark.parametrize(
    ("candidate", "stable"),
    [(0, 0), (0, 50_000), (50_000, 0), (999, 50_000), (50_000, 999)],
)
def test_small_and_empty_samples_are_inconclusive(candidate: int, stable: int) -> None:
    rng = np.random.default_rng(26)
    # even a candidate failing every request: too few to say
    errors = significance.error_ratio(
        Proportion(candidate, candidate), Proportion(0, stable),
        error_rate=ERROR_RATE, limits=LIMITS,
    )  # fmt: skip
    latency = significance.latency(
        histogram(rng, candidate, 3.0), histogram(rng, stable), limits=LIMITS
    )
    decided = significance.decide([errors, latency], LIMITS)
    assert [f.call for f in decided] == [Call.INCONCLUSIVE] * 2
    assert significance.overall(decided) is Call.INCONCLUSIVE
    assert "at least 1000 each are needed" in decided[0].detail


def test_gauges_need_points_on_both_sides_and_judge_by_the_tolerance() -> None:
    def call(candidate: float, points: int = 60) -> Call:
        return significance.gauge(
            "judge.quality.accuracy", "online accuracy",
            Gauge(candidate, points), Gauge(0.95, 60),
            higher_is_better=True, tolerance=0.0475, limits=LIMITS,
        ).call  # fmt: skip

    assert call(0.95) is Call.PASS
    assert call(0.93) is Call.PASS  # worse by less than half the tolerance
    assert call(0.92) is Call.MARGINAL
    assert call(0.90) is Call.FAIL  # under 95 % of the stable's 0.95
    assert call(0.99, points=4) is Call.INCONCLUSIVE
    assert call(math.nan, points=0) is Call.INCONCLUSIVE


def test_nothing_to_judge_is_inconclusive() -> None:
    assert significance.overall([]) is Call.INCONCLUSIVE


def test_overall_is_the_worst_call() -> None:
    assert Call.FAIL > Call.INCONCLUSIVE > Call.MARGINAL > Call.PASS


def test_holm() -> None:
    # Holm (1979): sorted p times (m - rank), made monotone, capped at 1
    assert significance.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx(
        [0.04, 0.09, 0.09, 0.5]
    )
    assert significance.holm([0.9, 0.8]) == [1.0, 1.0]
    assert significance.holm([]) == []


def test_the_latency_test_is_mann_whitney_on_the_buckets() -> None:
    # the oracle: scipy's Mann-Whitney on the observations the buckets count
    rng = np.random.default_rng(27)
    candidate, stable = histogram(rng, 3000, 1.04), histogram(rng, 3000)
    found = significance.latency(candidate, stable, limits=LIMITS)
    samples = [np.repeat(np.arange(13), b.counts) for b in (candidate, stable)]
    oracle = stats.mannwhitneyu(*samples, alternative="greater")
    delta = 2 * oracle.statistic / (3000 * 3000) - 1
    assert found.data["cliffsDelta"] == pytest.approx(delta)
    assert 1e-4 < oracle.pvalue < 0.5  # a p-value where the two should agree
    assert found.p_value == pytest.approx(oracle.pvalue, rel=0.02)


def test_the_error_test_is_fishers_exact_one_sided() -> None:
    found = significance.error_ratio(
        Proportion(30, 2000), Proportion(15, 2000), error_rate=0.1, limits=LIMITS
    )
    oracle = stats.fisher_exact([[30, 1970], [15, 1985]], alternative="greater")
    assert found.p_value == pytest.approx(oracle.pvalue)
    assert found.effect == "+0.75 points"


def test_the_judge_is_deterministic() -> None:
    first = compare(np.random.default_rng(28), 5000, shift=1.1)
    again = compare(np.random.default_rng(28), 5000, shift=1.1)
    assert first == again


def test_quantiles_from_buckets_interpolate_as_prometheus() -> None:
    buckets = Buckets((0.025, 0.05), (70, 30, 0))
    assert buckets.quantile(0.95) == pytest.approx(0.0458333, rel=1e-5)
    assert math.isnan(Buckets(BOUNDS, (0,) * 13).quantile(0.5))


def test_scipy_is_imported_by_the_judge_only() -> None:
    src = pathlib.Path(__file__).parents[2] / "src" / "modelrail"
    users = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "scipy" in path.read_text(encoding="utf-8").replace("# scipy", "")
        and "import" in path.read_text(encoding="utf-8")
    )
    importing = [
        u for u in users if "from scipy" in (src / u).read_text(encoding="utf-8")
    ]
    assert importing == ["gate/significance.py"]
