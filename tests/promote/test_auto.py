"""Which promotions are due (``modelrail.promote.auto``): the opt-in, the
version order, the soak (against a history double), the hold a rollback
leaves, the branches under way. End to end in real git repositories:
``tests/cli/test_promote_auto.py``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import pytest

from modelrail.git.history import Entry
from modelrail.promote.auto import Candidate, Target, held, judge, targets
from modelrail.repository.layout import Repository
from testing.git import git, hermetic
from testing.history import StaticHistory
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

ENTERED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
PROD = Target("prod", "staging", "24h")


def env(promotion: dict[str, Any] | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"tier": "staging"}
    if promotion is not None:
        spec["promotion"] = promotion
    return {"spec": spec}


def test_only_the_environments_that_opt_in() -> None:
    found, left = targets(
        {
            "dev": env(None),
            "test": env({"from": "dev", "soak": "2h", "auto": True}),
            "staging": env({"from": "test", "soak": "12h"}),
            "prod": env({"from": "staging", "soak": "24h", "auto": False}),
        }
    )
    assert found == [Target("test", "dev", "2h")]
    assert left == []


def test_an_environment_named_says_why_it_is_left_out() -> None:
    environments = {
        "staging": env({"from": "test"}),
        "prod": env({"from": "staging", "auto": True}),
    }
    found, left = targets(environments, "staging")
    assert found == []
    assert left == [
        (
            "staging: does not opt in to automatic promotion "
            "(spec.promotion.auto: true in its environment.yaml)"
        )
    ]
    assert targets(environments, "prod") == ([Target("prod", "staging", None)], [])


def test_a_source_that_is_no_environment() -> None:
    found, left = targets({"prod": env({"from": "staging", "auto": True})})
    assert found == []
    assert left == ["prod: its promotion source 'staging' is no environment"]


def test_the_hold_says_how_to_lift_it() -> None:
    revert = {"from": "3.3.0", "reason": "INC-1", "at": "2026-11-12T09:30:00Z"}
    assert held("prod", "fraud-detector", revert) == (
        "held since the rollback from 3.3.0 at 2026-11-12T09:30:00Z: remove "
        "spec.rollback.revert from environments/prod/fraud-detector.yaml to lift "
        "it (or promote by hand)"
    )
    assert held("prod", "x", {"from": "1.0.0", "reason": "r"}).startswith(
        "held since the rollback from 1.0.0: remove"
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repository:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "repo")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return Repository(root)


def history(**entered: datetime.datetime) -> StaticHistory:
    """A history where each staging model (``fraud_detector=...``) entered
    staging at the moment given."""
    versions = {"fraud-detector": "3.3.0", "churn-predictor": "1.5.0"}
    return StaticHistory(
        entries={
            ("staging", name.replace("_", "-"), versions[name.replace("_", "-")]): (
                Entry("c" * 40, when)
            )
            for name, when in entered.items()
        }
    )


def verdicts(repo: Repository, hist: StaticHistory, hours: int) -> dict[str, str]:
    now = ENTERED + datetime.timedelta(hours=hours)
    return {v.model: v.skip or "due" for v in judge(repo, PROD, hist, now)}


def test_due_after_the_soak_only(repo: Repository) -> None:
    hist = history(fraud_detector=ENTERED, churn_predictor=ENTERED)
    early = verdicts(repo, hist, 23)
    assert early["fraud-detector"] == (
        "3.3.0 soaking in staging since 2026-11-01T00:00:00Z (commit cccccccccccc, "
        "23h); prod needs 24h: due at 2026-11-02T00:00:00Z"
    )
    assert early["product-recommender"] == "prod runs 2.4.1 already"
    assert verdicts(repo, hist, 24) == {
        "churn-predictor": "due",
        "fraud-detector": "due",
        "product-recommender": "prod runs 2.4.1 already",
        "support-assistant": "prod runs 1.8.0 already",
    }


def test_a_version_not_committed_in_the_source_has_not_begun(repo: Repository) -> None:
    found = verdicts(repo, history(churn_predictor=ENTERED), 48)
    assert found["fraud-detector"] == (
        "3.3.0 is not committed in staging yet: its soak has not begun"
    )
    assert found["churn-predictor"] == "due"


def test_the_verdict_names_its_branch(repo: Repository) -> None:
    now = ENTERED + datetime.timedelta(days=2)
    found = judge(repo, PROD, history(fraud_detector=ENTERED), now)
    (due,) = (v for v in found if v.due)
    assert due == Candidate("prod", "fraud-detector", "staging", "3.2.0", "3.3.0")
    assert due.branch == "promote/prod/fraud-detector"


def test_a_rollback_holds(repo: Repository) -> None:
    replace_once(
        repo.environments_dir / "prod" / "fraud-detector.yaml",
        "  rollback:\n",
        '  rollback:\n    revert: {from: "3.3.0", reason: "INC-1"}\n',
    )
    found = verdicts(repo, history(fraud_detector=ENTERED), 48)
    assert found["fraud-detector"].startswith("held since the rollback from 3.3.0:")


def test_a_lower_or_unordered_version_is_no_promotion(repo: Repository) -> None:
    spec = repo.environments_dir / "staging" / "fraud-detector.yaml"
    text = spec.read_text()
    spec.write_text(text.replace('version: "3.3.0"', 'version: "3.1.0"', 1))
    found = verdicts(repo, history(), 48)
    assert found["fraud-detector"] == (
        "staging runs 3.1.0, not a version above prod's 3.2.0"
    )
    spec.write_text(text.replace('version: "3.3.0"', 'version: "nightly"', 1))
    found = verdicts(repo, history(), 48)
    assert found["fraud-detector"] == (
        "staging runs nightly, not a version above prod's 3.2.0"
    )


def test_a_model_new_to_the_target_enters_by_hand(repo: Repository) -> None:
    (repo.environments_dir / "prod" / "fraud-detector.yaml").unlink()
    found = verdicts(repo, history(fraud_detector=ENTERED), 48)
    assert found["fraud-detector"] == (
        "not in prod yet: a new model enters by hand "
        "(modelrail promote fraud-detector --to prod)"
    )


def test_a_file_name_that_is_no_model_name_stays_out_of_branch_names(
    repo: Repository,
) -> None:
    staging = repo.environments_dir / "staging"
    (staging / "Bad..Name.yaml").write_text(
        (staging / "fraud-detector.yaml").read_text()
    )
    found = verdicts(repo, history(fraud_detector=ENTERED), 48)
    assert found["Bad..Name"] == (
        "its file name is not a model name (a DNS label): left alone"
    )


def test_a_branch_under_way(repo: Repository) -> None:
    git(repo.root, "branch", "promote/prod/fraud-detector")
    git(repo.root, "branch", "rollback/prod/churn-predictor")
    found = verdicts(repo, history(fraud_detector=ENTERED, churn_predictor=ENTERED), 48)
    assert found["fraud-detector"] == (
        "a promotion of it is under way (refs/heads/promote/prod/fraud-detector)"
    )
    assert found["churn-predictor"] == (
        "a rollback of it is under way (refs/heads/rollback/prod/churn-predictor)"
    )
