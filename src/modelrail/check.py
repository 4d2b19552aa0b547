"""``check``: load, validate and cross-check the files of a repository.

Pure orchestration: it returns a ``Report`` and never prints or exits; the CLI
picks the exit code from the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from modelrail import consistency
from modelrail.findings import LOAD, Finding, Location, Severity
from modelrail.loader import Document, LoadError, load_file, paused_gc
from modelrail.repo import ENVIRONMENT_FILE, Repository, SourceFile, select
from modelrail.schema import SchemaSet


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    files: int
    environments: tuple[str, ...]
    bad_input: bool = field(default=False)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read as YAML, 1 for errors, else 0."""
        if self.bad_input:
            return 2
        return 1 if self.worst is Severity.ERROR else 0


def run(
    repo: Repository, paths: tuple[str, ...] = (), envs: tuple[str, ...] = ()
) -> Report:
    with paused_gc():
        return _run(repo, paths, envs)


def _run(repo: Repository, paths: tuple[str, ...], envs: tuple[str, ...]) -> Report:
    in_scope, files = select(repo, paths, envs)
    schemas = SchemaSet(repo.schemas_dir)
    findings: list[Finding] = []
    loaded: list[consistency.Loaded] = []
    bad_input = False

    # Environment files give every other check its context, so the ones in
    # scope are read even when only a spec was named on the command line.
    chosen = {f.path for f in files}
    context = [
        repo.source(repo.environments_dir / env / ENVIRONMENT_FILE) for env in in_scope
    ]
    extra = [c for c in context if c.path not in chosen and c.path.is_file()]
    environments: dict[str, Document] = {}
    for source in [*files, *extra]:
        doc, problems = _load_and_validate(source, schemas)
        findings.extend(problems)
        bad_input |= any(p.rule == LOAD for p in problems)
        if doc is None:
            continue
        if source.kind == "Environment" and source.path.name == ENVIRONMENT_FILE:
            environments[source.environment] = doc
        if source.path in chosen:
            loaded.append(consistency.Loaded(doc, source.environment, source.kind))
    findings.extend(
        _missing_environment(env)
        for env in in_scope
        if not (repo.environments_dir / env / ENVIRONMENT_FILE).is_file()
    )
    # Promotion chains are judged over every environment, not only those in scope.
    for env in repo.environment_names():
        if env not in environments and env not in in_scope:
            source = repo.source(repo.environments_dir / env / ENVIRONMENT_FILE)
            if source.path.is_file():
                doc, problems = _load_and_validate(source, schemas)
                if doc is not None:
                    environments[env] = doc
    findings.extend(consistency.check(loaded, environments, repo.environment_names()))
    return Report(
        tuple(sorted(findings)), len(files), tuple(in_scope), bad_input=bad_input
    )


def _load_and_validate(
    source: SourceFile, schemas: SchemaSet
) -> tuple[Document | None, list[Finding]]:
    try:
        doc = load_file(source.path, source.display)
    except LoadError as exc:
        return None, [
            Finding(exc.location, LOAD, Severity.ERROR, exc.message, exc.remediation)
        ]
    problems = schemas.validate(source.kind, doc)
    return (None if problems else doc), problems


def _missing_environment(env: str) -> Finding:
    display = (Path("environments") / env / ENVIRONMENT_FILE).as_posix()
    return Finding(
        Location(display),
        consistency.MISSING_ENVIRONMENT,
        Severity.ERROR,
        f"environment folder environments/{env}/ has no {ENVIRONMENT_FILE}",
        "add an environment.yaml (see schemas/environment.v1.json)",
    )
