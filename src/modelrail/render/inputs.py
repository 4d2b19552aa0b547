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
from modelrail.repository.layout import Repository, select
from modelrail.repository.schema import SchemaSet

if TYPE_CHECKING:
    from collections.abc import Sequence

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
    scope: list[str]
    environments: dict[str, EnvironmentFile] = field(default_factory=dict)
    models: dict[str, list[Model]] = field(default_factory=dict)

    def clusters(self) -> dict[str, list[str]]:
        """Cluster name -> the environments deployed to it, all of them."""
        out: dict[str, list[str]] = {}
        for name in sorted(self.environments):
            cluster = self.environments[name].data["spec"]["cluster"]["name"]
            out.setdefault(cluster, []).append(name)
        return dict(sorted(out.items()))


def load(repo: Repository, envs: tuple[str, ...] = ()) -> Inputs:
    """The inputs of a render; ``BadInput`` lists every problem found."""
    scope, files = select(repo, (), envs)
    schemas = SchemaSet(repo.schemas_dir)
    findings: list[Finding] = []
    loaded: list[consistency.Loaded] = []
    inputs = Inputs(scope=list(scope))
    folders = repo.environment_names()
    for env in folders:
        source = repo.environment_file(env)
        if not source.path.is_file():
            findings.append(missing_environment(env))
            continue
        doc, problems = load_and_validate(source, schemas)
        findings.extend(problems)
        if doc is not None:
            inputs.environments[env] = EnvironmentFile(doc, source.display)
            loaded.append(consistency.Loaded(doc, env, "Environment"))
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
