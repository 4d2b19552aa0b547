"""What a change touches: the files that differ between a base commit and
the working tree, and the part of the repository ``check --base`` must judge.

The scope follows what a verdict can depend on:

- a policy, a profile, a schema or modelrail itself (``src/``) changed: every
  verdict may change, so everything is checked;
- an environment's ``environment.yaml`` or ``waivers.yaml`` changed: every
  spec of that environment is checked;
- a spec changed (added, edited, deleted): that model is checked in every
  environment, so the rules across environments (promotion sources, soak)
  see both ends of a promotion.

Everything else (docs, ``rendered/``, templates) changes no check verdict:
``render --check`` and ``diff`` judge those. Untracked files count as
changed (a new spec not yet added to git is part of the change); ignored
files do not. Git is only read (``diff --name-only``, ``ls-files``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from modelrail.git import transport
from modelrail.repository.layout import (
    ENVIRONMENT_FILE,
    ENVIRONMENTS,
    POLICIES,
    SCHEMAS,
    WAIVERS_FILE,
    YAML_SUFFIXES,
)

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.repository.layout import SourceFile

# folders whose change may change any verdict
EVERYTHING = (POLICIES, SCHEMAS, "src")
WATCHED = (ENVIRONMENTS, *EVERYTHING)
# the files of an environment folder that are the context of all its specs
_CONTEXT = {PurePosixPath(ENVIRONMENT_FILE).stem, PurePosixPath(WAIVERS_FILE).stem}


@dataclass(frozen=True, slots=True)
class Changes:
    """The changed paths (relative to the repository root) and their scope."""

    paths: tuple[str, ...]
    everything: bool
    environments: frozenset[str]  # judged whole
    models: frozenset[str]  # judged in every environment

    def covers(self, source: SourceFile) -> bool:
        """Whether a file of the working tree is in the scope of the change."""
        if self.everything or source.environment in self.environments:
            return True
        return source.kind == "ModelDeployment" and source.path.stem in self.models

    def describe(self) -> str:
        if self.everything:
            return "policies, schemas or modelrail changed: checking everything"
        parts = []
        if self.models:
            n = len(self.models)
            parts.append(f"{n} model{'s' * (n != 1)} in every environment")
        if self.environments:
            parts.append("environment " + ", ".join(sorted(self.environments)))
        return "checking " + " and ".join(parts) if parts else "nothing to check"


def scope(paths: list[str]) -> Changes:
    """The scope of a change to ``paths`` (root-relative, forward slashes)."""
    everything = False
    environments: set[str] = set()
    models: set[str] = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        if parts[0] in EVERYTHING:
            everything = True
        elif parts[0] == "environments" and len(parts) >= 3:
            env, name = parts[1], PurePosixPath(path)
            if len(parts) != 3 or name.suffix not in YAML_SUFFIXES:
                environments.add(env)  # a stray file: the folder is judged
            elif name.stem in _CONTEXT:
                environments.add(env)  # environment.y(a)ml, waivers.y(a)ml
            else:
                models.add(name.stem)
        # a file right under environments/ (a README) is in no environment
    return Changes(
        tuple(sorted(paths)), everything, frozenset(environments), frozenset(models)
    )


def changed(root: Path, commit: str) -> Changes:
    """The scope of the difference between ``commit`` and the working tree of
    the repository at ``root`` (staged, unstaged and untracked files)."""
    diff = transport.text(
        root, "diff", "--name-only", "--no-renames", "--relative", "-z",
        commit, "--", *WATCHED,
    )  # fmt: skip
    untracked = transport.text(
        root, "ls-files", "--others", "--exclude-standard", "-z", "--", *WATCHED
    )
    paths = sorted({p for p in (diff + untracked).split("\0") if p})
    return scope(paths)
