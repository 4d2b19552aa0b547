"""The repository at a base commit, materialised read-only in a folder.

``git archive`` writes the folders modelrail reads (environments/,
policies/, schemas/, render/) as a tar stream; it reads objects and writes
nothing to the repository, its work tree or its index. The stream is
unpacked member by member, and only what a checkout of those folders could
hold is accepted: regular files, folders, and symbolic links that stay inside
the folder (Python's ``data`` extraction filter). An absolute path, a ``..``
or a link out of the folder is refused as :class:`UnsafeBase`.

``git archive`` honours ``export-ignore`` and ``export-subst`` attributes of
the base: a repository that sets them on these folders is materialised as it
would be exported.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path, PurePosixPath

from modelrail.errors import ModelrailError, RepositoryError
from modelrail.git import transport
from modelrail.repository.layout import INPUTS

FOLDERS = INPUTS
# what a failure here most likely means: the base's objects are not all there
_HINT = "is the base's history complete? fetch it, or clone with full history"


class UnsafeBase(ModelrailError):
    """The base holds a path that cannot be materialised safely."""


def materialise(cwd: Path, commit: str, prefix: str, dest: Path) -> tuple[str, ...]:
    """Unpack ``FOLDERS`` of the modelrail repository at ``prefix`` (relative to
    the git top level, ``""`` or ``"sub/"``) of ``commit`` into ``dest``; the
    folders found there, sorted. Git runs in ``cwd``, a folder of the
    repository."""
    # from the top level: in a sub-folder, ls-tree and archive would read
    # paths relative to it
    shown = transport.text(cwd, "rev-parse", "--show-toplevel", hint=_HINT)
    top = Path(shown.rstrip("\n"))
    tree = f"{commit}:{prefix.rstrip('/')}"
    present = _folders(top, tree)
    if not present:
        return ()
    data = transport.data(
        top, "archive", "--format=tar", tree, "--", *present, hint=_HINT
    )
    _extract(data, dest, present)
    return present


def _folders(cwd: Path, tree: str) -> tuple[str, ...]:
    listing = transport.data(cwd, "ls-tree", "-z", tree, hint=_HINT).decode(
        "utf-8", "replace"
    )
    found = []
    for entry in filter(None, listing.split("\0")):
        info, _, name = entry.partition("\t")
        if name in FOLDERS and info.split(" ")[1:2] == ["tree"]:
            found.append(name)
    return tuple(sorted(found))


def _extract(data: bytes, dest: Path, allowed: tuple[str, ...]) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            members = archive.getmembers()
            for member in members:
                _vet(member, allowed)
            _unpack(archive, members, data, dest)
    except tarfile.TarError as exc:
        raise UnsafeBase(f"cannot unpack the base safely: {exc}") from exc
    except OSError as exc:
        raise RepositoryError(
            f"cannot unpack the base into {dest}: {exc.strerror or exc}"
        ) from exc


def _unpack(
    archive: tarfile.TarFile, members: list[tarfile.TarInfo], data: bytes, dest: Path
) -> None:
    """Extract ``members`` as the ``data`` filter extracts them. Each member
    is vetted by that filter first (a path or link out of ``dest`` raises);
    folders and regular files, thousands of them, are then written here
    straight from the archive's bytes (``extractall`` spent more than its
    reading on bookkeeping per member), links by ``extractall`` last."""
    root = os.path.realpath(dest)
    links = []
    made: set[str] = set()
    for member in members:
        safe = tarfile.data_filter(member, root)
        path = os.path.join(root, safe.name)
        if safe.isdir():
            os.makedirs(path, exist_ok=True)
            made.add(path)
        elif safe.isfile():
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            start = member.offset_data
            fd = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644
            )
            try:
                view = memoryview(data)[start : start + member.size]
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        else:
            links.append(member)
    if links:
        archive.extractall(dest, members=links, filter="data")


def _vet(member: tarfile.TarInfo, allowed: tuple[str, ...]) -> None:
    path = PurePosixPath(member.name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or path.parts[0] not in allowed
    ):
        raise UnsafeBase(f"the base holds the path {member.name!r}, refused")
    if not (member.isfile() or member.isdir() or member.issym()):
        raise UnsafeBase(
            f"the base holds {member.name!r}, which is neither a file, a folder "
            "nor a symbolic link"
        )
