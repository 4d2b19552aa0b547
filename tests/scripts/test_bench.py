"""The benchmark keeps working (small N here; the closing notes run N=1000),
on the tests' own repository: the live environments are not the tool's."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from modelrail.check.runner import run
from modelrail.repository.layout import Repository
from testing.git import git
from testing.repo import ROOT, bundled

if TYPE_CHECKING:
    from pathlib import Path


def test_bench_runs_and_reports_a_ratio() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"),
         "--models", "3", "--repeat", "1", "--json", "--source", str(bundled()),
         "--settle", "0"],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    figures = json.loads(result.stdout)
    assert figures["files"] == 4 * 3 + 8  # 3 models and 2 files per environment
    assert figures["floor_seconds"] > 0
    assert figures["check_seconds"] > 0
    ratio = figures["check_seconds"] / figures["floor_seconds"]
    assert figures["ratio"] == pytest.approx(ratio, rel=0.05)
    assert 2000 <= figures["spec_bytes_min"] <= figures["spec_bytes_max"] < 8192
    # the pull request's view: one spec changed, render --check finds it
    assert figures["render_check_changed_seconds"] > 0
    assert figures["diff_base_seconds"] > 0
    peaks = figures["peak_mib"]
    assert set(peaks) == {
        "check", "check_base", "render", "render_check", "render_check_changed",
        "diff_base", "render_full", "render_check_full",
    }  # fmt: skip
    # everything rendered again, nothing trusted
    assert figures["render_full_seconds"] > 0
    assert figures["render_check_full_seconds"] > 0
    # a Python process holds at least its interpreter; a render more than a check
    assert all(10 < mib < 4096 for mib in peaks.values()), peaks


def test_bench_against_a_revision_times_both_in_one_run() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"),
         "--models", "2", "--repeat", "1", "--json", "--source", str(bundled()),
         "--against", "HEAD", "--settle", "0"],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    figures = json.loads(result.stdout)
    against = figures.pop("against")
    assert figures["files"] == 4 * 2 + 8  # the working tree's, as without --against
    assert against["revision"] == "HEAD"
    assert against["commit"] == git(ROOT, "rev-parse", "HEAD")
    # the same specs on both sides
    assert against["rendered_files"] == figures["rendered_files"] > 0
    assert against["check_base_files"] == figures["check_base_files"] > 0
    ratios = against.pop("ratios")
    assert set(ratios) == {
        "check", "check_base", "render", "render_check", "render_check_changed",
        "diff_base", "help",
    }  # fmt: skip
    for name, ratio in ratios.items():
        ours, theirs = figures[f"{name}_seconds"], against[f"{name}_seconds"]
        assert theirs > 0
        assert ratio == pytest.approx(ours / theirs, rel=0.05)


def test_synthetic_repository_is_clean_and_realistic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    files = bench.generate(tmp_path, 6, bundled())
    assert len(files) == 4 * 6 + 8
    report = run(Repository(tmp_path))
    assert report.findings == ()
    assert report.files == len(files)
    names = {p.stem for p in files}
    assert {
        "churn-predictor-0000",
        "fraud-detector-0001",
        "product-recommender-0002",
        "support-assistant-0003",
    } <= names


def test_each_render_into_an_empty_folder_sets_the_last_one_aside_untimed(
    tmp_path: Path,
) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    bench.set_aside(tmp_path)  # nothing rendered yet: nothing to move
    assert not (tmp_path / ".set-aside").exists()
    seen: list[tuple[str, bool]] = []

    def render() -> None:
        seen.append(("render", (tmp_path / "rendered").exists()))
        (tmp_path / "rendered").mkdir()
        (tmp_path / "rendered" / "a.yaml").write_text(str(len(seen)))

    def prepare() -> None:
        seen.append(("aside", (tmp_path / "rendered").exists()))
        bench.set_aside(tmp_path)

    bench.interleaved(3, [render], [prepare])
    # each render found no rendered/; the earlier ones were moved, not deleted
    assert seen == [("aside", False), ("render", False)] + 2 * [
        ("aside", True), ("render", False)
    ]  # fmt: skip
    aside = tmp_path / ".set-aside"
    assert sorted(p.name for p in aside.iterdir()) == ["0", "1"]
    assert (aside / "0" / "a.yaml").read_text() == "2"
    assert (aside / "1" / "a.yaml").read_text() == "4"


def test_the_renders_wait_until_the_bench_has_run_for_the_settling_time() -> None:
    import time

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench
    finally:
        sys.path.pop(0)
    start = time.monotonic()
    bench.settle(start - 10, 5)  # already long enough: no wait
    assert time.monotonic() - start < 0.5
    start = time.monotonic()
    bench.settle(start, 0.3)
    assert time.monotonic() - start >= 0.3
