"""The edit ``modelrail promote`` makes, and the texts it writes, on the
bundled specs (no git, no files: text in, text out).

Proven here:

- ruamel's round trip, set up as :mod:`modelrail.promote.roundtrip` does it, gives
  back every bundled spec byte for byte;
- staging -> prod of fraud-detector changes exactly the lines of the copied
  values and rollback.previousVersion, keeps every comment on its line
  (including the one on the version line, which is then listed as a note),
  keeps versions quoted, and gives the data one expects: the staging model
  and image, the prod everything else;
- KServe: a new version starts its canary at step 1 (inserted after the
  steps when absent, replaced when present); the same version is a no-op;
  the same version with another artifact is refused; a declared rollback
  ends; keys the source adds or drops move with it;
- a model new to the target: the source spec, with the target's name,
  without previousVersion, within the target's limits, with notes;
- the pull-request body and the commit message: the tables, the canary plan,
  the evidence, the policy results, the rendered files; Markdown-safe and
  deterministic.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

import pytest

from modelrail.check.report import Report
from modelrail.errors import UsageError
from modelrail.findings import Finding, Location, Severity
from modelrail.promote import roundtrip
from modelrail.promote.body import body, commit_message
from modelrail.promote.edit import End, Promotion
from modelrail.promote.update import promote
from modelrail.render.pipeline import Rendered
from modelrail.repository.loader import load_text
from testing.repo import FIXTURE, ROOT

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

ENVIRONMENTS = FIXTURE / "environments"
SPECS = sorted(
    p
    for p in ENVIRONMENTS.glob("*/*.yaml")
    if p.name not in ("environment.yaml", "waivers.yaml")
)
COMMENT = re.compile(r"(?:^|\s)(#\s.*)$")


def text_of(env: str, name: str) -> str:
    return (ENVIRONMENTS / env / f"{name}.yaml").read_text(encoding="utf-8")


def data_of(text: str) -> dict[str, Any]:
    return load_text(text, "spec.yaml").data


def environment(env: str) -> dict[str, Any]:
    return data_of((ENVIRONMENTS / env / "environment.yaml").read_text())


def side(env: str, name: str, text: str | None = None, *, new: bool = False) -> End:
    if text is None and not new:
        text = text_of(env, name)
    return End(env, f"environments/{env}/{name}.yaml", text)


def run(
    name: str,
    source: str = "staging",
    target: str = "prod",
    *,
    edit_source: Callable[[str], str] = lambda t: t,
    edit_target: Callable[[str], str] = lambda t: t,
) -> Promotion:
    return promote(
        name,
        side(source, name, edit_source(text_of(source, name))),
        side(target, name, edit_target(text_of(target, name))),
        environment(target),
        ROOT,
    )


def changed_lines(before: str, after: str) -> list[int]:
    """1-based numbers of the lines of ``before`` that ``after`` replaces."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines())
    out: list[int] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            out.extend(range(i1 + 1, i2 + 1))
    return out


def line_numbers(text: str, *fragments: str) -> list[int]:
    """The line of each fragment (which must be on exactly one line)."""
    lines = text.splitlines()
    out = []
    for fragment in fragments:
        found = [n for n, line in enumerate(lines, 1) if line.startswith(fragment)]
        assert len(found) == 1, (fragment, found)
        out.append(found[0])
    return sorted(out)


def comments(text: str) -> dict[int, str]:
    """Line number -> the comment on it (every comment of the bundled specs
    starts with '# ' after a space or at the start of the line)."""
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = COMMENT.search(line)
        if match and '"#' not in line:
            out[number] = match.group(1)
    return out


# -- round trip ---------------------------------------------------------------


def test_sixteen_bundled_specs() -> None:
    assert len(SPECS) == 16


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip_gives_the_same_bytes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert roundtrip.dump(roundtrip.load(text, path.name)) == text


def test_bad_yaml_is_located_bad_input() -> None:
    with pytest.raises(UsageError) as info:
        roundtrip.load("a: 1\nb: [2\n", "environments/prod/x.yaml")
    assert str(info.value).startswith("environments/prod/x.yaml:3:1: ")


def test_same_tells_kinds_apart() -> None:
    assert roundtrip.same({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not roundtrip.same(True, 1)
    assert not roundtrip.same(1, 1.0)
    assert not roundtrip.same("1", 1)


# -- staging -> prod, fraud-detector ------------------------------------------


@pytest.fixture(scope="module")
def fraud() -> Promotion:
    return run("fraud-detector")


def test_fraud_changes_only_the_copied_lines(fraud: Promotion) -> None:
    before = text_of("prod", "fraud-detector")
    expected = line_numbers(
        before,
        "    version:",
        "    artifact:",
        "    digest:",
        "    registry:",
        "    metrics:",
        "      version:",  # baseline
        "      metrics:",  # baseline
        '      date: "2026-09-14"',  # evaluation
        "      report: https://mlflow",  # evaluation
        "    image:",
        "    previousVersion:",
    )
    assert changed_lines(before, fraud.text) == expected
    assert len(fraud.text.splitlines()) == len(before.splitlines())


def test_fraud_keeps_every_comment_on_its_line(fraud: Promotion) -> None:
    before = comments(text_of("prod", "fraud-detector"))
    assert len(before) > 10
    assert comments(fraud.text) == before
    lines = fraud.text.splitlines()
    # the comment of a changed line stays (and is listed below)...
    assert (
        '    version: "3.3.0"   # 3.3.0 is soaking in staging, promotion PR pending'
        in lines
    )
    # ...and those of unchanged lines, of keys whose value is a mapping, of
    # lines of their own, stay as they were
    assert (
        "    baseline:   # the version this one replaces; accuracy must stay >= 95 % of it"
        in lines
    )
    assert (
        "    # 24 h of pauses in all: the canary sees a full daily traffic cycle"
        in lines
    )
    assert (
        "    maxDuration: 15m   # production target: back on the stable version within 15 min"
        in lines
    )
    assert (
        lines[0]
        == "# yaml-language-server: $schema=../../schemas/modeldeployment.v1.json"
    )


def test_a_comment_on_a_changed_line_is_a_note(fraud: Promotion) -> None:
    assert fraud.notes == (
        (
            "spec.model.version changed on a line with a comment, kept as it was: "
            "# 3.3.0 is soaking in staging, promotion PR pending"
        ),
    )


def test_fraud_versions_stay_quoted(fraud: Promotion) -> None:
    assert '    previousVersion: "3.2.0"' in fraud.text.splitlines()
    assert '      version: "3.2.0"' in fraud.text.splitlines()  # baseline
    assert '    registry: {name: fraud-detector, version: "21"}' in fraud.text


def test_fraud_data_is_the_staging_model_in_the_prod_spec(fraud: Promotion) -> None:
    staging = data_of(text_of("staging", "fraud-detector"))
    before = data_of(text_of("prod", "fraud-detector"))
    after = data_of(fraud.text)
    assert after["spec"]["model"] == staging["spec"]["model"]
    assert after["spec"]["serving"]["image"] == staging["spec"]["serving"]["image"]
    assert after["spec"]["rollback"]["previousVersion"] == "3.2.0"
    for data in (before, after):
        del data["spec"]["model"], data["spec"]["serving"]["image"]
        del data["spec"]["rollback"]["previousVersion"]
    assert after == before  # replicas, SLOs, canary plan, contacts... are prod's


def test_fraud_promotion_says_what_changed(fraud: Promotion) -> None:
    assert (fraud.name, fraud.source, fraud.target) == (
        "fraud-detector",
        "staging",
        "prod",
    )
    assert (fraud.before, fraud.version, fraud.created) == ("3.2.0", "3.3.0", False)
    changes = {c.field: (c.before, c.after) for c in fraud.changes}
    assert changes["spec.model.version"] == ("3.2.0", "3.3.0")
    assert changes["spec.model.metrics.accuracy"] == (0.957, 0.961)
    assert changes["spec.rollback.previousVersion"] == ("3.1.4", "3.2.0")
    assert "spec.model.format" not in changes  # onnx in both
    assert len(fraud.changes) == 17


def test_promoting_the_result_again_changes_nothing(fraud: Promotion) -> None:
    again = promote(
        "fraud-detector",
        side("staging", "fraud-detector"),
        side("prod", "fraud-detector", fraud.text),
        environment("prod"),
        ROOT,
    )
    assert again.noop
    assert again.text == fraud.text


# -- the other cases ----------------------------------------------------------


def test_same_version_is_a_noop() -> None:
    promotion = run("support-assistant")
    assert promotion.noop
    assert promotion.changes == ()
    assert promotion.text == text_of("prod", "support-assistant")


def test_same_version_with_another_digest_is_refused() -> None:
    with pytest.raises(UsageError, match=r"version 1\.8\.0 has model\.digest") as info:
        run(
            "support-assistant",
            edit_target=lambda t: t.replace("sha256:f5af82b8", "sha256:00af82b8", 1),
        )
    assert "environments/staging/support-assistant.yaml" in str(info.value)
    assert "give the rebuilt model a new version" in str(info.value)


def test_same_version_with_new_metrics_copies_them_only() -> None:
    promotion = run(
        "support-assistant",
        edit_source=lambda t: t.replace("accuracy: 0.903", "accuracy: 0.905", 1),
    )
    assert [c.field for c in promotion.changes] == ["spec.model.metrics.accuracy"]
    assert promotion.before == promotion.version == "1.8.0"


def test_kserve_new_version_starts_at_step_one() -> None:
    promotion = run("churn-predictor")
    before = text_of("prod", "churn-predictor")
    assert "currentStep" not in before
    lines = promotion.text.splitlines()
    last_step = lines.index("      - {weight: 100}")
    assert lines[last_step + 1] == "    currentStep: 1"
    assert data_of(promotion.text)["spec"]["rollout"]["currentStep"] == 1
    changes = {c.field: (c.before, c.after) for c in promotion.changes}
    assert changes["spec.rollout.currentStep"] == (None, 1)


def test_kserve_canary_in_progress_starts_again_at_step_one() -> None:
    # test -> staging, with a new version in test; staging is at step 2
    promotion = run(
        "churn-predictor",
        "test",
        "staging",
        edit_source=lambda t: t.replace('version: "1.5.0"', 'version: "1.6.0"', 1),
    )
    lines = promotion.text.splitlines()
    step = "    currentStep: 1   # 25 % on 1.5.0; the next pull request moves it to 3"
    assert step in lines
    assert (
        "spec.rollout.currentStep changed on a line with a comment, kept as it "
        "was: # 25 % on 1.5.0; the next pull request moves it to 3"
    ) in promotion.notes
    assert '    previousVersion: "1.5.0"' in lines


def test_a_declared_rollback_ends() -> None:
    revert = (
        '    previousVersion: "3.1.4"\n'
        '    revert: {from: "3.3.0", reason: "INC-42: false positives"}\n'
    )
    promotion = run(
        "fraud-detector",
        edit_target=lambda t: t.replace('    previousVersion: "3.1.4"\n', revert, 1),
    )
    assert "revert" not in promotion.text
    assert "spec.rollback.revert" in {c.field for c in promotion.changes}
    assert data_of(promotion.text)["spec"]["rollback"]["previousVersion"] == "3.2.0"


def test_single_quotes_of_the_target_stay() -> None:
    promotion = run(
        "fraud-detector",
        edit_target=lambda t: t.replace('version: "3.2.0"', "version: '3.2.0'", 1),
    )
    assert "    version: '3.3.0'   # 3.3.0 is soaking" in promotion.text
    assert '    previousVersion: "3.2.0"' in promotion.text


def test_keys_the_source_adds_or_drops_follow_it() -> None:
    # prod lacks retraining (the source has it after evaluation); the source
    # lacks format (prod has it)
    promotion = run(
        "fraud-detector",
        edit_source=lambda t: t.replace("    format: onnx\n", "", 1),
        edit_target=lambda t: re.sub(r"    retraining: .*\n", "", t, count=1),
    )
    model = data_of(promotion.text)["spec"]["model"]
    assert "format" not in model
    assert list(model)[-2:] == ["evaluation", "retraining"]
    changes = {c.field: (c.before, c.after) for c in promotion.changes}
    assert changes["spec.model.format"] == ("onnx", None)
    assert changes["spec.model.retraining"][0] is None
    assert "    retraining: {cadence: 30d, triggers: [schedule, drift, accuracy]}" in (
        promotion.text.splitlines()
    )


def test_a_rollback_section_is_made_when_missing() -> None:
    def drop_rollback(text: str) -> str:
        return re.sub(r"  rollback:\n(    .*\n)+", "", text, count=1)

    promotion = run("fraud-detector", edit_target=drop_rollback)
    spec = data_of(promotion.text)["spec"]
    assert spec["rollback"] == {"previousVersion": "3.2.0"}
    assert (
        '  rollback:\n    previousVersion: "3.2.0"\n  monitoring:\n' in promotion.text
    )
    assert list(spec).index("rollback") == list(spec).index("rollout") + 1


def test_a_lower_version_is_noted() -> None:
    promotion = run(
        "fraud-detector",
        edit_target=lambda t: t.replace('version: "3.2.0"', 'version: "3.10.0"', 1),
    )
    assert promotion.notes[-1] == (
        "the version goes down, from 3.10.0 to 3.3.0: a rollback is declared "
        "with spec.rollback.revert (MR-PROM-004), which promote does not write"
    )
    assert not any("goes down" in note for note in run("fraud-detector").notes)


def test_not_a_spec_is_bad_input() -> None:
    with pytest.raises(UsageError, match="not a ModelDeployment"):
        promote(
            "x",
            End("staging", "environments/staging/x.yaml", "kind: Other\n"),
            side("prod", "x", new=True),
            environment("prod"),
            ROOT,
        )


# -- a model new to the target ------------------------------------------------


def test_a_new_kserve_spec_is_the_scaffold_with_the_source_model() -> None:
    """A model new to prod gets prod's scaffold of its type, with what belongs
    to the model copied from staging, and nothing of staging's own settings."""
    promotion = promote(
        "churn-predictor",
        side("staging", "churn-predictor"),
        side("prod", "churn-predictor", new=True),
        environment("prod"),
        ROOT,
    )
    assert promotion.created
    assert promotion.before is None
    data = data_of(promotion.text)
    source = data_of(text_of("staging", "churn-predictor"))
    assert data["metadata"]["environment"] == "prod"
    assert data["spec"]["model"] == source["spec"]["model"]
    assert data["spec"]["serving"]["image"] == source["spec"]["serving"]["image"]
    assert data["spec"]["serving"]["runtime"] == "kserve"
    assert data["spec"]["rollout"]["currentStep"] == 1
    assert data["spec"]["rollback"]["firstRelease"] == {"action": "remove"}
    assert "previousVersion" not in data["spec"]["rollback"]
    assert data["spec"]["slo"]["availability"] == 99.9  # the scaffold's, not staging's
    assert "staging" not in str(data["spec"]["monitoring"])
    assert [c.field for c in promotion.changes] == [
        "metadata.description",
        "metadata.contacts",
        "spec.model",
        "spec.monitoring.accuracy",  # its floor follows the model's metrics
        "spec.serving.image",
        "spec.serving.runtime",
        "spec.rollout.currentStep",
    ]
    (left,) = promotion.notes
    assert left.startswith("10 placeholder(s) of the prod scaffold to fill")
    assert "/spec/monitoring/runbook" in left
    # the template's comments come with it, the source's do not
    assert "# decide: " in promotion.text
    assert "each canary step is a pull request" not in promotion.text


def test_a_new_spec_stays_within_the_target_limits() -> None:
    env = environment("prod")
    env["spec"]["limits"] = {
        "maxReplicas": 4,
        "maxCpu": "1",
        "maxMemory": "1536Mi",
        "maxThroughput": 500,
    }
    promotion = promote(
        "fraud-detector",
        side("staging", "fraud-detector"),
        side("prod", "fraud-detector", new=True),
        env,
        ROOT,
    )
    serving = data_of(promotion.text)["spec"]["serving"]
    assert serving["autoscaling"] == {
        "minReplicas": 3,  # within the limit: kept
        "maxReplicas": 4,
        "targetRequestsPerSecond": 50,
        "scaleDownStabilization": "5m",
    }
    assert serving["resources"] == {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1536Mi"},
    }
    assert data_of(promotion.text)["spec"]["slo"]["throughput"] == {"rps": 100}
    assert '      limits: {cpu: "1", memory: 1536Mi}' in promotion.text
    notes = [n for n in promotion.notes if "lowered" in n]
    assert notes == [
        (
            "spec.serving.autoscaling.maxReplicas lowered from 10 to 4, the "
            "limits.maxReplicas of environment 'prod'"
        ),
        (
            "spec.serving.resources.limits.cpu lowered from '2' to '1', the "
            "limits.maxCpu of environment 'prod'"
        ),
        (
            "spec.serving.resources.limits.memory lowered from '2Gi' to '1536Mi', "
            "the limits.maxMemory of environment 'prod'"
        ),
    ]


def test_a_new_container_spec_has_no_current_step() -> None:
    def to_container(text: str) -> str:
        return text.replace("runtime: kserve", "runtime: container", 1)

    promotion = promote(
        "churn-predictor",
        side(
            "staging",
            "churn-predictor",
            to_container(text_of("staging", "churn-predictor")),
        ),
        side("prod", "churn-predictor", new=True),
        environment("prod"),
        ROOT,
    )
    assert "currentStep" not in promotion.text
    assert data_of(promotion.text)["spec"]["serving"]["runtime"] == "container"


# -- the pull-request body and the commit message -----------------------------


def report(*findings: Finding) -> Report:
    return Report(findings, 24, ("dev", "prod", "staging", "test"))


RENDERED = Rendered(
    added=(),
    changed=("prod/fraud-detector/configmap.yaml", "prod/fraud-detector/rollout.yaml"),
    removed=("prod/old-model/service.yaml",),
    files=67,
)


def fraud_body(fraud: Promotion, checked: Report, rendered: Rendered | str) -> str:
    return body(
        fraud,
        data_of(fraud.text),
        environment("prod"),
        checked,
        rendered,
        target_file="environments/prod/fraud-detector.yaml",
    )


def test_body_of_a_clean_promotion(fraud: Promotion) -> None:
    text = fraud_body(fraud, report(), RENDERED)
    lines = text.splitlines()
    assert lines[0] == "## fraud-detector 3.3.0 to prod"
    assert (
        "Promotes **fraud-detector** `3.3.0` from **staging** to **prod** (which "
        "ran `3.2.0`)."
    ) in lines
    assert (
        "prod takes versions from staging after a soak of 24h there with 2 approvals."
        in lines
    )
    # what changes
    assert "| `spec.model.version` | `3.2.0` | `3.3.0` |" in lines
    assert "| `spec.rollback.previousVersion` | `3.1.4` | `3.2.0` |" in lines
    assert (
        "- spec.model.version changed on a line with a comment, kept as it was: "
        "\\# 3.3.0 is soaking in staging, promotion PR pending"
    ) in lines
    # the canary plan of prod
    steps = lines[lines.index("### Canary plan in prod") :]
    assert steps[2:9] == [
        "| step | weight | pause | analysis |",
        "| ---: | ---: | --- | --- |",
        "| 1 | 10 % | 2h | yes |",
        "| 2 | 25 % | 6h | yes |",
        "| 3 | 50 % | 8h | yes |",
        "| 4 | 75 % | 8h | yes |",
        "| 5 | 100 % | - | no |",
    ]
    assert "Total soak: 24h of pauses below 100 %." in lines
    # the evidence
    assert "| metric | 3.3.0 | baseline 3.2.0 | ratio | at least 95 % |" in lines
    assert "| accuracy | `0.961` | `0.957` | 100.4 % | yes |" in lines
    assert (
        "- Evaluation dataset: `s3://ml-datasets-example/fraud/holdout-2026q3`" in lines
    )
    assert "- Registry: `fraud-detector` version `21`" in lines
    # the policies and the render
    assert (
        "`modelrail check`: checked 24 files in 4 environments: no problems." in lines
    )
    assert "Not ready to merge" not in text
    assert (
        "| `rendered/prod/fraud-detector/` | - | `configmap.yaml`, `rollout.yaml` | - |"
    ) in lines
    assert "| `rendered/prod/old-model/` | - | - | `service.yaml` |" in lines
    assert text == fraud_body(fraud, report(), RENDERED)  # deterministic


def test_body_lists_findings_safely(fraud: Promotion) -> None:
    finding = Finding(
        Location("environments/prod/fraud-detector.yaml", 17, 14),
        "MR-PROM-003",
        Severity.ERROR,
        "3.3.0 has been in staging for 2h | less than\nthe 24h soak",
    )
    waived = Finding(
        Location("environments/prod/fraud-detector.yaml", 3, 1),
        "MR-OPS-003",
        Severity.WARNING,
        "waived one",
        waiver="waivers.yaml",
    )
    text = fraud_body(fraud, report(finding, waived), "a template failed")
    lines = text.splitlines()
    assert (
        "`modelrail check`: checked 24 files in 4 environments: 1 error, 1 waived."
    ) in lines
    assert (
        "| `environments/prod/fraud-detector.yaml:17:14` | error | MR-PROM-003 | "
        "3.3.0 has been in staging for 2h \\| less than the 24h soak |"
    ) in lines
    assert "waived one" not in text
    assert "**Not ready to merge:** fix the errors above." in lines
    assert "Not rendered: a template failed" in lines


def test_body_of_a_new_spec() -> None:
    promotion = promote(
        "churn-predictor",
        side("staging", "churn-predictor"),
        side("prod", "churn-predictor", new=True),
        environment("prod"),
        ROOT,
    )
    text = body(
        promotion,
        data_of(promotion.text),
        environment("prod"),
        report(),
        Rendered(),
        target_file="environments/prod/churn-predictor.yaml",
    )
    lines = text.splitlines()
    assert (
        "Adds **churn-predictor** `1.5.0` to **prod**, from **staging** (the "
        "model is new in prod)."
    ) in lines
    assert "### What comes from the staging spec" in lines
    assert "| field | scaffold | staging |" in lines
    assert "| `spec.serving.runtime` | `container` | `kserve` |" in lines
    assert (
        "KServe: the canary is at step 1 (10 % of the traffic); each further "
        "step is its own pull request (MR-ROLL-011)."
    ) in lines
    # prod's plan, from the scaffold: 2h + 6h + 8h + 8h
    assert "Total soak: 24h of pauses below 100 %." in lines
    assert "No file of `rendered/` changes." in lines


def test_commit_message(fraud: Promotion) -> None:
    message = commit_message(fraud, data_of(fraud.text))
    assert message.splitlines() == [
        "feat(prod): promote fraud-detector 3.3.0 from staging",
        "",
        "Previous version: 3.2.0",
        "Version: 3.3.0",
        "Artifact: s3://ml-models-example/fraud-detector/3.3.0/model.onnx",
        "Digest: sha256:c9d0397798844df612dfa60459b19de04f37a4585982237ac294dc1ab14132f7",
        "Image: registry.example.com/ml/fraud-detector@sha256:33991e25bc33aacc16a02b3d16760e29ebc5f8b63089c68e82e1d4164b44199b",
        "Registry: fraud-detector version 21",
        "",
        "Made with modelrail promote.",
    ]


def test_rendered_groups_files_per_app() -> None:
    rendered = Rendered(
        added=("README.md", "_bootstrap/k8s-prod/app.yaml"),
        changed=("prod/m/rollout.yaml",),
        removed=("prod/m/sub/x.yaml",),
    )
    assert rendered.apps() == {
        "": {"added": ["README.md"]},
        "_bootstrap/k8s-prod": {"added": ["app.yaml"]},
        "prod/m": {"changed": ["rollout.yaml"], "removed": ["sub/x.yaml"]},
    }
    assert rendered.paths == (
        "README.md",
        "_bootstrap/k8s-prod/app.yaml",
        "prod/m/rollout.yaml",
        "prod/m/sub/x.yaml",
    )
