"""What Kubernetes or Argo CD would reject is refused before it is rendered,
and ``check`` refuses it too (MR-RENDER-001, MR-REPO-007/008): what check
accepts, render renders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from modelrail.check import runner as check
from modelrail.repository.layout import repository
from testing.render import make_repo, render_repo
from testing.repo import replace_once

if TYPE_CHECKING:
    from pathlib import Path

TODAY = check.Options().today.fromisoformat("2026-11-21")


def _rules(root: Path, env: str) -> dict[str, str]:
    report = check.run(repository(root), (), (env,), check.Options(TODAY))
    return {f.rule: str(f) for f in report.findings if not f.waived}


@pytest.mark.parametrize(
    ("old", "new", "pointer_text", "words"),
    [
        (
            "scaleDownStabilization: 5m",
            "scaleDownStabilization: 2h",
            "scaleDownStabilization",
            "longer than the 1h Kubernetes allows",
        ),
        (
            "seccompProfile: RuntimeDefault",
            "seccompProfile: Localhost",
            "seccompProfile",
            "Localhost needs a profile file",
        ),
    ],
)
def test_values_kubernetes_refuses(
    tmp_path: Path, old: str, new: str, pointer_text: str, words: str
) -> None:
    root = make_repo(tmp_path / "repo")
    spec = root / "environments" / "dev" / "fraud-detector.yaml"
    replace_once(spec, old, new)
    line = next(
        n
        for n, text in enumerate(spec.read_text().splitlines(), 1)
        if pointer_text in text
    )
    rules = _rules(root, "dev")
    assert "MR-RENDER-001" in rules
    assert f"environments/dev/fraud-detector.yaml:{line}:" in rules["MR-RENDER-001"]
    assert words in rules["MR-RENDER-001"]
    result = render_repo(root, tmp_path / "out")
    assert result.returncode == 2
    assert f"environments/dev/fraud-detector.yaml:{line}:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_application_name_over_63_characters(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    long_name = "m" * 45  # the longest model name the schema admits
    folder = root / "environments" / "staging"
    text = (folder / "fraud-detector.yaml").read_text(encoding="utf-8")
    (folder / "fraud-detector.yaml").unlink()
    (folder / f"{long_name}.yaml").write_text(
        text.replace("\n  name: fraud-detector\n", f"\n  name: {long_name}\n", 1),
        encoding="utf-8",
    )
    env = folder / "environment.yaml"
    replace_once(env, "  name: staging\n", "  name: staging\n")  # still 7 letters
    # staging-<45 letters> is 53 characters: fine; a longer environment is not
    assert "MR-RENDER-001" not in _rules(root, "staging")
    renamed = root / "environments" / "staging-eu-west-blue-green"
    folder.rename(renamed)
    replace_once(renamed / "environment.yaml", "  name: staging\n",
                 "  name: staging-eu-west-blue-green\n")  # fmt: skip
    for spec in renamed.glob("*.yaml"):
        text = spec.read_text(encoding="utf-8")
        spec.write_text(
            text.replace(
                "environment: staging\n", "environment: staging-eu-west-blue-green\n"
            ),
            encoding="utf-8",
        )
    replace_once(root / "environments" / "prod" / "environment.yaml",
                 "from: staging", "from: staging-eu-west-blue-green")  # fmt: skip
    rules = _rules(root, "staging-eu-west-blue-green")
    assert "MR-RENDER-001" in rules, rules
    assert "app.kubernetes.io/instance may hold 63" in rules["MR-RENDER-001"]


def test_environments_sharing_a_cluster_must_agree(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    env = root / "environments" / "test" / "environment.yaml"
    replace_once(env, "name: k8s-test", "name: k8s-dev")
    rules = _rules(root, "test")
    # same cluster name, another server: the root Application cannot serve both
    assert "MR-REPO-007" in rules
    assert "cluster.server is 'https://k8s-dev.example.com'" in rules["MR-REPO-007"]
    replace_once(env, "server: https://k8s-test.example.com",
                 "server: https://k8s-dev.example.com")  # fmt: skip
    replace_once(env, "project: models-test", "project: models-dev")
    rules = _rules(root, "test")
    assert "MR-REPO-007" not in rules
    assert "MR-REPO-008" in rules
    assert "project 'models-dev' is already dev's" in rules["MR-REPO-008"]
    result = render_repo(root, tmp_path / "out")
    assert result.returncode == 2
    assert "MR-REPO-008" in result.stderr


def test_an_unsupported_kubernetes_version(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    env = root / "environments" / "dev" / "environment.yaml"
    replace_once(env, 'kubernetesVersion: "1.30"', 'kubernetesVersion: "1.99"')
    rules = _rules(root, "dev")
    assert "MR-RENDER-001" in rules
    assert "environments/dev/environment.yaml:" in rules["MR-RENDER-001"]
    result = render_repo(root, tmp_path / "out")
    assert result.returncode == 2
    assert "environments/dev/environment.yaml:" in result.stderr
    assert "1.99 is not supported" in result.stderr


ANALYSIS = """\
{% set resource_name = names.stable %}
{% set wave = "0" %}
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
{% include "_metadata.j2" %}
spec:
  metrics:
    - name: success-rate
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: vector(1)
      successCondition: result[0] >= 0.99
"""


def test_analysis_steps_refer_to_a_rendered_template(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    (root / "render" / "templates" / "analysistemplate.yaml.j2").write_text(
        ANALYSIS, encoding="utf-8"
    )
    result = render_repo(root, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    prod = tmp_path / "out" / "prod" / "fraud-detector"
    assert (prod / "analysistemplate.yaml").is_file()
    assert "templateName: fraud-detector" in (prod / "rollout.yaml").read_text()
    assert "- analysistemplate.yaml" in (prod / "kustomization.yaml").read_text()
    project = (tmp_path / "out" / "prod" / "_argocd" / "appproject.yaml").read_text()
    assert "kind: AnalysisTemplate" in project
    # dev asks for no analysis: neither the template nor a reference
    dev = tmp_path / "out" / "dev" / "product-recommender"
    assert not (dev / "analysistemplate.yaml").exists()
    assert "templateName" not in (dev / "rollout.yaml").read_text()


def test_the_rollout_is_the_last_sync_wave(tmp_path: Path) -> None:
    # Argo CD waits for a wave to be healthy before the next: a Rollout (or an
    # InferenceService) is Progressing for a whole canary, so nothing may come
    # after it
    root = make_repo(tmp_path / "repo")
    assert render_repo(root, tmp_path / "out").returncode == 0
    import yaml

    for folder in (tmp_path / "out" / "prod").iterdir():
        if folder.name.startswith("_"):
            continue
        waves = {}
        for path in folder.glob("*.yaml"):
            data = yaml.safe_load(path.read_text())
            if path.name != "kustomization.yaml":
                waves[data["kind"]] = int(
                    data["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
                )
        workload = "Rollout" if "Rollout" in waves else "InferenceService"
        assert max(waves.values()) == waves[workload], waves
        assert list(waves.values()).count(waves[workload]) == 1, waves
        assert waves["ConfigMap"] < waves[workload]
