"""What the promotion policies share: the chain of environments, and how a
spec moved against the base of the change.

A version *enters* an environment when its spec is new there or its model
version, digest, artifact or serving image differs from the base's: only
then do the promotion rules (MR-PROM-*) judge where it came from. A lower
version than the base's is no promotion but a rollback, to what ran here
before: MR-PROM-004 alone judges it (it must be declared with
``rollback.revert``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.versions import lower

if TYPE_CHECKING:
    from modelrail.policy import Context, Environment, Spec


@dataclass(frozen=True, slots=True)
class Move:
    """A spec against the base of the change."""

    base: Spec | None  # None: the spec is new in the change
    entering: bool  # a version (or its bytes) enters the environment
    revert: bool  # a lower version than the base's: a rollback, not a promotion


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
    down = lower(str(spec.model["version"]), str(base.model["version"]))
    return Move(base, entering, entering and down)


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
