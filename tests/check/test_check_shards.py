"""``check.shards``: tasks in forked processes, results as one process gives.

Proven: results come back in task order whatever the number of processes;
a task that raises in a child is run again here, in task order, so the
first task to fail raises exactly as it would in one process (and a task
that fails here waits for the children); ``finish`` runs in each child, not
in this process; a child that dies leaves its share to this process.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from modelrail.check import shards

if TYPE_CHECKING:
    from pathlib import Path


def _pid_and_square(task: int) -> tuple[int, int]:
    return os.getpid(), task * task


@pytest.mark.parametrize("jobs", [1, 2, 3, 8])
def test_results_in_task_order(jobs: int) -> None:
    results = shards.run(_pid_and_square, list(range(50)), jobs)
    assert [square for _, square in results] == [n * n for n in range(50)]
    pids = {pid for pid, _ in results}
    assert len(pids) == min(jobs, 50)  # every share ran somewhere else
    assert os.getpid() in pids  # this process takes the first share


def test_no_tasks_no_processes() -> None:
    assert shards.run(_pid_and_square, [], 4) == []


class Boom(Exception):
    pass


def _fails_on(bad: set[int], log: Path | None = None):  # type: ignore[no-untyped-def]
    def func(task: int) -> int:
        if log is not None:
            with log.open("a") as out:
                out.write(f"{os.getpid()} {task}\n")
        if task in bad:
            raise Boom(f"task {task}")
        return task

    return func


@pytest.mark.parametrize("jobs", [1, 2, 3])
@pytest.mark.parametrize("bad", [{5}, {6}, {4, 7}, {9, 2}])
def test_the_first_failing_task_raises(jobs: int, bad: set[int]) -> None:
    with pytest.raises(Boom) as raised:
        shards.run(_fails_on(bad), list(range(10)), jobs)
    assert str(raised.value) == f"task {min(bad)}"


def test_a_failure_in_a_child_is_run_again_here(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(Boom, match="task 3"):
        shards.run(_fails_on({3}, log), list(range(6)), 2)
    runs = [line.split() for line in log.read_text().splitlines()]
    # task 3 is the child's (odd tasks): it failed there, then here
    assert [pid for pid, task in runs if task == "3"][-1] == str(os.getpid())
    assert sum(task == "3" for _, task in runs) == 2


def test_finish_runs_in_each_child(tmp_path: Path) -> None:
    marks = tmp_path / "finished"
    marks.mkdir()

    def finish() -> None:
        (marks / str(os.getpid())).touch()

    results = shards.run(_pid_and_square, list(range(9)), 3, finish=finish)
    children = {pid for pid, _ in results} - {os.getpid()}
    assert {int(p.name) for p in marks.iterdir()} == children


def _dies_in_child(parent: int):  # type: ignore[no-untyped-def]
    def func(task: int) -> int:
        if os.getpid() != parent:
            os._exit(9)  # killed, say for memory
        return task

    return func


def test_a_dead_child_leaves_its_share_here() -> None:
    assert shards.run(_dies_in_child(os.getpid()), list(range(7)), 2) == list(range(7))
