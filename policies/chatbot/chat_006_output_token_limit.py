"""A chatbot caps the length of its answers in tokens.

Generation time and cost grow with every output token: an uncapped answer
(a loop, a prompt asking for "ten thousand words") holds a GPU slot for
minutes, breaks the p95 latency objective and is billed in full.
``chatbot.maxOutputTokens`` bounds both. A warning: the right cap depends on
the use.

Fails::

    spec:
      type: chatbot
      chatbot:
        maxOutputTokens: null

Passes::

    spec:
      type: chatbot
      chatbot:
        maxOutputTokens: 1024
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CHAT-006"
NAME = "output-token-limit"
SEVERITY = Severity.WARNING
REMEDIATION = "Set chatbot.maxOutputTokens to the longest answer the use needs."
TYPES = ("chatbot",)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "maxOutputTokens" not in spec.chatbot:
        yield Hit("/spec/chatbot/maxOutputTokens", "answers have no token limit")
