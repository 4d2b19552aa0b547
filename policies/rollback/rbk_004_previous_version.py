"""A rollback names the version it returns to, and it is not the one deployed.

A rollback restores the last version known to be good. Without
``previousVersion`` whoever runs it at 3 a.m. has to find out which one that
was; with the deployed version there, rolling "back" restores nothing (the
field was not updated when the version was bumped).

Fails::

    spec:
      model:
        version: "3.2.0"
      rollback:
        previousVersion: "3.2.0"

Passes::

    spec:
      model:
        version: "3.2.0"
      rollback:
        previousVersion: "3.1.4"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-004"
NAME = "previous-version"
SEVERITY = Severity.ERROR
REMEDIATION = "Set rollback.previousVersion to the version this deployment replaces."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        return  # MR-RBK-001 reports a missing rollback plan
    previous = spec.rollback.get("previousVersion")
    version = spec.model["version"]
    if previous is None:
        yield Hit(
            "/spec/rollback/previousVersion",
            "the rollback does not name the version it returns to",
        )
    elif previous == version:
        yield Hit(
            "/spec/rollback/previousVersion",
            f"previousVersion {previous!r} is the version being deployed",
        )
