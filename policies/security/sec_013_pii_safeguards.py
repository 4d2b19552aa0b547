"""Personal data is redacted, kept for a declared time and encrypted at rest.

The checklist asks for data encrypted at rest and GDPR compliance. Once
``pii.processed`` is true, personal data ends up in request logs, stored
payloads and monitoring samples: redaction keeps it out of logs, a declared
retention is GDPR's storage limitation (article 5(1)(e)) made checkable, and
encryption at rest is the safeguard article 32 names. Each missing safeguard
is reported on its own.

Fails::

    spec:
      security:
        pii: {processed: true, redaction: false, retention: null, encryptionAtRest: true}

Passes::

    spec:
      security:
        pii: {processed: true, redaction: true, retention: 30d, encryptionAtRest: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-013"
NAME = "pii-safeguards"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Set security.pii.redaction: true, a retention such as 30d, and "
    "encryptionAtRest: true."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    pii = spec.security.get("pii", {})
    if pii.get("processed") is not True:
        return
    for key, what in (
        ("redaction", "personal data is not redacted from logs and payloads"),
        ("encryptionAtRest", "stored personal data is not encrypted at rest"),
    ):
        if pii.get(key) is not True:
            state = "not set" if key not in pii else "false"
            yield Hit(f"/spec/security/pii/{key}", f"pii.{key} is {state}: {what}")
    if "retention" not in pii:
        yield Hit(
            "/spec/security/pii/retention",
            "pii.retention is not declared: personal data is kept indefinitely",
        )
