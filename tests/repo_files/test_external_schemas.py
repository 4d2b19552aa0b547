"""The vendored external schemas are what their README says they are."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from testing.repo import ROOT

FOLDER = ROOT / "schemas" / "external"
SHARED = ROOT.parent / "shared" / "external-schemas"


def _digests() -> dict[str, str]:
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([^`]+\.json)` \|.*\| `([0-9a-f]{64})` \|$", readme, re.MULTILINE
    )
    return dict(rows)


def test_readme_lists_every_schema() -> None:
    assert set(_digests()) == {p.name for p in FOLDER.glob("*.json")}
    assert len(_digests()) == 4


@pytest.mark.parametrize("name", sorted(_digests()))
def test_digest_and_json(name: str) -> None:
    body = (FOLDER / name).read_bytes()
    assert hashlib.sha256(body).hexdigest() == _digests()[name]
    assert isinstance(json.loads(body), dict)
    shared = SHARED / name
    if shared.is_file():  # next to the shared copy: byte-identical
        assert shared.read_bytes() == body
