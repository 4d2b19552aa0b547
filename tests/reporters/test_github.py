"""GitHub workflow commands: one line per finding, escaped as the runner
unescapes, then the summary."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reporters import sample

from modelrail.findings import Finding, Location, Severity
from modelrail.reporters import RunInfo, github
from modelrail.reporters.text import summary

RUN = RunInfo("1.2.3")


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("%0A", "%250A", "%250A"),
        ("\x1b[31mred", "\\x1b[31mred", "\\x1b[31mred"),
        ("a\u2028b", "a\\u2028b", "a\\u2028b"),
        ("précision ≥ 95", "précision ≥ 95", "précision ≥ 95"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_the_golden_report() -> None:
    lines = github.render(sample.golden_report(), RUN).splitlines()
    assert lines[-1] == summary(sample.golden_report())
    assert lines[1] == (
        "::error file=environments/prod/fraud-detector.yaml,line=33,col=12,"
        "title=MR-SEC-004::image 'reg/ml:v2' is not pinned; a|b `c` "
        "<script>alert(1)</script> </failure> ]]> 100%25 ::error::forged, "
        "@risk-team (fix: Reference the image as name@sha256:<digest>.)"
    )
    assert lines[0].startswith(
        "::error file=environments/dév/a%3Ab%2Cc #1 `x` |y| <z> 100%25.yaml,"
        "line=1,col=1,title=MR-LOAD::"
    )
    by_title = {sample.parse_command(line)[1]["title"]: line for line in lines[:-1]}
    assert by_title["MR-ROLL-003"].startswith("::warning ")
    assert by_title["MR-WAIVER-008"].startswith(
        "::notice file=environments/prod/waivers.yaml,line=9,title="
    )  # a line without its column
    assert by_title["MR-REPO-006"].startswith(
        "::error file=environments/qa/environment.yaml,title="
    )  # neither line nor column
    assert by_title["MR-SEC-002 (waived)"].startswith("::notice ")
    assert (
        "(waived by environments/prod/waivers.yaml:8:5"
        in by_title["MR-SEC-002 (waived)"]
    )
    assert by_title["internal error"].startswith(
        "::error file=environments/prod/churn-predictor.yaml,title=internal error::"
        "policy MR-SEC-004 crashed"
    )


def test_a_message_with_line_breaks_is_one_command_the_runner_unfolds() -> None:
    finding = Finding(
        Location("a.yaml", 2, 3), "MR-SCHEMA", Severity.ERROR, "one\ntwo\r\nthree"
    )
    [line, _] = github.render(sample.report_of([finding]), RUN).splitlines()
    name, props, message = sample.parse_command(line)
    assert (name, props) == ("error", {"file": "a.yaml", "line": "2", "col": "3", "title": "MR-SCHEMA"})  # fmt: skip
    assert message == "one\ntwo\r\nthree"


def test_a_clean_report_is_the_summary_alone() -> None:
    report = sample.report_of([])
    assert github.render(report, RUN) == summary(report) + "\n"


text = st.one_of(sample.hostile_text, st.text(max_size=60))


@settings(max_examples=200, deadline=None)
@given(sample.findings(text.filter(bool), text))
def test_one_line_per_finding_whatever_the_text(found: list[Finding]) -> None:
    report = sample.report_of(found)
    lines = github.render(report, RUN).splitlines()
    assert len(lines) == len(found) + 1
    assert all(line.startswith("::") for line in lines[:-1])
    assert lines[-1] == summary(report)
    for finding, line in zip(report.findings, lines, strict=False):
        name, props, message = sample.parse_command(line)
        assert name == (
            "notice" if finding.waived else github.COMMANDS[finding.severity]
        )
        # what the runner reads back is the text, control characters made visible
        assert props["file"] == github.visible(finding.location.file)
        assert message.startswith(github.visible(finding.message))
