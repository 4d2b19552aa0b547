"""The one way modelrail runs git.

Every git process of modelrail starts here, so these hold for all of them:

- the argv is ``git -c core.quotePath=false -c log.showSignature=false
  <args>``, whatever the user's configuration says (``-c`` outranks config
  files and the ``GIT_CONFIG_*`` variables): paths come back as written
  (``modèle.yaml``, not ``"mod\\303\\250le.yaml"``), and ``git log
  --format`` writes only the format (with ``log.showSignature``, which those
  who sign commits set, it writes "Good signature" or "No signature" lines
  among the commits);
- the child's environment is the user's (identity, config, ``GIT_DIR``,
  ``GIT_INDEX_FILE``: a pre-commit hook that runs modelrail runs with a
  temporary index, and that index is the change to judge) with three
  corrections, made in :func:`environment`:

  * git's messages are untranslated (``LC_MESSAGES=C``): modelrail reads
    them (``fatal:``, "not a git repository") and quotes them in its own
    English messages. Only the messages category changes; an ``LC_ALL`` is
    unfolded into the other categories, so the character set, collation
    and the rest stay the user's (hooks run with them);
  * ``GIT_LITERAL_PATHSPECS``, ``GIT_GLOB_PATHSPECS``,
    ``GIT_NOGLOB_PATHSPECS`` and ``GIT_ICASE_PATHSPECS`` are dropped: every
    pathspec on modelrail's command lines is modelrail's own (the watched
    folders, ``:(top,literal)`` magic, the spec files it wrote) and means
    what it says only in git's default mode;
  * a call that only reads (the default) never prompts
    (``GIT_TERMINAL_PROMPT=0``: a read that would need the network, a
    partial clone fetching a missing blob, fails with git's words instead
    of stopping to ask for a password) and takes no
    optional lock (``GIT_OPTIONAL_LOCKS=0``: ``git status`` does not
    rewrite the user's index as a side effect; ``git diff`` ignores it and
    may still refresh the index, as it does when the user runs it). A call
    that writes (``writes=True``: promote's branch and commit) keeps both
    as the user has them: its hooks run as in a commit made by hand;

- stdin is empty unless given (git, and a hook it runs, never read
  modelrail's own stdin);
  output is bytes, or text decoded as the file system's names are
  (:func:`os.fsdecode`), so a path git names is the ``str`` that
  ``os.listdir`` gives for it;
- a failure is a :class:`RepositoryError` (exit 2) naming the command and
  the folder, with git's own words on one line; git missing (or the folder)
  is "cannot run git: ...".
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from modelrail.errors import RepositoryError

if TYPE_CHECKING:
    from pathlib import Path

# what `-c` sets for every call
CONFIG = ("core.quotePath=false", "log.showSignature=false")

# the categories LC_ALL sets besides LC_MESSAGES (glibc's; the ones another
# C library does not know are ignored there)
_CATEGORIES = (
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
)
_PATHSPEC_MODES = (
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
)


def argv(*args: str) -> list[str]:
    """The command line that runs ``git <args>``."""
    config = [part for setting in CONFIG for part in ("-c", setting)]
    return ["git", *config, *args]


def environment(*, writes: bool = False) -> dict[str, str]:
    """The environment git runs in: the user's, corrected as the module says."""
    env = dict(os.environ)
    every = env.pop("LC_ALL", "")
    if every:  # it overrode each category: keep that for all but messages
        env.update(dict.fromkeys(_CATEGORIES, every))
    env["LC_MESSAGES"] = "C"
    for name in _PATHSPEC_MODES:
        env.pop(name, None)
    if not writes:
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_OPTIONAL_LOCKS"] = "0"
    return env


def run(
    cwd: Path, *args: str, stdin: str | bytes | None = None, writes: bool = False
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git <args>`` in ``cwd`` and return what it did, whatever its exit
    code (``stdin``: a str is sent as UTF-8, git's commit encoding). Raises
    only when git cannot be started."""
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    try:
        return subprocess.run(
            argv(*args),
            cwd=cwd,
            env=environment(writes=writes),
            input=data,
            stdin=subprocess.DEVNULL if data is None else None,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise RepositoryError(f"cannot run git: {exc}") from None


def data(cwd: Path, *args: str, hint: str = "") -> bytes:
    """The output of ``git <args>``, as bytes; a :class:`RepositoryError` if it
    fails (``hint``, if any, follows git's words in parentheses)."""
    done = run(cwd, *args)
    if done.returncode != 0:
        raise failure(cwd, args, done, hint)
    return done.stdout


def text(
    cwd: Path,
    *args: str,
    stdin: str | bytes | None = None,
    hint: str = "",
    writes: bool = False,
) -> str:
    """The output of ``git <args>``, decoded as file names are; a
    :class:`RepositoryError` if it fails."""
    done = run(cwd, *args, stdin=stdin, writes=writes)
    if done.returncode != 0:
        raise failure(cwd, args, done, hint)
    return os.fsdecode(done.stdout)


def succeeds(cwd: Path, *args: str) -> bool:
    """Whether ``git <args>`` exits 0 (a read: its output is not wanted)."""
    return run(cwd, *args).returncode == 0


def cat_file_batch(cwd: Path) -> subprocess.Popen[bytes]:
    """A ``git cat-file --batch`` process in ``cwd``: write ``<object>\\n`` to
    its stdin, read the answer from its stdout (bytes, both pipes); its
    stderr is discarded (a missing object is an answer on stdout). The caller
    closes stdin and waits for it."""
    try:
        return subprocess.Popen(
            argv("cat-file", "--batch"),
            cwd=cwd,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise RepositoryError(f"cannot run git: {exc}") from None


def failure(
    cwd: Path,
    args: tuple[str, ...],
    done: subprocess.CompletedProcess[bytes],
    hint: str = "",
) -> RepositoryError:
    """The error for ``git <args>`` that failed in ``cwd``."""
    message = f"git {args[0]} failed in {cwd}: {reason(done)}"
    return RepositoryError(f"{message} ({hint})" if hint else message)


def reason(done: subprocess.CompletedProcess[bytes]) -> str:
    """Why git failed, in its own words, on one line: its last ``fatal:``
    line, else its last ``error:`` line, else the last line it wrote to
    stderr (a hook's output, a warning), leaving out ``hint:`` lines and the
    usage text after ``usage:``; else the last line of its stdout (``git
    commit``: "nothing to commit"); else its exit code."""
    lines: list[str] = []
    for raw in done.stderr.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("usage:"):
            lines = lines or [line]  # what follows is the list of options
            break
        if line and not line.startswith("hint:"):
            lines.append(line)
    for prefix in ("fatal:", "error:"):
        said = [line for line in lines if line.startswith(prefix)]
        if said:
            return said[-1]
    if not lines and b"\0" not in done.stdout:
        out = done.stdout.decode("utf-8", "replace").splitlines()
        lines = [line.strip() for line in out if line.strip()]
    return lines[-1] if lines else f"exit {done.returncode}"
