"""External tools: skip where absent, fail where CI requires them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    """The path of ``name``; skips the test (or fails under MODELRAIL_REQUIRE_TOOLS=1)."""
    # The virtualenv's own bin folder first: pytest may run as .venv/bin/python
    # without the venv on PATH.
    search = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    path = shutil.which(name, path=search)
    if path is None:
        reason = f"{name} is not installed"
        if os.environ.get("MODELRAIL_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{reason}, and MODELRAIL_REQUIRE_TOOLS=1 requires it")
        pytest.skip(reason)
    return path
