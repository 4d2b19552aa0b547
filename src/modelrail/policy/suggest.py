"""'Did you mean ...?': the known name nearest to one that is not known.

One mechanism for such hints (``difflib``'s similarity ratio at its default
cutoff, 0.6), so an unknown policy ID and a waiver's unknown model are matched
alike.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The name of ``known`` most like ``name``, or None when none is close."""
    match = difflib.get_close_matches(name, sorted(known), n=1)
    return match[0] if match else None


def did_you_mean(name: str, known: Iterable[str], *, quote: bool = True) -> str:
    """``"; did you mean 'x'?"`` for the closest known name, or ``""``."""
    match = closest(name, known)
    if match is None:
        return ""
    return f"; did you mean {match!r}?" if quote else f"; did you mean {match}?"
