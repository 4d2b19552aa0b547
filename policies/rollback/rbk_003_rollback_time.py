"""A rollback takes at most $maxDuration.

Every minute of rollback is a minute of users served by the version that was
found wanting, and of error budget spent. The checklist's target in
production is a rollback in under 15 minutes (under 30 minutes before
production); ``maxDuration`` (15m by default) is the longest the declared
rollback may take, end to end.

Fails::

    spec:
      rollback:
        maxDuration: 1h

Passes::

    spec:
      rollback:
        maxDuration: 10m
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.units import seconds

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-003"
NAME = "rollback-time"
SEVERITY = Severity.ERROR
REMEDIATION = "Declare rollback.maxDuration and make the rollback fit in $maxDuration."


@dataclass(frozen=True)
class Options:
    maxDuration: str = "15m"  # the longest rollback allowed


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        return  # MR-RBK-001 reports a missing rollback plan
    opts = ctx.options_as(Options)
    duration = spec.rollback.get("maxDuration")
    if duration is None:
        yield Hit("/spec/rollback/maxDuration", "the rollback declares no maxDuration")
    elif seconds(duration) > seconds(opts.maxDuration):
        yield Hit(
            "/spec/rollback/maxDuration",
            f"rollback maxDuration {duration!r} is longer than {opts.maxDuration}",
        )
