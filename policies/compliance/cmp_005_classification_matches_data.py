"""A model that processes personal data is classified confidential or restricted.

Personal data is confidential by nature: its leak harms the people it
describes and must be reported (GDPR art. 33). A spec that declares
``security.pii.processed: true`` but classifies its data as public or
internal contradicts itself, and whatever is decided from the
classification (who may read logs, which controls apply) is decided too
leniently.

Fails::

    spec:
      security:
        dataClassification: internal
        pii: {processed: true, redaction: true}

Passes::

    spec:
      security:
        dataClassification: confidential
        pii: {processed: true, redaction: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CMP-005"
NAME = "classification-matches-data"
SEVERITY = Severity.ERROR
REMEDIATION = "Classify data that includes personal data as confidential or restricted."

_ENOUGH = ("confidential", "restricted")


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    security = spec.security
    level = security.get("dataClassification")
    if level is None or not security.get("pii", {}).get("processed", False):
        return  # MR-CMP-001 reports a missing classification
    if level not in _ENOUGH:
        yield Hit(
            "/spec/security/dataClassification",
            f"data classified {level!r} includes personal data",
        )
