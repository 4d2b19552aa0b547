"""The placeholders ``modelrail new`` writes, and how to find what is left.

A scaffold sets every value the policies require to the checklist's default;
what only a person can know it marks with a value that is still schema-valid
(so the other policies judge the rest of the spec) and impossible to mistake
for a real one:

- text starting with ``TODO`` (upper case: ``todo-ranker`` is a name), and
  ``todo-team``, the team ``new`` writes when none is given;
- a URL or storage address on a ``.invalid`` host, the top-level domain
  RFC 2606 reserves for names that must never resolve;
- a sha256 digest of 64 zeros, for the model artifact and the serving image.

MR-OPS-013 reports each one left in a spec; ``modelrail new`` lists the same.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from modelrail.findings import pointer_token

if TYPE_CHECKING:
    from collections.abc import Iterator

ZERO_DIGEST = "sha256:" + "0" * 64
_TODO = re.compile(r"^(?:TODO\b|todo-team(?:-|$))")
_INVALID_HOST = re.compile(
    r"^[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?[^/:?#\s]*\.invalid(?:[:/?#]|$)"
)


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and bool(
        _TODO.match(value) or _INVALID_HOST.match(value) or ZERO_DIGEST in value
    )


def find(data: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, value) of every placeholder under ``data``, in order."""
    strings: list[str] = []
    _strings(data, strings)
    text = "\n".join(strings)  # no marker holds a line break: none spans two
    if not any(marker in text for marker in _MARKERS):
        return iter(())  # the usual case, told without building a pointer
    return _find(data, pointer)


# Each placeholder holds one of these (a TODO text starts with one, an
# address on a .invalid host holds the second, a zero digest the last), so a
# spec none of whose values holds one has none.
_MARKERS = ("TODO", "todo-team", ".invalid", ZERO_DIGEST)


def _strings(data: Any, out: list[str]) -> None:
    """Every string value under ``data`` (keys are never placeholders)."""
    if isinstance(data, str):
        out.append(data)
    elif isinstance(data, dict):
        for value in data.values():
            _strings(value, out)
    elif isinstance(data, list):
        for value in data:
            _strings(value, out)


def _find(data: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _find(value, f"{pointer}/{pointer_token(str(key))}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _find(value, f"{pointer}/{index}")
    elif is_placeholder(data):
        yield pointer, str(data)
