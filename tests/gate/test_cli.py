"""``modelrail gate`` end to end: a promotion to prod, judged on a real
Prometheus (the lab's staging record) and a real MLflow registry.

The promotion is made by hand in a copy of the repository: staging's
``spec.model`` of fraud-detector (3.3.0, registry version 21 in the bundled
files) replaces prod's, as ``modelrail promote`` would. The registry gets the
baseline (3.2.0) and the candidate through its REST API.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result
from tests.gate import lab

from modelrail.cli import main
from testing.mlflow import Populate
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.tool

AT = lab.AT.isoformat().replace("+00:00", "Z")
BUCKET = "s3://ml-models-example/fraud-detector"
STAGING = {"accuracy": 0.961, "auc": 0.982, "precision": 0.911, "recall": 0.874}
PROD = {"accuracy": 0.957, "auc": 0.978, "precision": 0.902, "recall": 0.861}


def model_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    match = re.search(
        r"^  model:\n.*?(?=^  serving:\n)", text, re.MULTILINE | re.DOTALL
    )
    assert match is not None
    return match.group(0)


def promoted(tmp_path: Path, name: str, version: str = "3.3.0") -> Path:
    """A copy of the repository where prod runs staging's fraud-detector
    model (registered as ``name``, version 2), at ``version``."""
    repo = copy_repo(tmp_path / "repo")
    prod = repo / "environments" / "prod" / "fraud-detector.yaml"
    staging = model_block(repo / "environments" / "staging" / "fraud-detector.yaml")
    replace_once(prod, model_block(prod), staging)
    replace_once(
        prod,
        'registry: {name: fraud-detector, version: "21"}',
        f'registry: {{name: {name}, version: "2"}}',
    )
    replace_once(prod, 'version: "3.3.0"', f'version: "{version}"')
    return repo


def register(url: str, name: str, version: str = "3.3.0") -> None:
    populate = Populate(url)
    populate.model(name)
    base = populate.run(PROD)
    populate.version(
        name, f"{BUCKET}/3.2.0", run_id=base, tags={"model_version": "3.2.0"}
    )
    run = populate.run(STAGING)
    populate.version(
        name, f"{BUCKET}/3.3.0", run_id=run, tags={"model_version": version}
    )


def gate(repo: Path, prometheus: str, registry: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(repo),
         "--prometheus", prometheus, "--registry", registry, "--at", AT, *args],
    )  # fmt: skip


def test_a_healthy_staging_record_and_a_good_version_pass(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    register(mlflow_server, "e2e-healthy")
    repo = promoted(tmp_path, "e2e-healthy")
    result = gate(repo, prometheus_url, mlflow_server, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = lab.attestation(result.stdout)
    assert doc["outcome"] == "passed"
    assert {k: doc[k] for k in ("model", "version", "environment", "at")} == {
        "model": "fraud-detector",
        "version": "3.3.0",
        "environment": "prod",
        "at": "2023-11-16T00:13:20Z",
    }
    assert doc["digest"] == (
        "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
    )
    assert doc["source"] == {"environment": "staging", "namespace": "models-staging"}
    assert doc["window"] == {"duration": "24h", "seconds": 86400}
    assert doc["urls"] == {"prometheus": prometheus_url, "registry": mlflow_server}
    assert doc["registryEntry"] == {"name": "e2e-healthy", "version": "2"}
    assert doc["summary"] == {"met": 16, "missed": 0, "no data": 0, "error": 0}
    assert [e["key"] for e in doc["evidence"]][:4] == [
        "slo.availability",
        "slo.errorRate",
        "slo.latency.p95",
        "model.registry",
    ]
    # an attestation is reproducible: the same inputs, the same bytes
    again = gate(repo, prometheus_url, mlflow_server, "--format", "json")
    assert again.stdout == result.stdout
    out = tmp_path / "gate.json"
    written = gate(repo, prometheus_url, mlflow_server, "-f", "json", "-o", str(out))
    assert written.exit_code == 0
    assert written.stdout == ""
    assert out.read_text(encoding="utf-8") == result.stdout


def test_the_text_and_markdown_reports(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    register(mlflow_server, "e2e-reports")
    repo = promoted(tmp_path, "e2e-reports")
    text = gate(repo, prometheus_url, mlflow_server)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert lines[0] == "gate fraud-detector 3.3.0 into prod: PASSED (16 met)"
    assert lines[1] == (
        f"SLO record of staging (namespace models-staging) in Prometheus "
        f"{prometheus_url} over 24h until {AT}; model registry {mlflow_server}"
    )
    assert re.fullmatch(r"availability +99\.99 % +>= 99\.95 % +met", lines[4])
    markdown = gate(repo, prometheus_url, mlflow_server, "--format", "markdown")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith(
        "### ✅ modelrail gate: `fraud-detector` 3.3.0 into prod: passed\n"
    )
    # each cell is escaped as text from outside (Prometheus, the registry, the
    # spec): a backslash that GitHub does not show
    assert "| latency p95 | 45.8333 ms | \\<= 80 ms | ✅ met |" in markdown.stdout
    assert "| accuracy vs baseline | 0.961 (100.4 % of 0.957) | \\>= 95 % of " in (
        markdown.stdout
    )


@pytest.mark.parametrize(
    ("version", "failing"),
    [
        ("3.3.1", {"slo.availability": "missed", "slo.errorRate": "missed"}),
        ("3.3.3", {"slo.latency.p95": "missed"}),
        (
            lab.ABSENT,
            {"slo.availability": "no data", "slo.errorRate": "no data",
             "slo.latency.p95": "no data"},
        ),
    ],
)  # fmt: skip
def test_a_degraded_or_empty_record_fails(
    tmp_path: Path,
    prometheus_url: str,
    mlflow_server: str,
    version: str,
    failing: dict[str, str],
) -> None:
    name = f"e2e-{version}"
    register(mlflow_server, name, version)
    repo = promoted(tmp_path, name, version)
    result = gate(repo, prometheus_url, mlflow_server, "--format", "json")
    assert result.exit_code == 1, result.output
    doc = lab.attestation(result.stdout)
    assert doc["outcome"] == "failed"
    verdicts = {e["key"]: e["verdict"] for e in doc["evidence"]}
    assert {k: v for k, v in verdicts.items() if v != "met"} == failing
    assert result.stderr == ""


def test_a_missing_registry_version_fails(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    repo = promoted(tmp_path, "e2e-never-registered")
    result = gate(repo, prometheus_url, mlflow_server)
    assert result.exit_code == 1, result.output
    assert (
        "missed: registry version: version 2 of e2e-never-registered is not in "
        f"the registry at {mlflow_server}\n"
    ) in result.stdout
