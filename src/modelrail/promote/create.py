"""The first promotion of a model into an environment: a new spec.

The new spec is the scaffold of the model's type made for the target
environment (:mod:`modelrail.promote.scaffold`: its router, registries, collector and
limits, the checklist's defaults, a first release's rollback plan), with what
belongs to the model copied from the source: ``spec.model`` (the version, its
bytes, metrics, baseline and evaluation), the serving image and runtime (a
KServe canary starts at step 1), and the team, description and contacts of
``metadata``. Nothing of the source environment's
own settings comes along (dev's rolling update, its replicas, its dashboard).

What only a person knows for the target (its runbooks, dashboard, evidence)
is left as a placeholder: the notes list them, and MR-OPS-013 reports each one
until it is filled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelrail.promote import scaffold
from modelrail.promote.edit import Edit, Promotion, start_canary

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from modelrail.promote.edit import End

_METADATA = ("team", "description", "contacts")


def create(
    name: str,
    source: End,
    doc: Any,
    target: End,
    environment: Mapping[str, Any],
    root: Path,
) -> Promotion:
    """The target's new spec, for the model whose source document is ``doc``."""
    made = scaffold.make(
        root,
        str(doc["spec"]["type"]),
        name,
        target.environment,
        environment,
        str(doc["metadata"]["team"]),
    )
    new = made.document
    edit = Edit()
    for key in _METADATA:
        if key in doc["metadata"]:
            edit.put(new["metadata"], key, doc["metadata"][key], f"metadata.{key}")
    edit.put(new["spec"], "model", doc["spec"]["model"], "spec.model")
    accuracy = doc["spec"].get("monitoring", {}).get("accuracy")
    if accuracy is not None:  # its floor follows the model's metrics
        edit.put(
            new["spec"]["monitoring"], "accuracy", accuracy, "spec.monitoring.accuracy"
        )
    serving = doc["spec"].get("serving", {})
    for key in ("image", "runtime"):  # the bytes served, and what serves them
        if key in serving and serving[key] != new["spec"]["serving"].get(key):
            edit.put(new["spec"]["serving"], key, serving[key], f"spec.serving.{key}")
    start_canary(new["spec"], edit)  # a KServe canary starts at step 1
    notes = [*made.notes]
    left = scaffold.Scaffold(new, ()).placeholders()
    if left:
        notes.append(
            f"{len(left)} placeholder(s) of the {target.environment} scaffold to "
            "fill before it can merge (MR-OPS-013): "
            + ", ".join(pointer for pointer, _ in left)
        )
    return Promotion(
        name,
        source.environment,
        target.environment,
        made.text,
        True,
        None,
        str(doc["spec"]["model"]["version"]),
        tuple(edit.changes),
        tuple(notes),
    )
