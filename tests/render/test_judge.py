"""``check`` judges the dashboards render makes (MR-RENDER-002): every query
valid PromQL reading series of the metric convention or of the spec, every
threshold its spec value. A passing and a failing example of each."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.check import runner as check
from modelrail.render import dashboard, judge
from modelrail.repository.layout import repository
from modelrail.repository.loader import load_text
from testing.render import make_repo
from testing.repo import FIXTURE, line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

TODAY = check.Options().today.fromisoformat("2026-11-21")
SPEC = "environments/prod/fraud-detector.yaml"
QUERY = 'model_requests_total{namespace="models-prod", model="fraud-detector"}[1d]'


def _findings(root: Path, env: str = "prod") -> list[str]:
    report = check.run(repository(root), (), (env,), check.Options(TODAY))
    return [str(f) for f in report.findings if f.rule == "MR-RENDER-002"]


def _load(relative: str) -> tuple[Any, dict[str, Any]]:
    path = FIXTURE / relative
    doc = load_text(path.read_text(encoding="utf-8"), relative)
    env = yaml.safe_load((path.parent / "environment.yaml").read_text())
    return doc, env


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("judge") / "repo")


def test_the_fixture_dashboards_pass(root: Path) -> None:
    for env in ("dev", "test", "staging", "prod"):
        assert _findings(root, env) == [], env


@pytest.mark.parametrize(
    ("new", "words"),
    [
        # a misspelt series: the panel and the alerts would stay empty
        (QUERY.replace("requests", "request"), "reads model_request_total: not a"),
        # brackets balance (MR-OPS-015 passes), the PromQL does not parse
        (f"increase({QUERY}) by (model)", "a query Prometheus cannot parse"),
    ],
)
def test_a_business_query_is_judged_at_its_line(
    tmp_path: Path, new: str, words: str
) -> None:
    root = make_repo(tmp_path / "repo")
    spec = root / SPEC
    replace_once(spec, f"sum(increase({QUERY}))", new)
    [finding] = _findings(root)
    assert finding.startswith(f"{SPEC}:{line_of(spec, 'name: usage')}:")
    assert "'usage'" in finding
    assert words in finding


def test_a_declared_business_metric_may_be_read() -> None:
    doc, env = _load("environments/prod/product-recommender.yaml")
    assert "model_business_satisfaction_score" in judge.allowed_series(doc.data, env)
    assert judge.problems(doc, env) == []
    # the same series, undeclared, is not the spec's
    del doc.data["spec"]["monitoring"]["business"][1]
    assert "model_business_satisfaction_score" not in judge.allowed_series(
        doc.data, env
    )


def test_the_environment_names_the_series(tmp_path: Path) -> None:
    """An environment that renames the request counter: the dashboards read
    the new name, and a business query still reading the default is
    reported (it reads a series nothing exposes there)."""
    root = make_repo(tmp_path / "repo")
    env = root / "environments" / "prod" / "environment.yaml"
    replace_once(
        env,
        "    namespace: monitoring   # Prometheus scrapes from here (NetworkPolicy)\n",
        "    namespace: monitoring   # Prometheus scrapes from here (NetworkPolicy)\n"
        "    metrics: {requests: http_requests_total}\n",
    )
    found = _findings(root)
    assert found, "the default name in the business queries must be reported"
    assert all("reads model_requests_total" in f for f in found)
    assert {f.split(":")[0] for f in found} == {
        "environments/prod/churn-predictor.yaml",
        "environments/prod/fraud-detector.yaml",
    }


def test_a_threshold_that_is_not_its_spec_value_is_reported() -> None:
    doc, env = _load(SPEC)
    [panel] = [
        p
        for row in dashboard.rows(doc.data, env, "models-prod")
        for p in row.panels
        if p.title == "Latency p95"
    ]
    [limit] = panel.limits
    assert limit.value == Decimal("0.08") == limit.expected(doc.data)
    assert judge._judge_limits(doc, panel) == []
    wrong = dashboard.Panel(
        panel.kind,
        panel.title,
        panel.description,
        panel.unit,
        panel.queries,
        limits=[dashboard.Limit(limit.pointer, limit.color, Decimal(80), limit.scale)],
    )
    [finding] = judge._judge_limits(doc, wrong)
    line = line_of(FIXTURE / SPEC, "latency: {p50")
    assert str(finding).startswith(f"{SPEC}:{line}:")
    assert "threshold at 80, but the spec says 0.080" in str(finding)


def test_every_kind_of_limit_reads_its_spec_value() -> None:
    """Burn-rate factors, CPU and memory quantities, percentages and
    milliseconds: each limit's value is what ``expected`` reads back."""
    doc, env = _load(SPEC)
    limits = [
        limit
        for row in dashboard.rows(doc.data, env, "models-prod")
        for panel in row.panels
        for limit in panel.limits
    ]
    reads = {limit.reads for limit in limits}
    assert reads == {"value", "cpu", "memory", "burn"}
    for limit in limits:
        assert limit.value == limit.expected(doc.data), limit
    burn = {limit.series: limit.value for limit in limits if limit.reads == "burn"}
    assert burn == {
        "over 1h": Decimal("14.4"),
        "over 6h": Decimal(6),
        "over 1d": Decimal(3),
        "over 3d": Decimal(1),
    }
    memory = {limit.value for limit in limits if limit.reads == "memory"}
    assert memory == {Decimal(2**30), Decimal(2 * 2**30)}


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ('foo{a="x"}', None),
        # a literal whose quote was not escaped: the shape changes, the parse fails
        ('foo{a="x"y"}', "unexpected"),
        ("sum by (a) foo", "unexpected"),
    ],
)
def test_queries_are_parsed_by_their_shape(expr: str, error: str | None) -> None:
    shape = judge._LITERAL.sub('"_"', expr)
    problem, names = judge._parse(shape)
    if error is None:
        assert problem is None
        assert names == ("foo",)
    else:
        assert problem is not None
