"""A rollback names what it returns to: the previous version, or for a first release what happens if it fails.

A rollback restores the last version known to be good. Without
``previousVersion`` whoever runs it at 3 a.m. has to find out which one that
was; with the deployed version there, rolling "back" restores nothing (the
field was not updated when the version was bumped). A model new to the
environment has no version to return to: it declares
``rollback.firstRelease`` instead, what happens if its first release fails
(``remove``: the model is taken out and its callers go on without it, as they
did before; ``route``: the traffic goes back ``to`` the system it replaces).
Where git history is at hand (``check`` in a git checkout, ``check --base``),
a ``firstRelease`` is held to the truth: a model that ran another version in
this environment before names that version in ``previousVersion``.

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

Passes::

    spec:
      rollback:
        previousVersion: null
        firstRelease: {action: route, to: rules-engine v7}
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
REMEDIATION = (
    "Set rollback.previousVersion to the version this deployment replaces; for "
    "a model new to the environment, declare rollback.firstRelease instead "
    "(action: remove, or action: route with to: the system it replaces)."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not spec.has("rollback"):
        return  # MR-RBK-001 reports a missing rollback plan
    previous = spec.rollback.get("previousVersion")
    first = spec.rollback.get("firstRelease")
    version = spec.model["version"]
    if previous is None and first is None:
        yield Hit(
            "/spec/rollback/previousVersion",
            "the rollback names neither the version it returns to "
            f"(previousVersion) nor, for a model new to {env.name}, what happens "
            "if its first release fails (firstRelease)",
        )
    elif previous == version:
        yield Hit(
            "/spec/rollback/previousVersion",
            f"previousVersion {previous!r} is the version being deployed",
        )
    if first is None or ctx.history is None:
        return
    earlier = ctx.history.ran_before(env.name, spec.name, str(version))
    if earlier is not None:
        yield Hit(
            "/spec/rollback/firstRelease",
            f"{spec.name} ran {earlier} in {env.name} before: this is no first "
            f"release; name previousVersion: {earlier!r} and remove firstRelease",
        )
