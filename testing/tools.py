"""External tools: skip where absent, fail where CI requires them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

# The Alertmanager server is packaged under two names: Debian's
# prometheus-alertmanager installs /usr/bin/prometheus-alertmanager, upstream's
# release archives (and most other distributions) ship ``alertmanager``.
# amtool, its command-line client, has the one name everywhere.
ALERTMANAGER = ("prometheus-alertmanager", "alertmanager")
AMTOOL = "amtool"


def require_tool(name: str, *others: str) -> str:
    """The path of ``name`` (or of the first of ``others`` installed, for a
    tool packaged under several names); skips the test (or fails under
    MODELRAIL_REQUIRE_TOOLS=1) when none is."""
    # The virtualenv's own bin folder first: pytest may run as .venv/bin/python
    # without the venv on PATH.
    search = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    for candidate in (name, *others):
        path = shutil.which(candidate, path=search)
        if path is not None:
            return path
    names = " or ".join((name, *others))
    reason = f"{names} is not installed"
    if os.environ.get("MODELRAIL_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason}, and MODELRAIL_REQUIRE_TOOLS=1 requires it")
    pytest.skip(reason)
