"""What a rollback skips: the canary plan a new version walks and a declared
rollback does not (issue 17, docs/rollback.md).

A promotion walks the spec's canary steps: each step holds its weight for its
pause, then (``serving.runtime: container``) runs the analysis it asks for,
``count`` measurements ``interval`` apart (the first one at once, so
``count - 1`` intervals). A rollback to a revision within the Rollout's
``rollbackWindow`` skips every step: Argo Rollouts promotes the restored
ReplicaSet as soon as its pods are available. A KServe model's steps are pull
requests, each held for its pause (nothing is rendered for its analysis); a
rollback goes back to full traffic in two changes instead.

``budget(spec)`` gives the steps skipped and the time they would take at the
least: a manual pause counts as nothing (nobody knows how long it lasts) and
every measurement is taken as conclusive. ``modelrail rollback --dry-run`` and
its pull-request body print it; it reads the spec alone, never the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from modelrail import units
from modelrail.render.analysis import Settings

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class Step:
    """One canary step a rollback skips."""

    number: int  # 1-based, as messages count the spec's steps
    weight: int  # percent of the traffic
    pause: str | None  # as the spec writes it ("2h", "manual"), None: no pause
    analysis: int  # seconds of its analysis run (0: none)

    @property
    def seconds(self) -> int:
        """How long the step holds: its timed pause and its analysis run."""
        pause = 0 if self.pause in (None, "manual") else units.seconds(str(self.pause))
        return pause + self.analysis


class Budget(NamedTuple):
    """The steps a rollback skips, and the seconds they would take together."""

    steps: tuple[Step, ...]
    seconds: int

    @property
    def pauses(self) -> int:
        """The timed pauses skipped, in seconds."""
        return self.seconds - self.analysis

    @property
    def analysis(self) -> int:
        """The analysis runs skipped, in seconds."""
        return sum(step.analysis for step in self.steps)

    @property
    def manual(self) -> int:
        """How many skipped steps wait for a person (``pause: manual``)."""
        return sum(step.pause == "manual" for step in self.steps)

    def summary(self) -> str:
        """One line: ``skips 5 canary steps (10, 25, 50, 75, 100 %): 1d of
        pauses and 1h20m of analysis, 1d1h20m at the least``."""
        if not self.steps:
            return "skips no canary step: the plan has none"
        count = f"{len(self.steps)} canary step{'s' * (len(self.steps) != 1)}"
        weights = ", ".join(str(step.weight) for step in self.steps)
        parts = [f"{units.human(self.pauses)} of pauses"]
        if self.analysis:
            parts.append(f"{units.human(self.analysis)} of analysis")
        manual = (
            f" (and {self.manual} manual pause{'s' * (self.manual != 1)})"
            if self.manual
            else ""
        )
        return (
            f"skips {count} ({weights} %): {' and '.join(parts)}, "
            f"{units.human(self.seconds)} at the least{manual}"
        )


def budget(spec: Mapping[str, Any]) -> Budget:
    """What a rollback of ``spec`` (a ModelDeployment's data) skips: every
    canary step of its plan. A rolling update has none to skip."""
    rollout = spec["spec"]["rollout"]
    if rollout["strategy"] != "canary":
        return Budget((), 0)
    container = spec["spec"]["serving"]["runtime"] == "container"
    settings = Settings.of(spec)
    run = (settings.count - 1) * units.seconds(str(settings.interval))
    steps = tuple(
        Step(
            number,
            int(step["weight"]),
            str(step["pause"]) if "pause" in step else None,
            run if container and step.get("analysis") else 0,
        )
        for number, step in enumerate(rollout.get("steps", ()), 1)
    )
    return Budget(steps, sum(step.seconds for step in steps))


def lines(spec: Mapping[str, Any], *, phase: int = 0) -> list[str]:
    """What a rollback of ``spec`` skips and how long it should take, in
    sentences (``phase``: a KServe rollback's step, 0 for a Rollout's)."""
    skipped = budget(spec)
    runtime = spec["spec"]["serving"]["runtime"]
    if runtime == "kserve":
        fast = {
            1: "This change sends all traffic back to the previous revision at "
            "once (canaryTrafficPercent: 0).",
            2: "The restored version gets its revision while the traffic stays "
            "on the previous one (canaryTrafficPercent: 0).",
            3: "All traffic moves to the restored revision, which is ready.",
        }.get(phase, "The restored version takes all traffic at once.")
    else:
        fast = (
            "Argo Rollouts returns to the stable ReplicaSet it keeps "
            "(rollbackWindow): the pods that ran, with no step, pause or analysis."
        )
    limit = spec["spec"].get("rollback", {}).get("maxDuration")
    promise = (
        f"Expected back within {limit} (rollback.maxDuration)."
        if isinstance(limit, str)
        else "The spec promises no rollback time (rollback.maxDuration)."
    )
    return [f"The rollback {skipped.summary()}.", fast, promise]


def text(spec: Mapping[str, Any], *, phase: int = 0) -> str:
    """``lines`` for a terminal (``rollback --dry-run``)."""
    return "time budget:\n" + "".join(
        f"  {line}\n" for line in lines(spec, phase=phase)
    )


def markdown(spec: Mapping[str, Any], *, phase: int = 0) -> str:
    """``lines`` for the pull-request body."""
    from modelrail import commonmark as md

    items = "\n".join(f"- {md.cell(line)}" for line in lines(spec, phase=phase))
    return "### Time to be back\n\n" + items
