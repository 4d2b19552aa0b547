"""SARIF 2.1.0: valid against the OASIS schema, one descriptor per rule, stable
fingerprints, suppressions for waivers, crashes as notifications."""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import jsonschema
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reporters import sample

from modelrail.cli import main
from modelrail.findings import Finding, Location, Severity
from modelrail.policy.engine import Crash
from modelrail.reporters import RunInfo, sarif
from testing.repo import ROOT, bundled, copy_repo, line_of, replace_once

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from modelrail.check.report import Report

RUN = RunInfo("1.2.3")
SCHEMA = ROOT / "schemas" / "external" / "sarif-schema-2.1.0.json"


@functools.cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def valid(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )
    return document


def run_of(report: Report, run: RunInfo = RUN) -> dict[str, Any]:
    document = valid(sarif.render(report, run))
    assert len(document["runs"]) == 1
    run_object: dict[str, Any] = document["runs"][0]
    return run_object


def test_the_golden_report_is_valid_and_names_its_schema() -> None:
    document = valid(sarif.render(sample.golden_report(), RUN))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert document["$schema"] == schema["id"] == sarif.SCHEMA_URI
    assert document["version"] == "2.1.0"


def test_a_descriptor_per_policy_and_per_other_rule_found() -> None:
    run = run_of(sample.golden_report())
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(
        {p.id for p in sample.POLICIES} | {"MR-LOAD", "MR-SCHEMA", "MR-REPO-006"}
        | {"MR-WAIVER-008", "MR-WAIVER-009"}
    )  # fmt: skip
    pinned = rules[ids.index("MR-SEC-004")]
    assert pinned["name"] == "pinned-serving-image"
    assert pinned["shortDescription"]["text"] == "The title of pinned-serving-image."
    assert pinned["fullDescription"]["text"].startswith("A tag can move")
    assert "Do what pinned-serving-image asks." in pinned["help"]["text"]
    assert "```yaml\nspec:\n  x: 1\n```" in pinned["help"]["markdown"]
    assert "docs/policies.md#mr-sec-004-pinned-serving-image" in pinned["help"]["text"]
    assert pinned["defaultConfiguration"]["level"] == "error"
    assert pinned["properties"]["tags"] == ["security"]
    assert "helpUri" not in pinned  # no absolute place to point at
    waiver = rules[ids.index("MR-WAIVER-008")]
    assert waiver["name"] == "waiver-expires-soon"
    assert waiver["defaultConfiguration"]["level"] == "note"
    assert waiver["properties"]["tags"] == ["waiver"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_help_uri_with_a_docs_base_is_absolute() -> None:
    base = "https://code.example.com/org/models/blob/0123abc/"
    run = run_of(sample.golden_report(), RunInfo("1.2.3", docs_base=base))
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    uri = rules["MR-ROLL-003"]["helpUri"]
    assert uri == base + "docs/policies.md#mr-roll-003-enough-steps"
    assert urlsplit(uri).scheme == "https"
    assert f"]({uri})" in rules["MR-ROLL-003"]["help"]["markdown"]
    assert "helpUri" not in rules["MR-SCHEMA"]
    assert run["tool"]["driver"]["informationUri"] == base + "README.md"


def test_policy_anchors_are_the_headings_of_docs_policies_md() -> None:
    from modelrail.policy import catalog
    from modelrail.policy import docs as describe
    from modelrail.reporters.links import policy_anchor
    from modelrail.repository.layout import Repository

    # docs/policies.md as scripts/docs.py writes it (a test of its own keeps
    # the committed file equal to this)
    found = catalog.load(Repository(bundled()))
    docs = describe.markdown(found)
    assert len(found.registry) > 10
    for policy in found.registry:
        assert f"](#{policy_anchor(policy)})" in docs, policy.id
        heading = f"### {policy.id} {policy.name}"
        assert heading in docs
        # GitHub's slug of the heading: lowercase, spaces to hyphens
        assert re.sub(r"[^\w -]", "", heading[4:].lower()).replace(" ", "-") == (
            policy_anchor(policy)
        )


def test_every_engine_rule_is_defined_once_in_the_registry() -> None:
    """Rule ids of the engine are written in modelrail/rules.py only: every
    other module imports them, so reporters and docs describe each one."""
    from modelrail import rules

    source = ROOT / "src" / "modelrail"
    literal = re.compile(r"[\"']MR-(LOAD|SCHEMA|REPO|CONFIG|RENDER|WAIVER)\b")
    written = sorted(
        path.relative_to(source).as_posix()
        for path in source.rglob("*.py")
        if path.name != "rules.py" and literal.search(path.read_text(encoding="utf-8"))
    )
    assert written == []
    assert len(rules.ENGINE) >= 20
    assert all(rules.engine_rule(rid).title for rid in rules.ENGINE)


def test_results_locate_and_omit_what_is_unknown() -> None:
    run = run_of(sample.golden_report())
    by_rule = {result["ruleId"]: result for result in run["results"]}
    located = by_rule["MR-SEC-004"]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"] == {
        "uri": "environments/prod/fraud-detector.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert located["region"] == {"startLine": 33, "startColumn": 12}
    no_line = by_rule["MR-REPO-006"]["locations"][0]["physicalLocation"]
    assert "region" not in no_line
    no_column = by_rule["MR-WAIVER-008"]["locations"][0]["physicalLocation"]
    assert no_column["region"] == {"startLine": 9}
    assert by_rule["MR-WAIVER-008"]["level"] == "note"
    assert by_rule["MR-ROLL-003"]["level"] == "warning"
    assert by_rule["MR-SEC-004"]["message"]["text"].endswith(
        "(fix: Reference the image as name@sha256:<digest>.)"
    )
    assert by_rule["MR-SEC-004"]["properties"] == {"pointer": "/spec/serving/image"}
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_uris_are_percent_encoded_relative_references() -> None:
    uri = sarif.artifact_uri(sample.ODD)
    assert uri == (
        "environments/d%C3%A9v/a%3Ab%2Cc%20%231%20%60x%60%20%7Cy%7C%20%3Cz%3E"
        "%20100%25.yaml"
    )
    assert unquote(uri) == sample.ODD
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert sarif.artifact_uri("a\udcff.yaml") == "a%FF.yaml"  # os.fsdecode(b"a\xff")
    assert sarif.artifact_uri("a\ud800.yaml") == "a%5Cud800.yaml"
    # display paths are POSIX already: a backslash is part of a name there
    assert sarif.artifact_uri("environments/dev/a\\b.yaml") == (
        "environments/dev/a%5Cb.yaml"
    )


def test_waived_findings_carry_an_external_suppression() -> None:
    run = run_of(sample.golden_report())
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert [r["ruleId"] for r in suppressed] == ["MR-SEC-002"]
    assert suppressed[0]["suppressions"] == [
        {"kind": "external", "justification": sample.WAIVER}
    ]


def test_a_crash_is_a_notification_and_an_unsuccessful_run() -> None:
    invocation = run_of(sample.golden_report())["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["exitCode"] == 3
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["associatedRule"]["id"] == "MR-SEC-004"
    assert "KeyError: 'serving'" in note["message"]["text"]
    clean = run_of(sample.report_of([]))["invocations"][0]
    assert clean == {"executionSuccessful": True, "exitCode": 0}


def test_a_crash_of_a_policy_the_report_does_not_describe_still_validates() -> None:
    report = sample.report_of([])
    report = type(report)(
        (), 1, ("dev",), crashes=(Crash("MR-NEW-001", "environments/dev/a.yaml", "x"),)
    )
    run = run_of(report)
    assert run["tool"]["driver"]["rules"][0]["id"] == "MR-NEW-001"


def fingerprints(report: Report) -> list[str]:
    return [
        r["partialFingerprints"][sarif.FINGERPRINT] for r in run_of(report)["results"]
    ]


def test_fingerprints_ignore_lines_and_messages_but_not_rule_file_or_pointer() -> None:
    def finding(line: int, message: str, pointer: str = "/spec/a") -> Finding:
        return Finding(
            Location("environments/dev/a.yaml", line, 3, pointer),
            "MR-SEC-004",
            Severity.ERROR,
            message,
        )

    before = fingerprints(sample.report_of([finding(10, "old")]))
    after = fingerprints(sample.report_of([finding(42, "new wording")]))
    assert before == after
    other = fingerprints(sample.report_of([finding(10, "old", "/spec/b")]))
    assert other != before
    # two findings of one rule at one pointer stay distinct, in a stable order
    twice = fingerprints(sample.report_of([finding(10, "x"), finding(10, "y")]))
    assert len(set(twice)) == 2
    assert twice[0] == before[0]
    assert re.fullmatch(r"[0-9a-f]{32}:2", twice[1])


def test_check_format_sarif_on_a_broken_repository(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    spec = repo / "environments" / "prod" / "fraud-detector.yaml"
    replace_once(spec, "      minReplicas: 3", "      minReplicsa: 3")
    dev = repo / "environments" / "dev" / "churn-predictor.yaml"
    replace_once(dev, "runAsNonRoot: true", "runAsNonRoot: false")
    out = tmp_path / "report.sarif"
    result = CliRunner().invoke(
        main,
        ["check", "--root", str(repo), "--format", "sarif", "--output", str(out)],
    )
    assert result.exit_code == 1, result.output
    document = valid(out.read_text(encoding="utf-8"))
    run = document["runs"][0]
    located = {
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }
    assert located == {
        ("MR-SCHEMA", "environments/prod/fraud-detector.yaml", line_of(spec, "minReplicsa")),
        ("MR-SEC-001", "environments/dev/churn-predictor.yaml", line_of(dev, "runAsNonRoot")),
    }  # fmt: skip
    rules = run["tool"]["driver"]["rules"]
    assert len(rules) > 50  # every policy of the repository, and MR-SCHEMA
    assert {r["id"] for r in rules} >= {"MR-SCHEMA", "MR-SEC-001", "MR-ROLL-007"}
    non_root = next(r for r in rules if r["id"] == "MR-SEC-001")
    assert non_root["help"]["text"]
    assert non_root["properties"]["tags"] == ["security"]


text = st.one_of(sample.hostile_text, st.text(max_size=60))


@settings(max_examples=150, deadline=None)
@given(sample.findings(text.filter(bool), text))
def test_any_text_gives_valid_sarif(found: list[Finding]) -> None:
    report = sample.report_of(found)
    run = run_of(report)
    assert len(run["results"]) == len(found)
    assert sample.from_sarif(sarif.render(report, RUN)) == sample.keys(report)
    assert sarif.render(report, RUN) == sarif.render(report, RUN)


def test_in_github_actions_rules_link_to_the_docs_of_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check`` links each rule to docs/policies.md at the commit being
    checked when GitHub Actions says which; a sha that is not one gives no
    link (the value goes into a URL)."""
    repo = copy_repo(tmp_path / "repo")
    monkeypatch.delenv("MODELRAIL_DOCS_URL", raising=False)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "example-org/modelrail")

    def help_uri(sha: str) -> str | None:
        monkeypatch.setenv("GITHUB_SHA", sha)
        result = CliRunner().invoke(
            main, ["check", "--root", str(repo), "--format", "sarif"]
        )
        assert result.exit_code == 0, result.output
        rules = valid(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
        rule = next(r for r in rules if r["id"] == "MR-SEC-001")
        return rule.get("helpUri")

    sha = "0123456789abcdef0123456789abcdef01234567"
    assert help_uri(sha) == (
        f"https://github.com/example-org/modelrail/blob/{sha}/docs/policies.md"
        "#mr-sec-001-run-as-non-root"
    )
    assert help_uri("main?x=1") is None
