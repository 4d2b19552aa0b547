"""The metric convention: what a model server exposes, so every query has an input.

See docs/metrics.md. The names can be overridden per environment
(``spec.monitoring.metrics`` of environment.yaml); the labels cannot: the
rendered rules, analysis and autoscaling all select on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

# The labels every series carries (besides those the scrape adds:
# namespace, pod, and rollouts_pod_template_hash from the pod's label).
MODEL = "model"
VERSION = "version"
CODE = "code"  # the HTTP status code (gRPC servers map theirs to HTTP)
METRIC = "metric"  # on the quality gauge: accuracy, auc...
ERROR_CODES = "5.."  # server errors; 4xx are the client's
# Names the metric-name grammar admits that PromQL lexes as a keyword or a
# number (case-insensitively): ``bool{model="x"}`` does not parse.
NOT_A_METRIC_NAME = frozenset(
    ["bool", "on", "ignoring", "group_left", "group_right", "atan2", "inf", "nan"]
)


@dataclass(frozen=True, slots=True)
class Convention:
    requests: str = "model_requests_total"
    latency: str = "model_request_duration_seconds"
    in_flight: str = "model_requests_in_flight"
    drift: str = "model_drift_score"
    quality: str = "model_quality"

    @classmethod
    def of(cls, env: Mapping[str, Any]) -> Convention:
        """The convention of an environment file's data."""
        names = env["spec"].get("monitoring", {}).get("metrics", {})
        keys = {"requests": "requests", "latency": "latency", "inFlight": "in_flight",
                "drift": "drift", "quality": "quality"}  # fmt: skip
        return cls(**{field: names[key] for key, field in keys.items() if key in names})


def selector(metric: str, matchers: str) -> str:
    """The vector selector of ``metric`` with ``matchers`` (PromQL text, label
    values already quoted): ``name{matchers}``, or for a name PromQL lexes as
    a keyword ``{__name__="name", matchers}``, which selects the same series."""
    if metric.lower() in NOT_A_METRIC_NAME:
        return f"{{__name__={string(metric)}, {matchers}}}"
    return f"{metric}{{{matchers}}}"


def string(value: str) -> str:
    """``value`` as one PromQL string literal (double-quoted, escaped as Go
    reads it): no value can close the quotes and add a matcher. Every query
    modelrail writes quotes label values with this."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'
