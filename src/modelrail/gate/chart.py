"""A series over the window as a Mermaid ``xychart-beta`` chart, then a table.

GitHub draws a fenced ``mermaid`` block (Mermaid 10.6 and later know
``xychart-beta``); the table after it is the same numbers for a reader
without Mermaid (a screen reader, a raw view, an e-mail).

- **Bounded**: at most :data:`MAX_POINTS` points; the caller downsamples by
  the range query's step (each point is the window's slice of one step), so
  no sample is dropped.
- **Deterministic**: numbers in fixed notation, rounded to
  :data:`PLACES` decimals (Mermaid reads no exponent), times in UTC.
- **Missing points**: Mermaid's lines have no null. A point without data
  (no request in its step, a NaN or infinite quantile) is drawn at the value
  before it (at the first value, before the first), so a line never dips to
  0 (which would read as "no errors"); the table says ``no data`` there, and
  the text under the chart counts such points. A line without any value is
  not drawn, and said so.
- **Escaped**: Mermaid's quoted strings have no escape (``"`` ends one, and
  ``%%{...}%%`` is read as a directive anywhere in the text), so text from
  outside (a model, version or environment name) keeps only letters, digits,
  spaces, ``.,:/+-_()'=@`` and single ``%``; anything else shows as ``?``. The Markdown
  around the block goes through ``modelrail.commonmark``, whose fence is
  longer than any backtick run in it.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from modelrail import commonmark as md
from modelrail.gate.evidence import show

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_POINTS = 48
PLACES = 4  # decimals of a drawn or tabled value
TEXT = 80  # characters of one Mermaid text from outside, before "…"
# one colour a line, in order: the candidate, the stable version(s), then
# the SLO threshold (a Mermaid xychart has no legend: the text names them)
COLOURS = (("red", "#d62728"), ("blue", "#1f77b4"), ("grey", "#7f7f7f"))
_SAFE = frozenset(" .,:/+-_()'=@%")
_PERCENTS = re.compile(r"%(?=%)")


@dataclass(frozen=True, slots=True)
class Line:
    name: str  # "candidate 3.3.0"
    values: tuple[Decimal | None, ...]  # one a point; None: no data


@dataclass(frozen=True, slots=True)
class Chart:
    title: str  # "Error ratio"
    what: str  # "server errors (5xx) of all requests"
    unit: str  # "%", "ms"
    times: tuple[datetime.datetime, ...]  # the end of each point's step (UTC)
    lines: tuple[Line, ...]  # at most two: the candidate, then the stable
    threshold: Decimal
    threshold_text: str  # "SLO: at most 0.05 % (availability 99.95 %)"
    note: str = ""  # said under the chart ("only the candidate has series")

    def __post_init__(self) -> None:
        if not 0 < len(self.times) <= MAX_POINTS:
            raise ValueError(f"{len(self.times)} points: 1 to {MAX_POINTS} are drawn")
        if len(self.lines) > len(COLOURS) - 1:
            raise ValueError(f"{len(self.lines)} lines: at most two are drawn")
        for line in self.lines:
            if len(line.values) != len(self.times):
                raise ValueError(f"{line.name}: one value a point")


@dataclass(frozen=True, slots=True)
class Charts:
    """A gate run's charts, or why there are none."""

    subject: str  # the model and where it ran: "fraud-detector in staging"
    window: str  # "24h"
    until: str  # the end of the window, ISO 8601
    step: int  # seconds between two points
    charts: tuple[Chart, ...] = ()
    error: str = ""  # the source could not be read for them


def text(value: str, *, limit: int = TEXT) -> str:
    """``value`` as the inside of a Mermaid quoted string: flat, cut after
    ``limit`` characters, and without a character Mermaid or its
    preprocessing could read as syntax (``"``, ``%%``, ``#``, ``;``, ``<``,
    backticks, brackets...): each is a ``?`` (of ``%%``, the first ``%``)."""
    flat = md.flat(value)
    if len(flat) > limit:
        flat = flat[:limit] + "…"
    kept = "".join(c if c.isalnum() or c in _SAFE or c == "…" else "?" for c in flat)
    return _PERCENTS.sub("?", kept)  # one % is text, %% a comment or directive


def number(value: Decimal) -> str:
    """A finite decimal in fixed notation, :data:`PLACES` decimals at most."""
    return show(value, PLACES) if value.adjusted() < 20 else show(value)


def drawn(values: Sequence[Decimal | None]) -> list[Decimal] | None:
    """The values a line draws: each missing or non-finite one replaced by
    the value before it (the first value, before the first); None when there
    is no value at all."""
    known = [v for v in values if v is not None and v.is_finite()]
    if not known:
        return None
    last, out = known[0], []
    for value in values:
        if value is not None and value.is_finite():
            last = value
        out.append(last)
    return out


def missing(values: Sequence[Decimal | None]) -> int:
    return sum(1 for v in values if v is None or not v.is_finite())


def top(values: Sequence[Decimal]) -> Decimal:
    """The y axis' end: 1, 2, 2.5 or 5 times a power of ten, above every value
    (10 % headroom) and above 0."""
    peak = max((v for v in values if v > 0), default=Decimal(0)) * Decimal("1.1")
    if peak <= 0:
        return Decimal(1)
    exponent = peak.adjusted()
    while True:
        for mantissa in (1, 2, Decimal("2.5"), 5):
            candidate = Decimal(mantissa).scaleb(exponent)
            if candidate >= peak:
                return candidate
        exponent += 1


def labels(times: Sequence[datetime.datetime]) -> list[str]:
    """``HH:MM`` (UTC) when the times span less than a day, else ``MM-DD
    HH:MM``: unique on the axis either way (a step is a minute at least)."""
    utc = [t.astimezone(datetime.UTC) for t in times]
    span = utc[-1] - utc[0]
    shape = "%H:%M" if span < datetime.timedelta(days=1) else "%m-%d %H:%M"
    return [t.strftime(shape) for t in utc]


def mermaid(chart: Chart, subject: str) -> str:
    """The chart as a fenced ``mermaid`` block; ``subject`` (the model and
    where it ran) goes into the title. Lines without any value are left out;
    the SLO threshold is always the last line."""
    drawn_lines = _drawn(chart)
    palette = ", ".join([COLOURS[i][1] for i, _, _ in drawn_lines] + [COLOURS[-1][1]])
    values = [v for _, _, points in drawn_lines for v in points]
    axis = ", ".join(f'"{text(label)}"' for label in labels(chart.times))
    title = text(f"{chart.title} ({chart.unit}), {subject}", limit=2 * TEXT)
    end = number(top([*values, chart.threshold]))
    config = {"themeVariables": {"xyChart": {"plotColorPalette": palette}}}
    rows = [
        # the palette in a directive: Mermaid 10.6 reads it (frontmatter
        # config came later), and GitHub renders it
        f"%%{{init: {json.dumps(config, sort_keys=True)}}}%%",
        "xychart-beta",
        f'    title "{title}"',
        f'    x-axis "time (UTC)" [{axis}]',
        f'    y-axis "{text(chart.unit)}" 0 --> {end}',
    ]
    rows.extend(
        f"    line [{', '.join(number(v) for v in points)}]"
        for _, _, points in drawn_lines
    )
    threshold = number(chart.threshold)
    rows.append(f"    line [{', '.join([threshold] * len(chart.times))}]")
    return md.block("\n".join(rows), "mermaid")


def _drawn(chart: Chart) -> list[tuple[int, Line, list[Decimal]]]:
    """(index, line, points) of each line with a value: the index picks its
    colour, so the candidate is red even when the stable is not drawn."""
    out = []
    for i, line in enumerate(chart.lines):
        points = drawn(line.values)
        if points is not None:
            out.append((i, line, points))
    return out


def caption(chart: Chart) -> str:
    """What the lines are (Mermaid draws no legend): names and colours."""
    named = [f"{md.cell(line.name)} ({COLOURS[i][0]})" for i, line, _ in _drawn(chart)]
    named.append(f"{md.cell(chart.threshold_text)} ({COLOURS[-1][0]})")
    return f"**{md.cell(chart.title)}**, {md.cell(chart.what)}: {', '.join(named)}."


def notes(chart: Chart) -> list[str]:
    out = [md.cell(chart.note)] if chart.note else []
    for line in chart.lines:
        gaps = missing(line.values)
        if gaps == len(line.values):
            out.append(f"{md.cell(line.name)}: no data over the window, not drawn.")
        elif gaps:
            out.append(
                f"{md.cell(line.name)}: {gaps} of {len(line.values)} points without "
                "data, drawn at the value before them (the table says no data)."
            )
    return out


def table(chart: Chart) -> str:
    """The chart's numbers: one row a point, one column a line."""
    head = ["Time (UTC)", *(line.name for line in chart.lines)]
    rows = [
        "| " + " | ".join(md.cell(h) for h in head) + " |",
        "| " + " | ".join("---" for _ in head) + " |",
    ]
    for i, at in enumerate(chart.times):
        cells = [at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")]
        for line in chart.lines:
            value = line.values[i]
            cells.append(
                f"{number(value)} {chart.unit}"
                if value is not None and value.is_finite()
                else "no data"
            )
        rows.append("| " + " | ".join(md.cell(c) for c in cells) + " |")
    return "\n".join(rows)


def markdown(chart: Chart, subject: str) -> str:
    """The caption, the chart (when a line has data), notes, then the table
    (folded: it is long)."""
    parts = [caption(chart)]
    if _drawn(chart):
        parts.append(mermaid(chart, subject))
    parts.extend(notes(chart))
    parts.append(
        f"<details><summary>{md.html_text(chart.title)}: the numbers</summary>"
        f"\n\n{table(chart)}\n\n</details>"
    )
    return "\n\n".join(parts)


def duration(seconds: int) -> str:
    """``30m``, ``1h``, ``2d``: a step as the window is written."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def section(charts: Charts) -> str:
    """The gate report's "Charts" section, without its heading."""
    if charts.error:
        return f"No charts: {md.cell(charts.error)}"
    intro = (
        f"{md.cell(charts.subject)} over {md.cell(charts.window)} until "
        f"{md.cell(charts.until)}, one point every {duration(charts.step)} (the "
        "ratio or quantile over that step): the candidate, the stable (every "
        "other version of the model there, summed) when there is one, and the "
        "SLO."
    )
    return "\n\n".join([intro, *(markdown(c, charts.subject) for c in charts.charts)])
