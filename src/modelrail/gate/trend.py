"""The SLO record point by point, for the gate's charts.

Over the gate's window, in the promotion source's Prometheus, one range
query (``/api/v1/query_range``) a quantity, evaluated every ``step``:

- the error ratio: ``sum by (version) (increase(<requests>{...,
  code=~"5.."}[step]))`` over the same without the code, in %, as the
  gate's error-rate item computes it over the whole window;
- p95 latency: ``histogram_quantile(0.95, sum by (le) (rate(
  <latency>_bucket{...}[step])))``, in ms, once for the candidate's
  ``version`` and once for every other (``version!=``).

The candidate is the version being gated; the stable is every other
``version`` of the model in the source's namespace over the window, summed
(usually the one the candidate replaces; several when more served). When
only the candidate has series, it is charted alone, and the chart says so.

The step is the smallest of 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d (then
whole days) that keeps the points at or under ``chart.MAX_POINTS``; a window
shorter than 5m is one point. The points end at the window's end.

A chart is an illustration: a source that cannot be read for it leaves the
charts out (and says why), it does not change the gate's verdict.
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from modelrail import versions
from modelrail.gate.chart import MAX_POINTS, Chart, Charts, Line
from modelrail.gate.evidence import show
from modelrail.gate.prometheus import range_query
from modelrail.gate.transport import SourceError
from modelrail.metrics import CODE, ERROR_CODES, MODEL, VERSION, selector, string

if TYPE_CHECKING:
    from collections.abc import Sequence

    from modelrail.gate.inputs import Inputs
    from modelrail.gate.prometheus import Curve
    from modelrail.gate.transport import Endpoint

STEPS = (300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
DAY = 86400
HUNDRED = Decimal(100)
NAMED = 3  # stable versions named in a line's name; more are counted


def grid(window_seconds: int) -> tuple[int, int]:
    """(step, points) for a window: at most ``MAX_POINTS`` points, whole
    steps, covering the window (its last ``points * step`` seconds)."""
    wanted = -(-window_seconds // MAX_POINTS)
    step = next((s for s in STEPS if s >= wanted), -(-wanted // DAY) * DAY)
    step = min(step, window_seconds)
    return step, window_seconds // step


def queries(
    inputs: Inputs,
    step: int,
    label: str = VERSION,
    candidate: str | None = None,
    stable: str | None = None,
) -> dict[str, str]:
    """The PromQL of each series, by name: the sides are values of ``label``,
    the candidate's (default: the version gated) and the stable's (default:
    every other value)."""
    match = f"namespace={string(inputs.namespace)}, {MODEL}={string(inputs.model)}"
    mine = string(inputs.version if candidate is None else candidate)
    theirs = f"{label}!={mine}" if stable is None else f"{label}={string(stable)}"
    names = inputs.convention
    rng = f"[{step}s]"

    def p95(side: str) -> str:
        return (
            "histogram_quantile(0.95, sum by (le) "
            f"(rate({names.latency}_bucket{{{match}, {side}}}{rng})))"
        )

    failed = selector(names.requests, f'{match}, {CODE}=~"{ERROR_CODES}"')
    return {
        "requests": (
            f"sum by ({label}) (increase({selector(names.requests, match)}{rng}))"
        ),
        "errors": f"sum by ({label}) (increase({failed}{rng}))",
        "p95": p95(f"{label}={mine}"),
        "p95.stable": p95(theirs),
    }


def read(
    endpoint: Endpoint,
    inputs: Inputs,
    label: str = VERSION,
    candidate: str | None = None,
    stable: str | None = None,
) -> Charts:
    """The error-ratio and p95 charts of ``inputs``' window (the sides as in
    ``queries``: ``gate --compare`` passes its own)."""
    step, points = grid(inputs.window_seconds)
    end = inputs.at
    times = tuple(
        end - datetime.timedelta(seconds=(points - 1 - i) * step) for i in range(points)
    )
    head = Charts(
        subject=f"{inputs.model} in {inputs.source}",
        window=inputs.window,
        until=inputs.at_text,
        step=step,
    )
    try:
        answers = {
            name: range_query(endpoint, promql, times[0], end, step)
            for name, promql in queries(inputs, step, label, candidate, stable).items()
        }
    except SourceError as exc:
        return replace(head, error=str(exc))
    stamps = [round(t.timestamp() * 1000) for t in times]
    sides = (label, candidate, stable)
    return replace(head, charts=build(inputs, times, stamps, answers, sides))


def build(
    inputs: Inputs,
    times: tuple[datetime.datetime, ...],
    stamps: Sequence[int],
    answers: dict[str, list[Curve]],
    sides: tuple[str, str | None, str | None] = (VERSION, None, None),
) -> tuple[Chart, ...]:
    """The two charts from the range queries' answers."""
    label, chosen, stable = sides
    candidate = inputs.version if chosen is None else chosen
    requests = _by_version(answers["requests"], label)
    errors = _by_version(answers["errors"], label)
    others = (
        [stable]
        if stable is not None
        else sorted((v for v in requests if v != candidate), key=_order)
    )

    def ratios(versions: Sequence[str]) -> tuple[Decimal | None, ...]:
        return tuple(
            _ratio(_sum(requests, versions, at), _sum(errors, versions, at))
            for at in stamps
        )

    def p95(name: str) -> tuple[Decimal | None, ...]:
        curves = answers[name]
        samples = curves[0].samples if curves else {}
        return tuple(samples[at] * 1000 if at in samples else None for at in stamps)

    stable_name = _stable_name(others)
    only = (
        ""
        if others
        else f"Only {candidate} served in {inputs.source} over the window: no "
        "stable version to compare it with."
    )
    ratio_lines = [Line(f"candidate {candidate}", ratios([candidate]))]
    p95_lines = [Line(f"candidate {candidate}", p95("p95"))]
    if others:
        ratio_lines.append(Line(stable_name, ratios(others)))
        p95_lines.append(Line(stable_name, p95("p95.stable")))
    threshold, threshold_text = _error_bound(inputs)
    target = Decimal(str(inputs.spec["spec"]["slo"]["latency"]["p95"]))
    return (
        Chart(
            title="Error ratio",
            what="server errors (5xx) of all requests",
            unit="%",
            times=times,
            lines=tuple(ratio_lines),
            threshold=threshold,
            threshold_text=threshold_text,
            note=only,
        ),
        Chart(
            title="Latency p95",
            what="the 95th percentile of the request duration",
            unit="ms",
            times=times,
            lines=tuple(p95_lines),
            threshold=target,
            threshold_text=f"SLO: at most {show(target)} ms (slo.latency.p95)",
            note=only,
        ),
    )


def _by_version(
    curves: list[Curve], label: str = VERSION
) -> dict[str, dict[int, Decimal]]:
    out: dict[str, dict[int, Decimal]] = {}
    for curve in curves:
        samples = out.setdefault(curve.labels.get(label, ""), {})
        for at, value in curve.samples.items():
            samples[at] = samples.get(at, Decimal(0)) + value
    return out


def _sum(
    series: dict[str, dict[int, Decimal]], versions: Sequence[str], at: int
) -> Decimal | None:
    found = [series[v][at] for v in versions if v in series and at in series[v]]
    return sum(found, Decimal(0)) if found else None


def _ratio(requests: Decimal | None, errors: Decimal | None) -> Decimal | None:
    """100 * errors / requests; None without a request (no ratio)."""
    if requests is None or not requests.is_finite() or requests <= 0:
        return None
    if errors is None or not errors.is_finite():
        errors = Decimal(0)  # requests, and no 5xx series: none failed
    return HUNDRED * errors / requests


def _order(version: str) -> tuple[bool, versions.Key | tuple[()], str]:
    """SemVer precedence, then the other labels by text."""
    key = versions.key(version)
    return (key is None, key or (), version)


def _stable_name(versions: Sequence[str]) -> str:
    shown = [v or "(no version label)" for v in versions[:NAMED]]
    more = len(versions) - NAMED
    return "stable " + ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _error_bound(inputs: Inputs) -> tuple[Decimal, str]:
    """The SLO bound of the error ratio: ``slo.errorRate``, or what
    ``slo.availability`` leaves (100 - availability), whichever is tighter:
    the gate fails the candidate above either."""
    slo = inputs.spec["spec"]["slo"]
    error_rate = Decimal(str(slo["errorRate"]))
    availability = Decimal(str(slo["availability"]))
    left = HUNDRED - availability
    if left < error_rate:
        return left, (
            f"SLO: at most {show(left)} % (slo.availability {show(availability)} %)"
        )
    return error_rate, f"SLO: at most {show(error_rate)} % (slo.errorRate)"
