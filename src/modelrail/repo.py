"""Where things are in a modelrail repository, and which files a run covers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from modelrail.errors import RepositoryError, UsageError

ENVIRONMENT_FILE = "environment.yaml"
WAIVERS_FILE = "waivers.yaml"
YAML_SUFFIXES = (".yaml", ".yml")


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
        return self.root / "environments"

    @property
    def schemas_dir(self) -> Path:
        return self.root / "schemas"

    def environment_names(self) -> list[str]:
        return sorted(
            p.name
            for p in self.environments_dir.iterdir()
            if p.is_dir() and not p.name.startswith(".")
        )

    def files(self, environment: str) -> list[SourceFile]:
        folder = self.environments_dir / environment
        out = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.suffix not in YAML_SUFFIXES or not entry.is_file():
                continue
            out.append(self.source(entry))
        return out

    def source(self, path: Path) -> SourceFile:
        environment = path.parent.name
        if path.name == ENVIRONMENT_FILE:
            kind = "Environment"
        elif path.name == WAIVERS_FILE:
            kind = "Waivers"
        else:
            kind = "ModelDeployment"
        display = path.relative_to(self.root).as_posix()
        return SourceFile(path, display, environment, kind)


def find_root(start: Path) -> Repository:
    """The nearest folder at or above ``start`` that has ``environments/``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "environments").is_dir():
            return Repository(folder)
    raise RepositoryError(
        f"no modelrail repository at or above {start}: no 'environments/' folder "
        "(run modelrail from the repository, or pass --root)"
    )


def select(
    repo: Repository, paths: tuple[str, ...], envs: tuple[str, ...]
) -> tuple[list[str], list[SourceFile]]:
    """The environments in scope and the files to check.

    With no paths, every file of every environment (or of ``envs``); with
    paths, the YAML files they name or contain. Unknown environments and
    paths outside ``environments/`` are usage errors.
    """
    known = repo.environment_names()
    for env in envs:
        if env not in known:
            raise UsageError(
                f"unknown environment {env!r}; known: {', '.join(known) or 'none'}"
            )
    in_scope = list(envs) or known
    if not paths:
        return in_scope, [f for env in in_scope for f in repo.files(env)]
    chosen: dict[Path, SourceFile] = {}
    base = repo.environments_dir.resolve()
    for raw in paths:
        path = Path(raw).resolve()
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if path != base and base not in path.parents:
            raise UsageError(f"{raw}: not inside {repo.environments_dir}")
        for source in _expand(repo, path, base):
            if source.environment in in_scope:
                chosen[source.path] = source
    files = sorted(chosen.values(), key=lambda s: s.display)
    envs_hit = sorted({f.environment for f in files} | set(envs))
    return envs_hit, files


def _expand(repo: Repository, path: Path, base: Path) -> list[SourceFile]:
    if path == base:
        return [f for env in repo.environment_names() for f in repo.files(env)]
    if path.is_dir():
        if path.parent != base:
            raise UsageError(f"{path}: environments hold no sub-folders")
        return repo.files(path.name)
    if path.parent.parent != base:
        raise UsageError(f"{path}: not a file of an environment folder")
    if path.suffix not in YAML_SUFFIXES:
        raise UsageError(f"{path}: not a YAML file (.yaml or .yml)")
    return [repo.source(repo.root / path.relative_to(repo.root.resolve()))]
