"""The rendered alert routing, proven by Alertmanager's own tool.

Each environment's AlertmanagerConfigs (``rendered/<env>/_alerting/``) become
the native configuration the Prometheus Operator would generate
(``testing/amconfig.py``: routes under the namespace matcher, receivers named
``<namespace>/<name>/<receiver>``, secrets as placeholder files);
``amtool check-config`` must accept it and ``amtool config routes test`` must
send:

- a critical alert of a prod model to its team's pager, Slack and email;
- a warning to Slack only;
- an alert of another namespace to none of the team's receivers;
- a rollback alert to the rollback relay, and on to the people;
- every alert every bundled model renders (its PrometheusRule's labels, and
  the namespace its series carry) to a receiver with a person behind it.

Then a real Alertmanager with the prod configuration shows a critical alert
inhibiting the warning of the same model (and not another model's).
"""

from __future__ import annotations

import subprocess
import time
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
import requests
import yaml

from testing.alertmanager import alerts, running_alertmanager
from testing.amconfig import NULL, native, receiver_name
from testing.repo import bundled
from testing.tools import AMTOOL, require_tool

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.tool

ROOT = bundled()
RENDERED = ROOT / "rendered"
ENVIRONMENTS = ("dev", "test", "staging", "prod")
HUMAN = ("pager", "slack", "email")


@cache
def _env(name: str) -> dict[str, Any]:
    path = ROOT / "environments" / name / "environment.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _alerting(env: str) -> list[dict[str, Any]]:
    folder = RENDERED / env / "_alerting"
    return [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.yaml"))
        if p.name != "kustomization.yaml"
    ]


def _config(env: str, tmp_path: Path) -> Path:
    path = tmp_path / f"alertmanager-{env}.yml"
    config = native(_alerting(env), tmp_path / "secrets")
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _routes(
    config: Path, labels: dict[str, str], verify: list[str] | None = None
) -> list[str]:
    """The receivers ``amtool config routes test`` sends ``labels`` to
    (``verify``: also asks amtool to check they are exactly these)."""
    amtool = require_tool(AMTOOL)
    args = [amtool, "config", "routes", "test", f"--config.file={config}"]
    if verify is not None:
        args.append(f"--verify.receivers={','.join(verify)}")
    args += [f"{k}={v}" for k, v in sorted(labels.items())]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (labels, result.stdout, result.stderr)
    return result.stdout.strip().split(",")


def _team(env: str, team: str, *receivers: str) -> list[str]:
    namespace = _env(env)["spec"]["namespace"]
    return [receiver_name(namespace, f"modelrail-{team}", r) for r in receivers]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_amtool_accepts_the_configuration_of_every_environment(
    env: str, tmp_path: Path
) -> None:
    resources = _alerting(env)
    assert {r["metadata"]["name"] for r in resources} == {
        f"modelrail-{team}" for team in _env(env)["spec"]["alerting"]["teams"]
    }
    amtool = require_tool(AMTOOL)
    config = _config(env, tmp_path)
    result = subprocess.run(
        [amtool, "check-config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


PROD_ALERT = {
    "namespace": "models-prod",
    "team": "risk-ml",
    "environment": "prod",
    "model": "fraud-detector",
    "alertname": "ModelErrorBudgetBurnFast",
}


def test_a_critical_prod_alert_reaches_pager_slack_and_email(tmp_path: Path) -> None:
    config = _config("prod", tmp_path)
    want = _team("prod", "risk-ml", "pager", "slack", "email")
    assert _routes(config, {**PROD_ALERT, "severity": "page"}, want) == want


def test_a_warning_reaches_slack_only(tmp_path: Path) -> None:
    config = _config("prod", tmp_path)
    want = _team("prod", "risk-ml", "slack")
    labels = {**PROD_ALERT, "severity": "ticket", "alertname": "ModelMetricsAbsent"}
    assert _routes(config, labels, want) == want


def test_an_alert_of_another_namespace_matches_none_of_the_routes(
    tmp_path: Path,
) -> None:
    config = _config("prod", tmp_path)
    for namespace in ("models-staging", "default"):
        for severity in ("page", "ticket"):
            labels = {**PROD_ALERT, "namespace": namespace, "severity": severity}
            assert _routes(config, labels, [NULL]) == [NULL]


def test_a_rollback_alert_reaches_the_relay_and_the_people(tmp_path: Path) -> None:
    config = _config("prod", tmp_path)
    labels = {
        **PROD_ALERT,
        "alertname": "ModelQualityBelowFloor",
        "severity": "page",
        "modelrail_action": "rollback",
        "version": "3.2.0",
    }
    want = _team("prod", "risk-ml", "rollback", "pager", "slack", "email")
    assert _routes(config, labels, want) == want


def _rendered_alerts(env: str) -> list[tuple[str, dict[str, str]]]:
    """(model, labels) of every alert rule rendered in ``env``, with the
    ``namespace`` its series carry and its ``alertname``."""
    namespace = _env(env)["spec"]["namespace"]
    out = []
    for path in sorted((RENDERED / env).glob("*/prometheusrule.yaml")):
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in rule["spec"]["groups"]:
            for item in group["rules"]:
                if "alert" in item:
                    labels = {
                        **item["labels"],
                        "namespace": namespace,
                        "alertname": item["alert"],
                        "model": path.parent.name,
                    }
                    out.append((path.parent.name, labels))
    return out


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_rendered_alert_reaches_a_person(env: str, tmp_path: Path) -> None:
    config = _config(env, tmp_path)
    teams = _env(env)["spec"]["alerting"]["teams"]
    checked = 0
    for model, labels in _rendered_alerts(env):
        team = labels["team"]
        declared = [r for r in HUMAN if r in teams[team]]
        people = (
            declared
            if labels["severity"] == "page"
            else [next(r for r in ("slack", "email") if r in teams[team])]
        )
        want = _team(env, team, *people)
        if labels.get("modelrail_action") == "rollback":
            want = _team(env, team, "rollback") + want
        assert _routes(config, labels) == want, (model, labels)
        checked += 1
    assert checked >= 4 * 5  # four models, several alerts each


def _post(base_url: str, labels: dict[str, str]) -> None:
    answer = requests.post(
        f"{base_url}/api/v2/alerts", json=[{"labels": labels}], timeout=10
    )
    assert answer.status_code == 200, answer.text


def _state(base_url: str, alertname: str, model: str) -> dict[str, Any]:
    (found,) = [
        a
        for a in alerts(base_url, {"alertname": alertname, "model": model})
        if a["labels"]["alertname"] == alertname
    ]
    status: dict[str, Any] = found["status"]
    return status


@pytest.mark.slow
def test_a_critical_alert_inhibits_the_warnings_of_its_model(tmp_path: Path) -> None:
    config = _config("prod", tmp_path).read_text(encoding="utf-8")
    warning = {**PROD_ALERT, "severity": "ticket", "alertname": "ModelDriftWarning"}
    with running_alertmanager(tmp_path, config) as base_url:
        _post(base_url, {**PROD_ALERT, "severity": "page"})
        _post(base_url, warning)
        _post(base_url, {**warning, "model": "churn-predictor", "team": "growth-ml"})
        deadline = time.monotonic() + 20
        while True:
            state = _state(base_url, "ModelDriftWarning", "fraud-detector")
            if state["state"] == "suppressed" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert state["state"] == "suppressed", state
        assert state["inhibitedBy"], state
        other = _state(base_url, "ModelDriftWarning", "churn-predictor")
        assert other["state"] == "active", other
        critical = _state(base_url, "ModelErrorBudgetBurnFast", "fraud-detector")
        assert critical["state"] == "active", critical
