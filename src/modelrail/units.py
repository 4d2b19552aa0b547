"""Durations and Kubernetes quantities, parsed the way the schemas spell them.

The schemas only admit well-formed values (``30m``, ``1h30m``, ``500m`` CPU,
``2Gi``), so these parsers raise ``ValueError`` only on values no valid spec
holds; policies and the renderer compare numbers, never strings.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

_DURATION_PART = re.compile(r"([0-9]+)([smhdw])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MEMORY = re.compile(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?")
_MEMORY_FACTOR = {
    None: 1,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


@functools.lru_cache(maxsize=4096)
def seconds(duration: str) -> int:
    """``"1h30m"`` -> 5400. Parts may repeat and come in any order, as in Go.
    (Remembered: the same few durations recur in every spec and panel.)"""
    pos, total = 0, 0
    for match in _DURATION_PART.finditer(duration):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(duration) or not duration:
        raise ValueError(f"not a duration: {duration!r}")
    return total


def human(total: int) -> str:
    """5400 -> ``"1h30m"``: the shortest spelling of a whole number of seconds."""
    if total == 0:
        return "0s"
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _SECONDS[unit]
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts)


def millicores(cpu: str | float) -> Decimal:
    """CPU as millicores: ``"500m"`` -> 500, ``"2"`` or 2 -> 2000."""
    text = str(cpu)
    if text.endswith("m"):
        return Decimal(text[:-1])
    return Decimal(text) * 1000


def bytes_of(memory: str | int) -> Decimal:
    """Memory as bytes: ``"1Gi"`` -> 1073741824, ``"500M"`` -> 500000000."""
    match = _MEMORY.fullmatch(str(memory))
    if match is None:
        raise ValueError(f"not a memory quantity: {memory!r}")
    return Decimal(match.group(1)) * _MEMORY_FACTOR[match.group(2)]
