"""Access and prediction requests are written to an audit trail.

The checklist asks for secure logging and audit trails: when a prediction is
disputed (a blocked payment, an answer given to a customer) or personal data
may have leaked, the audit trail shows who asked what and when. GDPR's
accountability principle (art. 5(2)) expects the same. ``compliance.auditLogging``
must be true, not just left out.

Fails::

    spec:
      compliance:
        auditLogging: false

Passes::

    spec:
      compliance:
        auditLogging: true
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CMP-003"
NAME = "audit-logging"
SEVERITY = Severity.ERROR
REMEDIATION = "Set compliance.auditLogging to true and ship the audit trail."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    audit = spec.compliance.get("auditLogging")
    if audit is None:
        yield Hit("/spec/compliance/auditLogging", "audit logging is not declared")
    elif not audit:
        yield Hit("/spec/compliance/auditLogging", "audit logging is switched off")
