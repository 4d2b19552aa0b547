"""Run ``check``'s tasks in several processes (fork), with the result of one.

``render.parallel`` hands chunks to a pool; ``check`` needs two things more:
a worker must close what it opened (the ``git cat-file`` process of the
history the promotion rules read) before it exits, and the parent should not
sit idle on a two-core machine. So the tasks are dealt into ``jobs`` shares
(task ``i`` to share ``i % jobs``: neighbouring tasks cost alike, so the
shares do too); ``jobs - 1`` forked children each work through a share and
send back its results, pickled, through a pipe, while this process works
through the first share itself.

Results are returned in task order, so the output is byte-identical to a run
in one process. A task that raises in a child is not sent back (pickling an
exception can lose its details): the child stops there, and this process
runs that task and the rest of the share itself, in task order, so the first
to fail raises exactly as it would in one process. A child that dies (killed for memory, say) leaves
its share to this process too.
"""

from __future__ import annotations

import os
import pickle
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The CPUs this process may use (as ``render.parallel`` counts them,
    without importing ``multiprocessing``, which ``check`` does not need)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run(
    func: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    *,
    finish: Callable[[], None] | None = None,
) -> list[R]:
    """``[func(task) for task in tasks]``, in ``jobs`` processes.

    ``finish`` is called in each child once its share is done, before it
    exits (to close what the tasks opened there).
    """
    jobs = min(jobs, len(tasks))
    if jobs <= 1 or not hasattr(os, "fork"):
        return [func(task) for task in tasks]
    shares = [range(first, len(tasks), jobs) for first in range(jobs)]
    children = [_fork(func, tasks, share, finish) for share in shares[1:]]
    results: dict[int, Any] = dict(
        zip(shares[0], _work(func, tasks, shares[0]), strict=False)
    )
    for share, (pid, reader) in zip(shares[1:], children, strict=True):
        results.update(zip(share, _collect(pid, reader), strict=False))
    # a task that failed, and those after it in its share, run here in task
    # order: the first to fail raises, as it would in one process
    return [
        results[index] if index in results else func(task)
        for index, task in enumerate(tasks)
    ]


def _fork(
    func: Callable[[T], R],
    tasks: Sequence[T],
    share: range,
    finish: Callable[[], None] | None,
) -> tuple[int, int]:
    """Start a child working through ``share``: its pid and the pipe to read."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(writer)
        return pid, reader
    # the child: never returns, never runs the parent's exit handlers
    status = 1
    try:
        os.close(reader)
        done = _work(func, tasks, share)
        if finish is not None:
            finish()
        with os.fdopen(writer, "wb") as out:
            pickle.dump(done, out, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


def _work(func: Callable[[T], R], tasks: Sequence[T], share: range) -> list[R]:
    """The results of the tasks of ``share``, up to the first that fails."""
    done = []
    for index in share:
        try:
            done.append(func(tasks[index]))
        except Exception:  # noqa: BLE001 - run again in task order, where it raises
            break
    return done


def _collect(pid: int, reader: int) -> list[Any]:
    """What the child ``pid`` sent (an empty list when it died first)."""
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or not data:
        return []
    done: list[Any] = pickle.loads(data)  # our own child's results
    return done
