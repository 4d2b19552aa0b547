"""``modelrail promote`` end to end, in real git repositories.

Each test works on a copy of one repository made once per module: the
bundled environments, policies, schemas, templates and rendered/ (rendered
again there and checked up to date with ``render --check``), committed on
main with an old date (2026-11-01), so that the versions in staging have
soaked by ``--now 2026-11-21T00:00:00Z`` whatever soak rule runs. Git runs
with a throwaway HOME, no system config and a ceiling at the test's folder.

Proven here:

- staging -> prod of fraud-detector with ``--branch --commit --body``: one
  commit on the new branch touching only the spec and its rendered app, a
  clean work tree after it, ``check`` and ``render --check`` clean, the body
  on stdout and in the file (version change, canary steps, policy summary);
- without ``--commit`` the edit and the rendered files stay uncommitted;
- KServe churn-predictor: the canary starts at step 1, rendered as
  canaryTrafficPercent 10, and MR-ROLL-011 judges it against HEAD;
- a model new to prod: the spec is made, rendered, checked (prod's rules
  fail it: exit 1) and not committed;
- the same version: a no-op, exit 0, nothing written;
- unknown model or environment, no promotion source, --from = --to, a bad
  --now, an existing branch, uncommitted changes to the target spec or its
  rendered app with --commit, --commit outside git: exit 2, one message,
  nothing written;
- check errors: exit 1, the edit stays, no commit; so do the promotion
  rules: skipping staging (MR-PROM-002), a soak not yet met at ``--now``
  (MR-PROM-003);
- a repository in a subfolder of the git repository commits its own paths.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from modelrail.cli import main
from testing.git import commit_at, git, hermetic
from testing.repo import bundled, copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

OLD = "2026-11-01T00:00:00Z"
NOW = "2026-11-21T00:00:00Z"
SPEC = "environments/prod/fraud-detector.yaml"
APP = "rendered/prod/fraud-detector/"


def make_repo(root: Path) -> Path:
    """A copy of the bundled repository with rendered/ up to date, committed
    on main at ``OLD``."""
    copy_repo(root, templates=True)
    shutil.copytree(bundled() / "rendered", root / "rendered")
    # the copy is rendered again: the tests judge what promote changes, not
    # whether the working tree's rendered/ is current
    assert invoke("render", "--root", str(root), "-j", "1").exit_code == 0
    checked = invoke("render", "--check", "--root", str(root))
    assert checked.exit_code == 0, checked.output
    commit_all(root, "base")
    return root


def commit_all(root: Path, message: str) -> None:
    if not (root / ".git").exists():
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(root, message, OLD)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("promote")
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, top)
        return make_repo(top / "repo")


@pytest.fixture
def repo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = tmp_path / "repo"
    shutil.copytree(template, root, symlinks=True)
    return root


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def promote(root: Path, *args: str) -> Result:
    return invoke("promote", "--root", str(root), "--now", NOW, *args)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD")


def status(root: Path) -> list[str]:
    """The paths git sees changed (staged or not) or untracked."""
    out = git(root, "status", "--porcelain", "--untracked-files=all")
    return [line.split(None, 1)[1] for line in out.splitlines()]


def assert_bad_input(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in line, line


# -- promotions that work -----------------------------------------------------


def test_staging_to_prod_on_a_branch_with_a_commit(repo: Path, tmp_path: Path) -> None:
    base = head(repo)
    body_file = tmp_path / "body.md"
    result = promote(
        repo,
        "fraud-detector",
        "--to",
        "prod",
        "--branch",
        "promote/fraud-detector-3.3.0",
        "--commit",
        "--body",
        str(body_file),
    )
    assert result.exit_code == 0, result.output
    # one commit on the new branch, on top of main
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == (
        "promote/fraud-detector-3.3.0"
    )
    assert git(repo, "rev-parse", "HEAD~1") == base == git(repo, "rev-parse", "main")
    assert git(repo, "log", "-1", "--format=%s") == (
        "feat(prod): promote fraud-detector 3.3.0 from staging"
    )
    message = git(repo, "log", "-1", "--format=%b")
    assert "Previous version: 3.2.0" in message
    assert (
        "Digest: sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
        in message
    )
    # touching the spec and its rendered app only, leaving nothing behind
    touched = git(repo, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert SPEC in touched
    assert f"{APP}rollout.yaml" in touched
    assert all(p == SPEC or p.startswith(APP) for p in touched), touched
    assert status(repo) == []
    assert '    version: "3.3.0"   # 3.3.0 is soaking' in (repo / SPEC).read_text()
    # the result is what check and render --check want
    checked = invoke("check", "--root", str(repo))
    assert checked.exit_code == 0, checked.output
    assert invoke("render", "--check", "--root", str(repo)).exit_code == 0
    # the pull-request body, on stdout and in the file
    assert body_file.read_text(encoding="utf-8") == result.stdout
    body = result.stdout.splitlines()
    assert "| `spec.model.version` | `3.2.0` | `3.3.0` |" in body
    assert "| 1 | 10 % | 2h | yes |" in body
    assert "| 4 | 75 % | 8h | yes |" in body
    assert any(
        line.startswith("`modelrail check`: checked ") and line.endswith("no problems.")
        for line in body
    ), body
    assert any(line.startswith(f"| `{APP}` | - | ") for line in body)
    # progress on stderr
    assert "switched to a new branch 'promote/fraud-detector-3.3.0'" in result.stderr
    assert f"wrote {SPEC} (3.2.0 -> 3.3.0; 17 field(s) changed)" in result.stderr
    assert "committed " in result.stderr


def test_without_commit_the_edit_stays_uncommitted(repo: Path) -> None:
    base = head(repo)
    result = promote(repo, "fraud-detector", "--to", "prod")
    assert result.exit_code == 0, result.output
    assert head(repo) == base
    changed = status(repo)
    assert SPEC in changed
    assert all(p == SPEC or p.startswith(APP) for p in changed), changed
    assert git(repo, "diff", "--numstat", "--", SPEC).split()[:2] == ["11", "11"]


def test_kserve_starts_its_canary_at_step_one(repo: Path) -> None:
    result = promote(repo, "churn-predictor", "--to", "prod", "--commit")
    assert result.exit_code == 0, result.output
    spec = (repo / "environments/prod/churn-predictor.yaml").read_text()
    assert "    currentStep: 1\n" in spec
    service = (repo / "rendered/prod/churn-predictor/inferenceservice.yaml").read_text()
    assert "canaryTrafficPercent: 10\n" in service
    assert "KServe: the canary is at step 1 (10 % of the traffic)" in result.stdout
    # the next step is one more pull request, judged against this commit
    replace_once(
        repo / "environments/prod/churn-predictor.yaml",
        "    currentStep: 1\n",
        "    currentStep: 3\n",
    )
    jumped = invoke("check", "--root", str(repo), "--base", "HEAD")
    assert jumped.exit_code == 1
    assert "[MR-ROLL-011]" in jumped.output


def test_a_model_new_to_prod(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "environments/prod/product-recommender.yaml").unlink()
    shutil.rmtree(repo / "rendered/prod/product-recommender")
    commit_all(repo, "product-recommender leaves prod")
    base = head(repo)
    result = promote(repo, "product-recommender", "--to", "prod", "--commit")
    # prod's scaffold has what prod's rules want (a 24 h canary plan, a first
    # release's rollback plan); only what a person must give is left to fill
    assert result.exit_code == 1, result.output
    assert "[MR-OPS-013]" in result.stderr
    assert "[MR-ROLL-009]" not in result.stderr
    assert "[MR-RBK-004]" not in result.stderr
    assert "not committed" in result.stderr
    assert head(repo) == base
    spec = (repo / "environments/prod/product-recommender.yaml").read_text()
    assert "  environment: prod\n" in spec
    assert "previousVersion" not in spec
    assert (repo / "rendered/prod/product-recommender/rollout.yaml").is_file()
    assert "Adds **product-recommender** `2.4.1` to **prod**" in result.stdout
    assert "**Not ready to merge:** fix the errors above." in result.stdout
    assert "placeholder(s) of the prod scaffold to fill" in result.stderr


def test_the_same_version_is_a_noop(repo: Path) -> None:
    result = promote(repo, "support-assistant", "--to", "prod", "--commit")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "support-assistant 1.8.0 already runs in prod" in result.stderr
    assert "nothing to promote" in result.stderr
    assert status(repo) == []


def test_from_another_environment_warns(repo: Path) -> None:
    result = promote(repo, "fraud-detector", "--to", "prod", "--from", "test")
    assert (
        "warning: prod takes versions from 'staging' (spec.promotion.from), not 'test'"
    ) in result.stderr
    assert "Promotes **fraud-detector** `3.3.0` from **test**" in result.stdout
    assert "**Note:** this promotion comes from test, not from staging." in (
        result.stdout
    )


def test_skipping_staging_fails_the_promotion_rules(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = repo / "environments/test/fraud-detector.yaml"
    replace_once(spec, 'version: "3.3.0"', 'version: "3.4.0"')
    replace_once(
        spec, "fraud-detector/3.3.0/model.onnx", "fraud-detector/3.4.0/model.onnx"
    )
    invoke("render", "--root", str(repo), "-j", "1")
    commit_all(repo, "3.4.0 in test")
    base = head(repo)
    result = promote(
        repo, "fraud-detector", "--to", "prod", "--from", "test", "--commit"
    )
    assert result.exit_code == 1, result.output
    assert (
        f"{SPEC}:17:14: error [MR-PROM-002] version 3.4.0 enters prod from test, "
        "skipping staging"
    ) in result.stderr
    assert head(repo) == base


def test_now_is_what_the_soak_is_measured_to(repo: Path) -> None:
    # staging got 3.3.0 at 2026-11-01T00:00:00Z; prod wants 24h of it there
    result = invoke(
        "promote", "--root", str(repo), "fraud-detector", "--to", "prod",
        "--commit", "--now", "2026-11-01T06:00:00+00:00",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert (
        f"{SPEC}:17:14: error [MR-PROM-003] version 3.3.0 entered staging at "
        "2026-11-01T00:00:00Z"
    ) in result.stderr
    assert "promote at 2026-11-02T00:00:00Z or later" in result.stderr
    assert "| error | MR-PROM-003 |" in result.stdout
    assert "not committed: the check found errors" in result.stderr


def test_outside_git_it_edits_checks_and_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "plain", templates=True)
    shutil.copytree(bundled() / "rendered", root / "rendered")
    assert_bad_input(
        promote(root, "fraud-detector", "--to", "prod", "--commit"),
        "--branch and --commit need a git repository",
    )
    result = promote(root, "fraud-detector", "--to", "prod")
    assert result.exit_code == 0, result.output
    assert '    version: "3.3.0"' in (root / SPEC).read_text()


def test_a_repository_in_a_subfolder_commits_its_paths(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "top"
    shutil.copytree(template, top / "models", ignore=shutil.ignore_patterns(".git"))
    (top / "README.md").write_text("not a modelrail file\n")
    commit_all(top, "base")
    result = promote(top / "models", "fraud-detector", "--to", "prod", "--commit")
    assert result.exit_code == 0, result.output
    touched = git(top, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert f"models/{SPEC}" in touched
    assert all(p.startswith(("models/" + SPEC, "models/" + APP)) for p in touched)
    assert status(top) == []


def test_a_pending_promotion_in_a_subfolder_commits(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written without --commit, then committed by a second run: the spec
    and its app are the change itself, also where git's paths start higher."""
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "top"
    shutil.copytree(template, top / "models", ignore=shutil.ignore_patterns(".git"))
    commit_all(top, "base")
    assert promote(top / "models", "fraud-detector", "--to", "prod").exit_code == 0
    again = promote(top / "models", "fraud-detector", "--to", "prod", "--commit")
    assert again.exit_code == 0, again.output
    assert "already holds the promotion of fraud-detector 3.3.0" in again.stderr
    assert git(top, "log", "-1", "--format=%s") == (
        "feat(prod): promote fraud-detector 3.3.0 from staging"
    )
    assert again.stdout.startswith("## fraud-detector 3.3.0 to prod")
    assert status(top) == []


# -- refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["nope", "--to", "prod"],
            ["model 'nope' is not in staging: no environments/staging/nope.yaml"],
        ),
        (["fraud-detector", "--to", "qa"], ["unknown environment 'qa' (--to)"]),
        (
            ["fraud-detector", "--to", "prod", "--from", "qa"],
            ["unknown environment 'qa' (--from)"],
        ),
        (
            ["fraud-detector", "--to", "dev"],
            ["environments/dev/environment.yaml", "no spec.promotion.from", "--from"],
        ),
        (
            ["fraud-detector", "--to", "prod", "--from", "prod"],
            ["--from and --to both name 'prod'"],
        ),
        (["../prod/x", "--to", "prod"], ["'../prod/x' is not a model name"]),
    ],
)
def test_bad_input(repo: Path, args: list[str], fragments: list[str]) -> None:
    assert_bad_input(promote(repo, *args), *fragments)
    assert status(repo) == []


def test_a_bad_now_is_a_usage_error(repo: Path) -> None:
    result = invoke(
        "promote", "--root", str(repo), "fraud-detector", "--to", "prod",
        "--now", "2026-11-21",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is not a moment with a time zone" in result.stderr
    assert status(repo) == []


def test_an_existing_branch_is_refused(repo: Path) -> None:
    git(repo, "branch", "taken")
    assert_bad_input(
        promote(repo, "fraud-detector", "--to", "prod", "--branch", "taken"),
        "--branch 'taken' exists already",
    )
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert status(repo) == []


@pytest.mark.parametrize("dirty", [SPEC, f"{APP}rollout.yaml"])
def test_uncommitted_changes_are_refused_with_commit(repo: Path, dirty: str) -> None:
    path = repo / dirty
    path.write_text(path.read_text() + "# a local edit\n")
    edited = path.read_text()
    assert_bad_input(
        promote(repo, "fraud-detector", "--to", "prod", "--commit"),
        "uncommitted changes in what promote edits",
        dirty,
    )
    assert path.read_text() == edited
    assert status(repo) == [dirty]


def test_check_errors_exit_1_and_commit_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = repo / "environments/staging/fraud-detector.yaml"
    text = staging.read_text()
    digest = text.split("image: ", 1)[1].split("\n", 1)[0]
    replace_once(staging, digest, "registry.example.com/ml/fraud-detector:3.3.0")
    invoke("render", "--root", str(repo), "-j", "1")
    commit_all(repo, "staging runs a tag")
    base = head(repo)
    result = promote(repo, "fraud-detector", "--to", "prod", "--commit")
    assert result.exit_code == 1, result.output
    assert "environments/prod/fraud-detector.yaml:33:12: error [MR-SEC-004]" in (
        result.stderr
    )
    assert "not committed: the check found errors" in result.stderr
    assert head(repo) == base
    assert "fraud-detector:3.3.0" in (repo / SPEC).read_text()  # the edit stays
    assert "| error | MR-SEC-004 |" in result.stdout


def test_the_body_shows_the_promoted_models_findings_only(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another model's standing warning stays out of this promotion's body and
    out of its verdict."""
    other = repo / "environments/prod/product-recommender.yaml"
    replace_once(
        other,
        "tracing: {enabled: true, sampleRate: 0.05}",
        "tracing: {enabled: false}",
    )
    assert invoke("render", "--root", str(repo)).exit_code == 0
    commit_all(repo, "a standing warning elsewhere")
    assert "product-recommender" in invoke("check", "--root", str(repo)).stdout
    result = promote(repo, "fraud-detector", "--to", "prod")
    assert result.exit_code == 0, result.output
    assert "product-recommender" not in result.stdout
    assert "product-recommender" not in result.stderr
    assert any(
        line.startswith("`modelrail check`: checked 4 files in 4 environments")
        for line in result.stdout.splitlines()
    ), result.stdout
