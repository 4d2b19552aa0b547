"""The SLOs as Prometheus rules: exact thresholds, and rules the real promtool accepts."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from modelrail import burnrate
from modelrail.render.alerts import error_budget, number
from testing.repo import bundled
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
