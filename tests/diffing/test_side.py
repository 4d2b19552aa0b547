"""``modelrail.diffing.side``: one side of a diff, rendered and checked.

Every test runs on a real git repository: a copy of the bundled repository
committed on ``main`` (the base), then edited in its working tree (the
fixtures: ``conftest.py``; the helpers: ``testing/diffing.py``). Proven here:

- ``envs`` narrows both sides, and an environment new since the base is all
  added (the base has none of it);
- a base that does not render is reported, with the working tree's files as
  added (its check still runs), and one whose policies do not load as not
  checked.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

import pytest

from modelrail.diffing import text
from modelrail.diffing.results import ADDED
from modelrail.render.records import RECORD
from testing.diffing import (
    PROD,
    STAGING_KSERVE,
    commit_all,
    promote,
    run,
    states,
    tree,
)
from testing.repo import bundled, replace_once

if TYPE_CHECKING:
    from pathlib import Path


# --- both sides ---------------------------------------------------------------


def test_env_narrows_both_sides(repo: Path) -> None:
    promote(repo)
    replace_once(
        repo / STAGING_KSERVE, "    currentStep: 2   #", "    currentStep: 3   #"
    )
    both = run(repo, envs=("prod", "staging"))
    assert {a.environment for a in both.apps} == {"prod", "staging"}
    narrowed = run(repo, envs=("staging",))
    assert [a.key for a in narrowed.apps] == ["staging/churn-predictor"]
    assert all(
        r.path.startswith(("staging/", "_bootstrap/")) for r in narrowed.resources
    )


def test_an_environment_new_since_the_base_is_all_added(repo: Path) -> None:
    shutil.copytree(repo / "environments/dev", repo / "environments/qa")
    for spec in (repo / "environments/qa").glob("*.yaml"):
        spec.write_text(
            spec.read_text(encoding="utf-8")
            .replace("environment: dev\n", "environment: qa\n")
            .replace("  name: dev\n", "  name: qa\n"),
            encoding="utf-8",
        )
    env_file = repo / "environments/qa/environment.yaml"
    text_ = env_file.read_text(encoding="utf-8")
    for old in re.findall(r"(?:namespace|project): models-dev", text_):
        text_ = text_.replace(old, old.replace("models-dev", "models-qa"))
    env_file.write_text(text_, encoding="utf-8")
    result = run(repo, envs=("qa",))
    if result.head.notes:  # pragma: no cover - a message to read if it fails
        pytest.fail(str(result.head.notes))
    assert {a.key for a in result.apps} == {
        f"qa/{p.stem}"
        for p in (repo / "environments/dev").glob("*.yaml")
        if p.stem not in ("environment", "waivers")
    }
    assert {a.state for a in result.apps} == {ADDED}
    assert result.base.notes == ()


# --- a broken base ------------------------------------------------------------


def test_a_base_that_does_not_render_is_reported(repo: Path) -> None:
    replace_once(repo / PROD, "    port: 8080\n", "    port: [8080]\n")
    commit_all(repo, "broken")
    replace_once(repo / PROD, "    port: [8080]\n", "    port: 8080\n")
    result = run(repo)
    assert result.base.error.startswith("1 problem(s) in the input")
    assert "environments/prod/fraud-detector.yaml:" in result.base.error
    assert "/tmp" not in result.base.error
    assert result.head.notes == ()
    # every file of the working tree is new to a base without manifests
    assert set(states(result).values()) == {ADDED}
    manifests = [p for p in tree(bundled() / "rendered") if not p.endswith(RECORD)]
    assert len(result.resources) == len(manifests)
    # its check still ran: the schema error is resolved
    assert ("resolved", "MR-SCHEMA") in [
        (c.state, c.finding.rule) for c in result.findings
    ]
    shown = text.render(result)
    assert re.search(
        r"^main \([0-9a-f]{12}\) does not render: 1 problem", shown, re.MULTILINE
    )
    assert "every resource of the working tree is shown as added" in shown


def test_a_base_whose_policies_do_not_load_is_reported(repo: Path) -> None:
    broken = repo / "policies/security/sec_999_broken.py"
    broken.write_text('"""Broken."""\nID = (\n', encoding="utf-8")
    commit_all(repo, "a broken policy")
    broken.unlink()
    result = run(repo, envs=("prod",))
    assert result.base.error == ""
    assert result.base.check_error.startswith("policies/security/sec_999_broken.py:")
    assert "syntax error" in result.base.check_error
    assert not result.differs  # the same manifests; no findings on either side
    assert "cannot be checked: policies/security/sec_999_broken.py:" in (
        text.render(result)
    )
