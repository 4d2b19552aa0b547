"""A diff for a pull-request comment (GitHub-flavoured Markdown).

A summary first (a table of the models that changed, what they serve, their
canary plans, Argo CD resources, the policy results that changed), then one
collapsed ``<details>`` per resource with its unified diff in a ``diff``
block. The whole stays under ``LIMIT`` characters (a GitHub comment holds
65,536): a block that does not fit in what is left is left out (the smaller
ones after it are still shown), and a last line says what and how to see it.

Everything taken from the repository is escaped (``modelrail.commonmark``):
inline text escapes Markdown and HTML (and ``@``, so a description mentions
nobody), values go in code spans, diffs in a fence longer than any run of
backticks they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail import commonmark as md
from modelrail.diffing.results import ADDED, CHANGED, REMOVED

if TYPE_CHECKING:
    from modelrail.diffing.results import AppChange, Resource, Result

LIMIT = 60_000
_RESERVE = 600  # room for the note on what was left out


def render(result: Result, *, limit: int = LIMIT) -> str:
    blocks = _blocks(result)
    budget = limit - _RESERVE
    out: list[str] = []
    left: list[Block] = []
    used = 0
    for block in blocks:
        # a block too big for what is left (a new dashboard's JSON) is left
        # out, and the smaller ones after it still shown (the Rollout's diff)
        if used + len(block[1]) > budget:
            left.append(block)
            continue
        out.append(block[1])
        used += len(block[1])
    if left:
        out.append(_cut(left, limit, result.ref))
    return "".join(out)


Block = tuple[str, str]  # (what it is, for the note on cuts; its text)


def _blocks(result: Result) -> list[Block]:
    title = (
        f"### modelrail diff: {md.code(result.base.label)} → {result.head.label}\n\n"
    )
    blocks: list[Block] = [("", title)]
    blocks.extend(("", f"> [!WARNING]\n> {md.cell(n)}\n\n") for n in _notes(result))
    if not result.differs:
        blocks.append(("", "No differences: the same manifests and policy results.\n"))
        return blocks
    blocks.append(("", _summary(result)))
    if result.apps:
        blocks.append(("", "| environment | model | change | resources |\n"))
        blocks.append(("", "| --- | --- | --- | --- |\n"))
        blocks.extend(("model row", _row(app)) for app in result.apps)
        blocks.append(("", "\n"))
    served = [app for app in result.apps if app.fields or app.canary]
    if served:
        blocks.append(("", "#### Promotions and canary plans\n\n"))
        blocks.extend(("model detail", _detail(app)) for app in served)
        blocks.append(("", "\n"))
    if result.argocd:
        blocks.append(("", "#### Argo CD\n\n"))
        blocks.extend(("Argo CD line", f"- {_line(r)}\n") for r in result.argocd)
        blocks.append(("", "\n"))
    if result.findings:
        blocks.append(("", "#### Policy results\n\n"))
        blocks.append(("", "| result | severity | rule | where | message |\n"))
        blocks.append(("", "| --- | --- | --- | --- | --- |\n"))
        for change in result.findings:
            found = change.finding
            verdict = _verdict(found.severity.label, found.waived)
            if change.state == CHANGED and change.before is not None:
                was = change.before
                verdict = f"{_verdict(was.severity.label, was.waived)} → {verdict}"
            row = (
                f"| {change.state} | {verdict} | {md.code(found.rule, cell=True)} "
                f"| {md.code(str(found.location), cell=True)} "
                f"| {md.cell(found.message)} |\n"
            )
            blocks.append(("policy result", row))
        blocks.append(("", "\n"))
    resources = result.resources
    if resources:
        blocks.append(("", "#### Rendered manifests\n\n"))
        blocks.extend(("resource diff", _details(r)) for r in resources)
    return blocks


def _notes(result: Result) -> list[str]:
    notes = [
        f"{side.label} {note}"
        for side in (result.base, result.head)
        for note in side.notes
    ]
    if result.base.error:
        notes.append(
            "The base's manifests are unknown: every resource of the working "
            "tree is shown as added."
        )
    return notes


def _summary(result: Result) -> str:
    parts = []
    if result.apps:
        parts.append(f"**{len(result.apps)}** model(s) changed")
    resources = result.resources
    if resources:
        parts.append(
            f"**{len(resources)}** rendered file(s): {result.count(ADDED)} added, "
            f"{result.count(REMOVED)} removed, {result.count(CHANGED)} changed"
        )
    if result.findings:
        states = [c.state for c in result.findings]
        parts.append(
            "policy results: "
            + ", ".join(f"{states.count(s)} {s}" for s in ("new", "resolved", CHANGED))
        )
    return " · ".join(parts) + "\n\n"


def _row(app: AppChange) -> str:
    change = _label(app)
    if app.state == ADDED and app.description:
        change += f": {md.cell(app.description)}"
    counts = [
        f"{n} {state}"
        for state in (ADDED, REMOVED, CHANGED)
        if (n := sum(1 for r in app.resources if r.state == state))
    ]
    return (
        f"| {md.code(app.environment, cell=True)} | {md.code(app.model, cell=True)} "
        f"| {change} | {', '.join(counts) or 'none'} |\n"
    )


def _label(app: AppChange, *, cell: bool = True) -> str:
    before, after = app.version
    if app.state in ("promoted", "rolled back") and before != after:
        return (
            f"{app.state} {md.code(before or '?', cell=cell)} → "
            f"{md.code(after or '?', cell=cell)}"
        )
    if app.state == ADDED and after:
        return f"{ADDED} {md.code(after, cell=cell)}"
    if app.state == REMOVED and before:
        return f"{REMOVED} {md.code(before, cell=cell)}"
    return app.state


def _detail(app: AppChange) -> str:
    lines = [f"- {md.code(app.key)}: {_label(app, cell=False)}\n"]
    lines.extend(
        f"  - {f.field}: {md.code(f.before or '(none)')} → "
        f"{md.code(f.after or '(none)')}\n"
        for f in app.fields
    )
    if app.canary is not None:
        lines.append(
            f"  - canary plan: {md.code(app.canary[0] or '(none)')} → "
            f"{md.code(app.canary[1] or '(none)')}\n"
        )
    return "".join(lines)


def _line(resource: Resource) -> str:
    plus, minus = resource.counts
    what = f" {md.cell(resource.title)}" if resource.kind else ""
    return f"{resource.state} {md.code(resource.path)}{what} (+{plus} -{minus})"


def _details(resource: Resource) -> str:
    plus, minus = resource.counts
    what = f": {resource.title}" if resource.kind else ""
    summary = md.html_text(
        f"{resource.path}{what}, {resource.state} (+{plus} -{minus})"
    )
    return (
        f"<details><summary>{summary}</summary>\n\n"
        f"{md.block(resource.diff, 'diff')}\n\n</details>\n\n"
    )


def _cut(left: list[Block], limit: int, ref: str) -> str:
    counts: dict[str, int] = {}
    for what, _ in left:
        if what:
            counts[what] = counts.get(what, 0) + 1
    listed = ", ".join(f"{n} {what}(s)" for what, n in counts.items())
    return (
        f"\n**Cut to stay under {limit} characters**: left out {listed or 'the end'}."
        f" Run {md.code(f'modelrail diff --base {ref}')} to see everything.\n"
    )


def _verdict(severity: str, waived: bool) -> str:
    return f"{severity} (waived)" if waived else severity
