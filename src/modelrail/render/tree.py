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

import contextlib
import ctypes
import ctypes.util
import errno
import functools
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

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


def listing(out: Path) -> dict[str, bool]:
    """What is under ``out``, without reading it: relative path -> whether it
    is a regular file (a symbolic link, a FIFO... is never what render
    writes). {} if ``out`` does not exist."""
    found: dict[str, bool] = {}
    if not out.is_dir():
        return found
    stack = [("", os.fspath(out))]
    while stack:
        prefix, folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    rel = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((rel + "/", entry.path))
                    else:
                        found[rel] = entry.is_file(follow_symlinks=False)
        except OSError as exc:
            raise ModelrailError(
                f"cannot read {folder}: {exc.strerror or exc}"
            ) from exc
    return dict(sorted(found.items()))


def read(path: Path | str) -> bytes:
    """A rendered file's bytes; a ModelrailError that names it if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ModelrailError(f"cannot read {path}: {exc.strerror or exc}") from exc


def existing(out: Path) -> dict[str, bytes | None]:
    """What is under ``out``: each regular file's bytes by relative path, and
    None for anything else (a symbolic link, a FIFO...), which is never what
    render writes. {} if ``out`` does not exist."""
    return {
        rel: read(out / rel) if regular else None
        for rel, regular in listing(out).items()
    }


def _compare(
    out: Path, files: dict[str, str], keep: tuple[str, ...]
) -> tuple[list[Difference], dict[str, bytes | None]]:
    on_disk = {
        path: data
        for path, data in existing(out).items()
        if path.split("/", 1)[0] not in keep
    }
    found = [
        Difference(path, "missing" if path not in on_disk else "changed")
        for path, text in files.items()
        if on_disk.get(path) != text.encode("utf-8")
    ]
    found.extend(Difference(path, "extra") for path in on_disk if path not in files)
    return sorted(found, key=lambda d: d.path), on_disk


def differences(
    out: Path, files: dict[str, str], keep: tuple[str, ...] = ()
) -> list[Difference]:
    """How ``out`` differs from ``files``, byte for byte. Paths under a top
    folder of ``keep`` (environments out of scope) are not compared."""
    return _compare(out, files, keep)[0]


def prepare(out: Path, keep: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """Get ready to replace ``out`` (followed if it is a link): what an
    interrupted render left is undone, a folder that is not ours refused,
    and a fresh folder made next to it, holding the top folders of ``keep``
    copied from ``out``. Returns (``out`` resolved, the fresh folder): fill
    the fresh folder (``put``, ``link``), then ``finish`` or ``discard`` it."""
    out = Path(os.path.realpath(out))
    _recover(out)
    _refuse_foreign(out)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_NEW}", dir=parent))
        os.chmod(staging, 0o777 & ~_umask())
        for top in keep:
            if (out / top).is_dir():
                shutil.copytree(out / top, staging / top)
    except OSError as exc:
        raise ModelrailError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out, staging


def put(staging: Path, rel: str, text: str, old: Path | None = None) -> None:
    """Write ``text`` as ``rel`` in ``staging``; with ``old`` (a file of the
    old tree holding exactly that text), hard-link it instead."""
    path = staging / rel
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if old is not None and _link(old, path):
            return
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write the rendered files: {reason}") from exc


def put_folder(
    staging: Path, folder: str, files: dict[str, str], old: Path, same: set[str]
) -> None:
    """``put`` each of ``files`` (name -> text) into ``folder`` of
    ``staging``; the names in ``same`` hold exactly what ``old`` (the folder
    in the old tree) holds: they are hard-linked from there."""
    into = os.path.join(staging, folder)
    try:
        os.makedirs(into, exist_ok=True)
        for name, text in files.items():
            target = os.path.join(into, name)
            if name in same and _link(os.path.join(old, name), target):
                continue
            _write(target, text.encode("utf-8"))
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write the rendered files: {reason}") from exc


def _write(path: str, data: bytes) -> None:
    """A new file holding ``data``, with the system calls it needs and no
    more (``open()`` adds an fstat, an ioctl and seeks: 57,000 files at
    N=1000 made that a second of system time)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def link_folder(staging: Path, folder: str, names: Iterable[str], old: Path) -> None:
    """Hard-link (or copy) the files ``names`` of ``old`` into ``folder`` of
    ``staging``, unchanged."""
    into = os.path.join(staging, folder)
    try:
        os.makedirs(into, exist_ok=True)
        for name in names:
            source, target = os.path.join(old, name), os.path.join(into, name)
            if not _link(source, target):
                shutil.copyfile(source, target)
    except OSError as exc:
        raise ModelrailError(
            f"cannot write the rendered files: {exc.strerror or exc}"
        ) from exc


def finish(staging: Path, out: Path) -> None:
    """Swap the filled ``staging`` in as ``out``, synced to disk first."""
    try:
        _sync(staging)
        _swap(staging, out)
    except BaseException:
        discard(staging)
        raise


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def replace(out: Path, files: dict[str, str], keep: tuple[str, ...] = ()) -> int:
    """Make ``out`` hold exactly ``files`` (plus the top folders named in
    ``keep``, copied from the old tree). Returns how many files changed.
    A symbolic link as ``out`` is followed: its target is replaced."""
    out = Path(os.path.realpath(out))
    _recover(out)
    _refuse_foreign(out)
    found, on_disk = _compare(out, files, keep)
    unchanged = {
        path for path, text in files.items() if on_disk.get(path) == text.encode()
    }
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_NEW}", dir=parent))
    except OSError as exc:
        raise ModelrailError(f"cannot write {out}: {exc.strerror or exc}") from exc
    try:
        _fill(staging, files, out, unchanged, keep)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(found)


def _fill(
    staging: Path,
    files: dict[str, str],
    out: Path,
    unchanged: set[str],
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
            if rel in unchanged and _link(out / rel, path):
                continue
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        _sync(staging)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write the rendered files: {reason}") from exc


def _link(source: Path | str, target: Path | str) -> bool:
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


@contextlib.contextmanager
def flushing(folder: Path | None, every: float = 1.0) -> Iterator[None]:
    """While the body runs (the workers writing the new tree), a thread
    syncs the file system that holds ``folder`` every ``every`` seconds: the
    disk writes then overlap the rendering, and the sync before the swap
    (``finish``) has little left to do. It took 0.4 s at N=1000, alone, at
    the end. ``folder`` None: nothing is written, nothing to flush. Where
    there is no ``syncfs`` (not Linux), no thread: a system-wide ``sync``
    every second is not worth it."""
    # libc is found here (find_library may start a program), not in the thread
    libc = _libc()
    if folder is None or libc is None or getattr(libc, "syncfs", None) is None:
        yield
        return
    stop = threading.Event()

    def flush() -> None:
        while not stop.wait(every):
            try:
                _sync(folder)
            except OSError:
                return  # early flushes only: the sync before the swap runs anyway

    thread = threading.Thread(target=flush, name="modelrail-flush", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _swap(staging: Path, out: Path) -> None:
    try:
        if not out.exists():
            os.rename(staging, out)
        elif _exchange(staging, out):
            # staging now holds the old tree; what is left is cleared next time
            shutil.rmtree(staging, ignore_errors=True)
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
            shutil.rmtree(parked, ignore_errors=True)
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
    # names compared as text: the folder's name may hold glob characters
    siblings = sorted(entry.name for entry in parent.iterdir())
    parked = [n for n in siblings if n.startswith(f".{out.name}{_OLD}")]
    fresh = [n for n in siblings if n.startswith(f".{out.name}{_NEW}")]
    if parked and not out.exists():
        os.rename(parent / parked.pop(), out)
    for name in [*parked, *fresh]:
        leftover = parent / name
        if leftover.is_symlink():
            leftover.unlink()
        else:
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
