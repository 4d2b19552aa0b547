"""A rollback renders the pod template that ran, byte for byte (issue 17).

Argo Rollouts goes back to a recent stable ReplicaSet at once, skipping the
canary steps and their analysis (``rollbackWindow``), only when the Rollout's
pod template is the one that ReplicaSet was made from: the controller looks
the ReplicaSet up by the template. A label holding a commit, a timestamp, a
value moved in a list, anything that a rollback changes besides the version
it restores would make a new ReplicaSet, and the "rollback" a new release
that walks the whole canary. Proven here in a real git repository with the
real ``modelrail render``, the rendered files committed as on main:

1. the fixture repository, production running fraud-detector 3.2.0 and
   churn-predictor 1.4.2 (KServe), rendered and committed;
2. the promotion ``modelrail promote`` writes (staging's ``spec.model`` and
   image, 3.3.0 and 1.5.0; ``previousVersion``; a KServe canary restarted at
   step 1), rendered and committed;
3. the rollback: the ``spec.model`` mapping and ``serving.image`` text of the
   first commit put back, ``rollback.revert`` (from, reason, at) declared,
   ``previousVersion`` left as the promotion wrote it (nothing may depend on
   it); for KServe first ``currentStep: 0`` (phase 1: the traffic back on the
   last revision rolled out), then the version restored without it (phase 2).

After the rollback the Rollout's ``spec.template`` equals the one rendered at
the first commit, as parsed data and as canonical JSON bytes; so does the
KServe predictor, which becomes the Knative revision's template.

Argo Rollouts' own pod-template hash is not computed here, on purpose.
``ComputePodTemplateHash`` is FNV-32a over a ``spew`` dump of the Go
``corev1.PodTemplateSpec`` (every field of the struct, nil pointers included,
and ``resource.Quantity``'s internal fields), salted with the Rollout's
``collisionCount``: the dump depends on the k8s.io/api version the
controller is built with and cannot be reproduced faithfully outside Go, and
a look-alike in Python would prove nothing. Nor is one needed: the hash is a
function of the template decoded into that struct, so two templates equal as
data decode to equal structs, equal dumps and equal hashes. The canonical
template bytes are the proof.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.render.identity import canonical, pod_template, same_pods
from testing import rollback
from testing.git import commit_at, git, hermetic
from testing.promote import run
from testing.render import make_repo, render_repo

if TYPE_CHECKING:
    from pathlib import Path

FRAUD = "environments/prod/fraud-detector.yaml"
CHURN = "environments/prod/churn-predictor.yaml"
ROLLOUT = "rendered/prod/fraud-detector/rollout.yaml"
SERVICE = "rendered/prod/churn-predictor/inferenceservice.yaml"
STAGES = ("ran", "promoted", "phase 1", "rolled back")


@dataclass(frozen=True)
class Story:
    """The repository through its stages: what each commit holds."""

    files: dict[str, dict[str, str]]  # stage -> path -> text at its commit
    changed: list[str]  # files of both apps that differ: ran -> rolled back

    def manifest(self, stage: str, path: str) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.files[stage][path])
        return data

    def template(self, stage: str) -> dict[str, Any]:
        """The Rollout's pod template."""
        found: dict[str, Any] = self.manifest(stage, ROLLOUT)["spec"]["template"]
        assert pod_template(self.manifest(stage, ROLLOUT)) == found
        return found

    def predictor(self, stage: str) -> dict[str, Any]:
        found: dict[str, Any] = self.manifest(stage, SERVICE)["spec"]["predictor"]
        return found


def revision(predictor: dict[str, Any]) -> dict[str, Any]:
    """What becomes the Knative revision's template: the predictor without
    ``canaryTrafficPercent`` (KServe turns that into the route's traffic)."""
    return {k: v for k, v in predictor.items() if k != "canaryTrafficPercent"}


def _commit(root: Path, message: str, when: str) -> dict[str, str]:
    """Render, commit the specs and rendered/ together, and read back what
    the commit holds."""
    result = render_repo(root)
    assert result.returncode == 0, result.stderr
    commit = commit_at(root, message, when)
    paths = (FRAUD, CHURN, ROLLOUT, SERVICE)
    return {path: git(root, "show", f"{commit}:{path}") + "\n" for path in paths}


def _edit(root: Path, path: str, *edits: Any) -> None:
    text = (root / path).read_text(encoding="utf-8")
    for edit in edits:
        text = edit(text)
    (root / path).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    folder = tmp_path_factory.mktemp("rollback")
    files: dict[str, dict[str, str]] = {}
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, folder)
        root = make_repo(folder / "repo")
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
        files["ran"] = _commit(root, "prod runs 3.2.0, 1.4.2", "2026-11-01T08:00:00Z")
        ran = files["ran"]
        for name, path in (("fraud-detector", FRAUD), ("churn-predictor", CHURN)):
            (root / path).write_text(run(name).text, encoding="utf-8")
        files["promoted"] = _commit(root, "promote", "2026-11-11T08:00:00Z")
        # KServe, phase 1: all traffic back on the last revision rolled out
        _edit(root, CHURN, lambda t: rollback.current_step(t, 0))
        files["phase 1"] = _commit(root, "traffic back", "2026-11-12T09:00:00Z")
        # the rollback: the versions' own text put back, declared
        _edit(
            root,
            FRAUD,
            lambda t: rollback.restore(t, ran[FRAUD]),
            lambda t: rollback.declare(t, "3.3.0"),
        )
        _edit(
            root,
            CHURN,
            lambda t: rollback.restore(t, ran[CHURN]),
            lambda t: rollback.declare(t, "1.5.0"),
            lambda t: rollback.current_step(t, None),
        )
        files["rolled back"] = _commit(root, "roll back", "2026-11-12T09:30:00Z")
        apps = ("rendered/prod/fraud-detector", "rendered/prod/churn-predictor")
        changed = git(root, "diff", "--name-only", "HEAD~3", "HEAD", "--", *apps)
    return Story(files, changed.splitlines())


@pytest.mark.slow
def test_the_rollout_pod_template_is_the_one_that_ran(story: Story) -> None:
    ran, back = story.template("ran"), story.template("rolled back")
    assert story.template("promoted") != ran  # the promotion: a new ReplicaSet
    assert back == ran
    assert canonical(back) == canonical(ran)
    manifests = [story.manifest(stage, ROLLOUT) for stage in STAGES]
    assert same_pods(manifests[0], manifests[3])
    assert not same_pods(manifests[0], manifests[1])
    # the whole Rollout too: nothing of the promotion is left in it
    assert story.files["rolled back"][ROLLOUT] == story.files["ran"][ROLLOUT]
    # ... while the spec differs from the one that ran in what a rollback sets
    spec = story.files["rolled back"][FRAUD]
    assert spec != story.files["ran"][FRAUD]
    assert 'revert: {from: "3.3.0"' in spec
    assert 'previousVersion: "3.2.0"' in spec  # as the promotion wrote it


@pytest.mark.slow
def test_what_runs_is_rendered_as_it_ran(story: Story) -> None:
    """Not only the pod templates: git finds no workload or model values of
    either app that differ between the commit where the versions ran and the
    rollback. (Files about the workloads, such as alert rules, may one day
    say that a rollback is under way; today they do not differ either.)"""
    runs = ("/rollout.yaml", "/inferenceservice.yaml", "/configmap.yaml")
    assert [path for path in story.changed if path.endswith(runs)] == []


@pytest.mark.slow
def test_kserve_phase_1_moves_traffic_only_and_phase_2_restores(
    story: Story,
) -> None:
    ran, promoted = story.predictor("ran"), story.predictor("promoted")
    phase1, back = story.predictor("phase 1"), story.predictor("rolled back")
    assert promoted["canaryTrafficPercent"] == 10  # the new version at step 1
    assert phase1["canaryTrafficPercent"] == 0  # all back on the previous revision
    assert revision(phase1) == revision(promoted)  # no new revision to start
    assert revision(promoted) != revision(ran)
    assert "canaryTrafficPercent" not in back
    assert back == ran
    assert canonical(revision(back)) == canonical(revision(ran))
    services = {stage: story.manifest(stage, SERVICE) for stage in STAGES}
    assert same_pods(services["promoted"], services["phase 1"])
    assert same_pods(services["ran"], services["rolled back"])
    assert not same_pods(services["ran"], services["promoted"])
