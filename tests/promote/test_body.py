"""What a promotion says to reviewers (:mod:`modelrail.promote.body`), for
promotions of the bundled specs.

Proven here:

- the pull-request body and the commit message: the tables, the canary plan,
  the evidence, the policy results, the rendered files; Markdown-safe and
  deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.check.report import Report
from modelrail.findings import Finding, Location, Severity
from modelrail.promote.body import body, commit_message
from modelrail.promote.update import promote
from modelrail.render.pipeline import Rendered
from testing.promote import data_of, environment, side
from testing.repo import ROOT

if TYPE_CHECKING:
    from modelrail.promote.edit import Promotion


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
