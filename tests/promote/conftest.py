"""The fixtures of the promote tests (their helpers: ``testing/promote.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from testing.promote import run

if TYPE_CHECKING:
    from modelrail.promote.edit import Promotion


@pytest.fixture(scope="module")
def fraud() -> Promotion:
    return run("fraud-detector")
