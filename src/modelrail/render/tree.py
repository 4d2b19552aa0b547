"""Put a rendered tree in place, whole, or compare it with what is there.

The new tree is written into a fresh folder next to the output folder, synced
to disk (one ``syncfs`` of the file system, not an ``fsync`` per file), then
swapped with the old one in a single ``renameat2(RENAME_EXCHANGE)`` system call
(Linux): a render killed at any moment leaves either the old tree or the new
one, never a mix. A file whose text is unchanged is hard-linked from the old
tree rather than written again: most renders change a few files of thousands. Where that call does not exist, the swap is two
renames, and a render that finds the old tree parked from an interrupted swap
puts it back first. Files of the old tree that the new one lacks are gone
after the swap: that is how a removed model disappears from ``rendered/``.

An output folder that exists, is not empty and holds no ``README.md`` written
by modelrail is refused: it is not ours to replace.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modelrail.errors import ModelrailError
from modelrail.render.renderer import MARKER, MARKER_TEXT

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_NEW = ".new-"
_OLD = ".old-"


@dataclass(frozen=True, slots=True)
class Difference:
    path: str  # relative to the output folder
    state: str  # changed | missing | extra


def existing(out: Path) -> dict[str, str]:
    """The files under ``out`` (relative paths, text); {} if it does not exist."""
    files: dict[str, str] = {}
    if not out.is_dir():
        return files
    for path in sorted(out.rglob("*")):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            try:
                # bytes as they are: a file whose line ends became CRLF differs
                with path.open(encoding="utf-8", newline="") as handle:
                    files[rel] = handle.read()
            except (OSError, UnicodeError) as exc:
                raise ModelrailError(f"cannot read {path}: {exc}") from exc
    return files


def differences(
    out: Path, files: dict[str, str], keep: tuple[str, ...] = ()
) -> list[Difference]:
    """How ``out`` differs from ``files``. Paths under a top folder of ``keep``
    (environments out of scope) are not compared."""
    on_disk = {
        path: text
        for path, text in existing(out).items()
        if path.split("/", 1)[0] not in keep
    }
    found = [
        Difference(path, "missing" if path not in on_disk else "changed")
        for path, text in files.items()
        if on_disk.get(path) != text
    ]
    found.extend(Difference(path, "extra") for path in on_disk if path not in files)
    return sorted(found, key=lambda d: d.path)


def replace(out: Path, files: dict[str, str], keep: tuple[str, ...] = ()) -> int:
    """Make ``out`` hold exactly ``files`` (plus the top folders named in
    ``keep``, copied from the old tree). Returns how many files changed."""
    out = Path(os.path.abspath(out))
    _recover(out)
    _refuse_foreign(out)
    old = {
        path: text
        for path, text in existing(out).items()
        if path.split("/", 1)[0] not in keep
    }
    changed = sum(1 for path, text in files.items() if old.get(path) != text)
    changed += sum(1 for path in old if path not in files)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_NEW}", dir=parent))
    except OSError as exc:
        raise ModelrailError(f"cannot write {out}: {exc.strerror or exc}") from exc
    try:
        _fill(staging, files, out, old, keep)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changed


def _fill(
    staging: Path,
    files: dict[str, str],
    out: Path,
    old: dict[str, str],
    keep: tuple[str, ...],
) -> None:
    try:
        os.chmod(staging, 0o777 & ~_umask())
        for top in keep:
            if (out / top).is_dir():
                shutil.copytree(out / top, staging / top)
        made: set[Path] = set()
        for rel, text in sorted(files.items()):
            path = staging / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            if old.get(rel) == text and _link(out / rel, path):
                continue
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        _sync(staging)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write the rendered files: {reason}") from exc


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False  # a file system without hard links: write it instead
    return True


def _sync(folder: Path) -> None:
    """Flush the new tree to disk before it is swapped in: ``syncfs`` on the
    file system that holds it (Linux), else a system-wide ``sync``."""
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None) if libc is not None else None
    if syncfs is None:
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _swap(staging: Path, out: Path) -> None:
    try:
        if not out.exists():
            os.rename(staging, out)
        elif _exchange(staging, out):
            shutil.rmtree(staging)  # staging now holds the old tree
        else:
            parked = out.with_name(
                f".{out.name}{_OLD}{staging.name.rsplit('-', 1)[-1]}"
            )
            os.rename(out, parked)
            try:
                os.rename(staging, out)
            except OSError:
                os.rename(parked, out)  # put the old tree back at once
                raise
            shutil.rmtree(parked)
        _fsync_dir(out.parent)
    except OSError as exc:
        raise ModelrailError(f"cannot replace {out}: {exc.strerror or exc}") from exc


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot."""
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # kernel or file system without RENAME_EXCHANGE
    raise OSError(code, os.strerror(code), str(b))


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name, use_errno=True) if name else None


def _recover(out: Path) -> None:
    """Undo what an interrupted render left: a parked old tree comes back when
    the output is missing; unfinished new trees are removed."""
    parent = out.parent
    if not parent.is_dir():
        return
    parked = sorted(parent.glob(f".{out.name}{_OLD}*"))
    if parked and not out.exists():
        os.rename(parked.pop(), out)
    for leftover in [*parked, *parent.glob(f".{out.name}{_NEW}*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def _refuse_foreign(out: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir():
        raise ModelrailError(f"{out} exists and is not a folder; choose another --out")
    if not any(out.iterdir()):
        return
    marker = out / MARKER
    first = MARKER_TEXT.splitlines()[0]
    try:
        ours = marker.is_file() and marker.read_text(encoding="utf-8").startswith(first)
    except (OSError, UnicodeError):
        ours = False
    if not ours:
        raise ModelrailError(
            f"{out} is not empty and was not made by modelrail render (no {MARKER} "
            "of ours): refusing to replace it; choose an empty or new --out folder"
        )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
