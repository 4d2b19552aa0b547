"""``check``: load, validate and cross-check the files of a repository.

Pure orchestration: it returns a ``Report`` and never prints or exits; the CLI
picks the exit code from the report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    loaded: list[consistency.Loaded] = []
    for source in sorted(reported.values(), key=lambda s: s.display):
        if source.path not in results:
            results[source.path] = load_and_validate(source, schemas, screen=screen)
        doc, problems = results[source.path]
        findings.extend(problems)
        if doc is not None:
            loaded.append(consistency.Loaded(doc, source.environment, source.kind))
    findings.extend(consistency.check(loaded, environments, folders))
    peers = Peers(repo, schemas, loaded)
    evaluated: dict[str, tuple[str, ...]] = {}
    crashes, invalid_waivers = _policies(
        repo,
        registry,
        config,
        loaded,
        environments,
        options,
        findings,
        peers,
        evaluated,
    )
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
        invalid_waivers=invalid_waivers,
        evaluated=tuple(sorted(evaluated.items())),
    )


def _policies(
    repo: Repository,
    registry: Registry,
    config: profiles.Profiles,
    loaded: list[consistency.Loaded],
    environments: dict[str, Document],
    options: Options,
    findings: list[Finding],
    peers: Peers,
    evaluated: dict[str, tuple[str, ...]],
) -> tuple[list[Crash], int]:
    """Run the policies on every valid spec whose environment is valid, then
    apply the waivers of its environment. Appends to ``findings`` and records
    in ``evaluated`` which policies judged each spec; returns the crashes and
    how many waivers are invalid (not applied)."""
    views = {name: Environment(doc.data) for name, doc in environments.items()}
    active: dict[str, list[Active]] = {}
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
    crashes: list[Crash] = []
    checked: dict[str, set[str]] = {}
    for item in loaded:
        env = views.get(item.environment)
        if item.kind != "ModelDeployment" or env is None:
            continue
        if item.environment not in active:
            active[item.environment] = _activate(env, config, views, options, peers)
        found, crashed = evaluate(item.doc, env, active[item.environment])
        crashes.extend(crashed)
        spec_type = item.doc.data["spec"]["type"]
        evaluated[item.doc.path] = tuple(
            a.policy.id
            for a in active[item.environment]
            if a.policy.applies_to(spec_type)
        )
        name = item.doc.data["metadata"]["name"]
        checked.setdefault(item.environment, set()).add(name)
        book = books.get(item.environment)
        if book is not None:
            found = book.apply(name, found, enabled=options.waivers)
        findings.extend(found)
        # what render would refuse is an error here too (never waived)
        refused = render_problems(item.doc, env.data)
        findings.extend(refused)
        if not refused:  # the dashboard render would make, judged (MR-RENDER-002)
            findings.extend(dashboard_problems(item.doc, env.data))
    for env_name, book in books.items():
        known = {
            f.path.stem for f in repo.files(env_name) if f.kind == "ModelDeployment"
        }
        if env_name not in active:
            active[env_name] = _activate(views[env_name], config, views, options, peers)
        switched_on = {a.policy.id for a in active[env_name]}
        findings.extend(book.stale(checked.get(env_name, set()), known, switched_on))
    return crashes, invalid


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
    the run, and any other read (and validated) on first use."""

    def __init__(
        self, repo: Repository, schemas: SchemaSet, loaded: list[consistency.Loaded]
    ) -> None:
        self.repo = repo
        self.schemas = schemas
        self._specs: dict[tuple[str, str], dict[str, Any] | None] = {
            (item.environment, Path(item.doc.path).stem): item.doc.data
            for item in loaded
            if item.kind == "ModelDeployment"
        }

    def spec(self, environment: str, name: str) -> dict[str, Any] | None:
        key = (environment, name)
        if key not in self._specs:
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
            self._specs[key] = data
        return self._specs[key]
