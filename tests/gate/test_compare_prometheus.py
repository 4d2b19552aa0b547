"""``gate --compare`` end to end on a real Prometheus: a canary against the
stable pods, from backfilled series, through the command line.

fraud-detector in prod (the fixture repository): stable pods (pod template
hash ``5f4c8b7d69``, version 3.2.0, 0.5 % server errors, latencies spread
from 20 to 200 ms) beside one candidate pod template per scenario (version
3.3.0), 2 hours of 5-minute samples, judged over the last hour:

| scenario | candidate hash | what it served | verdict |
| --- | --- | --- | --- |
| equal | ``6d8f9c7b5a`` | the stable's record, half the traffic | passed, exit 0 |
| errors | ``7c5b4d9e8f`` | 1.5 % server errors: 1 point worse | failed, exit 1 |
| slow | ``8b6a5c3d2e`` | every latency 1.5 times the stable's | failed, exit 1 |
| quiet | ``9a7b6c5d4f`` | 10 requests a step: too little traffic | inconclusive, exit 4 |

and product-recommender, whose satisfaction score (a business gauge) is 4.0
on the candidate's pods against 4.6 on the stable's: failed.

Plus the default sides (by version) in staging: the spec's 3.3.0, 1 point
worse, against 3.2.0 serving beside it. Each scenario's Markdown report is a
golden file (``tests/gate/golden/``); after a deliberate change::

    MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/gate/test_compare_prometheus.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from modelrail.cli import main
from testing.prometheus import (
    Counter,
    Histogram,
    backfill,
    openmetrics,
    running_prometheus,
)
from testing.repo import bundled
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.tool

START = 1_700_000_000  # a fixed timeline, never the clock
STEP = 300
STEPS = 24  # 2 hours
AT = "2023-11-15T00:13:20Z"  # START + STEPS * STEP
BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STABLE_HASH = "5f4c8b7d69"
# latency -> share of the requests: spread over the buckets, so a shift shows
STABLE_LATENCY = {0.02: 0.3, 0.04: 0.4, 0.07: 0.2, 0.09: 0.07, 0.2: 0.03}
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MODELRAIL_UPDATE_GOLDEN") == "1"
HOW_TO_UPDATE = (
    "MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/gate/test_compare_prometheus.py"
)


def pods(
    namespace: str,
    version: str,
    pod_hash: str,
    *,
    per_step: int,
    errors: float,
    slower: float = 1.0,
    accuracy: float = 0.95,
    model: str = "fraud-detector",
    satisfaction: float | None = None,
) -> Iterator[Counter | Histogram]:
    labels = {
        "namespace": namespace, "model": model, "version": version,
        "rollouts_pod_template_hash": pod_hash, "pod": f"{model}-{pod_hash}-x7k2p",
    }  # fmt: skip
    failed = round(per_step * errors)
    for code, increment in (("200", per_step - failed), ("500", failed)):
        values = [float(increment * step) for step in range(STEPS + 1)]
        yield Counter("model_requests_total", {**labels, "code": code}, values)
    observed = {
        seconds * slower: float(round(per_step * share))
        for seconds, share in STABLE_LATENCY.items()
    }
    yield Histogram.of_observations(
        "model_request_duration_seconds", labels, BOUNDS,
        [observed if step else {} for step in range(STEPS + 1)],
    )  # fmt: skip
    quality = [accuracy] * (STEPS + 1)
    yield Counter("model_quality", {**labels, "metric": "accuracy"}, quality)
    if satisfaction is not None:  # a business gauge (monitoring.business)
        score = [satisfaction] * (STEPS + 1)
        yield Counter("model_business_satisfaction_score", labels, score)


SCENARIOS: dict[str, tuple[str, dict[str, Any], str, int]] = {
    # name: (candidate hash, what it served, outcome, exit code)
    "equal": ("6d8f9c7b5a", {"per_step": 6000, "errors": 0.005}, "passed", 0),
    "errors": ("7c5b4d9e8f", {"per_step": 6000, "errors": 0.015}, "failed", 1),
    "slow": (
        "8b6a5c3d2e",
        {"per_step": 6000, "errors": 0.005, "slower": 1.5},
        "failed",
        1,
    ),
    "quiet": ("9a7b6c5d4f", {"per_step": 10, "errors": 0.005}, "inconclusive", 4),
}


def all_series() -> Iterator[Counter | Histogram]:
    yield from pods("models-prod", "3.2.0", STABLE_HASH, per_step=12000, errors=0.005)
    for pod_hash, served, _, _ in SCENARIOS.values():
        yield from pods("models-prod", "3.3.0", pod_hash, **served)
    # staging: the spec's 3.3.0 beside 3.2.0, by version (no hash given)
    yield from pods(
        "models-staging", "3.2.0", "4e3d2c1b0a", per_step=12000, errors=0.005
    )
    yield from pods(
        "models-staging", "3.3.0", "3f2e1d0c9b", per_step=6000, errors=0.015
    )
    # product-recommender in prod: satisfaction 4.6 (stable) against 4.0
    recommender = {"model": "product-recommender", "errors": 0.005}
    yield from pods("models-prod", "2.3.0", "1a2b3c4d5e", per_step=12000,
                    satisfaction=4.6, **recommender)  # fmt: skip
    yield from pods("models-prod", "2.4.1", "2b3c4d5e6f", per_step=6000,
                    satisfaction=4.0, **recommender)  # fmt: skip


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_tool("promtool")
    require_tool("prometheus")
    folder = tmp_path_factory.mktemp("compare-prometheus")
    backfill(openmetrics(all_series(), START, STEP), folder / "data", folder)
    with running_prometheus(folder / "data", folder) as url:
        yield url


def gate(
    url: str, env: str, *options: str, fmt: str = "json", model: str = "fraud-detector"
) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["gate", model, "--env", env, "--compare", "--prometheus", url,
         "--window", "1h", "--at", AT, "--format", fmt, "--root", str(bundled()),
         *options],
    )  # fmt: skip
    return result.exit_code, result.stdout


def verdicts(output: str) -> dict[str, str]:
    doc = json.loads(output)
    return {m["key"]: m["verdict"] for m in doc["comparison"]["metrics"]}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_canary_against_the_stable_pods(prometheus: str, scenario: str) -> None:
    pod_hash, _, outcome, code = SCENARIOS[scenario]
    hashes = ("--canary-hash", pod_hash, "--stable-hash", STABLE_HASH)
    exit_code, output = gate(prometheus, "prod", *hashes)
    doc = json.loads(output)
    assert (exit_code, doc["outcome"]) == (code, outcome), output
    expected = {
        "equal": ("pass", "pass"),
        "errors": ("fail", "pass"),
        "slow": ("pass", "fail"),
        "quiet": ("inconclusive", "inconclusive"),
    }[scenario]
    got = verdicts(output)
    assert (got["judge.errorRatio"], got["judge.latency"]) == expected, got
    # online accuracy is equal on both sides (the quiet canary has its points)
    assert got["judge.quality.accuracy"] == "pass"
    assert doc["comparison"]["sides"]["stableSelector"] == (
        f'rollouts_pod_template_hash="{STABLE_HASH}"'
    )
    _, markdown = gate(prometheus, "prod", *hashes, fmt="markdown")
    golden(f"compare-{scenario}.md", markdown.replace(prometheus, "http://prometheus"))


def test_the_measured_data_is_in_the_attestation(prometheus: str) -> None:
    hashes = ("--canary-hash", SCENARIOS["errors"][0], "--stable-hash", STABLE_HASH)
    _, output = gate(prometheus, "prod", *hashes)
    metrics = {m["key"]: m for m in json.loads(output)["comparison"]["metrics"]}
    errors = metrics["judge.errorRatio"]["data"]
    # one hour: 12 steps of 6000 (candidate) and 12000 (stable) requests
    assert errors["candidate"] == {"errors": 1080, "requests": 72000}
    assert errors["stable"] == {"errors": 720, "requests": 144000}
    assert errors["increasePoints"] == pytest.approx(1.0)
    latency = metrics["judge.latency"]["data"]
    assert latency["bounds"] == list(BOUNDS)
    assert sum(latency["candidate"]) == 72000
    assert sum(latency["stable"]) == 144000
    assert metrics["judge.latency"]["pValue"] is not None


def test_by_default_the_specs_version_against_every_other(prometheus: str) -> None:
    exit_code, output = gate(prometheus, "staging")
    doc = json.loads(output)
    assert doc["comparison"]["sides"] == {
        "label": "version",
        "candidate": "3.3.0",
        "stable": "3.3.0",
        "stableSelector": 'version!="3.3.0"',
    }
    assert (exit_code, verdicts(output)["judge.errorRatio"]) == (1, "fail")
    assert verdicts(output)["judge.latency"] == "pass"


def test_a_business_metric_worse_than_its_tolerance(prometheus: str) -> None:
    # satisfaction: warning 4.5, critical 4.0, so 0.5 worse fails; usage is
    # a count (users/day) and is not compared
    options = ("--canary-hash", "2b3c4d5e6f", "--stable-hash", "1a2b3c4d5e")
    exit_code, output = gate(prometheus, "prod", *options, model="product-recommender")
    got = verdicts(output)
    assert exit_code == 1, output
    assert got == {
        "judge.errorRatio": "pass",
        "judge.latency": "pass",
        "judge.quality.accuracy": "pass",
        "judge.business.satisfaction": "fail",
    }
    _, markdown = gate(
        prometheus, "prod", *options, model="product-recommender", fmt="markdown"
    )
    golden("compare-business.md", markdown.replace(prometheus, "http://prometheus"))


def test_named_versions(prometheus: str) -> None:
    options = ("--candidate-version", "3.2.0", "--stable-version", "3.3.0")
    exit_code, output = gate(prometheus, "staging", *options)
    # 3.2.0 has fewer errors than 3.3.0: it passes against it
    assert (exit_code, json.loads(output)["outcome"]) == (0, "passed"), output


def test_no_such_sides_is_inconclusive(prometheus: str) -> None:
    exit_code, output = gate(prometheus, "prod", "--canary-hash", "0000000000",
                             "--stable-hash", STABLE_HASH)  # fmt: skip
    assert exit_code == 4
    assert set(verdicts(output).values()) == {"inconclusive"}


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: {HOW_TO_UPDATE}"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs: {HOW_TO_UPDATE}"
