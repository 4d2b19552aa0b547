#!/usr/bin/env python3
"""Time ``modelrail check`` against checkov scanning the rendered manifests.

It generates ``scripts/bench.py``'s synthetic repository (N models in every
bundled environment, clones of the bundled specs), renders it once with this
working tree's code (``modelrail render``), then times in the same run, the
two taking turns, each the best of ``--repeat`` runs of a new process:

- checkov (the executable given by ``--checkov``; this script installs and
  downloads nothing) scanning ``rendered/`` with its Kubernetes framework only,
  offline (``--skip-download``: no call to its platform), JSON output;
- ``modelrail check`` of the same repository (``--format json``), as a user
  runs it: it judges the specs the manifests are rendered from.

Each one's peak resident size is the largest ``ru_maxrss`` of its runs
(``os.wait4``, as ``scripts/bench.py`` measures modelrail's commands). checkov
forks worker processes (one per CPU); ``ru_maxrss`` is that of its largest
process, not their sum, so its figure is a floor of its footprint.

Prints a table, or JSON with ``--json``: both times and peaks, the ratios
(checkov time / check time, check peak / checkov peak), the rendered files,
checkov's version and what its JSON summary says it scanned (resources, and
checks passed, failed and skipped), so that a reader can tell it really did.

checkov is not a dependency of modelrail: install it in a virtualenv of its
own (docs/performance.md).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench
from bench import REPO, generate, imported_from, interleaved, run_check, run_render

# the goal: check at least this much faster, and at most this share of
# checkov's peak memory
SPEEDUP_GOAL = 30.0
PEAK_RATIO_GOAL = 0.1

# what a platform key in the environment would make checkov do (reach the
# platform, upload results): never, in a benchmark
_PLATFORM_ENV = ("BC_API_KEY", "BC_API_URL", "PRISMA_API_URL")


def checkov_command(checkov: str, rendered: Path) -> list[str]:
    """checkov over ``rendered`` with the Kubernetes framework only, offline
    (``--skip-download``: no guidelines, custom policies or mappings fetched
    from its platform), the report as JSON on stdout."""
    return [
        checkov,
        "--directory", str(rendered),
        "--framework", "kubernetes",
        "--skip-download",
        "--quiet", "--compact",
        "--output", "json",
    ]  # fmt: skip


def checkov_env() -> dict[str, str]:
    """The environment checkov runs in: no platform key, never a prompt."""
    env = {k: v for k, v in os.environ.items() if k not in _PLATFORM_ENV}
    env["BC_SKIP_MAPPING"] = "TRUE"
    return env


# the largest peak resident size (KiB) of checkov's runs
CHECKOV_PEAK: list[int] = [0]


def run_checkov(command: list[str], cwd: Path, output: Path) -> None:
    """Run checkov in a new process; its JSON report goes to ``output``. Exit
    0 (nothing failed) or 1 (some checks failed) are its answers; anything
    else is an error. Its peak resident size is kept in ``CHECKOV_PEAK``."""
    with output.open("wb") as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command, stdout=out, stderr=err, cwd=cwd, env=checkov_env()
        )
        _, status, usage = os.wait4(process.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    CHECKOV_PEAK[0] = max(CHECKOV_PEAK[0], usage.ru_maxrss)  # KiB on Linux
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}:\n{stderr[-4000:]}")


def checkov_summary(text: str) -> dict[str, int]:
    """What checkov's JSON report says it scanned: one report (a dict) per
    framework, a list of them when there are several, and a bare summary
    when it found nothing to scan. Stops if there is no summary."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(
            f"checkov's output is not JSON ({error}): {text[:500]!r}"
        ) from None
    reports = data if isinstance(data, list) else [data]
    totals = {
        "resources": 0,
        "passed": 0,
        "failed": 0,
        "skipped": 0,
        "parsing_errors": 0,
    }
    found = False
    for report in reports:
        if not isinstance(report, dict):
            continue
        summary = report.get("summary", report)
        if not isinstance(summary, dict) or "passed" not in summary:
            continue
        found = True
        totals["resources"] += int(summary.get("resource_count", 0))
        for key in ("passed", "failed", "skipped", "parsing_errors"):
            totals[key] += int(summary.get(key, 0))
    if not found:
        raise SystemExit(f"checkov's output has no summary: {text[:500]!r}")
    totals["checks"] = totals["passed"] + totals["failed"] + totals["skipped"]
    return totals


def checkov_version(checkov: str) -> str:
    done = subprocess.run(
        [checkov, "--version"], capture_output=True, text=True, check=False,
        env=checkov_env(),
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(
            f"{checkov} --version exited {done.returncode}:\n{done.stderr[-2000:]}"
        )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"


def figures(
    *,
    models: int,
    rendered_files: int,
    version: str,
    checkov_seconds: float,
    checkov_peak_kib: int,
    check_seconds: float,
    check_peak_kib: int,
    scanned: dict[str, int],
    check_files: int,
) -> dict[str, object]:
    """The result: times, peaks (MiB), the ratios, and what each one read."""
    speedup = checkov_seconds / check_seconds
    peak_ratio = check_peak_kib / checkov_peak_kib
    return {
        "models_per_environment": models,
        "rendered_files": rendered_files,
        "checkov_version": version,
        "checkov_seconds": round(checkov_seconds, 3),
        "checkov_peak_mib": round(checkov_peak_kib / 1024, 1),
        "checkov_scanned": scanned,
        "check_seconds": round(check_seconds, 3),
        "check_peak_mib": round(check_peak_kib / 1024, 1),
        "check_files": check_files,
        # checkov time / check time: 30 is check 30x faster
        "speedup": round(speedup, 2),
        # check peak / checkov peak: 0.1 is a tenth of checkov's memory
        "peak_ratio": round(peak_ratio, 3),
        "goal": {
            "speedup_at_least": SPEEDUP_GOAL,
            "peak_ratio_at_most": PEAK_RATIO_GOAL,
            "met": speedup >= SPEEDUP_GOAL and peak_ratio <= PEAK_RATIO_GOAL,
        },
    }


def table(result: dict[str, object]) -> str:
    """The result as aligned rows, nested keys joined with dots."""
    rows: list[tuple[str, object]] = []

    def flat(values: dict[str, object], prefix: str) -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                flat(value, f"{prefix}{key}.")
            else:
                rows.append((f"{prefix}{key}", value))

    flat(result, "")
    width = max(len(key) for key, _ in rows)
    return "\n".join(f"{key:<{width}}  {value}" for key, value in rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--checkov",
        required=True,
        help="the checkov executable (a path, or a name on PATH); "
        "this script never installs it",
    )
    bench.add_common_options(parser, models=100)
    args = parser.parse_args(argv)
    if args.models < 1 or args.repeat < 1:
        parser.error("--models and --repeat must be at least 1")
    found = shutil.which(args.checkov)
    if found is None:
        parser.error(f"--checkov {args.checkov}: no such executable")
    args.checkov = found
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    version = checkov_version(args.checkov)
    # this working tree's modelrail, its bytecode ready as a user's would be
    imported_from(REPO)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src")],
        capture_output=True,
        check=True,
    )
    root, tmp = bench.workspace(args.keep, "modelrail-bench-checkov-")
    try:
        generate(root, args.models, args.source, tool=REPO)
        run_render(root, code=REPO)
        rendered = root / "rendered"
        rendered_files = sum(1 for p in rendered.rglob("*") if p.is_file())
        # checkov's report next to rendered/ (it scans rendered/ only), and it
        # runs there: a generated folder, with no .checkov.yaml of a project
        report = root / "checkov.json"
        checkov_s, check_s = interleaved(
            args.repeat,
            [
                functools.partial(
                    run_checkov,
                    checkov_command(args.checkov, rendered),
                    root,
                    report,
                ),
                functools.partial(run_check, root, code=REPO),
            ],
        )
        scanned = checkov_summary(report.read_text(encoding="utf-8"))
        checked = json.loads((root / "report.json").read_text(encoding="utf-8"))
    finally:
        if tmp is not None:
            tmp.cleanup()
    result = figures(
        models=args.models,
        rendered_files=rendered_files,
        version=version,
        checkov_seconds=checkov_s,
        checkov_peak_kib=CHECKOV_PEAK[0],
        check_seconds=check_s,
        check_peak_kib=bench.PEAKS[("check", str(REPO))],
        scanned=scanned,
        check_files=checked["summary"]["files"],
    )
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
