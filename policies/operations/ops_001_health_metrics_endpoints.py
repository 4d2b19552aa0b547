"""The model server exposes health and metrics endpoints apart from predict.

Probes call the health endpoint (``GET /health``) to restart hung replicas and
keep traffic off replicas still loading the model; Prometheus scrapes the
metrics endpoint (``GET /metrics``) that every alert and dashboard is built on.
Neither may be the predict endpoint (``POST /predict``): a probe on it runs
inference, and a scrape of it returns predictions, not metrics. Health and
metrics must differ too, or one of them answers in the wrong format.

Fails::

    spec:
      serving:
        endpoints: {predict: /v1/predict, health: /v1/predict}

Passes::

    spec:
      serving:
        endpoints: {predict: /v1/predict, health: /healthz, metrics: /metrics}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-001"
NAME = "health-metrics-endpoints"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare serving.endpoints.health and serving.endpoints.metrics as paths "
    "of their own, apart from predict and from each other."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    endpoints = spec.serving["endpoints"]
    seen = {_same(endpoints["predict"]): "predict"}
    for key in ("health", "metrics"):
        path = endpoints.get(key)
        pointer = f"/spec/serving/endpoints/{key}"
        if path is None:
            yield Hit(pointer, f"the model server declares no {key} endpoint")
        elif _same(path) in seen:
            other = seen[_same(path)]
            yield Hit(pointer, f"{key} endpoint {path!r} is also the {other} endpoint")
        else:
            seen[_same(path)] = key


def _same(path: str) -> str:
    """``/healthz/`` and ``/healthz`` are one route to most servers."""
    return path.rstrip("/") or "/"
