"""The verdict on this repository's content: not a test of the tool.

Every other test of tests/ tests the tool, on repositories the tests own
(``tests/fixtures/repo/``, see ``testing/repo.py``). This file alone runs
modelrail on the live ``environments/``, ``policies/profiles.yaml``, waivers and
``rendered/``, as ``make run`` does, so that CI judges them. When it fails, the
content needs a fix: a spec, a waiver, a profile, or ``rendered/`` and the
generated docs left behind; its message names the command that shows what.
"""

from __future__ import annotations

import subprocess
import sys

from scripts import docs
from testing.repo import ROOT


def _modelrail(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "modelrail", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_verdict_on_this_repositorys_content() -> None:
    """`modelrail check` and `modelrail render --check` on the live content."""
    check = _modelrail("check")
    assert check.returncode == 0, (
        "the content of this repository fails modelrail check "
        "(run `make run` to see why):\n" + check.stdout + check.stderr
    )
    render = _modelrail("render", "--check")
    assert render.returncode == 0, (
        "rendered/ is not what the specs render to (run `modelrail render`):\n"
        + render.stdout
        + render.stderr
    )


def test_generated_docs_describe_this_repositorys_policies_and_profiles() -> None:
    assert docs.stale(ROOT) == [], "run python scripts/docs.py and commit the docs"
