"""``serving.runtime: kserve``: what the InferenceService says, and the
schema-valid specs KServe cannot take (a SpecError with its location, exit 2
from ``render``, MR-RENDER-001 from ``check``).

The bundled model is churn-predictor (staging: ``currentStep: 2`` of the plan
10, 25, 50, 100). Its golden case is ``cases/kserve-canary-step``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from modelrail.render import facts, kserve, refusals
from modelrail.render.facts import SpecError
from modelrail.repository.loader import Document, load_file, load_text
from testing import rollback
from testing.promote import run
from testing.render import make_repo, read_tree, render_repo
from testing.repo import FIXTURE, bundled, line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

SOURCE = "environments/staging/churn-predictor.yaml"
SPEC = FIXTURE / SOURCE
ENV = FIXTURE / "environments" / "staging" / "environment.yaml"


def edited(*changes: tuple[str, str]) -> Document:
    text = SPEC.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_text(text, SOURCE)


def predictor(doc: Document) -> dict[str, Any]:
    env = load_file(ENV).data
    return kserve.values(doc, facts.model_facts(doc, env, SOURCE))["predictor"]


STEP = "    currentStep: 2   # 25 % on 1.5.0; the next pull request moves it to 3\n"


@pytest.mark.parametrize(
    ("step", "percent"), [("0", 0), ("1", 10), ("2", 25), ("3", 50), ("4", 100)]
)
def test_canary_traffic_is_the_current_steps_weight(step: str, percent: int) -> None:
    doc = edited((STEP, f"    currentStep: {step}\n"))
    assert predictor(doc)["canaryTrafficPercent"] == percent


def test_no_current_step_is_full_traffic_on_the_latest_revision() -> None:
    assert "canaryTrafficPercent" not in predictor(edited((STEP, "")))


def test_a_step_past_the_plan_is_refused_where_it_is_written() -> None:
    doc = edited((STEP, "    currentStep: 5\n"))
    with pytest.raises(SpecError) as caught:
        predictor(doc)
    assert "the canary plan has 4 steps" in caught.value.message
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.column) == (67, 18)
    # check reports it once, as MR-ROLL-011 (not a second time as MR-RENDER-001)
    env = load_file(ENV).data
    assert refusals.problems(doc, env) == []


def test_current_step_on_a_rollout_is_refused() -> None:
    text = (FIXTURE / "environments/staging/fraud-detector.yaml").read_text("utf-8")
    old = "    analysis: {interval"
    text = text.replace(old, "    currentStep: 1\n" + old, 1)
    doc = load_text(text, "environments/staging/fraud-detector.yaml")
    with pytest.raises(SpecError, match="Argo Rollouts walks the canary steps"):
        facts.model_facts(doc, load_file(ENV).data, doc.path)


@pytest.mark.parametrize(
    ("spec_format", "name"),
    [
        ("onnx", "onnx"),
        ("torchscript", "pytorch"),
        ("savedmodel", "tensorflow"),
        ("sklearn", "sklearn"),
        ("huggingface", "huggingface"),
        ("triton", "triton"),
    ],
)
def test_model_format_names_a_serving_runtime(spec_format: str, name: str) -> None:
    doc = edited(("format: xgboost", f"format: {spec_format}"))
    assert predictor(doc)["model"]["modelFormat"] == {"name": name}


def test_a_custom_format_has_no_kserve_runtime() -> None:
    with pytest.raises(SpecError, match="no KServe serving runtime"):
        predictor(edited(("format: xgboost", "format: custom")))


@pytest.mark.parametrize("artifact", ["models:/churn-predictor/8", "runs:/abc/model"])
def test_registry_uris_are_not_storage_uris(artifact: str) -> None:
    old = "artifact: s3://ml-models-example/churn-predictor/1.5.0/model.bst"
    with pytest.raises(SpecError, match="storage initializer cannot fetch"):
        predictor(edited((old, f"artifact: {artifact}")))


def test_kserve_scales_on_one_metric() -> None:
    old = "      targetRequestsPerSecond: 250"
    doc = edited((old, old + "\n      targetConcurrency: 8"))
    with pytest.raises(SpecError, match="keep one") as caught:
        predictor(doc)
    assert caught.value.location is not None
    # located at the metric KServe would not use (targetRequestsPerSecond)
    assert caught.value.location.line == 42


def test_concurrency_target() -> None:
    doc = edited(("      targetRequestsPerSecond: 250", "      targetConcurrency: 8"))
    got = predictor(doc)
    assert (got["scaleMetric"], got["scaleTarget"]) == ("concurrency", 8)


def test_scale_down_delay_is_a_knative_annotation() -> None:
    got = predictor(edited())
    assert got["annotations"] == {"autoscaling.knative.dev/scale-down-delay": "5m"}
    with pytest.raises(SpecError, match="longer than the 1h"):
        predictor(edited(("scaleDownStabilization: 5m", "scaleDownStabilization: 2h")))


def test_grpc_uses_knatives_h2c_port_and_grpc_v2() -> None:
    doc = edited(("    port: 8080\n", "    port: 8080\n    protocol: grpc\n"))
    env = load_file(ENV).data
    values = kserve.values(doc, facts.model_facts(doc, env, SOURCE))
    assert values["port_name"] == "h2c"
    model = values["predictor"]["model"]
    assert model["protocolVersion"] == "grpc-v2"
    assert model["ports"][0]["name"] == "h2c"
    # a gRPC probe keeps its port number (Kubernetes requires one)
    assert model["readinessProbe"]["grpc"] == {"port": 8080}


def test_the_pods_carry_the_models_labels() -> None:
    labels = predictor(edited())["labels"]
    assert labels["app.kubernetes.io/name"] == "churn-predictor"
    assert labels["app.kubernetes.io/instance"] == "staging-churn-predictor"


def test_render_refuses_with_the_location_and_writes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    spec = root / SOURCE
    replace_once(spec, STEP, "    currentStep: 7\n")
    out = tmp_path / "out"
    result = render_repo(root, out)
    assert result.returncode == 2, result.stderr
    line = line_of(spec, "currentStep: 7")
    assert f"{SOURCE}:{line}:18: rollout.currentStep is 7" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_tree(out) == {}


def test_rendered_churn_predictor_has_no_argo_rollouts_resources() -> None:
    for env in ("dev", "test", "staging", "prod"):
        folder = bundled() / "rendered" / env / "churn-predictor"
        names = {p.name for p in folder.iterdir()}
        assert "inferenceservice.yaml" in names
        assert "rollout.yaml" not in names
        assert "analysistemplate.yaml" not in names
    prod = (
        bundled() / "rendered/prod/churn-predictor/inferenceservice.yaml"
    ).read_text()
    staging = (
        bundled() / "rendered/staging/churn-predictor/inferenceservice.yaml"
    ).read_text()
    assert "canaryTrafficPercent:" not in prod  # fully rolled out
    assert "canaryTrafficPercent: 25" in staging


def _prod(text: str) -> dict[str, Any]:
    """The predictor of production's churn-predictor written as ``text``."""
    source = "environments/prod/churn-predictor.yaml"
    doc = load_text(text, source)
    env = load_file(FIXTURE / "environments" / "prod" / "environment.yaml").data
    return kserve.values(doc, facts.model_facts(doc, env, source))["predictor"]


def test_rollback_phase_1_sends_all_traffic_to_the_previous_revision() -> None:
    """A KServe rollback's first change (issue 17) sets currentStep 0 on the
    spec being rolled back: canaryTrafficPercent 0, so KServe sends all the
    traffic to the last revision rolled out, and nothing else of the
    predictor changes (no new Knative revision to start)."""
    promoted = run("churn-predictor").text  # 1.5.0 at step 1, as promote writes
    phase1 = rollback.current_step(promoted, 0)
    before, after = _prod(promoted), _prod(phase1)
    assert before["canaryTrafficPercent"] == 10
    assert after["canaryTrafficPercent"] == 0
    del before["canaryTrafficPercent"], after["canaryTrafficPercent"]
    assert after == before


def test_rollback_phase_2_renders_the_predictor_that_ran() -> None:
    """The second change restores 1.4.2's spec.model and image, declared, with
    no currentStep: the predictor is the one rendered before the promotion."""
    ran = (FIXTURE / "environments/prod/churn-predictor.yaml").read_text("utf-8")
    phase1 = rollback.current_step(run("churn-predictor").text, 0)
    phase2 = rollback.current_step(
        rollback.declare(rollback.restore(phase1, ran), "1.5.0"), None
    )
    assert "canaryTrafficPercent" not in _prod(phase2)
    assert _prod(phase2) == _prod(ran)
