"""ruff and mypy are part of the suite, so CI holds the code to them."""

from __future__ import annotations

import subprocess

import pytest

from testing.repo import ROOT
from testing.tools import require_tool


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: list[str]) -> None:
    tool = require_tool(command[0])
    result = subprocess.run(
        [tool, *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
