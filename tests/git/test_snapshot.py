"""``modelrail.git.snapshot``: the base commit, unpacked read-only.

Proven here:

- an archive member with an absolute path, a ``..`` or outside the folders
  modelrail reads is refused (``UnsafeBase``), and nothing is unpacked.

A base holding a link out of the repository, through ``diff``:
tests/diffing/test_core.py.
"""

from __future__ import annotations

import io
import tarfile
from typing import TYPE_CHECKING

import pytest

from modelrail.git import snapshot

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    "name", ["/etc/cron.d/x", "environments/../../x", "elsewhere/x.yaml"]
)
def test_unsafe_archive_members_are_refused(tmp_path: Path, name: str) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        member = tarfile.TarInfo(name)
        member.size = 1
        archive.addfile(member, io.BytesIO(b"x"))
    with pytest.raises(snapshot.UnsafeBase, match="refused"):
        snapshot._extract(data.getvalue(), tmp_path / "out", ("environments",))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
