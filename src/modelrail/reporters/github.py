"""GitHub Actions workflow commands: an annotation per finding, then the summary.

``::error file=F,line=L,col=C,title=RULE::message (fix: ...)``; ``::warning``
for a warning, ``::notice`` for an info and for a waived finding (its title is
``RULE (waived)``); line and column are left out when unknown. A policy crash
is an ``::error`` titled ``internal error``. Escaping follows the runner
(actions/toolkit ``command.ts``): in the message ``%``, CR and LF become
``%25``, ``%0D``, ``%0A`` (the annotation shows the line breaks); property
values also escape ``:`` and ``,``. Other control characters (an ANSI escape
would restyle the log) are written as backslash escapes first. So whatever a
message or file name holds, each annotation is one line that starts with ``::``.

The runner shows at most 10 error and 10 warning annotations per step (50 per
job) on the pull request; the rest stay in the log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Finding, Severity
from modelrail.reporters.text import summary

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.reporters import RunInfo

COMMANDS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def visible(text: str) -> str:
    """Backslash-escape control characters other than CR and LF, which the
    runner's own escaping carries into the annotation."""
    return "".join(
        c if c.isprintable() or c in "\r\n" else c.encode("unicode_escape").decode()
        for c in text
    )


def escape_data(text: str) -> str:
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int) -> str:
    """``::name k=v,...::message``, properties in the order given."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation(finding: Finding) -> str:
    where = finding.location
    properties: dict[str, str | int] = {"file": where.file}
    if where.line > 0:
        properties["line"] = where.line
        if where.column > 0:
            properties["col"] = where.column
    if finding.waiver:
        properties["title"] = f"{finding.rule} (waived)"
        message = f"{finding.message} ({finding.waiver})"
        return command("notice", message, **properties)
    properties["title"] = finding.rule
    message = finding.message
    if finding.remediation:
        message = f"{message} (fix: {finding.remediation})"
    return command(COMMANDS[finding.severity], message, **properties)


def render(report: Report, run: RunInfo) -> str:
    lines = [annotation(f) for f in report.findings]
    lines += [
        command(
            "error",
            f"{crash}: the findings are incomplete; run again with --debug for "
            "the traceback and report it to the policy's owners",
            file=crash.file,
            title="internal error",
        )
        for crash in report.crashes
    ]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
