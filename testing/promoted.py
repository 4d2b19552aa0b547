"""A repository to roll back in: the tests' repository committed on main at
``OLD``, then fraud-detector 3.3.0 and churn-predictor 1.5.0 promoted from
staging into prod with ``modelrail promote`` and committed at ``PROMOTED``
(after their soak). What ran in prod before (3.2.0, 1.4.2) is in its history.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.git import commit_at, git, hermetic
from testing.repo import bundled, copy_repo

if TYPE_CHECKING:
    from pathlib import Path

OLD = "2026-11-01T00:00:00Z"
PROMOTED = "2026-11-21T00:00:00Z"
NOW = "2026-11-22T00:00:00Z"
PROMOTED_MODELS = ("fraud-detector", "churn-predictor")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def promoted(root: Path) -> Path:
    """Build the repository at ``root`` (git must be hermetic already)."""
    copy_repo(root, templates=True)
    shutil.copytree(bundled() / "rendered", root / "rendered")
    rendered = invoke("render", "--root", str(root), "-j", "1")
    assert rendered.exit_code == 0, rendered.output
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(root, "base", OLD)
    for model in PROMOTED_MODELS:
        done = invoke(
            "promote", model, "--to", "prod", "--root", str(root), "--now", PROMOTED
        )
        assert done.exit_code == 0, done.output
    commit_at(root, "promote " + " and ".join(PROMOTED_MODELS), PROMOTED)
    return root


def built(factory: pytest.TempPathFactory, name: str) -> Path:
    """:func:`promoted` in a new folder of the session (a module fixture's)."""
    top = factory.mktemp(name)
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, top)
        return promoted(top / "repo")


def clone(origin: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone of ``origin`` in ``folder`` for one test, on its own main."""
    hermetic(monkeypatch, folder)
    root = folder / "repo"
    git(folder, "clone", "-q", str(origin), str(root))
    git(root, "checkout", "-q", "-B", "main", "origin/main")
    return root
