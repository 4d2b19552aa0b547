"""modelrail.git.changes: what a change touches, and what ``check --base`` judges.

``scope`` is fed hand-made path lists; ``changed`` runs against real git
repositories made in the test's folder (no mocks; git runs with a throwaway
HOME, no system config and a ceiling at the test's folder). Proven:

- a spec (.yaml or .yml) scopes its model, in every environment; an
  environment's environment.yaml or waivers.yaml, and any other file in its
  folder (not YAML, or in a subfolder), scope the environment; policies/,
  schemas/ and src/ scope everything; docs/, rendered/, render/ and the top
  level scope nothing;
- ``Changes.covers`` follows the scope (a model by file stem, ModelDeployment
  files only; an environment whole), and ``describe`` says it in one line;
- ``changed`` counts staged, unstaged and untracked files, deletions and
  both sides of a rename, committed changes between the base and HEAD (a
  branch's commits), and paths with spaces and non-ASCII letters exactly;
  ignored files, files outside environments/, policies/, schemas/ and src/,
  and (for a repository in a subfolder of the git repository) files outside
  that subfolder do not count; its paths are relative to the modelrail root;
- a base that is not a commit, or a folder outside git, is a RepositoryError;
- ``check.run`` with ``Options.changes`` checks only what the scope covers,
  with the environment and waivers files of the environments it touches.

Two scope bugs these tests found stay pinned: ``waivers.yml`` and
``environment.yml`` (which the repository reads as waivers and environment
files) scoped a model named "waivers" or "environment" instead of their
environment; a file directly under environments/ (a README) scoped an
"environment" named after the file.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from modelrail.check.runner import Options, run
from modelrail.errors import RepositoryError
from modelrail.git.changes import Changes, changed, scope
from modelrail.repository.layout import Repository, SourceFile
from testing.git import git, hermetic
from testing.repo import bundled as fixture_repo
from testing.repo import copy_repo

NONE: frozenset[str] = frozenset()


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)


# --- scope ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "environments", "models"),
    [
        ("environments/prod/fraud-detector.yaml", NONE, {"fraud-detector"}),
        ("environments/prod/fraud-detector.yml", NONE, {"fraud-detector"}),
        ("environments/dev/a.b.yaml", NONE, {"a.b"}),
        ("environments/prod/environment.yaml", {"prod"}, NONE),
        ("environments/prod/waivers.yaml", {"prod"}, NONE),
        # a stray file in an environment's folder: the folder is judged
        ("environments/prod/notes.md", {"prod"}, NONE),
        ("environments/prod/fraud-detector.yaml.orig", {"prod"}, NONE),
        ("environments/prod/.fraud-detector.yaml.swp", {"prod"}, NONE),
        ("environments/prod/fraud-detector.YAML", {"prod"}, NONE),
        ("environments/prod/sub/fraud-detector.yaml", {"prod"}, NONE),
        ("environments/prod/a/b/c.txt", {"prod"}, NONE),
        ("environments/qa/environment.yaml", {"qa"}, NONE),  # a new environment
    ],
)
def test_a_path_under_environments(
    path: str, environments: frozenset[str], models: frozenset[str]
) -> None:
    changes = scope([path])
    assert changes == Changes(
        (path,), False, frozenset(environments), frozenset(models)
    )


@pytest.mark.parametrize(
    "path",
    [
        "policies/profiles.yaml",
        "policies/security/sec_004_pinned_image.py",
        "policies/checklist.yaml",
        "schemas/modeldeployment.v1.json",
        "src/modelrail/check.py",
        "src/modelrail/render/__init__.py",
    ],
)
def test_a_policy_schema_or_modelrail_scopes_everything(path: str) -> None:
    changes = scope([path, "environments/prod/fraud-detector.yaml"])
    assert changes.everything
    assert changes.paths == tuple(
        sorted([path, "environments/prod/fraud-detector.yaml"])
    )
    assert changes.describe() == (
        "policies, schemas or modelrail changed: checking everything"
    )


@pytest.mark.parametrize(
    "path",
    [
        "docs/ci.md",
        "rendered/prod/fraud-detector/rollout.yaml",
        "render/templates/rollout.yaml.j2",
        "README.md",
        "CHANGELOG.md",
        "pyproject.toml",
        ".github/workflows/check.yml",
        "tests/git/test_changes.py",
        "srcs/x.py",  # a prefix of a watched name is not that name
        "environments-old/prod/fraud-detector.yaml",
        "environments",  # the folder itself names no environment
    ],
)
def test_other_paths_scope_nothing(path: str) -> None:
    changes = scope([path])
    assert changes == Changes((path,), False, NONE, NONE)
    assert changes.describe() == "nothing to check"


@pytest.mark.parametrize("name", ["waivers.yml", "environment.yml"])
def test_yml_environment_and_waivers_files_scope_their_environment(name: str) -> None:
    source = Repository(Path("/r")).source(Path(f"/r/environments/prod/{name}"))
    assert source.kind != "ModelDeployment"  # what check reads it as
    assert scope([f"environments/prod/{name}"]).environments == {"prod"}


def test_a_file_directly_under_environments_scopes_no_environment() -> None:
    changes = scope(["environments/README.md"])
    assert changes.environments == NONE
    assert changes.describe() == "nothing to check"


def test_a_mixed_change() -> None:
    paths = [
        "environments/staging/fraud-detector.yaml",
        "environments/prod/fraud-detector.yaml",
        "environments/prod/churn-predictor.yml",
        "environments/dev/waivers.yaml",
        "environments/test/environment.yaml",
        "docs/ci.md",
    ]
    changes = scope(paths)
    assert changes.paths == tuple(sorted(paths))
    assert not changes.everything
    assert changes.environments == {"dev", "test"}
    assert changes.models == {"fraud-detector", "churn-predictor"}
    assert changes.describe() == (
        "checking 2 models in every environment and environment dev, test"
    )


@pytest.mark.parametrize(
    ("paths", "description"),
    [
        ([], "nothing to check"),
        (["environments/prod/a.yaml"], "checking 1 model in every environment"),
        (
            ["environments/prod/a.yaml", "environments/dev/a.yml"],
            "checking 1 model in every environment",
        ),
        (
            ["environments/prod/a.yaml", "environments/dev/b.yaml"],
            "checking 2 models in every environment",
        ),
        (["environments/prod/waivers.yaml"], "checking environment prod"),
        (
            ["environments/test/x.txt", "environments/dev/environment.yaml"],
            "checking environment dev, test",
        ),
    ],
)
def test_describe(paths: list[str], description: str) -> None:
    assert scope(paths).describe() == description


# --- covers -----------------------------------------------------------------------

ROOT = Path("/repo")


def source(display: str) -> SourceFile:
    return Repository(fixture_repo()).source(fixture_repo() / display)


def covered(changes: Changes) -> list[str]:
    files = [
        f"environments/{env}/{name}"
        for env in ("dev", "prod", "staging")
        for name in (
            "environment.yaml",
            "waivers.yaml",
            "fraud-detector.yaml",
            "churn-predictor.yml",
        )
    ]
    return [f for f in files if changes.covers(source(f))]


def test_covers_a_model_in_every_environment() -> None:
    changes = scope(["environments/prod/fraud-detector.yaml"])
    assert covered(changes) == [
        f"environments/{env}/fraud-detector.yaml" for env in ("dev", "prod", "staging")
    ]
    # by stem: a .yml spec of a changed .yaml spec's model
    assert covered(scope(["environments/dev/churn-predictor.yaml"])) == [
        f"environments/{env}/churn-predictor.yml" for env in ("dev", "prod", "staging")
    ]


def test_a_model_named_like_a_file_kind_covers_only_specs() -> None:
    """``models`` holds stems; a waivers file is no spec, whatever its stem."""
    changes = Changes((), False, NONE, frozenset({"waivers", "environment"}))
    assert covered(changes) == []


def test_covers_an_environment_whole() -> None:
    changes = scope(["environments/staging/waivers.yaml"])
    assert covered(changes) == [
        "environments/staging/environment.yaml",
        "environments/staging/waivers.yaml",
        "environments/staging/fraud-detector.yaml",
        "environments/staging/churn-predictor.yml",
    ]


def test_covers_everything_and_nothing() -> None:
    assert len(covered(scope(["schemas/waivers.v1.json"]))) == 12
    assert covered(scope([])) == []
    assert covered(scope(["docs/index.md", "rendered/prod/x/rollout.yaml"])) == []


# --- changed, in real git repositories ------------------------------------------

BASE_FILES = {
    "environments/prod/environment.yaml": "kind: Environment\n",
    "environments/prod/fraud-detector.yaml": "version: 1\n",
    "environments/prod/churn-predictor.yaml": "version: 1\n",
    "environments/staging/fraud-detector.yaml": "version: 1\n",
    "policies/security/sec_001.py": "ID = 'MR-SEC-001'\n",
    "schemas/environment.v1.json": "{}\n",
    "docs/index.md": "# docs\n",
    "rendered/prod/fraud-detector/rollout.yaml": "kind: Rollout\n",
    "render/templates/rollout.yaml.j2": "kind: Rollout\n",
    ".gitignore": "*.bak\nenvironments/prod/scratch/\n",
}


def write(top: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def commit(top: Path, message: str = "c") -> str:
    if not (top / ".git").exists():
        git(top, "-c", "init.defaultBranch=main", "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)
    return git(top, "rev-parse", "HEAD")


@pytest.fixture
def top(tmp_path: Path) -> Path:
    """A git repository whose top level is the modelrail root: BASE_FILES
    committed on main."""
    top = tmp_path / "top"
    write(top, BASE_FILES)
    commit(top, "base")
    return top


def test_a_clean_tree_changes_nothing(top: Path) -> None:
    changes = changed(top, "main")
    assert changes == Changes((), False, NONE, NONE)
    assert changes.describe() == "nothing to check"


def test_unstaged_staged_and_untracked(top: Path) -> None:
    write(top, {"environments/prod/fraud-detector.yaml": "version: 2\n"})  # unstaged
    write(top, {"environments/staging/fraud-detector.yaml": "version: 2\n"})
    git(top, "add", "environments/staging/fraud-detector.yaml")  # staged
    write(top, {"environments/prod/new-model.yaml": "version: 1\n"})  # untracked
    write(top, {"environments/dev/environment.yaml": "kind: Environment\n"})
    changes = changed(top, "main")
    assert changes.paths == (
        "environments/dev/environment.yaml",
        "environments/prod/fraud-detector.yaml",
        "environments/prod/new-model.yaml",
        "environments/staging/fraud-detector.yaml",
    )
    assert changes.models == {"fraud-detector", "new-model"}
    assert changes.environments == {"dev"}
    assert not changes.everything


def test_a_change_staged_then_undone_in_the_tree_is_no_change(top: Path) -> None:
    """The working tree is what is checked: the index in between does not count."""
    spec = "environments/prod/fraud-detector.yaml"
    write(top, {spec: "version: 2\n"})
    git(top, "add", spec)
    write(top, {spec: "version: 1\n"})
    assert changed(top, "main").paths == ()


def test_ignored_and_unwatched_files_do_not_count(top: Path) -> None:
    write(
        top,
        {
            "environments/prod/fraud-detector.yaml.bak": "ignored\n",
            "environments/prod/scratch/notes.yaml": "ignored\n",
            "docs/index.md": "# changed docs\n",
            "docs/new.md": "untracked docs\n",
            "rendered/prod/fraud-detector/rollout.yaml": "kind: Changed\n",
            "render/templates/new.yaml.j2": "untracked\n",
            "README.md": "untracked\n",
            ".gitignore": "*.bak\nenvironments/prod/scratch/\n# edited\n",
        },
    )
    assert changed(top, "main") == Changes((), False, NONE, NONE)
    # what is not ignored in the same folders counts
    write(top, {"environments/prod/notes.txt": "a stray file\n"})
    assert changed(top, "main").environments == {"prod"}


def test_a_deleted_spec_counts(top: Path) -> None:
    (top / "environments/prod/churn-predictor.yaml").unlink()
    changes = changed(top, "main")
    assert changes.paths == ("environments/prod/churn-predictor.yaml",)
    assert changes.models == {"churn-predictor"}
    git(top, "rm", "-q", "environments/staging/fraud-detector.yaml")  # staged
    assert changed(top, "main").models == {"churn-predictor", "fraud-detector"}


def test_a_deleted_environment_file_counts(top: Path) -> None:
    (top / "environments/prod/environment.yaml").unlink()
    assert changed(top, "main").environments == {"prod"}


def test_both_sides_of_a_rename_count(top: Path) -> None:
    git(
        top,
        "mv",
        "environments/prod/churn-predictor.yaml",
        "environments/prod/churn-model.yaml",
    )
    (top / "environments/test").mkdir()
    git(
        top,
        "mv",
        "environments/staging/fraud-detector.yaml",
        "environments/test/fraud-detector.yaml",
    )
    changes = changed(top, "main")
    assert changes.paths == (
        "environments/prod/churn-model.yaml",
        "environments/prod/churn-predictor.yaml",
        "environments/staging/fraud-detector.yaml",
        "environments/test/fraud-detector.yaml",
    )
    assert changes.models == {"churn-model", "churn-predictor", "fraud-detector"}
    commit(top, "renames")  # committed (main moves on): the same answer
    assert changed(top, "HEAD~1") == changes
    assert changed(top, "main") == Changes((), False, NONE, NONE)


def test_a_rename_with_an_edit_counts_both_sides(top: Path) -> None:
    old = top / "environments/prod/churn-predictor.yaml"
    old.rename(top / "environments/prod/churn.yml")
    write(top, {"environments/prod/churn.yml": "version: 1\n# moved\n"})
    git(top, "add", "-A")
    assert changed(top, "main").models == {"churn", "churn-predictor"}


SPACED = "environments/prod/modèle à tester.yaml"
ODD = 'environments/prod/quote"tab\tend.yaml'


@pytest.mark.parametrize("quote_path", ["true", "false"])
@pytest.mark.parametrize("state", ["untracked", "staged", "committed-then-edited"])
def test_paths_with_spaces_and_non_ascii(
    top: Path, state: str, quote_path: str
) -> None:
    git(top, "config", "core.quotePath", quote_path)
    write(top, {SPACED: "version: 1\n", ODD: "version: 1\n"})
    if state != "untracked":
        git(top, "add", "-A")
    if state == "committed-then-edited":
        base = commit(top, "odd names")
        write(top, {SPACED: "version: 2\n", ODD: "version: 2\n"})
        changes = changed(top, base)
    else:
        changes = changed(top, "main")
    assert changes.paths == tuple(sorted([SPACED, ODD]))
    assert changes.models == {"modèle à tester", 'quote"tab\tend'}


def test_committed_changes_on_a_branch_count(top: Path) -> None:
    """A pull request: the base is main, the branch has commits on top of it,
    and the working tree may change more."""
    base = git(top, "rev-parse", "HEAD")
    git(top, "checkout", "-q", "-b", "feature")
    write(top, {"environments/prod/fraud-detector.yaml": "version: 2\n"})
    commit(top, "first")
    write(top, {"environments/prod/waivers.yaml": "kind: Waivers\n"})
    commit(top, "second")
    assert git(top, "status", "--porcelain") == ""
    for ref in ("main", base, "HEAD~2"):
        changes = changed(top, ref)
        assert changes.paths == (
            "environments/prod/fraud-detector.yaml",
            "environments/prod/waivers.yaml",
        )
        assert changes.models == {"fraud-detector"}
        assert changes.environments == {"prod"}
    # against HEAD~1, only the second commit; against HEAD, nothing
    assert changed(top, "HEAD~1").paths == ("environments/prod/waivers.yaml",)
    assert changed(top, "HEAD").paths == ()
    write(top, {"environments/staging/fraud-detector.yaml": "version: 2\n"})
    assert changed(top, "HEAD").paths == ("environments/staging/fraud-detector.yaml",)
    assert changed(top, "main").paths == (
        "environments/prod/fraud-detector.yaml",
        "environments/prod/waivers.yaml",
        "environments/staging/fraud-detector.yaml",
    )


def test_a_committed_policy_change_is_everything(top: Path) -> None:
    git(top, "checkout", "-q", "-b", "policy")
    write(top, {"policies/security/sec_001.py": "ID = 'MR-SEC-001'  # edited\n"})
    commit(top)
    changes = changed(top, "main")
    assert changes.everything
    assert changes.paths == ("policies/security/sec_001.py",)
    write(top, {"src/modelrail/new.py": "x = 1\n"})  # untracked, under src/
    assert changed(top, "main").paths == (
        "policies/security/sec_001.py",
        "src/modelrail/new.py",
    )


@pytest.mark.parametrize("folder", ["ml", "ml models/modèles"])
def test_a_repository_in_a_subfolder(tmp_path: Path, folder: str) -> None:
    """Paths are relative to the modelrail root, and only what is under it
    counts (not the top level's own environments/ or policies/)."""
    top = tmp_path / "top"
    write(top, {f"{folder}/{name}": text for name, text in BASE_FILES.items()})
    write(top, BASE_FILES)  # a decoy at the top level
    commit(top, "base")
    root = top / folder
    write(
        top,
        {
            "environments/prod/fraud-detector.yaml": "version: 9\n",
            "environments/prod/untracked.yaml": "version: 9\n",
            "policies/security/sec_001.py": "# edited\n",
            f"{folder}/environments/prod/churn-predictor.yaml": "version: 2\n",
            f"{folder}/environments/staging/new.yaml": "version: 1\n",
            f"{folder}/docs/index.md": "# edited\n",
        },
    )
    changes = changed(root, "main")
    assert changes == Changes(
        (
            "environments/prod/churn-predictor.yaml",
            "environments/staging/new.yaml",
        ),
        False,
        NONE,
        frozenset({"churn-predictor", "new"}),
    )
    write(top, {f"{folder}/schemas/environment.v1.json": "{ }\n"})
    assert changed(root, "main").everything


def test_a_bad_base_is_a_repository_error(top: Path) -> None:
    with pytest.raises(RepositoryError) as error:
        changed(top, "nosuchref")
    message = str(error.value)
    assert message.startswith(f"git diff failed in {top}: "), message
    assert "nosuchref" in message


def test_outside_git_is_a_repository_error(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write(plain, {"environments/prod/a.yaml": "a: 1\n"})
    with pytest.raises(RepositoryError) as error:
        changed(plain, "main")
    assert str(error.value).startswith(f"git diff failed in {plain}: ")
    assert "Not a git repository" in str(error.value)


# --- the scope in a check run -------------------------------------------------------

TODAY = datetime.date(2026, 1, 15)


@pytest.fixture
def bundled(tmp_path: Path) -> Repository:
    return Repository(copy_repo(tmp_path / "repo"))


def checked(repo: Repository, paths: list[str], *envs: str) -> tuple[str, ...]:
    report = run(repo, (), envs, Options(today=TODAY, changes=scope(paths)))
    assert report.exit_code == 0, report.findings
    return report.checked


def context(*envs: str) -> list[str]:
    return [
        f"environments/{env}/{name}"
        for env in envs
        for name in ("environment.yaml", "waivers.yaml")
    ]


ENVS = ("dev", "prod", "staging", "test")


def test_a_run_checks_the_changed_model_everywhere(bundled: Repository) -> None:
    files = checked(bundled, ["environments/staging/fraud-detector.yaml"])
    assert files == tuple(
        sorted(
            [f"environments/{env}/fraud-detector.yaml" for env in ENVS] + context(*ENVS)
        )
    )


def test_a_run_checks_a_changed_environment_whole(bundled: Repository) -> None:
    files = checked(bundled, ["environments/prod/waivers.yaml"])
    assert files == tuple(
        sorted(
            f"environments/prod/{p.name}"
            for p in (bundled.environments_dir / "prod").iterdir()
        )
    )
    assert len(files) == 6


def test_a_run_with_everything_or_nothing(bundled: Repository) -> None:
    everything = checked(bundled, ["schemas/modeldeployment.v1.json"])
    assert len(everything) == 24
    assert checked(bundled, []) == ()
    assert checked(bundled, ["docs/ci.md"]) == ()


def test_a_run_scope_and_envs_together(bundled: Repository) -> None:
    files = checked(
        bundled,
        ["environments/dev/fraud-detector.yaml", "environments/test/waivers.yaml"],
        "prod",
        "test",
    )
    assert files == tuple(
        sorted(
            [
                "environments/prod/fraud-detector.yaml",
                *context("prod"),
                *(
                    f"environments/test/{p.name}"
                    for p in (bundled.environments_dir / "test").iterdir()
                ),
            ]
        )
    )


def test_a_run_ignores_an_environment_that_is_gone(bundled: Repository) -> None:
    """A deleted environment folder: in the change, but nothing to check."""
    report = run(
        bundled,
        options=Options(
            today=TODAY, changes=scope(["environments/qa/environment.yaml"])
        ),
    )
    assert report.exit_code == 0, report.findings
    assert report.checked == ()
    assert report.environments == ()


def test_a_run_reports_a_touched_environment_without_files(
    bundled: Repository,
) -> None:
    """A folder the change touched that holds no YAML file: still in scope,
    so its missing environment.yaml is reported, as a full check would."""
    qa = bundled.environments_dir / "qa"
    qa.mkdir()
    (qa / "notes.txt").write_text("to do\n", encoding="utf-8")
    options = Options(today=TODAY, changes=scope(["environments/qa/notes.txt"]))
    report = run(bundled, options=options)
    assert report.environments == ("qa",)
    assert report.checked == ()
    assert [(f.rule, f.location.file) for f in report.findings] == [
        ("MR-REPO-006", "environments/qa/environment.yaml")
    ]
    full = run(bundled, options=Options(today=TODAY))
    assert [f.rule for f in full.findings] == ["MR-REPO-006"]
