"""``modelrail check --base REF`` end to end, in real git repositories.

Each test copies the bundled repository into a temporary folder, commits it
on ``main`` with git itself (no mocks), edits the KServe canary of
environments/staging/churn-predictor.yaml (currentStep 2 of the 10/25/50/100
plan) and runs ``check``. Proven here:

- MR-ROLL-011 judges the change against the base: one step on (2 -> 3) and a
  rollback (2 -> 0) pass; skipping a step (2 -> 4), or leaving currentStep
  out (full traffic, so 2 -> 4 as well), fails with one finding at the
  field's line:column that names the base; a new version starts at step 0
  or 1, never at 2;
- without ``--base``, or when the spec did not exist (or did not parse) at
  the base, only the range is judged; a step past the plan is one
  MR-ROLL-011 finding with or without ``--base`` (no MR-RENDER-001 twin);
- the base may be a branch, HEAD, a commit or an annotated tag, and the
  change may be committed on a branch or only in the working tree;
- a ref that does not resolve, or ``--base`` outside a git repository, is bad
  input: exit 2 and one line, no traceback;
- a modelrail repository in a subfolder of the git repository (found from a
  subfolder of it, or given with --root from outside git) reads the base
  through the subfolder's prefix.

Git runs with a throwaway HOME, no system config and a ceiling at the test's
folder, so neither the machine's config nor an enclosing repository counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.git import git, hermetic
from testing.repo import copy_repo, line_of, replace_once

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

SPEC = "environments/staging/churn-predictor.yaml"
STEP = "    currentStep: 2   #"  # the line as bundled (anchored: starts with spaces)
RULE = "[MR-ROLL-011]"


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)
    # commits made long ago: every soak (MR-PROM-003) is met, so the tests
    # here judge the canary step alone
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_DATE", "2020-01-01T00:00:00Z")


def commit_all(top: Path, message: str = "base") -> str:
    """Initialise ``top`` as a git repository on main (if it is not one) and
    commit everything in it; the new commit's id."""
    if not (top / ".git").exists():
        git(top, "-c", "init.defaultBranch=main", "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)
    return git(top, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the bundled repository, committed on main (the base)."""
    root = copy_repo(tmp_path / "repo")
    commit_all(root)
    return root


def check(root: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--root", str(root), *args])


def set_step(root: Path, step: int | None) -> None:
    """Move the canary of the staging churn-predictor (None: leave it out)."""
    spec = root / SPEC
    if step is None:
        text = spec.read_text(encoding="utf-8")
        line = next(ln for ln in text.splitlines(True) if ln.startswith(STEP))
        spec.write_text(text.replace(line, ""), encoding="utf-8")
    else:
        replace_once(spec, STEP, f"    currentStep: {step}   #")


def new_version(root: Path) -> None:
    """1.6.0 in staging, promoted from test, where it was committed (long
    ago), so the promotion rules pass and only the canary step is judged."""
    for env in ("dev", "test"):
        path = root / SPEC.replace("staging", env)
        replace_once(path, 'version: "1.5.0"', 'version: "1.6.0"')
    commit_all(root, "1.6.0 into dev and test")
    replace_once(root / SPEC, 'version: "1.5.0"', 'version: "1.6.0"')
    # as promote writes it: what staging ran is the version to return to
    replace_once(root / SPEC, 'previousVersion: "1.4.2"', 'previousVersion: "1.5.0"')


def step_location(root: Path) -> str:
    """``file:line:column`` of the value of currentStep in the edited spec."""
    spec = root / SPEC
    line = line_of(spec, "    currentStep:")
    text = spec.read_text(encoding="utf-8").splitlines()[line - 1]
    column = text.index("currentStep: ") + len("currentStep: ") + 1
    return f"{SPEC}:{line}:{column}"


# --base checks the touched model (churn-predictor) in all four environments
CHECKED = "checked 4 files in 4 environments"
FULL = "checked 24 files in 4 environments"  # without --base: everything


def assert_clean(result: Result, checked: str = CHECKED) -> None:
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{checked}: no problems\n"


def assert_one_error(result: Result, checked: str = CHECKED) -> str:
    """The only finding of a run that found exactly one error."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    *lines, summary = result.stdout.splitlines()
    assert len(lines) == 1, result.output
    assert summary == f"{checked}: 1 error"
    return lines[0]


def test_bundled_repository_is_clean_against_itself(repo: Path) -> None:
    result = check(repo, "--base", "main")
    assert_clean(result, "checked 0 files in 0 environments")
    assert result.stderr == "changes since main: nothing to check\n"


def test_next_step_passes(repo: Path) -> None:
    set_step(repo, 3)
    assert_clean(check(repo, "--base", "main"))


def test_skipping_a_step_fails_at_the_step(repo: Path) -> None:
    set_step(repo, 4)
    finding = assert_one_error(check(repo, "--base", "main"))
    assert finding.startswith(f"{step_location(repo)}: error {RULE} "), finding
    assert "the canary goes from step 2 to step 4 in one change (base main)" in (
        finding
    )
    assert "(fix: " in finding


def test_leaving_current_step_out_is_full_traffic(repo: Path) -> None:
    set_step(repo, None)  # 2 -> full traffic: the step of 100 %, so 3 is skipped
    finding = assert_one_error(check(repo, "--base", "main"))
    # the step is gone: the finding points at the rollout section's value
    spec = repo / SPEC
    assert finding.startswith(
        f"{SPEC}:{line_of(spec, '    strategy: canary')}:5: error {RULE} "
    ), finding
    assert "from step 2 to full traffic in one change (base main)" in finding


@pytest.mark.parametrize(
    ("step", "code"),
    [pytest.param(2, 1, id="new-version-at-2"), pytest.param(1, 0, id="at-1")],
)
def test_a_new_version_starts_at_step_one(repo: Path, step: int, code: int) -> None:
    new_version(repo)
    set_step(repo, step)
    result = check(repo, "--base", "main")
    if code == 0:
        assert_clean(result)
        return
    finding = assert_one_error(result)
    assert finding.startswith(f"{step_location(repo)}: error {RULE} "), finding
    assert "version 1.6.0 is new since main and starts at step 2" in finding


def test_a_new_version_may_start_at_zero(repo: Path) -> None:
    new_version(repo)
    set_step(repo, 0)
    assert_clean(check(repo, "--base", "main"))


def test_going_back_is_a_rollback(repo: Path) -> None:
    set_step(repo, 0)
    assert_clean(check(repo, "--base", "main"))


def test_without_base_the_working_tree_is_judged_against_head(repo: Path) -> None:
    """A plain check in a git checkout judges what the working tree changes
    against HEAD: the uncommitted jump from step 2 to 4 is one change."""
    set_step(repo, 4)
    result = check(repo)
    finding = assert_one_error(result, FULL)
    assert finding.startswith(f"{step_location(repo)}: error {RULE} "), finding
    assert "from step 2 to step 4 in one change (base HEAD)" in finding
    assert "promotion rules skipped" not in result.stderr
    commit_all(repo, "skip a step")  # committed: HEAD is the change itself
    assert_clean(check(repo), FULL)


def test_outside_git_the_history_rules_are_skipped_with_one_line(
    tmp_path: Path,
) -> None:
    plain = copy_repo(tmp_path / "plain")
    set_step(plain, 4)
    result = check(plain)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"promotion rules skipped: {plain} is not a git checkout\n"
    assert result.stdout == f"{FULL}: no problems\n"


@pytest.mark.parametrize("base", [["--base", "main"], []], ids=["base", "no-base"])
def test_past_the_plan_is_one_finding(repo: Path, base: list[str]) -> None:
    set_step(repo, 9)
    result = check(repo, *base)
    finding = assert_one_error(result, CHECKED if base else FULL)
    assert finding.startswith(f"{step_location(repo)}: error {RULE} "), finding
    assert "currentStep 9 is past the canary plan, which has 4 steps" in finding
    assert "MR-RENDER-001" not in result.output


def test_change_committed_on_a_branch(repo: Path) -> None:
    """The pull request's own flow: the change is committed on a branch,
    the working tree is clean, the base is the target branch."""
    git(repo, "checkout", "-q", "-b", "canary-step")
    set_step(repo, 4)
    commit_all(repo, "skip a step")
    assert git(repo, "status", "--porcelain") == ""
    finding = assert_one_error(check(repo, "--base", "main"))
    assert RULE in finding
    assert "(base main)" in finding
    # against itself (HEAD), the committed step 4 is no change at all
    assert_clean(check(repo, "--base", "HEAD"), "checked 0 files in 0 environments")


@pytest.mark.parametrize("form", ["sha", "short-sha", "annotated-tag", "HEAD~1"])
def test_any_commit_ish_names_the_base(repo: Path, form: str) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "-a", "-m", "the base", "v1")
    git(repo, "commit", "-q", "--allow-empty", "-m", "later")
    ref = {"sha": base, "short-sha": base[:10], "annotated-tag": "v1"}.get(form, form)
    set_step(repo, 4)
    finding = assert_one_error(check(repo, "--base", ref))
    assert f"(base {ref})" in finding


@pytest.mark.parametrize("ref", ["nosuchref", "main:environments", "main^{tree}"])
def test_a_ref_that_is_not_a_commit_exits_2(repo: Path, ref: str) -> None:
    result = check(repo, "--base", ref)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: --base {ref!r} is not a commit"), lines[0]


def test_base_outside_a_git_repository_exits_2(tmp_path: Path) -> None:
    root = copy_repo(tmp_path / "plain")  # no git init, none above (ceiling)
    result = check(root, "--base", "main")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"error: {root} is not in a git repository: --base needs one"
    ]
    assert_clean(check(root), FULL)  # without --base, git is not needed


def test_a_repository_without_commits_exits_2(tmp_path: Path) -> None:
    root = copy_repo(tmp_path / "fresh")
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    result = check(root, "--base", "main")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --base 'main' is not a commit")


def _absent(spec: Path) -> None:
    spec.unlink()


def _unparseable(spec: Path) -> None:
    spec.write_text(spec.read_text(encoding="utf-8") + "  rollout: [\n")


@pytest.mark.parametrize("base_spec", [_absent, _unparseable], ids=["new", "broken"])
def test_a_spec_new_since_the_base_is_judged_on_its_range(
    tmp_path: Path, base_spec: Callable[[Path], None]
) -> None:
    """The base commit has no (usable) churn-predictor in staging: the spec
    is new in the change, so step 4 passes and only step 9 is refused."""
    root = copy_repo(tmp_path / "repo")
    spec = root / SPEC
    bundled = spec.read_text(encoding="utf-8")
    base_spec(spec)
    commit_all(root)
    spec.write_text(bundled, encoding="utf-8")
    set_step(root, 4)
    assert_clean(check(root, "--base", "main"))
    replace_once(spec, "currentStep: 4 ", "currentStep: 9 ")
    finding = assert_one_error(check(root, "--base", "main"))
    assert "currentStep 9 is past the canary plan" in finding


@pytest.fixture
def nested(tmp_path: Path) -> Path:
    """A modelrail repository in ``ml modèles/`` of a git repository whose top
    level holds other things (a README and a decoy environments/ folder with
    the spec at step 3, which a base read without the prefix would find)."""
    top = tmp_path / "top"
    root = copy_repo(top / "ml modèles")
    (top / "README.md").write_text("monorepo\n", encoding="utf-8")
    decoy = top / SPEC
    decoy.parent.mkdir(parents=True)
    text = (root / SPEC).read_text(encoding="utf-8")
    decoy.write_text(text.replace(STEP, "    currentStep: 3   #"), encoding="utf-8")
    commit_all(top)
    set_step(root, 4)
    return root


def test_found_from_a_subfolder_of_a_nested_repository(
    nested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(nested / "environments" / "staging")
    result = CliRunner().invoke(main, ["check", "--base", "main"])
    finding = assert_one_error(result)
    assert finding.startswith(f"{step_location(nested)}: error {RULE} "), finding
    assert "from step 2 to step 4" in finding


def test_root_given_from_outside_git(
    nested: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    finding = assert_one_error(check(nested, "--base", "main"))
    assert "from step 2 to step 4" in finding
    replace_once(nested / SPEC, "currentStep: 4 ", "currentStep: 3 ")
    assert_clean(check(nested, "--base", "main"))
