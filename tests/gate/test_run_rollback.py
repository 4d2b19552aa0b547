"""The gate on a declared rollback: it returns to what ran in the target
environment, so it needs no evidence from the promotion source, and it never
fails for lack of it (the sources are not even asked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from click.testing import CliRunner

from modelrail.cli import main
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing answers there


def test_a_declared_rollback_passes_without_asking_the_sources(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    replace_once(
        repo / "environments" / "prod" / "fraud-detector.yaml",
        '    previousVersion: "3.1.4"\n',
        '    previousVersion: "3.1.4"\n'
        '    revert: {from: "3.3.0", reason: "accuracy fell (INC-123)"}\n',
    )
    done = CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(repo),
         "--prometheus", CLOSED, "--registry", CLOSED, "--retries", "0",
         "--format", "markdown"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "declared rollback" in done.output
    assert "3.3.0 -\\> 3.2.0" in done.output or "3.3.0 -> 3.2.0" in done.output
    assert "no evidence from staging is needed" in done.output


def test_without_a_rollback_the_sources_are_asked(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    done = CliRunner().invoke(
        main,
        ["gate", "fraud-detector", "--env", "prod", "--root", str(repo),
         "--prometheus", CLOSED, "--registry", CLOSED, "--retries", "0",
         "--timeout", "2"],
    )  # fmt: skip
    assert done.exit_code == 2, done.output
