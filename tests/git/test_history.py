"""modelrail.git.history: the repository at a base ref, read through git itself.

Every GitHistory here reads a real git repository made in the test's folder
(no mocks; git runs with a throwaway HOME and no system config). Proven:

- reads return the bytes committed at the base (not HEAD's, not the working
  tree's), exactly: binary with NUL, CR and no final newline, UTF-8, empty;
- a path missing at the base, or one that is a folder there, reads as None,
  and so does a spec that does not parse, is not UTF-8, or is not a mapping;
- a thousand reads go through one ``git cat-file --batch`` process, and
  ``spec_at_base`` asks git once per spec (the answer, None too, is cached);
- ``close()`` waits for git, may be called twice, and is what leaving a
  ``with`` block does; a history closed and read again starts a new process;
- the base may be any commit-ish (a tag is peeled to its commit); a ref that
  is not a commit, a repository without commits, and a folder outside git
  are RepositoryErrors (exit 2 in the CLI) that say what to do;
- a modelrail repository in a subfolder of the git repository reads its
  specs through the subfolder's prefix (spaces and non-ASCII in it too);
- StaticHistory answers from its mapping, and Context.base_spec turns either
  history's answer into a Spec, or None;
- ``entered`` names the first-parent commit of HEAD that brought a version
  into a spec, with its committer time (not the author's) in UTC: the
  commit that set it, not the later ones that kept it; after A -> B -> A
  the second A; None when HEAD's spec runs another version, was deleted,
  or never ran it; the working tree and the index do not count; a feature
  branch merged with --no-ff counts from the merge, however early its own
  commits are dated; a fast-forward counts from the branch's commit;
  through a subfolder's prefix too; one ``git log`` per question (the
  answer, None too, is cached);
- a shallow clone is refused with what to do (``fetch-depth: 0``), and
  ``modelrail check --base`` on one exits 2 with that one line.

A gap these tests found stays pinned: a spec committed as ``<name>.yml``
(which ``check`` reads like a ``.yaml`` one) had no base and no entry.

Three bugs these tests found stay pinned: a folder read once left git's
answer in the pipe (the reads after it got the answers meant for the reads
before them); close() left git's stdout pipe open (a ResourceWarning per
run); a prefix that starts with a space lost it (the base was never found).
"""

from __future__ import annotations

import datetime
import gc
import subprocess
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from modelrail.cli import main
from modelrail.errors import RepositoryError
from modelrail.git import history as history_module
from modelrail.git import transport
from modelrail.git.history import Entry, GitHistory, History
from modelrail.policy import Context, Spec
from testing.git import git, hermetic
from testing.history import StaticHistory
from testing.repo import copy_repo

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


SPEC = "environments/staging/model.yaml"
BINARY = bytes(range(256)) + b"\x00\r\n\r\n\x00tail-without-newline"
UNICODE = "name: modèle-🚀\nnote: 'Ünïcødé ✓'\n"


@pytest.fixture(autouse=True)
def _hermetic_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hermetic(monkeypatch, tmp_path)


def write(top: Path, files: dict[str, bytes | str]) -> None:
    for name, content in files.items():
        path = top / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)


def commit(top: Path, files: dict[str, bytes | str], message: str = "c") -> str:
    if not (top / ".git").exists():
        git(top, "-c", "init.defaultBranch=main", "init", "-q")
    write(top, files)
    git(top, "add", "-A")
    git(top, "commit", "-q", "--allow-empty", "-m", message)
    return git(top, "rev-parse", "HEAD")


def spec_text(step: int, version: str = "1.0.0") -> str:
    return (
        "apiVersion: modelrail.io/v1\nkind: ModelDeployment\n"
        "metadata: {name: model, environment: staging}\n"
        f"spec:\n  model: {{version: '{version}'}}\n"
        f"  rollout: {{strategy: canary, currentStep: {step}}}\n"
    )


FILES: dict[str, bytes | str] = {
    SPEC: spec_text(2),
    "environments/staging/unicode.yaml": UNICODE,
    "environments/staging/latin1.yaml": "name: modèle\n".encode("latin-1"),
    "environments/staging/syntax.yaml": "spec: {rollout: [\n",
    "environments/staging/duplicate.yaml": "spec: 1\nspec: 2\n",
    "environments/staging/two-documents.yaml": "a: 1\n---\nb: 2\n",
    "environments/staging/list.yaml": "- a\n- b\n",
    "environments/staging/scalar.yaml": "just a string\n",
    "environments/staging/empty.yaml": "",
    "environments/staging/folder.yaml/inside.yaml": "a: 1\n",
    "data/binary.bin": BINARY,
    "data/empty.bin": b"",
    "data/unicode.txt": UNICODE,
}


@pytest.fixture(scope="module")
def top(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository: FILES on main (tags ``base`` and ``annotated``), then
    a second commit (HEAD) that moves the spec on, then a working tree that
    moves it again. Made once: the tests only read it."""
    folder = tmp_path_factory.mktemp("history")
    top = folder / "top"
    top.mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        hermetic(monkeypatch, folder)
        commit(top, FILES, "base")
        git(top, "tag", "base")
        git(top, "tag", "-a", "-m", "release", "annotated")
        commit(top, {SPEC: spec_text(3)}, "head")
    write(top, {SPEC: spec_text(4)})
    return top


@pytest.fixture
def history(top: Path) -> Iterator[GitHistory]:
    with GitHistory(top, "base") as history:
        yield history


def subcommand(process: subprocess.Popen[Any]) -> str:
    """The git command a process runs (``log``), after the transport's options."""
    return str(process.args[len(transport.argv())])


@pytest.fixture
def popens(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[subprocess.Popen[Any]]]:
    """Every git process started from now on (they run for real)."""
    started: list[subprocess.Popen[Any]] = []
    real = subprocess.Popen

    class Spy(real):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(subprocess, "Popen", Spy)
    yield started
    for process in started:  # close() released each pipe
        assert process.stdout is None or process.stdout.closed


# --- reads ------------------------------------------------------------------


def test_reads_the_base_not_head_nor_the_working_tree(top: Path) -> None:
    with GitHistory(top, "base") as base, GitHistory(top, "HEAD") as head:
        assert base.read(SPEC) == spec_text(2).encode()
        assert head.read(SPEC) == spec_text(3).encode()
        assert base.spec_at_base("staging", "model") == {
            "apiVersion": "modelrail.io/v1",
            "kind": "ModelDeployment",
            "metadata": {"name": "model", "environment": "staging"},
            "spec": {"model": {"version": "1.0.0"}, "rollout": {
                "strategy": "canary", "currentStep": 2}},
        }  # fmt: skip
        assert head.spec_at_base("staging", "model")["spec"]["rollout"] == {  # type: ignore[index]
            "strategy": "canary",
            "currentStep": 3,
        }
    assert (top / SPEC).read_text(encoding="utf-8") == spec_text(4)


def test_bytes_come_back_exactly(history: GitHistory) -> None:
    assert history.read("data/binary.bin") == BINARY
    assert history.read("data/empty.bin") == b""
    assert history.read("data/unicode.txt") == UNICODE.encode("utf-8")
    assert history.read("data/binary.bin") == BINARY  # and again, in step


def test_a_utf8_spec_is_loaded_as_text(history: GitHistory) -> None:
    assert history.spec_at_base("staging", "unicode") == {
        "name": "modèle-🚀",
        "note": "Ünïcødé ✓",
    }


def test_a_missing_path_is_none_and_the_reads_stay_in_step(
    history: GitHistory,
) -> None:
    assert history.read("environments/staging/nope.yaml") is None
    assert history.read("no/such/folder/at/all") is None
    assert history.spec_at_base("staging", "nope") is None
    assert history.spec_at_base("nope", "model") is None
    assert history.read(SPEC) == spec_text(2).encode()


def test_a_folder_is_none(history: GitHistory) -> None:
    assert history.read("environments") is None
    assert history.spec_at_base("staging", "folder") is None  # folder.yaml/


def test_reads_after_a_folder_get_their_own_answer(history: GitHistory) -> None:
    assert history.read("environments") is None
    # today: [None, UNICODE, the spec], each read one answer behind
    assert [history.read(p) for p in ("data/unicode.txt", SPEC, "data/empty.bin")] == [
        UNICODE.encode("utf-8"),
        spec_text(2).encode(),
        b"",
    ]


@pytest.mark.parametrize(
    "name",
    ["syntax", "duplicate", "two-documents", "latin1", "list", "scalar", "empty"],
)
def test_a_spec_that_is_not_a_mapping_at_base_is_none(
    history: GitHistory, name: str
) -> None:
    """A base that was broken (or not a spec at all): the change is new."""
    assert history.read(f"environments/staging/{name}.yaml") is not None
    assert history.spec_at_base("staging", name) is None


# --- one process, a cache ------------------------------------------------------


def test_a_thousand_reads_use_one_process(
    top: Path, popens: list[subprocess.Popen[Any]]
) -> None:
    with GitHistory(top, "base") as history:
        del popens[:]  # rev-parse in the constructor
        for i in range(250):
            assert history.read(SPEC) == spec_text(2).encode()
            assert history.read("data/binary.bin") == BINARY
            assert history.read(f"missing/{i}.yaml") is None
            assert history.read("data/empty.bin") == b""
        assert len(popens) == 1
        assert popens[0].args == transport.argv("cat-file", "--batch")
        assert popens[0].poll() is None  # still serving
    assert popens[0].returncode == 0  # close() ended it and waited


def test_spec_at_base_asks_git_once_per_spec(
    history: GitHistory, popens: list[subprocess.Popen[Any]]
) -> None:
    first = history.spec_at_base("staging", "model")
    assert history.spec_at_base("staging", "nope") is None
    assert len(popens) == 1
    history.close()  # the answers are kept: no new process to repeat them
    assert history.spec_at_base("staging", "model") is first
    assert history.spec_at_base("staging", "nope") is None
    assert len(popens) == 1


def test_close_is_idempotent_and_reading_again_restarts(
    top: Path, popens: list[subprocess.Popen[Any]]
) -> None:
    history = GitHistory(top, "base")
    history.close()  # no process yet
    with history as entered:
        assert entered is history
        assert history.read(SPEC) == spec_text(2).encode()
    first = popens[-1]
    assert first.returncode == 0
    history.close()
    history.close()
    assert history.read(SPEC) == spec_text(2).encode()  # a new process
    assert popens[-1] is not first
    history.close()
    assert popens[-1].returncode == 0


def test_close_on_an_error_in_the_with_block(
    top: Path, popens: list[subprocess.Popen[Any]]
) -> None:
    def fail_while_reading() -> None:
        with GitHistory(top, "base") as history:
            history.read(SPEC)
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_while_reading()
    assert popens[-1].returncode == 0


def test_close_releases_the_pipe(top: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = GitHistory(top, "base")
        history.read(SPEC)
        history.close()
        del history
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


# --- refs and errors -------------------------------------------------------------


@pytest.mark.parametrize("ref", ["base", "main~1", "HEAD^", "sha", "annotated"])
def test_any_commit_ish_is_a_base(top: Path, ref: str) -> None:
    base = git(top, "rev-parse", "base")
    ref = base if ref == "sha" else ref
    with GitHistory(top, ref) as history:
        assert history.base == ref  # as given, for messages
        assert history.commit == base  # a tag peeled to its commit
        assert history.read(SPEC) == spec_text(2).encode()


@pytest.mark.parametrize("ref", ["nosuchref", "base:environments", "HEAD^{tree}", ""])
def test_a_ref_that_is_not_a_commit_is_refused(top: Path, ref: str) -> None:
    with pytest.raises(RepositoryError) as error:
        GitHistory(top, ref)
    message = str(error.value)
    assert message.startswith(f"--base {ref!r} is not a commit of the repository")
    assert "fetch the base branch" in message


def test_a_repository_without_commits_has_no_base(tmp_path: Path) -> None:
    git(tmp_path, "-c", "init.defaultBranch=main", "init", "-q")
    with pytest.raises(RepositoryError, match="'HEAD' is not a commit"):
        GitHistory(tmp_path, "HEAD")


def test_outside_git_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(RepositoryError) as error:
        GitHistory(plain, "main")
    assert str(error.value) == f"{plain} is not in a git repository: --base needs one"


# --- a modelrail repository in a subfolder ------------------------------------------


@pytest.mark.parametrize("folder", ["ml", "ml models/modèles"])
def test_specs_are_read_through_the_prefix(tmp_path: Path, folder: str) -> None:
    top = tmp_path / "top"
    top.mkdir()
    commit(top, {SPEC: spec_text(1), f"{folder}/{SPEC}": spec_text(2)})
    with GitHistory(top / folder, "main") as history:
        assert history.prefix == f"{folder}/"
        data = history.spec_at_base("staging", "model")
        assert data is not None
        assert data["spec"]["rollout"]["currentStep"] == 2
        # read() takes paths from the git top level, prefix and all
        assert history.read(SPEC) == spec_text(1).encode()
        assert history.read(f"{folder}/{SPEC}") == spec_text(2).encode()
    with GitHistory(top / folder / "environments", "main") as deeper:
        assert deeper.prefix == f"{folder}/environments/"


def test_a_prefix_that_starts_with_a_space(tmp_path: Path) -> None:
    top = tmp_path / "top"
    top.mkdir()
    commit(top, {f" ml/{SPEC}": spec_text(2)})
    with GitHistory(top / " ml", "main") as history:
        assert history.prefix == " ml/"
        assert history.spec_at_base("staging", "model") is not None


# --- StaticHistory and Context.base_spec ----------------------------------------------


def spec_data(step: int) -> dict[str, Any]:
    return {
        "metadata": {"name": "model", "environment": "staging"},
        "spec": {"rollout": {"strategy": "canary", "currentStep": step}},
    }


def test_static_history() -> None:
    empty = StaticHistory()
    assert empty.base == "base"
    assert empty.spec_at_base("staging", "model") is None
    data = spec_data(2)
    history = StaticHistory("origin/main", {("staging", "model"): data})
    assert history.base == "origin/main"
    assert history.spec_at_base("staging", "model") is data
    assert history.spec_at_base("prod", "model") is None
    assert history.spec_at_base("staging", "other") is None
    assert StaticHistory().specs is not StaticHistory().specs  # no shared default


def test_context_base_spec_with_either_history(top: Path) -> None:
    today = datetime.date(2026, 11, 20)
    spec = Spec(spec_data(3))
    assert Context(today).base_spec(spec) is None  # no --base
    static: History = StaticHistory(specs={("staging", "model"): spec_data(2)})
    before = Context(today, history=static).base_spec(spec)
    assert before is not None
    assert before.rollout["currentStep"] == 2
    with GitHistory(top, "base") as git_history:
        from_git = Context(today, history=git_history).base_spec(spec)
        assert from_git is not None
        assert from_git.rollout["currentStep"] == 2
        assert from_git.model["version"] == "1.0.0"
        # a spec new since the base
        other = Spec(
            {**spec_data(1), "metadata": {"name": "new", "environment": "staging"}}
        )
        assert Context(today, history=git_history).base_spec(other) is None


@pytest.mark.parametrize(
    "data",
    [
        {"metadata": {"name": "model"}},  # no spec
        {"metadata": "model", "spec": {}},  # not mappings
        {"metadata": {"name": "model"}, "spec": ["a"]},
    ],
)
def test_base_spec_is_none_for_a_base_that_is_not_a_spec(data: dict[str, Any]) -> None:
    spec = Spec(spec_data(3))
    history = StaticHistory(specs={("staging", "model"): data})
    assert Context(datetime.date(2026, 11, 20), history=history).base_spec(spec) is None


def test_static_history_entries() -> None:
    moment = datetime.datetime(2026, 11, 19, 6, 0, tzinfo=datetime.UTC)
    entry = Entry("a" * 40, moment)
    history = StaticHistory(entries={("staging", "model", "1.0.0"): entry})
    assert history.entered("staging", "model", "1.0.0") is entry
    assert history.entered("staging", "model", "1.0.1") is None
    assert history.entered("prod", "model", "1.0.0") is None
    assert StaticHistory().entered("staging", "model", "1.0.0") is None
    assert StaticHistory().entries is not StaticHistory().entries
    assert entry.short == "a" * 12


# --- entered: the commit that brought a version ------------------------------------


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> datetime.datetime:
    """Commit from now on at ``moment`` (committer), authored a year before:
    entered reads the committer's time (when it reached the branch)."""
    when = datetime.datetime.fromisoformat(moment)
    monkeypatch.setenv("GIT_COMMITTER_DATE", moment)
    authored = when.replace(year=when.year - 1)
    monkeypatch.setenv("GIT_AUTHOR_DATE", authored.isoformat())
    return when.astimezone(datetime.UTC)


def version_text(version: str, step: int = 1) -> str:
    return spec_text(step, version)


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """An empty folder for a git repository of the test's own."""
    top = tmp_path / "top"
    top.mkdir()
    return top


def entered(top: Path, version: str, name: str = "model") -> Entry | None:
    with GitHistory(top, "HEAD") as history:
        return history.entered("staging", name, version)


def test_entered_is_the_commit_that_set_the_version(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    when = at(monkeypatch, "2026-03-01T10:00:00+02:00")
    first = commit(fresh, {SPEC: version_text("1.0.0")})
    found = entered(fresh, "1.0.0")
    assert found is not None
    assert found == Entry(first, datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC))
    assert found.time == when
    assert found.time.tzinfo is datetime.UTC
    assert found.short == first[:12]
    assert entered(fresh, "1.0.1") is None  # never ran
    assert entered(fresh, "1.0.0", "other") is None  # no such spec


def test_later_commits_that_keep_the_version_keep_the_first(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("0.9.0")})
    when = at(monkeypatch, "2026-03-02T00:00:00Z")
    first = commit(fresh, {SPEC: version_text("1.0.0", step=1)})
    at(monkeypatch, "2026-03-03T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0", step=2)})  # the canary moves on
    commit(fresh, {"environments/staging/other.yaml": "a: 1\n"})  # another file
    commit(fresh, {SPEC: version_text("1.0.0", step=2) + "# a comment\n"})
    assert entered(fresh, "1.0.0") == Entry(first, when)
    assert entered(fresh, "0.9.0") is None  # it ran, then left


def test_a_version_that_left_and_came_back_counts_from_its_return(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})  # A
    at(monkeypatch, "2026-03-02T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.1.0")})  # B
    when = at(monkeypatch, "2026-03-03T00:00:00Z")
    back = commit(fresh, {SPEC: version_text("1.0.0")})  # A again (a rollback)
    assert entered(fresh, "1.0.0") == Entry(back, when)
    assert entered(fresh, "1.1.0") is None  # HEAD runs another version


def test_a_deleted_spec_has_no_entry(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    (fresh / SPEC).unlink()
    commit(fresh, {})
    assert entered(fresh, "1.0.0") is None
    when = at(monkeypatch, "2026-03-05T00:00:00Z")
    again = commit(fresh, {SPEC: version_text("1.0.0")})  # re-added: starts over
    assert entered(fresh, "1.0.0") == Entry(again, when)


def test_a_spec_that_does_not_parse_in_between_ends_the_stretch(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    commit(fresh, {SPEC: "spec: {model: [\n"})
    when = at(monkeypatch, "2026-03-02T00:00:00Z")
    fixed = commit(fresh, {SPEC: version_text("1.0.0")})
    assert entered(fresh, "1.0.0") == Entry(fixed, when)


def test_only_head_counts_not_the_index_nor_the_working_tree(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    when = at(monkeypatch, "2026-03-01T00:00:00Z")
    first = commit(fresh, {SPEC: version_text("1.0.0")})
    write(fresh, {SPEC: version_text("2.0.0")})
    git(fresh, "add", SPEC)  # staged
    write(fresh, {SPEC: version_text("3.0.0")})  # and edited again
    assert entered(fresh, "1.0.0") == Entry(first, when)
    assert entered(fresh, "2.0.0") is None
    assert entered(fresh, "3.0.0") is None


def test_a_merged_branch_counts_from_its_merge(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First-parent: the version reached main when its pull request was
    merged, not when its branch was written (dated earlier here)."""
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    git(fresh, "checkout", "-q", "-b", "feature")
    at(monkeypatch, "2026-03-02T00:00:00Z")
    written = commit(fresh, {SPEC: version_text("2.0.0", step=0)})
    commit(fresh, {SPEC: version_text("2.0.0", step=1)})
    git(fresh, "checkout", "-q", "main")
    at(monkeypatch, "2026-03-04T00:00:00Z")
    commit(fresh, {"docs.md": "main moves on\n"})
    when = at(monkeypatch, "2026-03-10T00:00:00Z")
    git(fresh, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    merge = git(fresh, "rev-parse", "HEAD")
    found = entered(fresh, "2.0.0")
    assert found is not None
    assert found.commit != written
    assert found == Entry(merge, when)
    # on the branch itself, its own commit is the first parent
    git(fresh, "checkout", "-q", "feature")
    assert entered(fresh, "2.0.0") == Entry(
        written, datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    )


def test_a_merge_that_keeps_the_version_keeps_the_entry(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A branch that only moved the canary, merged later: the version was
    already on main, so its entry stays the earlier commit."""
    when = at(monkeypatch, "2026-03-01T00:00:00Z")
    first = commit(fresh, {SPEC: version_text("2.0.0", step=1)})
    git(fresh, "checkout", "-q", "-b", "canary")
    at(monkeypatch, "2026-03-02T00:00:00Z")
    commit(fresh, {SPEC: version_text("2.0.0", step=2)})
    git(fresh, "checkout", "-q", "main")
    at(monkeypatch, "2026-03-03T00:00:00Z")
    git(fresh, "merge", "-q", "--no-ff", "-m", "merge canary", "canary")
    assert entered(fresh, "2.0.0") == Entry(first, when)


def test_a_fast_forward_counts_from_the_branch_commit(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    git(fresh, "checkout", "-q", "-b", "feature")
    when = at(monkeypatch, "2026-03-02T00:00:00Z")
    written = commit(fresh, {SPEC: version_text("2.0.0")})
    git(fresh, "checkout", "-q", "main")
    at(monkeypatch, "2026-03-09T00:00:00Z")
    git(fresh, "merge", "-q", "--ff-only", "feature")
    assert entered(fresh, "2.0.0") == Entry(written, when)


def test_entered_through_a_subfolder_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A decoy spec at the top level runs the same version from earlier: the
    answer is the subfolder's own commit."""
    top = tmp_path / "top"
    top.mkdir()
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(top, {SPEC: version_text("1.0.0")})
    when = at(monkeypatch, "2026-03-02T00:00:00Z")
    mine = commit(top, {f"ml modèles/{SPEC}": version_text("1.0.0")})
    at(monkeypatch, "2026-03-03T00:00:00Z")
    commit(top, {SPEC: version_text("1.0.0", step=3)})  # only the decoy
    assert entered(top / "ml modèles", "1.0.0") == Entry(mine, when)


def test_entered_asks_git_once_per_question(
    fresh: Path,
    monkeypatch: pytest.MonkeyPatch,
    popens: list[subprocess.Popen[Any]],
) -> None:
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    commit(fresh, {SPEC: version_text("1.0.0", step=2)})
    with GitHistory(fresh, "HEAD") as history:
        del popens[:]  # rev-parse in the constructor

        def logs() -> int:
            return sum(1 for p in popens if subcommand(p) == "log")

        first = history.entered("staging", "model", "1.0.0")
        assert first is not None
        assert logs() == 1
        for _ in range(5):
            assert history.entered("staging", "model", "1.0.0") is first
            assert history.entered("staging", "model", "9.9.9") is None
            assert history.entered("staging", "nope", "1.0.0") is None
        # one per key with a spec at HEAD (None answers cached too); a spec
        # not at HEAD needs no log at all
        assert logs() == 2
        # the commits are read through the one cat-file process
        assert [p.args for p in popens if subcommand(p) != "log"] == [
            transport.argv("cat-file", "--batch")
        ]


# --- a shallow clone ------------------------------------------------------------------


def shallow_clone(origin: Path, target: Path) -> Path:
    git(target.parent, "clone", "-q", "--depth", "1", origin.as_uri(), target.name)
    assert git(target, "rev-parse", "--is-shallow-repository") == "true"
    return target


def test_a_shallow_clone_is_refused(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    commit(origin, {SPEC: version_text("1.0.0")})
    commit(origin, {SPEC: version_text("1.1.0")})
    clone = shallow_clone(origin, tmp_path / "clone")
    for ref in ("HEAD", "main", "origin/main"):
        with pytest.raises(RepositoryError) as error:
            GitHistory(clone, ref)
        message = str(error.value)
        assert message.startswith(f"the clone at {clone} is shallow: "), message
        assert "git fetch --unshallow" in message
        assert "fetch-depth: 0" in message
    GitHistory(origin, "HEAD").close()  # the full history is fine
    git(clone, "fetch", "-q", "--unshallow")  # what the message says to do
    with GitHistory(clone, "main") as history:
        assert history.entered("staging", "model", "1.1.0") is not None


def test_check_base_on_a_shallow_clone_exits_2(tmp_path: Path) -> None:
    origin = copy_repo(tmp_path / "origin")
    commit(origin, {})
    commit(origin, {"environments/prod/notes.txt": "a second commit\n"})
    clone = shallow_clone(origin, tmp_path / "clone")
    result = CliRunner().invoke(main, ["check", "--root", str(clone), "--base", "main"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: the clone at {clone} is shallow: ")
    assert lines[0].endswith("in GitHub Actions, actions/checkout with fetch-depth: 0)")


def test_entered_reads_head_whatever_the_base(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base says what the change started from; when a version entered a
    spec is a question about the history that is checked out (HEAD)."""
    at(monkeypatch, "2026-03-01T00:00:00Z")
    commit(fresh, {SPEC: version_text("1.0.0")})
    when = at(monkeypatch, "2026-03-02T00:00:00Z")
    head = commit(fresh, {SPEC: version_text("2.0.0")})
    with GitHistory(fresh, "HEAD~1") as history:
        assert history.entered("staging", "model", "2.0.0") == Entry(head, when)
        assert history.entered("staging", "model", "1.0.0") is None


def test_a_yml_spec_has_a_base_and_an_entry(fresh: Path) -> None:
    first = commit(fresh, {SPEC.replace(".yaml", ".yml"): version_text("1.0.0")})
    with GitHistory(fresh, "HEAD") as history:
        assert history.spec_at_base("staging", "model") is not None
        entry = history.entered("staging", "model", "1.0.0")
        assert entry is not None
        assert entry.commit == first


# --- runs: one log of the folder for many specs ----------------------------


def many_commits(top: Path, monkeypatch: pytest.MonkeyPatch, sub: str) -> list[str]:
    """A history with what a path's own log must see: versions that go and
    come back, a side branch merged with --no-ff (its own commits are off the
    first-parent line), a .yaml renamed to .yml, a spec deleted and added
    again, one that does not parse for a commit, a mode change, a spec that
    becomes a folder, and names with spaces and quotes. The specs' names."""
    names = [f"m{i}" for i in range(6)] + ['odd "name" 1', "becomes-folder"]
    env = f"{sub}environments/staging"

    def spec(name: str, version: str) -> str:
        return version_text(version).replace("name: model", f"name: {name!r}")

    day = iter(range(1, 40))

    def step(files: dict[str, bytes | str], message: str = "c") -> None:
        at(monkeypatch, f"2026-03-{next(day):02d}T00:00:00Z")
        commit(top, files, message)

    step({f"{env}/{n}.yaml": spec(n, "1.0.0") for n in names}, "base")
    step({f"{env}/m{i}.yaml": spec(f"m{i}", "1.1.0") for i in range(4)})
    step({f"{env}/m0.yaml": spec("m0", "1.0.0"), f"{env}/m1.yaml": "spec: {a: [\n"})
    git(top, "checkout", "-q", "-b", "side")
    step({f"{env}/m2.yaml": spec("m2", "1.2.0")}, "side 1")
    step({f"{env}/m2.yaml": spec("m2", "1.3.0"), f"{env}/m3.yaml": spec("m3", "2.0")})
    git(top, "checkout", "-q", "main")
    step({f"{env}/m4.yaml": spec("m4", "1.4.0")})
    at(monkeypatch, "2026-03-30T00:00:00Z")
    git(top, "merge", "-q", "--no-ff", "side", "-m", "merge side")
    git(top, "mv", f"{env}/m5.yaml", f"{env}/m5.yml")
    step({f"{env}/m1.yaml": spec("m1", "1.1.0")}, "rename, mend")
    git(top, "rm", "-q", f"{env}/m4.yaml")
    git(top, "update-index", "--chmod=+x", f"{env}/m0.yaml")
    step({}, "delete m4, m0 executable")
    git(top, "rm", "-q", f"{env}/becomes-folder.yaml")
    step({f"{env}/m4.yaml": spec("m4", "1.5.0"), f"{env}/becomes-folder.yaml/x": "a"})
    step({f'{env}/odd "name" 1.yaml': spec('odd "name" 1', "1.0.1")})
    return [*names, "never-committed", "../staging/m0"]


def answers(history: GitHistory, names: list[str]) -> list[object]:
    seen: list[object] = []
    for name in names:
        seen.append(history.runs("staging", name))
        seen.extend(history.ran_before("staging", name, v) for v in ("1.0.0", "9"))
        seen.append(history.spec_at_base("staging", name))
    return seen


@pytest.mark.parametrize("sub", ["", "sub dir/"])
def test_runs_of_many_specs_read_one_log_and_match_each_paths_own(
    fresh: Path, monkeypatch: pytest.MonkeyPatch, sub: str
) -> None:
    names = many_commits(fresh, monkeypatch, sub)
    root = fresh / sub if sub else fresh
    root.mkdir(exist_ok=True)
    started: list[tuple[str, ...]] = []
    real = transport.run

    def counted(cwd: Path, *args: str, **kwargs: Any) -> Any:
        started.append(args)
        return real(cwd, *args, **kwargs)

    monkeypatch.setattr(transport, "run", counted)
    with GitHistory(root, "HEAD") as history:
        del started[:]  # rev-parse in the constructor
        batched = answers(history, names * 3)  # asked again: from the caches
    logs = [args for args in started if args[0] == "log"]
    # two specs on their own logs, then one log of the folder answers all
    # (the odd name, the dotted path and the folder on their own logs)
    assert len(logs) <= 2 + 1 + 3
    assert sum("--raw" in args for args in logs) == 1
    monkeypatch.setattr(history_module, "_PER_PATH_LOGS", 10**9)
    with GitHistory(root, "HEAD") as history:
        del started[:]
        each = answers(history, names * 3)
    assert sum(args[0] == "log" for args in started) > len(names)
    assert batched == each
    stretches = history.runs("staging", "m2")
    assert [s.version for s in stretches] == ["1.3.0", "1.1.0", "1.0.0"]
    assert history.runs("staging", "m5")[0].version == "1.0.0"  # the .yml
    # deleted between 1.4.0 and 1.5.0: two stretches, not one
    assert [s.version for s in history.runs("staging", "m4")] == [
        "1.5.0",
        "1.4.0",
        "1.0.0",
    ]
