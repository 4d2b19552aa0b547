"""A folder's digest: in-toto's dirHash, the SHA-256 of its sha256sum listing."""

from __future__ import annotations

import hashlib
import subprocess
from typing import TYPE_CHECKING

from modelrail.repository.digests import file_digests, listing, tree_digest

if TYPE_CHECKING:
    from pathlib import Path


def test_the_listing_is_sha256sum_output_in_byte_order() -> None:
    files = {"b.yaml": "2" * 64, "a/z.yaml": "1" * 64, "B.yaml": "3" * 64}
    assert listing(files) == (
        f"{'3' * 64}  B.yaml\n{'1' * 64}  a/z.yaml\n{'2' * 64}  b.yaml\n"
    )


def test_a_folder_digest_is_what_the_shell_line_prints(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_bytes(b"kind: A\n")
    (tmp_path / "sub" / "b.yaml").write_bytes(b"kind: B\n")
    (tmp_path / "Z.yaml").write_bytes(b"")
    files = file_digests(tmp_path)
    assert files == {
        "a.yaml": hashlib.sha256(b"kind: A\n").hexdigest(),
        "sub/b.yaml": hashlib.sha256(b"kind: B\n").hexdigest(),
        "Z.yaml": hashlib.sha256(b"").hexdigest(),
    }
    shell = subprocess.run(
        "find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum "
        "| sha256sum | cut -f1 -d' '",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert tree_digest(files) == shell.stdout.strip()


def test_pycache_and_filtered_files_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "m.pyc").write_bytes(b"x")
    (tmp_path / "m.py").write_bytes(b"x")
    (tmp_path / "notes.txt").write_bytes(b"x")
    assert set(file_digests(tmp_path)) == {"m.py", "notes.txt"}
    kept = file_digests(tmp_path, keep=lambda p: p.endswith(".py"))
    assert set(kept) == {"m.py"}


def test_a_missing_folder_holds_no_file(tmp_path: Path) -> None:
    assert file_digests(tmp_path / "none") == {}
