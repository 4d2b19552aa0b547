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
    # Every environment file is read once, first: they are the context of all
    # other checks, and promotion chains are judged across all of them.
    results: dict[Path, tuple[Document | None, list[Finding]]] = {}
    environments: dict[str, Document] = {}
    folders = repo.environment_names()
    for env in folders:
        source = repo.environment_file(env)
        if source.path.is_file():
            results[source.path] = _load_and_validate(source, schemas)
            doc = results[source.path][0]
            if doc is not None:
                environments[env] = doc
    # Environment files of the environments in scope are reported even when
    # only a spec was named: a broken context changes every verdict.
    reported = {f.path: f for f in files}
    for env in in_scope:
        source = repo.environment_file(env)
        if source.path in results:
            reported.setdefault(source.path, source)
    findings: list[Finding] = [
        _missing_environment(env)
        for env in in_scope
        if not repo.environment_file(env).path.is_file()
    ]
    loaded: list[consistency.Loaded] = []
    for source in sorted(reported.values(), key=lambda s: s.display):
        if source.path not in results:
            results[source.path] = _load_and_validate(source, schemas)
        doc, problems = results[source.path]
        findings.extend(problems)
        if doc is not None:
            loaded.append(consistency.Loaded(doc, source.environment, source.kind))
    findings.extend(consistency.check(loaded, environments, folders))
    return Report(
        tuple(sorted(findings)),
        len(files),
        tuple(in_scope),
        bad_input=any(f.rule == LOAD for f in findings),
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
