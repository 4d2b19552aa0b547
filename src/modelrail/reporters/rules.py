"""What reporters say about a rule: a policy's or one the engine reports itself.

Policies describe themselves (``engine.Policy``: title, rationale, remediation);
the rules the engine emits (``MR-LOAD``, ``MR-SCHEMA``, ``MR-REPO-*``,
``MR-CONFIG-*``, ``MR-RENDER-*``, ``MR-WAIVER-*``) are described here, in the
words of README.md's table "Rules the engine itself reports". An id this table
does not know (a rule added later) still gets a description from its family.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.policy.engine import Policy

POLICY_DOCS = "docs/policies.md"
ENGINE_DOCS = "README.md"


@dataclass(frozen=True, slots=True)
class EngineRule:
    id: str
    name: str
    title: str

    @property
    def category(self) -> str:
        """The family, as a tag: MR-REPO-001 -> repo."""
        parts = self.id.split("-")
        return (parts[1] if len(parts) > 1 else self.id).lower()


_ENGINE: dict[str, tuple[str, str]] = {
    "MR-LOAD": (
        "loadable-yaml",
        "The file is one safe YAML mapping the loader accepts.",
    ),
    "MR-SCHEMA": ("schema", "The file matches the JSON Schema of its kind."),
    "MR-REPO-001": ("name-matches-file", "A spec's metadata.name is its file name."),
    "MR-REPO-002": (
        "environment-matches-folder",
        "A file's metadata names the environment of its folder.",
    ),
    "MR-REPO-003": (
        "known-promotion-source",
        "A promotion source is an environment of the repository.",
    ),
    "MR-REPO-004": ("no-promotion-cycle", "Promotion sources do not form a cycle."),
    "MR-REPO-005": (
        "unique-spec-name",
        "No two specs of one environment share a name.",
    ),
    "MR-REPO-006": (
        "environment-file",
        "Every environment folder has an environment.yaml.",
    ),
    "MR-REPO-007": (
        "shared-cluster-agrees",
        (
            "Environments on one cluster agree on its server, Argo CD namespace, "
            "repository and revision (they share one root Application)."
        ),
    ),
    "MR-REPO-008": (
        "distinct-argocd-targets",
        (
            "No two environments use the same Argo CD project, or the same "
            "namespace of one cluster."
        ),
    ),
    "MR-CONFIG-001": (
        "known-policy",
        "policies/profiles.yaml names only policies that exist.",
    ),
    "MR-CONFIG-002": (
        "valid-option",
        "The policy options policies/profiles.yaml sets exist and are valid.",
    ),
    "MR-CONFIG-003": (
        "valid-extends",
        "A profile extends a profile that exists, without a cycle.",
    ),
    "MR-CONFIG-004": (
        "known-profile",
        "An environment's policy profile is defined in policies/profiles.yaml.",
    ),
    "MR-RENDER-001": (
        "renderable",
        "What check accepts, render renders and Kubernetes accepts.",
    ),
    "MR-WAIVER-001": ("waiver-not-expired", "A waiver has not expired."),
    "MR-WAIVER-002": (
        "waiver-not-too-long",
        "A waiver lasts no longer than the maximum from approval to expiry.",
    ),
    "MR-WAIVER-003": (
        "waiver-approved",
        "A waiver is approved by an approver policies/profiles.yaml accepts.",
    ),
    "MR-WAIVER-004": ("waiver-known-policy", "A waiver names a policy that exists."),
    "MR-WAIVER-005": ("waiver-waivable", "A waiver names a policy that may be waived."),
    "MR-WAIVER-006": (
        "waiver-not-stale",
        "A waiver still matches a finding (else the problem was fixed: delete it).",
    ),
    "MR-WAIVER-007": ("waiver-unique", "One waiver per policy and model."),
    "MR-WAIVER-008": (
        "waiver-expires-soon",
        "A waiver expires within 14 days: fix the problem or renew it.",
    ),
    "MR-WAIVER-009": (
        "waiver-well-formed",
        (
            "A waiver matches the Waivers schema, with real calendar dates "
            "(else it is not applied; the file's other waivers still are)."
        ),
    ),
}

_FAMILIES: dict[str, tuple[str, str]] = {
    "MR-REPO": (
        "repository-consistency",
        "Files agree with their folders and each other.",
    ),
    "MR-CONFIG": ("policy-configuration", "policies/profiles.yaml is valid."),
    "MR-RENDER": ("renderable", "What check accepts, render renders."),
    "MR-WAIVER": ("valid-waiver", "A waiver is valid, approved and in use."),
}


def engine_rule(rule_id: str) -> EngineRule:
    """The description of a rule that is not a policy (any id gets one)."""
    if rule_id in _ENGINE:
        return EngineRule(rule_id, *_ENGINE[rule_id])
    family = rule_id.rsplit("-", 1)[0]
    if family in _FAMILIES:
        return EngineRule(rule_id, *_FAMILIES[family])
    return EngineRule(rule_id, rule_id.lower(), f"A rule of modelrail ({rule_id}).")


def known_engine_rules() -> tuple[str, ...]:
    return tuple(sorted(_ENGINE))


def policy_anchor(policy: Policy) -> str:
    """The anchor of the policy's section in docs/policies.md: GitHub's slug of
    its heading ``### MR-SEC-004 pinned-serving-image``."""
    return f"{policy.id.lower()}-{policy.name}"


def policy_doc(policy: Policy) -> str:
    """The repository-relative reference of the policy's documentation."""
    return f"{POLICY_DOCS}#{policy_anchor(policy)}"
