"""A chatbot filters harmful content from its answers.

A language model can be led into insulting, dangerous or unlawful answers
that customers read under the company's name; an output filter catches what
the system prompt and fine-tuning let through. A warning: some internal
assistants rely on the model provider's own filter instead.

Fails::

    spec:
      type: chatbot
      chatbot:
        guardrails: {promptInjection: true, piiRedaction: true, contentFilter: false}

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

ID = "MR-CHAT-005"
NAME = "content-filter"
SEVERITY = Severity.WARNING
REMEDIATION = "Set chatbot.guardrails.contentFilter: true."
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    yield from must_be_true(
        spec.chatbot.get("guardrails", {}).get("contentFilter"),
        "/spec/chatbot/guardrails/contentFilter",
        "guardrails.contentFilter",
        "answers reach users unfiltered for harmful content",
    )
