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
  subfolder of its git repository reads its base there;
- the base is unpacked on tmpfs (/dev/shm) where it has room and neither
  ``TMPDIR``, ``TEMP`` nor ``TMP`` is set, in a folder of its own that is
  gone after; the working tree's check, made while the base is unpacked
  (before its render), gives the result a check made after its render
  gives, and steps aside where it would fork (a whole environment, many
  models) or fails.

What the base is unpacked from: tests/git/test_snapshot.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelrail.diffing import core, markdown, text
from modelrail.diffing.results import ADDED
from modelrail.errors import RepositoryError
from modelrail.git import snapshot
from testing.diffing import PROD, STAGING_KSERVE, commit_all, promote, run
from testing.git import git, hermetic
from testing.repo import copy_repo, replace_once

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


# --- where the base is unpacked, and the early check ---------------------------


def test_the_base_is_unpacked_on_tmpfs_where_there_is_room(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(core, "_SHM", str(shm))
    monkeypatch.setattr(core, "_SHM_ROOM", 1)
    assert core.scratch() == str(shm)
    monkeypatch.setattr(core, "_SHM_ROOM", 1 << 62)  # no room that big
    assert core.scratch() is None
    monkeypatch.setattr(core, "_SHM_ROOM", 1)
    for name in ("TMPDIR", "TEMP", "TMP"):  # the user's choice wins
        monkeypatch.setenv(name, str(tmp_path))
        assert core.scratch() is None
        monkeypatch.delenv(name)
    monkeypatch.setattr(core, "_SHM", str(tmp_path / "none"))  # not Linux's
    assert core.scratch() is None


def test_a_diff_unpacks_its_base_in_the_scratch_folder_and_leaves_it_empty(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shm = tmp_path / "shm"
    shm.mkdir()
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(core, "_SHM", str(shm))
    monkeypatch.setattr(core, "_SHM_ROOM", 0)
    seen: list[Path] = []
    real = snapshot.materialise

    def recording(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        seen.append(Path(args[3]))
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshot, "materialise", recording)
    promote(repo)
    result = run(repo, envs=("prod",))
    assert [a.label for a in result.apps] == ["promoted 3.2.0 -> 3.3.0"]
    assert [p.parent for p in seen] == [shm]
    assert list(shm.iterdir()) == []


def test_the_early_check_gives_the_result_a_late_one_gives(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelrail.check import runner

    promote(repo)
    replace_once(repo / PROD, "    port: 8080\n", "    port: 8081\n")
    events: list[str] = []
    real_run, real_head = runner.run, core.head_side

    def checking(root: Any, *args: Any, **kwargs: Any) -> Any:
        events.append("check working tree" if root.root == repo else "check base")
        return real_run(root, *args, **kwargs)

    def head(*args: Any, **kwargs: Any) -> Any:
        events.append("render working tree")
        return real_head(*args, **kwargs)

    monkeypatch.setattr(runner, "run", checking)
    monkeypatch.setattr(core, "head_side", head)
    early = run(repo)
    # checked before its render (while the base unpacked), and only then
    assert events == ["check working tree", "render working tree", "check base"]
    monkeypatch.setattr(core, "_early_check", lambda *_: None)
    late = run(repo)
    assert early == late
    assert text.render(early) == text.render(late)
    assert early.findings or early.apps  # the change shows


def test_the_early_check_steps_aside_where_it_would_fork_or_fails(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelrail.check import runner
    from modelrail.check.runner import Options
    from modelrail.git.changes import scope
    from modelrail.repository.layout import Repository

    repository = Repository(repo)

    def options(*paths: str) -> Options:
        return Options(changes=scope(list(paths)))

    assert core._early_check(repository, (), Options()) is None  # everything
    assert core._early_check(repository, (), options(PROD)) is not None
    whole = options("environments/prod/environment.yaml")
    assert core._early_check(repository, (), whole) is None  # a whole environment
    many = options(*(f"environments/prod/m{i}.yaml" for i in range(60)))
    assert core._early_check(repository, (), many) is None  # would fork

    def failing(*_: Any, **__: Any) -> Any:
        raise RuntimeError("policies broken")

    monkeypatch.setattr(runner, "run", failing)
    # head_side checks again, after its render, and raises in that order
    assert core._early_check(repository, (), options(PROD)) is None
