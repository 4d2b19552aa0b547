"""scripts/compare-commits.py on a repository of its own: the tool's src/,
schemas, policies and templates with the tests' fixture environments (never
the live ones), rendered and committed; then a commit that changes one string
of src/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from testing.git import commit_at, git, hermetic
from testing.repo import ROOT, copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT = ROOT / "scripts" / "compare-commits.py"
SUMMARY = "src/modelrail/reporters/text.py"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "repo", templates=True)
    shutil.copytree(
        ROOT / "src", root / "src", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [sys.executable, "-m", "modelrail", "render", "--root", str(root)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(root, "base", "2026-11-01T00:00:00Z")
    return root


def compare(repo: Path, *revisions: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--repo", str(repo), *revisions],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


def verdicts(stdout: str) -> dict[str, str]:
    """Output name -> "same" or "DIFFERS", from the script's report."""
    found = {}
    for line in stdout.splitlines():
        verdict, _, name = line.partition("  ")
        if verdict in ("same", "DIFFERS"):
            found[name.strip()] = verdict
    return found


@pytest.mark.slow
def test_a_commit_is_the_same_as_itself(repo: Path) -> None:
    result = compare(repo, "HEAD", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert set(found.values()) == {"same"}
    assert {
        "help.promote", "check.sarif", "render", "committed-rendered", "promote",
        "promote.commits", "diff.markdown", "check-base.json",
    } <= set(found)  # fmt: skip
    assert "0 of " in result.stdout
    assert "model fraud-detector" in result.stdout


@pytest.mark.slow
def test_a_changed_string_in_src_is_named_with_its_diff(repo: Path) -> None:
    replace_once(
        repo / SUMMARY, 'return f"{head}: no problems"', 'return f"{head}: all clear"'
    )
    commit_at(repo, "reword the summary", "2026-11-02T00:00:00Z")
    result = compare(repo, "HEAD~1")  # AFTER: HEAD
    assert result.returncode == 1, result.stdout + result.stderr
    found = verdicts(result.stdout)
    assert found["check.text"] == "DIFFERS"
    # only what prints the text summary: the rest, commits included, is equal
    assert found["check.json"] == found["render"] == found["promote.commits"]
    assert found["promote.commits"] == found["diff.text"] == "same"
    assert "-checked 24 files in 4 environments: no problems" in result.stdout
    assert "+checked 24 files in 4 environments: all clear" in result.stdout


def test_an_unknown_revision_is_one_line_and_exit_2(repo: Path) -> None:
    result = compare(repo, "no-such-revision")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "'no-such-revision' is no commit of" in result.stderr
    assert "Traceback" not in result.stderr
