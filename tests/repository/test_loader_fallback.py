"""Without libyaml, the pure-Python loader gives the same data, positions and errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import yaml

from modelrail.repository import loader
from testing.repo import FIXTURE

if TYPE_CHECKING:
    from pathlib import Path

SPECS = sorted((FIXTURE / "environments").glob("*/*.yaml"))
POINTERS = ["", "/metadata/name", "/spec/serving/image", "/spec/rollout/steps/1",
            "/spec/slo/latency/p95", "/spec/nope"]  # fmt: skip


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_data_and_positions(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = loader.load_file(path)
    monkeypatch.setattr(loader, "Loader", yaml.SafeLoader)
    slow = loader.load_file(path)
    assert slow.data == fast.data
    for pointer in POINTERS:
        assert slow.locate(pointer) == fast.locate(pointer)
        assert slow.locate(pointer, key=True) == fast.locate(pointer, key=True)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "a: !!python/object:os.system x\n",
        "a: [1, 2\n",
        "a: 1\n---\nb: 2\n",
        "a: " + "[" * 2000 + "]" * 2000 + "\n",
    ],
    ids=["duplicate", "tag", "syntax", "two-documents", "deep"],
)
def test_same_errors(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(loader.LoadError) as fast:
        loader.load_text(text, "x.yaml")
    monkeypatch.setattr(loader, "Loader", yaml.SafeLoader)
    with pytest.raises(loader.LoadError) as slow:
        loader.load_text(text, "x.yaml")
    assert slow.value.location == fast.value.location
    if "invalid YAML" in fast.value.message:  # the parsers word syntax errors alike
        assert slow.value.message.startswith("invalid YAML: ")
    else:
        assert slow.value.message == fast.value.message
