#!/usr/bin/env python3
"""Benchmark ``modelrail check`` against the floor of merely parsing the same files.

It generates a synthetic repository in a temp dir: the bundled environments
with N models each (clones of the bundled specs under new names, versions and
digests, so each is a realistic 2-4 KB spec), then times, in the same run:

- the floor: reading every file and composing it with libyaml's C loader;
- ``modelrail check`` over the whole repository, as a user runs it (a new
  process, so start-up counts);
- ``modelrail render`` of the whole repository into ``rendered/`` (every
  manifest rendered, parsed back, validated against the Kubernetes and CRD
  schemas, and the folder swapped in), and ``modelrail render --check``;
- ``modelrail check --base HEAD`` after one spec changed in the working tree
  of the same repository made a git repository (a pull request's check: only
  the touched model, in every environment);
- ``modelrail --help``.

Each is the best of ``--repeat`` runs. Prints a table, or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def generate(target: Path, models: int, source: Path = REPO) -> list[Path]:
    """Write a repository of ``models`` models in every bundled environment,
    with the bundled schemas and every policy (all of them run)."""
    shutil.copytree(source / "schemas", target / "schemas")
    shutil.copytree(source / "render", target / "render")
    shutil.copytree(
        source / "policies",
        target / "policies",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    files: list[Path] = []
    for env_dir in sorted((source / "environments").iterdir()):
        if not env_dir.is_dir():
            continue
        out = target / "environments" / env_dir.name
        out.mkdir(parents=True)
        templates = []
        for path in sorted(env_dir.glob("*.yaml")):
            if path.name in ("environment.yaml", "waivers.yaml"):
                shutil.copy(path, out / path.name)
                files.append(out / path.name)
            else:
                templates.append((path.stem, path.read_text(encoding="utf-8")))
        for i in range(models):
            stem, text = templates[i % len(templates)]
            name = f"{stem}-{i:04d}"
            spec = out / f"{name}.yaml"
            spec.write_text(_variant(text, stem, name, i), encoding="utf-8")
            files.append(spec)
    return files


def _variant(text: str, stem: str, name: str, i: int) -> str:
    """The template under a new name, with digests unique to the model."""
    text = text.replace(f"name: {stem}\n", f"name: {name}\n", 1)
    out = []
    for line in text.splitlines(keepends=True):
        if "sha256:" in line:
            head, _, tail = line.partition("sha256:")
            digest = hashlib.sha256(f"{name}:{tail[:64]}".encode()).hexdigest()
            line = f"{head}sha256:{digest}{tail[64:]}"
        out.append(line)
    return "".join(out)


def floor(files: list[Path]) -> None:
    """Read and compose every file with libyaml: the least any checker must do."""
    for path in files:
        yaml.compose(path.read_bytes(), Loader=yaml.CSafeLoader)


def best_of(repeat: int, func: object, *args: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def _modelrail(*args: str, detail: Path | None = None) -> None:
    """Run ``modelrail ARGS`` as a user would (a new process); it must exit 0."""
    result = subprocess.run(
        [sys.executable, "-m", "modelrail", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        more = detail.read_text()[:4000] if detail and detail.exists() else ""
        raise SystemExit(
            f"modelrail {' '.join(args)} exited {result.returncode} on the "
            f"synthetic repository:\n{result.stdout[-2000:]}{result.stderr[-4000:]}"
            f"\n{more}"
        )


def run_check(root: Path) -> None:
    report = root / "report.json"
    _modelrail(
        "check", "--root", str(root), "--format", "json", "--output", str(report),
        detail=report,
    )  # fmt: skip


CHANGED = "environments/staging/fraud-detector-0001.yaml"


def commit_and_change(root: Path) -> None:
    """Make ``root`` a git repository with everything committed, then change
    one spec in the working tree (its description), as a pull request would."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A", "environments", "policies", "schemas", "render"],
        ["commit", "-q", "-m", "base"],
    ):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    spec = root / CHANGED
    text = spec.read_text(encoding="utf-8")
    head, sep, tail = text.partition("  description: ")
    assert sep, f"{spec} has no description"
    spec.write_text(f"{head}{sep}Changed by the benchmark. {tail}", encoding="utf-8")


def run_check_base(root: Path) -> None:
    report = root / "report-base.json"
    _modelrail(
        "check", "--root", str(root), "--base", "HEAD", "--format", "json",
        "--output", str(report), detail=report,
    )  # fmt: skip


def run_render(root: Path, *extra: str) -> None:
    _modelrail("render", "--root", str(root), *extra)


def run_help() -> None:
    subprocess.run(
        [sys.executable, "-m", "modelrail", "--help"],
        capture_output=True,
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        "-n",
        type=int,
        default=1000,
        help="models per environment (default 1000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--keep", type=Path, default=None, help="generate into this folder and keep it"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=REPO,
        help="the repository whose environments and specs are cloned "
        "(default: this one)",
    )
    args = parser.parse_args(argv)

    tmp = None
    if args.keep:
        root = args.keep
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="modelrail-bench-")
        root = Path(tmp.name)
    try:
        files = generate(root, args.models, args.source)
        sizes = [
            p.stat().st_size
            for p in files
            if p.name not in ("environment.yaml", "waivers.yaml")
        ]
        floor_s = best_of(args.repeat, floor, files)
        check_s = best_of(args.repeat, run_check, root)
        render_s = best_of(args.repeat, run_render, root)
        render_check_s = best_of(args.repeat, run_render, root, "--check")
        rendered = sum(1 for p in (root / "rendered").rglob("*") if p.is_file())
        commit_and_change(root)
        check_base_s = best_of(args.repeat, run_check_base, root)
        checked = json.loads((root / "report-base.json").read_text())["summary"]
        help_s = best_of(args.repeat, run_help)
    finally:
        if tmp is not None:
            tmp.cleanup()
    result = {
        "models_per_environment": args.models,
        "files": len(files),
        "spec_bytes_min": min(sizes),
        "spec_bytes_max": max(sizes),
        "floor_seconds": round(floor_s, 4),
        "check_seconds": round(check_s, 4),
        "ratio": round(check_s / floor_s, 2),
        "check_base_seconds": round(check_base_s, 4),
        "check_base_files": checked["files"],
        "render_seconds": round(render_s, 4),
        "render_check_seconds": round(render_check_s, 4),
        "rendered_files": rendered,
        "help_seconds": round(help_s, 4),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
