"""What a rollback skips (``modelrail.render.budget``): the canary plan of the
spec, step by step, and the time it would take at the least."""

from __future__ import annotations

from typing import Any

from modelrail.render.budget import Budget, Step, budget
from modelrail.repository.loader import load_file, load_text
from testing.repo import FIXTURE

PROD = FIXTURE / "environments" / "prod"


def spec(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_file(PROD / f"{name}.yaml").data
    return data


def edited(name: str, old: str, new: str) -> dict[str, Any]:
    text = (PROD / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    data: dict[str, Any] = load_text(text.replace(old, new), f"{name}.yaml").data
    return data


def test_prod_fraud_detector_skips_its_whole_canary() -> None:
    """10 % for 2h, 25 % for 6h, 50 % and 75 % for 8h each, each followed by
    an analysis run of 5 measurements 5m apart (20m), then 100 %."""
    got = budget(spec("fraud-detector"))
    assert got.steps == (
        Step(1, 10, "2h", 1200),
        Step(2, 25, "6h", 1200),
        Step(3, 50, "8h", 1200),
        Step(4, 75, "8h", 1200),
        Step(5, 100, None, 0),
    )
    assert [step.seconds for step in got.steps] == [8400, 22800, 30000, 30000, 0]
    assert got.seconds == 24 * 3600 + 80 * 60  # 25h20m
    assert (got.pauses, got.analysis, got.manual) == (86400, 4800, 0)
    assert got.summary() == (
        "skips 5 canary steps (10, 25, 50, 75, 100 %): 1d of pauses and 1h20m "
        "of analysis, 1d1h20m at the least"
    )
    steps, seconds = got  # what the rollback command unpacks
    assert (len(steps), seconds) == (5, 91200)


def test_kserve_skips_the_pull_requests_and_their_pauses() -> None:
    """A KServe step is a pull request held for its pause; no analysis run is
    rendered for it."""
    got = budget(spec("churn-predictor"))
    assert [(s.weight, s.pause, s.analysis) for s in got.steps] == [
        (10, "2h", 0),
        (25, "6h", 0),
        (50, "8h", 0),
        (75, "8h", 0),
        (100, None, 0),
    ]
    assert got.seconds == 86400
    assert got.summary().endswith(": 1d of pauses, 1d at the least")


def test_the_analysis_settings_of_the_spec_count() -> None:
    got = budget(
        edited(
            "fraud-detector",
            "analysis: {interval: 5m, failureLimit: 2, inconclusiveLimit: 3}",
            "analysis: {interval: 10m, count: 3, failureLimit: 2}",
        )
    )
    assert {step.analysis for step in got.steps[:4]} == {1200}  # 2 x 10m


def test_a_manual_pause_counts_as_nothing_and_is_said() -> None:
    got = budget(
        edited(
            "fraud-detector",
            "{weight: 10, pause: 2h, analysis: true}",
            "{weight: 10, pause: manual}",
        )
    )
    assert got.steps[0] == Step(1, 10, "manual", 0)
    assert got.seconds == 22 * 3600 + 60 * 60  # 6h + 8h + 8h and three runs
    assert got.manual == 1
    assert got.summary().endswith("at the least (and 1 manual pause)")


def test_a_rolling_update_has_nothing_to_skip() -> None:
    data = spec("fraud-detector")
    data["spec"]["rollout"] = {"strategy": "rolling"}
    assert budget(data) == Budget((), 0)
    assert budget(data).summary() == "skips no canary step: the plan has none"
