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
both are held to the truth: a change that brings a new version in names, in
``previousVersion``, the version the environment runs at the base (``modelrail
promote`` keeps it in step; a declared rollback keeps the one of its day), and
a model that ran another version in this environment before is no
``firstRelease``.

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
from modelrail.versions import lower

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
    elif ctx.history is not None and not isinstance(spec.rollback.get("revert"), dict):
        # in step with history: what the environment ran before this version
        # (a declared rollback restores the previousVersion of its day)
        expected = _ran_before(ctx, env, spec, str(version))
        if expected is not None and previous != expected:
            yield Hit(
                "/spec/rollback/previousVersion",
                f"previousVersion {previous!r} is not what {env.name} ran before "
                f"{version}: its git history says {expected!r} (modelrail "
                "promote keeps it in step)",
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


def _ran_before(ctx: Context, env: Environment, spec: Spec, version: str) -> str | None:
    """The version the environment runs at the base when this change brings
    a higher ``version`` in (None: it does not, or history shows nothing)."""
    assert ctx.history is not None
    runs = ctx.history.runs(env.name, spec.name)
    # a version going up: a promotion (a version going down is MR-PROM-004's
    # and MR-RBK-006's to judge)
    if runs and lower(runs[0].version, version):
        return runs[0].version
    return None
