"""What ``render`` reads: every environment file, and the specs of the
environments in scope, loaded and validated exactly as ``check`` does.

The renderer only sees files that pass their schema and the cross-file checks
(a spec in the wrong folder or under the wrong name must not deploy). Policy
verdicts are ``check``'s job: render does not run policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelrail.errors import ModelrailError
from modelrail.findings import Finding, Severity
from modelrail.repository import consistency
from modelrail.repository.files import load_and_validate, missing_environment
from modelrail.repository.layout import Repository, SourceFile, select
from modelrail.repository.schema import SchemaSet

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from modelrail.repository.loader import Document


class BadInput(ModelrailError):
    """Files that must be fixed before anything can be rendered (exit 2)."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(
            f"{len(findings)} problem(s) in the input; render needs files that "
            "pass their schemas (run 'modelrail check')"
        )
        self.findings = tuple(findings)


@dataclass(frozen=True, slots=True)
class EnvironmentFile:
    doc: Document
    source: str

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    doc: Document
    source: str


@dataclass
class Inputs:
    repo: Repository
    scope: list[str]
    environments: dict[str, EnvironmentFile] = field(default_factory=dict)
    models: dict[str, list[Model]] = field(default_factory=dict)

    def clusters(self) -> dict[str, list[str]]:
        """Cluster name -> the environments deployed to it, all of them."""
        return clusters(self.environments)


def clusters(environments: Mapping[str, EnvironmentFile]) -> dict[str, list[str]]:
    """Cluster name -> the environments deployed to it, all of them."""
    out: dict[str, list[str]] = {}
    for name in sorted(environments):
        cluster = environments[name].data["spec"]["cluster"]["name"]
        out.setdefault(cluster, []).append(name)
    return dict(sorted(out.items()))


def load(repo: Repository, envs: tuple[str, ...] = ()) -> Inputs:
    """The inputs of a render; ``BadInput`` lists every problem found."""
    scope, files = select(repo, (), envs)
    schemas = SchemaSet(repo.schemas_dir)
    inputs = Inputs(repo, list(scope))
    folders = repo.environment_names()
    inputs.environments, findings, loaded = load_environments(repo, schemas)
    for source in files:
        if source.kind != "ModelDeployment":
            continue
        doc, problems = load_and_validate(source, schemas)
        findings.extend(problems)
        if doc is not None:
            loaded.append(consistency.Loaded(doc, source.environment, source.kind))
            inputs.models.setdefault(source.environment, []).append(
                Model(doc.data["metadata"]["name"], doc, source.display)
            )
    environments = {k: v.doc for k, v in inputs.environments.items()}
    findings.extend(consistency.check(loaded, environments, folders))
    errors = sorted(f for f in findings if f.severity is Severity.ERROR)
    if errors:
        raise BadInput(errors)
    for models in inputs.models.values():
        models.sort(key=lambda m: m.name)
    return inputs


def load_environments(
    repo: Repository, schemas: SchemaSet
) -> tuple[dict[str, EnvironmentFile], list[Finding], list[consistency.Loaded]]:
    """Every environment file, loaded and validated: the valid ones by name,
    the problems (a missing file too), and what was loaded (for
    ``consistency.check``)."""
    environments: dict[str, EnvironmentFile] = {}
    findings: list[Finding] = []
    loaded: list[consistency.Loaded] = []
    for env in repo.environment_names():
        source = repo.environment_file(env)
        if not source.path.is_file():
            findings.append(missing_environment(env))
            continue
        doc, problems = load_and_validate(source, schemas)
        findings.extend(problems)
        if doc is not None:
            environments[env] = EnvironmentFile(doc, source.display)
            loaded.append(consistency.Loaded(doc, env, "Environment"))
    return environments, findings, loaded


def load_model(
    source: SourceFile,
    schemas: SchemaSet,
    environments: Mapping[str, EnvironmentFile],
    folders: Sequence[str],
) -> tuple[Model | None, list[Finding]]:
    """One spec, loaded, validated and checked as ``load`` checks it (but for
    a duplicate name across files, which needs the others); the model, None
    when it has errors, and the errors."""
    doc, problems = load_and_validate(source, schemas)
    findings = list(problems)
    if doc is not None:
        item = consistency.Loaded(doc, source.environment, source.kind)
        docs = {k: v.doc for k, v in environments.items()}
        findings.extend(consistency.check([item], docs, folders))
    errors = sorted(f for f in findings if f.severity is Severity.ERROR)
    if doc is None or errors:
        return None, errors
    return Model(doc.data["metadata"]["name"], doc, source.display), []
