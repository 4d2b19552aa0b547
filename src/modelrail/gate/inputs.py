"""What a gate run measures: the target spec, where its evidence lives, when.

The gate judges a version about to enter environment ENV (the target). Its
spec is ``environments/<ENV>/<MODEL>.yaml`` as it is in the working tree:
after the promotion edit, so ``spec.model.version`` is the candidate. The
SLO evidence comes from the promotion source (``spec.promotion.from`` of the
target's environment file), where the candidate has been running: its
Prometheus (``spec.monitoring.prometheus``, or ``--prometheus``), its
namespace, its metric names. The thresholds are the target spec's ``slo``:
what the target promises is what the source must have shown. The window is
``--window``, else the target's ``promotion.soak``, else 24h. The registry
is ``--registry``, else the target's ``spec.modelRegistry``: the environment
being entered says which registry it trusts.

With ``compare`` (``gate --compare``) everything is measured in ENV itself,
where the candidate and the stable version run side by side: ENV's
Prometheus, namespace and metric names, over ``--window`` (else 1h); no
promotion source or registry is needed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail import units
from modelrail.errors import UsageError
from modelrail.gate.transport import base_url
from modelrail.metrics import Convention

if TYPE_CHECKING:
    from modelrail.repository.layout import Repository
    from modelrail.repository.loader import Document

DEFAULT_WINDOW = "24h"
COMPARE_WINDOW = "1h"  # gate --compare: about a canary step's pause
QUALITY_POLICY = "MR-MDL-003"  # its ``ratio`` option is the quality gate's ratio


@dataclass(frozen=True, slots=True)
class Inputs:
    model: str  # metadata.name: the ``model`` label of the series
    environment: str  # the target
    source: str  # the promotion source, where the SLO record is
    spec_file: str  # the target spec, repository-relative
    spec: dict[str, Any]  # the target spec's data
    namespace: str  # the source's namespace: the ``namespace`` label
    convention: Convention  # the source's metric names
    window: str  # as given ("24h")
    window_seconds: int
    at: datetime.datetime  # the end of the window (UTC)
    prometheus_url: str
    registry_url: str  # "" when a comparison reads no registry
    ratio: Decimal  # the share of the baseline's quality metric to reach

    @property
    def version(self) -> str:
        return str(self.spec["spec"]["model"]["version"])

    @property
    def at_text(self) -> str:
        return iso(self.at)


def iso(at: datetime.datetime) -> str:
    """``2026-11-21T08:00:00Z``: UTC, seconds (microseconds when there are)."""
    return at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def parse_at(text: str) -> datetime.datetime:
    """An ISO 8601 timestamp (``2026-11-21T08:00:00Z``; without an offset it
    is UTC) as an aware UTC datetime; ``ValueError`` when it is not one."""
    at = datetime.datetime.fromisoformat(text.strip())
    if at.tzinfo is None:
        at = at.replace(tzinfo=datetime.UTC)
    return at.astimezone(datetime.UTC)


def resolve(
    repo: Repository,
    model: str,
    environment: str,
    *,
    at: datetime.datetime,
    window: str | None = None,
    prometheus: str | None = None,
    registry: str | None = None,
    compare: bool = False,
) -> Inputs:
    """The inputs of a gate run; ``UsageError`` for anything that cannot work."""
    from modelrail.repository.schema import SchemaSet

    schemas = SchemaSet(repo.schemas_dir)
    known = repo.environment_names()
    if environment not in known:
        raise UsageError(
            f"unknown environment {environment!r}; known: {', '.join(known)}"
        )
    target_env = _load(repo, repo.environment_file(environment).path, schemas)
    source = target_env.data["spec"].get("promotion", {}).get("from")
    where = f"{target_env.path}"
    if compare:
        source = environment  # both versions run here, side by side
    elif source is None:
        raise UsageError(
            f"{where}: {environment} has no promotion source (spec.promotion.from): "
            "versions enter it directly, so there is no record to gate on"
        )
    if source not in known:
        raise UsageError(f"{where}: promotion source {source!r} is not an environment")
    source_env = _load(repo, repo.environment_file(source).path, schemas)
    spec_path = repo.environments_dir / environment / f"{model}.yaml"
    if not spec_path.is_file():
        models = sorted(
            f.path.stem for f in repo.files(environment) if f.kind == "ModelDeployment"
        )
        raise UsageError(
            f"{repo.source(spec_path).display}: no such spec (models in "
            f"{environment}: {', '.join(models) or 'none'})"
        )
    spec = _load(repo, spec_path, schemas)
    if compare:
        window = window or COMPARE_WINDOW
    window = window or target_env.data["spec"].get("promotion", {}).get("soak")
    window = window or DEFAULT_WINDOW
    try:
        window_seconds = units.seconds(window)
    except ValueError:
        window_seconds = 0
    if window_seconds <= 0:
        raise UsageError(f"window {window!r} is not a duration such as 24h or 90m")
    monitoring = source_env.data["spec"]["monitoring"]
    registry = registry or target_env.data["spec"].get("modelRegistry", {}).get("url")
    if registry is None and not compare:
        raise UsageError(
            f"{where}: no model registry to read the evidence from: pass --registry "
            "URL, or set spec.modelRegistry {type: mlflow, url: ...} there"
        )
    return Inputs(
        model=spec.data["metadata"]["name"],
        environment=environment,
        source=source,
        spec_file=spec.path,
        spec=spec.data,
        namespace=source_env.data["spec"]["namespace"],
        convention=Convention.of(source_env.data),
        window=window,
        window_seconds=window_seconds,
        at=at.astimezone(datetime.UTC),
        prometheus_url=base_url(prometheus or monitoring["prometheus"], "Prometheus"),
        registry_url=base_url(registry, "the model registry") if registry else "",
        ratio=quality_ratio(repo, target_env.data, schemas),
    )


def _load(repo: Repository, path: Any, schemas: Any) -> Document:
    from modelrail.repository.files import load_and_validate

    source = repo.source(path)
    doc, problems = load_and_validate(source, schemas)
    if doc is None:
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UsageError(
            f"{source.display} is not valid: {shown}{more} (run modelrail check)"
        )
    return doc


def quality_ratio(repo: Repository, env: dict[str, Any], schemas: Any) -> Decimal:
    """The ``ratio`` option of MR-MDL-003 under the environment's policy
    profile: the one place the checklist's 95 % lives, so the gate judges
    the registry's numbers by the rule the policy applies to the spec's."""
    from modelrail.policy import Environment, profiles
    from modelrail.policy.engine import load_policies

    registry = load_policies(repo.policies_dir, repo.root)
    if QUALITY_POLICY not in registry:
        raise UsageError(
            f"{repo.policies_dir} has no {QUALITY_POLICY}: the gate takes the "
            "share of the baseline a model must reach from its ratio option"
        )
    config = profiles.load(repo.policies_dir, repo.root, registry, schemas)
    if config.problems:
        raise UsageError(f"{config.problems[0]} (run modelrail check)")
    options = config.for_environment(Environment(env))[QUALITY_POLICY].options
    return Decimal(str(getattr(options, "ratio")))  # noqa: B009 - typed as object
