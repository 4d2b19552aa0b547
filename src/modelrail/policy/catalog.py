"""Everything known about the policies of a repository, for people to read.

The registry (what each policy checks), the profiles (how strict it is per
tier) and the checklist (which seed items it enforces) feed ``modelrail
policies``, ``modelrail explain`` and the generated docs alike: one source
per fact.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.errors import RepositoryError
from modelrail.policy import TIERS, profiles
from modelrail.policy.engine import Policy, Registry, load_policies
from modelrail.repository.loader import LoadError, load_file
from modelrail.repository.schema import SchemaSet

if TYPE_CHECKING:
    from modelrail.repository.layout import Repository

CHECKLIST_FILE = "checklist.yaml"


@dataclass(frozen=True)
class Catalog:
    registry: Registry
    profiles: profiles.Profiles
    checklist: tuple[dict[str, Any], ...]
    sources: dict[str, dict[str, str]]

    def severities(self, policy: Policy) -> dict[str, str]:
        """The policy's level in each tier's profile (``off`` when switched off)."""
        out = {}
        for tier in TIERS:
            setting = self.profiles.settings(tier)[policy.id]
            out[tier] = setting.severity.label if setting.severity else "off"
        return out

    def options(self, policy: Policy) -> dict[str, dict[str, Any]]:
        """Option name -> tier -> value, for a policy that has options."""
        if policy.options_type is None:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for tier in TIERS:
            options = self.profiles.settings(tier)[policy.id].options
            for name, value in dataclasses.asdict(options).items():  # type: ignore[call-overload]
                out.setdefault(name, {})[tier] = value
        return out

    def items_of(self, policy: Policy) -> list[dict[str, Any]]:
        """The checklist items this policy enforces."""
        return [i for i in self.checklist if policy.id in i.get("policies", ())]


def load(repo: Repository) -> Catalog:
    """The catalog of ``repo``; a broken profiles or checklist file is an error."""
    registry = load_policies(repo.policies_dir, repo.root)
    config = profiles.load(
        repo.policies_dir, repo.root, registry, SchemaSet(repo.schemas_dir)
    )
    if config.problems:
        raise RepositoryError(
            "policies/profiles.yaml has problems (modelrail check shows them all): "
            + str(config.problems[0])
        )
    items, sources = _checklist(repo)
    return Catalog(registry, config, items, sources)


def _checklist(repo: Repository) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    path = repo.policies_dir / CHECKLIST_FILE
    if not path.is_file():
        return (), {}
    display = path.relative_to(repo.root).as_posix()
    try:
        doc = load_file(path, display)
    except LoadError as exc:
        raise RepositoryError(f"{exc.location}: {exc.message}") from exc
    problems = SchemaSet(repo.schemas_dir).validate("Checklist", doc)
    if problems:
        raise RepositoryError(str(problems[0]))
    return tuple(doc.data["items"]), dict(doc.data["sources"])
