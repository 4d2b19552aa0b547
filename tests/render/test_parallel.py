"""Rendering in several processes gives what one process gives, failures included."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from modelrail.render import parallel
from testing.render import clone_spec, make_repo, read_tree, render_repo

if TYPE_CHECKING:
    from pathlib import Path

MODELS = parallel.MIN_TASKS + 6  # enough that -j2 really forks


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("parallel") / "repo")
    for i in range(MODELS):
        clone_spec(repo, "dev", "fraud-detector", f"clone-{i:03d}")
    return repo


@pytest.mark.slow
def test_two_processes_render_the_same_bytes_as_one(
    big_repo: Path, tmp_path: Path
) -> None:
    one = render_repo(big_repo, tmp_path / "one", "--jobs", "1")
    two = render_repo(big_repo, tmp_path / "two", "--jobs", "2")
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert one.stdout.replace("/one/", "/two/") == two.stdout
    tree = read_tree(tmp_path / "one")
    assert len([p for p in tree if p.startswith("dev/clone-")]) >= MODELS * 9
    assert tree == read_tree(tmp_path / "two")


@pytest.mark.slow
def test_a_failure_in_a_worker_is_reported_as_one_process_reports_it(
    big_repo: Path, tmp_path: Path
) -> None:
    # a label modelrail sets itself: render refuses it (a SpecError in a worker)
    bad = big_repo / "environments" / "dev" / "clone-050.yaml"
    original = bad.read_text(encoding="utf-8")
    bad.write_text(
        original.replace(
            "\n  team: ", "\n  labels: {modelrail.io/team: x}\n  team: ", 1
        ),
        encoding="utf-8",
    )
    try:
        one = render_repo(big_repo, tmp_path / "one", "--jobs", "1")
        two = render_repo(big_repo, tmp_path / "two", "--jobs", "2")
    finally:
        bad.write_text(original, encoding="utf-8")
    assert one.returncode == two.returncode == 2
    assert one.stderr == two.stderr
    assert "environments/dev/clone-050.yaml:" in two.stderr
    assert "modelrail.io/team" in two.stderr
    assert "Traceback" not in two.stderr
    assert not (tmp_path / "two").exists()


def test_few_tasks_run_in_this_process() -> None:
    seen: list[int] = []

    def record(task: int, state: None) -> int:
        seen.append(task)  # a list of this process: only filled in-process
        return task * 2

    assert parallel.run(record, list(range(5)), None, jobs=2) == {
        i: i * 2 for i in range(5)
    }
    assert seen == list(range(5))


def _dies_in_a_worker(task: int, parent: int) -> int:
    if task == 77 and os.getpid() != parent:
        os._exit(137)  # as the OOM killer would end it
    return task


def test_a_worker_that_dies_does_not_hang_the_render() -> None:
    tasks = list(range(2 * parallel.MIN_TASKS))
    result = parallel.run(_dies_in_a_worker, tasks, os.getpid(), jobs=2)
    assert result == {task: task for task in tasks}
