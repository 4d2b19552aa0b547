"""The few git commands ``modelrail promote`` runs in the user's repository.

Reading: is this a git repository, which paths have uncommitted changes, does
a branch exist. Writing, only when asked (``--branch``, ``--commit``): create
a branch and switch to it, and commit exactly the paths given (other staged
changes stay staged, uncommitted). Never a push, a reset or a checkout of
files. A git command that fails is bad input (exit 2) with git's own words.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from modelrail.errors import RepositoryError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def _run(
    cwd: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise RepositoryError(f"cannot run git: {exc}") from None


def _ok(cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = _run(cwd, *args, stdin=stdin)
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}"
        raise RepositoryError(f"git {args[0]} failed in {cwd}: {said}")
    return done.stdout


def inside(root: Path) -> bool:
    """Whether ``root`` is in the work tree of a git repository."""
    done = _run(root, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == "true"


def has_commits(root: Path) -> bool:
    return (
        _run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0
    )


def dirty(root: Path, paths: Sequence[str]) -> list[str]:
    """Which of ``paths`` (files or folders, relative to ``root``) differ from
    HEAD, staged or not, or are untracked: git's ``--porcelain`` lines."""
    out = _ok(root, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    return [line for line in out.splitlines() if line.strip()]


def check_branch(root: Path, name: str) -> None:
    """Refuse a branch name git would refuse, or one that exists."""
    if _run(root, "check-ref-format", "--branch", name).returncode != 0:
        raise UsageError(f"--branch {name!r} is not a valid git branch name")
    if (
        _run(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}").returncode
        == 0
    ):
        raise UsageError(
            f"--branch {name!r} exists already; name a new branch (or delete the "
            f"old one: git branch -D {name})"
        )


def switch_new(root: Path, name: str) -> None:
    """Create branch ``name`` at HEAD and switch to it (the work tree stays)."""
    _ok(root, "switch", "--quiet", "--create", name)


def commit(root: Path, paths: Sequence[str], message: str) -> str:
    """Commit exactly ``paths`` (relative to ``root``; added, changed or
    removed) with ``message``; the new commit's id."""
    _ok(root, "add", "--all", "--", *paths)
    _ok(root, "commit", "--quiet", "--file=-", "--", *paths, stdin=message)
    return _ok(root, "rev-parse", "HEAD").strip()
