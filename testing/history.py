"""A history given in full, for policy examples and unit tests: the double of
:class:`modelrail.git.history.GitHistory` (never in the wheel)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.git.history import Entry, Stretch


@dataclass
class StaticHistory:
    """A history given in full (policy examples and unit tests)."""

    base: str = "base"
    specs: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    # (environment, name, version) -> when that version entered the spec
    entries: dict[tuple[str, str, str], Entry] = field(default_factory=dict)

    def spec_at_base(self, environment: str, name: str) -> Mapping[str, Any] | None:
        return self.specs.get((environment, name))

    # (environment, name) -> a version the environment ran before
    earlier: dict[tuple[str, str], str] = field(default_factory=dict)

    def entered(self, environment: str, name: str, version: str) -> Entry | None:
        return self.entries.get((environment, name, version))

    def ran_before(self, environment: str, name: str, version: str) -> str | None:
        found = self.earlier.get((environment, name))
        return found if found != version else None

    # (environment, name) -> what the spec ran, stretch by stretch, newest first
    ran: dict[tuple[str, str], list[Stretch]] = field(default_factory=dict)

    def runs(self, environment: str, name: str) -> list[Stretch]:
        return self.ran.get((environment, name), [])
