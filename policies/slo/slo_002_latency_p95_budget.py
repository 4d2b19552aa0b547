"""The p95 latency objective fits the latency budget of the model's type.

The checklist's deployment templates set a latency per type of model: under
100 ms for a predictive model ("Latence prédiction <100ms (p95)"), 200 ms end
to end for a recommendation system ("Latency end-to-end <200ms") and 2 s for
a chatbot's answer ("Response time <2s (p95)"). The p95 objective must fit
that budget; it may equal it, since the budget is the bound callers were
promised and the objective is what alerts and canary analysis enforce. The
budgets are options, in milliseconds, named after the spec types.

Fails::

    spec:
      slo:
        latency: {p50: 40, p95: 120, p99: 180}

Passes::

    spec:
      slo:
        latency: {p50: 40, p95: 100, p99: 180}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-002"
NAME = "latency-p95-budget"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Lower slo.latency.p95 to the budget of the model's type "
    "(predictive $predictive ms, recommendation $recommendation ms, "
    "chatbot $chatbot ms)."
)


@dataclass(frozen=True)
class Options:
    # milliseconds, by spec.type
    predictive: int = 100
    recommendation: int = 200
    chatbot: int = 2000


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    opts = ctx.options_as(Options)
    budgets = {
        "predictive": opts.predictive,
        "recommendation": opts.recommendation,
        "chatbot": opts.chatbot,
    }
    budget = budgets[spec.type]
    p95 = spec.slo["latency"]["p95"]
    if p95 > budget:
        yield Hit(
            "/spec/slo/latency/p95",
            f"p95 latency objective {p95} ms exceeds the {budget} ms budget "
            f"of a {spec.type} model",
        )
