"""The edit ``modelrail promote`` makes: text in, text out, and what changed.

A promotion copies what the source environment runs into the target's spec:
the whole ``spec.model`` mapping (version, artifact, digest, metrics,
baseline, evaluation...) and ``spec.serving.image``. Everything else in the
target is the target environment's own (replicas, SLOs, hosts, canary plan,
security, monitoring, contacts) and stays as it is, with every comment, key
order and quote style of the file: values are assigned into the existing
mappings key by key (see :mod:`modelrail.promote.roundtrip`).

Then, when the version changes: ``spec.rollback.previousVersion`` becomes the
version the target ran, a declared rollback (``spec.rollback.revert``) ends,
and a KServe canary (``serving.runtime: kserve``) starts again at step 1
(MR-ROLL-011: a new revision never starts at full traffic).

A comment on a line whose value changes stays on that line; since it may
speak of the old value (``# 3.3.0 is soaking in staging``), each one is
listed in :attr:`Promotion.notes` for the person opening the pull request.

A model the target does not have yet gets a new spec: see
:mod:`modelrail.promote.create`. Pure: no file, no git, no clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.promote import roundtrip
from modelrail.promote.create import create
from modelrail.promote.edit import (
    IDENTITY,
    REVISION,
    Edit,
    Promotion,
    section,
    shape,
    start_canary,
)
from modelrail.versions import lower

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from modelrail.promote.edit import End


def promote(
    name: str,
    source: End,
    target: End,
    environment: Mapping[str, Any],
    root: Path,
) -> Promotion:
    """Promote model ``name`` from ``source`` into ``target``, whose
    environment.yaml holds ``environment``; a model new to the target starts
    from the scaffold of its type (the templates of the repository at
    ``root``)."""
    if source.text is None:
        raise UsageError(f"{source.file}: no such spec")
    src = roundtrip.load(source.text, source.file)
    shape(src, source.file)
    if target.text is None:
        return create(name, source, src, target, environment, root)
    dst = roundtrip.load(target.text, target.file)
    shape(dst, target.file)
    return _update(name, source, src, target, dst)


def _update(name: str, source: End, src: Any, target: End, dst: Any) -> Promotion:
    assert target.text is not None
    old = dst["spec"]
    new = src["spec"]
    ran = quoted(old["model"]["version"])  # a version stays a quoted string
    before, version = str(ran), str(new["model"]["version"])
    if before == version:
        _same_version(source, src, target, dst)
    edit = Edit()
    edit.merge(old, "model", new["model"], "spec.model")
    image = new.get("serving", {}).get("image")
    if image is not None and isinstance(old.get("serving"), dict):
        edit.merge(old["serving"], "image", image, "spec.serving.image")
    if not edit.changes:
        return Promotion(
            name, source.environment, target.environment, target.text, False,
            before, version, (), (),
        )  # fmt: skip
    changed = {c.field for c in edit.changes}
    if before != version:
        rollback = old.get("rollback")
        if not isinstance(rollback, dict):
            rollback = section(old, "rollback", after="rollout")
        edit.put(rollback, "previousVersion", ran, "spec.rollback.previousVersion")
    rollback = old.get("rollback")
    if isinstance(rollback, dict) and "revert" in rollback:
        edit.remove(rollback, "revert", "spec.rollback.revert")
    if any(field in changed for field in REVISION):
        start_canary(old, edit)
    if lower(version, before):
        edit.notes.append(
            f"the version goes down, from {before} to {version}: a rollback is "
            "declared with spec.rollback.revert (MR-PROM-004), which promote "
            "does not write"
        )
    return Promotion(
        name,
        source.environment,
        target.environment,
        roundtrip.dump(dst),
        False,
        before,
        version,
        tuple(edit.changes),
        tuple(edit.notes),
    )


def quoted(value: Any) -> Any:
    """A string as a quoted scalar (as it was, if it was quoted)."""
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        SingleQuotedScalarString,
    )

    if isinstance(value, (DoubleQuotedScalarString, SingleQuotedScalarString)):
        return value
    return DoubleQuotedScalarString(str(value))


def _same_version(source: End, src: Any, target: End, dst: Any) -> None:
    """The same version must be the same model: refuse a different artifact."""
    for key in IDENTITY:
        a, b = src["spec"]["model"].get(key), dst["spec"]["model"].get(key)
        if not roundtrip.same(a, b):
            version = src["spec"]["model"]["version"]
            raise UsageError(
                f"version {version} has model.{key} {a!r} in {source.file} but "
                f"{b!r} in {target.file}: one version number, two models; give "
                "the rebuilt model a new version in the source environment first"
            )
