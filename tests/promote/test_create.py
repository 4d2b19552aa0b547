"""A model new to the target (:mod:`modelrail.promote.create`), on the bundled
specs (no git, no files: text in, text out).

Proven here:

- a model new to the target gets the target's scaffold of its type with the
  source's model: the target's name, no previousVersion, a KServe canary at
  step 1 (a container has no current step), notes for the placeholders left;
  the template's comments come with it, the source's do not.

Its quantities within the target's limits: test_scaffold.py.
"""

from __future__ import annotations

from modelrail.promote.update import promote
from testing.promote import data_of, environment, side, text_of
from testing.repo import ROOT


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
