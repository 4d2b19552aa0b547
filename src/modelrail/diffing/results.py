"""The result of a diff, as values: resources, models, findings and sides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.findings import Finding

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True, slots=True)
class Resource:
    """One file of rendered/ (one resource, or a kustomization) that differs."""

    path: str  # relative to rendered/, such as prod/fraud-detector/rollout.yaml
    state: str  # added | removed | changed
    kind: str  # the resource's kind ("" when the file holds none)
    name: str  # its metadata.name ("" when none)
    diff: str  # a unified diff, a/rendered/<path> -> b/rendered/<path>

    @property
    def counts(self) -> tuple[int, int]:
        """Lines added and removed by the diff."""
        plus = minus = 0
        for line in self.diff.splitlines():
            if line.startswith("+") and not line.startswith("+++ "):
                plus += 1
            elif line.startswith("-") and not line.startswith("--- "):
                minus += 1
        return plus, minus

    @property
    def title(self) -> str:
        """``Kind name``, or the file name when the file holds no resource."""
        return " ".join(p for p in (self.kind, self.name) if p) or self.path


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field that identifies what is served, before and after (None: absent)."""

    field: str  # version | artifact | digest | image
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class AppChange:
    """One model of one environment (rendered/<env>/<model>/) that changed."""

    environment: str
    model: str
    # added | removed | promoted | rolled back | changed
    state: str
    version: tuple[str | None, str | None]  # spec.model.version before, after
    fields: tuple[FieldChange, ...]  # what is served, where it changed
    canary: tuple[str, str] | None  # the canary plan before and after, if changed
    description: str  # metadata.description (of the head; the base's if removed)
    resources: tuple[Resource, ...]

    @property
    def key(self) -> str:
        return f"{self.environment}/{self.model}"

    @property
    def label(self) -> str:
        """``promoted 3.2.0 -> 3.3.0``, ``added 1.0.0``, ``changed``..."""
        before, after = self.version
        if self.state in ("promoted", "rolled back") and before != after:
            return f"{self.state} {before} -> {after}"
        if self.state == ADDED and after:
            return f"{ADDED} {after}"
        if self.state == REMOVED and before:
            return f"{REMOVED} {before}"
        return self.state


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A policy result that is new, resolved, or changed in severity or waiver.

    Findings are matched by (rule, file, JSON pointer, message), never by line:
    an edit above a finding moves it without changing it.
    """

    before: Finding | None
    after: Finding | None

    @property
    def state(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "resolved"
        return CHANGED

    @property
    def finding(self) -> Finding:
        """The finding as it stands now (as it was, if resolved)."""
        found = self.after or self.before
        assert found is not None
        return found


@dataclass(frozen=True, slots=True)
class SideInfo:
    """What went wrong on one side: it did not render, check, or a policy crashed."""

    label: str  # "main (0123456789ab)" or "working tree"
    error: str = ""  # why it could not be rendered ("" when it was)
    check_error: str = ""  # why it could not be checked
    crashes: tuple[str, ...] = ()  # policies that crashed on it

    @property
    def notes(self) -> tuple[str, ...]:
        notes = []
        if self.error:
            notes.append(f"does not render: {self.error}")
        if self.check_error:
            notes.append(f"cannot be checked: {self.check_error}")
        notes.extend(self.crashes)
        return tuple(notes)


@dataclass(frozen=True, slots=True)
class Result:
    """Everything that differs between the base and the working tree."""

    ref: str  # the base as given (--base)
    base: SideInfo
    head: SideInfo
    apps: tuple[AppChange, ...]  # by environment, then model
    argocd: tuple[Resource, ...]  # <env>/_argocd/ and _bootstrap/<cluster>/
    other: tuple[Resource, ...]  # anything else (rendered/README.md)
    findings: tuple[FindingChange, ...]

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every file that differs, in path order."""
        found = [r for app in self.apps for r in app.resources]
        return tuple(sorted([*found, *self.argocd, *self.other], key=lambda r: r.path))

    @property
    def differs(self) -> bool:
        return bool(self.apps or self.argocd or self.other or self.findings)

    def count(self, state: str) -> int:
        return sum(1 for r in self.resources if r.state == state)
