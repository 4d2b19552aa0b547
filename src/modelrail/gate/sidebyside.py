"""``gate --compare``: the candidate against the stable version, side by side.

Both run in one environment (the target during its canary, or the source
while a canary soaks there), so one Prometheus, one namespace and one window
hold both records. A side is a label value: ``version`` (by default the
candidate is the spec's ``model.version`` and the stable every other version
serving beside it, ``version!="..."``), or ``rollouts_pod_template_hash``
(the canary's and the stable's pod template hashes, as Argo Rollouts passes
them to an analysis). The numbers are read with instant queries at the end
of the window (``increase`` and ``avg_over_time`` over it), then judged by
``significance``; nothing here is statistics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail.gate import significance
from modelrail.gate.evidence import PROMETHEUS, Item, Verdict
from modelrail.gate.prometheus import instant, samples
from modelrail.metrics import (
    CODE,
    ERROR_CODES,
    METRIC,
    MODEL,
    VERSION,
    selector,
    string,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from modelrail.gate.inputs import Inputs
    from modelrail.gate.transport import Endpoint

HASH = "rollouts_pod_template_hash"  # the pod label, as the ServiceMonitor copies it
# business units that count and so scale with a side's share of the traffic
# (MR-OPS-015 refuses canary: true on them for the same reason)
COUNTS = frozenset({"requests/day", "users/day", "sessions/day", "count"})
_CALLS = {
    significance.Call.PASS: Verdict.MET,
    significance.Call.MARGINAL: Verdict.MARGINAL,
    significance.Call.INCONCLUSIVE: Verdict.INCONCLUSIVE,
    significance.Call.FAIL: Verdict.MISSED,
}


@dataclass(frozen=True, slots=True)
class Sides:
    """Which series are the candidate's and which the stable's."""

    label: str  # VERSION or HASH
    candidate: str
    stable: str
    others: bool = False  # the stable is every other value of the label

    def match(self, candidate: bool) -> str:
        # values from the command line: quoted as PromQL (Go) strings read them
        if candidate:
            return f"{self.label}={string(self.candidate)}"
        return f"{self.label}{'!=' if self.others else '='}{string(self.stable)}"

    @property
    def shown(self) -> str:
        return f"{self.match(True)} against {self.match(False)}"

    def document(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "candidate": self.candidate,
            "stable": self.stable,
            "stableSelector": self.match(False),
        }


@dataclass(frozen=True, slots=True)
class Judgement:
    sides: Sides
    limits: significance.Limits
    findings: tuple[significance.Assessment, ...]
    queries: dict[str, str]  # what each side's numbers came from

    @property
    def call(self) -> significance.Call:
        return significance.overall(self.findings)

    def items(self) -> list[Item]:
        return [
            Item(
                key=f.key,
                source=PROMETHEUS,
                title=f.title,
                verdict=_CALLS[f.call],
                value=f"{f.candidate} (stable {f.stable})",
                threshold=f.threshold,
                detail=_detail(f),
                measured=f.candidate,
                query=self.queries.get(f.key, ""),
            )
            for f in self.findings
        ]

    def document(self) -> dict[str, Any]:
        """The measured data and each call, for the attestation and charts."""
        return {
            "sides": self.sides.document(),
            "alpha": self.limits.alpha,
            "minRequests": self.limits.min_requests,
            "minPoints": self.limits.min_points,
            "verdict": self.call.word,
            "metrics": [
                {
                    "key": f.key,
                    "item": f.title,
                    "verdict": f.call.word,
                    "candidate": f.candidate,
                    "stable": f.stable,
                    "effect": f.effect,
                    "pValue": _finite(f.p_value),
                    "holmAdjusted": _finite(f.adjusted),
                    "material": f.material,
                    "data": _clean(f.data),
                }
                for f in self.findings
            ],
        }


def by_version(inputs: Inputs, candidate: str | None, stable: str | None) -> Sides:
    """The candidate is ``candidate``, else the spec's ``model.version``; the
    stable ``stable``, else every other version."""
    wanted = candidate or inputs.version
    return Sides(VERSION, wanted, stable or wanted, others=stable is None)


def evidence(
    endpoint: Endpoint, inputs: Inputs, sides: Sides, limits: significance.Limits
) -> Judgement:
    spec = inputs.spec["spec"]
    names = inputs.convention
    window = f"{inputs.window_seconds}s"
    base = f"namespace={string(inputs.namespace)}, {MODEL}={string(inputs.model)}"

    def one(promql: str) -> Decimal:
        values = instant(endpoint, promql, inputs.at)
        value = sum(values, Decimal(0))
        return value if value.is_finite() else Decimal(0)

    queries: dict[str, str] = {}
    proportions = []
    buckets = []
    for candidate in (True, False):
        match = f"{base}, {sides.match(candidate)}"
        requests = f"sum(increase({selector(names.requests, match)}[{window}]))"
        failed = selector(names.requests, f'{match}, {CODE}=~"{ERROR_CODES}"')
        errors = f"sum(increase({failed}[{window}]))"
        latency = f"sum by (le) (increase({names.latency}_bucket{{{match}}}[{window}]))"
        if candidate:
            queries["judge.errorRatio"] = f"{errors} / {requests}"
            queries["judge.latency"] = latency
        proportions.append(
            significance.Proportion(_count(one(errors)), _count(one(requests)))
        )
        buckets.append(_buckets(samples(endpoint, latency, inputs.at)))
    error_rate = float(spec["slo"]["errorRate"])
    findings = [
        significance.error_ratio(*proportions, error_rate=error_rate, limits=limits),
        significance.latency(*_aligned(*buckets), limits=limits),
    ]

    def gauge(
        series: Callable[[str], str],
    ) -> tuple[significance.Gauge, significance.Gauge]:
        out = []
        for candidate in (True, False):
            selector = series(f"{base}, {sides.match(candidate)}")
            mean = instant(
                endpoint, f"avg(avg_over_time({selector}[{window}]))", inputs.at
            )
            points = one(f"sum(count_over_time({selector}[{window}]))")
            value = float(mean[0]) if mean else math.nan
            out.append(significance.Gauge(value, int(points)))
        return out[0], out[1]

    quality = spec.get("monitoring", {}).get("accuracy", {}).get("metric", "accuracy")
    for metric in dict.fromkeys([quality, *spec["model"].get("metrics", {})]):
        key = f"judge.quality.{metric}"

        def quality_of(match: str, metric: str = metric) -> str:
            return selector(names.quality, f"{match}, {METRIC}={string(metric)}")

        queries[key] = f"avg(avg_over_time({quality_of(base)}[{window}]))"
        ours, theirs = gauge(quality_of)
        if ours.points == theirs.points == 0:
            continue  # not exported online (labels arrive late, or never)
        findings.append(
            significance.gauge(
                key, f"online {metric}", ours, theirs, higher_is_better=True,
                tolerance=(1 - float(inputs.ratio)) * abs(theirs.mean),
                limits=limits,
            )
        )  # fmt: skip
    for business in spec.get("monitoring", {}).get("business", []):
        if "metric" not in business or business.get("unit") in COUNTS:
            continue  # a query cannot be split by side; a count scales with traffic
        key = f"judge.business.{business['name']}"

        def business_of(match: str, name: str = business["metric"]) -> str:
            return selector(name, match)

        queries[key] = f"avg(avg_over_time({business_of(base)}[{window}]))"
        ours, theirs = gauge(business_of)
        findings.append(
            significance.gauge(
                key, business["name"], ours, theirs,
                higher_is_better=business["better"] == "higher",
                tolerance=abs(float(business["warning"]) - float(business["critical"])),
                limits=limits,
            )
        )  # fmt: skip
    return Judgement(sides, limits, significance.decide(findings, limits), queries)


def _detail(finding: significance.Assessment) -> str:
    """Why: the judge's own word where the item's differs (pass is met, fail
    missed), the effect, the test."""
    word = finding.call in (significance.Call.PASS, significance.Call.FAIL)
    parts = [finding.call.word] if word else []
    parts += [p for p in (finding.effect, finding.detail) if p]
    return "; ".join(parts)


def _count(value: Decimal) -> int:
    """An ``increase`` (extrapolated, so fractional) as a count."""
    return max(0, int(value.to_integral_value()))


def _buckets(vector: Sequence[tuple[dict[str, str], Decimal]]) -> significance.Buckets:
    """Cumulative ``le`` buckets as counts per bucket (the last above the
    highest bound); a dip from extrapolation is clamped at zero."""
    points = sorted((float(labels.get("le", "nan")), value) for labels, value in vector)
    points = [(le, value) for le, value in points if not math.isnan(le)]
    bounds = tuple(le for le, _ in points if math.isfinite(le))
    counts, below = [], 0
    for _, value in points:
        cumulative = _count(value)
        counts.append(max(0, cumulative - below))
        below = max(below, cumulative)
    if points and math.isfinite(points[-1][0]):
        counts.append(0)  # no +Inf bucket answered
    return significance.Buckets(bounds, tuple(counts))


def _aligned(
    a: significance.Buckets, b: significance.Buckets
) -> tuple[significance.Buckets, significance.Buckets]:
    """Two sides' buckets on the same bounds when one side has none (it
    served nothing): its counts are zeros on the other's bounds."""
    if not a.bounds and not a.total:
        a = significance.Buckets(b.bounds, (0,) * len(b.counts))
    if not b.bounds and not b.total:
        b = significance.Buckets(a.bounds, (0,) * len(a.counts))
    return a, b


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities as null."""
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value
