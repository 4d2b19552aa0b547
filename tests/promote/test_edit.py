"""The edit ``modelrail promote`` makes (:mod:`modelrail.promote.edit`), on the
bundled specs (no git, no files: text in, text out).

Proven here:

- staging -> prod of fraud-detector changes exactly the lines of the copied
  values and rollback.previousVersion, keeps every comment on its line
  (including the one on the version line, which is then listed as a note),
  keeps versions quoted, and gives the data one expects: the staging model
  and image, the prod everything else;
- KServe: a new version starts its canary at step 1 (inserted after the
  steps when absent, replaced when present); the same version is a no-op;
  the same version with another artifact is refused; a declared rollback
  ends; keys the source adds or drops move with it.

A model new to the target: test_create.py and test_scaffold.py; the texts a
promotion writes: test_body.py.
"""

from __future__ import annotations

import difflib
import re

import pytest

from modelrail.errors import UsageError
from modelrail.promote.edit import End, Promotion
from modelrail.promote.update import promote
from testing.promote import data_of, environment, run, side, text_of
from testing.repo import ROOT

COMMENT = re.compile(r"(?:^|\s)(#\s.*)$")


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


# -- staging -> prod, fraud-detector ------------------------------------------


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
