"""modelrail.git.transport: the one way modelrail runs git.

Real git repositories made in the test's folder (no mocks; git runs with a
throwaway HOME, no system config and a ceiling at the test's folder). Proven:

- a non-ASCII path comes back as written, even when the user's configuration
  (a repository's config, ``GIT_CONFIG_COUNT``) asks git to quote it; a name
  that is not UTF-8 comes back as the ``str`` the file system gives for it;
- ``data`` returns the bytes git wrote (NUL, CR LF), ``text`` decodes them
  without touching line ends; ``stdin`` reaches git (a str as UTF-8), and no
  stdin is an empty one;
- a failing command is a RepositoryError naming the command and the folder,
  with git's own words on one line: its ``fatal:`` line (not the usage text
  or the "Use '--'" advice after it), a warning when that is all it said, a
  hook's last line, stdout's "nothing to commit", the exit code when it said
  nothing; a hint follows in parentheses; ``run`` never raises on an exit;
- git missing from PATH is "cannot run git: ..." from every entry point,
  and ``at_head`` says "git is not installed";
- the environment: git's messages are English under a foreign ``LANGUAGE``
  or ``LC_ALL`` (so history still knows a folder outside git), while the
  other locale categories stay the user's, hooks included; the pathspec
  mode variables do not change what history finds; ``GIT_INDEX_FILE`` and
  ``GIT_DIR`` are kept (a pre-commit hook's temporary index is the change);
  a read neither rewrites the index (``git status``) nor prompts, a write
  leaves both as the user has them;
- a history of signed commits reads as any other when the user's config
  asks ``git log`` to show signatures;
- no module of src/modelrail but git/transport.py starts a process with git
  (a static check over the source, which is shown to catch the ways one
  could).
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path

import pytest

import modelrail
from modelrail.errors import RepositoryError
from modelrail.git import transport, worktree
from modelrail.git.changes import changed
from modelrail.git.history import GitHistory, at_head
from testing.git import commit_at, git, hermetic
from testing.tools import require_tool

NON_ASCII = "environments/prod/modèle 🚀.yaml"
BINARY = b"\x00\x01 binary\r\nline\r\n\x00\xff tail"


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)


@pytest.fixture
def top(tmp_path: Path) -> Path:
    """A repository with one commit: a spec with a space and non-ASCII letters
    in its name, a binary file, a CR LF text file."""
    top = tmp_path / "top"
    (top / "environments/prod").mkdir(parents=True)
    (top / NON_ASCII).write_text("spec:\n  model: {version: '1.0.0'}\n", "utf-8")
    (top / "data.bin").write_bytes(BINARY)
    (top / "crlf.txt").write_bytes(b"one\r\ntwo\r\n")
    git(top, "-c", "init.defaultBranch=main", "init", "-q")
    commit_at(top, "first", "2026-01-01T00:00:00Z")
    return top


def plain_git(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """git as the user's shell would run it (``env`` added), for comparison."""
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


# --- paths as written --------------------------------------------------------------


def test_a_non_ascii_path_comes_back_unquoted(top: Path) -> None:
    assert transport.text(top, "ls-files", NON_ASCII) == NON_ASCII + "\n"
    # what the transport prevents: git's default quotes it
    assert plain_git(top, "ls-files", NON_ASCII).stdout.startswith('"')


def test_the_users_quote_path_setting_does_not_quote_it(
    top: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(top, "config", "core.quotePath", "true")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.quotePath")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    assert transport.text(top, "ls-files", NON_ASCII) == NON_ASCII + "\n"
    (top / NON_ASCII).write_text("spec:\n  model: {version: '2.0.0'}\n", "utf-8")
    assert changed(top, "HEAD").paths == (NON_ASCII,)
    # status quotes a name with a space in it, but not its letters
    assert worktree.dirty(top, ["environments"]) == [f' M "{NON_ASCII}"']


def test_a_name_that_is_not_utf8_is_the_file_systems_str(top: Path) -> None:
    raw = b"caf\xe9.txt"  # Latin-1
    (top / os.fsdecode(raw)).write_bytes(b"x\n")
    listed = transport.text(top, "ls-files", "--others", "-z").split("\0")
    assert os.fsdecode(raw) in listed
    assert os.fsdecode(raw) in os.listdir(top)


# --- bytes, text, stdin ---------------------------------------------------------------


def test_data_is_the_bytes_git_wrote(top: Path) -> None:
    assert transport.data(top, "cat-file", "blob", "HEAD:data.bin") == BINARY


def test_text_keeps_line_ends(top: Path) -> None:
    assert transport.text(top, "cat-file", "blob", "HEAD:crlf.txt") == "one\r\ntwo\r\n"


def test_stdin_reaches_git(top: Path) -> None:
    content = "spec:\n  model: {version: '1.0.0'}\n"  # the committed spec's
    expected = git(top, "hash-object", NON_ASCII) + "\n"
    assert transport.text(top, "hash-object", "--stdin", stdin=content) == expected
    assert transport.data(top, "hash-object", NON_ASCII) == expected.encode()
    assert (
        transport.text(top, "hash-object", "--stdin", stdin=content.encode())
        == expected
    )
    # a str is sent as UTF-8
    assert transport.text(top, "hash-object", "--stdin", stdin="modèle") == (
        transport.text(top, "hash-object", "--stdin", stdin="modèle".encode())
    )


def test_without_stdin_git_reads_nothing(top: Path) -> None:
    empty_blob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n"
    assert transport.text(top, "hash-object", "--stdin") == empty_blob


def test_succeeds_and_run_never_raise_on_an_exit(top: Path) -> None:
    assert transport.succeeds(top, "rev-parse", "--verify", "--quiet", "HEAD")
    assert not transport.succeeds(top, "rev-parse", "--verify", "--quiet", "nosuch")
    done = transport.run(top, "rev-parse", "--verify", "nosuch")
    assert done.returncode == 128
    assert done.args == transport.argv("rev-parse", "--verify", "nosuch")
    assert transport.argv("x") == [
        "git", "-c", "core.quotePath=false", "-c", "log.showSignature=false", "x"
    ]  # fmt: skip


def test_cat_file_batch(top: Path) -> None:
    batch = transport.cat_file_batch(top)
    assert batch.args == transport.argv("cat-file", "--batch")
    out, _ = batch.communicate(b"HEAD:data.bin\nHEAD:nosuch\n")
    header, _, rest = out.partition(b"\n")
    assert header.endswith(f" blob {len(BINARY)}".encode())
    assert rest == BINARY + b"\nHEAD:nosuch missing\n"
    assert batch.returncode == 0


# --- failures ---------------------------------------------------------------------


def test_a_failure_names_the_command_the_folder_and_gits_words(top: Path) -> None:
    with pytest.raises(RepositoryError) as error:
        transport.text(top, "log", "nosuchref")
    # git goes on with "Use '--' to separate paths from revisions" and a
    # synopsis: its fatal line is the reason
    assert str(error.value) == (
        f"git log failed in {top}: fatal: ambiguous argument 'nosuchref': "
        "unknown revision or path not in the working tree."
    )


def test_a_hint_follows_in_parentheses(top: Path) -> None:
    with pytest.raises(RepositoryError) as error:
        transport.data(top, "ls-tree", "nosuch", hint="fetch it")
    assert str(error.value) == (
        f"git ls-tree failed in {top}: fatal: Not a valid object name nosuch (fetch it)"
    )


def test_a_warning_without_the_usage_text_after_it(tmp_path: Path) -> None:
    """Outside git, ``git diff <ref> -- <four folders>`` warns, then prints
    its usage (a hundred lines of options)."""
    plain = tmp_path / "plain"
    (plain / "environments").mkdir(parents=True)
    with pytest.raises(RepositoryError) as error:
        changed(plain, "main")
    assert str(error.value) == (
        f"git diff failed in {plain}: warning: Not a git repository. Use "
        "--no-index to compare two paths outside a working tree"
    )


def test_a_hooks_last_line_and_stdouts_nothing_to_commit(top: Path) -> None:
    hook = top / ".git/hooks/pre-commit"
    hook.write_text(
        "#!/bin/sh\necho 'lint: 2 errors' >&2\necho 'lint failed'\nexit 1\n", "utf-8"
    )
    hook.chmod(0o755)
    (top / NON_ASCII).write_text("changed: true\n", "utf-8")
    with pytest.raises(RepositoryError) as error:
        worktree.commit(top, [NON_ASCII], "promote")
    assert str(error.value) == f"git commit failed in {top}: lint failed"
    hook.unlink()
    git(top, "reset", "-q", "--hard")
    with pytest.raises(RepositoryError) as error:
        transport.text(top, "commit", "--file=-", stdin="nothing", writes=True)
    assert str(error.value) == (
        f"git commit failed in {top}: nothing to commit, working tree clean"
    )


@pytest.mark.parametrize(
    ("stderr", "stdout", "reason"),
    [
        (b"", b"", "exit 3"),
        (b"error: one\nfatal: two\nhint: three\n", b"", "fatal: two"),
        (b"warning: w\nerror: e\nhook says\n", b"", "error: e"),
        (b"warning: crlf\nhook says\nhint: x\n", b"", "hook says"),
        (
            b"usage: git thing [<options>]\n\n    -x  an option\n",
            b"",
            "usage: git thing [<options>]",
        ),
        (b"hint: only a hint\n", b"out one\nout two\n", "out two"),
        (b"", b"tar\0bytes\n", "exit 3"),  # binary output is no reason
        (b"fatal: caf\xe9\n", b"", "fatal: caf\N{REPLACEMENT CHARACTER}"),
    ],
)
def test_the_reason(stderr: bytes, stdout: bytes, reason: str) -> None:
    done = subprocess.CompletedProcess(["git"], 3, stdout, stderr)
    assert transport.reason(done) == reason


def test_git_missing_is_cannot_run_git(
    top: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    calls = [
        lambda: transport.run(top, "status"),
        lambda: transport.text(top, "status"),
        lambda: transport.data(top, "status"),
        lambda: transport.succeeds(top, "status"),
        lambda: transport.cat_file_batch(top),
        lambda: changed(top, "HEAD"),
        lambda: GitHistory(top, "HEAD"),
        lambda: worktree.inside(top),
    ]
    for call in calls:
        with pytest.raises(RepositoryError, match=r"^cannot run git: .*'git'"):
            call()
    assert at_head(top) == "git is not installed"


# --- the environment ----------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"LANGUAGE": "de", "LC_ALL": "C.UTF-8"},  # not "C": LANGUAGE counts
        {"LANGUAGE": "de", "LC_MESSAGES": "C.UTF-8"},
    ],
)
def test_gits_messages_are_english_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    plain = tmp_path / "plain"
    plain.mkdir()
    if "Kein Git-Repository" not in plain_git(plain, "rev-parse", "HEAD").stderr:
        pytest.skip("git here has no German messages (or no C.UTF-8 locale)")
    with pytest.raises(RepositoryError) as error:
        transport.text(plain, "rev-parse", "HEAD")
    assert str(error.value) == (
        f"git rev-parse failed in {plain}: fatal: not a git repository (or any "
        "of the parent directories): .git"
    )
    # history reads git's words: "Kein Git-Repository" made a folder outside
    # git look like a missing ref
    with pytest.raises(RepositoryError) as error:
        GitHistory(plain, "main")
    assert str(error.value) == f"{plain} is not in a git repository: --base needs one"


def test_only_the_messages_category_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LC_CTYPE", raising=False)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("LANG", "xx_YY.UTF-8")
    env = transport.environment()
    assert "LC_ALL" not in env
    assert env["LC_MESSAGES"] == "C"
    assert env["LC_CTYPE"] == env["LC_COLLATE"] == env["LC_TIME"] == "C.UTF-8"
    assert env["LANG"] == "xx_YY.UTF-8"
    monkeypatch.delenv("LC_ALL")
    env = transport.environment()
    assert "LC_CTYPE" not in env  # LANG decides, as for the user
    assert env["LC_MESSAGES"] == "C"


def test_a_hook_runs_in_the_users_environment(
    top: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """promote --commit runs the user's hooks: with their character set, their
    prompts, and the index git gives hooks."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.delenv("GIT_TERMINAL_PROMPT", raising=False)
    monkeypatch.delenv("GIT_OPTIONAL_LOCKS", raising=False)
    seen = top.parent / "seen"
    hook = top / ".git/hooks/pre-commit"
    hook.write_text(f"#!/bin/sh\nenv > '{seen}'\n", "utf-8")
    hook.chmod(0o755)
    (top / NON_ASCII).write_text("changed: true\n", "utf-8")
    worktree.commit(top, [NON_ASCII], "promote")
    lines = set(seen.read_text("utf-8").splitlines())
    assert "LC_CTYPE=C.UTF-8" in lines
    assert "LC_MESSAGES=C" in lines
    assert not any(
        line.startswith(("GIT_TERMINAL_PROMPT=", "GIT_OPTIONAL_LOCKS="))
        for line in lines
    )
    assert any(line.startswith("GIT_INDEX_FILE=") for line in lines)


def test_a_read_does_not_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "1")
    assert transport.environment()["GIT_TERMINAL_PROMPT"] == "0"
    assert transport.environment(writes=True)["GIT_TERMINAL_PROMPT"] == "1"


def test_a_read_does_not_rewrite_the_index(top: Path) -> None:
    index = top / ".git/index"

    def touched() -> bytes:
        before = index.read_bytes()
        stamp = os.stat(top / NON_ASCII).st_mtime_ns + 5_000_000_000
        os.utime(top / NON_ASCII, ns=(stamp, stamp))  # same content, newer
        return before

    before = touched()
    assert worktree.dirty(top, ["environments"]) == []
    assert index.read_bytes() == before
    # what it avoids: git status refreshes the index, and writes it
    before = touched()
    git(top, "status", "--porcelain")
    assert index.read_bytes() != before


@pytest.mark.parametrize(
    "variable",
    [
        "GIT_LITERAL_PATHSPECS",
        "GIT_GLOB_PATHSPECS",
        "GIT_NOGLOB_PATHSPECS",
        "GIT_ICASE_PATHSPECS",
    ],
)
def test_pathspec_modes_do_not_change_what_history_finds(
    top: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    with GitHistory(top, "HEAD") as history:
        expected = history.entered("prod", "modèle 🚀", "1.0.0")
    assert expected is not None
    monkeypatch.setenv(variable, "1")
    with GitHistory(top, "HEAD") as history:
        assert history.entered("prod", "modèle 🚀", "1.0.0") == expected
        assert history.ran_before("prod", "modèle 🚀", "2.0.0") == "1.0.0"
    assert variable not in transport.environment()


def test_literal_pathspecs_would_hide_the_spec(top: Path) -> None:
    """Why the transport drops them: history's pathspec magic is read as a
    file name, and the spec has no history."""
    spec = f":(top,literal){NON_ASCII}"
    assert git(top, "log", "--format=%H", "--", spec)
    assert not git(
        top, "log", "--format=%H", "--", spec, env={"GIT_LITERAL_PATHSPECS": "1"}
    )


@pytest.mark.tool
def test_a_signed_history_reads_like_any_other(top: Path, tmp_path: Path) -> None:
    """Who signs commits often sets log.showSignature: ``git log --format``
    then writes the check of each signature among the commits, and history
    took "No signature" for a commit (the version had never entered)."""
    keygen = require_tool("ssh-keygen")
    key = tmp_path / "key"
    subprocess.run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    git(top, "config", "gpg.format", "ssh")
    git(top, "config", "user.signingKey", str(key))
    git(top, "config", "log.showSignature", "true")
    (top / NON_ASCII).write_text("spec:\n  model: {version: '2.0.0'}\n", "utf-8")
    git(top, "commit", "-q", "-S", "-a", "-m", "signed")
    head = git(top, "rev-parse", "HEAD")
    # what the transport prevents: lines that are not the format
    assert git(top, "log", "-1", "--format=%H") != head
    with GitHistory(top, "HEAD") as history:
        entered = history.entered("prod", "modèle 🚀", "2.0.0")
        assert entered is not None
        assert entered.commit == head
        assert history.ran_before("prod", "modèle 🚀", "2.0.0") == "1.0.0"


def test_the_index_and_git_dir_of_the_environment_are_kept(
    top: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pre-commit hook runs with GIT_INDEX_FILE naming a temporary index:
    that index is the change modelrail judges."""
    other = tmp_path / "other-index"
    git(top, "read-tree", "HEAD", env={"GIT_INDEX_FILE": str(other)})
    (top / "staged.txt").write_text("only in the other index\n", "utf-8")
    git(top, "add", "staged.txt", env={"GIT_INDEX_FILE": str(other)})
    assert "staged.txt" not in transport.text(top, "ls-files")
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    assert "staged.txt" in transport.text(top, "ls-files").splitlines()
    monkeypatch.delenv("GIT_INDEX_FILE")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_DIR", str(top / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(top))
    assert NON_ASCII in transport.text(elsewhere, "ls-files").splitlines()


# --- the one way -------------------------------------------------------------------

SOURCE = Path(modelrail.__file__).parent
TRANSPORT = SOURCE / "git" / "transport.py"
# what starts a process: subprocess.*, os.exec*/spawn*/posix_spawn*/system/
# popen, asyncio.create_subprocess_*
_STARTERS = {"run", "Popen", "call", "check_call", "check_output", "getoutput",
             "getstatusoutput", "system", "popen"}  # fmt: skip
_PREFIXES = ("exec", "spawn", "posix_spawn", "create_subprocess")


def git_processes(source: str) -> list[int]:
    """The lines of ``source`` that start git: a process-starting call whose
    arguments hold the string "git" (or a command line that begins "git "),
    or a list or tuple that begins with "git" (an argv built ahead)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            if _is_git(node.elts[0]):
                found.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            if name in _STARTERS or name.startswith(_PREFIXES):
                parts = [*node.args, *(k.value for k in node.keywords)]
                if any(_is_git(n) for part in parts for n in ast.walk(part)):
                    found.append(node.lineno)
    return sorted(set(found))


def _is_git(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value == "git" or node.value.startswith("git "))
    )


def test_only_the_transport_starts_git() -> None:
    offenders = {
        str(path.relative_to(SOURCE)): lines
        for path in sorted(SOURCE.rglob("*.py"))
        if path != TRANSPORT and (lines := git_processes(path.read_text("utf-8")))
    }
    assert offenders == {}
    assert git_processes(TRANSPORT.read_text("utf-8"))  # it does, and is seen


@pytest.mark.parametrize(
    "source",
    [
        "import subprocess\nsubprocess.run(['git', 'status'])",
        "from subprocess import Popen\nPopen(('git', 'cat-file', '--batch'))",
        "import subprocess\nsubprocess.check_output(args=['git'] + rest)",
        "import subprocess\ncommand = ['git', 'log']\nsubprocess.run(command)",
        "import os\nos.system('git status --porcelain')",
        "import os\nos.execvp('git', ['git', 'status'])",
        "import asyncio\nasyncio.create_subprocess_exec('git', 'status')",
    ],
)
def test_the_check_sees_a_git_process(source: str) -> None:
    assert git_processes(source) == [2]


def test_the_check_leaves_other_processes_alone() -> None:
    assert git_processes("import subprocess\nsubprocess.run(['kubectl', 'get'])") == []
    assert git_processes("message = 'git failed'\nnames = ['github', 'git']") == []
