"""``check`` judges model by model, in several processes: the same report.

The bundled repository's specs are copied under many names (a model in
every environment, as a real repository has), and broken in ways that give
findings at lines that differ from file to file: a key too many (the
schema), a policy hit moved down by comment lines, a duplicate key, a
model's name declared twice, waivers that waive, go stale or are malformed.
Proven: the report is the same, every format byte for byte, in one process
and in several; and each finding of a broken file is where the file has it
(documents are forgotten once judged, so a position is found while the
document is still there, and in the process that read it).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import TYPE_CHECKING

import pytest

from modelrail.check import runner
from modelrail.check.runner import Options, run
from modelrail.reporters import FORMATS, REPORTERS, RunInfo
from modelrail.repository.layout import Repository

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.check.report import Report

ENVIRONMENTS = ("dev", "test", "staging", "prod")
COPIES = 12
TODAY = datetime.date(2026, 6, 1)
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def _copies(repo: Path) -> dict[str, int]:
    """Copy each spec of each environment ``COPIES`` times (``<name>-<i>``),
    break some of them; return the line each broken file's finding is on."""
    expected: dict[str, int] = {}
    for env in ENVIRONMENTS:
        folder = repo / "environments" / env
        for spec in sorted(folder.glob("*.yaml")):
            if spec.stem in ("environment", "waivers"):
                continue
            text = spec.read_text(encoding="utf-8")
            for i in range(COPIES):
                name = f"{spec.stem}-{i}"
                copy = text.replace(f"  name: {spec.stem}\n", f"  name: {name}\n", 1)
                copy, line = _break(copy, i)
                (folder / f"{name}.yaml").write_text(copy, encoding="utf-8")
                if line:
                    expected[f"environments/{env}/{name}.yaml"] = line
    return expected


def _break(text: str, i: int) -> tuple[str, int]:
    """``text`` broken one way for some ``i`` and the line of its finding."""
    lines = text.splitlines(keepends=True)
    metadata = lines.index("metadata:\n")
    if i % 4 == 1:  # an unknown key, after i comment lines: MR-SCHEMA
        lines[metadata + 1 : metadata + 1] = ["  # pad\n"] * i + ["  colour: red\n"]
        return "".join(lines), metadata + 2 + i
    if i % 4 == 2:  # a duplicate key, further down each time: MR-LOAD
        lines[metadata + 1 : metadata + 1] = ["  # pad\n"] * i + ["  team: a\n"]
        team = next(n for n, line in enumerate(lines) if line.startswith("  team: "))
        later = next(
            n
            for n, line in enumerate(lines)
            if n > team and line.startswith("  team: ")
        )
        return "".join(lines), later + 1
    if i % 4 == 3:  # a policy's finding (MR-SEC-002), waived for one model
        return text.replace(
            "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1
        ), 0
    return text, 0


def _waivers(repo: Path) -> None:
    staging = repo / "environments" / "staging" / "waivers.yaml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            "waivers: []",
            "waivers:\n"
            + "".join(
                f'  - {{policy: {policy}, model: {model}, reason: "a known issue '
                f'the team is fixing", ticket: FIX-{n}, expires: "2026-07-01", '
                f'approvedBy: a@example.com, approvedOn: "2026-05-01"}}\n'
                for n, (policy, model) in enumerate(
                    [
                        ("MR-OPS-006", "fraud-detector-3"),
                        ("MR-SEC-002", "churn-predictor-0"),
                        ("MR-SEC-002", "fraud-detector-3"),
                        ("MR-SLO-001", "no-such-model"),
                        ("BAD", "fraud-detector-7"),
                    ]
                )
            ),
        ),
        encoding="utf-8",
    )


@pytest.fixture
def many(repo: Path) -> tuple[Path, dict[str, int]]:
    expected = _copies(repo)
    # a model declared twice in one environment
    prod = repo / "environments" / "prod"
    (prod / "zz-fraud-detector-0.yaml").write_bytes(
        (prod / "fraud-detector-0.yaml").read_bytes()
    )
    _waivers(repo)
    return repo, expected


def _check(root: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.setattr(runner, "PARALLEL_FILES", 1)
    return run(Repository(root), options=Options(today=TODAY, now=NOW, jobs=jobs))


def test_the_same_report_in_one_process_and_in_several(
    many: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = many
    one = _check(root, 1, monkeypatch)
    assert len(one.checked) > 4 * 4 * COPIES
    rules = {f.rule for f in one.findings}
    assert {"MR-SCHEMA", "MR-LOAD", "MR-REPO-005"} <= rules
    assert any(r.startswith("MR-WAIVER") for r in rules)
    assert any(f.waived for f in one.findings)
    for jobs in (2, 3):
        several = _check(root, jobs, monkeypatch)
        # each run loads the policies anew: their check functions differ
        assert [p.id for p in several.rules] == [p.id for p in one.rules]
        assert dataclasses.replace(several, rules=()) == dataclasses.replace(
            one, rules=()
        )
        info = RunInfo("0")
        for fmt in FORMATS:
            assert REPORTERS[fmt](several, info) == REPORTERS[fmt](one, info), fmt


def test_findings_are_where_their_files_have_them(
    many: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, expected = many
    report = _check(root, 2, monkeypatch)
    found: dict[str, set[int]] = {}
    for finding in report.findings:
        if finding.rule in ("MR-SCHEMA", "MR-LOAD"):
            found.setdefault(finding.location.file, set()).add(finding.location.line)
    for path, line in expected.items():
        assert line in found.get(path, set()), path
        text = (root / path).read_text(encoding="utf-8").splitlines()[line - 1]
        assert re.match(r"  (colour|team): ", text), (path, text)
    # the duplicate name: on the second file, at its metadata.name
    [duplicate] = [f for f in report.findings if f.rule == "MR-REPO-005"]
    assert duplicate.location.file == "environments/prod/zz-fraud-detector-0.yaml"
    assert duplicate.location.line == 5
    assert "environments/prod/fraud-detector-0.yaml" in duplicate.message
