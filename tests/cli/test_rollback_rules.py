"""A declared rollback end to end: ``check --base`` in real git repositories
(issue 17).

The fixture repository is committed on main with staging running
fraud-detector 3.3.0 and churn-predictor 1.5.0; two days later production's
promotion of both (``modelrail promote``'s text) is merged. Each test then
writes a rollback by hand (``testing.rollback``: the ``spec.model`` mapping
and image text of the first commit put back, ``rollback.revert`` declared)
and runs ``check --base main`` an hour later. Proven here:

- a declared rollback passes: not held by the soak, the source running the
  version or the chain (staging may run another version, or have gone back
  itself an hour ago);
- the rules about what runs still hold it: an image from a registry the
  environment no longer allows is MR-SEC-005; a rollback that is not
  declared is MR-PROM-004; one that leaves ``previousVersion`` at the version
  it restores is MR-RBK-004 (the restored spec must name its own way back:
  the rollback puts back the ``previousVersion`` it had, too);
- KServe's two changes both pass: ``currentStep: 0`` on the version being
  rolled back, then the version restored with full traffic (with
  ``currentStep: 0`` kept, then a third change to full traffic, as well).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing import rollback
from testing.git import commit_at, git, hermetic
from testing.promote import run
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

FRAUD = "environments/prod/fraud-detector.yaml"
CHURN = "environments/prod/churn-predictor.yaml"
STAGING = "environments/staging/fraud-detector.yaml"
BASE_TIME = "2026-11-01T08:00:00Z"
PROMOTED = "2026-11-03T08:00:00Z"  # 48 h of staging: the promotion passed
NOW = "2026-11-03T09:00:00Z"  # an hour later, the incident
FINDING = re.compile(r"^(\S+):(\d+):(\d+): (\w+) \[(MR-[A-Z0-9]+-\d{3})\] (.*)$")
CLEAN = "checked 4 files in 4 environments: no problems\n"


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_repo(tmp_path / "repo")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(root, "the fixture repository", BASE_TIME)
    git(root, "tag", "ran")
    for name, path in (("fraud-detector", FRAUD), ("churn-predictor", CHURN)):
        (root / path).write_text(run(name).text, encoding="utf-8")
    commit_at(root, "promote fraud-detector 3.3.0, churn-predictor 1.5.0", PROMOTED)
    return root


def ran(root: Path, path: str) -> str:
    """The spec at the first commit, where production ran 3.2.0 and 1.4.2."""
    return git(root, "show", f"ran:{path}") + "\n"


def edit(root: Path, path: str, *edits: Callable[[str], str]) -> None:
    text = (root / path).read_text(encoding="utf-8")
    for change in edits:
        text = change(text)
    (root / path).write_text(text, encoding="utf-8")


def check(root: Path) -> Result:
    return CliRunner().invoke(
        main, ["check", "--root", str(root), "--base", "main", "--now", NOW]
    )


def rules(result: Result) -> list[tuple[str, str]]:
    """(file, rule) of each finding."""
    assert "Traceback" not in result.output
    out = []
    for line in result.stdout.splitlines()[:-1]:
        match = FINDING.match(line)
        assert match, line
        out.append((match.group(1), match.group(5)))
    return out


def roll_back_fraud(root: Path, *, previous: str | None = "3.1.4") -> None:
    """3.3.0 back to 3.2.0, declared; ``previous``: the previousVersion put
    back with it (None: left as the promotion wrote it)."""
    edits = [
        lambda t: rollback.restore(t, ran(root, FRAUD)),
        lambda t: rollback.declare(t, "3.3.0"),
    ]
    if previous is not None:
        edits.append(lambda t: rollback.previous_version(t, previous))
    edit(root, FRAUD, *edits)


def test_a_declared_rollback_passes(repo: Path) -> None:
    roll_back_fraud(repo)
    result = check(repo)
    assert result.exit_code == 0, result.output
    assert result.stdout == CLEAN


def test_not_held_by_the_soak_of_a_staging_that_moved_on(repo: Path) -> None:
    """Staging moved on to 3.3.1 half an hour ago and never ran 3.2.0 (a
    rollback there would be MR-RBK-006's: it returns only to what ran): prod's
    rollback neither waits for a soak in staging nor asks staging to run it."""
    edit(
        repo,
        STAGING,
        lambda t: t.replace('version: "3.3.0"', 'version: "3.3.1"', 1),
        lambda t: rollback.previous_version(t, "3.3.0"),
    )
    commit_at(repo, "staging: 3.3.1", "2026-11-03T08:30:00Z")
    roll_back_fraud(repo)
    result = check(repo)
    assert result.exit_code == 0, result.output


def test_an_undeclared_rollback_is_mr_prom_004_alone(repo: Path) -> None:
    edit(
        repo,
        FRAUD,
        lambda t: rollback.restore(t, ran(repo, FRAUD)),
        lambda t: rollback.previous_version(t, "3.1.4"),
    )
    assert rules(check(repo)) == [(FRAUD, "MR-PROM-004")]


def test_previous_version_must_name_the_way_back(repo: Path) -> None:
    """Left as the promotion wrote it, previousVersion is the version the
    rollback restores: nothing to go back to from there."""
    roll_back_fraud(repo, previous=None)
    result = check(repo)
    assert rules(result) == [(FRAUD, "MR-RBK-004")]
    assert "previousVersion '3.2.0' is the version being deployed" in result.stdout


def test_a_registry_no_longer_allowed_is_refused(repo: Path) -> None:
    """The platform moved production to a new registry after the promotion
    (the running image was copied there): the rollback's image, from the old
    one, is refused as any image would be."""
    env = repo / "environments/prod/environment.yaml"
    replace_once(
        env, "    - registry.example.com/ml/\n", "    - registry.example.com/ml-v2/\n"
    )
    replace_once(
        repo / FRAUD, "registry.example.com/ml/", "registry.example.com/ml-v2/"
    )
    commit_at(repo, "prod: the ml-v2 registry", "2026-11-03T08:10:00Z")
    roll_back_fraud(repo)
    result = check(repo)
    assert rules(result) == [(FRAUD, "MR-SEC-005")]
    assert "registry.example.com/ml/fraud-detector@sha256:48aae3" in result.stdout


def kserve_phase_1(root: Path) -> None:
    edit(root, CHURN, lambda t: rollback.current_step(t, 0))


def kserve_phase_2(root: Path, *, step: int | None = None) -> None:
    edit(
        root,
        CHURN,
        lambda t: rollback.restore(t, ran(root, CHURN)),
        lambda t: rollback.declare(t, "1.5.0"),
        lambda t: rollback.previous_version(t, "1.4.0"),
        lambda t: rollback.current_step(t, step),
    )


def test_kserve_rollback_in_two_changes(repo: Path) -> None:
    kserve_phase_1(repo)
    first = check(repo)
    assert first.exit_code == 0, first.output
    commit_at(repo, "churn-predictor: all traffic back", "2026-11-03T08:40:00Z")
    kserve_phase_2(repo)
    second = check(repo)
    assert second.exit_code == 0, second.output
    assert second.stdout == CLEAN


def test_kserve_rollback_keeping_step_0_then_full_traffic(repo: Path) -> None:
    """Phase 2 may keep currentStep 0 (the traffic stays on the last revision
    rolled out while the restored one starts), and a third change take it to
    full traffic: the same model."""
    kserve_phase_1(repo)
    commit_at(repo, "churn-predictor: all traffic back", "2026-11-03T08:40:00Z")
    kserve_phase_2(repo, step=0)
    assert check(repo).exit_code == 0
    commit_at(repo, "churn-predictor: 1.4.2 restored", "2026-11-03T08:50:00Z")
    edit(repo, CHURN, lambda t: rollback.current_step(t, None))
    result = check(repo)
    assert result.exit_code == 0, result.output


def test_kserve_version_back_without_a_declaration_is_held(repo: Path) -> None:
    """Undeclared, 1.4.2 at full traffic is a downgrade (MR-PROM-004) and a new
    revision that skips its canary (MR-ROLL-011)."""
    kserve_phase_1(repo)
    commit_at(repo, "churn-predictor: all traffic back", "2026-11-03T08:40:00Z")
    edit(
        repo,
        CHURN,
        lambda t: rollback.restore(t, ran(repo, CHURN)),
        lambda t: rollback.previous_version(t, "1.4.0"),
        lambda t: rollback.current_step(t, None),
    )
    assert sorted(rules(check(repo))) == [
        (CHURN, "MR-PROM-004"),
        (CHURN, "MR-ROLL-011"),
    ]
