"""Hypothesis strategies: the bundled specs, mutated.

``mutated()`` draws a bundled spec and changes one to four places of its
``spec``: a key deleted, or a value replaced by another of the same JSON type.
Many results are schema-invalid; tests keep the valid ones with ``assume``.
Used by tests/policies/test_invariants.py (no policy raises) and
tests/render/test_render_property.py (what check accepts renders validly).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from modelrail.repository.loader import load_file
from testing.repo import FIXTURE

SPECS = sorted((FIXTURE / "environments").glob("*/*-*.yaml"))
STRINGS = (
    "",
    "0s",
    "15m",
    "24h",
    "manual",
    "ALL",
    "none",
    "latest",
    "1Gi",
    "500m",
    "1.2",
)


def like(value: Any, strings: tuple[str, ...] = STRINGS) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value`` (most stay schema-valid)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=0, max_value=2000)
    if isinstance(value, float):
        return st.floats(min_value=0, max_value=100, allow_nan=False)
    if isinstance(value, str):
        return st.sampled_from([*strings, value + "0", value.upper()])
    if isinstance(value, list):
        return st.sampled_from([[], value[:1], value[::-1]])
    return st.just({})


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``value`` (``prefix`` itself first)."""
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += paths(child, (*prefix, index))
    return out


@st.composite
def mutated(
    draw: st.DrawFn, strings: tuple[str, ...] = STRINGS
) -> tuple[str, dict[str, Any]]:
    """(environment name, spec data): a bundled spec with 1-4 mutations."""
    path = draw(st.sampled_from(SPECS))
    data = copy.deepcopy(load_file(path).data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        where = draw(st.sampled_from(paths(data["spec"], ("spec",))[1:]))
        parent: Any = data
        for key in where[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(like(parent[where[-1]], strings))
    return path.parent.name, data
