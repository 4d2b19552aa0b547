"""The charts' Mermaid and tables: exact text, bounds, missing points, and no
injection whatever the names say."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelrail.gate import trend
from modelrail.gate.chart import (
    MAX_POINTS,
    Chart,
    Charts,
    Line,
    drawn,
    markdown,
    mermaid,
    section,
    text,
    top,
)

T0 = datetime.datetime(2023, 11, 15, 22, 0, tzinfo=datetime.UTC)
D = Decimal


def times(n: int, minutes: int = 30) -> tuple[datetime.datetime, ...]:
    return tuple(T0 + datetime.timedelta(minutes=minutes * i) for i in range(n))


def a_chart(
    lines: tuple[Line, ...] | None = None, *, title: str = "Error ratio", n: int = 3
) -> Chart:
    return Chart(
        title=title,
        what="server errors (5xx) of all requests",
        unit="%",
        times=times(n),
        lines=lines
        if lines is not None
        else (
            Line("candidate 3.3.0", (D("0.01"), D("0.4"), D("0.0123456"))),
            Line("stable 3.2.0", (D("0.03"),) * 3),
        ),
        threshold=D("0.05"),
        threshold_text="SLO: at most 0.05 %",
    )


def test_the_exact_text() -> None:
    assert markdown(a_chart(), "fraud-detector in staging") == (
        "**Error ratio**, server errors (5xx) of all requests: candidate 3.3.0 "
        "(red), stable 3.2.0 (blue), SLO: at most 0.05 % (grey).\n"
        "\n"
        "```mermaid\n"
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": '
        '"#d62728, #1f77b4, #7f7f7f"}}}}%%\n'
        "xychart-beta\n"
        '    title "Error ratio (%), fraud-detector in staging"\n'
        '    x-axis "time (UTC)" ["22:00", "22:30", "23:00"]\n'
        '    y-axis "%" 0 --> 0.5\n'
        "    line [0.01, 0.4, 0.0123]\n"
        "    line [0.03, 0.03, 0.03]\n"
        "    line [0.05, 0.05, 0.05]\n"
        "```\n"
        "\n"
        "<details><summary>Error ratio: the numbers</summary>\n"
        "\n"
        "| Time (UTC) | candidate 3.3.0 | stable 3.2.0 |\n"
        "| --- | --- | --- |\n"
        "| 2023-11-15 22:00 | 0.01 % | 0.03 % |\n"
        "| 2023-11-15 22:30 | 0.4 % | 0.03 % |\n"
        "| 2023-11-15 23:00 | 0.0123 % | 0.03 % |\n"
        "\n"
        "</details>"
    )


def test_missing_points_are_drawn_at_the_value_before_and_tabled_as_such() -> None:
    nan, inf = D("NaN"), D("Infinity")
    assert drawn([None, D(1), nan, D(2), inf, None]) == [1, 1, 1, 2, 2, 2]
    assert drawn([None, nan]) is None
    chart = a_chart(
        (
            Line("candidate 3.3.0", (None, D("0.2"), nan)),
            Line("stable 3.2.0", (None, None, None)),
        )
    )
    out = markdown(chart, "m in staging")
    assert "    line [0.2, 0.2, 0.2]\n    line [0.05, 0.05, 0.05]\n```" in out
    assert '"plotColorPalette": "#d62728, #7f7f7f"' in out  # no blue: no stable
    assert "candidate 3.3.0: 2 of 3 points without data, drawn at the value " in out
    assert "stable 3.2.0: no data over the window, not drawn." in out
    assert "| 2023-11-15 22:00 | no data | no data |" in out
    assert "(blue)" not in out


def test_without_any_data_no_chart_is_drawn_but_the_table_is() -> None:
    out = markdown(a_chart((Line("candidate 3.3.0", (None,) * 3),)), "m")
    assert "```" not in out
    assert out.count("| no data |") == 3


def test_a_stable_alone_keeps_its_colour() -> None:
    chart = a_chart((Line("candidate 3", (None,) * 3), Line("stable 2", (D(1),) * 3)))
    assert '"#1f77b4, #7f7f7f"' in mermaid(chart, "m")
    assert "stable 2 (blue)" in markdown(chart, "m")


def test_the_points_are_bounded() -> None:
    with pytest.raises(ValueError, match="49 points"):
        a_chart((Line("c", (D(1),) * 49),), n=49)
    with pytest.raises(ValueError, match="one value a point"):
        a_chart((Line("c", (D(1),)),), n=2)


@given(st.integers(min_value=1, max_value=10**9))
def test_any_window_gives_at_most_48_whole_steps(window: int) -> None:
    step, points = trend.grid(window)
    assert 1 <= points <= MAX_POINTS
    assert points * step <= window
    assert step >= min(300, window)


def test_the_axis_labels_stay_unique_past_a_day() -> None:
    chart = Chart("p95", "p95", "ms", times(40, minutes=60), (), D(80), "SLO")
    axis = mermaid(chart, "m").splitlines()[4]
    assert axis.startswith('    x-axis "time (UTC)" ["11-15 22:00", "11-15 23:00", ')


def test_numbers_are_fixed_notation() -> None:
    chart = a_chart((Line("c", (D("1E-7"), D("123456.789012"), D("2E+3"))),))
    assert "    line [0, 123456.789, 2000]\n" in mermaid(chart, "m")
    assert top([D("123456.789")]) == D("200000")
    assert top([D(0)]) == 1


@pytest.mark.parametrize(
    ("hostile", "shown"),
    [
        ('a" %%{init: {"theme": "dark"}}%%', "a? ?%?init: ??theme?: ?dark????%"),
        ("x\n```\n<img src=x>", "x ??? ?img src=x?"),
        ("#lt; `b` ]; title", "?lt? ?b? ?? title"),
        ("fraud-detector 3.3.0+build.1", "fraud-detector 3.3.0+build.1"),
        ("modèle ünï", "modèle ünï"),
    ],
)
def test_text_from_outside_cannot_leave_its_quotes(hostile: str, shown: str) -> None:
    assert text(hostile) == shown


LINE = re.compile(r"    line \[-?\d+(\.\d+)?(, -?\d+(\.\d+)?)*\]")
HOSTILE = st.text(
    st.sampled_from(
        ['"', "%", "{", "}", "`", "\n", "\r", "#", ";", "[", "]", "<", ">", "|", "\\",
         "a", " ", "-", "\u2028", "@", "&", "*", "_", "é", "\x1b"]
    ),
    max_size=60,
)  # fmt: skip


@given(
    subject=HOSTILE,
    title=HOSTILE,
    names=st.lists(HOSTILE, min_size=1, max_size=2),
    threshold_text=HOSTILE,
    note=HOSTILE,
    gaps=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_no_name_can_break_the_block(
    subject: str,
    title: str,
    names: list[str],
    threshold_text: str,
    note: str,
    gaps: list[bool],
) -> None:
    values = tuple(None if gap else D(i) for i, gap in enumerate(gaps))
    lines = tuple(Line(name, values) for name in names)
    chart = Chart(title, "what", "%", times(3), lines, D("0.05"), threshold_text, note)
    out = section(Charts(subject, "24h", "2023-11-16T00:00:00Z", 1800, (chart,)))
    rows = out.split("\n")
    fences = [i for i, row in enumerate(rows) if row.startswith("`")]
    drawn_lines = 0 if all(gaps) else len(names)
    if not drawn_lines:
        assert fences == []
        return
    # one block: opened and closed by a plain fence, nothing else starts one
    assert len(fences) == 2
    assert rows[fences[0]] == "```mermaid"
    assert rows[fences[1]] == "```"
    block = rows[fences[0] + 1 : fences[1]]
    assert len(block) == 5 + drawn_lines + 1
    assert block[0].startswith("%%{init: {")
    assert block[0].endswith("}}}}%%")
    assert block[1] == "xychart-beta"
    assert re.fullmatch(r'    title "[^"%]*(%[^"%]+)*%?"', block[2]), block[2]
    assert re.fullmatch(
        r'    x-axis "time \(UTC\)" \["22:00", "22:30", "23:00"\]', block[3]
    )
    assert re.fullmatch(r'    y-axis "%" 0 --> [\d.]+', block[4])
    assert all(LINE.fullmatch(row) for row in block[5:]), block[5:]
    assert all("%%" not in row for row in block[1:])
    # after the block: the folded table, one row a point, nothing unclosed
    after = "\n".join(rows[fences[1] + 1 :])
    assert after.count("<details>") == after.count("</details>") == 1
    assert after.count("\n| 2023-11-") == 3
    assert after.endswith("</details>")
