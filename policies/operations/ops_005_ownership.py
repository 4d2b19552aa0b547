"""The owners can be reached around the clock: an on-call and an escalation.

The checklist asks for 24/7 contacts and an escalation path. ``metadata.team``
names the owners; ``contacts.oncall`` is who answers a page and
``contacts.escalation`` who is called when on-call does not answer, which is
no escalation at all when it is the on-call contact again.

Fails::

    metadata:
      contacts:
        escalation: null

Passes::

    metadata:
      contacts:
        oncall: https://example.pagerduty.com/schedules/PRISKML
        escalation: risk-ml-leads@example.com
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-005"
NAME = "ownership"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare metadata.contacts.oncall and a different metadata.contacts.escalation."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    contacts = spec.metadata.get("contacts", {})
    oncall = contacts.get("oncall")
    escalation = contacts.get("escalation")
    if oncall is None:
        yield Hit("/metadata/contacts/oncall", "no on-call contact is declared")
    if escalation is None:
        yield Hit("/metadata/contacts/escalation", "no escalation contact is declared")
    elif escalation == oncall:
        yield Hit(
            "/metadata/contacts/escalation",
            f"escalation {escalation!r} is the on-call contact again",
        )
