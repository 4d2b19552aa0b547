"""``promtool test rules`` on every rendered PrometheusRule: generated per SLO.

For each bundled model, three synthetic services are fed to the real
promtool: a fast burn (twice the page threshold) must page, a slow burn
(twice the error budget: over the 1x ticket threshold, under the 6x page
one) must open a ticket and not page, and a healthy service (a tenth of the
budget) and an idle one (counters at zero) must stay silent, the
absent-metric alert included.

The rollback triggers (``rollback.triggers``, both in every bundled spec) are
tested the same way: the quality alert fires below the floor only after its
``for:`` (an hour), with the rollback labels and the spec's version, and stays
silent at 0.95 and at the floor itself; a fast burn of the spec's version is
the rollback trigger while that version is less than 24 h old and the plain
page after, never both; a fast burn of another version is never a trigger.

promtool compares alert annotations verbatim, and the rendered ones are
templates (``{{ $value | humanizePercentage }}``): the rules are tested with
their annotations removed, expressions and labels untouched. That the
annotation templates parse is ``promtool check rules``' job (test_monitoring).
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelrail import burnrate
from modelrail.render.alerts import (
    BURN_ALERT,
    BURN_TRIGGER_ALERT,
    QUALITY_ALERT,
    error_budget,
)
from testing.repo import FIXTURE, bundled
from testing.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((bundled() / "rendered").glob("*/*/prometheusrule.yaml"))
PER_MINUTE = 100_000  # requests a minute: enough for the smallest budgets


def _load(rule: Path) -> dict[str, Any]:
    return yaml.safe_load(rule.read_text(encoding="utf-8"))


def _spec_of(rule: Path) -> dict[str, Any]:
    env, model = rule.parent.parent.name, rule.parent.name
    path = FIXTURE / "environments" / env / f"{model}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rules_without_annotations(rule: Path, folder: Path) -> Path:
    spec = _load(rule)["spec"]
    for group in spec["groups"]:
        for item in group["rules"]:
            item.pop("annotations", None)
    out = folder / f"{rule.parent.parent.name}-{rule.parent.name}.rules.yaml"
    out.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return out


def _series(
    namespace: str, model: str, errors: int, minutes: int, version: str = "1.0.0"
) -> list[Any]:
    ok = PER_MINUTE - errors
    base = (
        f'model_requests_total{{namespace="{namespace}", model="{model}", '
        f'version="{version}"'
    )
    return [
        {"series": f'{base}, code="200"}}', "values": f"0+{ok}x{minutes}"},
        {"series": f'{base}, code="500"}}', "values": f"0+{errors}x{minutes}"},
        # a client error is not the service's: it must not count
        {
            "series": f'{base}, code="404"}}',
            "values": f"0+{PER_MINUTE // 100}x{minutes}",
        },
    ]


def _expected(rule: Path, alert: str) -> list[dict[str, Any]]:
    for group in _load(rule)["spec"]["groups"]:
        for item in group["rules"]:
            if item.get("alert") == alert:
                labels = dict(item["labels"])
                data = _load(rule)["metadata"]
                labels["namespace"] = data["namespace"]
                labels["model"] = data["name"]
                return [{"exp_labels": labels}]
    raise AssertionError(f"{rule}: no alert {alert}")


def _fast(rule: Path) -> int:
    """Errors a minute (of PER_MINUTE) past the smaller page threshold, twice."""
    slo = _spec_of(rule)["spec"]["slo"]
    budget = error_budget(slo.get("availability", 99.9))
    window = slo.get("window", burnrate.DEFAULT_WINDOW)
    page = min(w.rate(window) for w in burnrate.WINDOWS if w.severity == "page")
    return int(Decimal(PER_MINUTE) * budget * page * 2)


def _test_file(rule: Path, rules_file: Path, folder: Path) -> Path:
    data = _load(rule)["metadata"]
    namespace, model = data["namespace"], data["name"]
    slo = _spec_of(rule)["spec"]["slo"]
    budget = error_budget(slo.get("availability", 99.9))
    fast = _fast(rule)  # past both page windows
    slow = int(Decimal(PER_MINUTE) * budget * 2)  # past 1x, under 6x
    healthy = int(Decimal(PER_MINUTE) * budget / 10)
    assert 0 < healthy < slow < fast < PER_MINUTE, (healthy, slow, fast)
    silent = [
        {"eval_time": "70m", "alertname": name, "exp_alerts": []}
        for name in ("ModelErrorBudgetBurnFast", "ModelErrorBudgetBurnSlow",
                     "ModelMetricsAbsent")
    ]  # fmt: skip
    tests = [
        {
            "name": "fast burn pages",
            "interval": "1m",
            "input_series": _series(namespace, model, fast, 80),
            "alert_rule_test": [
                {"eval_time": "70m", "alertname": "ModelErrorBudgetBurnFast",
                 "exp_alerts": _expected(rule, "ModelErrorBudgetBurnFast")},
                # 1.0.0 is not the spec's version: no rollback of it
                {"eval_time": "70m", "alertname": BURN_TRIGGER_ALERT,
                 "exp_alerts": []},
            ],
        },
        {
            "name": "slow burn opens a ticket and does not page",
            "interval": "1m",
            "input_series": _series(namespace, model, slow, 7 * 60 + 10),
            "alert_rule_test": [
                {"eval_time": "7h", "alertname": "ModelErrorBudgetBurnSlow",
                 "exp_alerts": _expected(rule, "ModelErrorBudgetBurnSlow")},
                {"eval_time": "7h", "alertname": "ModelErrorBudgetBurnFast",
                 "exp_alerts": []},
            ],
        },
        {
            "name": "a healthy service is silent",
            "interval": "1m",
            "input_series": _series(namespace, model, healthy, 80),
            "alert_rule_test": silent,
        },
        {
            "name": "an idle service is silent (counters at zero)",
            "interval": "1m",
            "input_series": _series(namespace, model, 0, 80)[:1]
            and [{**s, "values": "0x80"} for s in _series(namespace, model, 0, 80)],
            "alert_rule_test": silent,
        },
        {
            "name": "no series at all: the absent-metric alert fires",
            "interval": "1m",
            "input_series": [{"series": 'up{job="other"}', "values": "1x30"}],
            "alert_rule_test": [
                {"eval_time": "20m", "alertname": "ModelMetricsAbsent",
                 "exp_alerts": _expected(rule, "ModelMetricsAbsent")},
            ],
        },
    ]  # fmt: skip
    out = folder / f"{rules_file.stem}.test.yaml"
    out.write_text(
        yaml.safe_dump(
            {"rule_files": [rules_file.name], "evaluation_interval": "1m",
             "tests": tests},
            sort_keys=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    return out


def _quality(namespace: str, model: str, version: str, metric: str, value: float,
             minutes: int) -> dict[str, str]:  # fmt: skip
    return {
        "series": f'model_quality{{namespace="{namespace}", model="{model}", '
        f'version="{version}", metric="{metric}"}}',
        "values": f"{value}x{minutes}",
    }


def _trigger_files(rule: Path, rules_file: Path, folder: Path) -> list[Path]:
    """promtool tests of the rollback triggers of one rendered rule: the
    quality alert's, evaluated every minute, and the burn's over 25 hours,
    evaluated every 5 minutes (the input is still a sample a minute)."""
    data = _load(rule)["metadata"]
    namespace, model = data["namespace"], data["name"]
    spec = _spec_of(rule)["spec"]
    version = spec["model"]["version"]
    accuracy = spec["monitoring"]["accuracy"]
    metric, floor = accuracy["metric"], Decimal(str(accuracy["floor"]))
    below = float(floor - Decimal("0.01"))
    assert float(floor) < 0.95, floor  # 0.95 is healthy for every bundled model
    quality = _expected(rule, QUALITY_ALERT)
    assert quality[0]["exp_labels"]["modelrail_action"] == "rollback"
    assert quality[0]["exp_labels"]["version"] == version
    burn = _expected(rule, BURN_TRIGGER_ALERT)
    # a fast burn of the spec's version, from its first sample (its promotion)
    # on, for 25 hours: new for 24 hours, then not
    day = 25 * 60
    burning = _series(namespace, model, _fast(rule), day, version)
    quality_tests = [
        {
            "name": "accuracy under the floor: a rollback after the for: hour",
            "interval": "1m",
            "input_series": [_quality(namespace, model, version, metric, below, 90)],
            "alert_rule_test": [
                {"eval_time": "59m", "alertname": QUALITY_ALERT, "exp_alerts": []},
                {"eval_time": "61m", "alertname": QUALITY_ALERT, "exp_alerts": quality},
            ],
        },
        {
            "name": "accuracy at 0.95, and at the floor itself: silent",
            "interval": "1m",
            "input_series": [
                _quality(namespace, model, version, metric, 0.95, 90),
                _quality(namespace, model, "0.0.1", metric, float(floor), 90),
            ],
            "alert_rule_test": [
                {"eval_time": "90m", "alertname": QUALITY_ALERT, "exp_alerts": []},
            ],
        },
    ]
    burn_tests = [
        {
            "name": "a fast burn of a new version is a rollback, not a page",
            "interval": "1m",
            "input_series": burning,
            "alert_rule_test": [
                {"eval_time": "70m", "alertname": BURN_TRIGGER_ALERT,
                 "exp_alerts": burn},
                {"eval_time": "70m", "alertname": BURN_ALERT, "exp_alerts": []},
                {"eval_time": "23h55m", "alertname": BURN_TRIGGER_ALERT,
                 "exp_alerts": burn},
                {"eval_time": "23h55m", "alertname": BURN_ALERT, "exp_alerts": []},
                # 24 hours after its first series the version is not new
                {"eval_time": "24h5m", "alertname": BURN_TRIGGER_ALERT,
                 "exp_alerts": []},
                {"eval_time": "24h5m", "alertname": BURN_ALERT,
                 "exp_alerts": _expected(rule, BURN_ALERT)},
            ],
        },
    ]  # fmt: skip
    out = []
    for kind, tests, every in (("quality", quality_tests, "1m"),
                               ("burn", burn_tests, "5m")):  # fmt: skip
        path = folder / f"{rules_file.stem}.{kind}.test.yaml"
        path.write_text(
            yaml.safe_dump(
                {"rule_files": [rules_file.name], "evaluation_interval": every,
                 "tests": tests},
                sort_keys=False,
            ),
            encoding="utf-8",
        )  # fmt: skip
        out.append(path)
    return out


def _promtool_test(files: list[Path], folder: Path) -> subprocess.CompletedProcess[str]:
    promtool = require_tool("promtool")
    return subprocess.run(
        [promtool, "test", "rules", *(f.name for f in files)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.tool
@pytest.mark.slow
def test_burn_rate_alerts_fire_as_the_workbook_says(tmp_path: Path) -> None:
    assert len(RULES) == 16
    files = [
        _test_file(rule, _rules_without_annotations(rule, tmp_path), tmp_path)
        for rule in RULES
    ]
    result = _promtool_test(files, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert result.stdout.count("SUCCESS") == len(files)


@pytest.mark.tool
@pytest.mark.slow
def test_rollback_triggers_fire_as_the_spec_says(tmp_path: Path) -> None:
    files = [
        path
        for rule in RULES
        for path in _trigger_files(
            rule, _rules_without_annotations(rule, tmp_path), tmp_path
        )
    ]
    result = _promtool_test(files, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert result.stdout.count("SUCCESS") == len(files)


@pytest.mark.tool
def test_a_trigger_without_its_promotion_window_fails_the_unit_tests(
    tmp_path: Path,
) -> None:
    # the test above can fail: the burn trigger without "the version is new"
    rule = RULES[0]
    rules_file = _rules_without_annotations(rule, tmp_path)
    spec = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    trigger = next(r for r in spec["groups"][1]["rules"]
                   if r.get("alert") == BURN_TRIGGER_ALERT)  # fmt: skip
    trigger["expr"] = trigger["expr"].partition(" and on ")[0]
    rules_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    result = _promtool_test(_trigger_files(rule, rules_file, tmp_path), tmp_path)
    assert result.returncode != 0
    assert BURN_TRIGGER_ALERT in result.stdout + result.stderr


@pytest.mark.tool
def test_a_broken_threshold_fails_the_unit_tests(tmp_path: Path) -> None:
    # the test above can fail: the page threshold of one model made 100x higher
    rule = RULES[0]
    rules_file = _rules_without_annotations(rule, tmp_path)
    spec = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    fast = next(r for r in spec["groups"][1]["rules"]
                if r.get("alert") == "ModelErrorBudgetBurnFast")  # fmt: skip
    fast["expr"] = fast["expr"].replace(" > ", " > 100 * ")
    rules_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    result = _promtool_test([_test_file(rule, rules_file, tmp_path)], tmp_path)
    assert result.returncode != 0
    assert "ModelErrorBudgetBurnFast" in result.stdout + result.stderr
