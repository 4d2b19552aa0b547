"""Prometheus instant queries: the HTTP API's answers read strictly.

``GET /api/v1/query?query=...&time=...`` answers
``{"status": "success", "data": {"resultType": "vector", "result": [...]}}``;
anything else is a :class:`SourceError` (``status: error`` quotes Prometheus'
own ``errorType`` and ``error``). A vector's samples are exact decimals
(``NaN`` and ``+Inf`` included: the caller decides what they mean).
``GET /api/v1/query_range`` (the gate's charts) answers a ``matrix``, read
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.gate.evidence import decimal
from modelrail.gate.transport import SourceError

if TYPE_CHECKING:
    import datetime
    from decimal import Decimal

    from modelrail.gate.transport import Endpoint

QUERY = "/api/v1/query"


def instant(endpoint: Endpoint, promql: str, at: datetime.datetime) -> list[Decimal]:
    """The sample values of ``promql``'s vector at ``at`` ([] when empty)."""
    return [value for _, value in samples(endpoint, promql, at)]


def samples(
    endpoint: Endpoint, promql: str, at: datetime.datetime
) -> list[tuple[dict[str, str], Decimal]]:
    """The samples of ``promql``'s vector at ``at``: each one's labels and
    value ([] when empty)."""
    stamp = f"{at.timestamp():.3f}"
    answer = endpoint.get(QUERY, {"query": promql, "time": stamp})
    body: Any = answer.body
    if not isinstance(body, dict) or "status" not in body:
        raise _shape(endpoint, promql, "no status")
    if body["status"] == "error":
        kind = body.get("errorType", "error")
        raise SourceError(
            f"{endpoint.where} refused the query {promql!r}: {kind}: "
            f"{body.get('error', '(no message)')}"
        )
    if answer.status != 200 or body["status"] != "success":
        raise _shape(
            endpoint, promql, f"HTTP {answer.status}, status {body['status']!r}"
        )
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector":
        kind = data.get("resultType") if isinstance(data, dict) else None
        raise _shape(endpoint, promql, f"result type {kind!r}, not a vector")
    result = data.get("result")
    if not isinstance(result, list):
        raise _shape(endpoint, promql, "no result list")
    values = []
    for sample in result:
        value = sample.get("value") if isinstance(sample, dict) else None
        if not isinstance(value, list) or len(value) != 2:
            raise _shape(endpoint, promql, f"a sample without a value: {sample!r}")
        try:
            number = decimal(value[1])
        except (TypeError, ValueError):
            raise _shape(endpoint, promql, f"a sample value {value[1]!r}") from None
        labels = sample.get("metric")
        if not isinstance(labels, dict):
            labels = {}
        values.append(({str(k): str(v) for k, v in labels.items()}, number))
    return values


def _shape(endpoint: Endpoint, promql: str, what: str) -> SourceError:
    return SourceError(
        f"{endpoint.where} answered the query {promql!r} with JSON that is not a "
        f"Prometheus query result ({what}): is {endpoint.url} Prometheus' base URL?"
    )


QUERY_RANGE = "/api/v1/query_range"


@dataclass(frozen=True, slots=True)
class Curve:
    """One series of a range query: its labels, and its samples as Unix
    milliseconds -> exact decimal (``NaN`` and ``+Inf`` included)."""

    labels: dict[str, str]
    samples: dict[int, Decimal]


def range_query(
    endpoint: Endpoint,
    promql: str,
    start: datetime.datetime,
    end: datetime.datetime,
    step: int,
) -> list[Curve]:
    """The series of ``promql`` evaluated at ``start``, ``start + step``... up
    to ``end`` (a matrix; [] when empty), read as strictly as ``instant``."""
    params = {
        "query": promql,
        "start": f"{start.timestamp():.3f}",
        "end": f"{end.timestamp():.3f}",
        "step": f"{step}s",
    }
    answer = endpoint.get(QUERY_RANGE, params)
    body: Any = answer.body
    if not isinstance(body, dict) or "status" not in body:
        raise _shape(endpoint, promql, "no status")
    if body["status"] == "error":
        raise SourceError(
            f"{endpoint.where} refused the query {promql!r}: "
            f"{body.get('errorType', 'error')}: {body.get('error', '(no message)')}"
        )
    data = body.get("data")
    if answer.status != 200 or body["status"] != "success":
        raise _shape(
            endpoint, promql, f"HTTP {answer.status}, status {body['status']!r}"
        )
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        kind = data.get("resultType") if isinstance(data, dict) else None
        raise _shape(endpoint, promql, f"result type {kind!r}, not a matrix")
    result = data.get("result")
    if not isinstance(result, list):
        raise _shape(endpoint, promql, "no result list")
    return [_curve(endpoint, promql, series) for series in result]


def _curve(endpoint: Endpoint, promql: str, series: Any) -> Curve:
    labels = series.get("metric") if isinstance(series, dict) else None
    values = series.get("values") if isinstance(series, dict) else None
    if not isinstance(labels, dict) or not isinstance(values, list):
        raise _shape(endpoint, promql, f"a series without metric or values: {series!r}")
    samples: dict[int, Decimal] = {}
    for pair in values:
        try:
            stamp, value = pair
            samples[round(float(stamp) * 1000)] = decimal(value)
        except (TypeError, ValueError):
            raise _shape(endpoint, promql, f"a sample {pair!r}") from None
    return Curve({str(k): str(v) for k, v in labels.items()}, samples)
