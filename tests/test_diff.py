"""``modelrail.diffing``: the repository at a base ref against the working tree.

Every test runs on a real git repository: a copy of the bundled repository
committed on ``main`` (the base), then edited in its working tree. Proven here:

- a promotion (prod fraud-detector 3.2.0 -> 3.3.0: version, artifact, digest,
  image) lists exactly the rendered files that ``modelrail render`` changes,
  all of that one app, and the model as promoted 3.2.0 -> 3.3.0 with each
  served field before and after; a lower version is a roll-back;
- a new spec is an added model (every file added), a deleted spec a removed
  one, a template change every resource it renders (and no model as promoted),
  a canary change the plan before and after, an environment's Argo CD
  settings its Argo CD resources only;
- policy results are matched by rule, file, pointer and message (not line):
  new, resolved, and changed (a waiver) findings, nothing for a finding an
  edit only moved;
- an unchanged working tree gives no differences; the work tree and the index
  are left as they were; the same inputs give byte-identical output;
- a base that does not render is reported, with the working tree's files as
  added, and one whose policies do not load as not checked; a base holding a link out of the repository is refused, not
  followed; a ref that is not a commit, or no git repository, is
  ``RepositoryError``;
- the Markdown escapes a hostile description (no HTML, mention, link or extra
  table cell), fences a diff holding backticks in a longer fence, and stays
  under its limit, saying what it left out.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import tarfile
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from modelrail.check.runner import Options
from modelrail.cli import main
from modelrail.diffing import markdown, text
from modelrail.diffing.core import diff
from modelrail.diffing.results import (
    ADDED,
    CHANGED,
    REMOVED,
    AppChange,
    Result,
    SideInfo,
)
from modelrail.errors import RepositoryError
from modelrail.git import snapshot
from modelrail.repository.layout import Repository
from testing.git import git, hermetic
from testing.repo import FIXTURE, bundled, copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

TODAY = datetime.date(2026, 11, 21)
NOW = datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)
# the base is committed well before NOW: staging's 3.3.0 has soaked there
LONG_AGO = "2026-11-01T00:00:00Z"
PROD = "environments/prod/fraud-detector.yaml"
STAGING_KSERVE = "environments/staging/churn-predictor.yaml"
# prod's fraud-detector as bundled, and what staging runs (the promotion)
PROMOTION = {
    'version: "3.2.0"   #': 'version: "3.3.0"   #',
    "fraud-detector/3.2.0/model.onnx": "fraud-detector/3.3.0/model.onnx",
    "sha256:23a3bb9fa0c2934cd3ad9b720791ddd692e579682b366033b17e4c44bdca631c": (
        "sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7"
    ),
    "sha256:48aae3df0857d74a0691ff737314c991c6b4d1d496cc11206c5c73273d0fc8a0": (
        "sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b"
    ),
    'previousVersion: "3.1.4"': 'previousVersion: "3.2.0"',
}


def commit_all(top: Path, message: str = "base") -> None:
    if not (top / ".git").exists():
        git(top, "-c", "init.defaultBranch=main", "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled repository committed on main (copied by each test)."""
    folder = tmp_path_factory.mktemp("committed")
    with pytest.MonkeyPatch.context() as patch:
        hermetic(patch, folder)
        patch.setenv("GIT_AUTHOR_DATE", LONG_AGO)
        patch.setenv("GIT_COMMITTER_DATE", LONG_AGO)
        root = copy_repo(folder / "repo", templates=True)
        commit_all(root)
    return root


@pytest.fixture
def repo(committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    hermetic(monkeypatch, tmp_path)
    root = tmp_path / "repo"
    shutil.copytree(committed, root, symlinks=True)
    return root


def run(root: Path, ref: str = "main", envs: tuple[str, ...] = ()) -> Result:
    options = Options(today=TODAY, now=NOW)
    return diff(Repository(root), ref, envs=envs, options=options)


def promote(root: Path) -> None:
    for old, new in PROMOTION.items():
        replace_once(root / PROD, old, new)


def render_changes(root: Path, out: Path) -> dict[str, str]:
    """What ``modelrail render`` changes in the bundled rendered/ (the base's
    render, kept up to date by ``render --check``): path -> state."""
    result = CliRunner().invoke(
        main, ["render", "--root", str(root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    before = _tree(bundled() / "rendered")
    after = _tree(out)
    return {
        path: ADDED if path not in before else REMOVED if path not in after else CHANGED
        for path in sorted({*before, *after})
        if before.get(path) != after.get(path)
    }


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }


def states(result: Result) -> dict[str, str]:
    return {r.path: r.state for r in result.resources}


# --- rendered resources and models ---------------------------------------------


def test_a_promotion_lists_exactly_the_promoted_resources(
    repo: Path, tmp_path: Path
) -> None:
    promote(repo)
    result = run(repo)
    expected = render_changes(repo, tmp_path / "out")
    assert expected  # the promotion changes something
    assert all(p.startswith("prod/fraud-detector/") for p in expected)
    assert states(result) == expected
    assert [app.key for app in result.apps] == ["prod/fraud-detector"]
    (app,) = result.apps
    assert (app.state, app.version, app.label) == (
        "promoted",
        ("3.2.0", "3.3.0"),
        "promoted 3.2.0 -> 3.3.0",
    )
    fields = {f.field: (f.before, f.after) for f in app.fields}
    assert fields["version"] == ("3.2.0", "3.3.0")
    assert fields["artifact"] == (
        "s3://ml-models-example/fraud-detector/3.2.0/model.onnx",
        "s3://ml-models-example/fraud-detector/3.3.0/model.onnx",
    )
    assert fields["digest"][1] == PROMOTION[next(k for k in PROMOTION if "23a3" in k)]
    assert fields["image"][1] is not None
    assert fields["image"][1].endswith(
        "33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b"
    )
    assert app.canary is None
    assert (result.argocd, result.other) == ((), ())
    # every diff is the file's, git-style
    rollout = next(r for r in result.resources if r.path.endswith("/rollout.yaml"))
    assert (rollout.kind, rollout.name) == ("Rollout", "fraud-detector")
    assert rollout.diff.startswith(
        "--- a/rendered/prod/fraud-detector/rollout.yaml\n"
        "+++ b/rendered/prod/fraud-detector/rollout.yaml\n@@ "
    )
    assert '+    modelrail.io/model-version: "3.3.0"\n' in rollout.diff
    # a clean promotion: staging runs the same version, digest and image,
    # and has for long enough
    assert result.findings == ()
    shown = text.render(result)
    assert "  prod/fraud-detector: promoted 3.2.0 -> 3.3.0\n" in shown
    assert f"rendered/: {len(expected)} file(s) differ: 0 added, 0 removed" in shown


def test_a_lower_version_is_a_roll_back(repo: Path) -> None:
    replace_once(repo / PROD, 'version: "3.2.0"   #', 'version: "3.1.9"   #')
    (app,) = run(repo, envs=("prod",)).apps
    assert app.label == "rolled back 3.2.0 -> 3.1.9"


def test_a_new_spec_is_an_added_model(repo: Path) -> None:
    spec = repo / "environments/prod/fraud-scorer.yaml"
    shutil.copyfile(repo / PROD, spec)
    replace_once(
        spec, "metadata:\n  name: fraud-detector\n", "metadata:\n  name: fraud-scorer\n"
    )
    result = run(repo, envs=("prod",))
    assert [(a.key, a.state, a.label) for a in result.apps] == [
        ("prod/fraud-scorer", ADDED, "added 3.2.0")
    ]
    assert result.apps[0].description.startswith("Scores card payments")
    names = sorted(
        p.name for p in (bundled() / "rendered/prod/fraud-detector").iterdir()
    )
    assert states(result) == {f"prod/fraud-scorer/{name}": ADDED for name in names}
    assert result.resources[0].diff.startswith(
        "--- /dev/null\n+++ b/rendered/prod/fraud-scorer/"
    )


def test_a_removed_spec_is_a_removed_model(repo: Path) -> None:
    (repo / PROD).unlink()
    result = run(repo, envs=("prod",))
    assert [(a.key, a.label) for a in result.apps] == [
        ("prod/fraud-detector", "removed 3.2.0")
    ]
    names = sorted(
        p.name for p in (bundled() / "rendered/prod/fraud-detector").iterdir()
    )
    assert {r.path: r.state for r in result.apps[0].resources} == {
        f"prod/fraud-detector/{name}": REMOVED for name in names
    }
    assert "+++ /dev/null\n@@ " in result.resources[0].diff
    # the other models of prod are not touched; Argo CD may list fewer kinds
    assert all(r.path.startswith("prod/") for r in result.resources)


def test_a_template_change_shows_every_resource_it_renders(
    repo: Path, tmp_path: Path
) -> None:
    replace_once(
        repo / "render/templates/service.yaml.j2",
        "  type: ClusterIP\n",
        "  type: ClusterIP\n  sessionAffinity: None\n",
    )
    result = run(repo)
    services = sorted(
        p.relative_to(bundled() / "rendered").as_posix()
        for p in (bundled() / "rendered").glob("*/*/service*.yaml")
        if p.name in ("service.yaml", "service-canary.yaml")
    )
    assert len(services) > 10
    assert sorted(states(result)) == services
    assert set(states(result).values()) == {CHANGED}
    assert render_changes(repo, tmp_path / "out") == states(result)
    assert {a.state for a in result.apps} == {CHANGED}
    assert all(a.fields == () and a.canary is None for a in result.apps)


def test_a_canary_plan_change_shows_the_plan_before_and_after(repo: Path) -> None:
    replace_once(
        repo / PROD,
        "      - {weight: 10, pause: 2h, analysis: true}\n",
        "      - {weight: 5, pause: 2h, analysis: true}\n",
    )
    replace_once(
        repo / STAGING_KSERVE, "    currentStep: 2   #", "    currentStep: 3   #"
    )
    result = run(repo, envs=("prod", "staging"))
    apps = {a.key: a for a in result.apps}
    assert sorted(apps) == ["prod/fraud-detector", "staging/churn-predictor"]
    prod = apps["prod/fraud-detector"]
    assert prod.state == CHANGED
    rest = "25% 6h analysis, 50% 8h analysis, 75% 8h analysis, 100%"
    assert prod.canary == (
        f"canary: 10% 2h analysis, {rest}",
        f"canary: 5% 2h analysis, {rest}",
    )
    assert "prod/fraud-detector/rollout.yaml" in states(result)
    kserve = apps["staging/churn-predictor"]
    assert kserve.canary is not None
    assert kserve.canary[0].endswith("; at step 2 of 4")
    assert kserve.canary[1].endswith("; at step 3 of 4")
    assert states(result)["staging/churn-predictor/inferenceservice.yaml"] == CHANGED
    shown = text.render(result)
    assert "    canary: canary: 10% 2h analysis" in shown


def test_argo_cd_settings_change_only_argo_cd_resources(repo: Path) -> None:
    replace_once(
        repo / "environments/prod/environment.yaml",
        "      selfHeal: true   #",
        "      selfHeal: false   #",
    )
    result = run(repo, envs=("prod",))
    assert result.apps == ()
    assert [r.path for r in result.argocd] == ["prod/_argocd/applicationset.yaml"]
    assert result.argocd[0].kind == "ApplicationSet"
    assert "+          selfHeal: false\n" in result.argocd[0].diff
    assert "argo cd (1):\n  ~ prod/_argocd/applicationset.yaml" in text.render(result)


def test_a_sampling_rate_change_shows_in_the_diff(repo: Path) -> None:
    """spec.monitoring.tracing is rendered (OTEL_TRACES_SAMPLER_ARG), so a
    pull request that samples prod at 5 % instead of everything shows it."""
    traced = "    tracing: {enabled: true, sampleRate: 0.05}\n"
    everything = "    tracing: {enabled: true, sampleRate: 1.0}\n"
    replace_once(repo / PROD, traced, everything)
    commit_all(repo, "prod traces everything")
    replace_once(repo / PROD, everything, traced)
    result = run(repo)
    assert [(a.key, a.state, a.fields) for a in result.apps] == [
        ("prod/fraud-detector", CHANGED, ())
    ]
    assert states(result) == {"prod/fraud-detector/rollout.yaml": CHANGED}
    change = (
        "             - name: OTEL_TRACES_SAMPLER_ARG\n"
        '-              value: "1"\n'
        '+              value: "0.05"\n'
    )
    assert change in result.resources[0].diff
    shown = CliRunner().invoke(
        main,
        ["diff", "--base", "main", "--root", str(repo), "--today", "2026-11-21"],
    )
    assert shown.exit_code == 0, shown.output
    assert "  prod/fraud-detector: changed\n" in shown.output
    assert "    ~ rollout.yaml" in shown.output
    assert change in shown.output
    assert change in markdown.render(result)


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


# --- policy results ------------------------------------------------------------


def test_policy_results_new_resolved_and_changed(repo: Path) -> None:
    replace_once(repo / PROD, "      minReplicas: 3\n", "      minReplicas: 1\n")
    new = run(repo, envs=("prod",))
    assert [(c.state, c.finding.rule) for c in new.findings] == [("new", "MR-OPS-006")]
    assert new.findings[0].finding.location.file == PROD
    commit_all(repo, "one replica")
    # an edit above the finding moves it by a line: the same finding
    replace_once(
        repo / PROD, "  type: predictive\n", "  # a comment\n  type: predictive\n"
    )
    assert run(repo, envs=("prod",)).findings == ()
    # a waiver changes its verdict
    waivers = repo / "environments/prod/waivers.yaml"
    replace_once(
        waivers,
        "waivers: []\n",
        "waivers:\n  - policy: MR-OPS-006\n    model: fraud-detector\n"
        "    reason: One replica while the load test runs on the second one.\n"
        "    approvedBy: platform-lead@example.com\n    approvedOn: 2026-11-01\n"
        "    ticket: OPS-42\n    expires: 2026-12-31\n",
    )
    waived = run(repo, envs=("prod",))
    assert [(c.state, c.finding.rule) for c in waived.findings] == [
        ("changed", "MR-OPS-006")
    ]
    change = waived.findings[0]
    assert change.before is not None
    assert not change.before.waived
    assert change.after is not None
    assert change.after.waived
    assert "(was error)" in text.render(waived)
    # fixed: resolved
    waivers.write_text((FIXTURE / "environments/prod/waivers.yaml").read_text())
    replace_once(repo / PROD, "      minReplicas: 1\n", "      minReplicas: 3\n")
    resolved = run(repo, envs=("prod",))
    assert [(c.state, c.finding.rule) for c in resolved.findings] == [
        ("resolved", "MR-OPS-006")
    ]
    assert "  resolved: environments/prod/fraud-detector.yaml:" in text.render(resolved)


# --- no differences, read-only, determinism -------------------------------------


def test_an_unchanged_working_tree_has_no_differences(repo: Path) -> None:
    status = git(repo, "status", "--porcelain", "--ignored")  # refreshes the index
    index = (repo / ".git/index").read_bytes()
    result = run(repo)
    assert not result.differs
    assert (result.apps, result.resources, result.findings) == ((), (), ())
    commit = git(repo, "rev-parse", "main")
    assert text.render(result) == (
        f"modelrail diff: main ({commit[:12]}) -> working tree: no differences\n"
    )
    assert "No differences" in markdown.render(result)
    # nothing was written to the repository, its work tree or its index
    assert (repo / ".git/index").read_bytes() == index
    assert git(repo, "status", "--porcelain", "--ignored") == status


def test_the_same_inputs_give_the_same_bytes(repo: Path) -> None:
    promote(repo)
    replace_once(
        repo / STAGING_KSERVE, "    currentStep: 2   #", "    currentStep: 3   #"
    )
    envs = ("prod", "staging")
    first, second = run(repo, envs=envs), run(repo, envs=envs)
    assert first == second
    assert text.render(first) == text.render(second)
    assert markdown.render(first) == markdown.render(second)


# --- a broken or unsafe base, bad refs -------------------------------------------


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
    assert len(result.resources) == len(_tree(bundled() / "rendered"))
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


def test_a_base_without_modelrail_is_all_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "repo"
    top.mkdir()
    (top / "README.md").write_text("before modelrail\n")
    commit_all(top, "before")
    copy_repo(top, templates=True)
    result = run(top)
    assert result.base.error == "there is no environments/ folder at the base"
    assert {a.state for a in result.apps} == {ADDED}
    assert len(result.apps) == 16


def test_a_base_with_a_link_out_of_the_repository_is_refused(repo: Path) -> None:
    link = repo / "environments/prod/evil.yaml"
    link.symlink_to("/etc/passwd")
    commit_all(repo, "a link out")
    link.unlink()
    result = run(repo)
    assert result.base.error.startswith("cannot unpack the base safely")
    assert {a.state for a in result.apps} == {ADDED}


@pytest.mark.parametrize(
    "name", ["/etc/cron.d/x", "environments/../../x", "elsewhere/x.yaml"]
)
def test_unsafe_archive_members_are_refused(tmp_path: Path, name: str) -> None:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as archive:
        member = tarfile.TarInfo(name)
        member.size = 1
        archive.addfile(member, io.BytesIO(b"x"))
    with pytest.raises(snapshot.UnsafeBase, match="refused"):
        snapshot._extract(data.getvalue(), tmp_path / "out", ("environments",))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_ref_that_is_not_a_commit_is_a_repository_error(repo: Path) -> None:
    with pytest.raises(RepositoryError, match="'nosuchref' is not a commit"):
        run(repo, "nosuchref")


def test_outside_git_is_a_repository_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    root = copy_repo(tmp_path / "plain", templates=True)
    with pytest.raises(RepositoryError, match="not in a git repository"):
        run(root)


def test_a_repository_in_a_subfolder_reads_the_base_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hermetic(monkeypatch, tmp_path)
    top = tmp_path / "top"
    root = copy_repo(top / "ml" / "deploy", templates=True)
    commit_all(top)
    promote(root)
    result = run(root, envs=("prod",))
    assert [a.label for a in result.apps] == ["promoted 3.2.0 -> 3.3.0"]
    assert result.base.notes == ()


# --- Markdown --------------------------------------------------------------------

HOSTILE = (
    "Evil | `code` <script>alert(1)</script> @everyone [click](https://x.example)"
    " *bold* $x$ ~~gone~~ \\\\n"
)


def test_markdown_escapes_a_hostile_description(repo: Path) -> None:
    spec = repo / "environments/prod/fraud-scorer.yaml"
    shutil.copyfile(repo / PROD, spec)
    replace_once(
        spec, "metadata:\n  name: fraud-detector\n", "metadata:\n  name: fraud-scorer\n"
    )
    replace_once(
        spec,
        "  description: Scores card payments for fraud before authorisation.\n",
        f'  description: "{HOSTILE}\\nsecond line ``` </details>"\n',
    )
    replace_once(
        spec,
        "      - {name: LOG_FORMAT, value: json}\n",
        '      - {name: LOG_FORMAT, value: "json ````"}\n',
    )
    result = run(repo, envs=("prod",))
    shown, terminal = markdown.render(result), text.render(result)
    row = next(
        ln for ln in shown.splitlines() if ln.startswith("| `prod` | `fraud-scorer`")
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells, no more
    for raw in ("<script>", "@everyone", "[click]", "*bold*", "$x$", "~~gone"):
        assert raw not in row
    for escaped in ("\\<script\\>", "@&#8203;everyone", "\\[click\\]"):
        assert escaped in row
    for escaped in ("\\*bold\\*", "\\$x\\$", "\\~\\~gone"):
        assert escaped in row
    assert "<script>" not in shown
    assert "second line" in row  # the description stays on its row
    assert "</details>" not in row
    assert "    Evil | `code` <script>" in terminal  # a terminal shows it as is
    # the diff holding four backticks is fenced with five
    rollout = shown.index("prod/fraud-scorer/rollout.yaml: Rollout")
    assert shown[rollout:].split("\n\n", 2)[1].startswith("`````diff\n")
    assert "````" in shown[rollout:]


def test_markdown_stays_under_its_limit(repo: Path) -> None:
    replace_once(
        repo / "render/templates/service.yaml.j2",
        "  type: ClusterIP\n",
        "  type: ClusterIP\n  sessionAffinity: None\n",
    )
    result = run(repo, envs=("prod", "staging"))
    whole = markdown.render(result)
    assert len(whole) < markdown.LIMIT
    assert "Cut to stay" not in whole
    assert whole.count("<details>") == len(result.resources)
    cut = markdown.render(result, limit=4000)
    assert len(cut) <= 4000
    kept = cut.count("<details>")
    assert 0 < kept < len(result.resources)
    assert f"left out {len(result.resources) - kept} resource diff(s)" in cut
    assert cut.rstrip().endswith("to see everything.")
    assert "`modelrail diff --base main`" in cut
    assert cut.count("```diff") == kept
    assert cut.count("</details>") == kept


def test_text_shows_control_characters_escaped() -> None:
    # the renderer refuses them in specs; a base's messages could still hold one
    app = AppChange("prod", "x", ADDED, (None, "1.0.0"), (), None, "red \x1b[31m", ())
    side = SideInfo("main (0123456789ab)", check_error="bad \x9b2J")
    result = Result("main", side, SideInfo("working tree"), (app,), (), (), ())
    shown = text.render(result)
    assert "\x1b" not in shown
    assert "\x9b" not in shown
    assert "    red \\x1b[31m\n" in shown
    assert "cannot be checked: bad \\x9b2J\n" in shown
    comment = markdown.render(result)
    assert "> main (0123456789ab) cannot be checked: bad 2J\n" in comment
    assert "| added `1.0.0`: red \\[31m |" in comment
    assert "\x1b" not in comment
