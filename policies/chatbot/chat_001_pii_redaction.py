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
from modelrail.policy import must_be_true

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Hit, Spec

ID = "MR-CHAT-001"
NAME = "chatbot-pii-redaction"
SEVERITY = Severity.ERROR
REMEDIATION = "Set chatbot.guardrails.piiRedaction: true."
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    yield from must_be_true(
        spec.chatbot.get("guardrails", {}).get("piiRedaction"),
        "/spec/chatbot/guardrails/piiRedaction",
        "guardrails.piiRedaction",
        "stored prompts and answers keep the personal data users type",
    )
