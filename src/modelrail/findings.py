"""The values every check produces: severities, locations and findings."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """How bad a finding is; the worst of several is ``max()``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where a finding points: 1-based line and column (0 = unknown)."""

    file: str
    line: int = 0
    column: int = 0
    pointer: str = ""

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One problem. Field order is the sort order: file, line, column, pointer, rule."""

    location: Location
    rule: str
    severity: Severity
    message: str
    remediation: str = ""
    waiver: str = ""  # how it is waived; a waived finding never fails a run

    @property
    def waived(self) -> bool:
        return bool(self.waiver)

    def __str__(self) -> str:
        waived = " (waived)" if self.waiver else ""
        return (
            f"{self.location}: {self.severity.label}{waived} [{self.rule}] "
            f"{self.message}"
        )


# Rule identifiers the engine itself emits (policies bring their own).
LOAD = "MR-LOAD"
SCHEMA = "MR-SCHEMA"
CONSISTENCY = "MR-REPO"
CONFIG = "MR-CONFIG"  # policies/profiles.yaml and policy profiles: bad input
RENDER = "MR-RENDER"  # a schema-valid spec the renderer cannot turn into manifests
