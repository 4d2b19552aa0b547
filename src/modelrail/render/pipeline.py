"""Render environments into ``rendered/`` in-process, and say what changed.

What ``modelrail render --env ENV`` does (load, render, validate every
manifest, replace the folder whole), for a command that edits a spec and
must leave ``rendered/`` matching it: ``modelrail promote``. It returns the
files added, changed and removed, compared with what was on disk before, so
they can be committed and summarised. The render exceptions (bad input, an
invalid manifest, a template that fails) propagate for the caller to map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.repository.layout import Repository

OUT = "rendered"
_STATES = {"missing": "added", "changed": "changed", "extra": "removed"}


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a render changed, as paths relative to the output folder."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    files: int = 0  # files in the part of the tree rendered

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted((*self.added, *self.changed, *self.removed)))

    def apps(self) -> dict[str, dict[str, list[str]]]:
        """``{app folder: {added|changed|removed: [file, ...]}}``: an app is
        the first two parts of a path (``prod/fraud-detector``,
        ``prod/_argocd``); a file at the top is its own."""
        out: dict[str, dict[str, list[str]]] = {}
        for state, paths in (
            ("added", self.added),
            ("changed", self.changed),
            ("removed", self.removed),
        ):
            for path in paths:
                folder, _, name = path.rpartition("/")
                app = "/".join(folder.split("/")[:2]) if folder else ""
                rest = path[len(app) + 1 :] if app else name
                out.setdefault(app, {}).setdefault(state, []).append(rest)
        return dict(sorted(out.items()))


def rerender(
    repo: Repository, envs: tuple[str, ...], *, jobs: int | None = None
) -> Rendered:
    """Render ``envs`` (all when empty) into ``rendered/`` of ``repo``; the
    other environments' folders are kept as they are."""
    from modelrail.render import inputs, parallel, tree
    from modelrail.render.renderer import render, schema_stores, templates_of
    from modelrail.repository.loader import paused_gc

    out = repo.root / OUT
    crd_dir = repo.schemas_dir / "crds"
    with paused_gc():
        loaded = inputs.load(repo, envs)
        stores = schema_stores(loaded, crd_dir)
        output = render(
            loaded, templates_of(repo.root), stores, jobs or parallel.default_jobs()
        )
        keep = tuple(
            name for name in repo.environment_names() if name not in output.environments
        )
        found = tree.differences(out, output.files, keep)
        if found:
            tree.replace(out, output.files, keep)
    by_state: dict[str, list[str]] = {state: [] for state in _STATES.values()}
    for item in found:
        by_state[_STATES[item.state]].append(item.path)
    return Rendered(
        tuple(by_state["added"]),
        tuple(by_state["changed"]),
        tuple(by_state["removed"]),
        len(output.files),
    )
