"""JUnit XML: a suite per file, a case per policy (and per other rule found),
counts that add up, and XML that parses whatever the findings hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reporters import sample

from modelrail.commonmark import printable
from modelrail.findings import Finding, Location, Severity
from modelrail.reporters import RunInfo, junit

if TYPE_CHECKING:
    from pathlib import Path

RUN = RunInfo("1.2.3")
COUNTS = ("tests", "failures", "errors", "skipped")


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.get("name", ""): suite for suite in root.findall("testsuite")}


def cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", "").split(" ")[0]: case for case in suite}


def child(case: ET.Element, tag: str) -> ET.Element:
    found = case.find(tag)
    assert found is not None, f"no <{tag}> in {ET.tostring(case, encoding='unicode')}"
    return found


def outcome(case: ET.Element) -> str:
    tags = {child.tag for child in case}
    for tag, count in (("error", "errors"), ("failure", "failures")):
        if tag in tags:
            return count
    return "skipped" if "skipped" in tags else "passed"


def assert_counts_add_up(root: ET.Element) -> None:
    totals = dict.fromkeys(COUNTS, 0)
    for suite in root.findall("testsuite"):
        found = [outcome(case) for case in suite.findall("testcase")]
        counts = {
            "tests": len(found),
            "failures": found.count("failures"),
            "errors": found.count("errors"),
            "skipped": found.count("skipped"),
        }
        assert {k: int(suite.get(k, "-1")) for k in COUNTS} == counts
        for key in COUNTS:
            totals[key] += counts[key]
    assert {k: int(root.get(k, "-1")) for k in COUNTS} == totals


def test_a_suite_per_file_and_a_case_per_policy_of_a_spec() -> None:
    root = parse(junit.render(sample.golden_report(), RUN))
    assert_counts_add_up(root)
    by_file = suites(root)
    # the files checked, and the one a finding names that was not checked
    assert sorted(by_file) == sorted(
        {printable(f) for f in sample.golden_report().checked} | {sample.UNCHECKED}
    )
    spec = cases(by_file[sample.SPEC])
    assert sorted(spec) == ["MR-ROLL-003", "MR-SCHEMA", "MR-SEC-002", "MR-SEC-004"]
    pinned = spec["MR-SEC-004"]
    assert pinned.get("classname") == sample.SPEC
    assert pinned.get("name") == "MR-SEC-004 pinned-serving-image"
    [failure] = pinned.findall("failure")
    assert failure.get("type") == "error"
    assert failure.get("message") == sample.FINDINGS[0].message
    assert (failure.text or "").startswith(f"{sample.SPEC}:33:12: error [MR-SEC-004]")
    assert "(fix: Reference the image as name@sha256:<digest>.)" in (failure.text or "")
    assert "JSON pointer: /spec/serving/image" in (failure.text or "")
    # environment and waivers files: the schema case, and the rules found there
    assert sorted(cases(by_file["environments/prod/environment.yaml"])) == ["MR-SCHEMA"]
    assert sorted(cases(by_file[sample.WAIVERS])) == [
        "MR-SCHEMA",
        "MR-WAIVER-008",
        "MR-WAIVER-009",
    ]
    assert sorted(cases(by_file[sample.UNCHECKED])) == ["MR-REPO-006"]


def test_warnings_fail_infos_pass_waivers_skip_crashes_err() -> None:
    by_file = suites(parse(junit.render(sample.golden_report(), RUN)))
    spec = cases(by_file[sample.SPEC])
    assert child(spec["MR-ROLL-003"], "failure").get("type") == "warning"
    waived = child(spec["MR-SEC-002"], "skipped")
    assert waived.get("message") == sample.WAIVER
    assert "(waived) [MR-SEC-002]" in (waived.text or "")
    info = cases(by_file[sample.WAIVERS])["MR-WAIVER-008"]
    assert outcome(info) == "passed"
    assert "info [MR-WAIVER-008]" in (info.findtext("system-out") or "")
    crashed = cases(by_file[sample.CHURN])["MR-SEC-004"]
    error = child(crashed, "error")
    assert error.get("type") == "crash"
    assert "KeyError: 'serving'" in (error.get("message") or "")


def test_a_file_that_does_not_load_was_not_evaluated() -> None:
    by_file = suites(parse(junit.render(sample.golden_report(), RUN)))
    odd = cases(by_file[printable(sample.ODD)])
    assert outcome(odd["MR-LOAD"]) == "failures"
    for rule in ("MR-ROLL-003", "MR-SEC-002", "MR-SEC-004"):
        assert child(odd[rule], "skipped").get("message") == junit.NOT_EVALUATED
    assert child(odd["MR-SCHEMA"], "skipped").get("message") == junit.NOT_VALIDATED


def test_a_waived_finding_next_to_a_failure_goes_to_system_out() -> None:
    where = Location("environments/dev/a.yaml", 3, 4)
    report = sample.report_of(
        [
            Finding(where, "MR-SEC-004", Severity.ERROR, "bad"),
            Finding(where, "MR-SEC-004", Severity.ERROR, "also bad", waiver="w"),
        ]
    )
    case = cases(suites(parse(junit.render(report, RUN)))["environments/dev/a.yaml"])
    pinned = case["MR-SEC-004"]
    assert [c.tag for c in pinned] == ["failure", "system-out"]
    assert "(waived) [MR-SEC-004] also bad" in (pinned.findtext("system-out") or "")


def test_no_timestamps_and_deterministic() -> None:
    text = junit.render(sample.golden_report(), RUN)
    assert "timestamp" not in text
    assert "time=" not in text
    assert text == junit.render(sample.golden_report(), RUN)


def test_a_clean_report_passes_every_case() -> None:
    report = sample.report_of([])
    report = type(report)(
        (), 1, ("dev",), rules=sample.POLICIES, checked=("environments/dev/m.yaml",)
    )
    root = parse(junit.render(report, RUN))
    assert root.get("tests") == str(len(sample.POLICIES) + 1)
    assert root.get("failures") == root.get("errors") == root.get("skipped") == "0"


text = st.one_of(sample.hostile_text, st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(sample.findings(text.filter(bool), text))
def test_any_text_gives_xml_that_parses_with_every_finding(
    found: list[Finding],
) -> None:
    report = sample.report_of(found)
    rendered = junit.render(report, RUN)
    root = parse(rendered)
    assert_counts_add_up(root)
    assert sample.from_junit(rendered) == sorted(
        (printable(f), line, column, rule, waived)
        for f, line, column, rule, waived in sample.keys(report)
    )
    messages = {f.get("message") for f in root.iter("failure")}
    assert messages == {
        printable(f.message)
        for f in report.findings
        if not f.waived and f.severity is not Severity.INFO
    }


def test_environment_and_waivers_files_get_no_policy_cases_whatever_the_suffix() -> (
    None
):
    checked = (
        "environments/dev/environment.yml",
        "environments/dev/m.yml",
        "environments/dev/waivers.yaml",
    )
    report = sample.report_of([])
    report = type(report)((), 3, ("dev",), rules=sample.POLICIES, checked=checked)
    by_file = suites(parse(junit.render(report, RUN)))
    assert sorted(cases(by_file["environments/dev/environment.yml"])) == ["MR-SCHEMA"]
    assert sorted(cases(by_file["environments/dev/waivers.yaml"])) == ["MR-SCHEMA"]
    assert len(cases(by_file["environments/dev/m.yml"])) == len(sample.POLICIES) + 1


def test_a_spec_lists_only_the_policies_that_judged_it(tmp_path: Path) -> None:
    """A fraud model gets no chatbot case, a chatbot its chatbot policies, and
    a policy switched off in the environment's profile no case at all."""
    from modelrail.check import runner as check
    from modelrail.repository.layout import repository
    from testing.repo import copy_repo

    root = copy_repo(tmp_path / "repo")
    report = check.run(repository(root))
    judged = suites(parse(junit.render(report, RUN)))
    fraud = cases(judged["environments/prod/fraud-detector.yaml"])
    chatbot = cases(judged["environments/prod/support-assistant.yaml"])
    assert not [rule for rule in fraud if rule.startswith("MR-CHAT-")]
    assert {f"MR-CHAT-00{n}" for n in range(1, 7)} <= set(chatbot)
    staging = cases(judged["environments/staging/fraud-detector.yaml"])
    assert "MR-ROLL-009" in fraud
    assert "MR-ROLL-009" not in staging  # off in staging
    assert set(fraud) == {
        "MR-SCHEMA",
        *dict(report.evaluated)["environments/prod/fraud-detector.yaml"],
    }
    assert_counts_add_up(parse(junit.render(report, RUN)))
