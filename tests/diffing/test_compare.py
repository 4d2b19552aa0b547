"""``modelrail.diffing.compare``: the two sides lined up per rendered file, per
model and per finding.

Every test runs on a real git repository: a copy of the bundled repository
committed on ``main`` (the base), then edited in its working tree (the
fixtures: ``conftest.py``; the helpers: ``testing/diffing.py``). Proven here:

- a promotion (prod fraud-detector 3.2.0 -> 3.3.0: version, artifact, digest,
  image) lists exactly the rendered files that ``modelrail render`` changes,
  all of that one app, and the model as promoted 3.2.0 -> 3.3.0 with each
  served field before and after; a lower version is a roll-back;
- a new spec is an added model (every file added), a deleted spec a removed
  one, a template change every resource it renders (and no model as promoted),
  a canary change the plan before and after, an environment's Argo CD
  settings its Argo CD resources only, a sampling rate its rendered variable;
- policy results are matched by rule, file, pointer and message (not line):
  new, resolved, and changed (a waiver) findings, nothing for a finding an
  edit only moved.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from click.testing import CliRunner

from modelrail.cli import main
from modelrail.diffing import markdown, text
from modelrail.diffing.results import ADDED, CHANGED, REMOVED
from modelrail.render.records import RECORD
from testing.diffing import (
    PROD,
    PROMOTION,
    STAGING_KSERVE,
    commit_all,
    promote,
    render_changes,
    run,
    states,
)
from testing.repo import FIXTURE, bundled, replace_once

if TYPE_CHECKING:
    from pathlib import Path


# --- rendered resources and models --------------------------------------------


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
        p.name
        for p in (bundled() / "rendered/prod/fraud-detector").iterdir()
        if p.name != RECORD  # bookkeeping: diff leaves it out
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
        p.name
        for p in (bundled() / "rendered/prod/fraud-detector").iterdir()
        if p.name != RECORD  # bookkeeping: diff leaves it out
    )
    assert {r.path: r.state for r in result.apps[0].resources} == {
        f"prod/fraud-detector/{name}": REMOVED for name in names
    }
    assert "+++ /dev/null\n@@ " in result.apps[0].resources[0].diff
    # the other models of prod are not touched; Argo CD may list fewer kinds,
    # and the team's email loses the model's contacts (docs/alerting.md)
    assert all(r.path.startswith("prod/") for r in result.resources)
    assert [(r.path, r.kind, r.state) for r in result.argocd] == [
        ("prod/_alerting/risk-ml.yaml", "AlertmanagerConfig", "changed")
    ]


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
    # the ApplicationSet's applications, and the alert routing's
    assert [r.path for r in result.argocd] == [
        "prod/_argocd/alerting.yaml",
        "prod/_argocd/applicationset.yaml",
    ]
    assert [r.kind for r in result.argocd] == ["Application", "ApplicationSet"]
    assert "+          selfHeal: false\n" in result.argocd[1].diff
    assert "+      selfHeal: false\n" in result.argocd[0].diff
    shown = text.render(result)
    assert "argo cd (2):\n  ~ prod/_argocd/alerting.yaml (Application" in shown
    assert "\n  ~ prod/_argocd/applicationset.yaml (ApplicationSet" in shown


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


# --- policy results -----------------------------------------------------------


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
