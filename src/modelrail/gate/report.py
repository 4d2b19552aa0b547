"""A gate result as text (a terminal), Markdown (a pull-request comment) or
JSON (an attestation stored next to the promotion commit).

Pure and deterministic: the same result gives the same bytes (sorted keys,
no clock: the time in it is the run's ``at``, which ``--at`` fixes). In the
Markdown every value is escaped (``modelrail.commonmark``): what Prometheus, the
registry or a spec says shows as written, and adds no markup, HTML, link,
mention or table cell.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail import commonmark as md
from modelrail.gate import chart
from modelrail.gate.evidence import ROLLBACK, Item, Verdict, show

if TYPE_CHECKING:
    from collections.abc import Callable

    from modelrail.gate.run import Result

FORMAT_VERSION = 1
KIND = "GateAttestation"
_MARKS = {
    Verdict.MET: "✅",
    Verdict.MISSED: "❌",
    Verdict.NO_DATA: "⚠️",
    Verdict.ERROR: "⛔",
    Verdict.MARGINAL: "🟡",
    Verdict.INCONCLUSIVE: "❔",
}
_OUTCOME_MARKS = {
    "passed": "✅", "failed": "❌", "error": "⛔", "marginal": "🟡", "inconclusive": "❔",
}  # fmt: skip
# the judge's verdicts (gate --compare) are counted only when they occur, so
# an attestation of the gate without --compare keeps its summary
_JUDGE_ONLY = frozenset({Verdict.MARGINAL, Verdict.INCONCLUSIVE})


def _measured(value: Decimal | str | None) -> float | str | None:
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    return value


def _summary(items: tuple[Item, ...]) -> dict[str, int]:
    counts = {v: sum(1 for i in items if i.verdict is v) for v in Verdict}
    return {v.value: n for v, n in counts.items() if n or v not in _JUDGE_ONLY}


def _counts(items: tuple[Item, ...]) -> str:
    return ", ".join(f"{n} {name}" for name, n in _summary(items).items() if n)


def document(result: Result, tool_version: str) -> dict[str, Any]:
    """The attestation: the inputs, each evidence item, the outcome."""
    inputs = result.inputs
    model = inputs.spec["spec"]["model"]
    compared = (
        {} if result.judgement is None else {"comparison": result.judgement.document()}
    )
    return {
        **compared,
        "formatVersion": FORMAT_VERSION,
        "kind": KIND,
        "tool": {"name": "modelrail", "version": tool_version},
        "outcome": result.outcome,
        "model": inputs.model,
        "version": inputs.version,
        "digest": model.get("digest"),
        "artifact": model["artifact"],
        "registryEntry": model.get("registry"),
        "spec": inputs.spec_file,
        "environment": inputs.environment,
        "source": {"environment": inputs.source, "namespace": inputs.namespace},
        "window": {"duration": inputs.window, "seconds": inputs.window_seconds},
        "at": inputs.at_text,
        "urls": {"prometheus": inputs.prometheus_url, "registry": inputs.registry_url},
        "qualityRatio": float(inputs.ratio),
        "summary": _summary(result.items),
        "evidence": [
            {
                "key": item.key,
                "source": item.source,
                "item": item.title,
                "value": item.value,
                "measured": _measured(item.measured),
                "threshold": item.threshold,
                "verdict": item.verdict.value,
                "detail": item.detail,
                "query": item.query,
            }
            for item in result.items
        ],
    }


def as_json(result: Result, tool_version: str) -> str:
    return json.dumps(document(result, tool_version), indent=2, sort_keys=True) + "\n"


def _declared(result: Result) -> str:
    """The detail of a declared rollback's one item ("" for a gate run)."""
    items = result.items
    return items[0].detail if len(items) == 1 and items[0].source == ROLLBACK else ""


def _heading(result: Result) -> tuple[str, str]:
    inputs = result.inputs
    what = f"{inputs.model} {inputs.version} into {inputs.environment}"
    if _declared(result):
        return what, _declared(result)
    if _compared(result):
        what = (
            f"--compare {inputs.model} candidate against stable in {inputs.environment}"
        )
        return what, _compared(result)
    where = (
        f"SLO record of {inputs.source} (namespace {inputs.namespace}) in "
        f"Prometheus {inputs.prometheus_url} over {inputs.window} until "
        f"{inputs.at_text}; model registry {inputs.registry_url}"
    )
    return what, where


def _compared(result: Result) -> str:
    """What gate --compare compared, where ("" for a gate run)."""
    if result.judgement is None:
        return ""
    inputs, judged = result.inputs, result.judgement
    call = (
        f"; judge: {judged.call.word} (alpha {judged.limits.alpha:g}, Holm-Bonferroni)"
        if judged.findings
        else ""
    )
    return (
        f"candidate {judged.sides.shown} in {inputs.environment} (namespace "
        f"{inputs.namespace}) in Prometheus {inputs.prometheus_url} over "
        f"{inputs.window} until {inputs.at_text}{call}"
    )


def as_text(result: Result, tool_version: str) -> str:
    what, where = _heading(result)
    rows = [("ITEM", "VALUE", "THRESHOLD", "VERDICT")] + [
        (i.title, i.value or "-", i.threshold or "-", i.verdict.value)
        for i in result.items
    ]
    widths = [max(len(row[c]) for row in rows) for c in range(3)]
    lines = [
        f"gate {what}: {result.outcome.upper()} ({_counts(result.items)})",
        where,
        "",
    ]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    notes = [i for i in result.items if i.detail and i.verdict is not Verdict.MET]
    if notes:
        lines.append("")
        lines.extend(f"{i.verdict.value}: {i.title}: {i.detail}" for i in notes)
    return "\n".join(lines) + "\n"


def as_markdown(result: Result, tool_version: str) -> str:
    inputs = result.inputs
    mark = _OUTCOME_MARKS[result.outcome]
    what = (
        f"{md.cell(inputs.version)} into"
        if result.judgement is None
        else "candidate against stable in"
    )
    lines = [
        (
            f"### {mark} modelrail gate: {md.code(inputs.model)} "
            f"{what} {md.cell(inputs.environment)}: "
            f"{result.outcome}"
        ),
        "",
        (
            f"{md.cell(_declared(result) or _compared(result))}. "
            f"{_counts(result.items)}."
            if _declared(result) or _compared(result)
            else f"SLO record of **{md.cell(inputs.source)}** (namespace "
            f"{md.code(inputs.namespace)}) over {md.cell(inputs.window)} until "
            f"{md.cell(inputs.at_text)}, from Prometheus "
            f"{md.code(inputs.prometheus_url)}; model evidence from the MLflow "
            f"registry {md.code(inputs.registry_url)}. {_counts(result.items)}."
        ),
        "",
        "| Evidence | Value | Threshold | Verdict |",
        "| --- | --- | --- | --- |",
    ]
    lines.extend(
        f"| {md.cell(i.title, empty='-')} | {md.cell(i.value, empty='-')} "
        f"| {md.cell(i.threshold, empty='-')} | "
        f"{_MARKS[i.verdict]} {i.verdict.value} |"
        for i in result.items
    )
    notes = [i for i in result.items if i.detail and i.verdict is not Verdict.MET]
    if notes:
        lines.append("")
        lines.extend(
            f"- **{md.cell(i.title)}** ({i.verdict.value}): {md.cell(i.detail)}"
            for i in notes
        )
    lines += _charts(result)
    ratio = show(inputs.ratio * 100)
    lines += [
        "",
        (
            f"<sub>modelrail {tool_version}; quality gate {ratio} % of the "
            f"baseline (MR-MDL-003); spec {md.code(inputs.spec_file)}.</sub>"
        ),
    ]
    return "\n".join(lines) + "\n"


def _charts(result: Result) -> list[str]:
    """The "Charts" section (issue 19): the SLO record over the window, as
    Mermaid charts and tables; none for a declared rollback or an unread
    Prometheus. Markdown only: the attestation keeps the evidence, not the
    pictures."""
    if result.charts is None:
        return []
    return ["", "#### Charts", "", chart.section(result.charts)]


REPORTS: dict[str, Callable[[Result, str], str]] = {
    "json": as_json,
    "markdown": as_markdown,
    "text": as_text,
}
# an in-toto Statement (gate.intoto): it reads the rendered app and the
# policy set besides the result, so it is no entry of REPORTS
INTOTO = "intoto"
FORMATS = tuple(sorted([*REPORTS, INTOTO]))
