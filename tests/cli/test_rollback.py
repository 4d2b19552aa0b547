"""``modelrail rollback`` end to end, in real git repositories.

A copy of the tests' repository is committed on main (2026-11-01), then
fraud-detector 3.3.0 is promoted from staging into prod with ``promote
--commit`` (2026-11-21, after its soak) and merged. From there:

- ``rollback fraud-detector --env prod --commit`` restores 3.2.0's model block
  byte for byte as it was at the first commit, and its image, declares the
  rollback (revert: from 3.3.0, reason, at), renders, checks clean and
  commits; ``check`` and ``render --check`` are then clean, and the rendered
  Rollout's pod template is the one rendered for 3.2.0 at the first commit;
- a label-only rollback (the version set back by hand, artifact, digest and
  image left at 3.3.0's) fails MR-RBK-006, naming the three fields;
- ``--to`` a version that never ran there is refused (exit 2), and one that
  runs in the promotion source is called a promotion;
- a model that ran no other version (its first release) is refused;
- ``--dry-run`` writes nothing and prints the rendered diff and the budget;
- KServe churn-predictor goes back in three commits: currentStep 0 first
  (canaryTrafficPercent 0 rendered), then the version with the traffic still
  held, then the traffic on the restored revision.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
import yaml

from testing import promoted as rollback_repo
from testing.git import git
from testing.repo import replace_once

if TYPE_CHECKING:
    from pathlib import Path

NOW = rollback_repo.NOW
SPEC = "environments/prod/fraud-detector.yaml"
ROLLOUT = "rendered/prod/fraud-detector/rollout.yaml"


invoke = rollback_repo.invoke


def model_block(text: str) -> str:
    """The text of a spec's ``model:`` mapping (its line and the indented
    lines under it)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line == "  model:\n")
    end = next(
        i
        for i in range(start + 1, len(lines))
        if lines[i].strip()
        and not lines[i].startswith("    ")
        and not lines[i].lstrip().startswith("#")
    )
    return "".join(lines[start:end])


def pod_template(root: Path, path: str = ROLLOUT) -> dict[str, object]:
    docs = list(yaml.safe_load_all((root / path).read_text(encoding="utf-8")))
    (rollout,) = [d for d in docs if d and d.get("kind") == "Rollout"]
    template: dict[str, object] = rollout["spec"]["template"]
    return template


@pytest.fixture(scope="module")
def promoted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rollback_repo.built(tmp_path_factory, "rollback")


@pytest.fixture
def repo(promoted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return rollback_repo.clone(promoted, tmp_path, monkeypatch)


def test_rollback_restores_exactly_what_ran_and_checks_clean(repo: Path) -> None:
    base = git(repo, "rev-list", "--max-parents=0", "HEAD")
    old_spec = git(repo, "show", f"{base}:{SPEC}") + "\n"
    git(repo, "checkout", "-q", base)
    old_template = pod_template(repo)
    git(repo, "checkout", "-q", "main")
    assert pod_template(repo) != old_template  # 3.3.0 runs now

    start = time.perf_counter()
    done = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--root", str(repo),
        "--commit", "--reason", "accuracy fell to 0.86 (INC-123)", "--now", NOW,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    assert done.exit_code == 0, done.output
    assert seconds < 60

    new_spec = (repo / SPEC).read_text(encoding="utf-8")
    assert model_block(new_spec) == model_block(old_spec)  # byte for byte
    data = yaml.safe_load(new_spec)["spec"]
    old = yaml.safe_load(old_spec)["spec"]
    assert data["serving"]["image"] == old["serving"]["image"]
    assert data["rollback"]["revert"] == {
        "from": "3.3.0",
        "reason": "accuracy fell to 0.86 (INC-123)",
        "at": "2026-11-22T00:00:00Z",
    }
    assert data["rollback"]["previousVersion"] == old["rollback"]["previousVersion"]
    # committed, clean, and what ran is what runs: the same pod template
    assert git(repo, "status", "--porcelain") == ""
    subject = git(repo, "log", "-1", "--format=%s")
    assert subject == "revert(prod): roll back fraud-detector 3.3.0 -> 3.2.0"
    assert pod_template(repo) == old_template
    docs = yaml.safe_load_all((repo / ROLLOUT).read_text(encoding="utf-8"))
    (rollout,) = [d for d in docs if d and d.get("kind") == "Rollout"]
    assert rollout["spec"]["rollbackWindow"] == {"revisions": 3}
    checked = invoke(
        "check", "--root", str(repo), "--now", NOW, "--today", "2026-11-22"
    )
    assert checked.exit_code == 0, checked.output
    assert invoke("render", "--check", "--root", str(repo)).exit_code == 0
    # the body says what goes back, why, and that it ran here before
    assert "Rollback: fraud-detector 3.3.0 to 3.2.0 in prod" in done.output
    assert "INC-123" in done.output
    assert "Evidence: it ran here before" in done.output


def test_a_label_only_rollback_fails_integrity(repo: Path) -> None:
    spec = repo / SPEC
    replace_once(spec, 'version: "3.3.0"', 'version: "3.2.0"')
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace(
            "    previousVersion:",
            '    revert: {from: "3.3.0", reason: by hand}\n    previousVersion:',
            1,
        ),
        encoding="utf-8",
    )
    done = invoke("check", "--root", str(repo), "--now", NOW, "--today", "2026-11-22")
    assert done.exit_code == 1, done.output
    (line,) = [line for line in done.output.splitlines() if "MR-RBK-006" in line]
    for field in ("artifact", "digest", "image"):
        assert field in line


def test_a_version_that_never_ran_is_refused(repo: Path) -> None:
    done = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--to", "3.0.0",
        "--root", str(repo), "--now", NOW,
    )  # fmt: skip
    assert done.exit_code == 2
    assert "3.0.0 never ran in prod" in done.output
    assert "Traceback" not in done.output


def test_a_version_of_the_promotion_source_is_a_promotion(repo: Path) -> None:
    # staging moves on to 3.4.0, which prod never ran: going there is a promotion
    replace_once(
        repo / "environments/staging/fraud-detector.yaml",
        'version: "3.3.0"',
        'version: "3.4.0"',
    )
    done = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--to", "3.4.0",
        "--root", str(repo), "--now", NOW,
    )  # fmt: skip
    assert done.exit_code == 2
    assert "it runs in staging" in done.output
    assert "modelrail promote fraud-detector --to prod" in done.output
    assert (
        git(repo, "status", "--porcelain", "--", "environments/prod", "rendered") == ""
    )


def test_a_rollback_never_goes_forward(repo: Path) -> None:
    """Rolled back once, there is nothing further back (3.2.0 was the first),
    and the version it left is a promotion away, not a rollback."""
    first = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--root", str(repo),
        "--commit", "--now", NOW,
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    again = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--root", str(repo),
        "--now", NOW,
    )  # fmt: skip
    assert again.exit_code == 2
    assert "nothing to roll back to" in again.output
    forward = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--to", "3.3.0",
        "--root", str(repo), "--now", NOW,
    )  # fmt: skip
    assert forward.exit_code == 2
    assert "3.3.0 is above 3.2.0, which prod runs: going there is a promotion" in (
        forward.output
    )
    assert git(repo, "status", "--porcelain") == ""


def test_a_first_release_has_nothing_to_roll_back_to(repo: Path) -> None:
    done = invoke(
        "rollback", "product-recommender", "--env", "prod", "--root", str(repo),
        "--now", NOW,
    )  # fmt: skip
    assert done.exit_code == 2
    assert "nothing to roll back to" in done.output


def test_dry_run_writes_nothing(repo: Path) -> None:
    before = (repo / SPEC).read_text(encoding="utf-8")
    done = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--root", str(repo),
        "--dry-run", "--now", NOW,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (repo / SPEC).read_text(encoding="utf-8") == before
    assert git(repo, "status", "--porcelain") == ""
    assert f"+++ b/{SPEC}" in done.output
    assert f"+++ b/{ROLLOUT}" in done.output
    assert "time budget:" in done.output
    assert "1d of pauses" in done.output
    assert "15m" in done.output


def test_kserve_goes_back_in_three_changes(repo: Path) -> None:
    spec = "environments/prod/churn-predictor.yaml"
    isvc = "rendered/prod/churn-predictor/inferenceservice.yaml"

    def step(
        expected_step: int | None, version: str, says: str = ""
    ) -> dict[str, object]:
        done = invoke(
            "rollback", "churn-predictor", "--env", "prod", "--root", str(repo),
            "--commit", "--now", NOW,
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert says in done.output
        assert git(repo, "status", "--porcelain") == ""  # committed, clean
        data = yaml.safe_load((repo / spec).read_text(encoding="utf-8"))["spec"]
        assert data["rollout"].get("currentStep") == expected_step
        assert data["model"]["version"] == version
        predictor: dict[str, object] = yaml.safe_load(
            (repo / isvc).read_text(encoding="utf-8")
        )["spec"]["predictor"]
        return predictor

    # 1: all traffic back to the previous revision, the version unchanged
    # (the next run is named with the version, so a --to given is not lost)
    first = step(0, "1.5.0", "--env prod --to 1.4.2' again to restore 1.4.2")
    assert first["canaryTrafficPercent"] == 0
    # 2: the version restored, the traffic still held on the previous revision
    assert step(0, "1.4.2")["canaryTrafficPercent"] == 0
    data = yaml.safe_load((repo / spec).read_text(encoding="utf-8"))["spec"]
    assert data["rollback"]["revert"]["from"] == "1.5.0"
    # 3: all traffic on the restored revision
    assert "canaryTrafficPercent" not in step(None, "1.4.2")
    subjects = git(repo, "log", "-3", "--format=%s").splitlines()
    assert subjects == [
        (
            "revert(prod): move churn-predictor's traffic to the restored 1.4.2 "
            "(rollback, step 3 of 3)"
        ),
        "revert(prod): roll back churn-predictor 1.5.0 -> 1.4.2 (step 2 of 3)",
        (
            "revert(prod): send churn-predictor's traffic back to the previous "
            "revision (rollback of 1.5.0, step 1 of 3)"
        ),
    ]
