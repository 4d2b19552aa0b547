"""The digests an attestation names: a folder of files, as one SHA-256.

A folder's digest is in-toto's ``dirHash`` (the DigestSet algorithms of
in-toto/attestation ``spec/v1/digest_set.md``): the SHA-256 of the
``sha256sum`` listing of its files, one line ``<sha256 of the file>  <path>``
per file, the paths relative to the folder and sorted byte by byte. In a
shell, from inside the folder::

    find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum | sha256sum

docs/attestation.md says which folders an attestation digests, and why.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from modelrail.errors import RepositoryError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path


def file_digests(
    folder: Path, *, keep: Callable[[str], bool] = lambda path: True
) -> dict[str, str]:
    """The SHA-256 of each file under ``folder`` that ``keep`` accepts, by its
    path relative to ``folder`` (forward slashes); ``__pycache__`` is never
    read. A folder that is not there holds no file."""
    out: dict[str, str] = {}
    for here, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in names:
            path = os.path.join(here, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            if not keep(relative):
                continue
            try:
                with open(path, "rb") as handle:
                    out[relative] = hashlib.file_digest(handle, "sha256").hexdigest()
            except OSError as exc:
                raise RepositoryError(
                    f"cannot read {path}: {exc.strerror or exc}"
                ) from exc
    return out


def listing(files: Mapping[str, str]) -> str:
    """The ``sha256sum`` output for ``files`` (path -> hex), sorted as
    ``LC_ALL=C sort`` sorts the paths."""
    ordered = sorted(files, key=lambda path: path.encode("utf-8"))
    return "".join(f"{files[path]}  {path}\n" for path in ordered)


def tree_digest(files: Mapping[str, str]) -> str:
    """The folder's digest: the SHA-256 (hex) of its ``listing``."""
    return hashlib.sha256(listing(files).encode("utf-8")).hexdigest()
