"""``modelrail promote --auto`` with the gate on (its default), against a real
Prometheus and MLflow server: a promotion whose gate passes is committed on
its branch with the evidence in its body; one whose gate fails is not, and
leaves nothing behind, while the run goes on (exit 1).

The copy's staging fraud-detector names the lab's registry entry; its
churn-predictor has no record in the lab, so its gate fails. Both entered
staging a day and an hour before the lab's moment (the soak is met).
"""

from __future__ import annotations

import datetime
import subprocess
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from tests.gate import lab
from tests.gate.test_cli import AT, register

from modelrail.cli import main
from testing.git import commit_at, git, hermetic
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.tool

ENTERED = (lab.AT - datetime.timedelta(hours=25)).isoformat().replace("+00:00", "Z")


def test_only_what_passes_the_gate_is_committed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prometheus_url: str,
    mlflow_server: str,
) -> None:
    register(mlflow_server, "auto-gate-good")
    hermetic(monkeypatch, tmp_path)
    repo = copy_repo(tmp_path / "repo", templates=True)
    replace_once(
        repo / "environments" / "staging" / "fraud-detector.yaml",
        'registry: {name: fraud-detector, version: "21"}',
        'registry: {name: auto-gate-good, version: "2"}',
    )
    prod = repo / "environments" / "prod" / "environment.yaml"
    replace_once(prod, "  promotion:\n", "  promotion:\n    auto: true\n")
    git(repo, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(repo, "base", ENTERED)
    result = CliRunner().invoke(
        main,
        ["promote", "--auto", "--root", str(repo), "--now", AT,
         "--prometheus", prometheus_url, "--registry", mlflow_server,
         "--body", str(tmp_path / "bodies")],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    said = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert said["prod/fraud-detector"] == (
        "promoted 3.2.0 -> 3.3.0 from staging on branch promote/prod/fraud-detector"
    )
    assert said["prod/churn-predictor"].startswith("not promoted (exit 1)")
    assert "gate: passed (exit 0)" in result.stderr
    assert "gate: failed (exit 1)" in result.stderr
    branches = git(repo, "branch", "--format=%(refname:short)").split()
    assert sorted(branches) == ["main", "promote/prod/fraud-detector"]
    body = (tmp_path / "bodies" / "prod" / "fraud-detector.md").read_text()
    assert "modelrail gate: `fraud-detector` 3.3.0 into prod: passed" in body
    assert not (tmp_path / "bodies" / "prod" / "churn-predictor.md").exists()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert status.stdout == ""
