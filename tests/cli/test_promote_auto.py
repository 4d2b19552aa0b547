"""``modelrail promote --auto`` end to end, in real git repositories.

The tests' repository with prod opted in (``spec.promotion.auto: true``) is
committed on main at 2026-11-01T00:00:00Z: staging runs fraud-detector 3.3.0
and churn-predictor 1.5.0, prod 3.2.0 and 1.4.2, and prod needs a 24h soak
in staging. From there:

- before the soak nothing is promoted, and each model says when it is due;
- after it, one branch ``promote/prod/<model>`` per due model, each one
  commit made as ``promote --commit`` makes it, with its pull-request body;
  HEAD is back on main and the working tree clean; the others are skipped
  with their reason;
- a second run changes nothing (a promotion is under way);
- fraud-detector's promotion merged, then rolled back with ``modelrail
  rollback --commit``: held, with how to lift the hold, until a commit
  removes ``spec.rollback.revert``; then promoted again;
- an environment that does not opt in: nothing; ``--dry-run`` writes
  nothing; a gate that fails: nothing committed, nothing left behind.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

import pytest
import yaml

from testing.git import commit_at, git, hermetic
from testing.promoted import invoke
from testing.repo import bundled, copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

    from click.testing import Result

BASE = "2026-11-01T00:00:00Z"
EARLY = "2026-11-01T12:00:00Z"  # 12h of the 24h soak
LATER = "2026-11-02T01:00:00Z"  # 25h: the soak is met
PROMOTED = ("churn-predictor", "fraud-detector")


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    top = tmp_path_factory.mktemp("auto")
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, top)
        root = copy_repo(top / "repo", templates=True)
        shutil.copytree(bundled() / "rendered", root / "rendered")
        opt_in(root, "prod")
        git(root, "-c", "init.defaultBranch=main", "init", "-q")
        commit_at(root, "base", BASE)
    return root


@pytest.fixture
def repo(origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = tmp_path / "repo"
    git(tmp_path, "clone", "-q", str(origin), str(root))
    git(root, "checkout", "-q", "-B", "main", "origin/main")
    # the clone's origin/main is no promotion branch; nothing else is there
    return root


def opt_in(root: Path, env: str) -> None:
    path = root / "environments" / env / "environment.yaml"
    text = path.read_text(encoding="utf-8")
    head = "  promotion:\n"
    assert text.count(head) == 1
    path.write_text(text.replace(head, head + "    auto: true\n"), encoding="utf-8")


def auto(root: Path, now: str, *extra: str) -> Result:
    return invoke(
        "promote", "--auto", "--no-gate", "--now", now, "--root", str(root), *extra
    )


def lines(result: Result) -> dict[str, str]:
    """``{env/model: what}`` from the lines on stdout."""
    found = {}
    for line in result.stdout.splitlines():
        where, _, what = line.partition(": ")
        found[where] = what
    return found


def branches(root: Path) -> list[str]:
    return git(root, "branch", "--format=%(refname:short)").split()


def spec_at(root: Path, ref: str, env: str, model: str) -> dict[str, object]:
    data = yaml.safe_load(git(root, "show", f"{ref}:environments/{env}/{model}.yaml"))
    assert isinstance(data, dict)
    return data


def version_at(root: Path, ref: str, env: str, model: str) -> str:
    spec = spec_at(root, ref, env, model)["spec"]
    assert isinstance(spec, dict)
    return str(spec["model"]["version"])


def clean(root: Path) -> None:
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(root, "branch", "--show-current") == "main"


def test_before_the_soak_nothing_is_promoted(repo: Path) -> None:
    done = auto(repo, EARLY)
    assert done.exit_code == 0, done.output
    said = lines(done)
    assert said["prod/fraud-detector"] == (
        "skipped: 3.3.0 soaking in staging since 2026-11-01T00:00:00Z (commit "
        f"{git(repo, 'rev-parse', 'HEAD')[:12]}, 12h); prod needs 24h: due at "
        "2026-11-02T00:00:00Z"
    )
    assert said["prod/churn-predictor"].startswith("skipped: 1.5.0 soaking")
    assert said["prod/support-assistant"] == "skipped: prod runs 1.8.0 already"
    assert branches(repo) == ["main"]
    clean(repo)


def test_after_the_soak_one_branch_per_due_model(repo: Path, tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    done = auto(repo, LATER, "--body", str(tmp_path / "bodies"))
    assert done.exit_code == 0, done.output
    said = lines(done)
    assert said["prod/fraud-detector"] == (
        "promoted 3.2.0 -> 3.3.0 from staging on branch promote/prod/fraud-detector"
    )
    assert said["prod/churn-predictor"] == (
        "promoted 1.4.2 -> 1.5.0 from staging on branch promote/prod/churn-predictor"
    )
    assert said["prod/product-recommender"] == "skipped: prod runs 2.4.1 already"
    assert sorted(branches(repo)) == [
        "main",
        "promote/prod/churn-predictor",
        "promote/prod/fraud-detector",
    ]
    clean(repo)
    assert git(repo, "rev-parse", "HEAD") == head  # main did not move
    for model, version in zip(PROMOTED, ("1.5.0", "3.3.0"), strict=True):
        branch = f"promote/prod/{model}"
        # one commit on main's, as promote --commit makes it
        assert git(repo, "rev-list", "--count", f"main..{branch}") == "1"
        assert git(repo, "log", "-1", "--format=%s", branch) == (
            f"feat(prod): promote {model} {version} from staging"
        )
        assert version_at(repo, branch, "prod", model) == version
        touched = git(repo, "diff", "--name-only", f"main...{branch}").splitlines()
        assert f"environments/prod/{model}.yaml" in touched
        assert all(
            p == f"environments/prod/{model}.yaml" or p.startswith("rendered/prod/")
            for p in touched
        ), touched
        body = (tmp_path / "bodies" / "prod" / f"{model}.md").read_text()
        assert f"{model}" in body
        assert version in body
    # the bodies are in the files, not on stdout
    assert "##" not in done.stdout
    # the branch checks clean: what CI will say on its pull request
    git(repo, "switch", "-q", "promote/prod/fraud-detector")
    checked = invoke("check", "--base", "main", "--now", LATER, "--root", str(repo))
    assert checked.exit_code == 0, checked.output


def test_a_second_run_changes_nothing(repo: Path) -> None:
    first = auto(repo, LATER)
    assert first.exit_code == 0, first.output
    tips = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
    again = auto(repo, LATER)
    assert again.exit_code == 0, again.output
    said = lines(again)
    for model in PROMOTED:
        assert said[f"prod/{model}"] == (
            f"skipped: a promotion of it is under way (refs/heads/promote/prod/{model})"
        )
    assert git(repo, "for-each-ref", "--format=%(refname) %(objectname)") == tips
    clean(repo)


def test_a_branch_on_the_remote_counts_too(repo: Path) -> None:
    git(repo, "update-ref", "refs/remotes/origin/promote/prod/fraud-detector", "HEAD")
    done = auto(repo, LATER, "--dry-run")
    assert lines(done)["prod/fraud-detector"] == (
        "skipped: a promotion of it is under way "
        "(refs/remotes/origin/promote/prod/fraud-detector)"
    )
    git(repo, "update-ref", "-d", "refs/remotes/origin/promote/prod/fraud-detector")
    git(repo, "update-ref", "refs/remotes/origin/rollback/prod/fraud-detector", "HEAD")
    done = auto(repo, LATER, "--dry-run")
    assert lines(done)["prod/fraud-detector"] == (
        "skipped: a rollback of it is under way "
        "(refs/remotes/origin/rollback/prod/fraud-detector)"
    )


def test_a_rollback_holds_the_model_until_the_hold_is_lifted(repo: Path) -> None:
    done = auto(repo, LATER)
    assert done.exit_code == 0, done.output
    # the promotion is merged (its pull request), its branch deleted
    git(
        repo, "merge", "-q", "--no-ff", "-m", "Merge fraud-detector 3.3.0",
        "promote/prod/fraud-detector",
        env={"GIT_AUTHOR_DATE": LATER, "GIT_COMMITTER_DATE": LATER},
    )  # fmt: skip
    git(repo, "branch", "-q", "-D", "promote/prod/fraud-detector")
    merged = auto(repo, "2026-11-03T00:00:00Z")
    assert lines(merged)["prod/fraud-detector"] == "skipped: prod runs 3.3.0 already"
    # then rolled back
    back = invoke(
        "rollback", "fraud-detector", "--env", "prod", "--reason", "INC-7: latency",
        "--commit", "--now", "2026-11-03T09:30:00Z", "--root", str(repo),
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    assert version_at(repo, "HEAD", "prod", "fraud-detector") == "3.2.0"
    clean(repo)
    held = auto(repo, "2026-11-05T00:00:00Z")
    assert held.exit_code == 0, held.output
    assert lines(held)["prod/fraud-detector"] == (
        "skipped: held since the rollback from 3.3.0 at 2026-11-03T09:30:00Z: "
        "remove spec.rollback.revert from environments/prod/fraud-detector.yaml "
        "to lift it (or promote by hand)"
    )
    assert "promote/prod/fraud-detector" not in branches(repo)
    # a person lifts the hold: a commit that removes the revert
    spec = repo / "environments" / "prod" / "fraud-detector.yaml"
    spec.write_text(without_revert(spec.read_text()), encoding="utf-8")
    checked = invoke("check", "--now", "2026-11-06T00:00:00Z", "--root", str(repo))
    assert checked.exit_code == 0, checked.output
    commit_at(repo, "lift the hold on fraud-detector in prod", "2026-11-06T00:00:00Z")
    again = auto(repo, "2026-11-06T01:00:00Z")
    assert again.exit_code == 0, again.output
    assert lines(again)["prod/fraud-detector"] == (
        "promoted 3.2.0 -> 3.3.0 from staging on branch promote/prod/fraud-detector"
    )
    assert version_at(
        repo, "promote/prod/fraud-detector", "prod", "fraud-detector"
    ) == ("3.3.0")
    clean(repo)


def without_revert(text: str) -> str:
    """``text`` without the ``rollback.revert`` mapping (its line and the
    lines under it)."""
    new, count = re.subn(r"(?m)^    revert:.*\n(?:^      .*\n)*", "", text)
    assert count == 1, text
    return new


def test_an_environment_that_does_not_opt_in_gets_nothing(repo: Path) -> None:
    done = auto(repo, LATER, "--env", "staging")  # another name of --to
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "staging: does not opt in to automatic promotion (spec.promotion.auto: "
        "true in its environment.yaml)\n"
    )
    replace_once(
        repo / "environments" / "prod" / "environment.yaml", "    auto: true\n", ""
    )
    commit_at(repo, "prod opts out", BASE)
    done = auto(repo, LATER)
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "no environment opts in to automatic promotion: nothing to do\n"
    )
    assert branches(repo) == ["main"]


def test_dry_run_writes_nothing(repo: Path, tmp_path: Path) -> None:
    done = auto(repo, LATER, "--dry-run", "--body", str(tmp_path / "bodies"))
    assert done.exit_code == 0, done.output
    assert lines(done)["prod/fraud-detector"] == (
        "would promote 3.2.0 -> 3.3.0 from staging on branch "
        "promote/prod/fraud-detector"
    )
    assert branches(repo) == ["main"]
    assert not (tmp_path / "bodies").exists()
    clean(repo)


def test_a_gate_that_fails_leaves_nothing_behind(repo: Path, tmp_path: Path) -> None:
    # nothing listens on port 9: the evidence cannot be read, the gate fails
    done = invoke(
        "promote", "--auto", "--now", LATER, "--root", str(repo),
        "--prometheus", "http://127.0.0.1:9", "--registry", "http://127.0.0.1:9",
        "--body", str(tmp_path / "bodies"),
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    said = lines(done)
    for model in PROMOTED:
        assert said[f"prod/{model}"].startswith("not promoted (exit 2)"), said
    assert "gate:" in done.stderr
    assert branches(repo) == ["main"]
    assert list((tmp_path / "bodies").rglob("*.md")) == []
    clean(repo)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fraud-detector"], "no MODEL, --from, --branch or --commit"),
        (["--from", "staging"], "no MODEL, --from, --branch or --commit"),
        (["--commit"], "no MODEL, --from, --branch or --commit"),
        (["--to", "nowhere"], "unknown environment 'nowhere'"),
        (["--no-gate", "--prometheus", "http://x"], "go with --gate"),
    ],
)
def test_bad_usage(repo: Path, args: list[str], message: str) -> None:
    done = invoke("promote", "--auto", "--root", str(repo), *args)
    assert done.exit_code == 2, done.output
    assert message in done.output


def test_dry_run_goes_with_auto(repo: Path) -> None:
    done = invoke(
        "promote", "fraud-detector", "--to", "prod", "--dry-run", "--root", str(repo)
    )
    assert done.exit_code == 2
    assert "--dry-run goes with --auto" in done.output
