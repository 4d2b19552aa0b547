"""Cross-file checks: names, folders, promotion chains (MR-REPO-NNN)."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from modelrail.check.runner import run
from modelrail.repository.layout import Repository
from testing.repo import line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path


def findings(repo: Path) -> list[tuple[str, int, int, str]]:
    report = run(Repository(repo))
    return [
        (f.location.file, f.location.line, f.location.column, f.rule)
        for f in report.findings
    ]


def test_bundled_repository_is_consistent(root: Path) -> None:
    assert findings(root) == []


def test_file_name_must_match_metadata_name(repo: Path) -> None:
    spec = repo / "environments/dev/fraud-detector.yaml"
    spec.rename(spec.with_name("fraud.yaml"))
    line = line_of(repo / "environments/dev/fraud.yaml", "  name: fraud-detector")
    assert findings(repo) == [("environments/dev/fraud.yaml", line, 9, "MR-REPO-001")]


def test_spec_must_name_its_folder(repo: Path) -> None:
    spec = repo / "environments/test/support-assistant.yaml"
    replace_once(spec, "  environment: test\n", "  environment: dev\n")
    line = line_of(spec, "  environment: dev")
    assert findings(repo) == [
        ("environments/test/support-assistant.yaml", line, 16, "MR-REPO-002")
    ]


def test_environment_and_waivers_must_name_their_folder(repo: Path) -> None:
    env = repo / "environments/staging/environment.yaml"
    replace_once(env, "  name: staging\n", "  name: stage\n")
    waivers = repo / "environments/staging/waivers.yaml"
    replace_once(waivers, "  environment: staging\n", "  environment: prod\n")
    assert findings(repo) == [
        ("environments/staging/environment.yaml", line_of(env, "name: stage"), 9,
         "MR-REPO-002"),
        ("environments/staging/waivers.yaml", line_of(waivers, "environment: prod"), 16,
         "MR-REPO-002"),
    ]  # fmt: skip


def test_unknown_promotion_source(repo: Path) -> None:
    env = repo / "environments/prod/environment.yaml"
    replace_once(env, "    from: staging\n", "    from: preprod\n")
    assert findings(repo) == [
        ("environments/prod/environment.yaml", line_of(env, "from: preprod"), 11,
         "MR-REPO-003"),
    ]  # fmt: skip
    report = run(Repository(repo))
    assert (
        "promotion source 'preprod' is not an environment" in report.findings[0].message
    )


def test_promotion_cycle(repo: Path) -> None:
    dev = repo / "environments/dev/environment.yaml"
    text = dev.read_text()
    assert "\n  promotion:" not in text
    dev.write_text(text.replace("  tier: development\n", "  tier: development\n"
                                "  promotion:\n    from: prod\n"))  # fmt: skip
    report = run(Repository(repo))
    rules = {f.rule for f in report.findings}
    assert rules == {"MR-REPO-004"}
    assert len(report.findings) == 4  # every environment of the loop says so
    assert any(
        "dev -> prod -> staging -> test -> dev" in f.message for f in report.findings
    )


def test_invalid_source_environment_is_still_an_environment(repo: Path) -> None:
    staging = repo / "environments/staging/environment.yaml"
    replace_once(staging, "  tier: staging\n", "  tier: preprod\n")
    report = run(Repository(repo))
    assert [f.rule for f in report.findings] == ["MR-SCHEMA"]


def test_duplicate_model_names(repo: Path) -> None:
    spec = repo / "environments/dev/fraud-detector.yaml"
    shutil.copy(spec, spec.with_suffix(".yml"))
    assert findings(repo) == [
        ("environments/dev/fraud-detector.yml", line_of(spec, "  name: fraud-detector"),
         9, "MR-REPO-005"),
    ]  # fmt: skip


def test_missing_environment_file(repo: Path) -> None:
    (repo / "environments/test/environment.yaml").unlink()
    result = findings(repo)
    assert ("environments/test/environment.yaml", 0, 0, "MR-REPO-006") in result
    # staging still promotes from test: the folder exists, so that is not reported
    assert all(rule != "MR-REPO-003" for *_, rule in result)
