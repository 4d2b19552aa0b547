"""Helpers for the render tests: repositories to render, the real command, trees.

A stable, small API (other test modules import it):

- ``make_repo(target)``: a writable copy of the bundled repository that can be
  rendered (schemas, environments, policies and ``render/`` templates);
- ``render_repo(root, out=None, *args)``: ``modelrail render --root root
  [--out out] args...`` as a real subprocess, its ``CompletedProcess``;
- ``read_tree(folder)``: every file under a folder, relative POSIX path -> bytes;
- ``clone_spec(repo, env, base, name)``: a copy of a bundled spec under a new name.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from testing.repo import ROOT, copy_repo

__all__ = [
    "ROOT",
    "clone_spec",
    "make_repo",
    "modelrail_command",
    "read_tree",
    "render_repo",
]


def modelrail_command() -> list[str]:
    """The installed ``modelrail`` script of the interpreter running the tests
    (``.venv/bin/modelrail``), or ``python -m modelrail`` where there is none."""
    script = Path(sys.executable).parent / "modelrail"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "modelrail"]


def make_repo(target: Path) -> Path:
    """A copy of the bundled repository under ``target``, templates included."""
    return copy_repo(target, templates=True)


def render_repo(
    root: Path,
    out: Path | None = None,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``modelrail render`` on ``root`` in a subprocess (never raises on a
    non-zero exit: look at ``returncode``, ``stdout`` and ``stderr``)."""
    command = [*modelrail_command(), "render", "--root", str(root)]
    if out is not None:
        command += ["--out", str(out)]
    command += list(args)
    environ = dict(os.environ)
    environ.pop("MODELRAIL_DEBUG", None)
    if env:
        environ.update(env)
    return subprocess.run(
        command,
        cwd=cwd if cwd is not None else root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (relative POSIX path -> content);
    {} when the folder does not exist."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def clone_spec(repo: Path, env: str, base: str, name: str) -> Path:
    """``environments/<env>/<base>.yaml`` copied to ``<name>.yaml`` with its
    ``metadata.name`` changed to ``name`` (the spec stays schema-valid)."""
    folder = repo / "environments" / env
    text = (folder / f"{base}.yaml").read_text(encoding="utf-8")
    old = f"\n  name: {base}\n"
    assert text.count(old) == 1, f"{base}.yaml has no single metadata.name line"
    target = folder / f"{name}.yaml"
    target.write_text(text.replace(old, f"\n  name: {name}\n"), encoding="utf-8")
    return target
