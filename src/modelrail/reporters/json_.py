"""A stable JSON document; its shape is ``schemas/report.v1.json``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from modelrail.findings import Finding, Severity

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.reporters import RunInfo

FORMAT_VERSION = 1


def render(report: Report, run: RunInfo) -> str:
    document: dict[str, Any] = {
        "formatVersion": FORMAT_VERSION,
        "tool": {"name": "modelrail", "version": run.version},
        "summary": {
            "files": report.files,
            "environments": list(report.environments),
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
            "infos": report.count(Severity.INFO),
            "waived": report.waived,
            "waiversNotApplied": report.invalid_waivers,
            "policies": report.policies,
            "exitCode": report.exit_code,
        },
        "findings": [_finding(f) for f in report.findings],
    }
    if report.crashes:
        document["crashes"] = [
            {"policy": c.policy, "file": c.file, "error": c.error}
            for c in report.crashes
        ]
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file": f.location.file,
        "line": f.location.line,
        "column": f.location.column,
        "pointer": f.location.pointer,
        "rule": f.rule,
        "severity": f.severity.label,
        "message": f.message,
        "remediation": f.remediation,
    }
    if f.waiver:
        out["waiver"] = f.waiver
    return out
