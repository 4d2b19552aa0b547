"""The fixed report every reporter's golden file is made from, and helpers
the reporter tests share (strategies, parsing a format back)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING
from urllib.parse import unquote

from hypothesis import strategies as st

from modelrail.check.report import Report
from modelrail.findings import Finding, Location, Severity
from modelrail.policy.engine import Crash, Policy

if TYPE_CHECKING:
    from collections.abc import Iterable

Key = tuple[str, int, int, str, bool]  # file, line, column, rule, waived


def policy(
    policy_id: str, name: str, severity: Severity, category: str, *, rationale: str
) -> Policy:
    return Policy(
        id=policy_id,
        name=name,
        title=f"The title of {name}.",
        category=category,
        severity=severity,
        remediation=f"Do what {name} asks.",
        rationale=rationale,
        fails=("spec:\n  x: 1\n",),
        passes=("spec:\n  x: 2\n",),
        types=("predictive",),
        waivable=True,
        options_type=None,
        check=lambda spec, env, context: (),
        path=f"policies/{category}/{name}.py",
    )


POLICIES = (
    policy(
        "MR-ROLL-003",
        "enough-steps",
        Severity.ERROR,
        "rollout",
        rationale="A canary moves in steps.\n\nSo a bad version meets few users.",
    ),
    policy("MR-SEC-002", "read-only-root", Severity.WARNING, "security", rationale=""),
    policy(
        "MR-SEC-004",
        "pinned-serving-image",
        Severity.ERROR,
        "security",
        rationale="A tag can move after review.\n\n```yaml\nimage: x\n```",
    ),
)

SPEC = "environments/prod/fraud-detector.yaml"
# every character a format must escape in a file name, and some it must not mangle
ODD = "environments/dév/a:b,c #1 `x` |y| <z> 100%.yaml"
UNCHECKED = "environments/qa/environment.yaml"
WAIVERS = "environments/prod/waivers.yaml"
CHURN = "environments/prod/churn-predictor.yaml"
WAIVER = "waived by environments/prod/waivers.yaml:8:5 (JIRA-12, until 2030-01-31)"

FINDINGS = (
    Finding(
        Location(SPEC, 33, 12, "/spec/serving/image"),
        "MR-SEC-004",
        Severity.ERROR,
        "image 'reg/ml:v2' is not pinned; a|b `c` <script>alert(1)</script> "
        "</failure> ]]> 100% ::error::forged, @risk-team",
        "Reference the image as name@sha256:<digest>.",
    ),
    Finding(
        Location(SPEC, 41, 7, "/spec/serving/autoscaling/minReplicsa"),
        "MR-SCHEMA",
        Severity.ERROR,
        "unknown key 'minReplicsa'\n::error file=x::forged\r\n# heading",
        "rename it to 'minReplicas'",
    ),
    Finding(
        Location(SPEC, 60, 5, "/spec/rollout/steps"),
        "MR-ROLL-003",
        Severity.WARNING,
        "the canary has 2 steps, fewer than 3 — précision ≥ 95 % 模型",
        "add steps, e.g. 10 → 25 → 50 → 100",
    ),
    Finding(
        Location(SPEC, 86, 5, "/spec/security/readOnlyRootFilesystem"),
        "MR-SEC-002",
        Severity.WARNING,
        "readOnlyRootFilesystem is false",
        "Set security.readOnlyRootFilesystem: true.",
        WAIVER,
    ),
    Finding(
        Location(ODD, 1, 1),
        "MR-LOAD",
        Severity.ERROR,
        "not one YAML mapping: \x1b[2J control \x00 and \u2028 separator\tend",
        "write a mapping",
    ),
    Finding(
        Location(UNCHECKED),
        "MR-REPO-006",
        Severity.ERROR,
        "environment folder environments/qa/ has no environment.yaml",
        "add an environment.yaml (see schemas/environment.v1.json)",
    ),
    Finding(
        Location(WAIVERS, 9, 0),
        "MR-WAIVER-008",
        Severity.INFO,
        "waiver of MR-SEC-002 for 'fraud-detector' expires on 2030-01-31",
        "renew it or fix the problem",
    ),
    Finding(
        Location(WAIVERS, 15, 5, "/waivers/1"),
        "MR-WAIVER-009",
        Severity.ERROR,
        "waiver of MR-SEC-004 for 'fraud-detector' is not applied: "
        "waivers[1].reason: 'test' is shorter than 20 characters",
        "write at least 20 characters: why the exception is acceptable",
    ),
)

CRASH = Crash("MR-SEC-004", CHURN, "KeyError: 'serving'")


def golden_report() -> Report:
    return Report(
        tuple(sorted(FINDINGS)),
        5,
        ("dév", "prod"),
        bad_input=True,
        crashes=(CRASH,),
        policies=len(POLICIES),
        rules=POLICIES,
        checked=tuple(
            sorted((SPEC, ODD, CHURN, WAIVERS, "environments/prod/environment.yaml"))
        ),
        invalid_waivers=1,
    )


def report_of(
    findings: Iterable[Finding], *, rules: tuple[Policy, ...] = POLICIES
) -> Report:
    found = tuple(sorted(findings))
    return Report(
        found,
        len({f.location.file for f in found}),
        ("dev",),
        policies=len(rules),
        rules=rules,
        checked=tuple(sorted({f.location.file for f in found})),
    )


# -- strategies -------------------------------------------------------------

RULES = ("MR-SCHEMA", "MR-LOAD", "MR-REPO-006", "MR-SEC-004", "MR-ROLL-003", "MR-X-999")
hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),  # what a UTF-8 file or name can hold
        st.sampled_from(list("%:,\r\n\x00\x1b\u2028|`<>&#@[]\\")),
        st.sampled_from(["::", "</failure>", "]]>", "%0A", "<script>", "\r\n"]),
    ),
    max_size=20,
).map("".join)


def findings(
    files: st.SearchStrategy[str], messages: st.SearchStrategy[str]
) -> st.SearchStrategy[list[Finding]]:
    return st.lists(
        st.builds(
            Finding,
            st.builds(
                lambda file, where, pointer: Location(file, *where, pointer),
                files,
                # a column is known only with its line
                st.one_of(
                    st.just((0, 0)),
                    st.tuples(st.integers(1, 10_000), st.integers(0, 500)),
                ),
                st.text(max_size=20),
            ),
            st.sampled_from(RULES),
            st.sampled_from(list(Severity)),
            messages,
            messages,
            st.one_of(st.just(""), messages.map(lambda m: f"waived: {m}")),
        ),
        max_size=12,
    )


# -- parsing each format back to (file, line, column, rule, waived) ---------


def keys(report: Report) -> list[Key]:
    return sorted(
        (f.location.file, f.location.line, f.location.column, f.rule, f.waived)
        for f in report.findings
    )


def from_json(text: str) -> list[Key]:
    return sorted(
        (f["file"], f["line"], f["column"], f["rule"], "waiver" in f)
        for f in json.loads(text)["findings"]
    )


def from_sarif(text: str) -> list[Key]:
    out = []
    for result in json.loads(text)["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        region = physical.get("region", {})
        out.append(
            (
                unquote(physical["artifactLocation"]["uri"]),
                region.get("startLine", 0),
                region.get("startColumn", 0),
                result["ruleId"],
                bool(result.get("suppressions")),
            )
        )
    return sorted(out)


_BODY = re.compile(r"(?::(\d+):(\d+))?: (?:error|warning|info)( \(waived\))? \[")


def from_junit(text: str) -> list[Key]:
    """Each finding is one body line of a test case (the text reporter's line)."""
    out = []
    for case in ET.fromstring(text).iter("testcase"):
        file = case.get("classname", "")
        rule = case.get("name", "").split(" ")[0]
        for child in case:
            if child.tag == "error":
                continue  # a crash, not a finding
            for body_line in (child.text or "").split("\n"):
                match = _BODY.match(body_line[len(file) :])
                if body_line.startswith(file) and match:
                    line, column = int(match[1] or 0), int(match[2] or 0)
                    out.append((file, line, column, rule, bool(match[3])))
    return sorted(out)


def unescape_property(value: str) -> str:
    """The runner's unescaping (actions/runner ActionCommand.cs)."""
    for escaped, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r")):
        value = value.replace(escaped, char)
    return value.replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    properties = {}
    for pair in (match[2] or "").split(","):
        name, _, value = pair.partition("=")
        properties[name] = unescape_property(value)
    return match[1], properties, unescape_property(match[3])


def from_github(text: str) -> list[Key]:
    out = []
    for line in text.splitlines():
        if not line.startswith("::"):
            continue
        _, props, _ = parse_command(line)
        if props["title"] == "internal error":
            continue
        rule, _, waived = props["title"].partition(" ")
        out.append(
            (
                props["file"],
                int(props.get("line", 0)),
                int(props.get("col", 0)),
                rule,
                waived == "(waived)",
            )
        )
    return sorted(out)


_ESCAPED = re.compile(r"\\([\\`*_\[\]#!|~<>&$])")
_BARE_LT = re.compile(r"(?<!\\)(?:\\\\)*<")


def unescape_markdown(cell: str) -> str:
    cell = cell.strip(" ").replace("@&#8203;", "@")
    return _ESCAPED.sub(r"\1", cell)


def bare_angle_brackets(text: str) -> int:
    """How many '<' of ``text`` Markdown would read as HTML (not escaped)."""
    return len(_BARE_LT.findall(text))


def markdown_rows(text: str) -> list[tuple[list[str], bool]]:
    """The cells of each finding row, and whether it is in the waived table."""
    rows = []
    waived = False
    for line in text.splitlines():
        if line.startswith("<details>"):
            waived = True
        if not line.startswith("| ") or line.startswith(("| Location", "| ---")):
            continue
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        rows.append((cells, waived))
    return rows


_LOCATION = re.compile(r"(.*?)(?::(\d+):(\d+))?")


def from_markdown(text: str) -> list[Key]:
    out = []
    for cells, waived in markdown_rows(text):
        match = _LOCATION.fullmatch(unescape_markdown(cells[0]))
        assert match, cells
        rule = re.sub(r"^\[(.*)\]\(.*\)$", r"\1", cells[2].strip()).strip("`")
        out.append((match[1], int(match[2] or 0), int(match[3] or 0), rule, waived))
    return sorted(out)
