"""What the promotion policies share: the chain of environments, and how a
spec moved against the base of the change.

A version *enters* an environment when its spec is new there or its model
version, digest, artifact or serving image differs from the base's: only
then do the promotion rules (MR-PROM-*) judge where it came from. A version
that goes back is no promotion but a rollback, to what ran here before:
MR-PROM-004 alone judges it (it must be declared with ``rollback.revert``).
Going back is a lower version than the base's or, declared, the base's
``rollback.previousVersion`` where neither version precedes the other
(``3.2.0+build.7`` and ``3.2.0+build.6``: build metadata orders nothing).

A *declared rollback* goes back and names, in ``rollback.revert.from``, the
version the base ran. The rules that slow a new version down (the soak, the
pace of the canary plan, one KServe step per change) do not hold it: it
returns to what already ran, and Argo Rollouts skips the plan for it
(docs/rollback.md). The rules about what runs (security, schema, registry,
digest) judge it as any change.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.units import seconds
from modelrail.versions import lower

if TYPE_CHECKING:
    from modelrail.policy import Context, Environment, Spec


@dataclass(frozen=True, slots=True)
class Move:
    """A spec against the base of the change."""

    base: Spec | None  # None: the spec is new in the change
    entering: bool  # a version (or its bytes) enters the environment
    revert: bool  # the version goes back: a rollback, not a promotion


def identity(spec: Spec) -> tuple[object, ...]:
    """What makes a deployed version: the version and the bytes behind it."""
    return (
        spec.model.get("version"),
        spec.model.get("digest"),
        spec.model.get("artifact"),
        spec.serving.get("image"),
    )


def move(spec: Spec, ctx: Context) -> Move | None:
    """How ``spec`` moved against the base; None without one (no ``--base``)."""
    if ctx.history is None:
        return None
    base = ctx.base_spec(spec)
    if base is None:
        return Move(None, True, False)
    entering = identity(spec) != identity(base)
    return Move(base, entering, entering and going_back(spec, base))


def going_back(spec: Spec, base: Spec) -> bool:
    """Whether ``spec``'s version goes back from ``base``'s: a lower one or,
    with ``rollback.revert`` declared, the base's ``previousVersion`` where
    neither version precedes the other."""
    version = str(spec.model["version"])
    before = str(base.model.get("version"))
    if lower(version, before):
        return True
    return (
        spec.rollback.get("revert") is not None
        and version != before
        and version == str(base.rollback.get("previousVersion"))
        and not lower(before, version)
    )


def declared_rollback(spec: Spec, ctx: Context) -> bool:
    """Whether the change is a declared rollback: the version goes back and
    ``rollback.revert.from`` names the version the base ran. False without a
    base (no ``--base``, or a spec new in the change)."""
    moved = move(spec, ctx)
    revert = spec.rollback.get("revert")
    return (
        moved is not None
        and moved.base is not None
        and moved.revert
        and isinstance(revert, Mapping)
        and str(revert.get("from")) == str(moved.base.model.get("version"))
    )


def restored(spec: Spec, ctx: Context) -> bool:
    """Whether the spec serves a version a declared rollback brought back: in
    this change, or in an earlier one whose ``rollback.revert`` the base
    already declared for the same version and bytes (the later change of a
    KServe rollback that moves the traffic onto the restored revision)."""
    if declared_rollback(spec, ctx):
        return True
    base = ctx.base_spec(spec)
    revert = spec.rollback.get("revert")
    return (
        base is not None
        and revert is not None
        and base.rollback.get("revert") == revert
        and identity(base) == identity(spec)
    )


def plan(spec: Spec) -> dict[str, Any]:
    """The canary plan: ``rollout`` without ``currentStep`` (where a KServe
    canary stands, not what it is)."""
    return {key: value for key, value in spec.rollout.items() if key != "currentStep"}


def skips_plan(spec: Spec, ctx: Context) -> bool:
    """Whether the change is a declared rollback that keeps the canary plan
    the base had: it does not walk the plan, so the rules about the plan's
    pace do not hold it. A rollback that edits the plan is judged, and so is
    every later change (the plan is the next promotion's)."""
    base = ctx.base_spec(spec)
    return (
        base is not None and declared_rollback(spec, ctx) and plan(spec) == plan(base)
    )


def ready_at(entered: datetime.datetime, soak: str) -> datetime.datetime:
    """When a version that entered the source at ``entered`` has met a soak of
    ``soak`` there (MR-PROM-003, ``promote --auto``)."""
    return entered + datetime.timedelta(seconds=seconds(soak))


def upstream(env: Environment, ctx: Context) -> list[str]:
    """The promotion sources of ``env``, nearest first (staging, test, dev);
    a cycle (MR-REPO-004 reports it) ends the chain."""
    chain: list[str] = []
    source = env.promotion_source
    while source is not None and source not in chain and source != env.name:
        chain.append(source)
        view = ctx.environments.get(source)
        source = view.promotion_source if view is not None else None
    return chain


def runs(ctx: Context, environment: str, spec: Spec) -> Spec | None:
    """The spec of the same model in ``environment`` if it runs the same
    version, else None."""
    peer = ctx.peer(environment, spec.name)
    if peer is None or peer.model.get("version") != spec.model["version"]:
        return None
    return peer
