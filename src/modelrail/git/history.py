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
            log = _git(
                self.root,
                "log",
                "--first-parent",
                "--format=%H",
                self.commit,
                "--",
                f":(top,literal){path}",
            )
            for commit in (log or "").split():
                ran = _version(self.read(path, commit))
                if ran is not None and ran != version:
                    return ran
        return None

    def runs(self, environment: str, name: str) -> list[Stretch]:
        key = (environment, name)
        if key not in self._runs:
            self._runs[key] = self._read_runs(environment, name)
        return self._runs[key]

    def _read_runs(self, environment: str, name: str) -> list[Stretch]:
        commits: list[Entry] = []
        path = ""
        # the file the base has (``.yaml``, else ``.yml``) before one it had once
        candidates = sorted(
            self._paths(environment, name), key=lambda p: self.read(p) is None
        )
        for candidate in candidates:
            log = _git(
                self.root,
                "log",
                "--first-parent",
                "--format=%H %ct",
                self.commit,
                "--",
                f":(top,literal){candidate}",
            )
            if log:
                path = candidate
                for row in log.splitlines():
                    commit, _, stamp = row.partition(" ")
                    when = datetime.datetime.fromtimestamp(int(stamp), datetime.UTC)
                    commits.append(Entry(commit, when))
                break
        # newest first: a stretch grows back in time while the version stays
        runs: list[Stretch] = []
        newer: Entry | None = None  # the commit after (it replaced the stretch)
        current: dict[str, Any] | None = None
        for entry in commits:
            raw = self.read(path, entry.commit)
            text, data = _spec(raw)
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
            found = Entry(
                commit, datetime.datetime.fromtimestamp(int(stamp), datetime.UTC)
            )
        # None when the newest commit already runs another version (or
        # deleted the spec): a version the spec ran once, then left, does not count
        return found

    def read(self, path: str, commit: str | None = None) -> bytes | None:
        """The bytes of ``path`` (relative to the git top level) at the base
        (or at ``commit``)."""
        batch = self._process()
        assert batch.stdin is not None
        assert batch.stdout is not None
        batch.stdin.write(os.fsencode(f"{commit or self.commit}:{path}\n"))
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
        raw = self.read(path)
        if raw is None:
            return None
        try:
            data = load_text(raw.decode("utf-8"), f"{self.base}:{path}").data
        except (LoadError, UnicodeDecodeError):
            return None  # the base was broken: judge the change as new
        return data if isinstance(data, dict) else None


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
