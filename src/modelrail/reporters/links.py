"""Where reporters point for a rule: a policy's section of docs/policies.md,
or README.md's table for the rules the engine reports itself (described in
:mod:`modelrail.rules`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelrail.policy.engine import Policy

POLICY_DOCS = "docs/policies.md"
ENGINE_DOCS = "README.md"


def policy_anchor(policy: Policy) -> str:
    """The anchor of the policy's section in docs/policies.md: GitHub's slug of
    its heading ``### MR-SEC-004 pinned-serving-image``."""
    return f"{policy.id.lower()}-{policy.name}"


def policy_doc(policy: Policy) -> str:
    """The repository-relative reference of the policy's documentation."""
    return f"{POLICY_DOCS}#{policy_anchor(policy)}"
