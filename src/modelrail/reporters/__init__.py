"""Reporters: pure functions from a report to the text a format prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelrail.check.report import Report
from modelrail.reporters import github, json_, junit, markdown, sarif, text


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


Reporter = Callable[[Report, RunInfo], str]

REPORTERS: dict[str, Reporter] = {
    "github": github.render,
    "json": json_.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "sarif": sarif.render,
    "text": text.render,
}
