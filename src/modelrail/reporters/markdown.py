"""A Markdown summary for a pull-request comment or a job summary.

A headline (clean, or how many errors, warnings and infos), a call-out when a
policy crashed, a table of the findings (location, severity, rule, message,
fix), and the waived findings in a collapsed ``<details>``. Every text from
the files checked is escaped (``modelrail.commonmark.escape``): Markdown and
HTML syntax (pipes, backticks, ``<``, ``>``, ``#``, brackets, ...) shows as
itself, line breaks become ``<br>``, and an ``@`` gets a zero-width space
after it so that no message mentions (and notifies) anyone. A long message
is cut, and the whole stays under GitHub's 65536-character limit for a
comment: the rows that do not fit are left out, with a note of how many.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from modelrail import commonmark as md
from modelrail.findings import Finding, Severity
from modelrail.reporters.links import policy_doc
from modelrail.reporters.text import summary

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.policy.engine import Policy
    from modelrail.reporters import RunInfo

LIMIT = 65536  # characters in a GitHub comment
CRASHES = 10  # crashes listed (a broken policy may crash on every spec)


def render(report: Report, run: RunInfo) -> str:
    policies = {policy.id: policy for policy in report.rules}
    head = [f"### modelrail check: {_headline(report)}", "", md.escape(summary(report))]
    if report.crashes:
        head += [
            "",
            "> [!CAUTION]",
            (
                "> A policy crashed: the findings below are incomplete. Run "
                "`modelrail check --debug` for the traceback and report it to "
                "the policy's owners."
            ),
            ">",
            *(f"> - {md.escape(str(c))}" for c in report.crashes[:CRASHES]),
        ]
        if len(report.crashes) > CRASHES:
            head.append(f"> - and {len(report.crashes) - CRASHES} more")
    active = [f for f in report.findings if not f.waived]
    waived = [f for f in report.findings if f.waived]
    sections: list[tuple[str, str, list[Finding], str]] = []
    if active:
        sections.append(("", "Fix", active, ""))
    if waived:
        n = len(waived)
        opening = (
            f"<details><summary>{n} waived finding{'s' * (n != 1)} "
            "(they do not fail the run)</summary>\n\n"
        )
        sections.append((opening, "Waived by", waived, "\n</details>\n"))
    text = "\n".join(head) + "\n"
    # room for what may follow the rows: the closings and the note
    reserve = 300 + sum(len(closing) for *_, closing in sections)
    left_out = 0
    for opening, last, findings, closing in sections:
        part = f"\n{opening}{_header(last)}\n"
        if left_out or len(text) + len(part) + reserve > LIMIT:
            left_out += len(findings)
            continue
        text += part
        for i, finding in enumerate(findings):
            row = _row(finding, policies, run) + "\n"
            if len(text) + len(row) + reserve > LIMIT:
                left_out += len(findings) - i
                break
            text += row
        text += closing
    if left_out:
        text += (
            f"\n**{left_out} more finding{'s' * (left_out != 1)} not shown** "
            "(a comment holds at most 65536 characters): run `modelrail check` "
            "for the full list.\n"
        )
    return text


def _header(last: str) -> str:
    return (
        f"| Location | Severity | Rule | Message | {last} |\n"
        "| --- | --- | --- | --- | --- |"
    )


def _headline(report: Report) -> str:
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = report.count(severity)
        if n:
            parts.append(f"{n} {severity.label}{'s' * (n != 1)}")
    if report.crashes:
        n = len(report.crashes)
        parts.insert(0, f"{n} policy crash{'es' * (n != 1)}")
    if not parts:
        waived = f" ({report.waived} waived)" if report.waived else ""
        return f":white_check_mark: clean{waived}"
    mark = ":information_source:"
    if report.worst is Severity.ERROR or report.crashes:
        mark = ":x:"
    elif report.worst is Severity.WARNING:
        mark = ":warning:"
    return f"{mark} {', '.join(parts)}"


def _rule(rule: str, policies: dict[str, Policy], run: RunInfo) -> str:
    url = run.docs_url(policy_doc(policies[rule])) if rule in policies else ""
    cell = (
        md.code(rule, cell=True)
        if re.fullmatch(r"[A-Z0-9-]+", rule)
        else md.escape(rule)
    )
    return f"[{cell}]({url})" if url else cell


def _row(finding: Finding, policies: dict[str, Policy], run: RunInfo) -> str:
    cells = [
        md.escape(str(finding.location)),
        finding.severity.label,
        _rule(finding.rule, policies, run),
        md.escape(finding.message),
        md.escape(finding.waiver or finding.remediation),
    ]
    return "| " + " | ".join(cells) + " |"
