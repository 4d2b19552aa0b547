"""The few git commands ``modelrail promote`` runs in the user's repository.

Reading: is this a git repository, which paths have uncommitted changes, does
a branch exist. Writing, only when asked (``--branch``, ``--commit``): create
a branch and switch to it, and commit exactly the paths given (other staged
changes stay staged, uncommitted). Never a push, a reset or a checkout of
files. A git command that fails is bad input (exit 2) with git's own words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.errors import UsageError
from modelrail.git import transport

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def inside(root: Path) -> bool:
    """Whether ``root`` is in the work tree of a git repository."""
    done = transport.run(root, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == b"true"


def has_commits(root: Path) -> bool:
    return transport.succeeds(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")


def dirty(root: Path, paths: Sequence[str]) -> list[str]:
    """Which of ``paths`` (files or folders, relative to ``root``) differ from
    HEAD, staged or not, or are untracked: git's ``--porcelain`` lines."""
    out = transport.text(
        root, "status", "--porcelain", "--untracked-files=all", "--", *paths
    )
    return [line for line in out.splitlines() if line.strip()]


def check_branch(root: Path, name: str) -> None:
    """Refuse a branch name git would refuse, or one that exists."""
    if not transport.succeeds(root, "check-ref-format", "--branch", name):
        raise UsageError(f"--branch {name!r} is not a valid git branch name")
    if transport.succeeds(
        root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}"
    ):
        raise UsageError(
            f"--branch {name!r} exists already; name a new branch (or delete the "
            f"old one: git branch -D {name})"
        )


def switch_new(root: Path, name: str) -> None:
    """Create branch ``name`` at HEAD and switch to it (the work tree stays)."""
    transport.text(root, "switch", "--quiet", "--create", name, writes=True)


def commit(root: Path, paths: Sequence[str], message: str) -> str:
    """Commit exactly ``paths`` (relative to ``root``; added, changed or
    removed) with ``message``; the new commit's id."""
    transport.text(root, "add", "--all", "--", *paths, writes=True)
    transport.text(
        root, "commit", "--quiet", "--file=-", "--", *paths, stdin=message, writes=True
    )
    return transport.text(root, "rev-parse", "HEAD").strip()


def current_branch(root: Path) -> str | None:
    """The branch checked out (None: a detached HEAD)."""
    name = transport.text(root, "branch", "--show-current").strip()
    return name or None


def switch(root: Path, name: str) -> None:
    """Switch back to branch ``name`` (the work tree follows it)."""
    transport.text(root, "switch", "--quiet", name, writes=True)


def branch_exists(root: Path, name: str) -> str | None:
    """The ref of branch ``name`` here or on a remote this clone knows
    (``refs/remotes/<remote>/<name>``), None when there is none."""
    out = transport.text(
        root, "for-each-ref", "--format=%(refname)", "refs/heads", "refs/remotes"
    )
    for ref in out.splitlines():
        if ref == f"refs/heads/{name}" or (
            ref.startswith("refs/remotes/") and ref.split("/", 3)[-1] == name
        ):
            return ref
    return None


def discard(root: Path, paths: Sequence[str]) -> None:
    """Put ``paths`` back as HEAD has them: edits undone, new files removed.
    Only for paths a command wrote after :func:`dirty` found them clean."""
    tracked = transport.text(root, "ls-files", "-z", "--", *paths)
    if tracked:  # the files HEAD has (a path HEAD lacks is no pathspec for it)
        transport.text(
            root, "checkout", "--quiet", "--pathspec-from-file=-",
            "--pathspec-file-nul", "--", stdin=tracked, writes=True,
        )  # fmt: skip
    transport.text(root, "clean", "--quiet", "--force", "-d", "--", *paths, writes=True)


def delete_branch(root: Path, name: str) -> None:
    transport.text(root, "branch", "--quiet", "--delete", "--force", name, writes=True)
