"""A version goes down only as a declared rollback.

A lower version is either a rollback, which goes back to what ran before
and needs no new soak, or a mistake (a stale branch, a wrong merge) that
silently undoes a release. ``spec.rollback.revert`` tells them apart: it
names the version being rolled back (the one the base of the change ran)
and why (``at``: when, optional). A declared rollback may also go back to the
base's ``rollback.previousVersion`` where neither version precedes the other
(``3.2.0+build.7`` back to ``3.2.0+build.6``). A promotion (a version going
up) must remove a revert left from an earlier rollback, and cannot declare
one. Judged with ``check --base``; docs/rollback.md says which rules a
declared rollback is spared and which still hold it.

Fails::

    ~base:
      spec:
        model: {version: "3.3.0"}
    spec:
      model:
        version: "3.2.0"
      rollback:
        previousVersion: "3.1.4"

Passes::

    ~base:
      spec:
        model: {version: "3.3.0"}
    spec:
      model:
        version: "3.2.0"
      rollback:
        previousVersion: "3.1.4"
        revert: {from: "3.3.0", reason: "INC-2291: p95 latency doubled at 50 % canary"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.promotion import move

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-PROM-004"
NAME = "lower-version-only-as-rollback"
SEVERITY = Severity.ERROR
REMEDIATION = (
    'Declare the rollback: rollback.revert: {from: "<version the environment '
    'ran>", reason: "<incident>"}; remove rollback.revert when promoting again.'
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    moved = move(spec, ctx)
    if moved is None or moved.base is None:
        return
    version = str(spec.model["version"])
    before = str(moved.base.model["version"])
    revert = spec.rollback.get("revert")
    if moved.revert:  # going back: lower, or (declared) the previousVersion
        if revert is None:
            yield Hit(
                "/spec/model/version",
                f"the version goes down from {before} to {version} without a "
                "declared rollback",
            )
        elif revert["from"] != before:
            yield Hit(
                "/spec/rollback/revert/from",
                f"the rollback says it reverts {revert['from']}, but "
                f"{env.name} ran {before}",
            )
    elif revert is not None and version != before:
        if moved.base.rollback.get("revert") == revert:
            yield Hit(
                "/spec/rollback/revert",
                f"version {version} replaces {before}, but rollback.revert (from "
                f"{revert['from']}) is left from an earlier rollback: a promotion "
                "is not a rollback",
            )
        else:
            yield Hit(
                "/spec/rollback/revert",
                f"rollback.revert declares a rollback from {revert['from']}, but "
                f"version {version} replaces {before} and is not lower: a "
                "promotion is not a rollback",
            )
