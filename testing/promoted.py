"""A repository to roll back in: the tests' repository committed on main at
``OLD``, then fraud-detector 3.3.0 and churn-predictor 1.5.0 promoted from
staging into prod with ``modelrail promote`` and committed at ``PROMOTED``
(after their soak). What ran in prod before (3.2.0, 1.4.2) is in its history.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.git import commit_at, git
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
