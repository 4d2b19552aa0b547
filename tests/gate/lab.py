"""The gate's test lab: a staging SLO record in a real Prometheus, and helpers
to aim the gate at it and at a real MLflow registry.

The record is synthetic, on a fixed timeline (26 h of 5-minute samples, so
both a 1 h window and the prod soak of 24 h have data), for fraud-detector in
staging's namespace. One version label per scenario, so one Prometheus holds
them all; around them, series a gate must not count: the stable version in
staging, the same version in another namespace, another model with the same
version, all failing and slow, and 4xx answers (the client's errors).
"""

from __future__ import annotations

import copy
import datetime
import json
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail.gate import inputs as gate_inputs
from modelrail.repository.layout import Repository
from testing.prometheus import Counter, Histogram
from testing.repo import bundled

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.gate.inputs import Inputs

START = 1_700_000_000  # 2023-11-14T22:13:20Z: a fixed timeline, never the clock
STEP = 300  # seconds between samples
STEPS = 26 * 12  # 26 hours
END = START + STEPS * STEP
AT = datetime.datetime.fromtimestamp(END, datetime.UTC)
PER_STEP = 12_000  # requests a pod serves in a step (40/s)
BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.08, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGING = "models-staging"
MODEL = "fraud-detector"
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens there


@dataclass(frozen=True, slots=True)
class Pods:
    """What the pods of one version served, per step."""

    errors: Decimal  # share of 5xx answers
    client: Decimal = Decimal("0.005")  # share of 4xx answers (not errors)
    slow: bool = False  # 80 % of the requests at 160 ms (fast: 20 and 40 ms)
    idle: bool = False  # served in the first hour only, nothing since


GOOD = Pods(errors=Decimal("0.0001"))
BAD = Pods(errors=Decimal("0.05"), slow=True)
# version -> what it served in staging (fraud-detector prod's SLOs: 99.95 %,
# errorRate 0.1 %, p95 80 ms)
SCENARIOS = {
    "3.3.0": GOOD,  # 99.99 %, 0.01 %, ~46 ms: every SLO met
    "3.3.1": Pods(errors=Decimal("0.003")),  # 99.7 %, 0.3 %: both missed
    "3.3.2": Pods(errors=Decimal("0.0007")),  # 99.93 % missed, 0.07 % met
    "3.3.3": Pods(errors=Decimal("0.0001"), slow=True),  # p95 ~241 ms: missed
    "3.3.4": Pods(errors=Decimal("0.0001"), idle=True),  # no request: no data
}
ABSENT = "3.3.9"  # no series at all
# (namespace, model, version): what must not be counted
DISTRACTORS = (
    (STAGING, MODEL, "3.2.0"),  # the stable version
    ("models-test", MODEL, "3.3.0"),  # the same version, another environment
    (STAGING, "product-recommender", "3.3.0"),  # another model, same version
)


def _series(namespace: str, model: str, version: str, pods: Pods) -> Iterator[Any]:
    labels = {"namespace": namespace, "model": model, "version": version}
    n = Decimal(PER_STEP)
    per_code = {
        "200": n * (1 - pods.errors - pods.client),
        "404": n * pods.client,
        "500": n * pods.errors * 2 / 3,
        "503": n * pods.errors / 3,
    }

    def busy(step: int) -> bool:
        return step > 0 and (not pods.idle or step <= 12)

    for pod in ("x7k2p", "q4m9d"):
        tagged = {**labels, "pod": f"{model}-5f4c8b7d69-{pod}"}
        for code, increment in per_code.items():
            total, values = Decimal(0), []
            for step in range(STEPS + 1):
                if busy(step):
                    total += increment
                values.append(float(total))
            yield Counter("model_requests_total", {**tagged, "code": code}, values)
        observed = (
            {0.04: float(n / 5), 0.16: float(n * 4 / 5)}
            if pods.slow
            else {0.02: float(n * 7 / 10), 0.04: float(n * 3 / 10)}
        )
        yield Histogram.of_observations(
            "model_request_duration_seconds",
            tagged,
            BOUNDS,
            [observed if busy(step) else {} for step in range(STEPS + 1)],
        )


def all_series() -> Iterator[Any]:
    for version, pods in SCENARIOS.items():
        yield from _series(STAGING, MODEL, version, pods)
    for namespace, model, version in DISTRACTORS:
        yield from _series(namespace, model, version, BAD)


def resolve(
    prometheus: str = CLOSED, registry: str = CLOSED, window: str | None = None
) -> Inputs:
    """The inputs of ``gate fraud-detector --env prod`` on the bundled
    repository (read only), aimed at the given servers."""
    return gate_inputs.resolve(
        Repository(bundled()),
        MODEL,
        "prod",
        at=AT,
        window=window,
        prometheus=prometheus,
        registry=registry,
    )


def with_model(inputs: Inputs, **model: Any) -> Inputs:
    """``inputs`` whose target spec has these ``spec.model`` keys (None
    removes one)."""
    spec = copy.deepcopy(inputs.spec)
    for key, value in model.items():
        if value is None:
            spec["spec"]["model"].pop(key, None)
        else:
            spec["spec"]["model"][key] = value
    return replace(inputs, spec=spec)


def verdicts(items: Any) -> dict[str, str]:
    """key -> verdict of each item."""
    return {item.key: item.verdict.value for item in items}


def attestation(output: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(output)
    return data
