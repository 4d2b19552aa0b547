"""The SLOs as Prometheus rules: exact thresholds, and rules the real promtool accepts."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelrail import burnrate
from modelrail.render import alerts
from modelrail.render.alerts import error_budget, number
from testing.repo import FIXTURE, bundled
from testing.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((bundled() / "rendered").glob("*/*/prometheusrule.yaml"))


@pytest.mark.parametrize(
    ("availability", "budget"),
    [(99.9, "0.001"), (99.95, "0.0005"), (99.99, "0.0001"), (99, "0.01"), (90, "0.1")],
)
def test_the_error_budget_is_exact(availability: float, budget: str) -> None:
    assert number(error_budget(availability)) == budget
    assert 100 - 99.9 != 0.001  # what float arithmetic would have written


def test_burn_rate_thresholds_follow_the_workbook() -> None:
    budget = error_budget(99.9)
    limits = [number(w.rate("30d") * budget) for w in burnrate.WINDOWS]
    assert limits == ["0.0144", "0.006", "0.003", "0.001"]
    # a 7-day SLO window scales the factors: 2 % of a 7-day budget in 1 h
    assert burnrate.WINDOWS[0].rate("7d") == Decimal("3.36")


def _spec_file(rule: Path, folder: Path) -> Path:
    """The rule groups of a rendered PrometheusRule, as promtool reads them."""
    data = yaml.safe_load(rule.read_text(encoding="utf-8"))
    out = folder / f"{rule.parent.parent.name}-{rule.parent.name}.yaml"
    out.write_text(yaml.safe_dump(data["spec"], sort_keys=False), encoding="utf-8")
    return out


def test_every_bundled_model_has_rules() -> None:
    assert len(RULES) == 16


@pytest.mark.tool
def test_promtool_accepts_every_rendered_rule_file(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    files = [_spec_file(rule, tmp_path) for rule in RULES]
    result = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(files)


@pytest.mark.tool
def test_promtool_refuses_a_broken_query(tmp_path: Path) -> None:
    # the test above can fail: the same check on a rule file broken on purpose
    promtool = require_tool("promtool")
    path = _spec_file(RULES[0], tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("sum by (namespace, model) (", "sum by (", 1))
    result = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_prometheus_may_scrape_through_the_network_policy() -> None:
    policy = yaml.safe_load(
        (
            bundled() / "rendered" / "prod" / "fraud-detector" / "networkpolicy.yaml"
        ).read_text()
    )
    sources = [peer for rule in policy["spec"]["ingress"] for peer in rule["from"]]
    assert {
        "namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": "monitoring"}
        }
    } in sources


# ---------------------------------------------------------------- rollback triggers


def _inputs(
    env: str = "prod", **rollback: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = FIXTURE / "environments" / env
    spec = yaml.safe_load((folder / "fraud-detector.yaml").read_text(encoding="utf-8"))
    spec["spec"]["rollback"].update(rollback)
    environment = yaml.safe_load(
        (folder / "environment.yaml").read_text(encoding="utf-8")
    )
    return spec, environment


def _alerts(spec: dict[str, Any], env: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rules = alerts.groups(spec, env, env["spec"]["namespace"])[1]["rules"]
    return {rule["alert"]: rule for rule in rules}


ROLLBACK = {
    "modelrail_action": "rollback",
    "model": "fraud-detector",
    "version": "3.2.0",
}


def test_both_triggers_by_default() -> None:
    rules = _alerts(*_inputs())
    assert alerts.triggers(_inputs()[0]) == alerts.TRIGGERS
    asking = {
        name for name, rule in rules.items() if "modelrail_action" in rule["labels"]
    }
    assert asking == {alerts.QUALITY_ALERT, alerts.BURN_TRIGGER_ALERT}
    for name in sorted(asking):
        assert rules[name]["labels"] == {
            "severity": "page", "team": "risk-ml", "environment": "prod", **ROLLBACK,
        }  # fmt: skip
    # the accuracy alert is the same rule, critical now: it pages
    assert rules[alerts.QUALITY_ALERT]["for"] == "1h"
    # one burn, one alert: the trigger while the version is new, the page after
    new = rules[alerts.BURN_TRIGGER_ALERT]["expr"]
    plain = rules[alerts.BURN_ALERT]["expr"]
    burn, _, window = new.partition(" and on (namespace, model) ")
    assert plain == f"{burn} unless on (namespace, model) {window}"
    assert window == (
        '(group by (namespace, model) (model_requests_total{namespace="models-prod", '
        'model="fraud-detector", version="3.2.0"}) unless on (namespace, model) '
        "group by (namespace, model) (present_over_time(model_requests_total"
        '{namespace="models-prod", model="fraud-detector", version="3.2.0"}'
        "[1h] offset 24h)))"
    )
    # the slow burn, latency, drift and absent alerts ask for nothing
    assert "modelrail_action" not in rules["ModelErrorBudgetBurnSlow"]["labels"]


def test_no_trigger_renders_the_alerts_as_before() -> None:
    rules = _alerts(*_inputs(triggers=[]))
    assert alerts.BURN_TRIGGER_ALERT not in rules
    assert all("modelrail_action" not in r["labels"] for r in rules.values())
    assert all("version" not in r["labels"] for r in rules.values())
    assert rules[alerts.QUALITY_ALERT]["labels"]["severity"] == "ticket"
    assert "unless" not in rules[alerts.BURN_ALERT]["expr"]
    assert rules[alerts.BURN_ALERT]["expr"].startswith(
        '(model:request_error_ratio:rate1h{namespace="models-prod", '
    )


@pytest.mark.parametrize(
    ("triggers", "asking"),
    [
        (["accuracy-floor"], {alerts.QUALITY_ALERT}),
        (["error-budget-burn"], {alerts.BURN_TRIGGER_ALERT}),
        (["error-budget-burn", "accuracy-floor"],
         {alerts.QUALITY_ALERT, alerts.BURN_TRIGGER_ALERT}),
    ],
)  # fmt: skip
def test_only_the_named_triggers_ask_for_a_rollback(
    triggers: list[str], asking: set[str]
) -> None:
    rules = _alerts(*_inputs(triggers=triggers))
    assert {n for n, r in rules.items() if "modelrail_action" in r["labels"]} == asking
    quality = rules[alerts.QUALITY_ALERT]["labels"]["severity"]
    assert quality == ("page" if alerts.QUALITY_ALERT in asking else "ticket")
    assert (alerts.BURN_TRIGGER_ALERT in rules) == (alerts.BURN_TRIGGER_ALERT in asking)


def test_a_trigger_pages_only_where_the_spec_pages() -> None:
    # dev: alerts.page is false; the triggers still carry the rollback labels
    rules = _alerts(*_inputs("dev"))
    for name in (alerts.QUALITY_ALERT, alerts.BURN_TRIGGER_ALERT):
        assert rules[name]["labels"]["severity"] == "ticket"
        assert rules[name]["labels"]["modelrail_action"] == "rollback"
        assert rules[name]["labels"]["environment"] == "dev"


def test_the_version_is_one_promql_string() -> None:
    assert alerts.string("3.2.0") == '"3.2.0"'
    assert alerts.string('x"} or vector(1) #\\\n') == '"x\\"} or vector(1) #\\\\\\n"'
    # a version the schema would refuse still cannot add a matcher or a clause
    spec, env = _inputs()
    spec["spec"]["model"]["version"] = 'x"} or vector(1) #'
    rules = _alerts(spec, env)
    expr = rules[alerts.BURN_TRIGGER_ALERT]["expr"]
    assert 'version="x\\"} or vector(1) #"}' in expr
    assert (
        rules[alerts.BURN_TRIGGER_ALERT]["labels"]["version"]
        == spec["spec"]["model"]["version"]
    )
