"""What ``render`` would refuse, told by ``check`` as findings (MR-RENDER-001).

A schema-valid file can still be one the renderer, Kubernetes or Argo CD
cannot take (a value kustomize cannot carry, a KServe model KServe cannot
serve, a ``kubernetesVersion`` the installed schemas do not cover): ``check``
reports it with these, so that what check accepts, render renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelrail.findings import Finding, Location, Severity
from modelrail.render import kserve
from modelrail.render.facts import SpecError, model_facts
from modelrail.render.kubeschema import version_problem
from modelrail.rules import UNRENDERABLE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.repository.loader import Document


def problems(doc: Document, env: Mapping[str, Any]) -> list[Finding]:
    """Why ``render`` would refuse this schema-valid spec, as findings for
    ``check`` (rule MR-RENDER-001, an error in every tier): what check accepts,
    render renders."""
    try:
        values = model_facts(doc, env, doc.path)
        if doc.data["spec"]["serving"]["runtime"] == "kserve":
            kserve.values(doc, values, strict=False)  # the step: MR-ROLL-011
    except SpecError as exc:
        return [
            Finding(
                exc.location or Location(doc.path),
                UNRENDERABLE,
                Severity.ERROR,
                exc.message,
                "change the value so that Kubernetes and Argo CD can take it "
                "(modelrail render would refuse the spec)",
            )
        ]
    return []


def environment_problems(doc: Document) -> list[Finding]:
    """Why ``render`` would refuse this schema-valid environment file."""
    problem = version_problem(doc.data["spec"]["kubernetesVersion"])
    if problem is None:
        return []
    return [
        Finding(
            doc.locate("/spec/kubernetesVersion"),
            UNRENDERABLE,
            Severity.ERROR,
            problem,
            "set a Kubernetes version the installed schemas cover",
        )
    ]
