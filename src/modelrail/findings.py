"""The values every check produces: severities, locations and findings.

A location names a file, line and column, and the JSON pointer (RFC 6901) of
the value in the document: :func:`pointer` builds one, the only place a
pointer token is escaped.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


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


def pointer_token(token: object) -> str:
    """One reference token of a JSON pointer: ``~`` as ``~0``, ``/`` as ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(*tokens: object) -> str:
    """The JSON pointer of a path: ``pointer("spec", "env", 0)`` is
    ``/spec/env/0``, and a key holding ``/`` or ``~`` stays one token."""
    return "".join(f"/{pointer_token(token)}" for token in tokens)


def pointer_tokens(text: str) -> Iterator[str]:
    """The reference tokens of a JSON pointer, unescaped ("" has none)."""
    if not text:
        return
    for token in text.lstrip("/").split("/"):
        yield token.replace("~1", "/").replace("~0", "~")
