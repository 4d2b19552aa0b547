"""The scaffold a model new to the target starts from
(:mod:`modelrail.promote.scaffold`), through a promotion of a bundled spec
(no git, no files: text in, text out).

Proven here:

- a new spec stays within the target's limits: every quantity above
  ``spec.limits`` of its environment is lowered to it, with a note each, and
  one within them is kept.
"""

from __future__ import annotations

from modelrail.promote.update import promote
from testing.promote import data_of, environment, side
from testing.repo import ROOT


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
