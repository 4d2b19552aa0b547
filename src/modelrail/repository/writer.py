"""The only place that writes files: always atomically (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modelrail.errors import ModelrailError


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, whole.

    A symlink is followed (its target is replaced, not the link), and a path that
    is not a regular file (``/dev/stdout``, a FIFO) is written to in place:
    renaming over a device would replace the device node itself.
    """
    path = Path(os.path.realpath(path))
    folder = path.parent
    if path.exists() and not path.is_file():
        _write_in_place(path, text)
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; honour the umask
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write {path}: {reason}") from exc


def _write_in_place(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ModelrailError(f"cannot write {path}: {reason}") from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
