"""Reporters: pure functions from a report to the text a format prints.

The registry of formats is :data:`REPORTERS`: each format's module is imported
when its reporter is first asked for, so the CLI reads the list of formats
(:data:`FORMATS`) from here without importing any reporter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.check.report import Report


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a reporter may know beyond the findings (never the clock)."""

    version: str
    color: bool = False
    # An absolute URL under which the repository's files can be read (say
    # https://<forge>/<org>/<repo>/blob/<commit>/). With it, reports
    # link each policy to its section of docs/policies.md (SARIF helpUri,
    # Markdown links); without it they name the section as text: a relative
    # link resolves against the page showing the report, never the repository.
    docs_base: str = ""

    def docs_url(self, reference: str) -> str:
        """The absolute URL of a repository-relative ``reference``, or ""."""
        if not self.docs_base:
            return ""
        return f"{self.docs_base.rstrip('/')}/{reference}"


Reporter = Callable[["Report", RunInfo], str]

# format -> the module of modelrail.reporters whose ``render`` prints it
_MODULES = {
    "github": "github",
    "json": "json_",
    "junit": "junit",
    "markdown": "markdown",
    "sarif": "sarif",
    "text": "text",
}
FORMATS = tuple(sorted(_MODULES))


class _Registry(Mapping[str, Reporter]):
    """format -> reporter, each module imported on first use."""

    def __getitem__(self, fmt: str) -> Reporter:
        module = importlib.import_module(f"modelrail.reporters.{_MODULES[fmt]}")
        render: Reporter = module.render
        return render

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


REPORTERS: Mapping[str, Reporter] = _Registry()
