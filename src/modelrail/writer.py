"""The only place that writes files: always atomically (temp file + rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modelrail.errors import ModelrailError


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old or the new file, whole."""
    path = Path(path)
    folder = path.parent
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
