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

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from modelrail.errors import ModelrailError
from modelrail.findings import Finding, Severity
from modelrail.render.facts import SpecError
from modelrail.render.inputs import BadInput, load_environments, load_model
from modelrail.render.kubeschema import SchemaError
from modelrail.render.renderer import ManifestInvalid
from modelrail.render.templating import TemplateFailure
from modelrail.repository import consistency
from modelrail.repository.layout import SourceFile, select
from modelrail.repository.schema import SchemaSet
from modelrail.rules import DUPLICATE_NAME

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from modelrail.render.inputs import EnvironmentFile, Inputs
    from modelrail.render.kubeschema import SchemaStore
    from modelrail.render.records import RenderSum, Sources
    from modelrail.render.renderer import Made, Output, Share
    from modelrail.render.templating import Templates
    from modelrail.render.tree import Difference
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
    other environments' folders are kept as they are. Only what changed is
    rendered again (``sync``)."""
    synced = sync(repo, envs, jobs=jobs)
    by_state: dict[str, list[str]] = {state: [] for state in _STATES.values()}
    for item in synced.differences:
        by_state[_STATES[item.state]].append(item.path)
    return Rendered(
        tuple(by_state["added"]),
        tuple(by_state["changed"]),
        tuple(by_state["removed"]),
        synced.files,
    )


# --- render and compare only what changed ------------------------------------------


@dataclass(frozen=True, slots=True)
class Synced:
    """What ``sync`` found: the differences between the output folder and
    what the specs render to (all of them, as a full render finds them),
    whether they were written, and how much was rendered or trusted."""

    differences: tuple[Difference, ...]
    written: bool
    environments: tuple[str, ...]
    files: int  # files of the environments in scope
    apps: int
    resources: int
    rendered: int  # apps rendered (the others trusted by their render.sum)


@dataclass(frozen=True, slots=True)
class _Done:
    """A model's folder, done in a worker: rendered or trusted (small: it
    is sent back to the parent for every model)."""

    share: Share | None = None  # what it gives its environment
    names: tuple[str, ...] = ()  # the folder's files
    differences: tuple[Difference, ...] = ()
    resources: int = 0
    rendered: bool = False
    problems: tuple[Finding, ...] = ()
    failed: bool = False  # a render failure: the parent runs it again to raise


# a model rendered: its folder (None: it has problems, or did not render),
# its spec's data (when it loaded), its problems
_Modelled: TypeAlias = "tuple[Made | None, Mapping[str, Any], tuple[Finding, ...]]"


@dataclass(frozen=True)
class _Context:
    """What rendering a model needs, made once a run (workers inherit it)."""

    schemas: SchemaSet
    environments: Mapping[str, EnvironmentFile]
    folders: tuple[str, ...]
    templates: Templates
    stores: Mapping[str, SchemaStore]
    sources: Sources
    raising: bool = False  # a render failure raises (else: no folder)

    def model(self, source: SourceFile) -> _Modelled:
        """The folder of the spec at ``source``, loaded and checked as
        ``inputs.load`` checks it."""
        from modelrail.render.renderer import render_app

        model, problems = load_model(
            source, self.schemas, self.environments, self.folders
        )
        if model is None:
            return None, {}, tuple(problems)
        env = source.environment
        try:
            made = render_app(
                model,
                env,
                self.environments[env].data,
                self.templates,
                self.stores,
                self.sources,
            )
        except FAILURES:
            if self.raising:
                raise
            return None, model.doc.data, ()
        return made, model.doc.data, ()


@dataclass(frozen=True)
class _Job:
    """What every worker needs, inherited at the fork."""

    context: _Context
    out: Path
    old: Mapping[str, Mapping[str, bool]]  # app folder -> {file: regular}
    staging: Path | None  # None: compare only
    full: bool
    # the records of the folders trusted (in this process)
    records: dict[str, RenderSum] = dataclasses.field(default_factory=dict)


def sync(
    repo: Repository,
    envs: tuple[str, ...] = (),
    *,
    out: Path | None = None,
    write: bool = True,
    full: bool = False,
    jobs: int | None = None,
    crd_dir: Path | None = None,
) -> Synced:
    """Make ``out`` (default ``rendered/``) what the environments ``envs``
    (all when empty) render to, or with ``write=False`` only say how it
    differs. A model's folder whose ``render.sum`` shows it was made from
    today's inputs and still holds those files is trusted (its spec is not
    even read); every other one is rendered and compared byte for byte.
    ``full`` trusts none. The result is the same as a full render's."""
    from modelrail.render import parallel, tree
    from modelrail.render.records import Sources
    from modelrail.render.renderer import stores_for, templates_of
    from modelrail.repository.loader import paused_gc

    target = out if out is not None else repo.rendered_dir
    with paused_gc():
        scope, files = select(repo, (), envs)
        schemas, folders, environments, findings = _environments(repo)
        models = [f for f in files if f.kind == "ModelDeployment"]
        findings.extend(_duplicates(models, schemas, environments, folders))
        if any(f.severity is Severity.ERROR for f in findings):
            # the models are read too: every problem is listed at once
            findings.extend(
                p
                for s in models
                for p in load_model(s, schemas, environments, folders)[1]
            )
            raise BadInput(sorted(f for f in findings if f.severity is Severity.ERROR))
        stores = stores_for(environments, crd_dir or repo.crds_dir)
        templates = templates_of(repo.root)
        sources = Sources(
            repo, templates, {n: e.data for n, e in environments.items()}, stores
        )
        keep = tuple(name for name in folders if name not in scope)
        on_disk = {
            path: regular
            for path, regular in tree.listing(target).items()
            if path.split("/", 1)[0] not in keep
        }
        old: dict[str, dict[str, bool]] = {}
        for path, regular in on_disk.items():
            parts = path.split("/")
            if len(parts) == 3:
                old.setdefault(f"{parts[0]}/{parts[1]}", {})[parts[2]] = regular
        staging = None
        resolved = target
        if write:
            resolved, staging = tree.prepare(target, keep)
        try:
            context = _Context(
                schemas, environments, folders, templates, stores, sources
            )
            job = _Job(context, resolved, old, staging, full)
            tasks = sorted(
                models, key=lambda s: (s.environment, s.path.stem, s.display)
            )
            with tree.flushing(staging):
                done = parallel.run(_app, tasks, job, jobs or parallel.default_jobs())
            problems = sorted(p for d in done.values() for p in d.problems)
            if problems:
                raise BadInput(problems)
            for task in tasks:
                if done[task].failed:  # raises here as a full render would
                    raising = dataclasses.replace(context, raising=True)
                    _app(task, dataclasses.replace(job, context=raising))
            synced = _surroundings(job, scope, tasks, done, on_disk)
            if staging is not None:
                if synced.differences:
                    tree.finish(staging, resolved)
                else:
                    tree.discard(staging)
                staging = None
            return dataclasses.replace(
                synced, written=write and bool(synced.differences)
            )
        finally:
            if staging is not None:
                tree.discard(staging)


def _environments(
    repo: Repository,
) -> tuple[SchemaSet, tuple[str, ...], dict[str, EnvironmentFile], list[Finding]]:
    """The schemas, the environment folders, every valid environment file,
    and the problems of them all (their own and across them)."""
    schemas = SchemaSet(repo.schemas_dir)
    folders = tuple(repo.environment_names())
    environments, findings, loaded = load_environments(repo, schemas)
    documents = {name: env.doc for name, env in environments.items()}
    findings.extend(consistency.check(loaded, documents, folders))
    return schemas, folders, environments, findings


def _refuse(findings: Sequence[Finding]) -> None:
    """``BadInput`` when any of ``findings`` is an error."""
    errors = sorted(f for f in findings if f.severity is Severity.ERROR)
    if errors:
        raise BadInput(errors)


def _duplicates(
    models: Sequence[SourceFile],
    schemas: SchemaSet,
    environments: Mapping[str, EnvironmentFile],
    folders: Sequence[str],
) -> list[Finding]:
    """A model declared twice in an environment (``x.yaml`` and ``x.yml``):
    the files of such names are read here, together, as ``load`` reads them."""
    from collections import Counter

    stems = Counter((s.environment, s.path.stem) for s in models)
    twice = [s for s in models if stems[s.environment, s.path.stem] > 1]
    loaded = []
    for source in twice:
        model, _ = load_model(source, schemas, environments, folders)
        if model is not None:
            loaded.append(
                consistency.Loaded(model.doc, source.environment, source.kind)
            )
    documents = {name: env.doc for name, env in environments.items()}
    return [
        f
        for f in consistency.check(loaded, documents, folders)
        if f.rule == DUPLICATE_NAME
    ]


def _app(source: SourceFile, job: _Job) -> _Done:
    """One model's folder: trusted by its ``render.sum``, else rendered and
    compared with the old one (and put in the new tree when writing)."""
    from modelrail.render import tree
    from modelrail.render.records import RECORD
    from modelrail.render.renderer import Share
    from modelrail.render.tree import Difference

    env = source.environment
    folder = f"{env}/{source.path.stem}"
    old = job.old.get(folder, {})
    where = job.out / folder
    if not job.full and old.get(RECORD) and _trusted(job, source, folder, old):
        if job.staging is not None:
            tree.link_folder(job.staging, folder, old, where)
        record = job.records[folder]
        return _Done(Share.of(record), tuple(sorted(old)), resources=len(old) - 2)
    made, _, problems = job.context.model(source)
    if problems:
        return _Done(problems=problems)
    if made is None:
        return _Done(failed=True)
    differences: list[Difference] = []
    names: list[str] = []
    same: set[str] = set()
    prefix = f"{job.out}/{folder}/"
    for path, text in made.files.items():
        name = path.rpartition("/")[2]
        names.append(name)
        if name not in old:
            differences.append(Difference(path, "missing"))
        elif old[name] and tree.read(prefix + name) == text.encode("utf-8"):
            same.add(name)
        else:
            differences.append(Difference(path, "changed"))
    if job.staging is not None:
        mine = {path.rpartition("/")[2]: text for path, text in made.files.items()}
        tree.put_folder(job.staging, folder, mine, where, same)
    return _Done(
        Share.of(made.record),
        tuple(sorted(names)),
        tuple(differences),
        made.resources,
        rendered=True,
    )


def _trusted(
    job: _Job, source: SourceFile, folder: str, old: Mapping[str, bool]
) -> bool:
    """Whether the folder's ``render.sum`` reads back exactly, names today's
    inputs, and lists exactly the folder's files with their sums. (Paths
    as strings here: it runs for every file of the tree.)"""
    from modelrail.render import tree
    from modelrail.render.records import RECORD, parse, sha256

    where = f"{job.out}/{folder}/"
    try:
        record = parse(tree.read(where + RECORD).decode("utf-8"), folder)
    except (ModelrailError, UnicodeError):
        return False
    if (
        record is None
        or len(old) != len(record.files) + 1
        or not all(old.get(name) for name, _ in record.files)
        or not job.context.sources.fresh(record, source.display, source.environment)
    ):
        return False
    for name, digest in record.files:
        try:
            if sha256(tree.read(where + name)) != digest:
                return False
        except ModelrailError:
            return False
    job.records[folder] = record
    return True


def _surroundings(
    job: _Job,
    scope: Sequence[str],
    tasks: Sequence[SourceFile],
    done: Mapping[SourceFile, _Done],
    on_disk: Mapping[str, bool],
) -> Synced:
    """The files outside the models' folders, rendered from what the models
    share, compared (and written); the files no longer rendered found."""
    from modelrail.render import tree
    from modelrail.render.renderer import surroundings
    from modelrail.render.tree import Difference

    shares: dict[str, list[Share]] = {}
    made: set[str] = set()
    differences: list[Difference] = []
    resources = rendered = 0
    for task in tasks:
        one = done[task]
        assert one.share is not None  # problems and failures have raised
        shares.setdefault(task.environment, []).append(one.share)
        folder = f"{task.environment}/{task.path.stem}"
        made.update(f"{folder}/{name}" for name in one.names)
        differences.extend(one.differences)
        rendered += one.rendered
        resources += one.resources
    context = job.context
    files = surroundings(
        context.environments, scope, shares, context.templates, context.stores
    )
    for path, text in files.items():
        made.add(path)
        regular = on_disk.get(path)
        same = False
        if regular is None:
            differences.append(Difference(path, "missing"))
        else:
            same = regular and tree.read(job.out / path) == text.encode("utf-8")
            if not same:
                differences.append(Difference(path, "changed"))
        if job.staging is not None:
            tree.put(job.staging, path, text, job.out / path if same else None)
    differences.extend(
        Difference(path, "extra") for path in on_disk if path not in made
    )
    return Synced(
        tuple(sorted(differences, key=lambda d: d.path)),
        False,
        tuple(scope),
        len(made),
        len(tasks),
        resources,
        rendered,
    )


# --- what differs between two repositories (diff) -----------------------------------


@dataclass(frozen=True, slots=True)
class Keys:
    """A digest of everything each model's folder is made from (a coarse
    one: all the templates, all the CRD schemas), by (environment, model),
    and of each environment's own inputs. Two folders with equal keys render
    the same bytes; a file that does not read (or an environment file that
    does not load) gets a key of its own, never equal to another."""

    apps: Mapping[tuple[str, str], str]
    environments: Mapping[str, str]


def keys(repo: Repository, envs: tuple[str, ...] = ()) -> Keys:
    """The ``Keys`` of ``repo`` (without parsing a spec)."""
    import hashlib

    from modelrail.render.records import data_digest, made_by
    from modelrail.repository.digests import file_digests, tree_digest

    scope, files = select(repo, (), envs)
    schemas = SchemaSet(repo.schemas_dir)
    environments, _, _ = load_environments(repo, schemas)
    common = "\n".join(
        [
            made_by(),
            tree_digest(file_digests(repo.render_dir / "templates")),
            tree_digest(file_digests(repo.crds_dir)),
            tree_digest(file_digests(repo.schemas_dir, keep=lambda p: "/" not in p)),
        ]
    )
    env_keys = {}
    for name in repo.environment_names():
        env = environments.get(name)
        data = data_digest(env.data) if env is not None else f"broken {name}"
        env_keys[name] = hashlib.sha256(f"{common}\n{data}".encode()).hexdigest()
    apps = {}
    for source in files:
        if source.kind != "ModelDeployment":
            continue
        try:
            raw = source.path.read_bytes()
        except OSError:
            raw = b"unreadable " + source.display.encode()
        text = f"{env_keys.get(source.environment)}\n{source.display}\n"
        apps[source.environment, source.path.stem] = hashlib.sha256(
            text.encode() + raw
        ).hexdigest()
    return Keys(apps, {n: env_keys[n] for n in scope if n in env_keys})


# models' folders rendered apart (``build_some``): path under rendered/ ->
# text, (environment, model) -> spec data, and what each gives its environment
Some: TypeAlias = (
    "tuple[dict[str, str], dict[tuple[str, str], Mapping[str, Any]],"
    " dict[tuple[str, str], Share]]"
)


def build_some(
    repo: Repository,
    envs: tuple[str, ...],
    wanted: set[tuple[str, str]],
    *,
    jobs: int | None = None,
    crd_dir: Path | None = None,
) -> Some:
    """The folders of the ``wanted`` models only: their files, their specs,
    and what each gives its environment (``surround_files`` makes the
    environments' folders from that)."""
    from modelrail.render import parallel
    from modelrail.render.records import Sources
    from modelrail.render.renderer import Share, stores_for, templates_of
    from modelrail.repository.loader import paused_gc

    with paused_gc():
        _, files = select(repo, (), envs)
        schemas, folders, environments, findings = _environments(repo)
        _refuse(findings)
        stores = stores_for(environments, crd_dir or repo.crds_dir)
        templates = templates_of(repo.root)
        sources = Sources(
            repo, templates, {n: e.data for n, e in environments.items()}, stores
        )
        tasks = sorted(
            (f for f in files if (f.environment, f.path.stem) in wanted
             and f.kind == "ModelDeployment"),
            key=lambda s: (s.environment, s.path.stem, s.display),
        )  # fmt: skip
        state = _Context(schemas, environments, folders, templates, stores, sources)
        done = parallel.run(_some, tasks, state, jobs or parallel.default_jobs())
        problems = sorted(p for d in done.values() for p in d[2])
        if problems:
            raise BadInput(problems)
        out: dict[str, str] = {}
        specs: dict[tuple[str, str], Mapping[str, Any]] = {}
        made: dict[tuple[str, str], Share] = {}
        for task in tasks:
            result, data, _ = done[task]
            if result is None:  # a render failure: here it raises
                _some(task, dataclasses.replace(state, raising=True))
                continue
            key = (task.environment, task.path.stem)
            out.update(result.files)
            specs[key] = data
            made[key] = Share.of(result.record)
    return dict(sorted(out.items())), specs, made


def _some(source: SourceFile, context: _Context) -> _Modelled:
    return context.model(source)


def trusted_shares(
    repo: Repository, envs: tuple[str, ...] = ()
) -> dict[tuple[str, str], Share]:
    """What each model gives its environment, read from the ``render.sum``
    of its folder in ``rendered/`` where that was made from today's inputs
    (the files are not read: only the record); the others are missing."""
    from modelrail.render import tree
    from modelrail.render.records import RECORD, Sources, parse
    from modelrail.render.renderer import Share, stores_for, templates_of

    _, files = select(repo, (), envs)
    schemas = SchemaSet(repo.schemas_dir)
    environments, _, _ = load_environments(repo, schemas)
    try:
        stores = stores_for(environments, repo.crds_dir)
    except FAILURES:
        return {}
    sources = Sources(
        repo,
        templates_of(repo.root),
        {n: e.data for n, e in environments.items()},
        stores,
    )
    out: dict[tuple[str, str], Share] = {}
    for source in files:
        env = source.environment
        if source.kind != "ModelDeployment" or env not in environments:
            continue
        folder = f"{env}/{source.path.stem}"
        path = repo.rendered_dir / folder / RECORD
        if not path.is_file():
            continue
        try:
            record = parse(tree.read(path).decode("utf-8"), folder)
        except (ModelrailError, UnicodeError):
            continue
        if record is not None and sources.fresh(record, source.display, env):
            out[env, source.path.stem] = Share.of(record)
    return out


def surround_files(
    repo: Repository,
    envs: tuple[str, ...],
    shares: Mapping[tuple[str, str], Share],
    *,
    crd_dir: Path | None = None,
) -> dict[str, str]:
    """The files outside the models' folders for the environments ``envs``
    (and every cluster's bootstrap), from what each model ``shares``."""
    from modelrail.render.renderer import stores_for, surroundings, templates_of

    _, _, environments, findings = _environments(repo)
    _refuse(findings)
    stores = stores_for(environments, crd_dir or repo.crds_dir)
    every: dict[str, list[Share]] = {}
    for (env, _), share in sorted(shares.items()):
        if env in envs:
            every.setdefault(env, []).append(share)
    return surroundings(environments, envs, every, templates_of(repo.root), stores)
