"""Errors that end a command with exit code 2 (bad input or usage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.findings import Location


class ModelrailError(Exception):
    """A problem with the user's input: reported as ``file:line:col: message``."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class RepositoryError(ModelrailError):
    """The repository layout is not what modelrail expects."""


class UsageError(ModelrailError):
    """A command was called with arguments that cannot work."""
