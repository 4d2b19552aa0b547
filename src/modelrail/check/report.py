"""What a check found: the ``Report`` every reporter reads (and nothing else
of ``check``), and the exit code it asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from modelrail.findings import Finding, Severity

if TYPE_CHECKING:
    from modelrail.policy.engine import Crash, Policy


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files: int
    environments: tuple[str, ...]
    bad_input: bool = field(default=False)
    crashes: tuple[Crash, ...] = ()
    policies: int = 0
    # the policies of the repository, sorted by ID (what reporters describe
    # as rules: SARIF's tool.driver.rules, say)
    rules: tuple[Policy, ...] = ()
    # the files checked, as displayed (repository-relative), sorted
    checked: tuple[str, ...] = ()
    # waivers not applied because they are invalid (each has its finding)
    invalid_waivers: int = 0
    # each spec the policies judged (as displayed) -> the IDs of the policies
    # that judged it: on in its environment's profile, for its type
    evaluated: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def worst(self) -> Severity | None:
        """The worst severity of the findings that are not waived."""
        return max((f.severity for f in self.findings if not f.waived), default=None)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity and not f.waived)

    @property
    def waived(self) -> int:
        return sum(1 for f in self.findings if f.waived)

    @property
    def exit_code(self) -> int:
        """3 when a policy crashed, 2 for unreadable input or configuration,
        1 for errors that are not waived, else 0."""
        if self.crashes:
            return 3
        if self.bad_input:
            return 2
        return 1 if self.worst is Severity.ERROR else 0
