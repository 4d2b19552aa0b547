"""SLO evidence: the candidate's record in the source environment's Prometheus.

Three instant queries at the end of the window, over the metric convention
(docs/metrics.md) and the same selectors as the rendered rules: the
source's ``namespace``, the ``model`` (metadata.name) and the candidate's
``version``, so that the stable version's traffic is never counted.

- requests and server errors: ``sum(increase(<requests>{...}[W]))``, and
  the same with ``code=~"5.."`` (4xx are the client's). Availability is
  ``100 * (1 - errors / requests)`` against ``slo.availability``, the error
  rate ``100 * errors / requests`` against ``slo.errorRate``: the ratio the
  recording rules compute (a rate ratio over one window equals the increase
  ratio).
- p95 latency: ``histogram_quantile(0.95, sum by (le) (rate(<latency>_bucket
  {...}[W])))`` against ``slo.latency.p95`` (ms), as the latency alert and
  the canary analysis compute it.

No series, or no request in the window, is "no data", and fails: a record
that cannot be read proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail.gate.evidence import PROMETHEUS, Item, Verdict, show
from modelrail.gate.prometheus import instant
from modelrail.metrics import CODE, ERROR_CODES, MODEL, VERSION, selector, string

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.gate.inputs import Inputs
    from modelrail.gate.transport import Endpoint

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Queries:
    requests: str
    errors: str
    p95: str

    @classmethod
    def of(cls, inputs: Inputs) -> Queries:
        match = (
            f"namespace={string(inputs.namespace)}, {MODEL}={string(inputs.model)}, "
            f"{VERSION}={string(inputs.version)}"
        )
        errors = f'{match}, {CODE}=~"{ERROR_CODES}"'
        window = f"{inputs.window_seconds}s"
        names = inputs.convention
        return cls(
            requests=f"sum(increase({selector(names.requests, match)}[{window}]))",
            errors=(f"sum(increase({selector(names.requests, errors)}[{window}]))"),
            p95=(
                "histogram_quantile(0.95, sum by (le) "
                f"(rate({names.latency}_bucket{{{match}}}[{window}])))"
            ),
        )


@dataclass(frozen=True, slots=True)
class Record:
    """What Prometheus said: None where the answer was an empty vector."""

    requests: Decimal | None
    errors: Decimal | None
    p95_seconds: Decimal | None


def measure(endpoint: Endpoint, inputs: Inputs, queries: Queries) -> Record:
    def one(promql: str) -> Decimal | None:
        values = instant(endpoint, promql, inputs.at)
        return values[0] if values else None

    return Record(one(queries.requests), one(queries.errors), one(queries.p95))


def evidence(endpoint: Endpoint, inputs: Inputs) -> list[Item]:
    queries = Queries.of(inputs)
    return judge(inputs, queries, measure(endpoint, inputs, queries))


def judge(inputs: Inputs, queries: Queries, record: Record) -> list[Item]:
    """The availability, error-rate and p95 items of ``record``."""
    slo: Mapping[str, Any] = inputs.spec["spec"]["slo"]
    subject = (
        f"{inputs.model} {inputs.version} in {inputs.source} "
        f"(namespace {inputs.namespace})"
    )
    availability = Decimal(str(slo["availability"]))
    error_rate = Decimal(str(slo["errorRate"]))
    p95_target = Decimal(str(slo["latency"]["p95"]))
    items: list[Item] = []
    total = record.requests
    ratio_query = f"{queries.errors} / {queries.requests}"
    ratios = (
        ("slo.availability", "availability", ">=", availability),
        ("slo.errorRate", "error rate", "<=", error_rate),
    )
    if total is None or not total.is_finite() or total <= 0:
        why = (
            f"no {inputs.convention.requests} series of {subject}: is the version "
            "deployed there, and scraped?"
            if total is None
            else f"{subject} served no request over {inputs.window}"
        )
        items.extend(
            Item(
                key=key,
                source=PROMETHEUS,
                title=title,
                verdict=Verdict.NO_DATA,
                threshold=f"{op} {show(bound)} %",
                detail=why,
                query=ratio_query,
            )
            for key, title, op, bound in ratios
        )
    else:
        errors = record.errors if record.errors is not None else Decimal(0)
        ratio = errors / total
        counted = (
            f"{show(errors, 0)} server errors (5xx) in {show(total, 0)} requests "
            f"over {inputs.window}"
        )
        values = (HUNDRED - ratio * HUNDRED, ratio * HUNDRED)
        items.extend(
            _compare(key, title, value, op, bound, "%", counted, ratio_query)
            for (key, title, op, bound), value in zip(ratios, values, strict=True)
        )
    p95 = record.p95_seconds
    if p95 is None or p95.is_nan():
        items.append(
            Item(
                key="slo.latency.p95",
                source=PROMETHEUS,
                title="latency p95",
                verdict=Verdict.NO_DATA,
                threshold=f"<= {show(p95_target)} ms",
                detail=f"no {inputs.convention.latency} observations of {subject} "
                f"over {inputs.window}",
                query=queries.p95,
            )
        )
    else:
        items.append(
            _compare(
                "slo.latency.p95",
                "latency p95",
                p95 * 1000,
                "<=",
                p95_target,
                "ms",
                f"over {inputs.window}",
                queries.p95,
            )
        )
    return items


def _compare(
    key: str,
    title: str,
    value: Decimal,
    op: str,
    bound: Decimal,
    unit: str,
    detail: str,
    query: str,
) -> Item:
    met = value >= bound if op == ">=" else value <= bound
    return Item(
        key=key,
        source=PROMETHEUS,
        title=title,
        verdict=Verdict.MET if met else Verdict.MISSED,
        value=f"{distinct(value, bound)} {unit}",
        threshold=f"{op} {show(bound)} {unit}",
        detail=detail,
        measured=value,
        query=query,
    )


def distinct(value: Decimal, bound: Decimal, places: int = 4) -> str:
    """``value`` rounded to ``places`` decimals, or to as many more as it
    takes not to look equal to ``bound`` when it is not (99.94996 is shown as
    99.94996, not as 99.95, next to a threshold of 99.95)."""
    if not value.is_finite():
        return show(value)
    for digits in range(places, places + 12):
        text = show(value, digits)
        if value == bound or Decimal(text) != bound:
            return text
    return show(value)
