"""Where things are in a modelrail repository, and which files a run covers.

Paths are handled lexically (``os.path.abspath``, never ``resolve``): a file is
judged by where it stands in the repository, whatever a symlink points at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from modelrail.errors import RepositoryError, UsageError

# the folders of a repository, relative to its root: what it holds, what it
# renders with, and what it renders to (where Argo CD reads)
ENVIRONMENTS = "environments"
SCHEMAS = "schemas"
CRDS = "schemas/crds"
POLICIES = "policies"
RENDER = "render"  # templates/, scaffold/
RENDERED = "rendered"
# what a commit's tree must hold to be checked, rendered and compared
INPUTS = (ENVIRONMENTS, POLICIES, SCHEMAS, RENDER)

ENVIRONMENT_FILE = "environment.yaml"
WAIVERS_FILE = "waivers.yaml"
YAML_SUFFIXES = (".yaml", ".yml")
_KINDS = {"environment": "Environment", "waivers": "Waivers"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A YAML file of an environment folder and the kind it must hold."""

    path: Path
    display: str  # relative to the repository root, with forward slashes
    environment: str
    kind: str  # ModelDeployment | Environment | Waivers


@dataclass(frozen=True, slots=True)
class Repository:
    root: Path

    @property
    def environments_dir(self) -> Path:
        return self.root / ENVIRONMENTS

    @property
    def schemas_dir(self) -> Path:
        return self.root / SCHEMAS

    @property
    def crds_dir(self) -> Path:
        return self.root / CRDS

    @property
    def policies_dir(self) -> Path:
        return self.root / POLICIES

    @property
    def render_dir(self) -> Path:
        return self.root / RENDER

    @property
    def rendered_dir(self) -> Path:
        return self.root / RENDERED

    def environment_names(self) -> list[str]:
        names = sorted(
            p.name for p in _list(self.environments_dir)
            if p.is_dir() and not p.name.startswith(".")
        )  # fmt: skip
        if not names:
            raise RepositoryError(
                f"{self.environments_dir} holds no environment folders "
                "(add environments/<env>/environment.yaml)"
            )
        return names

    def files(self, environment: str) -> list[SourceFile]:
        folder = self.environments_dir / environment
        return [
            self.source(entry)
            for entry in sorted(_list(folder), key=lambda p: p.name)
            if entry.suffix in YAML_SUFFIXES and entry.is_file()
        ]

    def environment_file(self, environment: str) -> SourceFile:
        return self.source(self.environments_dir / environment / ENVIRONMENT_FILE)

    def waivers_file(self, environment: str) -> SourceFile:
        return self.source(self.environments_dir / environment / WAIVERS_FILE)

    def source(self, path: Path) -> SourceFile:
        kind = _KINDS.get(path.stem, "ModelDeployment")
        display = path.relative_to(self.root).as_posix()
        return SourceFile(path, display, path.parent.name, kind)


def _list(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as exc:
        raise RepositoryError(f"cannot read {folder}: {exc.strerror or exc}") from exc


def _absolute(path: Path | str) -> Path:
    return Path(os.path.abspath(path))


def find_root(start: Path) -> Repository:
    """The nearest folder at or above ``start`` that has ``environments/``."""
    start = _absolute(start)
    for folder in (start, *start.parents):
        if (folder / "environments").is_dir():
            return Repository(folder)
    raise RepositoryError(
        f"no modelrail repository at or above {start}: no 'environments/' folder "
        "(run modelrail from the repository, or pass --root)"
    )


def repository(root: Path | None) -> Repository:
    """The repository at ``root`` (which must have environments/), else the
    one found from the current folder."""
    if root is None:
        return find_root(Path.cwd())
    repo = Repository(_absolute(root))
    if not repo.environments_dir.is_dir():
        raise RepositoryError(f"{root}: no 'environments/' folder")
    return repo


def select(
    repo: Repository, paths: tuple[str, ...], envs: tuple[str, ...]
) -> tuple[list[str], list[SourceFile]]:
    """The environments in scope and the files to check.

    With no paths, every file of every environment (or of ``envs``); with
    paths, the YAML files they name or contain. A path or environment that
    cannot be checked is a usage error, never silently dropped.
    """
    known = repo.environment_names()
    for env in envs:
        if env not in known:
            raise UsageError(f"unknown environment {env!r}; known: {', '.join(known)}")
    wanted = sorted(set(envs))
    if not paths:
        in_scope = wanted or known
        return in_scope, [f for env in in_scope for f in repo.files(env)]
    scope: set[str] = set(wanted)
    chosen: dict[Path, SourceFile] = {}
    for raw in paths:
        named, files = _expand(repo, raw, known)
        if wanted and named is not None and named not in wanted:
            raise UsageError(
                f"{raw} is in environment {named!r}, which --env leaves out"
            )
        scope.update([named] if named is not None else known)
        chosen.update(
            (f.path, f) for f in files if not wanted or f.environment in wanted
        )
    return sorted(scope), sorted(chosen.values(), key=lambda s: s.display)


def _expand(
    repo: Repository, raw: str, known: list[str]
) -> tuple[str | None, list[SourceFile]]:
    """The environment a path is in (None: all of them) and its files."""
    path = _absolute(raw)
    base = _absolute(repo.environments_dir)
    if path == base:
        return None, [f for env in known for f in repo.files(env)]
    if base not in path.parents:
        raise UsageError(f"{raw}: not inside {repo.environments_dir}")
    env = path.relative_to(base).parts[0]
    if env not in known:
        raise UsageError(f"{raw}: {env!r} is not an environment folder")
    if not path.exists():
        raise UsageError(f"{raw}: no such file or folder")
    if path.is_dir():
        if path.parent != base:
            raise UsageError(f"{raw}: environments hold no sub-folders")
        return env, repo.files(env)
    if path.parent.parent != base:
        raise UsageError(f"{raw}: not a file of an environment folder")
    if path.suffix not in YAML_SUFFIXES or not path.is_file():
        raise UsageError(f"{raw}: not a YAML file (.yaml or .yml)")
    return env, [repo.source(repo.root / path.relative_to(_absolute(repo.root)))]
