"""A chatbot screens user input for prompt injection.

A prompt such as "ignore your instructions and ..." turns the model against
its own system prompt: it leaks the prompt, retrieved documents or other
users' data, or calls tools it should not. The checklist's chatbot security
tests name "Injection attack prevention"; detection on user input is the
guardrail that does it.

Fails::

    spec:
      type: chatbot
      chatbot:
        guardrails: {promptInjection: false, piiRedaction: true, contentFilter: true}

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

ID = "MR-CHAT-002"
NAME = "prompt-injection-guardrail"
SEVERITY = Severity.ERROR
REMEDIATION = "Set chatbot.guardrails.promptInjection: true."
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    yield from must_be_true(
        spec.chatbot.get("guardrails", {}).get("promptInjection"),
        "/spec/chatbot/guardrails/promptInjection",
        "guardrails.promptInjection",
        "user input reaches the model unscreened for prompt injection",
    )
