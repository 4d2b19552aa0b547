"""``modelrail promote --gate``: the gate's evidence in the pull-request body,
and no commit when it does not pass (a real Prometheus and MLflow server).

The copy's staging spec names the lab's registry entry, so the promotion
copies it to prod as ``modelrail promote`` does with any staging spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result
from tests.gate.test_cli import AT, register

from modelrail.cli import main
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.tool


def staged(tmp_path: Path, name: str) -> Path:
    repo = copy_repo(tmp_path / "repo", templates=True)
    replace_once(
        repo / "environments" / "staging" / "fraud-detector.yaml",
        'registry: {name: fraud-detector, version: "21"}',
        f'registry: {{name: {name}, version: "2"}}',
    )
    return repo


def promote(repo: Path, prometheus: str, registry: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["promote", "fraud-detector", "--to", "prod", "--root", str(repo),
         "--now", AT, *args, "--prometheus", prometheus, "--registry", registry],
    )  # fmt: skip


def test_the_gate_evidence_is_in_the_body(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    register(mlflow_server, "promote-gate-good")
    repo = staged(tmp_path, "promote-gate-good")
    result = promote(repo, prometheus_url, mlflow_server, "--gate")
    assert result.exit_code == 0, result.output
    body = result.stdout
    assert "### Gate evidence" in body
    assert "#### " in body  # the gate's own heading, one level down
    assert "modelrail gate: `fraud-detector` 3.3.0 into prod: passed" in body
    assert body.index("### Gate evidence") < body.index("### Policy results")
    # the gate's charts come along (issue 19): the lab's staging namespace
    # serves 3.3.0 and five other versions, summed as the stable
    assert "##### Charts" in body
    assert body.count("```mermaid\n") == 2
    assert "candidate 3.3.0 (red), stable 3.2.0, 3.3.1, 3.3.2 and 2 more (blue)" in body
    assert "gate: passed (exit 0)" in result.stderr


def test_a_failed_gate_means_exit_1(
    tmp_path: Path, prometheus_url: str, mlflow_server: str
) -> None:
    register(mlflow_server, "promote-gate-bad", version="3.2.9")  # not the spec's
    repo = staged(tmp_path, "promote-gate-bad")
    result = promote(repo, prometheus_url, mlflow_server, "--gate")
    assert result.exit_code == 1, result.output
    assert "into prod: failed" in result.stdout
    assert "gate: failed (exit 1)" in result.stderr


def test_urls_without_gate_are_refused(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo", templates=True)
    result = CliRunner().invoke(
        main,
        ["promote", "fraud-detector", "--to", "prod", "--root", str(repo),
         "--prometheus", "http://127.0.0.1:9"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "error: --prometheus and --registry go with --gate" in result.output
