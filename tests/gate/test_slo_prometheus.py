"""SLO evidence read from a real Prometheus over the lab's staging record.

Each version label of the record is one scenario; the candidate is chosen by
setting the prod spec's ``spec.model.version``. The distractors (the stable
version, another namespace, another model, all failing and slow) are in the
same Prometheus: a query that dropped a selector would count them.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from tests.gate import lab

from modelrail.gate import slo
from modelrail.gate.transport import Endpoint, Settings

pytestmark = pytest.mark.tool

M, X, N = "met", "missed", "no data"
KEYS = ("slo.availability", "slo.errorRate", "slo.latency.p95")


def judge(url: str, version: str, window: str | None = "1h") -> dict[str, slo.Item]:
    inputs = lab.with_model(lab.resolve(prometheus=url, window=window), version=version)
    with Endpoint("Prometheus", url, Settings(timeout=10, backoff=0)) as endpoint:
        items = slo.evidence(endpoint, inputs)
    assert [i.key for i in items] == list(KEYS)
    return {i.key: i for i in items}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("3.3.0", (M, M, M)),  # healthy
        ("3.3.1", (X, X, M)),  # 0.3 % server errors
        ("3.3.2", (X, M, M)),  # 0.07 %: under the error rate, not the availability
        ("3.3.3", (M, M, X)),  # slow
        ("3.3.4", (N, N, N)),  # idle over the window
        (lab.ABSENT, (N, N, N)),  # never deployed
    ],
)
def test_each_slo_is_judged_on_the_candidate_alone(
    prometheus_url: str, version: str, expected: tuple[str, str, str]
) -> None:
    items = judge(prometheus_url, version)
    got = tuple(items[key].verdict.value for key in KEYS)
    assert got == expected, {k: (i.value, i.detail) for k, i in items.items()}


def test_the_values_are_the_record(prometheus_url: str) -> None:
    items = judge(prometheus_url, "3.3.0")
    availability = items["slo.availability"]
    assert isinstance(availability.measured, Decimal)
    assert abs(availability.measured - Decimal("99.99")) < Decimal("0.0001")
    assert availability.value == "99.99 %"
    assert availability.threshold == ">= 99.95 %"
    # 4xx answers (0.5 %) are not counted: 1 in 10 000 is a server error
    assert items["slo.errorRate"].value == "0.01 %"
    # 70 % at 20 ms, 30 % at 40 ms: p95 interpolated in the (25, 50] ms bucket
    p95 = items["slo.latency.p95"]
    assert p95.value == "45.8333 ms"
    assert p95.threshold == "<= 80 ms"
    assert "server errors (5xx) in 288000 requests over 1h" in availability.detail


def test_a_degraded_record_says_by_how_much(prometheus_url: str) -> None:
    items = judge(prometheus_url, "3.3.1")
    assert items["slo.availability"].value == "99.7 %"
    assert items["slo.errorRate"].value == "0.3 %"
    slow = judge(prometheus_url, "3.3.3")["slo.latency.p95"]
    assert slow.value == "240.625 ms"


def test_no_data_says_why(prometheus_url: str) -> None:
    absent = judge(prometheus_url, lab.ABSENT)
    assert "no model_requests_total series of fraud-detector 3.3.9 in staging" in (
        absent["slo.availability"].detail
    )
    assert "is the version deployed there" in absent["slo.availability"].detail
    idle = judge(prometheus_url, "3.3.4")
    assert "served no request over 1h" in idle["slo.errorRate"].detail
    assert "no model_request_duration_seconds observations" in (
        idle["slo.latency.p95"].detail
    )


def test_the_window_defaults_to_the_targets_soak(prometheus_url: str) -> None:
    inputs = lab.resolve(prometheus=prometheus_url)
    assert (inputs.window, inputs.window_seconds) == ("24h", 86400)  # prod's soak
    items = judge(prometheus_url, "3.3.0", window=None)
    assert (
        "691 server errors (5xx) in 6912000 requests over 24h"
        in items["slo.availability"].detail
    )
    # idle for the last 25 h: no data over 24 h, data over 26 h
    assert (
        judge(prometheus_url, "3.3.4", window=None)["slo.errorRate"].verdict.value == N
    )
    assert (
        judge(prometheus_url, "3.3.4", window="26h")["slo.errorRate"].verdict.value == M
    )


def test_the_queries_select_the_candidate_in_the_source(prometheus_url: str) -> None:
    inputs = lab.with_model(lab.resolve(prometheus=prometheus_url), version="3.3.0")
    queries = slo.Queries.of(inputs)
    match = 'namespace="models-staging", model="fraud-detector", version="3.3.0"'
    assert queries.requests == f"sum(increase(model_requests_total{{{match}}}[86400s]))"
    assert queries.errors == (
        f'sum(increase(model_requests_total{{{match}, code=~"5.."}}[86400s]))'
    )
    assert queries.p95 == (
        "histogram_quantile(0.95, sum by (le) "
        f"(rate(model_request_duration_seconds_bucket{{{match}}}[86400s])))"
    )


def test_a_query_without_its_selectors_would_be_caught(prometheus_url: str) -> None:
    # the check above can fail: drop the version or namespace selector and
    # the failing distractors are counted in
    inputs = lab.with_model(
        lab.resolve(prometheus=prometheus_url, window="1h"), version="3.3.0"
    )
    for dropped in (', version="3.3.0"', 'namespace="models-staging", '):
        queries = slo.Queries.of(inputs)
        broken = slo.Queries(
            *(q.replace(dropped, "") for q in dataclasses.astuple(queries))
        )
        with Endpoint("Prometheus", prometheus_url, Settings()) as endpoint:
            record = slo.measure(endpoint, inputs, broken)
        verdicts = lab.verdicts(slo.judge(inputs, broken, record))
        assert verdicts["slo.availability"] == X, dropped
        assert verdicts["slo.latency.p95"] == X, dropped


def test_the_metric_names_are_the_sources(prometheus_url: str) -> None:
    from modelrail.metrics import Convention

    inputs = lab.with_model(lab.resolve(prometheus=prometheus_url), version="3.3.0")
    renamed = dataclasses.replace(
        inputs, convention=Convention(requests="http_requests_total")
    )
    assert "http_requests_total{" in slo.Queries.of(renamed).requests
    with Endpoint("Prometheus", prometheus_url, Settings()) as endpoint:
        items = slo.evidence(endpoint, renamed)
    # nothing is named so in the lab: no data, never a pass
    assert lab.verdicts(items)["slo.availability"] == N
