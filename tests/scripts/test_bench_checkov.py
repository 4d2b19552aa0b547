"""The checkov benchmark's own parts, without checkov (not a dependency of
modelrail): its arguments, its reading of checkov's JSON summary, its figures
and table, and one whole run at a small N with a stand-in for checkov that
answers as checkov does (docs/performance.md runs the real one, N=100)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from testing.repo import ROOT, bundled

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

# one framework: checkov prints one report (the shape of checkov 3.x's)
REPORT = {
    "check_type": "kubernetes",
    "results": {"failed_checks": [], "parsing_errors": []},
    "summary": {
        "passed": 4920,
        "failed": 3,
        "skipped": 2,
        "parsing_errors": 0,
        "resource_count": 5719,
        "checkov_version": "3.3.30",
    },
}


@pytest.fixture(scope="module")
def bench_checkov() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_checkov
    finally:
        sys.path.pop(0)
    return bench_checkov


def fake_checkov(folder: Path) -> Path:
    """An executable that answers as checkov does: its version, or a JSON
    report of a scan, exit 1 as when a check failed; it records its arguments
    and whether a platform key reached it."""
    script = folder / "checkov"
    script.write_text(
        textwrap.dedent(f"""\
            #!{sys.executable}
            import json, os, sys
            if sys.argv[1:] == ["--version"]:
                print("3.3.30")
                sys.exit(0)
            with open({str(folder / "calls.jsonl")!r}, "a") as calls:
                calls.write(json.dumps({{
                    "argv": sys.argv[1:],
                    "platform_key": "BC_API_KEY" in os.environ,
                }}) + "\\n")
            print({json.dumps(REPORT)!r})
            sys.exit(1)
            """),
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def test_arguments(bench_checkov: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):  # --checkov is required
        bench_checkov.parse_args([])
    with pytest.raises(SystemExit):  # and must be an executable
        bench_checkov.parse_args(["--checkov", str(tmp_path / "absent")])
    checkov = fake_checkov(tmp_path)
    args = bench_checkov.parse_args(["--checkov", str(checkov)])
    assert args.checkov == str(checkov)
    assert (args.models, args.repeat, args.json, args.keep) == (100, 3, False, None)
    args = bench_checkov.parse_args(
        ["--checkov", str(checkov), "-n", "5", "--repeat", "1", "--json"]
    )
    assert (args.models, args.repeat, args.json) == (5, 1, True)
    with pytest.raises(SystemExit):
        bench_checkov.parse_args(["--checkov", str(checkov), "--repeat", "0"])


def test_checkov_runs_offline_on_kubernetes_only(bench_checkov: ModuleType) -> None:
    command = bench_checkov.checkov_command("checkov", ROOT / "rendered")
    assert command[0] == "checkov"
    assert command[command.index("--directory") + 1] == str(ROOT / "rendered")
    assert command[command.index("--framework") + 1] == "kubernetes"
    assert command[command.index("--output") + 1] == "json"
    assert "--skip-download" in command  # no call to checkov's platform


def test_summary_of_one_report(bench_checkov: ModuleType) -> None:
    assert bench_checkov.checkov_summary(json.dumps(REPORT)) == {
        "resources": 5719,
        "passed": 4920,
        "failed": 3,
        "skipped": 2,
        "parsing_errors": 0,
        "checks": 4925,
    }


def test_summary_of_several_reports_and_of_none(bench_checkov: ModuleType) -> None:
    # several frameworks: a list of reports, added up
    both = bench_checkov.checkov_summary(json.dumps([REPORT, REPORT]))
    assert both["resources"] == 2 * 5719
    assert both["checks"] == 2 * 4925
    # nothing to scan: checkov prints a bare summary of zeros
    empty = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0,
             "resource_count": 0, "checkov_version": "3.3.30"}  # fmt: skip
    assert bench_checkov.checkov_summary(json.dumps(empty))["checks"] == 0
    with pytest.raises(SystemExit, match="no summary"):
        bench_checkov.checkov_summary(json.dumps({"results": {}}))
    with pytest.raises(SystemExit, match="not JSON"):
        bench_checkov.checkov_summary("Traceback (most recent call last):")


def test_figures_and_table(bench_checkov: ModuleType) -> None:
    measured = {
        "models": 100,
        "rendered_files": 5000,
        "version": "3.3.30",
        "checkov_seconds": 60.0,
        "checkov_peak_kib": 500 * 1024,
        "check_seconds": 1.5,
        "check_peak_kib": 40 * 1024,
        "scanned": bench_checkov.checkov_summary(json.dumps(REPORT)),
        "check_files": 408,
    }
    result = bench_checkov.figures(**measured)
    assert result["speedup"] == 40.0  # checkov time / check time
    assert result["peak_ratio"] == 0.08  # check peak / checkov peak
    assert (result["checkov_peak_mib"], result["check_peak_mib"]) == (500.0, 40.0)
    assert result["goal"] == {
        "speedup_at_least": 30.0,
        "peak_ratio_at_most": 0.1,
        "met": True,
    }
    slower = bench_checkov.figures(**(measured | {"check_seconds": 2.5}))
    assert slower["speedup"] == 24.0
    assert slower["goal"]["met"] is False
    bigger = bench_checkov.figures(**(measured | {"check_peak_kib": 60 * 1024}))
    assert bigger["peak_ratio"] == 0.12
    assert bigger["goal"]["met"] is False
    lines = bench_checkov.table(result).splitlines()
    rows = dict(line.split(None, 1) for line in lines)
    assert rows["speedup"] == "40.0"
    assert rows["checkov_scanned.resources"] == "5719"
    assert rows["checkov_version"] == "3.3.30"
    assert rows["goal.met"] == "True"
    # aligned: every value starts in the same column
    assert (
        len(
            {
                line.index(value)
                for line, value in zip(lines, rows.values(), strict=True)
            }
        )
        == 1
    )


def test_whole_run_with_a_stand_in_for_checkov(tmp_path: Path) -> None:
    checkov = fake_checkov(tmp_path)
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_checkov.py"),
         "--models", "1", "--repeat", "2", "--json", "--source", str(bundled()),
         "--checkov", str(checkov)],
        capture_output=True, text=True, check=True, timeout=600,
        env={**os.environ, "BC_API_KEY": "not-a-key"},
    )  # fmt: skip
    figures = json.loads(result.stdout)
    assert figures["models_per_environment"] == 1
    assert figures["rendered_files"] > 4 * 5  # an app is a dozen files
    assert figures["checkov_version"] == "3.3.30"
    assert figures["checkov_scanned"]["resources"] == 5719  # the stand-in's
    assert figures["check_files"] == 4 * 1 + 8
    assert figures["checkov_seconds"] > 0
    assert figures["check_seconds"] > 0
    assert 1 < figures["checkov_peak_mib"] < 4096
    assert 10 < figures["check_peak_mib"] < 4096
    ratio = figures["checkov_seconds"] / figures["check_seconds"]
    assert figures["speedup"] == pytest.approx(ratio, rel=0.05, abs=0.01)
    calls = [
        json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()
    ]
    assert len(calls) == 2  # --repeat 2; --version is not a scan
    for call in calls:
        assert not call["platform_key"]
        argv = call["argv"]
        assert argv[argv.index("--framework") + 1] == "kubernetes"
        assert "--skip-download" in argv
        assert argv[argv.index("--directory") + 1].endswith("rendered")
