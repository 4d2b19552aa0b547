"""What a gate run measures, and the inputs it refuses (exit 2, no server)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from tests.gate import lab

from modelrail.cli import main
from modelrail.errors import UsageError
from modelrail.gate import auth, inputs
from modelrail.gate.transport import base_url
from modelrail.repository.layout import Repository
from modelrail.repository.loader import load_text
from modelrail.repository.schema import SchemaSet
from testing.repo import FIXTURE, ROOT, bundled, copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

PROD_ENV = "environments/prod/environment.yaml"
PROD_SPEC = "environments/prod/fraud-detector.yaml"


def resolve(
    repo: Path, model: str = "fraud-detector", env: str = "prod", **kw: str
) -> inputs.Inputs:
    return inputs.resolve(Repository(repo), model, env, at=lab.AT, **kw)


def test_the_evidence_comes_from_the_promotion_source() -> None:
    got = lab.resolve(
        prometheus="http://prom.example:9090/", registry="https://ml.example/"
    )
    assert (got.environment, got.source, got.namespace) == (
        "prod",
        "staging",
        "models-staging",
    )
    assert got.version == "3.2.0"  # the target spec's: after a promotion, the candidate
    assert got.spec_file == PROD_SPEC
    assert (got.window, got.window_seconds) == ("24h", 86400)  # prod's soak
    assert got.prometheus_url == "http://prom.example:9090"
    assert got.registry_url == "https://ml.example"
    assert got.ratio == Decimal("0.95")
    assert got.at_text == "2023-11-16T00:13:20Z"


def test_the_defaults_are_the_environment_files() -> None:
    got = resolve(bundled(), env="staging")
    assert got.source == "test"
    assert got.namespace == "models-test"
    assert got.window == "12h"  # staging's soak
    assert got.prometheus_url == "http://prometheus-operated.monitoring.svc:9090"
    assert got.registry_url == "https://mlflow.example.com"  # staging's modelRegistry


def test_without_a_soak_the_window_is_24h(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    replace_once(repo / PROD_ENV, "    soak: 24h\n", "")
    assert resolve(repo).window == "24h"
    assert resolve(repo, window="90m").window_seconds == 5400


def test_the_ratio_is_mr_mdl_003s_under_the_profile(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    replace_once(
        repo / "policies" / "profiles.yaml",
        '      MR-OPS-007: "off"\n',
        '      MR-OPS-007: "off"\n      MR-MDL-003: {options: {ratio: 0.9}}\n',
    )
    assert resolve(repo, env="staging").ratio == Decimal("0.9")
    assert resolve(repo, env="prod").ratio == Decimal("0.95")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"env": "qa"}, "unknown environment 'qa'; known: dev, prod, staging, test"),
        (
            {"env": "dev"},
            "environments/dev/environment.yaml: dev has no promotion source",
        ),
        (
            {"model": "fraud-detecter"},
            (
                "environments/prod/fraud-detecter.yaml: no such spec (models in "
                "prod: churn-predictor, fraud-detector, product-recommender, "
                "support-assistant)"
            ),
        ),
        ({"window": "soon"}, "window 'soon' is not a duration such as 24h or 90m"),
        ({"window": "0s"}, "window '0s' is not a duration"),
        ({"prometheus": "prom:9090"}, "Prometheus 'prom:9090' is not an http://"),
        (
            {"registry": "https://ci:pw@ml.example"},
            "the model registry carries credentials in its URL: remove them",
        ),
        ({"registry": "https://ml.example/?x=1"}, "give the base URL, without ?query"),
        ({"prometheus": "http://h:99999"}, "Prometheus 'http://h:99999' is not a URL"),
    ],
)
def test_inputs_that_cannot_work(args: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        resolve(bundled(), **args)
    assert message in str(raised.value)


def test_an_invalid_spec_is_refused_with_its_location(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    replace_once(repo / PROD_SPEC, "availability: 99.95", "availability: lots")
    with pytest.raises(
        UsageError, match=r"fraud-detector.yaml is not valid: .*:\d+:\d+: "
    ):
        resolve(repo)


def test_a_target_without_a_registry_needs_one(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    text = (repo / PROD_ENV).read_text(encoding="utf-8")
    start = text.index("  modelRegistry:")
    end = text.index("  limits:")
    (repo / PROD_ENV).write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(
        UsageError, match=r"pass --registry URL, or set spec\.modelRegistry"
    ):
        resolve(repo)
    assert resolve(repo, registry="http://127.0.0.1:5000").registry_url == (
        "http://127.0.0.1:5000"
    )


def test_the_time_is_utc() -> None:
    assert inputs.parse_at("2026-11-21T08:00:00Z") == datetime.datetime(
        2026, 11, 21, 8, tzinfo=datetime.UTC
    )
    assert inputs.iso(inputs.parse_at("2026-11-21T09:00:00+01:00")) == (
        "2026-11-21T08:00:00Z"
    )
    assert inputs.iso(inputs.parse_at("2026-11-21 08:00")) == "2026-11-21T08:00:00Z"
    with pytest.raises(ValueError, match="Invalid isoformat"):
        inputs.parse_at("yesterday")


def test_the_cli_refuses_bad_input_with_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    base = ["gate", "fraud-detector", "--root", str(bundled())]
    bad_time = runner.invoke(main, [*base, "--env", "prod", "--at", "soon"])
    assert bad_time.exit_code == 2
    assert "'soon' is not an ISO 8601 time" in bad_time.output
    no_env = runner.invoke(main, base)
    assert no_env.exit_code == 2
    assert "Missing option '--env'" in no_env.output
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    half = runner.invoke(main, [*base, "--env", "prod", "--prometheus", lab.CLOSED])
    assert half.exit_code == 2
    assert half.stderr == (
        "error: MLFLOW_TRACKING_PASSWORD is not set: basic authentication needs "
        "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD\n"
    )
    unknown = runner.invoke(main, [*base, "--env", "qa"])
    assert unknown.exit_code == 2
    assert "Traceback" not in unknown.output


def test_tokens_come_from_the_environment_only() -> None:
    assert auth.prometheus({}).header is None
    assert auth.prometheus({"MODELRAIL_PROMETHEUS_TOKEN": " t "}).header == "Bearer t"
    assert auth.mlflow({"MLFLOW_TRACKING_TOKEN": "t"}).header == "Bearer t"
    basic = auth.mlflow(
        {"MLFLOW_TRACKING_USERNAME": "a", "MLFLOW_TRACKING_PASSWORD": "b"}
    )
    assert basic.header == "Basic YTpi"
    with pytest.raises(UsageError, match="MLFLOW_TRACKING_USERNAME is not set"):
        auth.mlflow({"MLFLOW_TRACKING_PASSWORD": "b"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:9090", "http://127.0.0.1:9090"),
        ("https://prom.example.com/prometheus/", "https://prom.example.com/prometheus"),
    ],
)
def test_base_urls(url: str, expected: str) -> None:
    assert base_url(url, "Prometheus") == expected


# ------------------------------------------------------------ the schema keys


def spec_findings(model: str) -> list[str]:
    text = (FIXTURE / PROD_SPEC).read_text(encoding="utf-8")
    old = '    registry: {name: fraud-detector, version: "17"}\n'
    assert text.count(old) == 1
    doc = load_text(text.replace(old, model), PROD_SPEC)
    return [
        f.message for f in SchemaSet(ROOT / "schemas").validate("ModelDeployment", doc)
    ]


@pytest.mark.parametrize(
    ("model", "valid"),
    [
        ("    registry: {name: fraud-detector, alias: champion}\n", True),
        (
            '    registry: {name: fraud-detector, version: "17", alias: champion}\n',
            False,
        ),
        ("    registry: {name: fraud-detector}\n", False),
        (
            (
                '    registry: {name: fraud-detector, version: "17"}\n'
                "    gates: [{metric: auc, min: 0.97}, {metric: recall, max: 1,"
                " minRatioToBaseline: 0.98}]\n"
            ),
            True,
        ),
        ('    registry: {name: f, version: "1"}\n    gates: [{metric: auc}]\n', False),
        (
            (
                '    registry: {name: f, version: "1"}\n'
                "    gates: [{metric: auc, minRatioToBaseline: 0}]\n"
            ),
            False,
        ),
        (
            (
                '    registry: {name: f, version: "1"}\n'
                "    gates: [{metric: auc, min: 0.9, minimum: 1}]\n"
            ),
            False,
        ),
        (
            (
                '    registry: {name: f, version: "1"}\n'
                "    gates: [{metric: AUC, min: 1}]\n"
            ),
            False,
        ),
    ],
)
def test_the_registry_entry_and_gates_in_the_schema(model: str, valid: bool) -> None:
    found = spec_findings(model)
    assert (found == []) is valid, found


def test_both_version_and_alias_is_one_too_many() -> None:
    found = spec_findings('    registry: {name: f, version: "1", alias: champion}\n')
    assert len(found) == 1
    assert "spec.model.registry" in found[0]


@pytest.mark.parametrize(
    ("registry", "valid"),
    [
        ("  modelRegistry: {type: mlflow, url: https://mlflow.example.com}\n", True),
        ("  modelRegistry: {type: sagemaker, url: https://x.example.com}\n", False),
        ("  modelRegistry: {type: mlflow, url: https://u:p@x.example.com}\n", False),
        ("  modelRegistry: {type: mlflow}\n", False),
        (
            "  modelRegistry: {type: mlflow, url: https://x.example.com, token: t}\n",
            False,
        ),
    ],
)
def test_the_environments_model_registry(registry: str, valid: bool) -> None:
    text = (FIXTURE / PROD_ENV).read_text(encoding="utf-8")
    start, end = text.index("  modelRegistry:"), text.index("  limits:")
    doc = load_text(text[:start] + registry + text[end:], PROD_ENV)
    found = SchemaSet(ROOT / "schemas").validate("Environment", doc)
    assert (found == []) is valid, found
