"""SARIF 2.1.0, the format GitHub code scanning (and most IDEs) read.

One run. ``tool.driver.rules`` holds a descriptor per policy of the repository
(its title, rationale, remediation and examples, the docs/policies.md section)
and one per other rule a finding names (``MR-SCHEMA``, ``MR-REPO-001``, ...).
Each finding is a result that points at its file, relative to ``%SRCROOT%`` (the
repository root), and at its line and column when known. Its
``partialFingerprints`` hash the rule, the file and the JSON pointer, never the
line, so code scanning follows a finding when lines move above it. A waived
finding is kept, with an external suppression that carries its waiver. Policy
crashes are tool execution notifications, and make the run unsuccessful.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelrail.findings import Finding, Severity
from modelrail.reporters.links import ENGINE_DOCS, policy_doc
from modelrail.rules import engine_rule

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.policy.engine import Crash, Policy
    from modelrail.reporters import RunInfo

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
    "sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT = "modelrailFinding/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report, run: RunInfo) -> str:
    rules = _descriptors(report, run)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    seen: Counter[str] = Counter()
    results = []
    for finding in report.findings:
        key = _fingerprint(finding)
        seen[key] += 1
        results.append(_result(finding, index[finding.rule], f"{key}:{seen[key]}"))
    invocation: dict[str, Any] = {
        "executionSuccessful": not report.crashes,
        "exitCode": report.exit_code,
    }
    if report.crashes:
        invocation["toolExecutionNotifications"] = [
            _crash(crash, index) for crash in report.crashes
        ]
    driver: dict[str, Any] = {
        "name": "modelrail",
        "version": run.version,
        "rules": rules,
    }
    if run.docs_base:
        driver["informationUri"] = run.docs_url(ENGINE_DOCS)
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {"text": "The root of the repository checked."}
                    }
                },
                # PyYAML counts columns in code points, not UTF-16 units
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def artifact_uri(path: str) -> str:
    """A repository-relative path as a relative URI reference: forward
    slashes, everything else percent-encoded (UTF-8), so that ``a:b`` is not
    read as a scheme nor ``#`` as a fragment."""
    try:  # a name of undecodable bytes holds them as lone surrogates: those bytes
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = path.encode("utf-8", "backslashreplace")
    return quote(raw, safe="/")


def _descriptors(report: Report, run: RunInfo) -> list[dict[str, Any]]:
    policies = {policy.id: policy for policy in report.rules}
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        if finding.rule not in policies:
            worst[finding.rule] = max(
                worst.get(finding.rule, Severity.INFO), finding.severity
            )
    for crash in report.crashes:
        if crash.policy not in policies:
            worst.setdefault(crash.policy, Severity.ERROR)
    out = [_policy(policy, run) for policy in policies.values()]
    out += [_engine(rule_id, severity) for rule_id, severity in worst.items()]
    return sorted(out, key=lambda rule: str(rule["id"]))


def _policy(policy: Policy, run: RunInfo) -> dict[str, Any]:
    doc = policy_doc(policy)
    text = [policy.title]
    markdown = [f"**{policy.title}**"]
    if policy.rationale:
        text.append(policy.rationale)
        markdown.append(policy.rationale)
    text.append(f"How to fix: {policy.remediation}")
    markdown.append(f"How to fix: {policy.remediation}")
    for label, snippets in (("Fails", policy.fails), ("Passes", policy.passes)):
        for snippet in snippets:
            text.append(f"{label}:\n{snippet.rstrip()}")
            markdown.append(f"{label}:\n\n{_fenced(snippet.rstrip())}")
    more = f"modelrail explain {policy.id}"
    text.append(f"More: {doc}, or {more}.")
    url = run.docs_url(doc)
    where = f"[{doc}]({url})" if url else f"`{doc}`"
    markdown.append(f"More: {where}, or `{more}`.")
    descriptor: dict[str, Any] = {
        "id": policy.id,
        "name": policy.name,
        "shortDescription": {"text": policy.title},
        "fullDescription": {"text": policy.rationale or policy.title},
        "help": {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)},
        "defaultConfiguration": {"level": LEVELS[policy.severity]},
        "properties": {"tags": [policy.category]},
    }
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _engine(rule_id: str, severity: Severity) -> dict[str, Any]:
    rule = engine_rule(rule_id)
    where = f"{ENGINE_DOCS}, section 'Rules the engine itself reports'"
    text = f"{rule.title}\n\nEach finding says how to fix it. More: {where}."
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.title},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"tags": [rule.category]},
    }


def _fenced(snippet: str) -> str:
    """A YAML code block whose fence no run of backticks inside can close."""
    fences = [line.strip() for line in snippet.split("\n")]
    longest = max((len(f) for f in fences if set(f) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}yaml\n{snippet}\n{fence}"


def _fingerprint(finding: Finding) -> str:
    where = finding.location
    text = f"{finding.rule}\0{where.file}\0{where.pointer}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _location(file: str, line: int = 0, column: int = 0) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": artifact_uri(file), "uriBaseId": SRCROOT}
    }
    if line > 0:
        region = {"startLine": line}
        if column > 0:
            region["startColumn"] = column
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(finding: Finding, rule_index: int, fingerprint: str) -> dict[str, Any]:
    where = finding.location
    message = finding.message
    if finding.remediation:
        message = f"{message} (fix: {finding.remediation})"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [_location(where.file, where.line, where.column)],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }
    if where.pointer:
        result["properties"] = {"pointer": where.pointer}
    if finding.waiver:
        result["suppressions"] = [{"kind": "external", "justification": finding.waiver}]
    return result


def _crash(crash: Crash, index: dict[str, int]) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {
            "text": f"{crash}: the findings of this run are incomplete; run "
            "again with --debug for the traceback and report it to the "
            "policy's owners"
        },
        "locations": [_location(crash.file)],
        "associatedRule": {"id": crash.policy, "index": index[crash.policy]},
    }
    return notification
