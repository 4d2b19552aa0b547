#!/usr/bin/env python3
"""Time ``modelrail promote --auto`` on a synthetic repository of N models.

The repository is ``scripts/bench.py``'s (N models in every environment,
clones of the bundled specs), with prod opted in (``spec.promotion.auto:
true``, its soak 24h from staging). Staging runs a newer version than prod
for ``--due`` models only: every other model's staging spec is made prod's,
so it runs what prod runs. Everything is rendered, then committed on main at
2026-11-01T00:00:00Z. Then, each run a new process as a user (or the
workflow) runs it, ``--no-gate`` (the gate reads servers; its cost is theirs):

1. ``before_soak``: at +12h, nothing is due (each model says when it will be);
2. ``after_soak``: at +25h, one branch per due model, committed;
3. ``again``: the same, once more: nothing (promotions under way);
4. one model's branch merged and its branch deleted, then ``modelrail
   rollback --commit`` of it (timed as ``rollback``);
5. ``held``: at +3d, the rolled-back model held, the others under way.

Prints a table, or JSON with ``--json``. Each timing is one run (the runs
change the repository).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import REPO, generate, git_env

BASE = "2026-11-01T00:00:00Z"
EARLY = "2026-11-01T12:00:00Z"
LATER = "2026-11-02T01:00:00Z"
MERGED = "2026-11-02T02:00:00Z"
ROLLED = "2026-11-02T03:00:00Z"
HELD = "2026-11-04T00:00:00Z"
_VERSION = re.compile(r'(?m)^    version: "?([^"\s#]+)')


def git(root: Path, *args: str, when: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env=git_env(when), check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


def modelrail(root: Path, *args: str) -> tuple[float, str]:
    """Run ``modelrail ARGS`` in a new process; its time and stdout (exit 0)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "modelrail", *args, "--root", str(root)],
        capture_output=True, text=True, check=False, env=git_env(),
    )  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"modelrail {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-4000:]}"
        )
    return took, done.stdout


def prepare(root: Path, models: int, due: int, source: Path) -> list[str]:
    """The synthetic repository, committed; the models due in prod."""
    generate(root, models, source, tool=REPO)
    env = root / "environments" / "prod" / "environment.yaml"
    text = env.read_text(encoding="utf-8")
    assert text.count("  promotion:\n") == 1, env
    env.write_text(text.replace("  promotion:\n", "  promotion:\n    auto: true\n"))
    chosen: list[str] = []
    # fraud-detector's clones first: a container model (a KServe rollback
    # starts with the traffic alone, the version stays)
    specs = sorted(
        (root / "environments" / "staging").glob("*.yaml"),
        key=lambda p: (not p.name.startswith("fraud-detector"), p.name),
    )
    for spec in specs:
        if spec.name in ("environment.yaml", "waivers.yaml"):
            continue
        prod = root / "environments" / "prod" / spec.name
        ahead = _version(spec) != _version(prod)
        if ahead and len(chosen) < due:
            chosen.append(spec.stem)
        else:  # staging runs what prod runs: nothing to promote
            text = prod.read_text(encoding="utf-8")
            text, count = re.subn(
                r"(?m)^  environment: prod$", "  environment: staging", text
            )
            assert count == 1, prod
            spec.write_text(text, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "modelrail", "render", "--root", str(root)],
        check=True, capture_output=True,
    )  # fmt: skip
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", when=BASE)
    return chosen


def _version(path: Path) -> str | None:
    found = _VERSION.search(path.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def run(root: Path, models: int, due: int, source: Path) -> dict[str, object]:
    start = time.perf_counter()
    chosen = prepare(root, models, due, source)
    figures: dict[str, object] = {
        "models": models,
        "due": len(chosen),
        "prepare_seconds": round(time.perf_counter() - start, 2),
    }

    def auto(name: str, now: str) -> list[str]:
        took, out = modelrail(root, "promote", "--auto", "--no-gate", "--now", now)
        figures[f"{name}_seconds"] = round(took, 2)
        return out.splitlines()

    out = auto("before_soak", EARLY)
    assert sum("soaking" in line for line in out) == len(chosen), out
    assert git(root, "branch", "--list", "promote/*") == ""
    out = auto("after_soak", LATER)
    promoted = [line for line in out if ": promoted " in line]
    assert len(promoted) == len(chosen), out
    figures["lines"] = len(out)
    out = auto("again", LATER)
    assert not any(": promoted " in line for line in out), out
    first = chosen[0]
    git(root, "merge", "-q", "--no-ff", "-m", "merge", f"promote/prod/{first}",
        when=MERGED)  # fmt: skip
    git(root, "branch", "-q", "-D", f"promote/prod/{first}")
    took, _ = modelrail(
        root, "rollback", first, "--env", "prod", "--commit", "--now", ROLLED
    )
    figures["rollback_seconds"] = round(took, 2)
    out = auto("held", HELD)
    assert any(line.startswith(f"prod/{first}: skipped: held") for line in out), out
    assert not any(": promoted " in line for line in out), out
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", "-n", type=int, default=1000)
    parser.add_argument(
        "--due", type=int, default=2, help="models due in prod (default 2)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--source", type=Path, default=REPO)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.keep:
        if args.keep.exists():
            shutil.rmtree(args.keep)
        args.keep.mkdir(parents=True)
        figures = run(args.keep, args.models, args.due, args.source)
    else:
        with tempfile.TemporaryDirectory(prefix="modelrail-bench-auto-") as tmp:
            figures = run(Path(tmp), args.models, args.due, args.source)
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        for name, value in figures.items():
            print(f"{name:>20}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
