"""``gate --format intoto``: an in-toto Statement v1 that validates against
the vendored schema, whose subjects are the spec's artifact and the rendered
app, and whose bytes depend only on the inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from modelrail.gate.intoto import PREDICATE_TYPE, STATEMENT_TYPE
from modelrail.repository.digests import file_digests, tree_digest
from testing.attestation import APP, SPEC, gate, rolled_back, statement
from testing.repo import ROOT, replace_once

if TYPE_CHECKING:
    from pathlib import Path

SCHEMA = ROOT / "schemas" / "external" / "in-toto-statement-v1.json"
ARTIFACT = "s3://ml-models-example/fraud-detector/3.2.0/model.onnx"
DIGEST = "23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c"


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("intoto")
    repo = rolled_back(base / "repo")
    path = statement(repo, base / "gate.intoto.json")
    return repo, json.loads(path.read_text(encoding="utf-8"))


def test_the_statement_validates_against_the_vendored_schema(
    made: tuple[Path, dict[str, Any]],
) -> None:
    _, doc = made
    assert sorted(validator().iter_errors(doc), key=str) == []
    assert doc["_type"] == STATEMENT_TYPE == "https://in-toto.io/Statement/v1"
    assert doc["predicateType"] == PREDICATE_TYPE == "https://modelrail.io/gate/v1"


def test_the_subjects_are_the_artifact_and_the_rendered_app(
    made: tuple[Path, dict[str, Any]],
) -> None:
    repo, doc = made
    artifact, app = doc["subject"]
    assert artifact == {"name": ARTIFACT, "digest": {"sha256": DIGEST}}
    assert app["name"] == "rendered/prod/fraud-detector/"
    # the folder digest is in-toto's dirHash: what this shell line prints
    shell = subprocess.run(
        "find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum "
        "| sha256sum | cut -f1 -d' '",
        shell=True,
        cwd=repo.joinpath(*APP),
        capture_output=True,
        text=True,
        check=True,
    )
    assert app["digest"] == {"sha256": shell.stdout.strip()}
    files = file_digests(repo.joinpath(*APP))
    assert "rollout.yaml" in files
    assert "kustomization.yaml" in files
    assert app["digest"]["sha256"] == tree_digest(files)
    assert doc["predicate"]["rendered"] == {
        "uri": "rendered/prod/fraud-detector/",
        "files": {path: {"sha256": h} for path, h in files.items()},
    }


def test_the_predicate_is_the_gate_attestation_plus_the_policy_set(
    made: tuple[Path, dict[str, Any]],
) -> None:
    repo, doc = made
    predicate = doc["predicate"]
    assert predicate["kind"] == "GateAttestation"
    assert predicate["outcome"] == "passed"
    assert predicate["environment"] == "prod"
    assert predicate["model"] == "fraud-detector"
    assert predicate["at"] == "2026-11-21T08:00:00Z"
    assert predicate["window"] == {"duration": "24h", "seconds": 86400}
    assert [e["key"] for e in predicate["evidence"]] == ["rollback.declared"]
    policies = file_digests(repo / "policies")
    kept = {p: h for p, h in policies.items() if p.endswith((".py", ".yaml"))}
    assert "profiles.yaml" in kept
    assert "security/sec_004_pinned_image.py" in kept
    assert predicate["policySet"] == {
        "uri": "policies/",
        "digest": {"sha256": tree_digest(kept)},
    }


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    repo = rolled_back(tmp_path / "repo")
    first, again = gate(repo), gate(repo)
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout
    assert first.stdout == json.dumps(json.loads(first.stdout), indent=2,
                                      sort_keys=True) + "\n"  # fmt: skip


def test_a_policy_change_changes_the_policy_set_digest(tmp_path: Path) -> None:
    repo = rolled_back(tmp_path / "repo")
    before = json.loads(gate(repo).stdout)["predicate"]["policySet"]
    profiles = repo / "policies" / "profiles.yaml"
    profiles.write_text(profiles.read_text(encoding="utf-8") + "\n", "utf-8")
    after = json.loads(gate(repo).stdout)["predicate"]["policySet"]
    assert before != after


def test_an_app_that_is_not_rendered_is_bad_input(tmp_path: Path) -> None:
    repo = rolled_back(tmp_path / "repo")
    shutil.rmtree(repo.joinpath(*APP))
    done = gate(repo)
    assert done.exit_code == 2
    assert "rendered/prod/fraud-detector/ holds no rendered manifests" in done.output
    assert "Traceback" not in done.output


def test_a_spec_without_a_digest_is_bad_input(tmp_path: Path) -> None:
    repo = rolled_back(tmp_path / "repo")
    replace_once(repo.joinpath(*SPEC), f'    digest: "sha256:{DIGEST}"\n', "")
    done = gate(repo)
    assert done.exit_code == 2
    assert "spec.model.digest is not declared" in done.output


@pytest.mark.tool
def test_a_real_gate_run_gives_a_statement_that_verifies(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    """End to end: a promotion to prod judged on a real Prometheus and a real
    MLflow registry (tests/gate/test_cli.py's), rendered, gated to a
    Statement, verified, then a manifest swapped."""
    from click.testing import CliRunner
    from tests.gate.test_cli import gate as real_gate
    from tests.gate.test_cli import promoted, register

    from modelrail.cli import main
    from testing.attestation import verify

    register(mlflow_server, "e2e-intoto")
    repo = promoted(tmp_path, "e2e-intoto")
    shutil.copytree(ROOT / "render", repo / "render")
    rendered = CliRunner().invoke(main, ["render", "--root", str(repo)])
    assert rendered.exit_code == 0, rendered.output
    out = tmp_path / "gate.intoto.json"
    done = real_gate(
        repo, prometheus_url, mlflow_server, "-f", "intoto", "-o", str(out)
    )
    assert done.exit_code == 0, done.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(validator().iter_errors(doc), key=str) == []
    assert doc["subject"][0] == {
        "name": "s3://ml-models-example/fraud-detector/3.3.0/model.onnx",
        "digest": {
            "sha256": "c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
        },
    }
    predicate = doc["predicate"]
    assert predicate["outcome"] == "passed"
    assert predicate["summary"] == {"met": 16, "missed": 0, "no data": 0, "error": 0}
    assert predicate["evidence"][0]["key"] == "slo.availability"
    assert predicate["urls"] == {
        "prometheus": prometheus_url,
        "registry": mlflow_server,
    }

    checked = verify(repo, out)
    assert checked.exit_code == 0, checked.output
    rollout = repo.joinpath(*APP, "rollout.yaml")
    rollout.write_text(
        rollout.read_text(encoding="utf-8").replace("3.3.0", "3.3.1"), "utf-8"
    )
    swapped = verify(repo, out)
    assert swapped.exit_code == 1, swapped.output
    assert "(rendered/prod/fraud-detector/rollout.yaml changed)" in swapped.output
