#!/usr/bin/env python3
"""Benchmark ``modelrail check`` against the floor of merely parsing the same files.

It generates a synthetic repository in a temp dir: the bundled environments
with N models each (clones of the bundled specs under new names, versions and
digests, so each is a realistic 2-4 KB spec), then times, in the same run:

- the floor: reading every file and composing it with libyaml's C loader;
- ``modelrail check`` over the whole repository, as a user runs it (a new
  process, so start-up counts);
- ``modelrail render`` of the whole repository into an empty ``rendered/``
  (every manifest rendered, parsed back, validated against the Kubernetes and
  CRD schemas, written, and the folder swapped in; the previous run's output
  set aside untimed, and the first run no sooner than ``--settle`` seconds
  after the bench started: ``settle()`` says why); ``modelrail render
  --check`` of that output (each folder trusted by its ``render.sum``: its
  files hashed, nothing rendered); ``render --full`` and ``render --check
  --full`` (everything rendered again, nothing trusted);
- ``modelrail check --base HEAD`` after one spec changed in the working tree
  of the same repository made a git repository (a pull request's check: only
  the touched model, in every environment), and with that one change
  ``modelrail render --check`` (which finds the change: exit 1) and
  ``modelrail diff --base HEAD``;
- ``modelrail --help``.

Each is the best of ``--repeat`` runs; each command's peak resident size is
the largest of its runs (``os.wait4``'s ``ru_maxrss`` of that process).
Prints a table, or JSON with ``--json``.

``--against REF`` also times the code of git revision REF in the same run, to
judge a change against what it started from: REF's tree is laid out in a temp
folder, each side runs its own tree's code (``PYTHONPATH=<tree>/src``) on a
synthetic repository made with its own schemas, templates and policy modules
and the same specs (``--source``'s environments and profiles), the timed runs
take turns (working tree, REF, working tree, REF...), and REF's figures come
with the ratio working tree / REF of each timing.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

REPO = Path(__file__).resolve().parent.parent


def generate(
    target: Path, models: int, source: Path = REPO, tool: Path | None = None
) -> list[Path]:
    """Write a repository of ``models`` models in every bundled environment,
    with the bundled schemas and every policy (all of them run).

    Everything comes from ``source``; with ``tool``, the schemas, templates
    and policy modules come from there, and only the specs, environments and
    policy profiles (the team's content) from ``source``."""
    tool = tool or source
    shutil.copytree(tool / "schemas", target / "schemas")
    shutil.copytree(tool / "render", target / "render")
    shutil.copytree(
        tool / "policies",
        target / "policies",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    profiles = source / "policies" / "profiles.yaml"
    if tool != source and profiles.is_file():
        shutil.copy(profiles, target / "policies" / "profiles.yaml")
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


def interleaved(
    repeat: int,
    runs: Sequence[Callable[[], object]],
    before: Sequence[Callable[[], object]] = (),
) -> list[float]:
    """The best of ``repeat`` runs of each of ``runs``, which take turns (A, B,
    B, A, A, B...) so that each sees the same machine. What earlier runs wrote
    is flushed to disk before each (os.sync, untimed): a render's 10,000 files
    otherwise slow down whichever run comes after it. ``before[i]``, when
    given, prepares each run of ``runs[i]`` (untimed too)."""
    times: list[list[float]] = [[] for _ in runs]
    order = list(range(len(runs)))
    for _ in range(repeat):
        for i in order:
            if before:
                before[i]()
            if hasattr(os, "sync"):
                os.sync()
            start = time.perf_counter()
            runs[i]()
            times[i].append(time.perf_counter() - start)
        order.reverse()
    return [min(spent) for spent in times]


def _env(code: Path | None) -> dict[str, str] | None:
    """The environment of a run of the modelrail in ``code``/src (None: the
    installed one, whatever the environment says)."""
    return None if code is None else {**os.environ, "PYTHONPATH": str(code / "src")}


# the largest peak resident size (KiB) of each command on each side's code
PEAKS: dict[tuple[str, str], int] = {}


def _modelrail(
    *args: str,
    detail: Path | None = None,
    code: Path | None = None,
    label: str | None = None,
    exits: tuple[int, ...] = (0,),
) -> None:
    """Run ``modelrail ARGS`` as a user would (a new process); it must exit
    with one of ``exits``. Its peak resident size is kept in ``PEAKS``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "modelrail", *args],
            stdout=out,
            stderr=err,
            env=_env(code),
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    key = (label or args[0], str(code))
    PEAKS[key] = max(PEAKS.get(key, 0), usage.ru_maxrss)  # KiB on Linux
    if process.returncode not in exits:
        more = detail.read_text()[:4000] if detail and detail.exists() else ""
        raise SystemExit(
            f"modelrail {' '.join(args)} exited {process.returncode} on the "
            f"synthetic repository{f' (the code of {code})' if code else ''}:\n{stdout[-2000:]}{stderr[-4000:]}"
            f"\n{more}"
        )


def run_check(root: Path, code: Path | None = None) -> None:
    report = root / "report.json"
    _modelrail(
        "check", "--root", str(root), "--format", "json", "--output", str(report),
        detail=report, code=code,
    )  # fmt: skip


CHANGED = "environments/staging/fraud-detector-0001.yaml"


def git_env(when: str | None = None) -> dict[str, str]:
    """git's environment for the synthetic repositories: no user or system
    configuration, a fixed author, and with ``when`` a fixed date."""
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    return env


def commit_and_change(root: Path) -> None:
    """Make ``root`` a git repository with everything committed, then change
    one spec in the working tree (its description), as a pull request would."""
    env = git_env()
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


def run_check_base(root: Path, code: Path | None = None) -> None:
    report = root / "report-base.json"
    _modelrail(
        "check", "--root", str(root), "--base", "HEAD", "--format", "json",
        "--output", str(report), detail=report, code=code, label="check_base",
    )  # fmt: skip


def run_render(root: Path, *extra: str, code: Path | None = None) -> None:
    label = "_".join(["render", *(e.lstrip("-") for e in extra)])
    _modelrail("render", "--root", str(root), *extra, code=code, label=label)


def run_render_fresh(root: Path, code: Path | None = None) -> None:
    """``render`` with nothing rendered yet: every model rendered and written
    (``set_aside`` empties ``rendered/`` first, untimed)."""
    _modelrail("render", "--root", str(root), code=code, label="render")


def settle(started: float, seconds: float) -> None:
    """Wait until ``seconds`` have passed since ``started`` (time.monotonic).

    A render creates 57,000 files. On ext4 without a journal (this kind of
    VM's disk), the kernel skips the inode numbers freed in the last minute
    when it allocates one, checking them one by one (``recently_deleted``
    in fs/ext4/ialloc.c: 60 s once the inode table is written back, which
    the ``os.sync()`` before each timed run does). Right after an earlier
    bench deleted its 230,000 files, a render here took 10.4 s instead of
    8.6 s, all of it system time. Nothing this bench deletes comes before
    the renders (``set_aside``); waiting this long from the start keeps
    what ran before the bench out of them too."""
    left = started + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)


def set_aside(root: Path) -> None:
    """Move ``rendered/`` out of the way, into ``root``'s ``.set-aside/``
    (deleted with the whole synthetic repository at the end), rather than
    delete it. Deleting its 57,000 files would slow down the render that
    follows: on ext4 without a journal (this kind of VM's disk), the kernel
    skips inode numbers freed in the last minute or more when it allocates
    one (``recently_deleted`` in fs/ext4/ialloc.c), and a render right
    after such a deletion spent 6.7 s of system time creating its files
    instead of 2.1 s (``settle``). The bench times a render in a fresh
    clone; one right after deleting a rendered tree pays that cost (README,
    Performance)."""
    rendered = root / "rendered"
    if rendered.exists():
        aside = root / ".set-aside"
        aside.mkdir(exist_ok=True)
        rendered.rename(aside / str(len(list(aside.iterdir()))))


def run_render_check_changed(root: Path, code: Path | None = None) -> None:
    """``render --check`` after the one change: it must find it (exit 1)."""
    _modelrail(
        "render", "--root", str(root), "--check", code=code,
        label="render_check_changed", exits=(1,),
    )  # fmt: skip


def run_diff_base(root: Path, code: Path | None = None) -> None:
    _modelrail(
        "diff", "--root", str(root), "--base", "HEAD", "--output",
        str(root / "diff.txt"), code=code, label="diff_base",
    )  # fmt: skip


def run_help(code: Path | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "modelrail", "--help"],
        capture_output=True,
        check=True,
        env=_env(code),
    )


def checkout(repo: Path, revision: str, target: Path) -> str:
    """``revision``'s tree of the git repository ``repo`` written to ``target``
    (git archive); the commit's full id."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise SystemExit(f"--against {revision}: no commit of that name in {repo}")
    commit = found.stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="tar")
    return commit


def imported_from(code: Path) -> None:
    """Stop unless the modelrail that runs with ``code``'s environment is
    ``code``/src's."""
    where = subprocess.run(
        [sys.executable, "-c", "import modelrail; print(modelrail.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=_env(code),
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to((code / "src").resolve()):
        raise SystemExit(f"modelrail is imported from {where}, not {code / 'src'}")


def add_common_options(parser: argparse.ArgumentParser, models: int) -> None:
    """The options every bench script takes: ``--models`` (default
    ``models``), ``--repeat``, ``--json``, ``--keep`` and ``--source``."""
    parser.add_argument(
        "--models",
        "-n",
        type=int,
        default=models,
        help=f"models per environment (default {models})",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each timing (default 3)"
    )
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


def workspace(
    keep: Path | None, prefix: str
) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """The folder the synthetic repository is generated into: ``keep``,
    emptied (kept after), else a temporary folder (the second value: its
    ``cleanup()`` deletes it)."""
    if keep:
        if keep.exists():
            shutil.rmtree(keep)
        keep.mkdir(parents=True)
        return keep, None
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    return Path(tmp.name), tmp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(parser, models=1000)
    parser.add_argument(
        "--against",
        metavar="REF",
        default=None,
        help="also time the code of this git revision, in the same run, and "
        "give the ratio working tree / REF of each timing",
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=REPO,
        help="the git repository --against reads REF from (default: this one)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time the renders no sooner than SECONDS after the bench started "
        "(default 60; see settle())",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()

    against = None
    root, tmp = workspace(args.keep, "modelrail-bench-")
    # (synthetic repository, the code that runs on it: None for the installed one)
    sides: list[tuple[Path, Path | None]] = [(root, None)]
    try:
        if args.against:
            # both sides explicit: this tree's code, and REF's in a temp folder
            # (not kept by --keep) with a synthetic repository of its own
            against = tempfile.TemporaryDirectory(prefix="modelrail-bench-against-")
            tree, other = Path(against.name) / "tree", Path(against.name) / "repo"
            commit = checkout(args.repo, args.against, tree)
            generate(other, args.models, args.source, tool=tree)
            sides = [(root, REPO), (other, tree)]
            for code in (REPO, tree):
                imported_from(code)
                # each side's bytecode ready, as the working tree's usually is
                subprocess.run(
                    [sys.executable, "-m", "compileall", "-q", str(code / "src")],
                    capture_output=True,
                    check=True,
                )
        files = generate(root, args.models, args.source, tool=sides[0][1])
        sizes = [
            p.stat().st_size
            for p in files
            if p.name not in ("environment.yaml", "waivers.yaml")
        ]

        def each(run: Callable[..., None], *extra: str) -> list[float]:
            """The best time of ``run`` on each side, the sides taking turns."""
            return interleaved(
                args.repeat,
                [functools.partial(run, r, *extra, code=c) for r, c in sides],
            )

        floor_s = best_of(args.repeat, floor, files)
        check_s = each(run_check)
        settle(started, args.settle)
        render_s = interleaved(
            args.repeat,
            [functools.partial(run_render_fresh, r, code=c) for r, c in sides],
            [functools.partial(set_aside, r) for r, _ in sides],
        )
        render_check_s = each(run_render, "--check")
        # --full is this tree's (a revision before it has no such option)
        mine = sides[:1]
        render_full_s = interleaved(
            args.repeat,
            [functools.partial(run_render, r, "--full", code=c) for r, c in mine],
        )
        render_check_full_s = interleaved(
            args.repeat,
            [
                functools.partial(run_render, r, "--check", "--full", code=c)
                for r, c in mine
            ],
        )
        rendered = [
            sum(1 for p in (r / "rendered").rglob("*") if p.is_file()) for r, _ in sides
        ]
        for r, _ in sides:
            commit_and_change(r)
        check_base_s = each(run_check_base)
        render_check_changed_s = each(run_render_check_changed)
        diff_base_s = each(run_diff_base)
        checked = [
            json.loads((r / "report-base.json").read_text())["summary"]
            for r, _ in sides
        ]
        help_s = interleaved(
            args.repeat, [functools.partial(run_help, code=c) for _, c in sides]
        )
    finally:
        for folder in (tmp, against):
            if folder is not None:
                folder.cleanup()
    figures = [
        {
            "check_seconds": round(check_s[i], 4),
            "check_base_seconds": round(check_base_s[i], 4),
            "check_base_files": checked[i]["files"],
            "render_seconds": round(render_s[i], 4),
            "render_check_seconds": round(render_check_s[i], 4),
            **(
                {
                    "render_full_seconds": round(render_full_s[i], 4),
                    "render_check_full_seconds": round(render_check_full_s[i], 4),
                }
                if i == 0
                else {}
            ),
            "render_check_changed_seconds": round(render_check_changed_s[i], 4),
            "diff_base_seconds": round(diff_base_s[i], 4),
            "rendered_files": rendered[i],
            "help_seconds": round(help_s[i], 4),
            "peak_mib": {
                label: round(kib / 1024, 1)
                for (label, code), kib in sorted(PEAKS.items())
                if code == str(sides[i][1])
            },
        }
        for i in range(len(sides))
    ]
    result: dict[str, object] = {
        "models_per_environment": args.models,
        "files": len(files),
        "spec_bytes_min": min(sizes),
        "spec_bytes_max": max(sizes),
        "floor_seconds": round(floor_s, 4),
        "check_seconds": figures[0]["check_seconds"],  # here, as it always was
        "ratio": round(check_s[0] / floor_s, 2),
        **figures[0],
    }
    if args.against:
        timings = {
            "check": check_s,
            "check_base": check_base_s,
            "render": render_s,
            "render_check": render_check_s,
            "render_check_changed": render_check_changed_s,
            "diff_base": diff_base_s,
            "help": help_s,
        }
        result["against"] = {
            "revision": args.against,
            "commit": commit,
            **figures[1],
            # working tree / REF: 1.05 is 5 % slower than REF
            "ratios": {name: round(t[0] / t[1], 3) for name, t in timings.items()},
        }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        rows = dict(_flat(result))
        width = max(map(len, rows))
        for key, value in rows.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _flat(values: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """A nested dict's rows, keys joined with dots."""
    rows: list[tuple[str, object]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            rows.extend(_flat(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


if __name__ == "__main__":
    sys.exit(main())
