"""The gate's charts from a real Prometheus: backfilled candidate and stable
series, range queries, the Markdown compared with golden files.

Its own record (the lab's holds many versions of one model): in staging's
namespace fraud-detector 3.3.0 (the candidate: a 2-hour burst of server
errors, and a slow hour) and 3.2.0 (the stable: steady, a little slower);
in another namespace the candidate alone; and around them series a chart
must not count (another model, the candidate in a third namespace), all
failing. After a deliberate change to the charts, regenerate and read the
diff::

    MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/gate/test_chart_prometheus.py
"""

from __future__ import annotations

import dataclasses
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.gate import lab

from modelrail.gate import trend
from modelrail.gate.report import as_markdown
from modelrail.gate.run import run
from modelrail.gate.transport import Endpoint, Settings
from testing.prometheus import (
    Counter,
    Histogram,
    backfill,
    openmetrics,
    running_prometheus,
)
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = pytest.mark.tool

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MODELRAIL_UPDATE_GOLDEN") == "1"
SOLO = "models-solo"  # the candidate alone
BURST = range(200, 224)  # steps of the candidate's server-error burst (2 h)
SLOW = range(250, 262)  # steps of its slow hour


def candidate(step: int) -> tuple[Decimal, dict[float, float]]:
    """Its share of 5xx, and its latencies (value -> share), at ``step``."""
    errors = Decimal("0.004") if step in BURST else Decimal("0.0001")
    slow = {0.04: 0.2, 0.16: 0.8}
    fast = {0.02: 0.7, 0.04: 0.3}
    return errors, slow if step in SLOW else fast


def stable(step: int) -> tuple[Decimal, dict[float, float]]:
    return Decimal("0.0003"), {0.03: 0.5, 0.06: 0.5}


def failing(step: int) -> tuple[Decimal, dict[float, float]]:
    return Decimal("0.05"), {0.9: 1.0}


def series(
    namespace: str,
    model: str,
    version: str,
    shape: Callable[[int], tuple[Decimal, dict[float, float]]],
) -> Iterator[Counter | Histogram]:
    labels = {"namespace": namespace, "model": model, "version": version}
    n = Decimal(lab.PER_STEP)
    totals = {"200": Decimal(0), "500": Decimal(0)}
    values: dict[str, list[float]] = {"200": [], "500": []}
    observed = []
    for step in range(lab.STEPS + 1):
        errors, latencies = shape(step)
        if step > 0:
            totals["200"] += n * (1 - errors)
            totals["500"] += n * errors
        for code, total in totals.items():
            values[code].append(float(total))
        observed.append(
            {v: float(n) * share for v, share in latencies.items()} if step else {}
        )
    tagged = {**labels, "pod": f"{model}-5f4c8b7d69-x7k2p"}
    for code, samples in values.items():
        yield Counter("model_requests_total", {**tagged, "code": code}, samples)
    yield Histogram.of_observations(
        "model_request_duration_seconds", tagged, lab.BOUNDS, observed
    )


def record() -> Iterator[Counter | Histogram]:
    yield from series(lab.STAGING, lab.MODEL, "3.3.0", candidate)
    yield from series(lab.STAGING, lab.MODEL, "3.2.0", stable)
    yield from series(SOLO, lab.MODEL, "3.3.0", candidate)
    yield from series(lab.STAGING, "product-recommender", "3.1.0", failing)
    yield from series("models-test", lab.MODEL, "3.1.0", failing)


@pytest.fixture(scope="module")
def chart_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_tool("promtool")
    require_tool("prometheus")
    folder = tmp_path_factory.mktemp("chart-prometheus")
    backfill(openmetrics(record(), lab.START, lab.STEP), folder / "data", folder)
    with running_prometheus(folder / "data", folder) as url:
        yield url


def markdown(url: str, namespace: str = lab.STAGING, window: str | None = None) -> str:
    inputs = dataclasses.replace(
        lab.with_model(lab.resolve(prometheus=url, window=window), version="3.3.0"),
        namespace=namespace,
    )
    result = run(inputs, Settings(timeout=10, retries=0, backoff=0))
    return as_markdown(result, "0.0.0").replace(url, "http://prometheus.test")


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no {path}: run with MODELRAIL_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs: MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest {__file__}"
    )


def blocks(text: str) -> list[list[str]]:
    """The lines of each mermaid block."""
    found = re.findall(r"^(`{3,})mermaid\n(.*?)\n\1$", text, re.MULTILINE | re.DOTALL)
    return [body.splitlines() for _, body in found]


def line_values(block: list[str]) -> list[list[Decimal]]:
    return [
        [Decimal(v) for v in row.strip()[len("line [") : -1].split(", ")]
        for row in block
        if row.startswith("    line [")
    ]


def test_candidate_and_stable_are_charted_over_the_window(
    chart_prometheus: str,
) -> None:
    text = markdown(chart_prometheus)
    golden("chart-candidate-stable.md", text)
    assert "#### Charts" in text
    ratio, p95 = blocks(text)
    for block in (ratio, p95):
        assert block[1] == "xychart-beta"
        assert block[3].count('"') == 2 + 2 * 48  # the title, 48 time labels
    candidate_ratio, stable_ratio, threshold = line_values(ratio)
    assert len(candidate_ratio) == len(stable_ratio) == len(threshold) == 48
    # prod's SLO: availability 99.95 % leaves 0.05 %, tighter than errorRate 0.1 %
    assert set(threshold) == {Decimal("0.05")}
    assert "SLO: at most 0.05 % (slo.availability 99.95 %) (grey)" in text
    # the burst: 0.4 % for two hours, across 5 points of 30 minutes (the
    # steps are not aligned on it); else 0.01 %
    assert (min(candidate_ratio), max(candidate_ratio)) == (
        Decimal("0.01"),
        Decimal("0.4"),
    )
    assert sum(1 for v in candidate_ratio if v > Decimal("0.05")) == 5
    assert set(stable_ratio) == {Decimal("0.03")}
    candidate_p95, stable_p95, target = line_values(p95)
    assert set(stable_p95) == {Decimal(77)}  # half at 30 ms, half at 60 ms
    assert set(target) == {Decimal(80)}
    assert max(candidate_p95) > 80 > min(candidate_p95)  # the slow hour shows
    assert "candidate 3.3.0 (red), stable 3.2.0 (blue)" in text
    # the table after each chart: one row a point
    assert text.count("\n| 2023-11-1") == 2 * 48


def test_the_candidate_alone_is_charted_and_said_so(chart_prometheus: str) -> None:
    text = markdown(chart_prometheus, namespace=SOLO)
    golden("chart-candidate-alone.md", text)
    ratio, p95 = blocks(text)
    assert len(line_values(ratio)) == len(line_values(p95)) == 2  # and the SLO
    assert "Only 3.3.0 served in staging over the window" in text
    assert "stable 3." not in text
    assert text.count("\n| Time (UTC) | candidate 3.3.0 |\n") == 2


def test_the_points_stay_bounded_whatever_the_window(chart_prometheus: str) -> None:
    for window, points in (("1h", 12), ("6h", 36), ("26h", 26)):
        (ratio, _) = blocks(markdown(chart_prometheus, window=window))
        assert {len(v) for v in line_values(ratio)} == {points}, window


def test_the_range_queries_select_the_model_in_the_source(
    chart_prometheus: str,
) -> None:
    inputs = lab.with_model(lab.resolve(prometheus=chart_prometheus), version="3.3.0")
    with Endpoint("Prometheus", chart_prometheus, Settings()) as endpoint:
        charts = trend.read(endpoint, inputs)
    assert charts.error == ""
    assert charts.step == 1800
    names = [[line.name for line in c.lines] for c in charts.charts]
    # the failing distractors (another model, another namespace) are not stable
    assert names == [["candidate 3.3.0", "stable 3.2.0"]] * 2
    queries = trend.queries(inputs, 1800)
    assert queries["p95.stable"] == (
        "histogram_quantile(0.95, sum by (le) (rate(model_request_duration_seconds"
        '_bucket{namespace="models-staging", model="fraud-detector", '
        'version!="3.3.0"}[1800s])))'
    )


def test_a_prometheus_without_range_queries_leaves_the_charts_out(
    chart_prometheus: str,
) -> None:
    inputs = lab.with_model(lab.resolve(prometheus=chart_prometheus), version="3.3.0")
    broken = dataclasses.replace(
        inputs, convention=dataclasses.replace(inputs.convention, requests="x{")
    )
    with Endpoint("Prometheus", chart_prometheus, Settings()) as endpoint:
        charts = trend.read(endpoint, broken)
    assert charts.charts == ()
    assert charts.error.startswith(
        f"Prometheus at {chart_prometheus} refused the query "
    )
