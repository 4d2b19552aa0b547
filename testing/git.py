"""Real git repositories for tests: hermetic, with a fixed identity."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def hermetic(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Git as on a fresh machine: an identity from the environment, no
    system or user config, no repository above ``folder``."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(folder))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Modelrail Tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@example.com")
    for name in ("XDG_CONFIG_HOME", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in ``cwd`` (with ``env`` added to the environment); its output,
    stripped (a failure raises)."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env} if env else None,
    )
    return done.stdout.strip()


def commit_at(root: Path, message: str, when: str) -> str:
    """Commit everything in ``root`` as made at ``when`` (ISO 8601): soak
    times are measured from commit dates. The new commit's id."""
    dates = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, env=dates)
    return git(root, "rev-parse", "HEAD")
