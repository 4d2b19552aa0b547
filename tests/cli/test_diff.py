"""``modelrail diff`` end to end, in real git repositories.

Each test copies the bundled repository, commits it on ``main`` with git
itself and edits the working tree. Proven here:

- a promotion prints the model as promoted and the unified diffs; exit 0
  (1 with ``--exit-code``); an unchanged tree prints "no differences", exit 0
  even with ``--exit-code``;
- ``--format markdown --output FILE`` writes the comment to the file, nothing
  to stdout, and a one-line summary to stderr;
- two processes with different hash seeds print the same bytes;
- a ref that is not a commit, no git repository, a shallow clone, an unknown
  environment, a missing ``--base`` and a working tree that does not render
  are exit 2 with a clear message and no traceback; a template that breaks
  on the working tree is exit 3.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from modelrail.diffing import FORMATS
from modelrail.diffing import render as render_as
from testing.git import git, hermetic
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

PROD = "environments/prod/fraud-detector.yaml"
# fixed dates, and a base committed long before them (staging's soak is met)
WHEN = ["--today", "2026-11-21", "--now", "2026-11-21T00:00:00Z"]
LONG_AGO = "2026-11-01T00:00:00Z"


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled repository committed on main (copied by each test)."""
    folder = tmp_path_factory.mktemp("committed")
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, folder)
        root = copy_repo(folder / "repo", templates=True)
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
        git(root, "add", "-A")
        patch.setenv("GIT_AUTHOR_DATE", LONG_AGO)
        patch.setenv("GIT_COMMITTER_DATE", LONG_AGO)
        git(root, "commit", "-q", "-m", "base")
    return root


@pytest.fixture
def repo(committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = tmp_path / "repo"
    shutil.copytree(committed, root, symlinks=True)
    return root


def diff(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["diff", "--root", str(root), *WHEN, *args])


def promote(root: Path) -> None:
    replace_once(root / PROD, 'version: "3.2.0"   #', 'version: "3.3.0"   #')
    replace_once(
        root / PROD,
        "fraud-detector/3.2.0/model.onnx",
        "fraud-detector/3.3.0/model.onnx",
    )
    replace_once(
        root / PROD,
        "sha256:23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c",
        "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7",
    )
    replace_once(
        root / PROD,
        "sha256:48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0",
        "sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b",
    )
    # as promote writes it: what prod ran is the version to return to
    replace_once(root / PROD, 'previousVersion: "3.1.4"', 'previousVersion: "3.2.0"')


def test_every_format_renders_and_no_other() -> None:
    from modelrail.diffing.results import Result, SideInfo

    empty = Result("main", SideInfo("main"), SideInfo("working tree"), (), (), (), ())
    for fmt in FORMATS:
        assert isinstance(render_as(empty, fmt), str)
    with pytest.raises(ValueError, match="unknown diff format"):
        render_as(empty, "html")


def test_a_promotion_is_shown_and_exit_code_says_it_differs(repo: Path) -> None:
    promote(repo)
    result = diff(repo, "--base", "main", "--env", "prod", "--exit-code")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("modelrail diff: main (")
    assert lines[0].endswith(") -> working tree")
    assert "  prod/fraud-detector: promoted 3.2.0 -> 3.3.0" in lines
    # +10 -10: the model's values, labels, digest and image, and the
    # service.version in OTEL_RESOURCE_ATTRIBUTES
    assert "    ~ rollout.yaml (Rollout fraud-detector) +10 -10" in lines
    assert "--- a/rendered/prod/fraud-detector/rollout.yaml" in lines
    assert "policy results" not in result.stdout  # a clean promotion
    again = diff(repo, "--base", "main", "--env", "prod")
    assert again.exit_code == 0
    assert again.stdout == result.stdout


def test_no_differences_is_exit_0_even_with_exit_code(repo: Path) -> None:
    result = diff(repo, "--base", "main", "--env", "dev", "--exit-code")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(") -> working tree: no differences\n")


def test_markdown_to_a_file(repo: Path, tmp_path: Path) -> None:
    promote(repo)
    out = tmp_path / "comment.md"
    result = diff(
        repo, "--base", "main", "-e", "prod", "-f", "markdown", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"wrote {out}: 14 rendered file(s) and 0 policy result(s) differ\n"
    )
    comment = out.read_text(encoding="utf-8")
    assert comment.startswith("### modelrail diff: `main (")
    assert (
        "| `prod` | `fraud-detector` | promoted `3.2.0` → `3.3.0` | 14 changed |"
        in (comment)
    )
    assert comment.count("<details>") == 14


def test_two_processes_print_the_same_bytes(repo: Path) -> None:
    promote(repo)
    replace_once(repo / PROD, "      minReplicas: 3\n", "      minReplicas: 1\n")
    outputs = []
    for seed in ("0", "1"):
        done = subprocess.run(
            [sys.executable, "-m", "modelrail", "diff", "--base", "main", *WHEN,
             "--env", "prod", "--format", "markdown"],
            cwd=repo,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert b"| new | error | `MR-OPS-006` |" in outputs[0]


def test_a_ref_that_is_not_a_commit_is_exit_2(repo: Path) -> None:
    result = diff(repo, "--base", "nosuchref")
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: --base 'nosuchref' is not a commit")


def test_outside_git_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "plain", templates=True)
    result = diff(root, "--base", "main")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "is not in a git repository" in line


def test_a_shallow_clone_is_exit_2(repo: Path, tmp_path: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    result = diff(clone, "--base", "HEAD")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert "shallow" in line
    assert "Traceback" not in result.output


def test_unknown_environment_and_missing_base_are_exit_2(repo: Path) -> None:
    unknown = diff(repo, "--base", "main", "--env", "qa")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("error: unknown environment 'qa'")
    missing = CliRunner().invoke(main, ["diff", "--root", str(repo)])
    assert missing.exit_code == 2
    assert "Missing option '--base'" in missing.stderr


def test_a_working_tree_that_does_not_render_is_exit_2(repo: Path) -> None:
    replace_once(repo / PROD, "    port: 8080\n", "    port: [8080]\n")
    result = diff(repo, "--base", "main")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{PROD}:" in result.stderr
    assert "error: 1 problem(s) in the input" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_template_that_breaks_is_exit_3(repo: Path) -> None:
    replace_once(
        repo / "render/templates/service.yaml.j2",
        "  type: ClusterIP\n",
        "  type: {{ nothing.there }}\n",
    )
    result = diff(repo, "--base", "main", "--env", "prod")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("template error: ")
    assert "service.yaml.j2" in result.stderr
