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

from modelrail.findings import Severity

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.check.report import Report
    from modelrail.promote.edit import Promotion
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
    if p.created:
        head = (
            f"Adds **{p.name}** {_code(p.version)} to **{p.target}**, from "
            f"**{p.source}** (the model is new in {p.target})."
        )
    else:
        head = (
            f"Promotes **{p.name}** {_code(p.version)} from **{p.source}** to "
            f"**{p.target}** (which ran {_code(p.before)})."
        )
    rules = _section(_section(environment, "spec"), "promotion")
    lines = [f"## {p.name} {p.version} to {p.target}", "", head, ""]
    lines.append(f"Spec: {_code(target_file)}.")
    if rules:
        said = [f"{p.target} takes versions from {rules.get('from', '?')}"]
        if "soak" in rules:
            said.append(f"after a soak of {rules['soak']} there")
        if "approvals" in rules:
            n = rules["approvals"]
            said.append(f"with {n} approval{'s' * (n != 1)}")
        lines.append(" ".join(said) + ".")
        if rules.get("from") not in (None, p.source):
            lines.append(
                f"**Note:** this promotion comes from {p.source}, not from "
                f"{rules['from']}."
            )
    return "\n".join(lines)


def _changes(promotion: Promotion) -> str:
    title = (
        f"### What comes from the {promotion.source} spec"
        if promotion.created
        else "### What changes"
    )
    lines = [title, ""]
    if promotion.created:
        lines += [
            (
                f"A new spec: the scaffold of the model's type for "
                f"{promotion.target} (`modelrail new`), with these fields of the "
                f"{promotion.source} spec:"
            ),
            "",
        ]
        header = f"| field | scaffold | {_cell(promotion.source)} |"
    else:
        header = "| field | before | after |"
    lines += [header, "| --- | --- | --- |"]
    lines += [
        f"| {_code(c.field)} | {_value(c.before)} | {_value(c.after)} |"
        for c in promotion.changes
    ]
    if promotion.notes:
        lines += ["", "To check by hand:", ""]
        lines += [f"- {_cell(note)}" for note in promotion.notes]
    return "\n".join(lines)


def _canary(spec: Mapping[str, Any], target: str) -> str:
    from modelrail.units import human, seconds

    rollout = _section(spec, "rollout")
    lines = [f"### Canary plan in {target}", ""]
    if rollout.get("strategy") != "canary":
        lines.append(
            f"Strategy {_code(rollout.get('strategy'))}: no canary, the pods are "
            "replaced directly."
        )
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
            f"| {number} | {step.get('weight')} % | {_cell(str(pause or '-'))} | "
            f"{analysis} |"
        )
    lines.append("")
    hours = f"{total // 3600}h" if total % 3600 == 0 else human(total)
    soak = f"Total soak: {hours} of pauses below 100 %"
    lines.append(soak + (" (manual pauses not counted)." if manual else "."))
    plan = _section(rollout, "analysis")
    if plan:
        said = ", ".join(f"{k} {_cell(str(v))}" for k, v in plan.items())
        lines.append(f"Analysis: {said}.")
    if "currentStep" in rollout:
        current = rollout["currentStep"]
        weight = (
            steps[current - 1].get("weight")
            if isinstance(current, int) and 0 < current <= len(steps)
            else None
        )
        at = f" ({weight} % of the traffic)" if weight is not None else ""
        lines.append(
            f"KServe: the canary is at step {current}{at}; each further step "
            "is its own pull request (MR-ROLL-011)."
        )
    return "\n".join(lines)


def _evidence(spec: Mapping[str, Any]) -> str:
    model = _section(spec, "model")
    lines = ["### Evidence", ""]
    registry = _section(model, "registry")
    if registry:
        lines.append(
            f"- Registry: {_code(registry.get('name'))} version "
            f"{_code(registry.get('version'))}"
        )
    evaluation = _section(model, "evaluation")
    lines.extend(
        f"- Evaluation {key}: {_code(evaluation[key])}"
        for key in ("dataset", "date", "report")
        if key in evaluation
    )
    lines.extend(
        f"- {key.capitalize()}: {_code(model[key])}"
        for key in ("artifact", "digest")
        if key in model
    )
    image = _section(spec, "serving").get("image")
    if image is not None:
        lines.append(f"- Image: {_code(image)}")
    metrics = _section(model, "metrics")
    baseline = _section(model, "baseline")
    base_metrics = _section(baseline, "metrics")
    if metrics:
        version = model.get("version")
        head = (
            f"| metric | {_cell(str(version))} | baseline "
            f"{_cell(str(baseline.get('version', baseline.get('system', '-'))))} | "
            "ratio | "
            f"at least {RATIO * 100:.0f} % |"
        )
        lines += ["", head, "| --- | ---: | ---: | ---: | --- |"]
        for name, value in metrics.items():
            base = base_metrics.get(name)
            ratio = _ratio(value, base)
            meets = "-" if ratio is None else ("yes" if ratio >= RATIO * 100 else "no")
            shown = "-" if ratio is None else f"{ratio} %"
            lines.append(
                f"| {_cell(str(name))} | {_value(value)} | {_value(base)} | "
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
                f"| {_code(str(finding.location))} | {finding.severity.label} | "
                f"{finding.rule} | {_cell(finding.message)} |"
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
        lines.append(f"Not rendered: {_cell(rendered)}")
        return "\n".join(lines)
    apps = rendered.apps()
    if not apps:
        lines.append("No file of `rendered/` changes.")
        return "\n".join(lines)
    lines += ["| app | added | changed | removed |", "| --- | --- | --- | --- |"]
    for app, states in apps.items():
        cells = [
            ", ".join(_code(name) for name in states.get(state, ())) or "-"
            for state in ("added", "changed", "removed")
        ]
        where = f"rendered/{app}/" if app else "rendered/"
        lines.append(f"| {_code(where)} | {' | '.join(cells)} |")
    return "\n".join(lines)


def _section(data: Any, key: str) -> Mapping[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _code("true" if value else "false")
    if isinstance(value, (dict, list)):
        return _code(json.dumps(value, sort_keys=True))
    return _code(value)


def _code(value: Any) -> str:
    """``value`` as an inline code span that survives any backticks in it."""
    text = _flat(str(value))
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _cell(text: str) -> str:
    """Text that stays in one table cell and shows as written: no line break,
    markup, HTML or mention (the check report's escaper)."""
    from modelrail.reporters.markdown import escape

    return escape(_flat(text))


def _flat(text: str) -> str:
    return " ".join(text.split())
