"""A model that processes personal data declares GDPR, its lawful basis and a DPIA.

When ``security.pii.processed`` is true, or GDPR is said to apply, the
processing needs a lawful basis (GDPR art. 6) and, for profiling and
large-scale processing such as scoring customers, a data protection impact
assessment (art. 35), which the checklist names as a privacy impact
assessment. The deployments serve the EU, so personal data processed means
GDPR applies: ``compliance.gdpr.applicable`` must then be true. Each missing
item is reported on its own.

Fails::

    spec:
      security:
        pii: {processed: true, redaction: true}
      compliance:
        gdpr: {applicable: true, lawfulBasis: contract, dpia: null}

Passes::

    spec:
      security:
        pii: {processed: true, redaction: true}
      compliance:
        gdpr: {applicable: true, lawfulBasis: contract, dpia: DPIA-2026-014}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CMP-002"
NAME = "dpia-for-personal-data"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare compliance.gdpr with applicable: true, the lawfulBasis and the "
    "DPIA's URL or ticket."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    gdpr = spec.compliance.get("gdpr", {})
    pii = bool(spec.security.get("pii", {}).get("processed", False))
    if not (pii or gdpr.get("applicable", False)):
        return
    base = "/spec/compliance/gdpr"
    if not gdpr.get("applicable", False):
        yield Hit(
            f"{base}/applicable",
            "personal data is processed but GDPR is not declared applicable",
        )
    if "lawfulBasis" not in gdpr:
        yield Hit(
            f"{base}/lawfulBasis", "personal data is processed without a lawful basis"
        )
    if "dpia" not in gdpr:
        yield Hit(f"{base}/dpia", "personal data is processed without a DPIA")
