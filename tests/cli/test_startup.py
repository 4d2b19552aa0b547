"""``modelrail --help`` stays fast: heavy modules load only where they are used."""

from __future__ import annotations

import subprocess
import sys
import time

HEAVY = ("jsonschema", "jsonschema_rs", "jinja2", "kubernetes", "requests", "ruamel")


def test_cli_import_loads_no_heavy_module() -> None:
    code = (
        "import sys, modelrail.cli; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_help_is_quick() -> None:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "modelrail", "--help"],
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - start)
    assert min(times) < 0.3, times
