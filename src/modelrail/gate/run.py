"""One gate run: both sources read, every item judged, nothing printed.

Each source is read on its own: when one cannot be read (down, slow,
answering nonsense), its items are replaced by one ``error`` item that says
why, and the other source is still read, so a report shows all that is
known. A run with an error item exits 2: an unreachable source is never a
pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.gate import model, sidebyside, slo, trend
from modelrail.gate.evidence import PROMETHEUS, REGISTRY, ROLLBACK, Item, Verdict
from modelrail.gate.evidence import exit_code as items_exit_code
from modelrail.gate.evidence import outcome as items_outcome
from modelrail.gate.registry import ModelRegistry
from modelrail.gate.transport import Auth, Endpoint, Settings, SourceError

if TYPE_CHECKING:
    from collections.abc import Callable

    from modelrail.gate.chart import Charts
    from modelrail.gate.inputs import Inputs
    from modelrail.gate.sidebyside import Judgement, Sides
    from modelrail.gate.significance import Limits

PROMETHEUS_NAME = "Prometheus"
REGISTRY_NAME = "the MLflow registry"


@dataclass(frozen=True, slots=True)
class Result:
    inputs: Inputs
    items: tuple[Item, ...]
    charts: Charts | None = None  # the SLO record over the window (Markdown)
    judgement: Judgement | None = None  # gate --compare's

    @property
    def exit_code(self) -> int:
        return items_exit_code(self.items)

    @property
    def outcome(self) -> str:
        return items_outcome(self.items)

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(i.detail for i in self.items if i.verdict is Verdict.ERROR)


def run(
    inputs: Inputs,
    settings: Settings,
    *,
    prometheus_auth: Auth | None = None,
    registry_auth: Auth | None = None,
    sleep: Callable[[float], None] = time.sleep,
    charts: bool = True,
) -> Result:
    """``charts``: also read the SLO record point by point, for the
    Markdown's charts (issue 19); a chart that cannot be read is left out,
    it never changes the outcome."""
    declared = rollback(inputs)
    if declared is not None:
        return Result(inputs, (declared,))
    items: list[Item] = []
    drawn: Charts | None = None
    with Endpoint(
        PROMETHEUS_NAME, inputs.prometheus_url, settings, prometheus_auth, sleep=sleep
    ) as endpoint:
        try:
            items.extend(slo.evidence(endpoint, inputs))
        except SourceError as exc:
            items.append(_error(f"{PROMETHEUS}.error", PROMETHEUS, "SLO record", exc))
        else:
            drawn = trend.read(endpoint, inputs) if charts else None
    with Endpoint(
        REGISTRY_NAME, inputs.registry_url, settings, registry_auth, sleep=sleep
    ) as endpoint:
        try:
            items.extend(model.evidence(ModelRegistry(endpoint), inputs))
        except SourceError as exc:
            items.append(_error(f"{REGISTRY}.error", REGISTRY, "model registry", exc))
    return Result(inputs, tuple(items), charts=drawn)


def compare(
    inputs: Inputs,
    sides: Sides,
    limits: Limits,
    settings: Settings,
    *,
    prometheus_auth: Auth | None = None,
    sleep: Callable[[float], None] = time.sleep,
    charts: bool = False,
) -> Result:
    """``gate --compare``: the candidate against the stable version in
    ENV's Prometheus, judged by the statistical judge; with ``charts``, the
    error ratio and p95 of the same two sides over the window too."""
    with Endpoint(
        PROMETHEUS_NAME, inputs.prometheus_url, settings, prometheus_auth, sleep=sleep
    ) as endpoint:
        try:
            judgement = sidebyside.evidence(endpoint, inputs, sides, limits)
        except SourceError as exc:
            error = _error(f"{PROMETHEUS}.error", PROMETHEUS, "comparison", exc)
            nothing = sidebyside.Judgement(sides, limits, (), {})
            return Result(inputs, (error,), judgement=nothing)
        drawn = None
        if charts:
            stable = None if sides.others else sides.stable
            drawn = trend.read(endpoint, inputs, sides.label, sides.candidate, stable)
    return Result(inputs, tuple(judgement.items()), drawn, judgement)


def rollback(inputs: Inputs) -> Item | None:
    """A declared rollback needs no evidence from the promotion source: it
    returns to what ran in the target environment (MR-RBK-006 holds it to
    the version, artifact, digest and image that ran there), while the source
    now serves something else. The gate says so and passes, rather than fail
    for lack of the source's data when the rollback is urgent."""
    spec = inputs.spec.get("spec", {})
    revert = spec.get("rollback", {}).get("revert") if isinstance(spec, dict) else None
    if not isinstance(revert, dict):
        return None
    return Item(
        "rollback.declared",
        ROLLBACK,
        "declared rollback",
        Verdict.MET,
        f"{revert.get('from')} -> {inputs.version}",
        "ran in " + inputs.environment,
        (
            f"a declared rollback of {inputs.model} in {inputs.environment} from "
            f"{revert.get('from')} to {inputs.version}: it returns to what ran "
            f"there (MR-RBK-006), so no evidence from {inputs.source} is needed"
        ),
    )


def _error(key: str, source: str, title: str, exc: SourceError) -> Item:
    return Item(key, source, title, Verdict.ERROR, "", "readable", str(exc))
