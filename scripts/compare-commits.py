#!/usr/bin/env python3
"""Compare what two commits of modelrail print and write, byte by byte.

    python scripts/compare-commits.py BEFORE [AFTER]     # AFTER defaults to HEAD

For a refactor that must not change anything a user sees. Each commit's tree
is laid out in turn at the same absolute path, ``T/repo`` in a temporary
folder ``T`` (so that paths in outputs are equal), and its own code runs there
as ``python -m modelrail ...`` with ``PYTHONPATH=T/repo/src`` (this script
imports nothing of modelrail, so it works whatever the layout of ``src/``), on
that commit's own ``environments/``, ``policies/``, ``schemas/``, ``render/``
and ``rendered/``, committed once with fixed dates in a fresh git repository
(only those folders: a change of ``src/`` changes no commit id). The outputs
listed in ``OUTPUTS`` (stdout, stderr and exit code of each command, and the
files some leave behind) are copied to ``T/out-BEFORE`` and ``T/out-AFTER``,
then compared: one line per output, ``same`` or ``DIFFERS`` with a unified
diff (cut at ``--lines`` lines).

Every run has a fixed environment: git's identity and dates, no system or
user git config, TZ=UTC, LC_ALL=C.UTF-8, NO_COLOR=1, COLUMNS=80,
PYTHONHASHSEED=0, and ``--today``/``--now`` where a command takes them.

Exit codes: 0 every output identical, 1 any differs, 2 bad input (an unknown
revision, a commit without src/modelrail or without a command of the table).
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

TODAY = "2026-11-21"
NOW = "2026-11-21T00:00:00Z"
# The date of every commit made here: the versions in staging have soaked by NOW.
COMMITTED = "2026-11-01T00:00:00Z"
WHEN = ("--today", TODAY, "--now", NOW)

# What the temporary repository commits: the inputs of every command.
INPUTS = ("environments", "policies", "schemas", "render")
COMMITTED_PATHS = (*INPUTS, "rendered")
BASE = "main"  # its branch: the commit before the promotion

PROMOTE_FROM, PROMOTE_TO = "staging", "prod"
PREFERRED_MODEL = "fraud-detector"
BODY = "pr-body.md"  # promote --body, written to T/ (outside the repository)
COMMITS = "commits"  # in T/out-*: the ids of the commits made, oldest first

COMMANDS = ("check", "diff", "explain", "gate", "new", "policies", "promote", "render")
CHECK_FORMATS = ("github", "json", "junit", "markdown", "sarif", "text")
POLICIES_FORMATS = ("table", "markdown", "json")
PROFILES = ("production", "staging", "test", "development")
DIFF_FORMATS = ("text", "markdown")


@dataclass(frozen=True)
class Output:
    """A command whose stdout, stderr and exit code are compared.

    ``argv`` starts with ``modelrail`` (the commit's code) or ``git``; ``{model}``
    and ``{body}`` are filled in. It runs in the repository, after every output
    above it in the table; ``clean`` first puts the repository back to its
    commit (``main``, without what the outputs above wrote). ``keep`` names
    files or folders (relative to the repository, or ``{body}``) compared too.
    """

    argv: tuple[str, ...]
    keep: tuple[str, ...] = ()
    clean: bool = False


def _modelrail(*args: str, keep: tuple[str, ...] = (), clean: bool = False) -> Output:
    return Output(("modelrail", *args), keep, clean)


def _git(*args: str) -> Output:
    return Output(("git", *args))


PROMOTE = (
    "promote", "{model}", "--to", PROMOTE_TO, "--from", PROMOTE_FROM,
    "--branch", "promote/{model}", "--commit", "--body", "{body}", "--now", NOW,
)  # fmt: skip

# Name (a folder name in T/out-*) -> what is run, in this order.
OUTPUTS: dict[str, Output] = {
    "help": _modelrail("--help"),
    **{f"help.{cmd}": _modelrail(cmd, "--help") for cmd in COMMANDS},
    "inputs": _git("ls-tree", "-r", BASE, "--", *INPUTS),
    "committed-rendered": _git("ls-tree", "-r", BASE, "--", "rendered"),
    **{f"check.{f}": _modelrail("check", "--format", f, *WHEN) for f in CHECK_FORMATS},
    **{
        f"policies.{f}": _modelrail("policies", "--format", f) for f in POLICIES_FORMATS
    },
    **{f"policies.{p}": _modelrail("policies", "--profile", p) for p in PROFILES},
    "policies.production.json": _modelrail(
        "policies", "--profile", "production", "--format", "json"
    ),
    "render.check-committed": _modelrail("render", "--check"),
    "render": _modelrail("render", keep=("rendered",)),
    "render.check": _modelrail("render", "--check"),
    "promote": _modelrail(*PROMOTE, keep=("{body}",), clean=True),
    "promote.git-diff": _git("diff", BASE),
    "promote.git-status": _git("status", "--porcelain", "--untracked-files=all"),
    "promote.commits": _git("log", "--format=%H%n%an <%ae> %aI%n%B", f"{BASE}..HEAD"),
    "promote.branch": _git("branch", "--show-current"),
    **{
        f"diff.{f}": _modelrail("diff", "--base", BASE, "--format", f, *WHEN)
        for f in DIFF_FORMATS
    },
    **{
        f"check-base.{f}": _modelrail("check", "--base", BASE, "--format", f, *WHEN)
        for f in ("text", "json")
    },
}

TIMEOUT = 600  # seconds, for one command


class Stop(Exception):
    """Bad input, or a step that cannot run: one line, exit 2."""


def run_git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    """git's stdout; a failure stops the comparison."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, check=False
    )
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise Stop(f"git {' '.join(args)} in {cwd}: {lines[-1] if lines else ''}")
    return done.stdout


def resolve(repo: Path, revision: str) -> str:
    """The full id of ``revision``'s commit in ``repo``."""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise Stop(f"{revision!r} is no commit of {repo}")
    return done.stdout.strip()


def choose_model(repo: Path, commit: str) -> str:
    """The model promoted: fraud-detector if both environments have it, else
    the first (by name) that both have."""
    listed = run_git(
        repo, "ls-tree", "--name-only", commit, "--",
        f"environments/{PROMOTE_FROM}/", f"environments/{PROMOTE_TO}/",
    ).decode()  # fmt: skip
    models: dict[str, set[str]] = {}
    for path in listed.splitlines():
        _, env, name = path.split("/", 2)
        if name.endswith(".yaml") and name not in ("environment.yaml", "waivers.yaml"):
            models.setdefault(name.removesuffix(".yaml"), set()).add(env)
    both = sorted(m for m, envs in models.items() if len(envs) == 2)
    if not both:
        raise Stop(f"no model is in both {PROMOTE_FROM} and {PROMOTE_TO} at {commit}")
    return PREFERRED_MODEL if PREFERRED_MODEL in both else both[0]


def environment(top: Path) -> dict[str, str]:
    """The whole environment of every command: nothing of the caller's but PATH."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(top / "home"),
        "PYTHONPATH": str(top / "repo" / "src"),
        "PYTHONHASHSEED": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CEILING_DIRECTORIES": str(top),
        "TZ": "UTC",
        "LC_ALL": "C.UTF-8",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "80",
    }
    for role in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{role}_NAME"] = "Modelrail Compare"
        env[f"GIT_{role}_EMAIL"] = "compare@example.com"
        env[f"GIT_{role}_DATE"] = COMMITTED
    return env


def lay_out(repo: Path, commit: str, top: Path, env: dict[str, str]) -> Path:
    """``commit``'s tree at ``top``/repo, a fresh git repository whose one
    commit on main holds its inputs and rendered/."""
    tree = top / "repo"
    for folder in (tree, top / "home", top / BODY):
        if folder.is_dir():
            shutil.rmtree(folder)
        elif folder.exists():
            folder.unlink()
    tree.mkdir()
    (top / "home").mkdir()
    archive = run_git(repo, "archive", "--format=tar", commit)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="tar")
    if not (tree / "src" / "modelrail").is_dir():
        raise Stop(f"{commit} has no src/modelrail")
    run_git(tree, "init", "-q", "-b", BASE, env=env)
    # only the inputs are the repository's: src/ and the rest stay out of it
    exclude = ["/*", *(f"!/{path}/" for path in COMMITTED_PATHS), "__pycache__/"]
    (tree / ".git" / "info" / "exclude").write_text("\n".join(exclude) + "\n")
    present = [path for path in COMMITTED_PATHS if (tree / path).exists()]
    run_git(tree, "add", "-A", "--", *present, env=env)
    run_git(tree, "commit", "-q", "-m", "inputs", env=env)
    return tree


def modelrail_argv(argv: tuple[str, ...], fill: dict[str, str]) -> list[str]:
    args = [arg.format(**fill) for arg in argv]
    if args[0] == "modelrail":
        return [sys.executable, "-m", "modelrail", *args[1:]]
    return args


def preflight(tree: Path, env: dict[str, str], label: str, commit: str) -> None:
    """The interpreter runs the tree's own modelrail, which has every command
    the table runs."""
    done = subprocess.run(
        [sys.executable, "-c", "import modelrail; print(modelrail.__file__)"],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    where = Path(done.stdout.strip())
    if done.returncode != 0 or not where.is_relative_to(tree / "src"):
        raise Stop(
            f"{sys.executable} does not import modelrail from {tree / 'src'} "
            f"at {label} ({commit[:12]}): {(done.stdout + done.stderr).strip()}"
        )
    commands = sorted(
        {o.argv[1] for o in OUTPUTS.values() if o.argv[0] == "modelrail"} - {"--help"}
    )
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "modelrail", command, "--help"],
            cwd=tree, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines()
            raise Stop(
                f"modelrail {command} does not exist at {label} ({commit[:12]}): "
                f"{lines[-1] if lines else f'exit {done.returncode}'}"
            )


def collect(
    repo: Path, commit: str, label: str, model: str, top: Path, out: Path
) -> float:
    """Run every output of the table on ``commit``, into ``out``; the seconds."""
    start = time.perf_counter()
    env = environment(top)
    tree = lay_out(repo, commit, top, env)
    preflight(tree, env, label, commit)
    fill = {"model": model, "body": str(top / BODY)}
    for name, output in OUTPUTS.items():
        if output.clean:
            run_git(tree, "checkout", "-q", "-f", BASE, env=env)
            run_git(tree, "clean", "-q", "-f", "-d", env=env)
        argv = modelrail_argv(output.argv, fill)
        try:
            done = subprocess.run(
                argv, cwd=tree, env=env, capture_output=True, check=False,
                timeout=TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise Stop(f"{name} took over {TIMEOUT} s at {label}") from None
        folder = out / name
        folder.mkdir(parents=True)
        (folder / "stdout").write_bytes(done.stdout)
        (folder / "stderr").write_bytes(done.stderr)
        (folder / "exit").write_text(f"{done.returncode}\n")
        for kept in output.keep:
            path = tree / kept.format(**fill)  # an absolute {body} stays itself
            if path.is_dir():
                shutil.copytree(path, folder / path.name)
            elif path.is_file():
                shutil.copy2(path, folder / path.name)
    # the commits made here, oldest first (main, then the promotion): their
    # ids follow from the committed inputs, so they are compared by position
    made = run_git(tree, "rev-list", "--all", "--topo-order", "--reverse", env=env)
    (out / COMMITS).write_bytes(made)
    return time.perf_counter() - start


def positions(out: Path) -> dict[bytes, bytes]:
    """Each commit id the script made on one side (in full and as the 12
    characters commands show) -> its position, ``<commit 1>`` for main."""
    found: dict[bytes, bytes] = {}
    for number, commit in enumerate((out / COMMITS).read_bytes().split(), 1):
        name = f"<commit {number}>".encode()
        found[commit] = name
        found[commit[:12]] = name
    return found


def named(data: bytes, ids: dict[bytes, bytes]) -> bytes:
    for commit in sorted(ids, key=len, reverse=True):  # full ids first
        data = data.replace(commit, ids[commit])
    return data


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def compare(
    before: Path,
    after: Path,
    ids: tuple[dict[bytes, bytes], dict[bytes, bytes]] = ({}, {}),
) -> list[str]:
    """The differences between two output folders: empty when identical
    (with ``ids``: once each side's commit ids are named by position)."""
    lines: list[str] = []
    for path in sorted(files(before) | files(after)):
        old, new = before / path, after / path
        if not new.exists():
            lines.append(f"only in BEFORE: {path}")
        elif not old.exists():
            lines.append(f"only in AFTER: {path}")
        elif (a_bytes := named(old.read_bytes(), ids[0])) != (
            b_bytes := named(new.read_bytes(), ids[1])
        ):
            a = a_bytes.decode(errors="replace").splitlines()
            b = b_bytes.decode(errors="replace").splitlines()
            diff = list(
                difflib.unified_diff(
                    a, b, f"BEFORE/{path}", f"AFTER/{path}", lineterm=""
                )
            )
            # same text, different bytes: line ends or a missing final newline
            lines.extend(diff or [f"{path}: the bytes differ (line ends)"])
    return lines


def report(top: Path, names: list[str], limit: int) -> int:
    """Print one line per output (and a diff under each that differs); the
    number that differ. ``same*``: the same once the ids of the commits made
    here are named by position (they differ when the committed inputs do)."""
    differ = 0
    ids = (positions(top / "out-BEFORE"), positions(top / "out-AFTER"))
    starred = False
    for name in names:
        before, after = top / "out-BEFORE" / name, top / "out-AFTER" / name
        lines = compare(before, after, ids)
        if not lines:
            exact = not compare(before, after)
            starred = starred or not exact
            print(f"{'same    ' if exact else 'same*   '} {name}")
            continue
        differ += 1
        print(f"DIFFERS  {name}")
        for line in lines[:limit]:
            print(f"    {line}")
        if len(lines) > limit:
            print(f"    ... {len(lines) - limit} more line(s)")
    if starred:
        print(
            "* the same once the ids of the commits made here are named by "
            "position (<commit 1> is main, <commit 2> the promotion): the "
            "committed inputs differ (see 'inputs'), so their ids do"
        )
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", metavar="BEFORE", help="a git revision")
    parser.add_argument(
        "after", metavar="AFTER", nargs="?", default="HEAD", help="(default: HEAD)"
    )
    parser.add_argument(
        "--repo",
        type=Path,
        default=REPO,
        help="the git repository of both revisions (default: this one)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help=f"the model promoted from {PROMOTE_FROM} to {PROMOTE_TO} (default: "
        f"{PREFERRED_MODEL} if both have it, else the first both have)",
    )
    parser.add_argument(
        "--lines", type=int, default=40, help="diff lines shown per output"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="work in this new or empty folder and keep it (outputs in out-*/)",
    )
    args = parser.parse_args(argv)

    tmp = None
    try:
        repo = args.repo.resolve()
        if not repo.is_dir():
            raise Stop(f"--repo {args.repo}: no such folder")
        run_git(repo, "rev-parse", "--git-dir")  # a git repository
        commits = {
            "BEFORE": resolve(repo, args.before),
            "AFTER": resolve(repo, args.after),
        }
        model = args.model or choose_model(repo, commits["BEFORE"])
        if args.keep:
            top = args.keep.resolve()
            if top.exists() and any(top.iterdir()):
                raise Stop(f"--keep {args.keep}: not empty")
            top.mkdir(parents=True, exist_ok=True)
        else:
            tmp = tempfile.TemporaryDirectory(prefix="modelrail-compare-")
            top = Path(tmp.name).resolve()
        for label, commit in commits.items():
            seconds = collect(repo, commit, label, model, top, top / f"out-{label}")
            print(
                f"{label} {commit[:12]}: {len(OUTPUTS)} outputs in {seconds:.1f} s",
                file=sys.stderr,
            )
        differ = report(top, list(OUTPUTS), args.lines)
    except Stop as exc:
        print(f"compare-commits: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(
        f"{differ} of {len(OUTPUTS)} outputs differ: "
        f"{args.before} ({commits['BEFORE'][:12]}) -> "
        f"{args.after} ({commits['AFTER'][:12]}), model {model}"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
