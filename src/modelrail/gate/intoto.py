"""A gate result as an in-toto Statement v1 (``gate --format intoto``).

The Statement binds the gate's verdict to two subjects: the model artifact
the spec deploys (its URI and ``spec.model.digest``) and the rendered app
Argo CD syncs (``rendered/<env>/<model>/``, its folder digest, see
``repository.digests``). The predicate, of type ``PREDICATE_TYPE``, is the
``--format json`` attestation plus the digest of the policy set and of each
rendered file. ``.github/workflows/promotion-gate.yml`` signs it with
GitHub's artifact attestations; ``modelrail verify`` checks its subjects
against a checkout. docs/attestation.md is the reference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.gate.report import document
from modelrail.repository.digests import file_digests, tree_digest
from modelrail.repository.layout import POLICIES, RENDERED

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.gate.inputs import Inputs
    from modelrail.gate.run import Result
    from modelrail.repository.layout import Repository

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://modelrail.io/gate/v1"
POLICY_SET = f"{POLICIES}/"
POLICY_SUFFIXES = (".py", ".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Digests:
    """What the gate read from the repository besides the spec."""

    rendered: Mapping[str, str]  # file of the rendered app -> sha256
    policy_set: str  # the folder digest of policies/ (modules, profiles)


def rendered_app(environment: str, model: str) -> str:
    """The rendered app's subject name: its folder, from the root."""
    return f"{RENDERED}/{environment}/{model}/"


def artifact_digest(spec: Mapping[str, Any]) -> str | None:
    """The hex SHA-256 of ``spec.model.digest`` (None when undeclared)."""
    digest = spec["spec"]["model"].get("digest")
    return digest.removeprefix("sha256:") if isinstance(digest, str) else None


def rendered_files(repo: Repository, environment: str, model: str) -> dict[str, str]:
    return file_digests(repo.root / rendered_app(environment, model))


def policy_set(repo: Repository) -> str:
    """The folder digest of the policy modules and their YAML (profiles.yaml,
    checklist.yaml): what judged the spec."""
    return tree_digest(
        file_digests(repo.policies_dir, keep=lambda p: p.endswith(POLICY_SUFFIXES))
    )


def digests(repo: Repository, inputs: Inputs) -> Digests:
    """What a Statement needs from the repository; ``UsageError`` when the
    spec has no digest or the app is not rendered."""
    if artifact_digest(inputs.spec) is None:
        raise UsageError(
            f"{inputs.spec_file}: spec.model.digest is not declared: a Statement "
            "names the model artifact by its sha256"
        )
    app = rendered_app(inputs.environment, inputs.model)
    files = rendered_files(repo, inputs.environment, inputs.model)
    if not files:
        raise UsageError(
            f"{app} holds no rendered manifests: run modelrail render, then the gate"
        )
    return Digests(files, policy_set(repo))


def statement(result: Result, tool_version: str, found: Digests) -> dict[str, Any]:
    inputs = result.inputs
    model = inputs.spec["spec"]["model"]
    predicate = document(result, tool_version)
    predicate["policySet"] = {"uri": POLICY_SET, "digest": {"sha256": found.policy_set}}
    predicate["rendered"] = {
        "uri": rendered_app(inputs.environment, inputs.model),
        "files": {path: {"sha256": h} for path, h in sorted(found.rendered.items())},
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {
                "name": model["artifact"],
                "digest": {"sha256": artifact_digest(inputs.spec)},
            },
            {
                "name": rendered_app(inputs.environment, inputs.model),
                "digest": {"sha256": tree_digest(found.rendered)},
            },
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def as_statement(result: Result, tool_version: str, found: Digests) -> str:
    text = json.dumps(statement(result, tool_version, found), indent=2, sort_keys=True)
    return text + "\n"
