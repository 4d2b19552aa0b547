from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from testing.repo import bundled, copy_repo

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def root() -> Path:
    """The fixture repository the tests own, rendered (read-only in tests)."""
    return bundled()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the bundled schemas and environments."""
    return copy_repo(tmp_path / "repo")
