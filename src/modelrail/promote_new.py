"""The first promotion of a model into an environment: a new spec.

The new spec is the source's, comments and all, with what belongs to the
target environment set for it:

- ``metadata.environment`` names the target;
- no ``rollback.previousVersion`` (the target never ran the model, so there
  is nothing to go back to there) and no ``rollback.revert``;
- a KServe canary starts at step 1 (MR-ROLL-011); any other spec has no
  ``rollout.currentStep``;
- a value above one of the target's ``spec.limits`` (maxReplicas, maxCpu,
  maxMemory, maxGpu, maxThroughput) is lowered to the limit.

What the tier demands (replicas, soak, evidence) is the policies' to say, in
the check that follows: they are the one place those numbers live. Each
adjustment, and each value outside ``spec.model`` that still names the
source environment (a dashboard's ``?var-env=staging``), is in the notes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from modelrail import roundtrip
from modelrail.promote import Edit, Promotion, start_canary
from modelrail.units import bytes_of, millicores

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from decimal import Decimal

    from modelrail.promote import Side

_RESOURCES: tuple[tuple[str, str, Callable[[Any], Decimal]], ...] = (
    ("cpu", "maxCpu", millicores),
    ("memory", "maxMemory", bytes_of),
)
# copied from the source on purpose: a mention of its name there is expected
_COPIED = ("spec.model", "spec.serving.image", "metadata.environment")


def create(
    name: str, source: Side, doc: Any, target: Side, environment: Mapping[str, Any]
) -> Promotion:
    """The target's new spec, made from the source's document ``doc``."""
    edit = Edit()
    edit.put(doc["metadata"], "environment", target.environment, "metadata.environment")
    spec = doc["spec"]
    rollback = spec.get("rollback")
    if isinstance(rollback, dict):
        for key in ("previousVersion", "revert"):
            if key in rollback:
                edit.remove(rollback, key, f"spec.rollback.{key}")
    rollout = spec.get("rollout")
    kserve = start_canary(spec, edit)
    if not kserve and isinstance(rollout, dict) and "currentStep" in rollout:
        edit.remove(rollout, "currentStep", "spec.rollout.currentStep")
    limits = environment.get("spec", {}).get("limits", {})
    if isinstance(limits, dict):
        _within(spec, limits, target.environment, edit)
    for path, value in _mentions(doc, source.environment):
        edit.notes.append(
            f"{path} names {source.environment!r}: {value!r}; check that it "
            f"fits {target.environment!r}"
        )
    return Promotion(
        name,
        source.environment,
        target.environment,
        roundtrip.dump(doc),
        True,
        None,
        str(spec["model"]["version"]),
        tuple(edit.changes),
        tuple(edit.notes),
    )


def _within(spec: Any, limits: Mapping[str, Any], env: str, edit: Edit) -> None:
    """Lower what exceeds the environment's limits to the limit."""
    serving = _mapping(spec, "serving")
    scaling = _mapping(serving, "autoscaling")
    resources = _mapping(serving, "resources")
    caps: list[tuple[Any, str, str, str, Callable[[Any], Any]]] = [
        (scaling, key, "maxReplicas", f"spec.serving.autoscaling.{key}", int)
        for key in ("minReplicas", "maxReplicas")
    ]
    for name, cap, amount in _RESOURCES:
        caps.extend(
            (
                _mapping(resources, kind),
                name,
                cap,
                f"spec.serving.resources.{kind}.{name}",
                amount,
            )
            for kind in ("requests", "limits")
        )
    caps.append(
        (
            _mapping(resources, "gpu"),
            "count",
            "maxGpu",
            "spec.serving.resources.gpu.count",
            int,
        )
    )
    caps.append(
        (
            _mapping(_mapping(spec, "slo"), "throughput"),
            "rps",
            "maxThroughput",
            "spec.slo.throughput.rps",
            float,
        )
    )
    for parent, key, cap, path, amount in caps:
        if cap not in limits or key not in parent:
            continue
        try:
            over = amount(parent[key]) > amount(limits[cap])
        except (TypeError, ValueError, ArithmeticError):
            continue  # not a quantity: the schema check reports it
        if over:
            was = roundtrip.plain(parent[key])
            edit.put(parent, key, limits[cap], path)
            edit.notes.append(
                f"{path} lowered from {was!r} to {limits[cap]!r}, the "
                f"limits.{cap} of environment {env!r}"
            )


def _mapping(parent: Any, key: str) -> Any:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _mentions(doc: Any, environment: str) -> Iterator[tuple[str, str]]:
    """Strings outside what a promotion copies that name ``environment``."""
    word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(environment)}(?![A-Za-z0-9])")
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        path, value = stack.pop()
        if path.removeprefix(".") in _COPIED:
            continue
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value)))
            )
        elif isinstance(value, str) and word.search(value):
            yield path.removeprefix("."), str(value)
