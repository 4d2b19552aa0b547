"""A diff for a terminal: a summary, then a unified diff per resource.

Control characters other than newline and tab (an escape sequence in a
description, say) are shown as ``\\xNN``: what a repository holds never
drives the terminal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from modelrail.diffing.results import ADDED, CHANGED, REMOVED

if TYPE_CHECKING:
    from modelrail.diffing.results import Resource, Result
    from modelrail.findings import Finding

MARKS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def render(result: Result) -> str:
    head = f"modelrail diff: {result.base.label} -> {result.head.label}"
    lines = [*_notes(result)]
    if not result.differs:
        return _safe("\n".join([f"{head}: no differences", *lines]) + "\n")
    lines.insert(0, head)
    if result.apps:
        lines += ["", f"models ({len(result.apps)}):"]
        for app in result.apps:
            lines.append(f"  {app.key}: {app.label}")
            if app.state == ADDED and app.description:
                lines.append(f"    {_one_line(app.description)}")
            lines.extend(f"    {f.field}: {f.before} -> {f.after}" for f in app.fields)
            if app.canary is not None:
                lines.append(f"    canary: {app.canary[0]}")
                lines.append(f"        -> {app.canary[1]}")
            lines.extend(f"    {_resource(r)}" for r in app.resources)
    for title, group in (("argo cd", result.argocd), ("other", result.other)):
        if group:
            lines += ["", f"{title} ({len(group)}):"]
            lines.extend(f"  {_resource(r, whole=True)}" for r in group)
    if result.findings:
        lines += ["", f"policy results ({len(result.findings)} changed):"]
        for change in result.findings:
            found = change.finding
            was = ""
            if change.before is not None and change.after is not None:
                was = f" (was {_verdict(change.before)})"
            lines.append(
                f"  {change.state}: {found.location}: {_verdict(found)} "
                f"[{found.rule}] {_one_line(found.message)}{was}"
            )
    resources = result.resources
    if resources:
        lines.append("")
        lines.append(
            f"rendered/: {len(resources)} file(s) differ: "
            f"{result.count(ADDED)} added, {result.count(REMOVED)} removed, "
            f"{result.count(CHANGED)} changed"
        )
    body = "\n".join(lines) + "\n"
    diffs = "".join(f"\n{r.diff}" for r in resources)
    return _safe(body + diffs)


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _notes(result: Result) -> list[str]:
    out: list[str] = []
    for side in (result.base, result.head):
        out.extend(f"{side.label} {_one_line(note)}" for note in side.notes)
    if result.base.error:
        out.append(
            "(the base's manifests are unknown: every resource of the working "
            "tree is shown as added)"
        )
    return out


def _resource(resource: Resource, *, whole: bool = False) -> str:
    path = resource.path if whole else resource.path.rsplit("/", 1)[-1]
    plus, minus = resource.counts
    what = f" ({resource.title})" if resource.kind else ""
    return f"{MARKS[resource.state]} {path}{what} +{plus} -{minus}"


def _verdict(finding: Finding) -> str:
    waived = " (waived)" if finding.waived else ""
    return f"{finding.severity.label}{waived}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
