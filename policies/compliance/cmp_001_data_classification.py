"""The spec declares the classification of the data the model sees.

Access rules, encryption, retention and who may be given logs all follow
from how sensitive the data is; GDPR compliance starts with knowing it.
``security.dataClassification`` (public, internal, confidential or
restricted) makes that explicit, so reviewers and other policies judge the
deployment by its data and not by a guess (MR-CMP-005).

Fails::

    spec:
      security:
        dataClassification: null

Passes::

    spec:
      security:
        dataClassification: confidential
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CMP-001"
NAME = "data-classification"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Set security.dataClassification to public, internal, confidential or restricted."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "dataClassification" not in spec.security:
        yield Hit(
            "/spec/security/dataClassification",
            "the classification of the data the model sees is not declared",
        )
