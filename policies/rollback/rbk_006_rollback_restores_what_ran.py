"""A declared rollback restores exactly what ran: the version's artifact, digest and image as they were in this environment.

A rollback is the way back to something known to work, so it must be that
thing, not its label. Setting ``version`` back by hand while the artifact,
digest and image stay the new version's deploys the model being rolled back
under the old version's name: the incident goes on, and the dashboards say
it is over. With git history at hand (``check`` in a git checkout, ``check
--base``), a spec that declares a rollback (``rollback.revert``) must run a
(version, artifact, digest, image) that this environment ran as a release in
its first-parent history; ``modelrail rollback`` restores them from there.
Not waivable: a rollback that does not restore what ran is not a rollback.

(``~ran`` below stands for the environment's history: what it ran, newest
first.)

Fails::

    ~ran: [{spec: {model: {version: "3.3.0"}}}, {spec: {model: {version: "3.2.0"}}}]
    spec:
      model:
        version: "3.1.4"
      rollback:
        revert: {from: "3.2.0", reason: label only}

Passes::

    ~ran: [{spec: {model: {version: "3.3.0"}}}, {spec: {model: {version: "3.2.0"}}}]
    spec:
      rollback:
        revert: {from: "3.3.0", reason: "accuracy fell (INC-123)"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-RBK-006"
NAME = "rollback-restores-what-ran"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Roll back with 'modelrail rollback MODEL --env ENV [--to VERSION]': it "
    "restores spec.model and spec.serving.image from the commit where that "
    "version last ran here."
)
FIELDS = (
    ("version", "/spec/model/version"),
    ("artifact", "/spec/model/artifact"),
    ("digest", "/spec/model/digest"),
    ("image", "/spec/serving/image"),
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if not isinstance(spec.rollback.get("revert"), dict) or ctx.history is None:
        return
    version = spec.model.get("version")
    mine = (
        version,
        spec.model.get("artifact"),
        spec.model.get("digest"),
        spec.serving.get("image"),
    )
    # what ran as a release: a stretch that was itself a declared rollback
    # proves nothing about the version it claims
    ran = [
        run
        for run in ctx.history.runs(env.name, spec.name)
        if not isinstance(
            run.data.get("spec", {}).get("rollback", {}).get("revert"), dict
        )
    ]
    same = [run for run in ran if run.version == version]
    if not same:
        known = ", ".join(dict.fromkeys(run.version for run in ran)) or "none"
        yield Hit(
            "/spec/model/version",
            f"the rollback returns to {version}, which never ran in {env.name} "
            f"(versions that ran there: {known})",
        )
        return
    if any(run.identity == mine for run in same):
        return
    newest = same[0]
    differ = [
        (field, pointer)
        for (field, pointer), ours, theirs in zip(
            FIELDS, mine, newest.identity, strict=True
        )
        if ours != theirs
    ]
    names = ", ".join(field for field, _ in differ)
    yield Hit(
        differ[0][1],
        f"the rollback to {version} is not what ran in {env.name}: {names} "
        f"differ from the spec at commit {newest.last.short}, where {version} "
        "last ran",
    )
