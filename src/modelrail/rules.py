"""Every rule the engine reports itself, once: its id, name and title.

Policies describe themselves (``policy.engine.Policy``: title, rationale,
remediation); the rules the engine emits (``MR-LOAD``, ``MR-SCHEMA``,
``MR-REPO-*``, ``MR-CONFIG-*``, ``MR-RENDER-*``, ``MR-WAIVER-*``) are defined
here, and nowhere else: the modules that emit them import the constants,
reporters and docs read :data:`ENGINE`. The words are those of README.md's
table "Rules the engine itself reports". An id this table does not know (a
rule added later, or a family prefix) still gets a description from its
family.
"""

from __future__ import annotations

from dataclasses import dataclass


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


ENGINE: dict[str, EngineRule] = {}


def _rule(rule_id: str, name: str, title: str) -> str:
    assert rule_id not in ENGINE, f"{rule_id} is defined twice"
    ENGINE[rule_id] = EngineRule(rule_id, name, title)
    return rule_id


LOAD = _rule(
    "MR-LOAD",
    "loadable-yaml",
    "The file is one safe YAML mapping the loader accepts.",
)

SCHEMA = _rule("MR-SCHEMA", "schema", "The file matches the JSON Schema of its kind.")

NAME_MISMATCH = _rule(
    "MR-REPO-001",
    "name-matches-file",
    "A spec's metadata.name is its file name.",
)
ENVIRONMENT_MISMATCH = _rule(
    "MR-REPO-002",
    "environment-matches-folder",
    "A file's metadata names the environment of its folder.",
)
UNKNOWN_SOURCE = _rule(
    "MR-REPO-003",
    "known-promotion-source",
    "A promotion source is an environment of the repository.",
)
PROMOTION_CYCLE = _rule(
    "MR-REPO-004",
    "no-promotion-cycle",
    "Promotion sources do not form a cycle.",
)
DUPLICATE_NAME = _rule(
    "MR-REPO-005",
    "unique-spec-name",
    "No two specs of one environment share a name.",
)
MISSING_ENVIRONMENT = _rule(
    "MR-REPO-006",
    "environment-file",
    "Every environment folder has an environment.yaml.",
)
SHARED_CLUSTER = _rule(
    "MR-REPO-007",
    "shared-cluster-agrees",
    (
        "Environments on one cluster agree on its server, Argo CD namespace, "
        "repository and revision (they share one root Application)."
    ),
)
ARGOCD_CLASH = _rule(
    "MR-REPO-008",
    "distinct-argocd-targets",
    (
        "No two environments use the same Argo CD project, or the same "
        "namespace of one cluster."
    ),
)

UNKNOWN_POLICY = _rule(
    "MR-CONFIG-001",
    "known-policy",
    "policies/profiles.yaml names only policies that exist.",
)
BAD_OPTION = _rule(
    "MR-CONFIG-002",
    "valid-option",
    "The policy options policies/profiles.yaml sets exist and are valid.",
)
BAD_EXTENDS = _rule(
    "MR-CONFIG-003",
    "valid-extends",
    "A profile extends a profile that exists, without a cycle.",
)
UNKNOWN_PROFILE = _rule(
    "MR-CONFIG-004",
    "known-profile",
    "An environment's policy profile is defined in policies/profiles.yaml.",
)

UNRENDERABLE = _rule(
    "MR-RENDER-001",
    "renderable",
    "What check accepts, render renders and Kubernetes accepts.",
)
DASHBOARD_JUDGED = _rule(
    "MR-RENDER-002",
    "dashboard-queries",
    "Every query of a model's dashboard is valid PromQL reading series of the "
    "metric convention or the spec, and every threshold is its spec value.",
)

WAIVER_EXPIRED = _rule(
    "MR-WAIVER-001",
    "waiver-not-expired",
    "A waiver has not expired.",
)
WAIVER_TOO_LONG = _rule(
    "MR-WAIVER-002",
    "waiver-not-too-long",
    "A waiver lasts no longer than the maximum from approval to expiry.",
)
WAIVER_UNAPPROVED = _rule(
    "MR-WAIVER-003",
    "waiver-approved",
    "A waiver is approved by an approver policies/profiles.yaml accepts.",
)
WAIVER_UNKNOWN_POLICY = _rule(
    "MR-WAIVER-004",
    "waiver-known-policy",
    "A waiver names a policy that exists.",
)
WAIVER_NOT_WAIVABLE = _rule(
    "MR-WAIVER-005",
    "waiver-waivable",
    "A waiver names a policy that may be waived.",
)
WAIVER_STALE = _rule(
    "MR-WAIVER-006",
    "waiver-not-stale",
    "A waiver still matches a finding (else the problem was fixed: delete it).",
)
WAIVER_DUPLICATE = _rule(
    "MR-WAIVER-007",
    "waiver-unique",
    "One waiver per policy and model.",
)
WAIVER_EXPIRES_SOON = _rule(
    "MR-WAIVER-008",
    "waiver-expires-soon",
    "A waiver expires within 14 days: fix the problem or renew it.",
)
WAIVER_MALFORMED = _rule(
    "MR-WAIVER-009",
    "waiver-well-formed",
    (
        "A waiver matches the Waivers schema, with real calendar dates (else it "
        "is not applied; the file's other waivers still are)."
    ),
)

# families: a finding names one of their rules; a prefix alone is described so
FAMILIES: dict[str, EngineRule] = {
    "MR-REPO": EngineRule(
        "MR-REPO",
        "repository-consistency",
        "Files agree with their folders and each other.",
    ),
    "MR-CONFIG": EngineRule(
        "MR-CONFIG", "policy-configuration", "policies/profiles.yaml is valid."
    ),
    "MR-RENDER": EngineRule(
        "MR-RENDER", "renderable", "What check accepts, render renders."
    ),
    "MR-WAIVER": EngineRule(
        "MR-WAIVER", "valid-waiver", "A waiver is valid, approved and in use."
    ),
}
REPO, CONFIG, RENDER, WAIVER = FAMILIES


def engine_rule(rule_id: str) -> EngineRule:
    """The description of a rule that is not a policy (any id gets one)."""
    if rule_id in ENGINE:
        return ENGINE[rule_id]
    family = rule_id.rsplit("-", 1)[0]
    if family in FAMILIES:
        return EngineRule(rule_id, FAMILIES[family].name, FAMILIES[family].title)
    return EngineRule(rule_id, rule_id.lower(), f"A rule of modelrail ({rule_id}).")
