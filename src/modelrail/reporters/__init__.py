"""Reporters: pure functions from a report to the text a format prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelrail.check import Report
from modelrail.reporters import json_, text


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a reporter may know beyond the findings (never the clock)."""

    version: str
    color: bool = False


Reporter = Callable[[Report, RunInfo], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_.render,
}
