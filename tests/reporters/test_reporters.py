"""Reporters are pure: findings in, text out, one entry per finding."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from modelrail.check.report import Report
from modelrail.cli import main
from modelrail.cli.options import FORMATS
from modelrail.findings import Finding, Location, Severity
from modelrail.reporters import REPORTERS, RunInfo
from modelrail.reporters import text as text_reporter
from testing.repo import copy_repo, replace_once

if TYPE_CHECKING:
    from pathlib import Path

RUN = RunInfo("9.9.9")


def report(*findings: Finding, files: int = 3) -> Report:
    return Report(tuple(sorted(findings)), files, ("dev", "prod"))


def test_formats_option_lists_every_reporter() -> None:
    assert tuple(sorted(REPORTERS)) == FORMATS


def test_text_line_and_summary() -> None:
    finding = Finding(
        Location("environments/dev/a.yaml", 4, 7, "/spec/x"), "MR-SCHEMA",
        Severity.ERROR, "bad thing", "do this",
    )  # fmt: skip
    warning = Finding(Location("environments/dev/a.yaml", 9, 1), "MR-X-001",
                      Severity.WARNING, "meh")  # fmt: skip
    out = REPORTERS["text"](report(finding, warning), RUN)
    assert out.splitlines() == [
        "environments/dev/a.yaml:4:7: error [MR-SCHEMA] bad thing (fix: do this)",
        "environments/dev/a.yaml:9:1: warning [MR-X-001] meh",
        "checked 3 files in 2 environments: 1 error, 1 warning",
    ]


def test_text_singular_and_clean() -> None:
    assert REPORTERS["text"](Report((), 1, ("dev",)), RUN) == (
        "checked 1 file in 1 environment: no problems\n"
    )


def test_colour_only_when_asked() -> None:
    finding = Finding(Location("f.yaml", 1, 1), "MR-LOAD", Severity.ERROR, "x")
    assert "\x1b[" in text_reporter.line(finding, color=True)
    assert "\x1b[" not in text_reporter.line(finding, color=False)


def test_a_location_without_a_line_is_the_file_alone() -> None:
    finding = Finding(Location("environments/x/environment.yaml"), "MR-REPO-006",
                      Severity.ERROR, "missing")  # fmt: skip
    assert text_reporter.line(finding).startswith(
        "environments/x/environment.yaml: error"
    )


findings_strategy = st.lists(
    st.builds(
        Finding,
        st.builds(
            Location,
            st.text(min_size=1, max_size=30),
            st.integers(0, 10_000),
            st.integers(0, 500),
            st.text(max_size=30),
        ),
        st.sampled_from(["MR-SCHEMA", "MR-LOAD", "MR-SEC-001"]),
        st.sampled_from(list(Severity)),
        st.text(max_size=80),
        st.text(max_size=40),
    ),
    max_size=15,
)


@settings(max_examples=150, deadline=None)
@given(findings_strategy)
def test_json_round_trips_one_entry_per_finding(findings: list[Finding]) -> None:
    rep = report(*findings)
    document = json.loads(REPORTERS["json"](rep, RUN))
    assert len(document["findings"]) == len(findings)
    assert [
        (f["file"], f["line"], f["column"], f["message"]) for f in document["findings"]
    ] == [
        (f.location.file, f.location.line, f.location.column, f.message)
        for f in rep.findings
    ]
    assert document["summary"]["errors"] == rep.count(Severity.ERROR)
    assert REPORTERS["json"](rep, RUN) == REPORTERS["json"](rep, RUN)


def test_exit_code_from_worst_severity() -> None:
    loc = Location("f.yaml", 1, 1)
    assert report().exit_code == 0
    assert report(Finding(loc, "R", Severity.WARNING, "w")).exit_code == 0
    assert report(Finding(loc, "R", Severity.ERROR, "e")).exit_code == 1
    bad = Report(
        (Finding(loc, "MR-LOAD", Severity.ERROR, "e"),), 1, ("dev",), bad_input=True
    )
    assert bad.exit_code == 2


def test_text_escapes_line_breaks_and_control_characters() -> None:
    forged = "x\nfake.yaml:1:1: error [MR-X] forged\x1b[2J"
    finding = Finding(
        Location("a.yaml", 2, 3), "MR-SCHEMA", Severity.ERROR, forged, "fix\r"
    )
    out = REPORTERS["text"](report(finding), RUN)
    assert len(out.splitlines()) == 2  # the finding and the summary
    assert "\\nfake.yaml:1:1" in out
    assert "\\x1b[2J" in out
    assert "(fix: fix\\r)" in out


def test_text_output_has_one_line_per_finding_whatever_the_messages() -> None:
    @settings(max_examples=100, deadline=None)
    @given(findings_strategy)
    def one_line_each(findings: list[Finding]) -> None:
        out = REPORTERS["text"](report(*findings), RUN)
        assert len(out.splitlines()) == len(findings) + 1

    one_line_each()


def test_every_reporter_ends_its_output_with_one_newline() -> None:
    for fmt, reporter in REPORTERS.items():
        for rep in (
            Report((), 0, ()),
            report(Finding(Location("f.yaml"), "R", Severity.INFO, "i")),
        ):
            out = reporter(rep, RUN)
            assert out.endswith("\n"), fmt
            assert not out.endswith("\n\n"), fmt
            assert out == reporter(rep, RUN), fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_check_writes_every_format(fmt: str, tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    replace_once(
        repo / "environments" / "dev" / "churn-predictor.yaml",
        "runAsNonRoot: true",
        "runAsNonRoot: false",
    )
    out = tmp_path / f"report.{fmt}"
    runner = CliRunner()
    args = ["check", "--root", str(repo), "--format", fmt]
    result = runner.invoke(main, [*args, "--output", str(out)])
    assert result.exit_code == 1, result.output
    written = out.read_text(encoding="utf-8")
    assert "MR-SEC-001" in written
    assert "churn-predictor.yaml" in written
    # the same bytes on stdout
    assert runner.invoke(main, args).stdout == written


def test_docs_url_is_absolute_or_nothing() -> None:
    assert RunInfo("1").docs_url("docs/policies.md#x") == ""
    for base in (
        "https://example.com/o/r/blob/abc",
        "https://example.com/o/r/blob/abc/",
    ):
        assert RunInfo("1", docs_base=base).docs_url("docs/policies.md#x") == (
            "https://example.com/o/r/blob/abc/docs/policies.md#x"
        )
