"""Read-only git context for policies: the repository as it was at a base ref.

``check --base REF`` gives the policies a :class:`GitHistory`: a policy that
judges a change (a KServe canary advances one step per pull request, a
version enters production only after its soak) asks what the same spec said
at the base, and when a version entered an environment: the commit of the
first-parent history of HEAD that brought it into the spec (on main, the
merge of the pull request that did it). Reads go through one ``git cat-file
--batch`` process, so asking for a thousand specs costs one process, not a
thousand.

A shallow clone does not have that history: it is refused (exit 2) with what
to do, rather than giving verdicts on a history cut short.

Nothing here writes to the repository or runs a command that could (no
checkout, no fetch); a ref that does not resolve is bad input (exit 2).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Protocol, Self

from modelrail.errors import RepositoryError
from modelrail.git import transport
from modelrail.repository.layout import YAML_SUFFIXES
from modelrail.repository.loader import LoadError, load_text

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Mapping, Sequence
    from pathlib import Path


class History(Protocol):
    """What a policy may ask about the base of a change."""

    @property
    def base(self) -> str:
        """The base ref as given (for messages)."""
        ...

    def spec_at_base(self, environment: str, name: str) -> Mapping[str, Any] | None:
        """The data of ``environments/<environment>/<name>.yaml`` at the base;
        None when the file did not exist there (or was not a mapping)."""
        ...

    def entered(self, environment: str, name: str, version: str) -> Entry | None:
        """The commit that brought ``version`` into the committed spec
        ``environments/<environment>/<name>.yaml`` (the start of its latest
        stretch there); None when the spec at HEAD does not run it."""
        ...

    def ran_before(self, environment: str, name: str, version: str) -> str | None:
        """The latest version other than ``version`` that the environment's
        spec of the model ran in the base's first-parent history; None when
        it never ran another one there (the model's first release)."""
        ...

    def runs(self, environment: str, name: str) -> Sequence[Stretch]:
        """What the environment's spec of the model ran, stretch by stretch,
        newest first, along the base's first-parent history (empty when the
        spec was never committed)."""
        ...


@dataclass(frozen=True, slots=True)
class Entry:
    """A commit: its id and when it was committed (UTC)."""

    commit: str
    time: datetime.datetime

    @property
    def short(self) -> str:
        return self.commit[:12]


@dataclass(frozen=True, slots=True)
class Stretch:
    """A stretch of first-parent history in which a spec ran one version.

    ``since`` brought the version in, ``until`` replaced it (None: it still
    runs at the base); ``last`` is the newest commit of the stretch, and
    ``text`` and ``data`` the spec there: what ran when it last ran.
    """

    version: str
    since: Entry
    until: Entry | None
    last: Entry
    text: str
    data: Mapping[str, Any]

    @property
    def identity(self) -> tuple[str | None, str | None, str | None, str | None]:
        """What makes the model that ran: version, artifact, digest, image."""
        return identity(self.data)


def identity(
    data: Mapping[str, Any],
) -> tuple[str | None, str | None, str | None, str | None]:
    """(version, artifact, digest, serving image) of a spec's data."""

    def section(parent: Any, key: str) -> Mapping[str, Any]:
        value = parent.get(key) if isinstance(parent, dict) else None
        return value if isinstance(value, dict) else {}

    spec = section(data, "spec")
    model, serving = section(spec, "model"), section(spec, "serving")

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return (
        text(model.get("version")),
        text(model.get("artifact")),
        text(model.get("digest")),
        text(serving.get("image")),
    )


def at_head(root: Path) -> GitHistory | str:
    """HEAD as the base, for a plain ``check`` in a git checkout: what the
    working tree changes is judged as a change (a promotion waiting to be
    committed meets its soak, or says when it may), or why there is no such
    history (a line for the user: the promotion rules are skipped)."""
    try:
        done = transport.run(
            root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository"
        )
    except RepositoryError:  # run() raises only when git cannot be started
        return "git is not installed"
    if done.returncode != 0:
        return f"{root} is not a git checkout"
    if done.stdout.split()[-1:] == [b"true"]:
        return "the clone is shallow (fetch the whole history to judge soak times)"
    if _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") is None:
        return "the repository has no commit yet"
    return GitHistory(root, "HEAD")


class GitHistory:
    """The repository at ``ref``, read through ``git cat-file --batch``."""

    def __init__(self, root: Path, ref: str) -> None:
        self.root = root
        self.base = ref
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if commit is None:
            raise RepositoryError(
                f"--base {ref!r} is not a commit of the repository at {root}: "
                "name a branch, tag or commit that exists locally (in CI, fetch "
                "the base branch, or check out with full history)"
            )
        self.commit: str = commit
        if _git(root, "rev-parse", "--is-shallow-repository") == "true":
            raise RepositoryError(
                f"the clone at {root} is shallow: --base judges promotions from "
                "git history (when a version entered staging), which a shallow "
                "clone cuts short; fetch the whole history (git fetch --unshallow; "
                "in GitHub Actions, actions/checkout with fetch-depth: 0)"
            )
        self.prefix = _git(root, "rev-parse", "--show-prefix", strip=False) or ""
        self._batch: subprocess.Popen[bytes] | None = None
        self._cache: dict[str, Mapping[str, Any] | None] = {}
        self._entries: dict[tuple[str, str, str], Entry | None] = {}
        self._runs: dict[tuple[str, str], list[Stretch]] = {}
        # the bytes of a path at the base, and what they parse to (text, data):
        # ``spec_at_base`` and the newest commit of ``runs`` share them
        self._base_raw: dict[str, bytes | None] = {}
        self._base_spec: dict[str, tuple[str | None, dict[str, Any] | None]] = {}
        # the first-parent commits that changed each path, newest first
        self._logs: dict[str, list[_Change]] = {}
        # every path's, from one log of the environments folder (None: not
        # read yet; False: it cannot stand in for the per-path logs)
        self._folder_log: _FolderLog | bool | None = None
        self._path_logs = 0  # per-path logs run so far
        # spec.model.version of a blob (by object id) that was parsed
        self._versions: dict[str, str | None] = {}

    def spec_at_base(self, environment: str, name: str) -> Mapping[str, Any] | None:
        for path in self._paths(environment, name):
            if path not in self._cache:
                self._cache[path] = self._load(path)
            if self._cache[path] is not None:
                return self._cache[path]
        return None

    def entered(self, environment: str, name: str, version: str) -> Entry | None:
        key = (environment, name, version)
        if key not in self._entries:
            # the spec's file at HEAD (one read each, through cat-file), then
            # one log of it
            here = [p for p in self._paths(environment, name) if self.read(p, "HEAD")]
            self._entries[key] = self._entered(here[0], version) if here else None
        return self._entries[key]

    def ran_before(self, environment: str, name: str, version: str) -> str | None:
        # from the base (main, for a pull request): a version a branch tried
        # and replaced before merging never ran in the environment
        for path in self._paths(environment, name):
            for index, change in enumerate(self._log(path)):
                ran = self._version_of(path, change, newest=index == 0)
                if ran is not None and ran != version:
                    return ran
        return None

    def runs(self, environment: str, name: str) -> list[Stretch]:
        key = (environment, name)
        if key not in self._runs:
            self._runs[key] = self._read_runs(environment, name)
        return self._runs[key]

    def _read_runs(self, environment: str, name: str) -> list[Stretch]:
        changes: list[_Change] = []
        path = ""
        # the file the base has (``.yaml``, else ``.yml``) before one it had once
        candidates = sorted(
            self._paths(environment, name), key=lambda p: not self._at_base(p)
        )
        for candidate in candidates:
            log = self._log(candidate)
            if log:
                path, changes = candidate, log
                break
        # newest first: a stretch grows back in time while the version stays
        runs: list[Stretch] = []
        newer: Entry | None = None  # the commit after (it replaced the stretch)
        current: dict[str, Any] | None = None
        for index, change in enumerate(changes):
            entry = change.entry
            known = self._versions.get(change.blob or "", _UNKNOWN)
            if known is not _UNKNOWN and (
                known is None or (current is not None and known == current["version"])
            ):
                # parsed before (same object, same bytes): only its version counts
                text, data, version = None, None, known
            else:
                text, data = self._spec_of(path, change, newest=index == 0)
                version = identity(data)[0] if data is not None else None
            if current is not None and version == current["version"]:
                current["since"] = entry
                newer = entry
                continue
            if current is not None:
                runs.append(Stretch(**current))
            current = None
            if version is not None and text is not None and data is not None:
                current = {
                    "version": version,
                    "since": entry,
                    "until": newer,
                    "last": entry,
                    "text": text,
                    "data": data,
                }
            newer = entry
        if current is not None:
            runs.append(Stretch(**current))
        return runs

    def _spec_of(
        self, path: str, change: _Change, *, newest: bool
    ) -> tuple[str | None, dict[str, Any] | None]:
        """The text and data of ``path`` as ``change`` left it (parsed once)."""
        if newest:
            # the newest change of a path is what the base has there
            parsed = self._parsed_at_base(path)
        else:
            parsed = _spec(self._read_change(path, change))
        if change.blob:
            self._versions[change.blob] = (
                identity(parsed[1])[0] if parsed[1] is not None else None
            )
        return parsed

    def _version_of(self, path: str, change: _Change, *, newest: bool) -> str | None:
        """``spec.model.version`` of ``path`` as ``change`` left it."""
        if change.blob is not None and change.blob in self._versions:
            return self._versions[change.blob]
        if newest:
            data = self._parsed_at_base(path)[1]
            version = identity(data)[0] if data is not None else None
        else:
            version = _version(self._read_change(path, change))
        if change.blob:
            self._versions[change.blob] = version
        return version

    def _read_change(self, path: str, change: _Change) -> bytes | None:
        if change.blob == "":
            return None  # deleted (or a submodule): nothing to read
        if change.blob is not None:
            return self._read_object(change.blob)
        return self.read(path, change.entry.commit)

    def _at_base(self, path: str) -> bool:
        """Whether the base has a file at ``path`` (``read(path)`` is not None)."""
        folder = self._folder_log  # when read already: one spec reads its file
        if isinstance(folder, _FolderLog) and path not in self._base_raw:
            known = folder.exists(path)
            if known is not None:
                return known
        return self._base_bytes(path) is not None

    def _base_bytes(self, path: str) -> bytes | None:
        if path not in self._base_raw:
            self._base_raw[path] = self.read(path)
        return self._base_raw[path]

    def _parsed_at_base(self, path: str) -> tuple[str | None, dict[str, Any] | None]:
        if path not in self._base_spec:
            self._base_spec[path] = _spec(self._base_bytes(path))
        return self._base_spec[path]

    def _log(self, path: str) -> list[_Change]:
        """The first-parent commits of the base that changed ``path``, newest
        first: from the log of the whole environments folder once more than
        a few specs ask, else (and for a path it cannot answer) from
        ``git log -- <path>``."""
        if path not in self._logs:
            folder = self._folder() if self._path_logs >= _PER_PATH_LOGS else None
            changes = folder.changes(path) if isinstance(folder, _FolderLog) else None
            if changes is None:
                self._path_logs += 1
                changes = self._path_log(path)
            self._logs[path] = changes
        return self._logs[path]

    def _path_log(self, path: str) -> list[_Change]:
        log = _git(
            self.root,
            "log",
            "--first-parent",
            "--format=%H %ct",
            self.commit,
            "--",
            f":(top,literal){path}",
        )
        changes = []
        for row in (log or "").splitlines():
            commit, _, stamp = row.partition(" ")
            changes.append(_Change(_entry(commit, stamp), None))
        return changes

    def _folder(self) -> _FolderLog | bool | None:
        """The log of the environments folder (read on first use), or False
        when it cannot give each path's history exactly."""
        if self._folder_log is None:
            self._folder_log = self._read_folder_log()
        return self._folder_log

    def _read_folder_log(self) -> _FolderLog | bool:
        # ``log.follow`` makes a one-path log follow renames, which the
        # folder's log cannot do for each file: keep the per-path logs then
        follow = transport.run(
            self.root, "config", "--type=bool", "--get", "log.follow"
        )
        if follow.returncode == 0 and follow.stdout.strip() == b"true":
            return False
        folder = f"{self.prefix}environments"
        done = transport.run(
            self.root,
            "log",
            "--first-parent",
            # each commit's changes against its first parent (a merge's too),
            # file by file, as a path's own log sees them: no renames (a
            # rename is the old path deleted, the new one added), paths from
            # the top, the root commit against nothing
            "--diff-merges=first-parent",
            "--raw",
            "--no-renames",
            "--no-relative",
            "--root",
            "--no-abbrev",
            "-z",
            "--format=%H %ct",
            self.commit,
            "--",
            f":(top,literal){folder}",
        )
        if done.returncode != 0:
            return False  # an older git, say: the per-path logs answer
        return _FolderLog.parse(done.stdout, folder)

    def _paths(self, environment: str, name: str) -> list[str]:
        """Where a spec may be: ``<name>.yaml``, else ``<name>.yml``."""
        folder = f"{self.prefix}environments/{environment}"
        return [f"{folder}/{name}{suffix}" for suffix in YAML_SUFFIXES]

    def _entered(self, path: str, version: str) -> Entry | None:
        # newest first, along the first parents: on main, a merged pull
        # request counts from its merge, not from when its branch was written
        log = _git(
            self.root,
            "log",
            "--first-parent",
            "--format=%H %ct",
            "HEAD",
            "--",
            f":(top,literal){path}",
        )
        found: Entry | None = None
        for row in (log or "").splitlines():
            commit, _, stamp = row.partition(" ")
            if _version(self.read(path, commit)) != version:
                break
            found = _entry(commit, stamp)
        # None when the newest commit already runs another version (or
        # deleted the spec): a version the spec ran once, then left, does not count
        return found

    def read(self, path: str, commit: str | None = None) -> bytes | None:
        """The bytes of ``path`` (relative to the git top level) at the base
        (or at ``commit``)."""
        return self._read_object(f"{commit or self.commit}:{path}")

    def _read_object(self, name: str) -> bytes | None:
        """The bytes of the blob ``name`` (``<commit>:<path>``, or an object
        id); None when it is missing or not a blob."""
        batch = self._process()
        assert batch.stdin is not None
        assert batch.stdout is not None
        batch.stdin.write(os.fsencode(f"{name}\n"))
        batch.stdin.flush()
        line = batch.stdout.readline().decode("utf-8", "replace").rstrip("\n")
        if line.endswith((" missing", " ambiguous")):
            return None  # "<object> missing" (the object may hold spaces)
        header = line.split()
        if len(header) != 3:
            raise RepositoryError(f"git cat-file answered {line!r}")
        # the object's content follows whatever it is: read it all, so the
        # next answer starts where it should
        body = _read_exactly(batch.stdout, int(header[2]) + 1)
        return body[:-1] if header[1] == "blob" else None

    def close(self) -> None:
        if self._batch is not None:
            batch, self._batch = self._batch, None
            assert batch.stdin is not None
            assert batch.stdout is not None
            batch.stdin.close()
            batch.wait()
            batch.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _process(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            self._batch = transport.cat_file_batch(self.root)
        return self._batch

    def _load(self, path: str) -> Mapping[str, Any] | None:
        # None when the base was broken (or not a mapping): judge the change
        # as new
        return self._parsed_at_base(path)[1]


# below this many per-path logs a history asks each path's own (``modelrail
# rollback`` asks about one spec); past it, one log of the folder answers all
_PER_PATH_LOGS = 2
_UNKNOWN: Any = object()
# the modes of a blob in a tree (file, executable, symbolic link), and those
# of nothing (deleted) and of a submodule: neither reads as a blob
_BLOB_MODES = (b"100644", b"100755", b"120000")
_NO_BLOB_MODES = (b"000000", b"160000")


@dataclass(frozen=True, slots=True)
class _Change:
    """A commit that changed a path, and the blob it left there: its object
    id, "" when it left no blob (deleted), None when not known (read the
    path at the commit)."""

    entry: Entry
    blob: str | None


class _FolderLog:
    """Each path's first-parent changes, from one ``git log --raw`` of the
    folder that holds them all."""

    def __init__(
        self, folder: str, changes: dict[str, list[_Change]], parents: set[str]
    ) -> None:
        self.folder = folder
        self._changes = changes
        # paths with changes below them: a folder in some commit, whose own
        # log counts the changes inside (the per-path log answers for them)
        self._parents = parents

    @classmethod
    def parse(cls, out: bytes, folder: str) -> _FolderLog | bool:
        """From ``git log -z --raw --format='%H %ct'``; False when the output
        is not what that writes."""
        changes: dict[str, list[_Change]] = {}
        parents: set[str] = set()
        entry: Entry | None = None
        tokens = out.split(b"\0")
        index = 0
        while index < len(tokens):
            token = tokens[index].lstrip(b"\n")
            index += 1
            if not token:
                continue
            if token.startswith(b":"):  # ":<mode> <mode> <id> <id> <status>"
                fields = token[1:].split(b" ")
                if entry is None or len(fields) != 5 or index >= len(tokens):
                    return False
                path = os.fsdecode(tokens[index])
                index += 1
                mode, blob = fields[1], fields[3].decode("ascii", "replace")
                if mode in _BLOB_MODES:
                    left: str | None = blob
                elif mode in _NO_BLOB_MODES:
                    left = ""
                else:
                    left = None
                changes.setdefault(path, []).append(_Change(entry, left))
                parent = path.rpartition("/")[0]
                while parent and parent not in parents:
                    parents.add(parent)
                    parent = parent.rpartition("/")[0]
                continue
            commit, _, stamp = token.decode("ascii", "replace").partition(" ")
            if not stamp.isdigit() or len(commit) not in (40, 64):
                return False
            entry = _entry(commit, stamp)
        return cls(folder, changes, parents)

    def changes(self, path: str) -> list[_Change] | None:
        """The changes of ``path``, newest first; None when this log cannot
        tell them exactly (a path git would spell otherwise, or a folder)."""
        if not self._covers(path) or path in self._parents:
            return None
        return self._changes.get(path, [])

    def exists(self, path: str) -> bool | None:
        """Whether the base has a blob at ``path`` (None: not known here)."""
        changes = self.changes(path)
        if changes is None:
            return None
        if not changes:
            return False  # never committed: not at the base either
        blob = changes[0].blob  # the newest change left the base's
        return None if blob is None else blob != ""

    def _covers(self, path: str) -> bool:
        if not path.startswith(f"{self.folder}/") or "\0" in path or "\n" in path:
            return False
        return all(part not in ("", ".", "..") for part in path.split("/"))


def _entry(commit: str, stamp: str) -> Entry:
    return Entry(commit, datetime.datetime.fromtimestamp(int(stamp), datetime.UTC))


def _spec(raw: bytes | None) -> tuple[str | None, dict[str, Any] | None]:
    """A spec's text and data (None, None when it is not a readable mapping)."""
    if raw is None:
        return None, None
    try:
        text = raw.decode("utf-8")
        data = load_text(text, "history").data
    except (LoadError, UnicodeDecodeError):
        return None, None
    return (text, data) if isinstance(data, dict) else (None, None)


def _version(raw: bytes | None) -> str | None:
    """``spec.model.version`` of a spec's bytes (None if there is none)."""
    if raw is None:
        return None
    try:
        data = load_text(raw.decode("utf-8"), "history").data
    except (LoadError, UnicodeDecodeError):
        return None
    try:
        version = data["spec"]["model"]["version"]
    except (KeyError, TypeError):
        return None
    return version if isinstance(version, str) else None


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise RepositoryError("git cat-file ended early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _git(root: Path, *args: str, strip: bool = True) -> str | None:
    """The output of ``git <args>``; None when it fails, unless ``root`` is
    not in a git repository at all."""
    done = transport.run(root, *args)
    if done.returncode != 0:
        if b"not a git repository" in done.stderr:
            raise RepositoryError(
                f"{root} is not in a git repository: --base needs one"
            )
        return None
    out = os.fsdecode(done.stdout)
    # a path keeps its spaces: only the line end goes
    return out.strip() if strip else out.removesuffix("\n")
