"""The round trip of :mod:`modelrail.promote.roundtrip`, on the bundled specs.

Proven here:

- ruamel's round trip, set up as :mod:`modelrail.promote.roundtrip` does it, gives
  back every bundled spec byte for byte;
- bad YAML is bad input located at its line and column, and ``same`` tells
  kinds apart (a bool is not 1, 1 is not 1.0, "1" is not 1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from modelrail.errors import UsageError
from modelrail.promote import roundtrip
from testing.promote import ENVIRONMENTS

if TYPE_CHECKING:
    from pathlib import Path


SPECS = sorted(
    p
    for p in ENVIRONMENTS.glob("*/*.yaml")
    if p.name not in ("environment.yaml", "waivers.yaml")
)


def test_sixteen_bundled_specs() -> None:
    assert len(SPECS) == 16


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_gives_the_same_bytes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert roundtrip.dump(roundtrip.load(text, path.name)) == text


def test_bad_yaml_is_located_bad_input() -> None:
    with pytest.raises(UsageError) as info:
        roundtrip.load("a: 1\nb: [2\n", "environments/prod/x.yaml")
    assert str(info.value).startswith("environments/prod/x.yaml:3:1: ")


def test_same_tells_kinds_apart() -> None:
    assert roundtrip.same({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not roundtrip.same(True, 1)
    assert not roundtrip.same(1, 1.0)
    assert not roundtrip.same("1", 1)
