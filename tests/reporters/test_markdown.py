"""The Markdown summary: a headline, one table row per finding whatever its
text, waived findings folded away, crashes called out, and a bounded size."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reporters import sample

from modelrail.check.report import Report
from modelrail.commonmark import CELL, printable
from modelrail.findings import Finding, Location, Severity
from modelrail.policy.engine import Crash
from modelrail.reporters import RunInfo, markdown

RUN = RunInfo("1.2.3")
OUR_TAGS = re.compile(r"</?(details|summary)>|<br>")


def finding(
    severity: Severity, message: str = "m", *, waiver: str = "", line: int = 1
) -> Finding:
    return Finding(
        Location("environments/dev/a.yaml", line, 2),
        "MR-SEC-004",
        severity,
        message,
        "fix it",
        waiver,
    )


@pytest.mark.parametrize(
    ("found", "headline"),
    [
        ([], ":white_check_mark: clean"),
        ([finding(Severity.ERROR, waiver="w")], ":white_check_mark: clean (1 waived)"),
        ([finding(Severity.INFO)], ":information_source: 1 info"),
        ([finding(Severity.WARNING), finding(Severity.INFO, line=2)],
         ":warning: 1 warning, 1 info"),
        ([finding(Severity.ERROR), finding(Severity.ERROR, line=2),
          finding(Severity.WARNING, line=3)], ":x: 2 errors, 1 warning"),
    ],
)  # fmt: skip
def test_headline(found: list[Finding], headline: str) -> None:
    out = markdown.render(sample.report_of(found), RUN)
    assert out.splitlines()[0] == f"### modelrail check: {headline}"


def test_the_golden_report() -> None:
    report = sample.golden_report()
    out = markdown.render(report, RUN)
    assert out.startswith("### modelrail check: :x: 1 policy crash, 5 errors")
    assert "> [!CAUTION]" in out
    assert "crashed on environments/prod/churn-predictor.yaml" in out
    rows = sample.markdown_rows(out)
    assert len(rows) == len(report.findings)
    assert [waived for _, waived in rows].count(True) == 1
    before, details = out.split("<details>")
    assert "`MR-SEC-002`" not in before  # the waived finding is folded away
    assert "</details>" in details
    assert "readOnlyRootFilesystem is false" in details
    assert "<script>" not in out
    assert "\\<script\\>alert(1)\\</script\\>" in out
    assert "a\\|b \\`c\\`" in out
    assert "<br>\\# heading" in out  # the line break kept, the heading defused
    assert "@&#8203;risk-team" in out
    assert "name@sha256" in out  # an address is no mention: left alone
    assert sample.bare_angle_brackets(OUR_TAGS.sub("", out)) == 0


def test_rules_link_to_their_docs_only_with_an_absolute_base() -> None:
    report = sample.golden_report()
    assert "](" not in markdown.render(report, RUN)
    base = "https://code.example.com/org/models/blob/main/"
    out = markdown.render(report, RunInfo("1.2.3", docs_base=base))
    assert (
        f"[`MR-SEC-004`]({base}docs/policies.md#mr-sec-004-pinned-serving-image)" in out
    )
    assert "| `MR-SCHEMA` |" in out  # not a policy: no section to link to


def test_a_long_message_is_cut() -> None:
    out = markdown.render(sample.report_of([finding(Severity.ERROR, "x" * 5000)]), RUN)
    assert "x" * CELL + "…" in out
    assert "x" * (CELL + 1) not in out


@pytest.mark.parametrize("waived_share", [0, 2, 1])
def test_the_size_is_bounded_and_says_what_it_left_out(waived_share: int) -> None:
    found = [
        finding(
            Severity.ERROR,
            f"{i} " + "<|>" * 700,
            waiver="w" * 500 if waived_share and i % waived_share == 0 else "",
            line=i,
        )
        for i in range(1, 3001)
    ]
    report = sample.report_of(found)
    out = markdown.render(report, RUN)
    assert len(out) <= markdown.LIMIT
    shown = len(sample.markdown_rows(out))
    note = re.search(r"\*\*(\d+) more findings not shown\*\*", out)
    assert note, out[-500:]
    assert shown + int(note[1]) == len(found)
    assert shown > 5
    if waived_share:
        assert out.count("<details>") == out.count("</details>")


def test_just_under_the_limit_nothing_is_left_out() -> None:
    found = [finding(Severity.ERROR, "m", line=i) for i in range(1, 200)]
    out = markdown.render(sample.report_of(found), RUN)
    assert "not shown" not in out
    assert len(sample.markdown_rows(out)) == len(found)


text = st.one_of(sample.hostile_text, st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(sample.findings(text.filter(bool), text))
def test_one_row_of_five_cells_per_finding_whatever_the_text(
    found: list[Finding],
) -> None:
    report = sample.report_of(found)
    out = markdown.render(report, RUN)
    rows = sample.markdown_rows(out)
    assert len(rows) == len(found)
    assert all(len(cells) == 5 for cells, _ in rows)
    assert sample.bare_angle_brackets(OUR_TAGS.sub("", out)) == 0
    for (cells, waived), f in zip(
        rows, sorted(report.findings, key=lambda f: f.waived), strict=True
    ):
        assert waived == f.waived
        # the text shown: control characters visible, line breaks as <br>, and
        # the spaces around a cell trimmed (as Markdown does)
        assert sample.unescape_markdown(cells[3]) == "<br>".join(
            printable(part) for part in re.split(r"\r\n|\r|\n", f.message)
        ).strip(" ")


def test_crashes_are_listed_up_to_a_bound() -> None:
    crashes = tuple(
        Crash("MR-SEC-004", f"environments/dev/m{i:04}.yaml", "KeyError: 'x'" * 50)
        for i in range(2000)
    )
    report = Report((), 2000, ("dev",), crashes=crashes, rules=sample.POLICIES)
    out = markdown.render(report, RUN)
    assert len(out) <= markdown.LIMIT
    assert out.count("crashed on environments/dev/") == markdown.CRASHES
    assert f"> - and {2000 - markdown.CRASHES} more" in out
    assert out.startswith("### modelrail check: :x: 2000 policy crashes")
