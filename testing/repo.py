"""Copies of the bundled repository to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_repo(target: Path, *, templates: bool = False) -> Path:
    """The bundled schemas, environments and policies, copied under ``target``
    (and ``render/``, the render templates, with ``templates=True``)."""
    target.mkdir(parents=True, exist_ok=True)
    folders = ["schemas", "environments", "policies"]
    if templates:
        folders.append("render")
    for folder in folders:
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


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
