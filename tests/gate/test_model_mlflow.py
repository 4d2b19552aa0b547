"""Model evidence read from a real MLflow tracking server (REST API 2.0).

Every test registers its own model (named after the test) through the REST
API, the way a training pipeline would: a baseline version tagged
``model_version=3.1.4`` with its run's metrics, and a candidate tagged
``3.2.0`` (the bundled prod spec of fraud-detector: artifact
``s3://ml-models-example/fraud-detector/3.2.0/model.onnx``, claims
accuracy 0.957, auc 0.978, precision 0.902, recall 0.861; baseline 3.1.4).
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from tests.gate import lab

from modelrail.gate import model
from modelrail.gate.registry import ModelRegistry
from modelrail.gate.transport import Endpoint, Settings
from testing.mlflow import Populate

if TYPE_CHECKING:
    from modelrail.gate.evidence import Item
    from modelrail.gate.inputs import Inputs

pytestmark = pytest.mark.tool

BUCKET = "s3://ml-models-example/fraud-detector"
BASELINE = {"accuracy": 0.948, "auc": 0.971, "precision": 0.884, "recall": 0.842}
# what the run logged: more digits than the spec's claims, which still hold
CANDIDATE = {"accuracy": 0.95712, "auc": 0.9781, "precision": 0.902, "recall": 0.8606}
ALL_MET = {
    "model.registry": "met",
    "model.versionTag": "met",
    "model.source": "met",
    "model.claim.accuracy": "met",
    "model.claim.auc": "met",
    "model.claim.precision": "met",
    "model.claim.recall": "met",
    "model.baseline": "met",
    "baseline.claim.accuracy": "met",
    "baseline.claim.auc": "met",
    "baseline.claim.precision": "met",
    "baseline.claim.recall": "met",
    "model.quality.accuracy": "met",
}


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A registered-model name of this test's own."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name).strip("-")


@pytest.fixture
def populate(mlflow_server: str) -> Populate:
    return Populate(mlflow_server)


def register(
    populate: Populate,
    name: str,
    *,
    metrics: dict[str, float] | None = None,
    source: str = f"{BUCKET}/3.2.0/",
    tag: str | None = "3.2.0",
    baseline_tag: str = "3.1.4",
) -> str:
    """The baseline then the candidate of ``name``: the candidate's number."""
    populate.model(name)
    populate.version(
        name,
        f"{BUCKET}/3.1.4",
        run_id=populate.run(BASELINE),
        tags={"model_version": baseline_tag},
    )
    tags = {"model_version": tag} if tag is not None else {}
    run_id = populate.run(metrics if metrics is not None else CANDIDATE)
    return populate.version(name, source, run_id=run_id, tags=tags)


def gate(
    url: str, name: str, entry: dict[str, str] | None = None, **spec: Any
) -> list[Item]:
    inputs = lab.with_model(
        lab.resolve(registry=url),
        registry=entry or {"name": name, "version": "2"},
        **spec,
    )
    return evidence(url, inputs)


def evidence(url: str, inputs: Inputs) -> list[Item]:
    settings = Settings(timeout=10, backoff=0)
    with Endpoint("the MLflow registry", url, settings) as endpoint:
        return model.evidence(ModelRegistry(endpoint), inputs)


def test_a_version_that_meets_the_gate_passes(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    assert register(populate, name) == "2"
    items = gate(mlflow_server, name)
    assert lab.verdicts(items) == ALL_MET
    shown = {i.key: (i.value, i.threshold) for i in items}
    assert shown["model.registry"] == ("2", "registered, READY")
    assert shown["model.source"] == (
        f"{BUCKET}/3.2.0/",
        f"holds {BUCKET}/3.2.0/model.onnx",
    )
    assert shown["model.claim.recall"] == ("0.8606", "= 0.861 (claimed)")
    assert shown["model.baseline"] == ("1", "model_version = 3.1.4")
    assert shown["model.quality.accuracy"] == (
        "0.95712 (100.9 % of 0.948)",
        ">= 95 % of baseline 3.1.4",
    )


def test_a_version_under_95_percent_of_the_baseline_fails(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name, metrics={**CANDIDATE, "accuracy": 0.89})
    # the spec claims what the run logged: only the quality gate fails
    claims = {"accuracy": 0.89, "auc": 0.978, "precision": 0.902, "recall": 0.861}
    items = gate(mlflow_server, name, metrics=claims)
    assert lab.verdicts(items) == {**ALL_MET, "model.quality.accuracy": "missed"}
    quality = items[-1]
    assert quality.detail == (
        "accuracy 0.89 is 93.8 % of the baseline 3.1.4's 0.948, below 95 %"
    )


@pytest.mark.parametrize(("accuracy", "verdict"), [(0.9006, "met"), (0.9005, "missed")])
def test_the_ratio_is_exact_at_the_boundary(
    mlflow_server: str, populate: Populate, name: str, accuracy: float, verdict: str
) -> None:
    # 0.95 * 0.948 is 0.9006 exactly (in floats, 0.9005999999999999)
    register(populate, name, metrics={**CANDIDATE, "accuracy": accuracy})
    claims = {**CANDIDATE, "accuracy": accuracy}
    items = gate(mlflow_server, name, metrics=claims)
    assert lab.verdicts(items)["model.quality.accuracy"] == verdict


def test_a_version_whose_source_is_not_the_artifact_fails(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name, source=f"{BUCKET}/3.2.0-rc1")
    items = gate(mlflow_server, name)
    assert lab.verdicts(items) == {**ALL_MET, "model.source": "missed"}
    source = next(i for i in items if i.key == "model.source")
    assert source.detail == (
        f"the spec deploys {BUCKET}/3.2.0/model.onnx, registry version 2 of "
        f"{name} holds {BUCKET}/3.2.0-rc1"
    )


def test_a_missing_version_fails_with_a_clear_message(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name)
    items = gate(mlflow_server, name, entry={"name": name, "version": "17"})
    assert lab.verdicts(items) == {"model.registry": "missed"}
    assert items[0].detail == (
        f"version 17 of {name} is not in the registry at {mlflow_server}"
    )
    # a model that was never registered: the same answer
    items = gate(mlflow_server, name, entry={"name": f"{name}-x", "version": "1"})
    assert items[0].detail == (
        f"version 1 of {name}-x is not in the registry at {mlflow_server}"
    )


def test_an_alias_is_resolved(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    number = register(populate, name)
    populate.alias(name, "champion", number)
    entry = {"name": name, "alias": "champion"}
    items = gate(mlflow_server, name, entry=entry)
    assert lab.verdicts(items) == ALL_MET
    assert items[0].value == "@champion = 2"
    # an alias on the baseline: its evidence, and it fails
    populate.alias(name, "champion", "1")
    assert lab.verdicts(gate(mlflow_server, name, entry=entry))["model.source"] == (
        "missed"
    )
    unset = gate(mlflow_server, name, entry={"name": name, "alias": "challenger"})
    assert lab.verdicts(unset) == {"model.registry": "missed"}
    assert unset[0].detail == (
        f"alias 'challenger' of {name} is not in the registry at {mlflow_server}"
    )


def test_the_version_tag_must_be_the_specs_version(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name, tag="3.1.9")
    items = gate(mlflow_server, name)
    assert lab.verdicts(items) == {**ALL_MET, "model.versionTag": "missed"}
    tag = next(i for i in items if i.key == "model.versionTag")
    assert tag.detail == (
        f"registry version 2 of {name} is tagged model_version=3.1.9, the spec "
        "deploys 3.2.0"
    )


def test_an_untagged_version_or_baseline_is_no_data(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name, tag=None, baseline_tag="3.1.3")
    verdicts = lab.verdicts(gate(mlflow_server, name))
    assert verdicts["model.versionTag"] == "no data"
    assert verdicts["model.baseline"] == "no data"
    assert verdicts["model.quality.accuracy"] == "no data"
    assert not any(key.startswith("baseline.claim") for key in verdicts)


def test_a_claim_that_is_not_the_runs_fails(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name)
    claims = {"accuracy": 0.957, "auc": 0.99, "precision": 0.902, "recall": 0.861}
    items = gate(mlflow_server, name, metrics=claims)
    assert lab.verdicts(items) == {**ALL_MET, "model.claim.auc": "missed"}
    auc = next(i for i in items if i.key == "model.claim.auc")
    assert auc.detail.startswith("the spec claims 0.99, run ")
    assert auc.detail.endswith(f"of registry version 2 of {name} logged 0.9781")
    # a claim the run never logged: no data
    items = gate(mlflow_server, name, metrics={**claims, "f1": 0.9})
    assert lab.verdicts(items)["model.claim.f1"] == "no data"


def test_the_specs_own_gates(mlflow_server: str, populate: Populate, name: str) -> None:
    register(populate, name)
    gates = [
        {"metric": "auc", "min": 0.97, "minRatioToBaseline": 1.005},
        {"metric": "recall", "max": 0.85},
        {"metric": "latency_ms", "max": 5},
    ]
    verdicts = lab.verdicts(gate(mlflow_server, name, gates=gates))
    assert {k: v for k, v in verdicts.items() if k.startswith("model.gates")} == {
        "model.gates.0.minRatioToBaseline": "met",  # 0.9781 / 0.971 = 100.7 %
        "model.gates.0.min": "met",
        "model.gates.1.max": "missed",
        "model.gates.2.max": "no data",  # the run logged no latency_ms
    }


def test_the_quality_metric_is_the_one_production_tracks(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    register(populate, name, metrics={**CANDIDATE, "auc": 0.9})
    inputs = lab.with_model(
        lab.resolve(registry=mlflow_server),
        registry={"name": name, "version": "2"},
        metrics={**CANDIDATE, "auc": 0.9},
    )
    spec = copy.deepcopy(inputs.spec)
    spec["spec"]["monitoring"]["accuracy"]["metric"] = "auc"
    verdicts = lab.verdicts(evidence(mlflow_server, replace(inputs, spec=spec)))
    assert verdicts["model.quality.auc"] == "missed"  # 0.9 / 0.971 = 92.6 %
    assert "model.quality.accuracy" not in verdicts


def test_a_version_without_a_run_has_no_metrics(
    mlflow_server: str, populate: Populate, name: str
) -> None:
    populate.model(name)
    populate.version(name, f"{BUCKET}/3.2.0", tags={"model_version": "3.2.0"})
    items = gate(mlflow_server, name, entry={"name": name, "version": "1"})
    verdicts = lab.verdicts(items)
    assert verdicts["model.source"] == "met"
    assert verdicts["model.claim.accuracy"] == "no data"
    claim = next(i for i in items if i.key == "model.claim.accuracy")
    assert claim.detail == (
        f"registry version 1 of {name} has no run: its metrics cannot be read"
    )
