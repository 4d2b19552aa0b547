"""Golden files: one fixed report (tests/reporters/sample.py) in every format.

The report has errors, a warning, an info, a waived finding, a finding without
a line, a policy crash, non-ASCII text, and hostile text in messages and file
names (``a|b``, line breaks, ``%``, ``::``, ``</failure>``, ``<script>``,
control characters). After a deliberate change to a reporter, regenerate the
files and read the diff::

    MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reporters/test_golden.py

Besides the bytes, the cross-format test parses each format back and asserts
they all carry the same findings, so regenerating cannot quietly drop one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reporters import sample

if TYPE_CHECKING:
    from modelrail.findings import Finding

from modelrail.reporters import REPORTERS, RunInfo

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MODELRAIL_UPDATE_GOLDEN") == "1"
FILES = {
    "github": "report.github.txt",
    "json": "report.json",
    "junit": "report.junit.xml",
    "markdown": "report.md",
    "sarif": "report.sarif",
    "text": "report.txt",
}
RUN = RunInfo("1.2.3")


def test_every_format_has_a_golden_file() -> None:
    assert sorted(FILES) == sorted(REPORTERS)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_golden(fmt: str) -> None:
    path = GOLDEN / FILES[fmt]
    out = REPORTERS[fmt](sample.golden_report(), RUN)
    assert out == REPORTERS[fmt](sample.golden_report(), RUN)  # deterministic
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(out.encode("utf-8"))
    assert path.is_file(), f"no {path.name}: run with MODELRAIL_UPDATE_GOLDEN=1"
    assert out == path.read_bytes().decode("utf-8"), (
        f"{fmt} output differs from {path.name}; after a deliberate change run "
        "MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/reporters/test_golden.py"
    )


PARSERS = {
    "json": sample.from_json,
    "sarif": sample.from_sarif,
    "junit": sample.from_junit,
    "github": sample.from_github,
    "markdown": sample.from_markdown,
}


@pytest.mark.parametrize("fmt", sorted(PARSERS))
def test_every_format_carries_the_same_findings(fmt: str) -> None:
    report = sample.golden_report()
    expected = sample.keys(report)
    assert len(expected) == len(sample.FINDINGS)
    assert PARSERS[fmt](REPORTERS[fmt](report, RUN)) == expected


def test_the_golden_report_has_what_it_exists_for() -> None:
    report = sample.golden_report()
    severities = {f.severity for f in report.findings if not f.waived}
    assert len(severities) == 3
    assert report.waived == 1
    assert report.invalid_waivers == 1
    assert any(f.location.line == 0 for f in report.findings)
    assert any(f.location.line and not f.location.column for f in report.findings)
    assert report.crashes
    assert any(f.location.file not in report.checked for f in report.findings)
    assert not any(ord(c) > 127 for c in sample.SPEC)
    assert any(ord(c) > 127 for c in sample.ODD)


# File names each format can carry back exactly: printable (the text formats
# show control characters escaped) and not ending like a line and column.
def _name(text: str) -> str:
    """``text`` made such a name (mapped, not filtered: hypothesis gives up
    on a strategy that throws most of its draws away)."""
    name = "".join(c for c in text if c.isprintable()).strip(" ") or "x"
    return name + "_" if re.search(r":\d+:\d+$", name) else name


names = st.one_of(sample.hostile_text, st.text(min_size=1, max_size=30)).map(_name)


@settings(max_examples=100, deadline=None)
@given(sample.findings(names, st.one_of(sample.hostile_text, st.text(max_size=40))))
def test_every_format_carries_the_same_findings_whatever_the_text(
    found: list[Finding],
) -> None:
    report = sample.report_of(found)
    expected = sample.keys(report)
    for fmt, parse in PARSERS.items():
        assert parse(REPORTERS[fmt](report, RUN)) == expected, fmt
