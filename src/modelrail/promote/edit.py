"""Assignments into a round-trip spec that keep its formatting, and what
they changed: the tools of every promotion (:mod:`modelrail.promote.update`
for a model the target runs, :mod:`modelrail.promote.create` for one it does
not have yet), and what a promotion is (:class:`End`, :class:`Promotion`).

Values are assigned into the existing mappings key by key (see
:mod:`modelrail.promote.roundtrip`), so every comment, key order and quote
style of the file stays. A comment on a line whose value changes stays on that
line; since it may speak of the old value (``# 3.3.0 is soaking in
staging``), each one is listed in :attr:`Promotion.notes` for the person
opening the pull request. Pure: no file, no git, no clock.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from modelrail.errors import UsageError
from modelrail.findings import Location
from modelrail.promote import roundtrip

# what makes a new revision (MR-ROLL-011): a KServe canary starts again
REVISION = ("spec.model.version", "spec.model.artifact", "spec.serving.image")
# what a version is: these never change under the same version number
IDENTITY = ("artifact", "digest")


@dataclass(frozen=True, slots=True)
class Change:
    """One value of the target spec that the promotion changes."""

    field: str  # dotted from the top: "spec.model.version", "metadata.environment"
    before: Any  # plain data; None when the field is new
    after: Any  # plain data; None when the field is removed


@dataclass(frozen=True, slots=True)
class End:
    """One end of a promotion: the environment, the spec's file as shown in
    messages (repository-relative), and the file's text (None: no spec)."""

    environment: str
    file: str
    text: str | None


@dataclass(frozen=True, slots=True)
class Promotion:
    name: str
    source: str  # environment names
    target: str
    text: str  # the target spec after the promotion
    created: bool  # the model is new to the target
    before: str | None  # the version the target ran (None: created)
    version: str  # the version promoted
    changes: tuple[Change, ...]
    notes: tuple[str, ...]  # for the person opening the pull request

    @property
    def noop(self) -> bool:
        """Nothing to do: the target runs this already (a new spec is never
        nothing, even when the source's values are the scaffold's)."""
        return not self.created and not self.changes


def start_canary(spec: Any, edit: Edit) -> bool:
    """A KServe canary on a new revision starts at step 1 (MR-ROLL-011).
    False when ``spec`` is not a KServe canary (nothing to do)."""
    serving, rollout = spec.get("serving"), spec.get("rollout")
    if not isinstance(serving, dict) or serving.get("runtime") != "kserve":
        return False
    if not isinstance(rollout, dict) or rollout.get("strategy") != "canary":
        return False
    if not rollout.get("steps"):
        return False
    edit.put(rollout, "currentStep", 1, "spec.rollout.currentStep", after="steps")
    return True


def section(spec: Any, key: str, *, after: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    section = CommentedMap()
    keys = list(spec)
    position = keys.index(after) + 1 if after in keys else len(keys)
    spec.insert(position, key, section)
    return section


def shape(doc: Any, file: str) -> None:
    """What the edit relies on; the schema promises it of a valid spec, but
    the edit must not crash on a file that is not one."""
    ok = (
        isinstance(doc, dict)
        and isinstance(doc.get("metadata"), dict)
        and isinstance(doc.get("spec"), dict)
        and isinstance(doc["spec"].get("model"), dict)
        and "version" in doc["spec"]["model"]
    )
    if not ok:
        raise UsageError(
            "not a ModelDeployment with spec.model.version (run 'modelrail check')",
            Location(file),
        )


class Edit:
    """Assignments into a round-trip document that keep its formatting, and
    the record of what they changed."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.notes: list[str] = []

    def merge(self, parent: Any, key: Any, new: Any, path: str) -> None:
        """Make ``parent[key]`` equal ``new``: mappings key by key (in place,
        so the comments of unchanged keys stay), lists of the same length item
        by item, anything else replaced."""
        if key not in parent:
            self.put(parent, key, new, path)
            return
        old = parent[key]
        if isinstance(old, dict) and isinstance(new, dict):
            order = list(new)
            for sub in order:
                self._merge_key(old, sub, new[sub], f"{path}.{sub}", order)
            for sub in [k for k in old if k not in new]:
                self.remove(old, sub, f"{path}.{sub}")
            return
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, item in enumerate(new):
                self.merge(old, index, item, f"{path}[{index}]")
            return
        self.put(parent, key, new, path)

    def _merge_key(
        self, parent: Any, key: Any, new: Any, path: str, order: list[Any]
    ) -> None:
        if key in parent:
            self.merge(parent, key, new, path)
            return
        # a key the target lacks goes where the source has it
        earlier = order[: order.index(key)]
        present = [k for k in earlier if k in parent]
        after = present[-1] if present else None
        self.put(parent, key, new, path, after=after, first=after is None)

    def put(
        self,
        parent: Any,
        key: Any,
        new: Any,
        path: str,
        *,
        after: Any = None,
        first: bool = False,
    ) -> None:
        """Set one value (a new key goes after ``after``, else first with
        ``first``, else last), keeping the old value's quote style."""
        exists = key in parent if isinstance(parent, dict) else key < len(parent)
        if exists:
            old = parent[key]
            if roundtrip.same(old, new):
                return
            comment = roundtrip.eol_comment(parent, key)
            if comment is not None:
                self.notes.append(
                    f"{path} changed on a line with a comment, kept as it "
                    f"was: # {comment}"
                )
            parent[key] = _styled(old, new)
            self.changes.append(
                Change(path, roundtrip.plain(old), roundtrip.plain(new))
            )
            return
        value = _styled(None, new)
        keys = list(parent)
        if after in keys:
            parent.insert(keys.index(after) + 1, key, value)
        elif first:
            parent.insert(0, key, value)
        else:
            parent[key] = value
        self.changes.append(Change(path, None, roundtrip.plain(new)))

    def remove(self, parent: Any, key: Any, path: str) -> None:
        comment = roundtrip.eol_comment(parent, key)
        if comment is not None:
            self.notes.append(f"{path} removed, with its comment: # {comment}")
        old = parent.pop(key)
        self.changes.append(Change(path, roundtrip.plain(old), None))


def _styled(old: Any, new: Any) -> Any:
    """``new``, quoted as ``old`` was (the target's quote style wins); a
    mapping or list is copied, with its own comments and flow style."""
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        SingleQuotedScalarString,
    )

    if isinstance(new, (dict, list)):
        return copy.deepcopy(new)
    quoted = (DoubleQuotedScalarString, SingleQuotedScalarString)
    if isinstance(new, str) and isinstance(old, quoted):
        return type(old)(str(new))
    return new
