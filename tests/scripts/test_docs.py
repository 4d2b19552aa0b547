"""The generated docs are up to date, and cover what they must."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from modelrail.policy import catalog
from modelrail.policy import docs as describe
from modelrail.repository.layout import Repository
from scripts import docs
from testing.repo import ROOT, bundled, copy_repo

if TYPE_CHECKING:
    from pathlib import Path


def test_the_generator_writes_both_docs_and_check_finds_them_stale(
    tmp_path: Path,
) -> None:
    """scripts/docs.py on a repository of the tests' own (the live docs are
    judged with the live content: tests/repo_files/test_live_repository.py)."""
    root = copy_repo(tmp_path / "repo")
    generated = docs.generate(root)
    assert sorted(p.relative_to(root).as_posix() for p in generated) == [
        "docs/checklist-coverage.md",
        "docs/policies.md",
    ]
    assert all(text.startswith("# ") for text in generated.values())
    assert docs.stale(root) == sorted(p.relative_to(root).as_posix() for p in generated)
    docs.write(root)
    assert docs.stale(root) == []
    (root / "docs" / "policies.md").write_text("edited by hand\n", encoding="utf-8")
    assert docs.stale(root) == ["docs/policies.md"]


def test_every_policy_has_a_section_and_enforces_a_checklist_item() -> None:
    found = catalog.load(Repository(bundled()))
    text = describe.markdown(found)
    for policy in found.registry:
        assert f"### {policy.id} {policy.name}" in text
        assert found.items_of(policy), f"{policy.id} enforces no checklist item"


def test_checklist_items_are_unique_and_cite_real_policies() -> None:
    found = catalog.load(Repository(bundled()))
    ids = [item["id"] for item in found.checklist]
    assert len(ids) == len(set(ids))
    for item in found.checklist:
        assert item["source"] in found.sources
        for policy_id in item.get("policies", ()):
            assert policy_id in found.registry, f"{item['id']} cites {policy_id}"


def test_evidence_items_are_required_in_production() -> None:
    """A human process mapped to an evidence link is one MR-CMP-004 demands."""
    found = catalog.load(Repository(bundled()))
    policy = found.registry.get("MR-CMP-004")
    required = found.options(policy)["required"]["production"]
    for item in found.checklist:
        if "evidence" in item:
            assert item["evidence"] in required, item["id"]


def test_schema_pointers_name_real_fields() -> None:
    import json

    schemas = {
        "spec": json.loads((ROOT / "schemas" / "modeldeployment.v1.json").read_text()),
        "environment": json.loads(
            (ROOT / "schemas" / "environment.v1.json").read_text()
        ),
    }
    found = catalog.load(Repository(bundled()))
    for item in found.checklist:
        for pointer in item.get("schema", ()):
            parts = pointer.strip("/").split("/")
            node = schemas["environment" if parts[0] == "environment" else "spec"]
            if parts[0] == "environment":
                parts = parts[1:]
            for part in parts:
                assert re.fullmatch(r"[A-Za-z0-9_-]+", part), pointer
                node = node["properties"][part]
                if "$ref" in node and "properties" not in node:
                    break
