"""A chatbot redacts personal data from prompts and answers before storing them.

People type their names, addresses and account numbers into a chat window
whatever the model is for, so every chatbot processes personal data. The
checklist's chatbot security tests start with "PII data protection":
redaction keeps that data out of stored conversations, logs and traces.

Fails::

    spec:
      type: chatbot
      chatbot:
        guardrails: {promptInjection: true, piiRedaction: false, contentFilter: true}

Passes::

    spec:
      type: chatbot
      chatbot:
        guardrails: {promptInjection: true, piiRedaction: true, contentFilter: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CHAT-001"
NAME = "chatbot-pii-redaction"
SEVERITY = Severity.ERROR
REMEDIATION = "Set chatbot.guardrails.piiRedaction: true."
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    value = spec.chatbot.get("guardrails", {}).get("piiRedaction")
    if value is not True:
        state = "not set" if value is None else "false"
        yield Hit(
            "/spec/chatbot/guardrails/piiRedaction",
            f"guardrails.piiRedaction is {state}: stored prompts and answers keep "
            "the personal data users type",
        )
