"""The repository's own pre-commit hooks: local only, and passing on the
committed repository (run in a clone, so nothing here is rewritten)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testing.git import git, hermetic
from testing.repo import ROOT
from testing.tools import require_tool

CONFIG = ROOT / ".pre-commit-config.yaml"
HOOKS = {
    "ruff-check",
    "ruff-format",
    "mypy",
    "generated-docs",
    "modelrail-check",
    "modelrail-render-check",
}


def test_only_local_hooks() -> None:
    # `repo: local` hooks use the tools installed here: nothing is fetched.
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = config["repos"][0]["hooks"]
    assert {hook["id"] for hook in hooks} == HOOKS
    assert {hook["language"] for hook in hooks} == {"system"}


@pytest.mark.slow
def test_pre_commit_passes_on_the_committed_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pre_commit = require_tool("pre-commit")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git repository")
    head = git(ROOT, "rev-parse", "HEAD")
    hermetic(monkeypatch, tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    # The hooks run the committed engine on the committed content: the clone's
    # src/ comes before the editable install, and its tools (ruff, mypy,
    # modelrail, python) before anything else on PATH.
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONPATH": str(clone / "src"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
    }
    done = subprocess.run(
        [pre_commit, "run", "--all-files", "--show-diff-on-failure", "--color=never"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in (
        "ruff check",
        "ruff format",
        "mypy",
        "modelrail check",
        "modelrail render --check",
    ):
        assert any(
            line.startswith(hook) and line.endswith("Passed")
            for line in done.stdout.splitlines()
        ), f"{hook} did not pass:\n{done.stdout}"
    # Nothing was rewritten in the clone, and the repository itself is where
    # it was (the hooks ran in the clone only).
    assert git(clone, "status", "--porcelain") == ""
    assert git(ROOT, "rev-parse", "HEAD") == head
