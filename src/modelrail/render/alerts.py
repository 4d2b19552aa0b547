"""A model's SLOs as Prometheus rules: recording rules, burn-rate, latency,
drift, accuracy and absent-metric alerts (the rule groups of its PrometheusRule).

Every threshold is computed with exact decimals from the spec's own numbers
(``100 - 99.9`` is ``0.001`` here, never ``0.0009999999999999432``), and the
burn-rate windows and factors come from ``modelrail.burnrate``, the table the
policy MR-SLO-008 judges alerts by.

The alerts a spec names in ``rollback.triggers`` (both by default) ask for a
rollback: they carry the static labels ``modelrail_action="rollback"``,
``model``, ``environment`` and ``version`` (``spec.model.version``, so an
alert about a version git no longer names can be told apart), which
``modelrail rollback --from-alerts`` looks for in Alertmanager:

- ``accuracy-floor``: the quality alert below ``monitoring.accuracy.floor``
  (the same rule, critical: it pages where the spec's alerts page);
- ``error-budget-burn``: a fast (paging) error-budget burn while the version
  is new, ``ModelErrorBudgetBurnFastAfterPromotion``. The fast-burn alert is
  split in two on that condition, so one burn is one alert: the rollback
  trigger while the version is new, ``ModelErrorBudgetBurnFast`` after.

Business metrics (``monitoring.business``) become a warning (ticket) and a
critical (page) alert each, labelled ``business_metric`` with the metric's
name, and, with ``canary: true``, a ticket when the new version does worse
than the stable one (``business_alerts``). The trust boundary: a ``metric``
is a name the schema holds to Prometheus's metric-name grammar, selected with
quoted matchers like every other series here; a ``query`` is PromQL by nature
and goes into the rule as written, in parentheses. It is code, reviewed as
code in the spec's pull request (as the platform team reviews a rule), not a
value: MR-OPS-015 only checks that its brackets balance, so the parentheses
around it hold, and the schema keeps it on one line.

"New" is read from the metric convention (docs/metrics.md): a server creates
its request counters, labelled with its version, when it starts, so the
version's ``model_requests_total`` series exist from its first pod on. The
version is new when it has series now and had none in the hour before
``PROMOTION_WINDOW`` ago: it started serving (its first canary pod) less than
24 h ago, or came back since (a promotion again after a rollback).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from modelrail import burnrate, units
from modelrail.metrics import (
    CODE,
    ERROR_CODES,
    METRIC,
    MODEL,
    VERSION,
    Convention,
    selector,
    string,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

RATIO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
RATIO = "model:request_error_ratio:rate{window}"
_BY = "namespace, model"

# rollback.triggers: what each one makes a rollback trigger, and its default
TRIGGERS = ("accuracy-floor", "error-budget-burn")
ACTION = "modelrail_action"  # the label the rollback command selects alerts by
QUALITY_ALERT = "ModelQualityBelowFloor"
BURN_ALERT = "ModelErrorBudgetBurnFast"
BURN_TRIGGER_ALERT = "ModelErrorBudgetBurnFastAfterPromotion"
_TRIGGER_ALERTS = {
    "accuracy-floor": QUALITY_ALERT,
    "error-budget-burn": BURN_TRIGGER_ALERT,
}
# a version is new (just promoted) when it had no request series in the
# SEEN_BEFORE before PROMOTION_WINDOW ago; the look-back outlasts a scrape gap
PROMOTION_WINDOW = "24h"
SEEN_BEFORE = "1h"
# monitoring.business: the label naming the metric, and the default for:
BUSINESS = "business_metric"
BUSINESS_FOR = "1h"
BUSINESS_CANARY_ALERT = "ModelBusinessMetricCanaryWorse"


def number(value: Decimal | float | str) -> str:
    """A decimal as PromQL reads it: ``0.0144``, ``14.4``, ``10``."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(exact.normalize(), "f")


def error_budget(availability: float) -> Decimal:
    """The error ratio an availability objective allows: 99.9 -> 0.001."""
    return (Decimal(100) - Decimal(str(availability))) / Decimal(100)


def duration(value: str) -> str:
    """A spec duration as a rule's ``for`` (the Prometheus Operator's order
    of units): ``1h30m``, ``6h``, ``1d``."""
    rest = units.seconds(value)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def triggers(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """The spec's ``rollback.triggers`` in the order of ``TRIGGERS`` (both
    when it names none)."""
    named = spec["spec"].get("rollback", {}).get("triggers", TRIGGERS)
    return tuple(t for t in TRIGGERS if t in named)


def groups(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str
) -> list[dict[str, Any]]:
    """The rule groups of one model's PrometheusRule."""
    name: str = spec["metadata"]["name"]
    metrics = Convention.of(env)
    match = f"namespace={string(namespace)}, {MODEL}={string(name)}"
    errors = selector(metrics.requests, f'{match}, {CODE}=~"{ERROR_CODES}"')
    requests = selector(metrics.requests, match)
    recording = [
        {
            "record": RATIO.format(window=window),
            "expr": (
                f"sum by ({_BY}) (rate({errors}[{window}])) / "
                f"sum by ({_BY}) (rate({requests}[{window}]))"
            ),
        }
        for window in RATIO_WINDOWS
    ]
    asked = triggers(spec)
    alerts = [
        *_burn_alerts(spec, match, metrics, asked),
        *_latency_alerts(spec, match, metrics),
        *_quality_alerts(spec, match, metrics, asked),
        _absent_alert(spec, match, metrics),
        *business_alerts(spec, match),
    ]
    labels = {
        "team": spec["metadata"]["team"],
        "environment": env["metadata"]["name"],
    }
    # static labels: the rule's own override the series' (model is the same
    # value as the series' model, which the expressions select on)
    rollback = {
        ACTION: "rollback",
        MODEL: name,
        VERSION: spec["spec"]["model"]["version"],
    }
    asking = {_TRIGGER_ALERTS[t] for t in asked}
    annotations = _annotations(spec, env)
    for alert in alerts:
        extra = rollback if alert["alert"] in asking else {}
        alert["labels"] = {**alert["labels"], **labels, **extra}
        alert["annotations"] = {**alert["annotations"], **annotations}
    return [
        {"name": f"modelrail.{name}.recording", "rules": recording},
        {"name": f"modelrail.{name}.alerts", "rules": alerts},
    ]


def _severity(spec: Mapping[str, Any], wanted: str) -> str:
    """``page`` only where the spec wants pages; a ticket otherwise."""
    alerts = spec["spec"].get("monitoring", {}).get("alerts", {})
    return "page" if wanted == "page" and alerts.get("page", True) else "ticket"


def new_version(spec: Mapping[str, Any], match: str, metrics: Convention) -> str:
    """PromQL that is one series (``namespace``, ``model``) while the spec's
    version is new: it has request series now and had none in the
    ``SEEN_BEFORE`` before ``PROMOTION_WINDOW`` ago."""
    version = string(spec["spec"]["model"]["version"])
    series = selector(metrics.requests, f"{match}, {VERSION}={version}")
    return (
        f"group by ({_BY}) ({series}) unless on ({_BY}) group by ({_BY}) "
        f"(present_over_time({series}[{SEEN_BEFORE}] offset {PROMOTION_WINDOW}))"
    )


def _burn_alerts(
    spec: Mapping[str, Any], match: str, metrics: Convention, asked: tuple[str, ...]
) -> list[dict[str, Any]]:
    slo = spec["spec"]["slo"]
    budget = error_budget(slo.get("availability", 99.9))
    window = slo.get("window", burnrate.DEFAULT_WINDOW)
    out: list[dict[str, Any]] = []
    for severity, title in (("page", "Fast"), ("ticket", "Slow")):
        parts = []
        for burn in burnrate.WINDOWS:
            if burn.severity != severity:
                continue
            limit = number(burn.rate(window) * budget)
            long = RATIO.format(window=burn.long)
            short = RATIO.format(window=burn.short)
            parts.append(
                f"({long}{{{match}}} > {limit} and {short}{{{match}}} > {limit})"
            )
        expr = " or ".join(parts)
        description = (
            "{{ $labels.model }} in {{ $labels.namespace }} answers "
            "{{ $value | humanizePercentage }} of requests with a "
            f"server error; its objective allows {number(budget * 100)}% "
            f"over {window}."
        )
        alert = {
            "alert": f"ModelErrorBudgetBurn{title}",
            "expr": expr,
            "labels": {"severity": _severity(spec, severity)},
            "annotations": {
                "summary": f"{{{{ $labels.model }}}} burns its error budget "
                f"{'fast' if severity == 'page' else 'steadily'}",
                "description": description,
            },
        }
        if severity == "page" and "error-budget-burn" in asked:
            # one burn, one alert: the trigger while the version is new
            new = new_version(spec, match, metrics)
            alert["expr"] = f"({expr}) unless on ({_BY}) ({new})"
            out.append(alert)
            out.append(
                {
                    "alert": BURN_TRIGGER_ALERT,
                    "expr": f"({expr}) and on ({_BY}) ({new})",
                    "labels": {"severity": _severity(spec, "page")},
                    "annotations": {
                        "summary": "{{ $labels.model }} burns its error budget "
                        f"fast within {PROMOTION_WINDOW} of its promotion: roll "
                        "it back",
                        "description": f"{description} The version started "
                        f"serving less than {PROMOTION_WINDOW} ago.",
                    },
                }
            )
            continue
        out.append(alert)
    return out


def _latency_alerts(
    spec: Mapping[str, Any], match: str, metrics: Convention
) -> list[dict[str, Any]]:
    latency = spec["spec"]["slo"].get("latency", {})
    if "p95" not in latency:
        return []
    target = Decimal(str(latency["p95"])) / 1000
    expr = (
        f"histogram_quantile(0.95, sum by ({_BY}, le) "
        f"(rate({metrics.latency}_bucket{{{match}}}[5m]))) > {number(target)}"
    )
    return [
        {
            "alert": "ModelLatencyHigh",
            "expr": expr,
            "for": "10m",
            "labels": {"severity": _severity(spec, "page")},
            "annotations": {
                "summary": "{{ $labels.model }} answers slower than its p95 target",
                "description": (
                    "The p95 latency of {{ $labels.model }} is "
                    "{{ $value | humanizeDuration }}, over its target of "
                    f"{number(latency['p95'])} ms, for 10 minutes."
                ),
            },
        }
    ]


def _quality_alerts(
    spec: Mapping[str, Any], match: str, metrics: Convention, asked: tuple[str, ...]
) -> list[dict[str, Any]]:
    monitoring = spec["spec"].get("monitoring", {})
    out = []
    drift = monitoring.get("drift", {})
    for level, wanted in (("warning", "ticket"), ("critical", "page")):
        if level in drift:
            out.append(
                {
                    "alert": f"ModelDrift{level.title()}",
                    "expr": f"max by ({_BY}) ({selector(metrics.drift, match)}) "
                    f"> {number(drift[level])}",
                    "for": "30m",
                    "labels": {"severity": _severity(spec, wanted)},
                    "annotations": {
                        "summary": f"{{{{ $labels.model }}}} input drift over "
                        f"the {level} threshold",
                        "description": (
                            "The drift score of {{ $labels.model }} is {{ $value }}, "
                            f"over {number(drift[level])} ({level}) for 30 minutes: "
                            "check the inputs, consider retraining."
                        ),
                    },
                }
            )
    accuracy = monitoring.get("accuracy", {})
    if "floor" in accuracy:
        metric = accuracy.get("metric", "accuracy")
        # a rollback trigger is critical (the checklist's accuracy alert):
        # a person hears of the rollback it starts
        floor_level = "page" if "accuracy-floor" in asked else "ticket"
        out.append(
            {
                "alert": QUALITY_ALERT,
                "expr": f"min by ({_BY}) "
                f"({selector(metrics.quality, f'{match}, {METRIC}={string(metric)}')}) "
                f"< {number(accuracy['floor'])}",
                "for": "1h",
                "labels": {"severity": _severity(spec, floor_level)},
                "annotations": {
                    "summary": f"{{{{ $labels.model }}}} {metric} under its floor",
                    "description": (
                        f"The online {metric} of {{{{ $labels.model }}}} is "
                        f"{{{{ $value }}}}, under the floor of {number(accuracy['floor'])} "
                        "for an hour."
                    ),
                },
            }
        )
    return out


def _absent_alert(
    spec: Mapping[str, Any], match: str, metrics: Convention
) -> dict[str, Any]:
    # absent() fires when no series matches at all: an idle server still has
    # its counters (at zero, see docs/metrics.md), a broken scrape has none
    return {
        "alert": "ModelMetricsAbsent",
        "expr": f"absent({selector(metrics.requests, match)})",
        "for": "10m",
        "labels": {"severity": _severity(spec, "ticket")},
        "annotations": {
            "summary": "{{ $labels.model }} exposes no request metrics",
            "description": (
                f"No {metrics.requests} series of {spec['metadata']['name']} for 10 "
                "minutes: the server is down or not scraped, and its SLO alerts "
                "cannot fire."
            ),
        },
    }


def _business_value(item: Mapping[str, Any], match: str, extra: str = "") -> str:
    """The value a business metric's alerts compare: the query as written, or
    the worst series of the metric (the lowest when higher is better)."""
    if "query" in item:
        return f"({item['query']})"
    worst = "min" if item["better"] == "higher" else "max"
    return f"{worst} by ({_BY}) ({selector(item['metric'], f'{match}{extra}')})"


def business_alerts(spec: Mapping[str, Any], match: str) -> list[dict[str, Any]]:
    """The alerts of ``monitoring.business``: past warning a ticket, past
    critical a page (where the spec's alerts page), each after ``window``
    (default ``BUSINESS_FOR``); with ``canary``, a ticket while the spec's
    version does worse than another version serving beside it by at least
    the distance between the two thresholds."""
    out: list[dict[str, Any]] = []
    version = string(spec["spec"]["model"]["version"])
    for item in spec["spec"].get("monitoring", {}).get("business", []):
        name: str = item["name"]
        value = _business_value(item, match)
        past, side = ("<", "under") if item["better"] == "higher" else (">", "over")
        wait = duration(item.get("window", BUSINESS_FOR))
        labels = {BUSINESS: name, MODEL: spec["metadata"]["name"]}
        for level, wanted in (("warning", "ticket"), ("critical", "page")):
            threshold = number(item[level])
            out.append(
                {
                    "alert": f"ModelBusinessMetric{level.title()}",
                    "expr": f"{value} {past} {threshold}",
                    "for": wait,
                    "labels": {"severity": _severity(spec, wanted), **labels},
                    "annotations": {
                        "summary": f"{{{{ $labels.model }}}} {name} {side} its "
                        f"{level} threshold",
                        "description": (
                            f"The {name} of {{{{ $labels.model }}}} is "
                            f"{{{{ $value }}}} ({item['unit']}), {side} "
                            f"{threshold} ({level}) for {wait}."
                        ),
                    },
                }
            )
        if item.get("canary", False) and "metric" in item:
            gap = abs(Decimal(str(item["warning"])) - Decimal(str(item["critical"])))
            canary = _business_value(item, match, f", {VERSION}={version}")
            stable = _business_value(item, match, f", {VERSION}!={version}")
            sign = "-" if item["better"] == "higher" else "+"
            out.append(
                {
                    "alert": BUSINESS_CANARY_ALERT,
                    "expr": f"{canary} {past} on ({_BY}) "
                    f"({stable} {sign} {number(gap)})",
                    "for": wait,
                    "labels": {"severity": _severity(spec, "ticket"), **labels},
                    "annotations": {
                        "summary": f"{{{{ $labels.model }}}} {name}: the canary "
                        "does worse than the stable version",
                        "description": (
                            f"The {name} of {{{{ $labels.model }}}} "
                            f"{spec['spec']['model']['version']} is {{{{ $value }}}} "
                            f"({item['unit']}), worse than another version serving "
                            f"beside it by more than {number(gap)} for {wait}."
                        ),
                    },
                }
            )
    return out


def _annotations(spec: Mapping[str, Any], env: Mapping[str, Any]) -> dict[str, str]:
    inner = spec["spec"]
    monitoring = inner.get("monitoring", {})
    runbook = (
        monitoring.get("runbook")
        or inner.get("rollback", {}).get("runbook")
        or f"{env['spec']['argocd']['repoURL'].removesuffix('.git')}"
        "/blob/main/docs/metrics.md"
    )
    out = {"runbook_url": runbook}
    if monitoring.get("dashboard"):
        out["dashboard_url"] = monitoring["dashboard"]
    return out
