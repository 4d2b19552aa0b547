"""The output folder is replaced whole or not at all.

- A real ``modelrail render`` of a repository big enough to take a second or
  two is killed with SIGKILL at many moments (while it starts, renders, writes
  the new tree, swaps it in, deletes the old one): the output folder is always
  exactly the old tree or exactly the new one, and the next render cleans up.
- The two-rename fallback (no ``renameat2(RENAME_EXCHANGE)``): a second rename
  that fails, and a process killed between the two renames, leave the old tree
  parked; the next ``replace()`` puts it back before anything else.
- A template made to produce an invalid manifest fails the render (exit 2,
  naming the spec, the kind and the pointer) and the old output is untouched.
- A non-empty output folder that modelrail did not make is refused (exit 2).
- While the workers write, a thread syncs the new tree every so often and
  ends with them; nothing written, no thread; a sync that fails there stops
  it quietly (the sync before the swap reports).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from modelrail.errors import ModelrailError
from modelrail.render import tree
from modelrail.render.renderer import MARKER, MARKER_TEXT
from testing.render import (
    clone_spec,
    make_repo,
    modelrail_command,
    read_tree,
    render_repo,
)
from testing.repo import bundled, replace_once

OLD = {
    MARKER: MARKER_TEXT,
    "prod/a/rollout.yaml": "kind: Rollout\nname: a\n",
    "prod/b/rollout.yaml": "kind: Rollout\nname: b\n",
}
NEW = {
    MARKER: MARKER_TEXT,
    "prod/a/rollout.yaml": "kind: Rollout\nname: a\nversion: 2\n",
    "prod/c/rollout.yaml": "kind: Rollout\nname: c\n",
}


def _bytes(files: dict[str, str]) -> dict[str, bytes]:
    return {k: v.encode("utf-8") for k, v in files.items()}


def _leftovers(out: Path) -> list[str]:
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.new-")
        or p.name.startswith(f".{out.name}.old-")
    )


# (a) SIGKILL at many moments -------------------------------------------------

COPIES = 60  # ~1 s a render, a good part of it writing the new tree


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A repository with 60 more models, rendered before (``old``) and after
    (``new``) a change that touches every prod file and removes ten models."""
    base = tmp_path_factory.mktemp("big")
    repo = make_repo(base / "repo")
    for i in range(COPIES):
        clone_spec(repo, "prod", "fraud-detector", f"model-{i:03d}")
    old, new = base / "old", base / "new"
    result = render_repo(repo, old)
    assert result.returncode == 0, result.stderr
    replace_once(
        repo / "environments" / "prod" / "environment.yaml",
        "  namespace: models-prod\n",
        "  namespace: models-prod-eu\n",
    )
    for i in range(0, COPIES, 10):
        (repo / "environments" / "prod" / f"model-{i:03d}.yaml").unlink()
    result = render_repo(repo, new)
    assert result.returncode == 0, result.stderr
    return repo, old, new


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def _staging_seen(parent: Path, name: str) -> bool:
    return any(n.startswith(f".{name}.new-") for n in os.listdir(parent))


@pytest.mark.slow
def test_killed_render_leaves_old_or_new_tree(
    big_repo: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    repo, old_dir, new_dir = big_repo
    old, new = read_tree(old_dir), read_tree(new_dir)
    assert old != new
    assert set(old) - set(new), "the new tree must lack some files of the old one"
    site = tmp_path / "site"
    site.mkdir()
    out = site / "rendered"
    shutil.copytree(old_dir, out)
    command = [*modelrail_command(), "render", "--root", str(repo), "--out", str(out)]

    def start() -> tuple[subprocess.Popen[bytes], float]:
        if read_tree(out) != old:
            shutil.rmtree(out)
            shutil.copytree(old_dir, out)
        proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return proc, time.monotonic()

    def wait_for_staging(proc: subprocess.Popen[bytes]) -> None:
        while proc.poll() is None and not _staging_seen(site, out.name):
            time.sleep(0.0002)

    # calibrate: when the new tree starts being written, when the render ends
    proc, began = start()
    wait_for_staging(proc)
    staging_at = time.monotonic() - began
    proc.wait()
    writing = time.monotonic() - began - staging_at
    assert proc.returncode == 0
    assert read_tree(out) == new

    # kill before the staging folder exists (start-up, loading, rendering), at
    # fractions of the writing phase after it appears, and as soon as the
    # output folder is another inode (swapped in: the old tree is being deleted)
    moments: list[tuple[str, float]] = [("start", 0.05), ("render", staging_at * 0.8)]
    moments += [("write", writing * f) for f in (0, 0.3, 0.6, 0.9)]
    moments += [("swapped", 0.0), ("swapped", 0.002)]
    outcomes: list[tuple[str, float, str, bool, bool]] = []
    for phase, delay in moments:
        proc, began = start()
        if phase == "write":
            wait_for_staging(proc)
            began = time.monotonic()
        elif phase == "swapped":
            inode = out.stat().st_ino
            while proc.poll() is None and _inode(out) in (inode, None):
                time.sleep(0.0001)
            began = time.monotonic()
        while proc.poll() is None and time.monotonic() - began < delay:
            time.sleep(0.0005)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        found = read_tree(out)
        state = "old" if found == old else "new" if found == new else "MIXED"
        outcomes.append((phase, round(delay, 3), state, alive, bool(_leftovers(out))))
        assert state != "MIXED", (
            f"killed at {phase}+{delay:.3f}s: {len(found)} files, "
            f"{len(set(found) ^ set(old))} names differ from the old tree, "
            f"{len(set(found) ^ set(new))} from the new; outcomes so far {outcomes}"
        )
    killed_while_writing = [o for o in outcomes if o[0] == "write" and o[3]]
    assert killed_while_writing, f"no kill landed while writing: {outcomes}"
    assert any(o[2] == "old" and o[4] for o in killed_while_writing), outcomes
    killed_after_swap = [o for o in outcomes if o[0] == "swapped"]
    assert all(o[2] == "new" for o in killed_after_swap), outcomes

    # killed as soon as it writes: the unfinished tree stays beside the old one;
    # --check writes nothing (and cleans nothing); the next render cleans up
    proc, _ = start()
    wait_for_staging(proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert read_tree(out) == old
    left = _leftovers(out)
    assert left, "the unfinished staging folder should still be there"
    check = render_repo(repo, out, "--check")
    assert check.returncode == 1, check.stderr
    assert read_tree(out) == old
    assert _leftovers(out) == left
    done = render_repo(repo, out)
    assert done.returncode == 0, done.stderr
    assert read_tree(out) == new
    assert _leftovers(out) == []


# (b) the two-rename fallback -------------------------------------------------


def test_fallback_swap_replaces_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree, "_exchange", lambda a, b: False)
    out = tmp_path / "rendered"
    tree.replace(out, OLD)
    assert read_tree(out) == _bytes(OLD)
    assert tree.replace(out, NEW) == 3  # a changed, b gone, c new
    assert read_tree(out) == _bytes(NEW)
    assert _leftovers(out) == []


def test_exchange_is_used_where_the_system_has_it(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not tree._exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) on this system")
    assert ((a / "x").read_text(), (b / "x").read_text()) == ("b", "a")


def test_second_rename_fails_and_the_old_tree_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tree, "_exchange", lambda a, b: False)
    out = tmp_path / "rendered"
    tree.replace(out, OLD)
    real_rename = os.rename

    def failing_rename(
        src: os.PathLike[str] | str, dst: os.PathLike[str] | str
    ) -> None:
        if Path(dst) == out and ".new-" in Path(src).name:
            raise OSError(5, "Input/output error")
        real_rename(src, dst)

    monkeypatch.setattr(tree.os, "rename", failing_rename)
    with pytest.raises(ModelrailError, match="cannot replace"):
        tree.replace(out, NEW)
    # the old tree is back in place at once, whole; nothing is left beside it
    assert read_tree(out) == _bytes(OLD)
    assert _leftovers(out) == []

    monkeypatch.setattr(tree.os, "rename", real_rename)
    assert tree.replace(out, OLD) == 0
    assert tree.replace(out, NEW) == 3
    assert read_tree(out) == _bytes(NEW)


_CRASH = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from modelrail.render import tree

    tree._exchange = lambda a, b: False
    real = os.rename
    calls = []

    def rename(src, dst):
        calls.append(src)
        if len(calls) == 2:  # between the two renames of the swap
            os.kill(os.getpid(), signal.SIGKILL)
        real(src, dst)

    os.rename = rename
    files = {{"README.md": {marker!r}, "prod/c/rollout.yaml": "kind: Rollout\\n"}}
    tree.replace(Path(sys.argv[1]), files)
    """
)


def test_crash_between_the_two_renames_is_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rendered"
    tree.replace(out, OLD)
    script = _CRASH.format(marker=MARKER_TEXT)
    result = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert not out.exists()
    left = _leftovers(out)
    assert [n.split("-", 1)[0] for n in left] == [".rendered.new", ".rendered.old"]
    assert read_tree(tmp_path / left[1]) == _bytes(OLD)
    # the check of a repository in this state writes nothing and says so
    assert {d.state for d in tree.differences(out, OLD)} == {"missing"}

    monkeypatch.setattr(tree, "_exchange", lambda a, b: False)
    assert tree.replace(out, OLD) == 0
    assert read_tree(out) == _bytes(OLD)
    assert _leftovers(out) == []


def test_old_tree_parked_beside_a_complete_output_is_dropped(tmp_path: Path) -> None:
    """A crash after the second rename: the output is the new tree already."""
    out = tmp_path / "rendered"
    tree.replace(out, NEW)
    parked = tmp_path / ".rendered.old-abc123"
    parked.mkdir()
    (parked / MARKER).write_text(MARKER_TEXT)
    assert tree.replace(out, NEW) == 0
    assert read_tree(out) == _bytes(NEW)
    assert _leftovers(out) == []


# (c) an invalid manifest, (d) a foreign output folder --------------------------


def test_invalid_manifest_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    first = render_repo(repo)
    assert first.returncode == 0, first.stderr
    before = read_tree(repo / "rendered")
    replace_once(
        repo / "render" / "templates" / "rollout.yaml.j2",
        "      steps:\n        {{ steps",
        "      stepz:\n        {{ steps",
    )
    result = render_repo(repo)
    assert result.returncode == 2, result.stderr
    message = result.stderr
    assert "Traceback" not in message
    assert "error: environments/dev/fraud-detector.yaml:5:9: " in message  # the spec
    assert "invalid Rollout 'fraud-detector'" in message  # the kind and name
    assert "/spec/strategy/canary" in message  # the pointer
    assert "stepz" in message
    assert "render/templates/rollout.yaml.j2" in message
    assert result.stdout == ""
    assert read_tree(repo / "rendered") == before
    assert _leftovers(repo / "rendered") == []


def test_foreign_output_folder_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<p>mine</p>\n")
    result = render_repo(repo, out)
    assert result.returncode == 2
    assert "not made by modelrail render" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_tree(out) == {"index.html": b"<p>mine</p>\n"}
    assert _leftovers(out) == []
    # a README.md that is not ours does not make it ours
    (out / MARKER).write_text("# my site\n")
    result = render_repo(repo, out)
    assert result.returncode == 2
    assert sorted(read_tree(out)) == ["README.md", "index.html"]


def test_empty_or_missing_output_folder_is_fine(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (empty, tmp_path / "new" / "deeper"):
        result = render_repo(repo, out)
        assert result.returncode == 0, result.stderr
        assert read_tree(out) == read_tree(bundled() / "rendered")


def test_output_that_is_a_file_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    out = tmp_path / "out.txt"
    out.write_text("keep me\n")
    result = render_repo(repo, out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert out.read_text() == "keep me\n"


def test_an_output_that_is_a_symbolic_link_has_its_target_replaced(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real"
    tree.replace(real, OLD)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert tree.replace(link, NEW) == 3
    assert link.is_symlink()  # the link stays a link, to the new tree
    assert read_tree(link) == _bytes(NEW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_glob_characters_in_the_output_name_touch_no_sibling(tmp_path: Path) -> None:
    out = tmp_path / "g[1]"
    sibling = tmp_path / ".g1.new-other"  # what the glob g[1] would match
    sibling.mkdir()
    tree.replace(out, OLD)
    tree.replace(out, NEW)
    assert sibling.is_dir()
    assert read_tree(out) == _bytes(NEW)


def test_files_that_are_not_text_or_not_files_are_extra(tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    tree.replace(out, OLD)
    (out / "logo.png").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "payload").mkdir()
    (out / "linked").symlink_to(tmp_path / "payload", target_is_directory=True)
    found = {(d.path, d.state) for d in tree.differences(out, OLD)}
    assert found == {("logo.png", "extra"), ("linked", "extra")}
    assert tree.replace(out, OLD) == 2
    assert read_tree(out) == _bytes(OLD)
    assert not (out / "linked").exists()
    assert (tmp_path / "payload").is_dir()  # a link is removed, not followed


# --- flushing while the workers write ------------------------------------------


def test_the_new_tree_is_flushed_while_it_is_written_and_the_thread_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    real = tree._sync

    def counting(folder: Path) -> None:
        synced.append(folder)
        real(folder)

    monkeypatch.setattr(tree, "_sync", counting)
    with tree.flushing(tmp_path, every=0.01):
        deadline = time.monotonic() + 5
        while len(synced) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert synced[:2] == [tmp_path, tmp_path]
    assert not [t for t in threading.enumerate() if t.name == "modelrail-flush"]
    count = len(synced)
    time.sleep(0.05)
    assert len(synced) == count  # stopped with the body


def test_nothing_written_nothing_flushed(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(folder: Path) -> None:
        raise AssertionError(f"synced {folder}")

    monkeypatch.setattr(tree, "_sync", failing)
    before = threading.active_count()
    with tree.flushing(None, every=0.001):
        assert threading.active_count() == before
        time.sleep(0.01)


def test_a_sync_that_fails_in_the_thread_stops_it_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def failing(folder: Path) -> None:
        calls.append(folder)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(tree, "_sync", failing)
    with tree.flushing(tmp_path, every=0.001):
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.02)
    assert calls == [tmp_path]  # one try, then the final sync decides
