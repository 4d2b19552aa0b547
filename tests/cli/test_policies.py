"""``modelrail policies`` and ``modelrail explain``, and the registry's conventions."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from modelrail.cli import main
from modelrail.policy.docs import FORMATS
from scripts import docs
from testing import examples
from testing.repo import bundled

POLICIES = list(examples.registry())


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--root", str(bundled())])


def test_every_format_is_offered_and_prints() -> None:
    for fmt in FORMATS:
        result = run("policies", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "MR-SEC-004" in result.output


def test_table_lists_every_policy_with_its_tiers() -> None:
    result = run("policies")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["ID", "NAME", "dev", "test", "stg", "prod"]
    assert lines[-1] == f"{len(POLICIES)} policies"
    assert len(POLICIES) >= 40
    row = next(line for line in lines if line.startswith("MR-ROLL-007 "))
    assert row.split()[1:6] == [
        "canary-step-analysis",
        "warning",
        "warning",
        "error",
        "error",
    ]


def test_json_and_markdown() -> None:
    document = json.loads(run("policies", "-f", "json").output)
    assert [p["id"] for p in document["policies"]] == [p.id for p in POLICIES]
    sec_012 = next(p for p in document["policies"] if p["id"] == "MR-SEC-012")
    assert sec_012["waivable"] is False
    assert sec_012["checklist"], "every policy enforces a checklist item"
    markdown = run("policies", "-f", "markdown").output
    # what scripts/docs.py writes for the same repository
    assert markdown == docs.generate(bundled())[bundled() / "docs" / "policies.md"]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_explain_every_policy(policy) -> None:  # type: ignore[no-untyped-def]
    result = run("explain", policy.id)
    assert result.exit_code == 0
    text = result.output
    assert text.startswith(f"{policy.id} {policy.name} ({policy.category})\n")
    assert policy.title in text
    assert policy.remediation in text
    assert "\nFails:\n" in text
    assert "\nPasses:\n" in text
    assert "\nChecklist:\n" in text
    assert re.search(
        r"Severity: development \w+, test \w+, staging \w+, production \w+", text
    )
    assert run("explain", policy.name).output == text


def test_explain_unknown_policy_suggests() -> None:
    result = run("explain", "MR-SCE-004")
    assert result.exit_code == 2
    assert "no policy 'MR-SCE-004'; did you mean MR-SEC-004?" in result.output
    assert "Traceback" not in result.output
    assert run("explain", "mr-sec-4").output == run("explain", "MR-SEC-004").output


@pytest.mark.parametrize("command", ["check", "policies", "explain"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_module_is_named_after_its_id(policy) -> None:  # type: ignore[no-untyped-def]
    prefix, number = policy.id.split("-")[1:]
    stem = policy.path.rsplit("/", 1)[1]
    assert stem.startswith(f"{prefix.lower()}_{number}_"), policy.path
    assert policy.path.startswith(f"policies/{policy.category}/")
    assert policy.remediation.endswith("."), "REMEDIATION is one sentence"
    assert policy.title.endswith(".")
