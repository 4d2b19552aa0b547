"""``check``: load, validate and cross-check the files of a repository.

Pure orchestration: it returns a ``Report`` and never prints or exits; the CLI
picks the exit code from the report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelrail.check import shards
from modelrail.check.report import Report
from modelrail.findings import Finding, Severity
from modelrail.git.changes import Changes  # noqa: TC001 (a dataclass field)
from modelrail.git.history import History  # noqa: TC001 (a dataclass field)
from modelrail.policy import TIERS, Context, Environment, profiles
from modelrail.policy.engine import (
    Active,
    Crash,
    Registry,
    evaluate,
    load_policies,
)
from modelrail.policy.waivers import Book, screen
from modelrail.render.judge import problems as dashboard_problems
from modelrail.render.refusals import (
    environment_problems as render_environment_problems,
)
from modelrail.render.refusals import problems as render_problems
from modelrail.repository import consistency
from modelrail.repository.files import load_and_validate, missing_environment
from modelrail.repository.layout import (
    YAML_SUFFIXES,
    Repository,
    SourceFile,
    select,
)
from modelrail.repository.loader import Document, paused_gc
from modelrail.repository.schema import SchemaSet
from modelrail.rules import CONFIG, LOAD, UNKNOWN_PROFILE

__all__ = ["Options", "Peers", "Report", "run"]


@dataclass(frozen=True, slots=True)
class Options:
    """How a run judges: the day waivers are measured against, and whether
    waivers apply (``--no-waivers`` shows every finding at full severity)."""

    today: datetime.date = field(default_factory=datetime.date.today)
    waivers: bool = True
    # the base of the change (``--base``): policies that judge a change read it
    history: History | None = None
    # what the change touches (``--base``): only that part is checked
    changes: Changes | None = None
    # the moment soak times are measured to (``--now``; UTC)
    now: datetime.datetime = field(
        default_factory=lambda: datetime.datetime.now(datetime.UTC)
    )
    # how many processes judge the specs (None: the CPUs this process may
    # use); the report is the same, byte for byte, whatever the number
    jobs: int | None = None


# Below this many files a run stays in one process: forking costs more than
# it saves on a few dozen specs.
PARALLEL_FILES = 200


def run(
    repo: Repository,
    paths: tuple[str, ...] = (),
    envs: tuple[str, ...] = (),
    options: Options | None = None,
) -> Report:
    with paused_gc():
        return _run(repo, paths, envs, options or Options())


def _run(
    repo: Repository, paths: tuple[str, ...], envs: tuple[str, ...], options: Options
) -> Report:
    in_scope, files = select(repo, paths, envs)
    if options.changes is not None and not options.changes.everything:
        files = [f for f in files if options.changes.covers(f)]
        in_scope = sorted(
            {f.environment for f in files}
            | (options.changes.environments & set(in_scope))
        )
    schemas = SchemaSet(repo.schemas_dir)
    registry = load_policies(repo.policies_dir, repo.root)
    config = profiles.load(repo.policies_dir, repo.root, registry, schemas)
    # Every environment file is read once, first: they are the context of all
    # other checks, and promotion chains are judged across all of them.
    results: dict[Path, tuple[Document | None, list[Finding]]] = {}
    environments: dict[str, Document] = {}
    folders = repo.environment_names()
    for env in folders:
        source = repo.environment_file(env)
        if source.path.is_file():
            results[source.path] = load_and_validate(source, schemas, screen=screen)
            doc = results[source.path][0]
            if doc is not None:
                environments[env] = doc
    # Environment files of the environments in scope are reported even when
    # only a spec was named: a broken context changes every verdict.
    # So are their waivers: they decide whether a spec's findings fail the run.
    reported = {f.path: f for f in files}
    for env in in_scope:
        for source in (repo.environment_file(env), repo.waivers_file(env)):
            if source.path in results or source.path.is_file():
                reported.setdefault(source.path, source)
    findings: list[Finding] = [
        missing_environment(env)
        for env in in_scope
        if not repo.environment_file(env).path.is_file()
    ]
    findings.extend(config.problems)
    # Environment and waivers files are few and the context of every spec:
    # they are read here. Specs are many: they are read model by model (see
    # ``_Specs``), possibly in other processes, and forgotten once judged.
    loaded: list[consistency.Loaded] = []
    models: dict[str, list[SourceFile]] = {}
    for source in sorted(reported.values(), key=lambda s: s.display):
        if source.kind == "ModelDeployment":
            models.setdefault(source.path.stem, []).append(source)
            continue
        if source.path not in results:
            results[source.path] = load_and_validate(source, schemas, screen=screen)
        doc, problems = results[source.path]
        findings.extend(problems)
        if doc is not None:
            loaded.append(consistency.Loaded(doc, source.environment, source.kind))
    findings.extend(consistency.check(loaded, environments, folders))
    peers = Peers(repo, schemas, [])
    views = {name: Environment(doc.data) for name, doc in environments.items()}
    books, invalid = _books(registry, config, loaded, views, options, findings)
    specs = _Specs(schemas, config, views, books, options, peers)
    # one task per model: its environments judged together, so the rules
    # across environments find their peers in the same process
    jobs = options.jobs if options.jobs is not None else shards.default_jobs()
    if len(reported) < PARALLEL_FILES:
        jobs = 1
    if jobs > 1 and options.history is not None:
        _close(options.history)  # each process opens its own git reader
    done = shards.run(
        specs.judge,
        list(models.values()),
        jobs,
        finish=lambda: _close(options.history),
    )
    crashes: list[Crash] = []
    evaluated: dict[str, tuple[str, ...]] = {}
    checked: dict[str, set[str]] = {}
    declared: list[consistency.Declared] = []
    for model in done:
        findings.extend(model.findings)
        crashes.extend(model.crashes)
        evaluated.update(model.evaluated)
        declared.extend(model.declared)
        for env_name, name in model.checked:
            checked.setdefault(env_name, set()).add(name)
        for env_name, used in model.used:
            books[env_name].used.add(used)
    declared.sort(key=lambda d: d.path)
    findings.extend(consistency.duplicates(declared))
    crashes.sort(key=lambda c: c.file)  # the order of one process: file by file
    for env_name, book in books.items():
        if not book.valid:  # stale() judges valid waivers only: spare the listing
            continue
        known = {
            f.path.stem for f in repo.files(env_name) if f.kind == "ModelDeployment"
        }
        switched_on = {a.policy.id for a in specs.active(env_name)}
        findings.extend(book.stale(checked.get(env_name, set()), known, switched_on))
    return Report(
        tuple(sorted(findings)),
        len(files),
        tuple(in_scope),
        # a profiles file that is not what it must be changes every verdict
        bad_input=bool(config.problems)
        or any(f.rule == LOAD or f.rule.startswith(CONFIG) for f in findings),
        crashes=tuple(crashes),
        policies=len(registry),
        rules=registry.policies,
        checked=tuple(sorted(s.display for s in reported.values())),
        invalid_waivers=invalid,
        evaluated=tuple(sorted(evaluated.items())),
    )


def _close(history: History | None) -> None:
    """End the git reader of ``history`` (it starts again when next asked)."""
    close = getattr(history, "close", None)
    if callable(close):
        close()


def _books(
    registry: Registry,
    config: profiles.Profiles,
    loaded: list[consistency.Loaded],
    views: dict[str, Environment],
    options: Options,
    findings: list[Finding],
) -> tuple[dict[str, Book], int]:
    """The environment files' own problems, and the waivers of each valid
    environment (appends to ``findings``); returns the waivers and how many
    waivers are invalid (not applied)."""
    books: dict[str, Book] = {}
    invalid = 0
    for item in loaded:
        if item.kind == "Environment" and item.environment in views:
            findings.extend(_profile_problem(views[item.environment], item.doc, config))
            findings.extend(render_environment_problems(item.doc))
        if item.kind == "Waivers" and item.environment in views:
            books[item.environment] = Book(
                item.doc, registry, config.waivers, options.today
            )
            findings.extend(books[item.environment].problems)
            invalid += books[item.environment].invalid
        elif item.kind == "Waivers":  # not judged: only the malformed are known
            invalid += sum(entry is None for entry in item.doc.data["waivers"])
    return books, invalid


@dataclass(slots=True)
class Judged:
    """What the judging of one model's specs leaves: all the parent needs."""

    findings: list[Finding] = field(default_factory=list)
    crashes: list[Crash] = field(default_factory=list)
    # spec (as displayed) -> the policies that judged it
    evaluated: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # (environment, metadata.name) of every spec the policies judged
    checked: list[tuple[str, str]] = field(default_factory=list)
    # (environment, (policy, model)) of every waiver that waived a finding
    used: list[tuple[str, tuple[str, str]]] = field(default_factory=list)
    # the name each valid spec declares, for the duplicates across models
    declared: list[consistency.Declared] = field(default_factory=list)


class _Specs:
    """Judges the specs of one model (in every environment of the run):
    load, schema, file name and folder, the policies, the waivers, and what
    render would refuse. Its documents are forgotten once judged."""

    def __init__(
        self,
        schemas: SchemaSet,
        config: profiles.Profiles,
        views: dict[str, Environment],
        books: dict[str, Book],
        options: Options,
        peers: Peers,
    ) -> None:
        self.schemas = schemas
        self.config = config
        self.views = views
        self.books = books
        self.options = options
        self.peers = peers
        self._active: dict[str, list[Active]] = {}
        # (environment, spec type) -> the IDs of the policies that judge it
        self._judging: dict[tuple[str, str], tuple[str, ...]] = {}

    def active(self, environment: str) -> list[Active]:
        """The policies on in ``environment`` (a valid one), activated once."""
        if environment not in self._active:
            self._active[environment] = _activate(
                self.views[environment],
                self.config,
                self.views,
                self.options,
                self.peers,
            )
        return self._active[environment]

    def judge(self, sources: list[SourceFile]) -> Judged:
        out = Judged()
        loaded = []
        for source in sources:
            doc, problems = load_and_validate(source, self.schemas, screen=screen)
            out.findings.extend(problems)
            if doc is not None:
                item = consistency.Loaded(doc, source.environment, source.kind)
                out.findings.extend(consistency.file_problems(item))
                out.declared.append(consistency.declared(item))
                loaded.append(item)
        self.peers.focus(loaded)
        for item in loaded:
            env = self.views.get(item.environment)
            if env is not None:
                self._policies(item, env, out)
        return out

    def _policies(
        self, item: consistency.Loaded, env: Environment, out: Judged
    ) -> None:
        """Run the policies on a valid spec of a valid environment, apply the
        waivers of the environment, and add what render would refuse."""
        active = self.active(item.environment)
        found, crashed = evaluate(item.doc, env, active)
        out.crashes.extend(crashed)
        spec_type = item.doc.data["spec"]["type"]
        key = (item.environment, spec_type)
        if key not in self._judging:  # one tuple per environment and type
            self._judging[key] = tuple(
                a.policy.id for a in active if a.policy.applies_to(spec_type)
            )
        out.evaluated.append((item.doc.path, self._judging[key]))
        name = item.doc.data["metadata"]["name"]
        out.checked.append((item.environment, name))
        book = self.books.get(item.environment)
        if book is not None:
            found = book.apply(name, found, enabled=self.options.waivers)
            out.used.extend(
                (item.environment, key) for key in book.used if key[1] == name
            )
        out.findings.extend(found)
        # what render would refuse is an error here too (never waived)
        refused = render_problems(item.doc, env.data)
        out.findings.extend(refused)
        if not refused:  # the dashboard render would make, judged (MR-RENDER-002)
            out.findings.extend(dashboard_problems(item.doc, env.data))


def _activate(
    env: Environment,
    config: profiles.Profiles,
    views: dict[str, Environment],
    options: Options,
    peers: Peers,
) -> list[Active]:
    settings = config.for_environment(env)
    return [
        Active(
            policy,
            setting.severity,
            Context(
                options.today,
                views,
                setting.options,
                options.history,
                options.now,
                peers,
            ),
        )
        for policy in config.registry
        if (setting := settings[policy.id]).severity is not None
    ]


def _profile_problem(
    env: Environment, doc: Document, config: profiles.Profiles
) -> list[Finding]:
    if config.exists(env.profile):
        return []
    known = ", ".join(sorted({*config.names, *TIERS}))
    return [
        Finding(
            doc.locate("/spec/policyProfile"),
            UNKNOWN_PROFILE,
            Severity.ERROR,
            f"policy profile {env.profile!r} is not defined (known: {known}); "
            f"the {env.tier} profile is used instead",
            "name a profile of policies/profiles.yaml, or remove policyProfile",
        )
    ]


class Peers:
    """The specs of the working tree for rules across environments: those of
    the run, and any other read (and validated) on first use.

    ``check`` judges model by model and forgets each model's documents: it
    ``focus``es on the specs of the model being judged (those of the run
    that a rule across environments asks for), and any other spec read from
    disk keeps its answer, None too, for the rest of the run.
    """

    def __init__(
        self, repo: Repository, schemas: SchemaSet, loaded: list[consistency.Loaded]
    ) -> None:
        self.repo = repo
        self.schemas = schemas
        self._run: dict[tuple[str, str], dict[str, Any]] = {}
        self._read: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.focus(loaded)

    def focus(self, loaded: list[consistency.Loaded]) -> None:
        """Know the specs of ``loaded`` (one model's, being judged) instead of
        the run's specs known so far."""
        self._run = {
            (item.environment, Path(item.doc.path).stem): item.doc.data
            for item in loaded
            if item.kind == "ModelDeployment"
        }

    def spec(self, environment: str, name: str) -> dict[str, Any] | None:
        key = (environment, name)
        if key in self._run:
            return self._run[key]
        if key not in self._read:
            data = None
            if environment in self.repo.environment_names():
                for suffix in YAML_SUFFIXES:
                    path = self.repo.environments_dir / environment / f"{name}{suffix}"
                    if path.is_file():
                        doc, _ = load_and_validate(
                            self.repo.source(path), self.schemas, screen=screen
                        )
                        data = doc.data if doc is not None else None
                        break
            self._read[key] = data
        return self._read[key]
