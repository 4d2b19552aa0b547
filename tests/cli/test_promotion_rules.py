"""The promotion rules (MR-PROM-*) end to end: ``check --base`` in real git
repositories, with the commit dates that soak times are measured from.

The bundled repository is committed on main at ``BASE_TIME``; staging and
test run fraud-detector 3.3.0 from that commit on, production 3.2.0. Each
test edits production's spec as a promotion pull request would (what
``modelrail promote`` writes: staging's version, artifact, digest and image,
and the rollback's previous version) and runs ``check --base main --now T``.
Proven here:

- staging -> prod with staging's bytes after the 24 h soak passes;
- the same before the soak is MR-PROM-003, naming the commit and the moment
  the promotion becomes possible; the soak counts from the commit that
  brought 3.3.0 into staging's spec, not from a later edit of that spec;
- a digest (or image) that differs from staging's is MR-PROM-001;
- a version from test while staging runs another is MR-PROM-002 (skipping
  staging), and not MR-PROM-001 as well;
- a lower version is MR-PROM-004 unless declared with rollback.revert, and a
  declared rollback is not judged as a promotion;
- without --base, a plain check judges the working tree against HEAD: an
  uncommitted promotion meets the same soak rule; outside git the rules are
  skipped with one line saying so;
- each finding is one line at file:line:column of the field, exit code 1.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.git import commit_at, git, hermetic
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

PROD = "environments/prod/fraud-detector.yaml"
STAGING = "environments/staging/fraud-detector.yaml"
BASE_TIME = "2026-11-10T08:00:00Z"
SOAKED = "2026-11-11T08:00:00Z"  # 24 h later: production's soak exactly
EARLY = "2026-11-10T20:00:00Z"  # 12 h in
OLD_DIGEST = "sha256:23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c"
NEW_DIGEST = "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
OLD_IMAGE = "48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0"
NEW_IMAGE = "33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b"
FINDING = re.compile(
    r"^(\S+):(\d+):(\d+): error \[(MR-[A-Z]+-\d{3})\] (.*?)(?: \(fix: .*\))?$"
)


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)


def commit(root: Path, message: str, when: str) -> str:
    return commit_at(root, message, when)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = copy_repo(tmp_path / "repo")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit(root, "the bundled repository", BASE_TIME)
    return root


def check(root: Path, now: str, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["check", "--root", str(root), "--base", "main", "--now", now, *args]
    )


def promote_by_hand(root: Path, *, digest: str = NEW_DIGEST) -> None:
    """Production's spec as a promotion of staging's 3.3.0 writes it."""
    spec = root / PROD
    replace_once(spec, 'version: "3.2.0"', 'version: "3.3.0"')
    replace_once(
        spec, "fraud-detector/3.2.0/model.onnx", "fraud-detector/3.3.0/model.onnx"
    )
    replace_once(spec, OLD_DIGEST, digest)
    replace_once(spec, OLD_IMAGE, NEW_IMAGE)
    replace_once(spec, 'previousVersion: "3.1.4"', 'previousVersion: "3.2.0"')


def findings(result: Result) -> list[tuple[str, int, int, str, str]]:
    assert "Traceback" not in result.output
    out = []
    for line in result.stdout.splitlines()[:-1]:
        match = FINDING.match(line)
        assert match, line
        path, row, col, rule, message = match.groups()
        out.append((path, int(row), int(col), rule, message))
    return out


def position(root: Path, fragment: str) -> tuple[int, int]:
    """Line and column (1-based) of the value after ``fragment`` in prod's spec."""
    for number, line in enumerate((root / PROD).read_text().splitlines(), 1):
        if fragment in line:
            return number, line.index(fragment) + len(fragment) + 1
    raise AssertionError(fragment)


def test_without_base_the_bundled_repository_is_clean(repo: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--root", str(repo)])
    assert result.exit_code == 0, result.output


def test_without_base_an_uncommitted_promotion_meets_the_soak(repo: Path) -> None:
    """Plain check said 'no problems' where check --base and promote reported
    the soak: it now judges the working tree against HEAD's history."""
    promote_by_hand(repo)
    plain = ["check", "--root", str(repo), "--now"]
    early = CliRunner().invoke(main, [*plain, EARLY])
    ((path, _, _, rule, message),) = findings(early)
    assert (path, rule) == (PROD, "MR-PROM-003")
    assert "needs 24h there: promote at 2026-11-11T08:00:00Z or later" in message
    assert early.exit_code == 1
    soaked = CliRunner().invoke(main, [*plain, SOAKED])
    assert soaked.exit_code == 0, soaked.output
    assert soaked.stderr == ""


def test_promotion_after_the_soak_passes(repo: Path) -> None:
    promote_by_hand(repo)
    result = check(repo, SOAKED)
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 4 files in 4 environments: no problems\n"


def test_promotion_before_the_soak_fails_naming_the_commit(repo: Path) -> None:
    brought = git(repo, "rev-parse", "HEAD")
    promote_by_hand(repo)
    result = check(repo, EARLY)
    assert result.exit_code == 1, result.output
    [(path, row, col, rule, message)] = findings(result)
    assert (path, (row, col), rule) == (
        PROD,
        position(repo, "version: "),
        "MR-PROM-003",
    )
    assert message.startswith(
        f"version 3.3.0 entered staging at 2026-11-10T08:00:00Z (commit "
        f"{brought[:12]}), 12h before 2026-11-10T20:00:00Z; prod needs 24h "
        "there: promote at 2026-11-11T08:00:00Z or later"
    ), message


def test_soak_counts_from_the_commit_that_brought_the_version(repo: Path) -> None:
    """A later edit of staging's spec (a comment, a replica count) does not
    restart the soak; the version's own commit starts it."""
    replace_once(repo / STAGING, "  description: ", "  description: Edited. ")
    commit(repo, "staging: a later edit", "2026-11-11T07:00:00Z")
    promote_by_hand(repo)
    assert check(repo, SOAKED).exit_code == 0


def test_soak_restarts_when_the_version_left_and_came_back(repo: Path) -> None:
    staging = repo / STAGING
    replace_once(staging, 'version: "3.3.0"', 'version: "3.3.1"')
    commit(repo, "staging: 3.3.1", "2026-11-10T10:00:00Z")
    replace_once(staging, 'version: "3.3.1"', 'version: "3.3.0"')
    back = commit(repo, "staging: back to 3.3.0", "2026-11-11T00:00:00Z")
    promote_by_hand(repo)
    result = check(repo, SOAKED)  # 32 h after the first, 8 h after the return
    [(_, _, _, rule, message)] = findings(result)
    assert rule == "MR-PROM-003"
    assert f"(commit {back[:12]}), 8h before" in message


def test_a_moment_before_the_commit_is_said_so(repo: Path) -> None:
    promote_by_hand(repo)
    [(_, _, _, rule, message)] = findings(check(repo, "2026-11-09T00:00:00Z"))
    assert rule == "MR-PROM-003"
    assert "after the moment judged, 2026-11-09T00:00:00Z; prod needs 24h" in message


def test_digest_mismatch_fails_at_the_digest(repo: Path) -> None:
    promote_by_hand(repo, digest="sha256:" + "1" * 64)
    result = check(repo, SOAKED)
    assert result.exit_code == 1, result.output
    [(path, row, col, rule, message)] = findings(result)
    assert (path, (row, col), rule) == (PROD, position(repo, "digest: "), "MR-PROM-001")
    assert message.startswith(
        "version 3.3.0 has digest sha256:1111111111111...111111111111 here but "
        "sha256:c9d0397798844...dc1ab14132f7 in staging"
    ), message
    assert "in staging: the same version must be the same bytes" in message


def test_skipping_staging_fails_once_naming_the_chain(repo: Path) -> None:
    # 3.4.0 reached dev and test; staging still runs 3.3.0
    for env in ("dev", "test"):
        replace_once(
            repo / f"environments/{env}/fraud-detector.yaml",
            'version: "3.3.0"',
            'version: "3.4.0"',
        )
    commit(repo, "3.4.0 into dev and test", BASE_TIME)
    replace_once(repo / PROD, 'version: "3.2.0"', 'version: "3.4.0"')
    replace_once(repo / PROD, 'previousVersion: "3.1.4"', 'previousVersion: "3.2.0"')
    result = check(repo, SOAKED)
    assert result.exit_code == 1, result.output
    [(path, row, col, rule, message)] = findings(result)
    assert (path, (row, col), rule) == (
        PROD,
        position(repo, "version: "),
        "MR-PROM-002",
    )
    assert message == (
        "version 3.4.0 enters prod from test, skipping staging (the chain is "
        "dev -> test -> staging -> prod)"
    )


def test_lower_version_needs_a_declared_rollback(repo: Path) -> None:
    spec = repo / PROD
    replace_once(spec, 'version: "3.2.0"', 'version: "3.1.4"')
    replace_once(spec, 'previousVersion: "3.1.4"', 'previousVersion: "3.2.0"')
    [(path, _, _, rule, message)] = findings(check(repo, SOAKED))
    assert (path, rule) == (PROD, "MR-PROM-004")
    assert message == (
        "the version goes down from 3.2.0 to 3.1.4 without a declared rollback"
    )
    # declared: no promotion rule judges it (not a promotion from staging),
    # but it must return to what ran here, and 3.1.4 never did (MR-RBK-006;
    # tests/cli/test_rollback.py rolls back to what ran)
    replace_once(
        spec,
        'previousVersion: "3.2.0"',
        'previousVersion: "3.2.0"\n    revert: {from: "3.2.0", reason: "INC-7: p95 x2"}',
    )
    [(path, _, _, rule, message)] = findings(check(repo, SOAKED))
    assert (path, rule) == (PROD, "MR-RBK-006")
    assert message.startswith("the rollback returns to 3.1.4, which never ran in prod")


def test_a_shallow_clone_is_refused(repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    result = CliRunner().invoke(main, ["check", "--root", str(clone), "--base", "HEAD"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "is shallow" in result.output
    assert "fetch-depth: 0" in result.output
