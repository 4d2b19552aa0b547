"""Stored conversations have a retention, are encrypted, and outlive no PII.

The checklist's chatbot security tests ask for "Conversation logging
security": conversations hold whatever users typed, so they are kept for a
declared time only and encrypted at rest. When the spec processes personal
data with a declared ``security.pii.retention``, conversations are personal
data too and may not be kept longer than that.

Fails::

    spec:
      type: chatbot
      chatbot:
        conversationLogs: {retention: 90d, encrypted: false}

Passes::

    spec:
      type: chatbot
      chatbot:
        conversationLogs: {retention: 30d, encrypted: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit
from modelrail.units import seconds

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CHAT-003"
NAME = "conversation-log-retention"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare chatbot.conversationLogs with a retention no longer than "
    "security.pii.retention, and encrypted: true."
)
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    logs = spec.chatbot.get("conversationLogs")
    if logs is None:
        yield Hit(
            "/spec/chatbot/conversationLogs",
            "stored conversations declare no retention or encryption",
        )
        return
    if logs.get("encrypted") is not True:
        state = "not set" if logs.get("encrypted") is None else "false"
        yield Hit(
            "/spec/chatbot/conversationLogs/encrypted",
            f"conversationLogs.encrypted is {state}: stored conversations are "
            "kept in clear",
        )
    pii = spec.security.get("pii", {})
    limit = pii.get("retention")
    retention = logs["retention"]
    if pii.get("processed") and limit and seconds(retention) > seconds(limit):
        yield Hit(
            "/spec/chatbot/conversationLogs/retention",
            f"conversations are kept {retention}, longer than the {limit} "
            "retention of personal data (security.pii.retention)",
        )
