"""JUnit XML, the test report Jenkins, GitLab and GitHub test reporters read.

A ``<testsuite>`` per file (the files checked, and any other file a finding or
a crash names), a ``<testcase>`` per rule in it: for a spec, the policies that
judged it (on in its environment's profile, for its type: no chatbot policy
for a fraud model; classname = the file, name = ``<ID> <name>``), and for
every file the schema check and each other rule that found something there.
Per finding:

- an error: ``<failure type="error">``; a warning: ``<failure type="warning">``
  (a warning is a failed test case, as in STYLE.md; the run's exit code still
  only fails on errors);
- an info: a line in the test case's ``<system-out>`` (it passes);
- a waived finding: ``<skipped message="waived by ...">`` (or a line in
  ``<system-out>`` of a test case that fails anyway);
- a policy that crashed on the file: ``<error type="crash">``.

A spec that does not load or match its schema was not evaluated: its policies
are skipped, not passed. Each body line is the text reporter's line (the
location, the message and the fix), so control characters, which XML cannot
carry at all, are escaped; ElementTree escapes the rest. No timestamps.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from modelrail.commonmark import printable
from modelrail.findings import Finding, Severity
from modelrail.reporters.text import line
from modelrail.repository.layout import ENVIRONMENT_FILE, WAIVERS_FILE
from modelrail.rules import LOAD, SCHEMA, engine_rule

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.policy.engine import Crash
    from modelrail.reporters import RunInfo

COUNTS = ("tests", "failures", "errors", "skipped")
NOT_EVALUATED = "not evaluated: the file does not load or match its schema"
NOT_VALIDATED = "not validated: the file does not load"


def render(report: Report, run: RunInfo) -> str:
    findings: dict[str, dict[str, list[Finding]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for finding in report.findings:
        findings[finding.location.file][finding.rule].append(finding)
    crashes: dict[str, dict[str, list[Crash]]] = defaultdict(lambda: defaultdict(list))
    for crash in report.crashes:
        crashes[crash.file][crash.policy].append(crash)
    names = {policy.id: policy.name for policy in report.rules}
    judged = dict(report.evaluated)
    root = ET.Element("testsuites", {"name": f"modelrail check {run.version}"})
    totals = dict.fromkeys(COUNTS, 0)
    checked = set(report.checked)
    for file in sorted(checked | set(findings) | set(crashes)):
        found, crashed = findings[file], crashes[file]
        rules = set(found) | set(crashed)
        if file in checked:
            rules.add(SCHEMA)
            if file in judged:
                rules.update(judged[file])
            elif _is_spec(file):  # not evaluated: every policy is skipped
                rules.update(names)
        suite = ET.SubElement(root, "testsuite", {"name": printable(file)})
        counts = dict.fromkeys(COUNTS, 0)
        for rule in sorted(rules):
            name = names.get(rule) or engine_rule(rule).name
            case = ET.SubElement(
                suite,
                "testcase",
                {"classname": printable(file), "name": printable(f"{rule} {name}")},
            )
            not_run = _not_run(rule, rule in names, found)
            counts["tests"] += 1
            outcome = _fill(case, found[rule], crashed[rule], not_run)
            if outcome:
                counts[outcome] += 1
        for key in COUNTS:
            suite.set(key, str(counts[key]))
            totals[key] += counts[key]
    for key in COUNTS:
        root.set(key, str(totals[key]))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


_NOT_SPECS = {PurePosixPath(name).stem for name in (ENVIRONMENT_FILE, WAIVERS_FILE)}


def _is_spec(file: str) -> bool:
    """Whether a checked file is a ModelDeployment (as repo.py tells: by stem,
    so environment.yml is an environment file too)."""
    return PurePosixPath(file).stem not in _NOT_SPECS


def _not_run(rule: str, is_policy: bool, found: dict[str, list[Finding]]) -> str:
    """Why a rule did not judge the file, if it did not: check runs the
    policies only on files that load and match their schema."""
    if is_policy and (found.get(LOAD) or found.get(SCHEMA)):
        return NOT_EVALUATED
    if rule == SCHEMA and found.get(LOAD):
        return NOT_VALIDATED
    return ""


def _body(finding: Finding) -> str:
    text = line(finding)
    if finding.location.pointer:
        text += f"\nJSON pointer: {printable(finding.location.pointer)}"
    return text


def _fill(
    case: ET.Element, findings: list[Finding], crashes: list[Crash], not_run: str
) -> str:
    """Add a test case's outcome; returns the count it adds to besides tests
    (errors, failures, skipped), or "" when it passed."""
    failing = [f for f in findings if not f.waived and f.severity is not Severity.INFO]
    waived = [f for f in findings if f.waived]
    out = [line(f) for f in findings if not f.waived and f.severity is Severity.INFO]
    if waived and not (failing or crashes):
        skipped = ET.SubElement(
            case, "skipped", {"message": printable(waived[0].waiver)}
        )
        skipped.text = "\n".join(_body(f) for f in waived)
    else:
        out += [line(f) for f in waived]
    if not (findings or crashes) and not_run:
        ET.SubElement(case, "skipped", {"message": not_run})
    for crash in crashes:
        error = ET.SubElement(
            case, "error", {"message": printable(str(crash)), "type": "crash"}
        )
        error.text = (
            f"{printable(str(crash))}\nthe findings are incomplete: run again "
            "with --debug for the traceback and report it to the policy's owners"
        )
    for finding in failing:
        failure = ET.SubElement(
            case,
            "failure",
            {"message": printable(finding.message), "type": finding.severity.label},
        )
        failure.text = _body(finding)
    if out:
        ET.SubElement(case, "system-out").text = "\n".join(out)
    if crashes:
        return "errors"
    if failing:
        return "failures"
    return "skipped" if waived or (not findings and not_run) else ""
