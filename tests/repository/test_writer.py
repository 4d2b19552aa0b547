"""The writer: atomic for files, never replacing links or device nodes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from modelrail.repository.writer import write_atomic


def test_writes_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    write_atomic(target, "one\n")
    write_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.json"]


def test_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_device_is_written_in_place() -> None:
    write_atomic(Path(os.devnull), "discarded\n")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
