"""A chatbot declares the concurrent conversations it holds and scales on them.

The checklist's chatbot performance tests ask for "Concurrent conversations
1000+": ``chatbot.concurrency.target`` records the number the deployment was
load tested for, at least the minimum (an option, 1000 by default). An LLM
replica is bounded by the generations it batches at once, not by CPU, so the
autoscaler scales on in-flight requests per replica
(``serving.autoscaling.targetConcurrency``).

Fails::

    spec:
      type: chatbot
      chatbot:
        concurrency: {target: 500}

Passes::

    spec:
      type: chatbot
      chatbot:
        concurrency: {target: 1000}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CHAT-004"
NAME = "concurrency-target"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare chatbot.concurrency.target (at least $minimum conversations) and "
    "scale on serving.autoscaling.targetConcurrency."
)
TYPES = ("chatbot",)


@dataclass(frozen=True)
class Options:
    minimum: int = 1000  # concurrent conversations


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    opts = ctx.options_as(Options)
    target = spec.chatbot.get("concurrency", {}).get("target")
    if target is None:
        yield Hit(
            "/spec/chatbot/concurrency/target",
            "no target for concurrent conversations",
        )
    elif target < opts.minimum:
        yield Hit(
            "/spec/chatbot/concurrency/target",
            f"concurrency target of {target} conversations is below {opts.minimum}",
        )
    if "targetConcurrency" not in spec.serving.get("autoscaling", {}):
        yield Hit(
            "/spec/serving/autoscaling/targetConcurrency",
            "the autoscaler does not scale on in-flight requests (targetConcurrency)",
        )
