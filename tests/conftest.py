from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from testing.repo import ROOT, copy_repo

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def root() -> Path:
    """The real repository (read-only in tests)."""
    return ROOT


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the bundled schemas and environments."""
    return copy_repo(tmp_path / "repo")
