"""The repositories of the diff tests: the bundled one committed on ``main``
(the base), and a copy of it per test (its working tree to edit)."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from testing.diffing import LONG_AGO, commit_all
from testing.git import hermetic
from testing.repo import copy_repo

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled repository committed on main (copied by each test)."""
    folder = tmp_path_factory.mktemp("committed")
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, folder)
        patch.setenv("GIT_AUTHOR_DATE", LONG_AGO)
        patch.setenv("GIT_COMMITTER_DATE", LONG_AGO)
        root = copy_repo(folder / "repo", templates=True)
        commit_all(root)
    return root


@pytest.fixture
def repo(committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = tmp_path / "repo"
    shutil.copytree(committed, root, symlinks=True)
    return root
