"""The metric convention's selectors: every name the metric-name grammar
admits gives PromQL that parses, keywords included (``bool{...}`` does not)."""

from __future__ import annotations

import copy
from typing import Any

import promql_parser
import pytest
import yaml

from modelrail.metrics import NOT_A_METRIC_NAME, selector
from modelrail.render import alerts, analysis, dashboard
from testing.repo import FIXTURE

ENV = FIXTURE / "environments" / "prod"


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ENV / name).read_text(encoding="utf-8"))
    return data


def _names(expr: str) -> list[str]:
    found: list[str] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            named = [m.value for m in node.matchers.matchers if m.name == "__name__"]
            found.append(node.name or named[0])
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


@pytest.mark.parametrize("name", ["model_requests_total", "bool", "Bool", "INF", "on"])
def test_a_selector_parses_and_selects_its_name(name: str) -> None:
    assert _names(selector(name, 'model="m"')) == [name]


def test_the_keywords_do_not_parse_as_names() -> None:
    """Why the list exists: each keyword fails as a plain selector."""
    for word in NOT_A_METRIC_NAME:
        with pytest.raises(ValueError):  # noqa: PT011 (the parser's one error type)
            promql_parser.parse(f'{word}{{model="m"}}')


def test_every_rendered_query_parses_with_keyword_names() -> None:
    """An environment naming its series ``on``, ``bool``, ``inf`` and ``nan``,
    and a business metric called ``group_left``: the alerts, the canary
    analysis and the dashboard all parse, and read those names."""
    env = _load("environment.yaml")
    env["spec"]["monitoring"]["metrics"] = {
        "requests": "on", "latency": "bool", "drift": "inf", "quality": "nan",
    }  # fmt: skip
    spec = copy.deepcopy(_load("product-recommender.yaml"))
    spec["spec"]["monitoring"]["business"][0]["metric"] = "group_left"
    namespace = env["spec"]["namespace"]
    exprs = [
        rule["expr"]
        for group in alerts.groups(spec, env, namespace)
        for rule in group["rules"]
    ]
    template = analysis.template_spec(spec, env, namespace)
    exprs += [
        m["provider"]["prometheus"]["query"].replace("{{args.canary-hash}}", "h")
        for m in template["metrics"]
    ]
    exprs += [
        query.expr.replace("$__rate_interval", "4m").replace("$__range", "1d")
        for row in dashboard.rows(spec, env, namespace)
        for panel in row.panels
        for query in panel.queries
    ]
    names = {name for expr in exprs for name in _names(expr)}
    assert {"on", "bool_bucket", "inf", "nan", "group_left"} <= names
