"""The one render pipeline: load -> schema stores -> render -> (write).

Every command that renders goes through here: ``render`` (:func:`build`, then
``render.tree`` to compare or write), ``promote`` (:func:`rerender`: render
environments into ``rendered/`` and say what changed) and ``diff``
(:func:`build_with_specs`, in memory, for both sides). The exceptions a render
raises (:data:`FAILURES`: bad input, a spec the renderer refuses, an invalid
manifest or schema, a template that fails) propagate for the CLI to map to an
exit code, in one place (``cli.common.render_failure``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.render.facts import SpecError
from modelrail.render.inputs import BadInput
from modelrail.render.kubeschema import SchemaError
from modelrail.render.renderer import ManifestInvalid
from modelrail.render.templating import TemplateFailure

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from modelrail.render.inputs import Inputs
    from modelrail.render.renderer import Output
    from modelrail.repository.layout import Repository

__all__ = [
    "FAILURES",
    "BadInput",
    "ManifestInvalid",
    "Rendered",
    "SchemaError",
    "SpecError",
    "TemplateFailure",
    "build",
    "build_with_specs",
    "failed",
    "rerender",
]

# what a render raises when it cannot render (everything else is a bug)
FAILURES: tuple[type[Exception], ...] = (
    BadInput,
    SpecError,
    ManifestInvalid,
    SchemaError,
    TemplateFailure,
)

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


def failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a render that could not be done (not a bug)."""
    return isinstance(exc, FAILURES)


def _run(
    repo: Repository,
    envs: tuple[str, ...],
    jobs: int | None,
    crd_dir: Path | None,
) -> tuple[Inputs, Output]:
    from modelrail.render import inputs, parallel
    from modelrail.render.renderer import render, schema_stores, templates_of
    from modelrail.repository.loader import paused_gc

    with paused_gc():  # millions of small objects, none cyclic
        loaded = inputs.load(repo, envs)
        stores = schema_stores(loaded, crd_dir or repo.crds_dir)
        output = render(
            loaded, templates_of(repo.root), stores, jobs or parallel.default_jobs()
        )
    return loaded, output


def build(
    repo: Repository,
    envs: tuple[str, ...] = (),
    *,
    jobs: int | None = None,
    crd_dir: Path | None = None,
) -> Output:
    """What ``envs`` (all when empty) render to, validated, in memory; the
    loaded documents are dropped on return (a write that follows does not
    carry them). ``crd_dir`` defaults to the repository's CRD schemas."""
    return _run(repo, envs, jobs, crd_dir)[1]


def build_with_specs(
    repo: Repository,
    envs: tuple[str, ...] = (),
    *,
    jobs: int | None = None,
    crd_dir: Path | None = None,
) -> tuple[Output, dict[tuple[str, str], Mapping[str, Any]]]:
    """:func:`build`, and the specs rendered: (environment, model) -> data."""
    loaded, output = _run(repo, envs, jobs, crd_dir)
    specs: dict[tuple[str, str], Mapping[str, Any]] = {
        (env, model.name): model.doc.data
        for env, models in loaded.models.items()
        for model in models
    }
    return output, specs


def rerender(
    repo: Repository, envs: tuple[str, ...], *, jobs: int | None = None
) -> Rendered:
    """Render ``envs`` (all when empty) into ``rendered/`` of ``repo``; the
    other environments' folders are kept as they are."""
    from modelrail.render import tree
    from modelrail.repository.loader import paused_gc

    out = repo.rendered_dir
    output = build(repo, envs, jobs=jobs)
    with paused_gc():
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
