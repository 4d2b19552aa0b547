"""``file:line:col: severity [RULE] message (fix: ...)``, then a summary line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelrail.commonmark import printable
from modelrail.findings import Finding, Severity

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.reporters import RunInfo

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def line(finding: Finding, *, color: bool = False) -> str:
    severity = finding.severity.label
    rule = f"[{finding.rule}]"
    if color:
        severity = click.style(severity, fg=_COLORS[finding.severity], bold=True)
        rule = click.style(rule, dim=True)
    fix = f" (fix: {printable(finding.remediation)})" if finding.remediation else ""
    where = printable(str(finding.location))
    if finding.waiver:
        # still shown, never silently dropped; it just no longer fails the run
        severity = f"{severity} (waived)"
        fix = f" ({printable(finding.waiver)})"
    return f"{where}: {severity} {rule} {printable(finding.message)}{fix}"


def summary(report: Report) -> str:
    envs = len(report.environments)
    head = (
        f"checked {report.files} file{'s' * (report.files != 1)} in "
        f"{envs} environment{'s' * (envs != 1)}"
    )
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = report.count(severity)
        if n:
            parts.append(f"{n} {severity.label}{'s' * (n != 1)}")
    if report.waived:
        parts.append(f"{report.waived} waived")
    if report.invalid_waivers:
        n = report.invalid_waivers
        parts.append(f"{n} waiver{'s' * (n != 1)} not applied")
    if report.crashes:
        n = len(report.crashes)
        parts.append(f"{n} policy crash{'es' * (n != 1)}")
    if not parts:
        return f"{head}: no problems"
    return f"{head}: {', '.join(parts)}"


def render(report: Report, run: RunInfo) -> str:
    lines = [line(f, color=run.color) for f in report.findings]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
