"""Helpers for the diff tests (tests/diffing/): the fixed clock, the promotion
of prod's fraud-detector, ``diff`` run on a repository, and what ``modelrail
render`` changes.

The repositories themselves (the bundled one committed on ``main``, a copy of
it per test) are the fixtures of ``tests/diffing/conftest.py``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from click.testing import CliRunner

from modelrail.check.runner import Options
from modelrail.cli import main
from modelrail.diffing.core import diff
from modelrail.diffing.results import ADDED, CHANGED, REMOVED
from modelrail.repository.layout import Repository
from testing.git import git
from testing.repo import bundled, replace_once

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.diffing.results import Result


TODAY = datetime.date(2026, 11, 21)


NOW = datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)


# the base is committed well before NOW: staging's 3.3.0 has soaked there
LONG_AGO = "2026-11-01T00:00:00Z"


PROD = "environments/prod/fraud-detector.yaml"


STAGING_KSERVE = "environments/staging/churn-predictor.yaml"


# prod's fraud-detector as bundled, and what staging runs (the promotion)
PROMOTION = {
    'version: "3.2.0"   #': 'version: "3.3.0"   #',
    "fraud-detector/3.2.0/model.onnx": "fraud-detector/3.3.0/model.onnx",
    "sha256:23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c": (
        "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
    ),
    "sha256:48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0": (
        "sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b"
    ),
    'previousVersion: "3.1.4"': 'previousVersion: "3.2.0"',
}


def commit_all(top: Path, message: str = "base") -> None:
    if not (top / ".git").exists():
        git(top, "-c", "init.defaultBranch=main", "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)


def run(root: Path, ref: str = "main", envs: tuple[str, ...] = ()) -> Result:
    options = Options(today=TODAY, now=NOW)
    return diff(Repository(root), ref, envs=envs, options=options)


def promote(root: Path) -> None:
    for old, new in PROMOTION.items():
        replace_once(root / PROD, old, new)


def render_changes(root: Path, out: Path) -> dict[str, str]:
    """What ``modelrail render`` changes in the bundled rendered/ (the base's
    render, kept up to date by ``render --check``): path -> state. A folder's
    ``render.sum`` is left out, as ``diff`` leaves it out."""
    result = CliRunner().invoke(
        main, ["render", "--root", str(root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    before = tree(bundled() / "rendered")
    after = tree(out)
    return {
        path: ADDED if path not in before else REMOVED if path not in after else CHANGED
        for path in sorted({*before, *after})
        if before.get(path) != after.get(path) and not path.endswith("/render.sum")
    }


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


def states(result: Result) -> dict[str, str]:
    return {r.path: r.state for r in result.resources}
