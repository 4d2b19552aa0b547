"""No schema pattern backtracks catastrophically in Python's re.

python-jsonschema words the errors of an invalid file with Python's
backtracking regex engine, so an ambiguous pattern (a text it can match in
many ways) turns one short bad value into minutes of CPU. Each pattern is run
against adversarial texts: repeated pieces of its own alphabet, then a
character that makes the match fail at the very end.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest

from testing.repo import ROOT

if TYPE_CHECKING:
    from collections.abc import Iterator

PIECES = [
    "a",
    "a.",
    "a-",
    "a_",
    "a.a-",
    "0",
    "0:",
    "a/",
    "a@",
    "a:",
    "1.",
    "a ",
    "#a",
    "-a",
]
ENDINGS = ["!", "\n!", " ", "A", ""]


def _patterns(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield where, value
            else:
                yield from _patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _patterns(value, f"{where}/{i}")


PATTERNS = sorted(
    {
        (f"{path.name}#{where}", pattern)
        for path in sorted((ROOT / "schemas").glob("*.json"))
        for where, pattern in _patterns(json.loads(path.read_text()), "")
    }
)


def test_schemas_have_patterns() -> None:
    assert len(PATTERNS) > 20


@pytest.mark.parametrize(("where", "pattern"), PATTERNS, ids=[w for w, _ in PATTERNS])
def test_pattern_fails_fast(where: str, pattern: str) -> None:
    assert_fails_fast(where, pattern)


def assert_fails_fast(where: str, pattern: str) -> None:
    """Growing texts, stopping at the first slow one: an exponential pattern
    fails here within a second instead of hanging the suite."""
    regex = re.compile(pattern)
    for piece in PIECES:
        for ending in ENDINGS:
            for repeat in (4, 8, 12, 16, 20, 24, 32, 64, 150):
                text = piece * repeat + ending
                start = time.perf_counter()
                regex.search(text)
                elapsed = time.perf_counter() - start
                assert elapsed < 0.05, f"{where}: {elapsed:.2f}s on {text[:30]!r}..."


def test_the_check_catches_a_backtracking_pattern() -> None:
    # The image pattern before it was fixed: '.' could match in two places.
    old = (
        "^[a-z0-9]+([._-][a-z0-9]+)*(\\.[a-z0-9]+([._-][a-z0-9]+)*)*(:[0-9]{1,5})?"
        "(/[a-z0-9]+([._-]+[a-z0-9]+)*)+$"
    )
    with pytest.raises(AssertionError, match="image"):
        assert_fails_fast("image", old)
