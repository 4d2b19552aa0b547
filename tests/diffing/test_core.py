"""``modelrail.diffing.core``: ``diff``, the repository at a base ref against
the working tree.

Every test runs on a real git repository: a copy of the bundled repository
committed on ``main`` (the base), then edited in its working tree (the
fixtures: ``conftest.py``; the helpers: ``testing/diffing.py``). Proven here:

- an unchanged working tree gives no differences; the work tree and the index
  are left as they were; the same inputs give byte-identical output;
- a base without modelrail (no environments/) is all added; a base holding a
  link out of the repository is refused, not followed; a ref that is not a
  commit, or no git repository, is ``RepositoryError``; a repository in a
  subfolder of its git repository reads its base there.

What the base is unpacked from: tests/git/test_snapshot.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from modelrail.diffing import markdown, text
from modelrail.diffing.results import ADDED
from modelrail.errors import RepositoryError
from testing.diffing import STAGING_KSERVE, commit_all, promote, run
from testing.git import git, hermetic
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path


# --- no differences, read-only, determinism -----------------------------------


def test_an_unchanged_working_tree_has_no_differences(repo: Path) -> None:
    status = git(repo, "status", "--porcelain", "--ignored")  # refreshes the index
    index = (repo / ".git/index").read_bytes()
    result = run(repo)
    assert not result.differs
    assert (result.apps, result.resources, result.findings) == ((), (), ())
    commit = git(repo, "rev-parse", "main")
    assert text.render(result) == (
        f"modelrail diff: main ({commit[:12]}) -> working tree: no differences\n"
    )
    assert "No differences" in markdown.render(result)
    # nothing was written to the repository, its work tree or its index
    assert (repo / ".git/index").read_bytes() == index
    assert git(repo, "status", "--porcelain", "--ignored") == status


def test_the_same_inputs_give_the_same_bytes(repo: Path) -> None:
    promote(repo)
    replace_once(
        repo / STAGING_KSERVE, "    currentStep: 2   #", "    currentStep: 3   #"
    )
    envs = ("prod", "staging")
    first, second = run(repo, envs=envs), run(repo, envs=envs)
    assert first == second
    assert text.render(first) == text.render(second)
    assert markdown.render(first) == markdown.render(second)


# --- an unsafe base, bad refs -------------------------------------------------


def test_a_base_without_modelrail_is_all_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "repo"
    top.mkdir()
    (top / "README.md").write_text("before modelrail\n")
    commit_all(top, "before")
    copy_repo(top, templates=True)
    result = run(top)
    assert result.base.error == "there is no environments/ folder at the base"
    assert {a.state for a in result.apps} == {ADDED}
    assert len(result.apps) == 16


def test_a_base_with_a_link_out_of_the_repository_is_refused(repo: Path) -> None:
    link = repo / "environments/prod/evil.yaml"
    link.symlink_to("/etc/passwd")
    commit_all(repo, "a link out")
    link.unlink()
    result = run(repo)
    assert result.base.error.startswith("cannot unpack the base safely")
    assert {a.state for a in result.apps} == {ADDED}


def test_a_ref_that_is_not_a_commit_is_a_repository_error(repo: Path) -> None:
    with pytest.raises(RepositoryError, match="'nosuchref' is not a commit"):
        run(repo, "nosuchref")


def test_outside_git_is_a_repository_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "plain", templates=True)
    with pytest.raises(RepositoryError, match="not in a git repository"):
        run(root)


def test_a_repository_in_a_subfolder_reads_the_base_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "top"
    root = copy_repo(top / "ml" / "deploy", templates=True)
    commit_all(top)
    promote(root)
    result = run(root, envs=("prod",))
    assert [a.label for a in result.apps] == ["promoted 3.2.0 -> 3.3.0"]
    assert result.base.notes == ()
