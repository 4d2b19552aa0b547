"""Render models in several processes (fork), with the result of one.

Each model's folder depends on nothing but its spec, its environment and the
templates, so models are independent tasks. Workers are forked after the
inputs are loaded: they inherit the loaded documents, compiled templates and
schema validators, and receive only task numbers. Results come back in task
order, so the output is byte-identical to a run in one process.

A worker that dies (killed for memory, say) breaks the pool: the tasks are
then run in this process instead, never waited on for ever. A task that fails
in a worker (a spec error, an invalid manifest, a template
that breaks) is not sent back as an exception, whose pickling can lose its
details: the parent runs the first failing task again itself and lets it
raise, exactly as a single-process render would.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

MIN_TASKS = 64  # below this, starting processes costs more than it saves
_CHUNK = 32
_JOB: tuple[Callable[[Any, Any], Any], Sequence[Any], Any] | None = None


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run(
    func: Callable[[T, S], R], tasks: Sequence[T], state: S, jobs: int
) -> dict[T, R]:
    """``{task: func(task, state)}`` for every task, in ``jobs`` processes."""
    if jobs <= 1 or len(tasks) < MIN_TASKS or not _can_fork():
        return {task: func(task, state) for task in tasks}
    global _JOB
    _JOB = (func, tasks, state)
    chunks = [
        range(i, min(i + _CHUNK, len(tasks))) for i in range(0, len(tasks), _CHUNK)
    ]
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=context) as pool:
            parts = list(pool.map(_work, chunks))
    except BrokenProcessPool:
        # a worker died (the OOM killer, say): do it all here instead
        return {task: func(task, state) for task in tasks}
    finally:
        _JOB = None
    results: dict[T, R] = {}
    for chunk, part in zip(chunks, parts, strict=True):
        for offset, index in enumerate(chunk):
            if offset < len(part) and part[offset][0]:
                results[tasks[index]] = part[offset][1]
            else:  # failed in the worker: here it raises as one process would
                results[tasks[index]] = func(tasks[index], state)
    return results


def _work(chunk: range) -> list[tuple[bool, Any]]:
    assert _JOB is not None  # set by run() before the fork
    func, tasks, state = _JOB
    out: list[tuple[bool, Any]] = []
    for index in chunk:
        try:
            out.append((True, func(tasks[index], state)))
        except Exception:  # noqa: BLE001 - the parent runs it again and reports
            out.append((False, None))
            break  # later tasks of the chunk are not needed
    return out


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
