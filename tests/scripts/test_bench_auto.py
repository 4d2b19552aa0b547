"""The auto-promotion benchmark keeps working (small N here; the notes of
docs/auto-promotion.md run N=1000), on the tests' own repository."""

from __future__ import annotations

import json
import subprocess
import sys

from testing.repo import ROOT, bundled


def test_bench_auto_runs_each_step() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_auto.py"),
         "--models", "4", "--due", "2", "--json", "--source", str(bundled())],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    figures = json.loads(result.stdout)
    assert figures["models"] == 4
    assert figures["due"] == 2
    assert figures["lines"] == 4  # one line per model of staging
    for step in ("before_soak", "after_soak", "again", "rollback", "held"):
        assert figures[f"{step}_seconds"] > 0
