"""A model's canary analysis: the metrics of its Argo Rollouts AnalysisTemplate.

Two measurements of the canary's own pods (selected by the pod-template hash
the Rollout passes in as the ``canary-hash`` argument):

- ``success-rate``: the share of requests not answered with a server error,
  which must stay at or above ``1 - slo.errorRate / 100``;
- ``latency-p95``: the 95th percentile of the request duration, which must
  stay at or under ``slo.latency.p95``.

Both are written so that no traffic is *inconclusive*, never a failure: the
queries return an empty vector when the canary served nothing in the window
(the denominator is filtered with ``> 0``), and the success and failure
conditions both require a number (``len(result) > 0 && !isNaN(result[0])``).
A measurement that is neither success nor failure is inconclusive in Argo
Rollouts, and too many inconclusive ones pause the rollout for a person
instead of aborting it. The numerator of the success rate falls back to
``vector(0)``: a canary that never failed has no error series at all.

Thresholds are exact decimals (``1 - 0.1 / 100`` is ``0.999``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail import units
from modelrail.metrics import CODE, ERROR_CODES, MODEL, Convention, selector
from modelrail.render.alerts import number
from modelrail.render.facts import CANARY_HASH, go_duration

if TYPE_CHECKING:
    from collections.abc import Mapping

HASH_LABEL = "rollouts_pod_template_hash"  # the pod label, as the scrape copies it

# Argo Rollouts' own defaults for the limits; a measurement count so that an
# inline (step) analysis ends, and an interval for when the spec gives none.
DEFAULTS = {"interval": "1m", "count": 5, "failureLimit": 0, "inconclusiveLimit": 0}
# the shortest rate() window: four scrapes at the ServiceMonitor's 30s
MIN_WINDOW = 120


@dataclass(frozen=True, slots=True)
class Settings:
    interval: str
    count: int
    failure_limit: int
    inconclusive_limit: int
    window: str  # the range of rate(): the interval, at least MIN_WINDOW

    @classmethod
    def of(cls, spec: Mapping[str, Any]) -> Settings:
        given = {**DEFAULTS, **spec["spec"]["rollout"].get("analysis", {})}
        interval = units.seconds(given["interval"])
        return cls(
            interval=go_duration(given["interval"]),
            count=given["count"],
            failure_limit=given["failureLimit"],
            inconclusive_limit=given["inconclusiveLimit"],
            window=go_duration(f"{max(interval, MIN_WINDOW)}s"),
        )


def template_spec(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str
) -> dict[str, Any]:
    """The ``spec`` of one model's AnalysisTemplate."""
    name: str = spec["metadata"]["name"]
    slo = spec["spec"]["slo"]
    metrics = Convention.of(env)
    settings = Settings.of(spec)
    address: str = env["spec"]["monitoring"]["prometheus"]
    match = (
        f'namespace="{namespace}", {MODEL}="{name}", '
        f'{HASH_LABEL}="{{{{args.{CANARY_HASH}}}}}"'
    )
    window = settings.window
    success = Decimal(1) - Decimal(str(slo["errorRate"])) / Decimal(100)
    errors = selector(metrics.requests, f'{match}, {CODE}=~"{ERROR_CODES}"')
    success_rate = (
        f"1 - ((sum(rate({errors}[{window}])) or vector(0)) / "
        f"(sum(rate({selector(metrics.requests, match)}[{window}])) > 0))"
    )
    out = [
        _metric(
            "success-rate",
            settings,
            address,
            success_rate,
            f">= {number(success)}",
            f"< {number(success)}",
        )
    ]
    if "p95" in slo.get("latency", {}):
        target = Decimal(str(slo["latency"]["p95"])) / 1000
        # rate() of the buckets is 0 everywhere without traffic: NaN, filtered
        p95 = (
            f"histogram_quantile(0.95, sum by (le) "
            f"(rate({metrics.latency}_bucket{{{match}}}[{window}])))"
        )
        out.append(
            _metric(
                "latency-p95",
                settings,
                address,
                p95,
                f"<= {number(target)}",
                f"> {number(target)}",
            )
        )
    return {"args": [{"name": CANARY_HASH}], "metrics": out}


def _metric(
    name: str,
    settings: Settings,
    address: str,
    query: str,
    passes: str,
    fails: str,
) -> dict[str, Any]:
    measured = "len(result) > 0 && !isNaN(result[0]) && result[0]"
    return {
        "name": name,
        "interval": settings.interval,
        "count": settings.count,
        "failureLimit": settings.failure_limit,
        "inconclusiveLimit": settings.inconclusive_limit,
        "successCondition": f"{measured} {passes}",
        "failureCondition": f"{measured} {fails}",
        "provider": {"prometheus": {"address": address, "query": query}},
    }
