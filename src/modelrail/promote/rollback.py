"""The edit ``modelrail rollback`` makes: back to what ran, exactly.

A rollback does not retype a version: it takes, from the environment's git
history (:meth:`modelrail.git.history.GitHistory.runs`), the spec as it was
when the target version last ran there, and puts back its whole
``spec.model`` mapping (version, artifact, digest, metrics, baseline,
evaluation, with the comments it had then), its ``spec.serving.image`` and
its ``spec.rollback.previousVersion``; then it declares the rollback
(``spec.rollback.revert {from, reason, at}``: MR-PROM-004 lets a version go
down only so, and MR-RBK-006 holds it to what ran). Everything else in the
spec is the environment's own and stays as it is, with every comment.

A KServe canary goes back in three changes, each its own pull request (in
GitOps only what is merged is synced): (1) all traffic onto the previous
revision at once (``rollout.currentStep: 0``, rendered as
``canaryTrafficPercent: 0``); (2) the version restored, the traffic still on
that revision while the restored one starts (Knative would otherwise route to
the latest *ready* revision: the bad one, until the restored one is up); (3)
``currentStep`` removed: all traffic on the restored revision, with no step
left to walk. Pure: no file, no git, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.promote import roundtrip
from modelrail.promote.edit import Change, Edit, End, section, shape
from modelrail.promote.update import quoted
from modelrail.versions import lower

if TYPE_CHECKING:
    import datetime

    from modelrail.git.history import Stretch

# the parts of a spec a rollback puts back as they were (dotted from the top)
RESTORED = ("spec.model", "spec.serving.image", "spec.rollback.previousVersion")


@dataclass(frozen=True, slots=True)
class Rollback:
    name: str
    environment: str
    text: str  # the spec after the rollback
    before: str  # the version the environment runs now
    version: str  # the version it goes back to
    run: Stretch  # when and where that version last ran
    reason: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...]
    # a KServe canary: 1 puts all traffic back on the previous revision, 2
    # restores the version (traffic still there), 3 moves the traffic to it
    # (0: not KServe, one change)
    phase: int = 0

    @property
    def restores(self) -> bool:
        """Whether this edit puts the old version back (phase 0 or 2)."""
        return self.phase in (0, 2)


def target(
    runs: list[Stretch], current: str, wanted: str | None, environment: str, name: str
) -> Stretch:
    """The run a rollback returns to: the newest of ``wanted``, or of the
    latest version that ran before ``current`` and is not above it (a
    rollback goes back: a version above is the one a rollback left, and going
    there is a promotion). Bad input when there is none."""
    if wanted is not None and lower(current, wanted):
        raise UsageError(
            f"{wanted} is above {current}, which {environment} runs: going there "
            f"is a promotion, not a rollback (modelrail promote {name} --to "
            f"{environment})"
        )
    for run in runs:
        if wanted is not None and run.version == wanted:
            return run
        if (
            wanted is None
            and run.version != current
            and not lower(current, run.version)
        ):
            return run
    if wanted is not None:
        ran = ", ".join(dict.fromkeys(run.version for run in runs)) or "none"
        raise UsageError(
            f"{name} {wanted} never ran in {environment} (its committed history "
            f"there: {ran}); a rollback only returns to what ran"
        )
    raise UsageError(
        f"{name} ran no version other than {current} in {environment} (its "
        "first release): there is nothing to roll back to; see its "
        "rollback.firstRelease"
    )


def rollback(
    name: str,
    end: End,
    run: Stretch,
    *,
    reason: str,
    at: datetime.datetime,
) -> Rollback:
    """Roll model ``name`` in ``end`` back to what ran in ``run``."""
    if end.text is None:
        raise UsageError(f"{end.file}: no such spec")
    doc = roundtrip.load(end.text, end.file)
    shape(doc, end.file)
    before = str(doc["spec"]["model"]["version"])
    if before == run.version and not finishing(doc["spec"]):
        raise UsageError(
            f"{end.file} runs {before} already: nothing to roll back "
            f"(name another version with --to)"
        )
    edit = Edit()
    spec = doc["spec"]
    if finishing(spec):
        edit.remove(spec["rollout"], "currentStep", "spec.rollout.currentStep")
        return Rollback(
            name, end.environment, roundtrip.dump(doc), before, run.version, run,
            reason, tuple(edit.changes), tuple(edit.notes), phase=3,
        )  # fmt: skip
    if _kserve_canary(spec) and spec["rollout"].get("currentStep") != 0:
        edit.put(
            spec["rollout"], "currentStep", 0, "spec.rollout.currentStep",
            after="steps",
        )  # fmt: skip
        edit.notes.append(
            f"KServe: this first step sends all traffic back to the previous "
            f"revision ({run.version} if it is the last one fully rolled out); "
            f"merge it, then run 'modelrail rollback {name} --env "
            f"{end.environment} --to {run.version}' again to restore "
            f"{run.version} (step 2 of 3)"
        )
        return Rollback(
            name, end.environment, roundtrip.dump(doc), before, run.version, run,
            reason, tuple(edit.changes), tuple(edit.notes), phase=1,
        )  # fmt: skip
    phase = 2 if _kserve_canary(spec) else 0
    if phase == 2:
        edit.notes.append(
            f"KServe, step 2 of 3: {run.version} gets its revision while the "
            "traffic stays on the previous one; once it is ready and this is "
            f"merged, run 'modelrail rollback {name} --env {end.environment}' "
            "again to move the traffic to it"
        )
    old = roundtrip.load(run.text, f"{end.file}@{run.last.short}")
    shape(old, f"{end.file}@{run.last.short}")
    _restore(spec, old["spec"], edit)
    rollback = spec.get("rollback")
    if not isinstance(rollback, dict):
        rollback = section(spec, "rollback", after="rollout")
    revert = {"from": quoted(before), "reason": reason, "at": quoted(_stamp(at))}
    edit.put(rollback, "revert", revert, "spec.rollback.revert")
    return Rollback(
        name, end.environment, roundtrip.dump(doc), before, run.version, run,
        reason, tuple(edit.changes), tuple(edit.notes), phase=phase,
    )  # fmt: skip


def _restore(spec: Any, old: Any, edit: Edit) -> None:
    """Put back the old spec's model mapping whole (so its text is what it
    was, comments included), its serving image and previous version."""
    before = roundtrip.plain(spec["model"])
    spec["model"] = old["model"]
    after = roundtrip.plain(old["model"])
    for key in sorted(set(before) | set(after)):
        if not roundtrip.same(before.get(key), after.get(key)):
            edit.changes.append(
                Change(f"spec.model.{key}", before.get(key), after.get(key))
            )
    image = old.get("serving", {}).get("image") if isinstance(old, dict) else None
    if image is not None and isinstance(spec.get("serving"), dict):
        edit.merge(spec["serving"], "image", image, "spec.serving.image")
    previous = old.get("rollback", {}).get("previousVersion")
    rollback = spec.get("rollback")
    if isinstance(rollback, dict):
        if previous is not None:
            edit.merge(
                rollback, "previousVersion", previous, "spec.rollback.previousVersion"
            )
        elif "previousVersion" in rollback:
            edit.remove(rollback, "previousVersion", "spec.rollback.previousVersion")


def finishing(spec: Any) -> bool:
    """A KServe rollback at its last step: the version restored and declared,
    the traffic still held on the previous revision (``currentStep: 0``)."""
    rollback = spec.get("rollback")
    return (
        _kserve_canary(spec)
        and spec["rollout"].get("currentStep") == 0
        and isinstance(rollback, dict)
        and isinstance(rollback.get("revert"), dict)
    )


def _kserve_canary(spec: Any) -> bool:
    serving, rollout = spec.get("serving"), spec.get("rollout")
    return (
        isinstance(serving, dict)
        and serving.get("runtime") == "kserve"
        and isinstance(rollout, dict)
        and rollout.get("strategy") == "canary"
        and bool(rollout.get("steps"))
    )


def _stamp(at: datetime.datetime) -> str:
    """A UTC moment as RFC 3339 with a Z, to the second."""
    import datetime as dt

    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
