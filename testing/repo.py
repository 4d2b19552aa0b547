"""The repository the tests own, and copies of it to break on purpose.

Tests of the tool never read the team's live content (``environments/``,
``policies/profiles.yaml``, the waivers, ``rendered/``): a team's everyday pull
request must not fail them. They read ``FIXTURE``, a copy of the bundled
environments and profiles made once and owned by the tests from then on,
together with the tool's own parts from the working tree (``schemas/``, the
policy modules and ``policies/checklist.yaml``, ``render/`` templates). Only
``modelrail check`` and ``modelrail render --check`` judge the live content
(``make run``; ``tests/repo_files/test_live_repository.py``).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "repo"

_IGNORE = shutil.ignore_patterns("__pycache__")


def copy_repo(target: Path, *, templates: bool = False) -> Path:
    """The tool's schemas and policies with the fixture's environments and
    profiles, copied under ``target`` (and ``render/``, the render templates,
    with ``templates=True``)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "schemas", target / "schemas", ignore=_IGNORE)
    shutil.copytree(
        ROOT / "policies",
        target / "policies",
        ignore=shutil.ignore_patterns("__pycache__", "profiles.yaml"),
    )
    if templates:
        shutil.copytree(ROOT / "render", target / "render", ignore=_IGNORE)
    shutil.copytree(FIXTURE, target, dirs_exist_ok=True)
    return target


@functools.cache
def bundled() -> Path:
    """The fixture repository, assembled and rendered once per test run in a
    temporary folder (removed at exit): ``rendered/`` is what the tool renders
    the fixture's specs to. Read it; copy it (``copy_repo``) to change it."""
    base = Path(tempfile.mkdtemp(prefix="modelrail-bundled-"))
    atexit.register(shutil.rmtree, base, True)
    root = copy_repo(base / "repo", templates=True)
    subprocess.run(
        [sys.executable, "-m", "modelrail", "render", "--root", str(root)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return root


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old`` in ``path`` (which must hold it)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    """The 1-based line of the only line of ``path`` that contains ``fragment``.

    A fragment that starts with a space is anchored: the line must start with it,
    so ``"  name: x"`` finds metadata.name and not the deeper ``model.name``.
    """
    lines = [
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (line.startswith(fragment) if fragment.startswith(" ") else fragment in line)
    ]
    assert len(lines) == 1, f"{fragment!r} is on lines {lines} of {path}"
    return lines[0]
