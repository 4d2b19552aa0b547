"""Semantic versions (the schema's ``semver``): parsing and precedence.

Precedence is SemVer 2.0.0's: MAJOR.MINOR.PATCH compared as numbers, a
pre-release below its release, pre-release fields compared left to right
(numbers as numbers, below words), build metadata ignored.
"""

from __future__ import annotations

import re

_SEMVER = re.compile(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)

Key = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def key(version: str) -> Key | None:
    """A sort key with SemVer precedence; None when ``version`` is not one."""
    match = _SEMVER.fullmatch(version)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    if pre is None:
        return (int(major), int(minor), int(patch), 1, ())
    fields = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in pre.split(".")
    )
    return (int(major), int(minor), int(patch), 0, fields)


def lower(a: str, b: str) -> bool:
    """Whether ``a`` precedes ``b`` (False when either is not a version)."""
    ka, kb = key(a), key(b)
    return ka is not None and kb is not None and ka < kb
