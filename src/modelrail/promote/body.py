"""What a promotion says to reviewers: the pull-request body and the commit
message ``modelrail promote`` writes.

The body, in Markdown: what changes (field, before, after), the target's
canary plan, the evidence (metrics against the baseline, the evaluation, the
registry entry), the policy results of the check that ran on the result, and
the rendered files per app. Pure and deterministic: the same promotion gives
the same text, with no clock and no machine-specific path in it.
"""

from __future__ import annotations

import contextlib
import json
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from modelrail import commonmark as md
from modelrail.findings import Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.check.report import Report
    from modelrail.promote.edit import Promotion
    from modelrail.promote.rollback import Rollback
    from modelrail.render.pipeline import Rendered

RATIO = Decimal("0.95")  # the share of the baseline a metric must reach (seeds)
MAX_FINDINGS = 50  # rows of the findings table; the rest are counted


def commit_message(promotion: Promotion, doc: Mapping[str, Any]) -> str:
    """A conventional commit: ``feat(prod): promote NAME VERSION from SOURCE``
    and a body that says what ran before and what runs now (``doc``: the
    target spec after the change)."""
    verb = "add" if promotion.created else "promote"
    spec = _section(doc, "spec")
    model = _section(spec, "model")
    subject = (
        f"feat({promotion.target}): {verb} {promotion.name} {promotion.version} "
        f"from {promotion.source}"
    )
    lines = [
        subject,
        "",
        f"Previous version: {promotion.before or 'none (new in ' + promotion.target + ')'}",
        f"Version: {promotion.version}",
    ]
    for label, value in (
        ("Artifact", model.get("artifact")),
        ("Digest", model.get("digest")),
        ("Image", _section(spec, "serving").get("image")),
    ):
        if value is not None:
            lines.append(f"{label}: {value}")
    registry = model.get("registry")
    if isinstance(registry, dict) and "name" in registry:
        lines.append(f"Registry: {registry['name']} version {registry.get('version')}")
    lines += ["", "Made with modelrail promote."]
    return "\n".join(lines) + "\n"


def body(
    promotion: Promotion,
    doc: Mapping[str, Any],
    environment: Mapping[str, Any],
    report: Report,
    rendered: Rendered | str,
    *,
    target_file: str,
    gate: str = "",
) -> str:
    """The pull-request body. ``doc`` is the target spec after the change,
    ``environment`` the target's environment.yaml, ``rendered`` what the
    render changed (or why it did not run), ``gate`` the Markdown of
    ``modelrail gate`` on the promoted spec (``promote --gate``)."""
    spec = _section(doc, "spec")
    parts = [
        _intro(promotion, environment, target_file),
        _changes(promotion),
        _canary(spec, promotion.target),
        _evidence(spec),
        *([_gate(gate)] if gate else []),
        _policies(report),
        _rendered(rendered),
    ]
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def rollback_message(rollback: Rollback) -> str:
    """``revert(prod): roll back NAME FROM -> TO`` and a body that says what is
    restored from where, and why (the reason on one line, cut: it may come
    from an alert)."""
    r = rollback
    if r.phase == 1:
        subject = (
            f"revert({r.environment}): send {r.name}'s traffic back to the "
            f"previous revision (rollback of {r.before}, step 1 of 3)"
        )
    elif r.phase == 3:
        subject = (
            f"revert({r.environment}): move {r.name}'s traffic to the restored "
            f"{r.version} (rollback, step 3 of 3)"
        )
    else:
        subject = (
            f"revert({r.environment}): roll back {r.name} {r.before} -> {r.version}"
        )
        if r.phase == 2:
            subject += " (step 2 of 3)"
    lines = [subject, "", f"Reason: {_one_line(r.reason)}"]
    if r.restores:
        lines.append(
            f"Restores spec.model, spec.serving.image and "
            f"spec.rollback.previousVersion as they were at {r.run.last.commit} "
            f"({r.run.last.time:%Y-%m-%dT%H:%M:%SZ}), when {r.version} last ran "
            f"in {r.environment}."
        )
    lines += ["", "Made with modelrail rollback."]
    return "\n".join(lines) + "\n"


def rollback_body(
    rollback: Rollback,
    doc: Mapping[str, Any],
    report: Report,
    rendered: Rendered | str,
    *,
    target_file: str,
    budget: str = "",
    alert: Mapping[str, Any] | None = None,
) -> str:
    """The pull-request body of a rollback: what goes back and why, the alert
    behind it, the evidence that the version ran there before, the time to be
    back (``budget``, Markdown), the policy results and the rendered files."""
    r = rollback
    name, env = md.cell(r.name), md.cell(r.environment)
    before, version = md.code(r.before), md.code(r.version)
    if r.phase == 1:
        head = (
            f"Step 1 of 3 of the rollback of **{name}** {before} in **{env}**: "
            f"all traffic goes back to the previous revision at once "
            f"(`canaryTrafficPercent: 0`). Merge it, then run `modelrail "
            f"rollback` again to restore {version}."
        )
    elif r.phase == 3:
        head = (
            f"Step 3 of 3 of the rollback of **{name}** in **{env}**: all "
            f"traffic moves to the restored {version}, whose revision is ready."
        )
    else:
        head = (
            f"Rolls **{name}** in **{env}** back from {before} to {version}, "
            f"exactly as {version} last ran there."
        )
    lines = [
        f"## Rollback: {name} {md.cell(r.before)} to {md.cell(r.version)} in {env}"
    ]
    lines += ["", head, "", f"Spec: {md.code(target_file)}.", ""]
    lines += [f"**Why:** {md.cell(r.reason)}"]
    parts = ["\n".join(lines)]
    if alert is not None:
        parts.append(_alert(alert))
    if r.restores:
        parts.append(_ran(r))
    if budget:
        parts.append(budget)
    changes = [
        f"| {md.code(c.field, cell=True)} | {_value(c.before)} | {_value(c.after)} |"
        for c in r.changes
    ]
    table = [
        "### What changes",
        "",
        "| field | before | after |",
        "| --- | --- | --- |",
    ]
    if r.notes:
        changes += ["", "To check by hand:", ""]
        changes += [f"- {md.cell(note)}" for note in r.notes]
    parts.append("\n".join(table + changes))
    parts += [_policies(report), _rendered(rendered)]
    del doc  # the spec after the change: its values are in the changes
    return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


def _ran(rollback: Rollback) -> str:
    """The evidence that the version ran healthy there before."""
    from modelrail.units import human

    run = rollback.run
    lines = ["### Evidence: it ran here before", ""]
    since = f"{run.since.time:%Y-%m-%d %H:%M} UTC"
    if run.until is not None:
        span = int((run.until.time - run.since.time).total_seconds())
        lines.append(
            f"{md.code(run.version)} ran in {md.cell(rollback.environment)} from "
            f"{since} (commit {md.code(run.since.short)}) until "
            f"{run.until.time:%Y-%m-%d %H:%M} UTC (commit "
            f"{md.code(run.until.short)}, which replaced it): "
            f"{md.cell(human(span) if span > 0 else 'less than a second')}."
        )
    else:
        lines.append(
            f"{md.code(run.version)} runs in {md.cell(rollback.environment)} "
            f"since {since} (commit {md.code(run.since.short)})."
        )
    lines.append(
        f"What is restored is its spec at commit {md.code(run.last.short)}: "
        "the same model block, digest, artifact and image, byte for byte."
    )
    return "\n".join(lines)


def _alert(alert: Mapping[str, Any]) -> str:
    """The alert that opened the rollback: its labels and annotations, every
    value escaped (they come from Alertmanager)."""
    labels = _section(alert, "labels")
    notes = _section(alert, "annotations")
    name = labels.get("alertname", "alert")
    lines = [f"### Triggered by {md.cell(str(name))}", ""]
    if isinstance(alert.get("startsAt"), str):
        lines += [f"Firing since {md.code(alert['startsAt'])}.", ""]
    lines += ["| label | value |", "| --- | --- |"]
    for key in sorted(labels):
        lines.append(
            f"| {md.code(str(key), cell=True)} | {md.cell(str(labels[key]))} |"
        )
    for key in ("summary", "description"):
        if isinstance(notes.get(key), str):
            lines += ["", f"{md.cell(key.capitalize())}: {md.cell(notes[key])}"]
    return "\n".join(lines)


def _one_line(text: str, limit: int = 200) -> str:
    """Text for a commit message line: printable, one line, cut."""
    flat = md.flat(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _gate(markdown: str) -> str:
    """The gate's own report, one heading level down."""
    lines = [
        f"#{line}" if line.startswith("#") else line for line in markdown.splitlines()
    ]
    return "### Gate evidence\n\n" + "\n".join(lines)


def _intro(
    promotion: Promotion, environment: Mapping[str, Any], target_file: str
) -> str:
    p = promotion
    name, source, target = md.cell(p.name), md.cell(p.source), md.cell(p.target)
    version = md.code(str(p.version))
    if p.created:
        head = (
            f"Adds **{name}** {version} to **{target}**, from "
            f"**{source}** (the model is new in {target})."
        )
    else:
        head = (
            f"Promotes **{name}** {version} from **{source}** to "
            f"**{target}** (which ran {md.code(str(p.before))})."
        )
    rules = _section(_section(environment, "spec"), "promotion")
    lines = [f"## {name} {md.cell(str(p.version))} to {target}", "", head, ""]
    lines.append(f"Spec: {md.code(target_file)}.")
    if rules:
        said = [f"{target} takes versions from {md.cell(str(rules.get('from', '?')))}"]
        if "soak" in rules:
            said.append(f"after a soak of {md.cell(str(rules['soak']))} there")
        if "approvals" in rules:
            n = rules["approvals"]
            said.append(f"with {md.cell(str(n))} approval{'s' * (n != 1)}")
        lines.append(" ".join(said) + ".")
        if rules.get("from") not in (None, p.source):
            lines.append(
                f"**Note:** this promotion comes from {source}, not from "
                f"{md.cell(str(rules['from']))}."
            )
    return "\n".join(lines)


def _changes(promotion: Promotion) -> str:
    source, target = md.cell(promotion.source), md.cell(promotion.target)
    title = (
        f"### What comes from the {source} spec"
        if promotion.created
        else "### What changes"
    )
    lines = [title, ""]
    if promotion.created:
        lines += [
            (
                f"A new spec: the scaffold of the model's type for "
                f"{target} (`modelrail new`), with these fields of the "
                f"{source} spec:"
            ),
            "",
        ]
        header = f"| field | scaffold | {source} |"
    else:
        header = "| field | before | after |"
    lines += [header, "| --- | --- | --- |"]
    lines += [
        f"| {md.code(c.field, cell=True)} | {_value(c.before)} | {_value(c.after)} |"
        for c in promotion.changes
    ]
    if promotion.notes:
        lines += ["", "To check by hand:", ""]
        lines += [f"- {md.cell(note)}" for note in promotion.notes]
    return "\n".join(lines)


def _canary(spec: Mapping[str, Any], target: str) -> str:
    from modelrail.units import human, seconds

    rollout = _section(spec, "rollout")
    lines = [f"### Canary plan in {md.cell(target)}", ""]
    if rollout.get("strategy") != "canary":
        strategy = md.code(str(rollout.get("strategy")))
        lines.append(f"Strategy {strategy}: no canary, the pods are replaced directly.")
        return "\n".join(lines)
    steps = [s for s in rollout.get("steps", ()) if isinstance(s, dict)]
    lines += ["| step | weight | pause | analysis |", "| ---: | ---: | --- | --- |"]
    total, manual = 0, False
    for number, step in enumerate(steps, 1):
        pause = step.get("pause")
        if pause is not None and step.get("weight", 100) < 100:
            if pause == "manual":
                manual = True
            else:
                with contextlib.suppress(ValueError):  # the schema check says
                    total += seconds(str(pause))
        analysis = "yes" if step.get("analysis") is True else "no"
        lines.append(
            f"| {number} | {md.cell(str(step.get('weight')))} % "
            f"| {md.cell(str(pause or ''), empty='-')} | "
            f"{analysis} |"
        )
    lines.append("")
    hours = f"{total // 3600}h" if total % 3600 == 0 else human(total)
    soak = f"Total soak: {hours} of pauses below 100 %"
    lines.append(soak + (" (manual pauses not counted)." if manual else "."))
    plan = _section(rollout, "analysis")
    if plan:
        said = ", ".join(
            f"{md.cell(str(k))} {md.cell(str(v))}" for k, v in plan.items()
        )
        lines.append(f"Analysis: {said}.")
    if "currentStep" in rollout:
        current = rollout["currentStep"]
        weight = (
            steps[current - 1].get("weight")
            if isinstance(current, int) and 0 < current <= len(steps)
            else None
        )
        at = f" ({md.cell(str(weight))} % of the traffic)" if weight is not None else ""
        lines.append(
            f"KServe: the canary is at step {md.cell(str(current))}{at}; each "
            "further step is its own pull request (MR-ROLL-011)."
        )
    return "\n".join(lines)


def _evidence(spec: Mapping[str, Any]) -> str:
    model = _section(spec, "model")
    lines = ["### Evidence", ""]
    registry = _section(model, "registry")
    if registry:
        lines.append(
            f"- Registry: {md.code(str(registry.get('name')))} version "
            f"{md.code(str(registry.get('version')))}"
        )
    evaluation = _section(model, "evaluation")
    lines.extend(
        f"- Evaluation {key}: {md.code(str(evaluation[key]))}"
        for key in ("dataset", "date", "report")
        if key in evaluation
    )
    lines.extend(
        f"- {key.capitalize()}: {md.code(str(model[key]))}"
        for key in ("artifact", "digest")
        if key in model
    )
    image = _section(spec, "serving").get("image")
    if image is not None:
        lines.append(f"- Image: {md.code(str(image))}")
    metrics = _section(model, "metrics")
    baseline = _section(model, "baseline")
    base_metrics = _section(baseline, "metrics")
    if metrics:
        version = model.get("version")
        base_version = baseline.get("version", baseline.get("system", ""))
        head = (
            f"| metric | {md.cell(str(version))} | baseline "
            f"{md.cell(str(base_version), empty='-')} | ratio | "
            f"at least {RATIO * 100:.0f} % |"
        )
        lines += ["", head, "| --- | ---: | ---: | ---: | --- |"]
        for name, value in metrics.items():
            base = base_metrics.get(name)
            ratio = _ratio(value, base)
            meets = "-" if ratio is None else ("yes" if ratio >= RATIO * 100 else "no")
            shown = "-" if ratio is None else f"{ratio} %"
            lines.append(
                f"| {md.cell(str(name))} | {_value(value)} | {_value(base)} | "
                f"{shown} | {meets} |"
            )
    return "\n".join(lines)


def _ratio(value: Any, base: Any) -> Decimal | None:
    numbers = (int, float)
    if isinstance(value, bool) or isinstance(base, bool):
        return None
    if not isinstance(value, numbers) or not isinstance(base, numbers) or base <= 0:
        return None
    try:
        share = Decimal(str(value)) / Decimal(str(base)) * 100
    except InvalidOperation:
        return None
    return share.quantize(Decimal("0.1"), ROUND_DOWN)


def _policies(report: Report) -> str:
    from modelrail.reporters.text import summary

    lines = ["### Policy results", "", f"`modelrail check`: {summary(report)}."]
    shown = [f for f in report.findings if not f.waived]
    if shown:
        lines += [
            "",
            "| where | severity | rule | message |",
            "| --- | --- | --- | --- |",
        ]
        for finding in shown[:MAX_FINDINGS]:
            lines.append(
                f"| {md.code(str(finding.location), cell=True)} "
                f"| {finding.severity.label} | {md.cell(finding.rule)} "
                f"| {md.cell(finding.message)} |"
            )
        if len(shown) > MAX_FINDINGS:
            lines += ["", f"... and {len(shown) - MAX_FINDINGS} more."]
    if report.crashes:
        lines += ["", "A policy crashed: the results are incomplete."]
    if report.worst is Severity.ERROR:
        lines += ["", "**Not ready to merge:** fix the errors above."]
    return "\n".join(lines)


def _rendered(rendered: Rendered | str) -> str:
    lines = ["### Rendered manifests", ""]
    if isinstance(rendered, str):
        lines.append(f"Not rendered: {md.cell(rendered)}")
        return "\n".join(lines)
    apps = rendered.apps()
    if not apps:
        lines.append("No file of `rendered/` changes.")
        return "\n".join(lines)
    lines += ["| app | added | changed | removed |", "| --- | --- | --- | --- |"]
    for app, states in apps.items():
        cells = [
            ", ".join(md.code(name, cell=True) for name in states.get(state, ())) or "-"
            for state in ("added", "changed", "removed")
        ]
        where = f"rendered/{app}/" if app else "rendered/"
        lines.append(f"| {md.code(where, cell=True)} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _section(data: Any, key: str) -> Mapping[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _value(value: Any) -> str:
    """A spec value in a table cell: a code span, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return md.code(text, cell=True)
