"""A Grafana dashboard per model and environment, built with Grafana's SDK.

The seed's monitoring dashboard (section 3.A) for one deployment, with the
deployment's own numbers: rows "System health", "AI performance" and
"Business impact" (the seed's three tabs), "Rollout" (each pod template
against the others: traffic share, server-error ratio, p95, and the canary
step the traffic says the Rollout is at) and "SLO" (error budget left, burn
rate per alert window). Every threshold is a number of the spec (a
:class:`Limit`: where it is in the spec, and the factor to the panel's unit),
warning and critical as threshold steps where the spec has both.

The dashboard is built with ``grafana-foundation-sdk`` (Grafana's own
builders and dashboard model, the 11.6 build): a field Grafana does not know
cannot be written, and ``judge`` reads the JSON back through the same model.
It is one JSON text, indented, in the order the SDK writes (deterministic,
and readable line by line in ``modelrail diff``).

Trust boundary: label values (namespace, model, version, container) reach
PromQL only as string literals (``alerts.string``) and regular expressions
only escaped (``_regex``); titles and text reach JSON only through
``json.dumps``. A business metric's ``query`` is PromQL the spec's reviewers
review as code, as in the alerts (``render/alerts.py``).
"""

from __future__ import annotations

import functools
import json
import operator
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

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
from modelrail.render.alerts import error_budget, number

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

SIDECAR_LABEL = "grafana_dashboard"  # kube-prometheus-stack's sidecar default
FOLDER_ANNOTATION = "grafana_folder"  # its folderAnnotation, as its docs set it
DATASOURCE = "datasource"  # the template variable every query runs on
HASH = "rollouts_pod_template_hash"  # the label the ServiceMonitor copies
_BY = "namespace, model"
_RATE = "$__rate_interval"
_RANGE = "$__range"
# what cAdvisor (the kubelet) exposes for every container: docs/metrics.md
CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"
PLATFORM = (CPU, MEMORY)
CONTAINER = {"container": "model-server", "kserve": "kserve-container"}
# the Grafana unit of each business unit (monitoring.business[].unit)
BUSINESS_UNITS = {
    "requests/day": "suffix: requests/day",
    "users/day": "suffix: users/day",
    "sessions/day": "suffix: sessions/day",
    "score": "none",
    "percent": "percent",
    "ratio": "percentunit",
    "currency": "currencyEUR",
    "count": "short",
}
GREEN, YELLOW, RED = "green", "yellow", "red"
_UID = re.compile(r"[a-zA-Z0-9_-]{1,40}")


@dataclass(frozen=True, slots=True)
class Limit:
    """A threshold step and the spec value it is: ``pointer`` in the spec,
    times ``scale`` (the spec's unit to the panel's: 0.001 for ms to s)."""

    pointer: str
    color: str
    value: Decimal
    scale: Decimal = Decimal(1)
    series: str | None = None  # one series' threshold (its legend), or the panel's
    # how the spec value becomes the step: "value" (times scale), "cpu" and
    # "memory" (a Kubernetes quantity: cores, bytes), "burn" (the burn-rate
    # factor of the alert window ``series`` names, for the spec's SLO window)
    reads: str = "value"

    def expected(self, spec: Mapping[str, Any]) -> Decimal:
        """The value the spec says this step is (what ``judge`` compares)."""
        if not self.pointer:
            return self.value  # a constant of the panel's definition (0 % left)
        if self.reads == "burn":
            window = spec["spec"]["slo"].get("window", burnrate.DEFAULT_WINDOW)
            long = (self.series or "").removeprefix("over ")
            return next(w for w in burnrate.WINDOWS if w.long == long).rate(window)
        value = _get(spec, self.pointer)
        if self.reads in ("cpu", "memory"):
            return _quantity(value, self.reads)
        return Decimal(str(value)) * self.scale


@dataclass(frozen=True, slots=True)
class Query:
    expr: str
    legend: str
    instant: bool = False


@dataclass(slots=True)
class Panel:
    """What a panel shows, before the SDK builds it."""

    kind: str  # "stat", "timeseries" or "bargauge"
    title: str
    description: str
    unit: str
    queries: list[Query]
    base: str = GREEN  # the colour under the first limit
    limits: list[Limit] = field(default_factory=list)
    width: int = 12
    time_from: str | None = None
    mappings: dict[str, str] = field(default_factory=dict)
    right_axis: dict[str, str] = field(default_factory=dict)  # legend -> unit


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    panels: list[Panel]


def uid(environment: str, model: str) -> str:
    """The dashboard's stable uid: ``<environment>-<model>`` where Grafana's
    40 characters hold it, else its start and a digest of the whole."""
    whole = f"{environment}-{model}"
    if _UID.fullmatch(whole):
        return whole
    import hashlib

    digest = hashlib.sha256(whole.encode()).hexdigest()[:12]
    start = re.sub(r"[^a-zA-Z0-9_-]", "_", whole[:27])  # names outside the schema
    return f"{start.rstrip('-')}-{digest}"


def _regex(text: str) -> str:
    """``text`` matched literally in a PromQL (RE2) regular expression."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def _get(spec: Mapping[str, Any], pointer: str) -> Any:
    node: Any = spec
    for token in pointer.strip("/").split("/"):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _limit(
    spec: Mapping[str, Any],
    pointer: str,
    color: str,
    scale: Decimal = Decimal(1),
    series: str | None = None,
) -> Limit:
    return Limit(
        pointer, color, Decimal(str(_get(spec, pointer))) * scale, scale, series
    )


class _Promql:
    """The queries of one model: its selectors, with quoted label values."""

    def __init__(self, spec: Mapping[str, Any], env: Mapping[str, Any], ns: str):
        self.metrics = Convention.of(env)
        self.name: str = spec["metadata"]["name"]
        self.namespace = ns
        self.match = f"namespace={string(ns)}, {MODEL}={string(self.name)}"

    def requests(self, extra: str = "") -> str:
        return selector(self.metrics.requests, f"{self.match}{extra}")

    def rate(self, window: str, by: str = _BY, extra: str = "") -> str:
        return f"sum by ({by}) (rate({self.requests(extra)}[{window}]))"

    def increase(self, window: str, by: str = _BY, extra: str = "") -> str:
        return f"sum by ({by}) (increase({self.requests(extra)}[{window}]))"

    def error_ratio(self, window: str, by: str = _BY, over: str = "rate") -> str:
        """Server errors over all requests (0 where none failed: a service
        that never answered a 5xx has no such series)."""
        of = self.rate if over == "rate" else self.increase
        errors = of(window, by, f', {CODE}=~"{ERROR_CODES}"')
        total = of(window, by)
        return f"({errors} or {total} * 0) / {total}"

    def quantile(self, q: str, window: str = _RATE, by: str = _BY) -> str:
        bucket = f"{self.metrics.latency}_bucket{{{self.match}}}"
        return f"histogram_quantile({q}, sum by ({by}, le) (rate({bucket}[{window}])))"

    def mean_latency(self) -> str:
        latency = self.metrics.latency
        return (
            f"sum by ({_BY}) (rate({latency}_sum{{{self.match}}}[{_RATE}])) / "
            f"sum by ({_BY}) (rate({latency}_count{{{self.match}}}[{_RATE}]))"
        )

    def container(self, metric: str, runtime: str) -> str:
        # a Rollout's pods are <name>-<template hash>-<5 characters>, a KServe
        # predictor's <name>-predictor-...: never another model's pods
        pods = (
            f"{_regex(self.name)}-[a-z0-9]{{1,10}}-[a-z0-9]{{5}}"
            if runtime == "container"
            else f"{_regex(self.name)}-predictor-.+"
        )
        return (
            f"{metric}{{namespace={string(self.namespace)}, pod=~{string(pods)}, "
            f"container={string(CONTAINER[runtime])}}}"
        )


def rows(spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str) -> list[Row]:
    """The dashboard's rows and panels, with their queries and limits."""
    q = _Promql(spec, env, namespace)
    return [
        Row("System health", _health(spec, q)),
        Row("AI performance", _quality(spec, q)),
        Row("Business impact", _business(spec, q)),
        Row("Rollout", _rollout(spec, q)),
        Row("SLO", _slo(spec, q)),
    ]


def _health(spec: Mapping[str, Any], q: _Promql) -> list[Panel]:
    slo = spec["spec"]["slo"]
    runtime = spec["spec"]["serving"]["runtime"]
    ms = Decimal("0.001")
    quantiles = [p for p in ("p50", "p95", "p99") if p in slo["latency"]]
    resources = spec["spec"]["serving"].get("resources", {})
    panels = [
        Panel(
            "stat", "Availability", "Requests answered without a server error "
            "over the dashboard's time range; green at the SLO's availability.",
            "percent", [Query(f"100 * (1 - {q.error_ratio(_RANGE, over='increase')})",
                              "availability", instant=True)],
            base=RED, limits=[_limit(spec, "/spec/slo/availability", GREEN)], width=6,
        ),
        Panel(
            "stat", "Mean latency", "Mean time to answer at the model server "
            "(the spec sets percentile targets: see the latency panel).",
            "s", [Query(q.mean_latency(), "mean", instant=True)], width=6,
        ),
        Panel(
            "stat", "Latency p95", "95th percentile latency; red over the SLO's "
            "p95 target (the ModelLatencyHigh alert's threshold).",
            "s", [Query(q.quantile("0.95"), "p95", instant=True)],
            limits=[_limit(spec, "/spec/slo/latency/p95", RED, ms)], width=6,
        ),
        Panel(
            "stat", "Server errors (5xx)", "Share of requests answered with a "
            "5xx over the time range; red over the SLO's error rate.",
            "percent", [Query(f"100 * {q.error_ratio(_RANGE, over='increase')}",
                              "5xx", instant=True)],
            limits=[_limit(spec, "/spec/slo/errorRate", RED)], width=6,
        ),
        Panel(
            "timeseries", "Latency percentiles (24 h)", "p50, p95 and p99 at the "
            "model server, each with its SLO target where the spec sets one.",
            "s", [Query(q.quantile(f"0.{p[1:]}"), p) for p in ("p50", "p95", "p99")],
            limits=[_limit(spec, f"/spec/slo/latency/{p}", RED, ms, series=p)
                    for p in quantiles],
            time_from="24h",
        ),
        Panel(
            "timeseries", "Server error rate (48 h)", "Share of requests answered "
            "with a 5xx; the line is the SLO's error rate.",
            "percent", [Query(f"100 * {q.error_ratio(_RATE)}", "5xx")],
            limits=[_limit(spec, "/spec/slo/errorRate", RED)], time_from="48h",
        ),
        Panel(
            "timeseries", "CPU", "CPU used by each pod's model container; the "
            "lines are its request (yellow) and limit (red).",
            "none", [Query(f"sum by (pod) (rate({q.container(CPU, runtime)}"
                           f"[{_RATE}]))", "{{pod}}")],
            limits=_resource_limits(spec, resources, "cpu"),
        ),
        Panel(
            "timeseries", "Memory", "Working set of each pod's model container; "
            "the lines are its request (yellow) and limit (red).",
            "bytes", [Query(f"sum by (pod) ({q.container(MEMORY, runtime)})",
                            "{{pod}}")],
            limits=_resource_limits(spec, resources, "memory"),
        ),
        Panel(
            "timeseries", "Predictions per hour", "Requests answered in each hour.",
            "short", [Query(q.increase("1h"), "predictions/h")],
        ),
        Panel(
            "bargauge", "Errors by type", "Requests answered with an error over "
            "the time range, by status code (4xx: the client's, 5xx: the server's).",
            "short", [Query(q.increase(_RANGE, "code", f', {CODE}=~"[45].."'),
                            "{{code}}", instant=True)],
        ),
        Panel(
            "timeseries", "Load against latency", "Requests per second (left) "
            "and p95 latency (right): latency that rises with load is capacity.",
            "reqps", [Query(q.rate(_RATE), "requests/s"),
                      Query(q.quantile("0.95"), "p95")],
            right_axis={"p95": "s"},
        ),
        Panel(
            "timeseries", "Errors against load", "Requests per second (left) and "
            "the share of server errors (right).",
            "reqps", [Query(q.rate(_RATE), "requests/s"),
                      Query(f"100 * {q.error_ratio(_RATE)}", "5xx")],
            right_axis={"5xx": "percent"},
        ),
    ]  # fmt: skip
    return panels


def _resource_limits(
    spec: Mapping[str, Any], resources: Mapping[str, Any], kind: str
) -> list[Limit]:
    out = []
    for side, color in (("requests", YELLOW), ("limits", RED)):
        value = resources.get(side, {}).get(kind)
        if value is None:
            continue
        pointer = f"/spec/serving/resources/{side}/{kind}"
        out.append(Limit(pointer, color, _quantity(value, kind), reads=kind))
    return out


def _quantity(value: Any, kind: str) -> Decimal:
    """A CPU quantity in cores, a memory quantity in bytes."""
    return units.millicores(value) / 1000 if kind == "cpu" else units.bytes_of(value)


def _quality(spec: Mapping[str, Any], q: _Promql) -> list[Panel]:
    monitoring = spec["spec"].get("monitoring", {})
    panels: list[Panel] = []
    accuracy = monitoring.get("accuracy")
    if accuracy:
        metric = accuracy["metric"]
        expr = (
            f"min by ({_BY}) "
            f"({selector(q.metrics.quality, f'{q.match}, {METRIC}={string(metric)}')})"
        )
        floor = _limit(spec, "/spec/monitoring/accuracy/floor", GREEN)
        about = (f"The online {metric} from delayed labels; red under the floor "
                 "(the ModelQualityBelowFloor alert, a rollback trigger).")  # fmt: skip
        panels.append(Panel("stat", f"Online {metric}", about, "percentunit",
                            [Query(expr, metric, instant=True)], base=RED,
                            limits=[floor], width=6))  # fmt: skip
        panels.append(Panel("timeseries", f"Online {metric} over time", about,
                            "percentunit", [Query(expr, metric)], base=RED,
                            limits=[floor], width=18))  # fmt: skip
    drift = monitoring.get("drift")
    if drift:
        expr = f"max by ({_BY}) ({selector(q.metrics.drift, q.match)})"
        limits = [
            _limit(spec, "/spec/monitoring/drift/warning", YELLOW),
            _limit(spec, "/spec/monitoring/drift/critical", RED),
        ]
        about = (f"The {drift['method']} drift score of the inputs; yellow over the "
                 "warning threshold, red over the critical one (the drift alerts).")  # fmt: skip
        panels.append(Panel("stat", f"Data drift ({drift['method']})", about, "none",
                            [Query(expr, "drift", instant=True)], limits=limits,
                            width=6))  # fmt: skip
        panels.append(Panel("timeseries", "Data drift over time", about, "none",
                            [Query(expr, "drift")], limits=limits, width=18))  # fmt: skip
    # the seed's "model latency": the p99, the slowest answers the model gives
    p99 = [_limit(spec, "/spec/slo/latency/p99", RED, Decimal("0.001"))] if (
        "p99" in spec["spec"]["slo"]["latency"]) else []  # fmt: skip
    panels.append(Panel("stat", "Model latency p99", "99th percentile latency; red "
                        "over the SLO's p99 target where the spec sets one.", "s",
                        [Query(q.quantile("0.99"), "p99", instant=True)],
                        limits=p99, width=6))  # fmt: skip
    return panels


def _business(spec: Mapping[str, Any], q: _Promql) -> list[Panel]:
    items = spec["spec"].get("monitoring", {}).get("business", [])
    panels: list[Panel] = []
    for index, item in enumerate(items):
        name = item["name"]
        if "query" in item:
            expr = f"({item['query']})"
        else:
            worst = "min" if item["better"] == "higher" else "max"
            expr = f"{worst} by ({_BY}) ({selector(item['metric'], q.match)})"
        pointer = f"/spec/monitoring/business/{index}"
        higher = item["better"] == "higher"
        limits = (
            [_limit(spec, f"{pointer}/critical", YELLOW),
             _limit(spec, f"{pointer}/warning", GREEN)]
            if higher else
            [_limit(spec, f"{pointer}/warning", YELLOW),
             _limit(spec, f"{pointer}/critical", RED)]
        )  # fmt: skip
        about = (f"{name} ({item['unit']}, {item['better']} is better): the "
                 "business metric alerts' value; the steps are its warning and "
                 "critical thresholds.")  # fmt: skip
        unit = BUSINESS_UNITS[item["unit"]]
        base = RED if higher else GREEN
        panels.append(Panel("stat", name, about, unit, [Query(expr, name, instant=True)],
                            base=base, limits=limits, width=6))  # fmt: skip
        panels.append(Panel("timeseries", f"{name} over time", about, unit,
                            [Query(expr, name)], base=base, limits=limits,
                            width=18))  # fmt: skip
        if name == "satisfaction":
            panels.append(Panel(
                "timeseries", "Performance against satisfaction", "p95 latency "
                "(left) and user satisfaction (right).", "s",
                [Query(q.quantile("0.95"), "p95"), Query(expr, name)],
                right_axis={name: unit}, width=24))  # fmt: skip
    if not items:
        panels.append(Panel("stat", "Requests per day", "Requests answered in the "
                            "last 24 hours (the spec declares no business metric).",
                            "short", [Query(q.increase("1d"), "requests/day",
                                            instant=True)], width=24))  # fmt: skip
    return panels


def _steps(spec: Mapping[str, Any]) -> list[tuple[int, Decimal]]:
    """The canary's traffic steps: (index in rollout.steps, weight)."""
    rollout = spec["spec"].get("rollout", {})
    if rollout.get("strategy") != "canary":
        return []
    return [
        (i, Decimal(str(step["weight"])))
        for i, step in enumerate(rollout.get("steps", []))
        if "weight" in step
    ]


def _rollout(spec: Mapping[str, Any], q: _Promql) -> list[Panel]:
    runtime = spec["spec"]["serving"]["runtime"]
    # a Rollout's pods carry their template's hash; KServe's only the version
    split = (
        f"{_BY}, {HASH}, {VERSION}" if runtime == "container" else f"{_BY}, {VERSION}"
    )
    legend = (
        "{{version}} ({{" + HASH + "}})" if runtime == "container" else "{{version}}"
    )
    share = f"100 * {q.rate(_RATE, split)} / on ({_BY}) group_left {q.rate(_RATE)}"
    steps = _steps(spec)
    weights = [
        _limit(spec, f"/spec/rollout/steps/{i}/weight", YELLOW) for i, _ in steps
    ]
    slo = "/spec/slo"
    panels = [
        Panel("timeseries", "Traffic share by pod template", "Share of requests "
              "each pod template (version and template hash) answers; the lines "
              "are the canary's steps.", "percent", [Query(share, legend)],
              limits=weights),
        Panel("timeseries", "Server error ratio by pod template", "5xx share per "
              "pod template: a canary worse than the stable pods shows here first.",
              "percent", [Query(f"100 * {q.error_ratio(_RATE, split)}", legend)],
              limits=[_limit(spec, f"{slo}/errorRate", RED)]),
        Panel("timeseries", "Latency p95 by pod template", "95th percentile "
              "latency per pod template; the line is the SLO's p95 target.", "s",
              [Query(q.quantile("0.95", by=split), legend)],
              limits=[_limit(spec, f"{slo}/latency/p95", RED, Decimal("0.001"))]),
    ]  # fmt: skip
    if steps:
        panels.append(_step_panel(spec, q, steps))
    return panels


def _step_panel(
    spec: Mapping[str, Any], q: _Promql, steps: Sequence[tuple[int, Decimal]]
) -> Panel:
    """The step the canary is at, read from the traffic (Argo Rollouts exports
    no step or weight metric, argoproj/argo-rollouts#4352): the number of
    steps whose weight the spec's version has passed the midpoint to."""
    version = string(spec["spec"]["model"]["version"])
    share = f"(100 * {q.rate(_RATE, extra=f', {VERSION}={version}')} / {q.rate(_RATE)})"
    marks = []
    below = Decimal(0)
    for _, weight in steps:
        marks.append(f"({share} >= bool {number((below + weight) / 2)})")
        below = weight
    mappings = {"0": f"no traffic to {spec['spec']['model']['version']}"}
    for n, (_, weight) in enumerate(steps, start=1):
        mappings[str(n)] = f"step {n} of {len(steps)}: {number(weight)} %"
    return Panel(
        "stat", "Canary step (from traffic)", "The canary step whose weight the "
        f"traffic to {spec['spec']['model']['version']} matches.", "none",
        [Query(f"({' + '.join(marks)}) or {q.rate(_RATE)} * 0", "step",
                instant=True)], mappings=mappings, width=12,
    )  # fmt: skip


def _slo(spec: Mapping[str, Any], q: _Promql) -> list[Panel]:
    slo = spec["spec"]["slo"]
    window = slo.get("window", burnrate.DEFAULT_WINDOW)
    budget = error_budget(slo.get("availability", 99.9))
    left = f"100 * (1 - {q.error_ratio(window, over='increase')} / {number(budget)})"
    burn = []
    limits = []
    for item in burnrate.WINDOWS:
        legend = f"over {item.long}"
        burn.append(Query(f"{q.error_ratio(item.long)} / {number(budget)}", legend))
        limits.append(
            Limit(
                "/spec/slo/window" if "window" in slo else "/spec/slo",
                RED,
                item.rate(window),
                series=legend,
                reads="burn",
            )
        )
    return [
        Panel("stat", f"Error budget left ({window})", "The share of the error "
              f"budget ({number(budget * 100)} % of requests over {window}, from "
              "the SLO's availability) not yet spent.", "percent",
              [Query(left, "budget left", instant=True)], base=RED,
              limits=[Limit("", GREEN, Decimal(0))],
              width=6),
        Panel("timeseries", "Burn rate per alert window", "How fast the error "
              "budget burns over each window of the burn-rate alerts; each line "
              "is that window's alert factor (1 spends the budget in exactly "
              f"{window}).", "none", burn, limits=limits, width=18),
    ]  # fmt: skip


def build(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str, source: str
) -> dict[str, Any]:
    """The dashboard of one model in one environment, as Grafana's JSON."""
    data: dict[str, Any] = _plain(_model(spec, env, namespace, source))
    return data


def rendered(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str, source: str
) -> str:
    """``text(build(...))`` without the round trip through a dict: the SDK's
    model is serialised once, indented."""
    return _json(_model(spec, env, namespace, source))


def _model(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str, source: str
) -> Any:
    """The SDK's dashboard model of one model in one environment."""
    sdk = _sdk()
    board = sdk.board
    name: str = spec["metadata"]["name"]
    env_name: str = env["metadata"]["name"]
    team: str = spec["metadata"]["team"]
    ds = sdk.DataSourceRef(type_val="prometheus", uid="${" + DATASOURCE + "}")
    built = (
        board.Dashboard(f"{name} ({env_name})")
        .uid(uid(env_name, name))
        .description(spec["metadata"].get("description", ""))
        .tags(["modelrail", env_name, team, name])
        .timezone("utc")
        .time("now-24h", "now")
        .refresh("1m")
        .tooltip(sdk.DashboardCursorSync.CROSSHAIR)
        .readonly()
        .with_variable(
            board.DatasourceVariable(DATASOURCE).label("Data source").type("prometheus")
        )
    )
    for title, url in _links(spec, env, namespace, source):
        built = built.link(
            board.DashboardLink(title).type(sdk.DashboardLinkType.LINK).url(url)
            .target_blank(True).keep_time(title == "Alerts")
        )  # fmt: skip
    ids = iter(range(1, 1000))
    for row in rows(spec, env, namespace):
        built = built.with_row(board.Row(row.title).id(next(ids)))
        for panel in row.panels:
            built = built.with_panel(_sdk_panel(panel, next(ids), ds))
    return built.build()


def _links(
    spec: Mapping[str, Any], env: Mapping[str, Any], namespace: str, source: str
) -> Iterator[tuple[str, str]]:
    inner = spec["spec"]
    runbook = inner.get("monitoring", {}).get("runbook") or inner.get(
        "rollback", {}
    ).get("runbook")
    if runbook:
        yield "Runbook", runbook
    search = f"label:namespace={namespace} label:model={spec['metadata']['name']}"
    yield "Alerts", "/alerting/list?" + urlencode({"search": search}, quote_via=quote)
    argocd = env["spec"]["argocd"]
    repo = argocd["repoURL"].removesuffix(".git")
    revision = quote(argocd.get("targetRevision", "HEAD"), safe="")
    yield "Spec in git", f"{repo}/blob/{revision}/{quote(source)}"


def _sdk_panel(panel: Panel, number_: int, ds: Any) -> Any:
    sdk = _sdk()
    board = sdk.board
    built = (
        sdk.kinds[panel.kind].Panel()
        .id(number_).title(panel.title).description(panel.description)
        .datasource(ds).unit(panel.unit).span(panel.width)
        .height(4 if panel.kind == "stat" else 8)
    )  # fmt: skip
    for ref, query in zip("ABCDEFGHIJ", panel.queries, strict=False):
        target = (
            sdk.prometheus.Dataquery().expr(query.expr).legend_format(query.legend)
            .ref_id(ref).datasource(ds)
        )  # fmt: skip
        built = built.with_target(target.instant() if query.instant else target.range())
    shared = [limit for limit in panel.limits if limit.series is None]
    built = built.thresholds(
        board.ThresholdsConfig()
        .mode(sdk.ThresholdsMode.ABSOLUTE)
        .steps(_threshold_steps(sdk, panel.base, shared))
    )
    for legend in dict.fromkeys(l.series for l in panel.limits if l.series):
        own = [limit for limit in panel.limits if limit.series == legend]
        config = board.ThresholdsConfig().mode(sdk.ThresholdsMode.ABSOLUTE)
        config = config.steps(_threshold_steps(sdk, panel.base, own))
        built = built.override_by_name(
            legend, [sdk.DynamicConfigValue(id_val="thresholds", value=config.build())]
        )
    if panel.mappings:
        built = built.mappings([sdk.ValueMap(options={
            key: sdk.ValueMappingResult(text=text, index=i)
            for i, (key, text) in enumerate(panel.mappings.items())
        })])  # fmt: skip
    if panel.kind == "timeseries":
        style = sdk.common.GraphThresholdsStyleConfig().mode(
            sdk.GraphThresholdsStyleMode.DASHED
        )
        built = built.thresholds_style(style)
        if panel.time_from:
            built = built.time_from(panel.time_from)
        for legend, unit in panel.right_axis.items():
            built = built.override_by_name(legend, [
                sdk.DynamicConfigValue(id_val="custom.axisPlacement", value="right"),
                sdk.DynamicConfigValue(id_val="unit", value=unit),
            ])  # fmt: skip
    return built


def _threshold_steps(sdk: _Sdk, base: str, limits: Sequence[Limit]) -> list[Any]:
    return [
        sdk.Threshold(value=None, color=base),
        *(
            sdk.Threshold(value=float(limit.value), color=limit.color)
            for limit in limits
        ),
    ]


@dataclass(frozen=True, slots=True)
class _Sdk:
    """The parts of grafana-foundation-sdk the dashboard is built with,
    imported once (on the first dashboard: ``modelrail --help`` never pays
    for them) rather than by an import statement in every panel."""

    board: Any
    common: Any
    prometheus: Any
    kinds: Mapping[str, Any]
    DataSourceRef: Any
    DashboardCursorSync: Any
    DashboardLinkType: Any
    DynamicConfigValue: Any
    GraphThresholdsStyleMode: Any
    Threshold: Any
    ThresholdsMode: Any
    ValueMap: Any
    ValueMappingResult: Any


@functools.cache
def _sdk() -> _Sdk:
    from grafana_foundation_sdk.builders import (
        bargauge,
        common,
        prometheus,
        stat,
        timeseries,
    )
    from grafana_foundation_sdk.builders import dashboard as board
    from grafana_foundation_sdk.models import dashboard as models
    from grafana_foundation_sdk.models.common import GraphThresholdsStyleMode

    return _Sdk(
        board=board,
        common=common,
        prometheus=prometheus,
        kinds={"stat": stat, "timeseries": timeseries, "bargauge": bargauge},
        DataSourceRef=models.DataSourceRef,
        DashboardCursorSync=models.DashboardCursorSync,
        DashboardLinkType=models.DashboardLinkType,
        DynamicConfigValue=models.DynamicConfigValue,
        GraphThresholdsStyleMode=GraphThresholdsStyleMode,
        Threshold=models.Threshold,
        ThresholdsMode=models.ThresholdsMode,
        ValueMap=models.ValueMap,
        ValueMappingResult=models.ValueMappingResult,
    )


def text(board: Mapping[str, Any]) -> str:
    """The dashboard as the ConfigMap carries it: indented JSON, one value a
    line, in the order the SDK writes (stable from run to run)."""
    return _json(board)


# A number orjson writes otherwise than Python's json module (float repr):
# 0.00001 where json writes 1e-05, 2.5e-7 where it writes 2.5e-07. In indented
# JSON a number is the last thing on its line (a comma aside), after '": ' or
# the indentation: a string cannot end a line before its closing quote.
_ORJSON_FLOAT = re.compile(
    r'(?m)(": |^ +)(-?0\.0000[0-9]+|-?[0-9][0-9.]*e[-+]?[0-9]+)(,?)$'
)
# what orjson writes only for such a float (|x| < 1e-4); Python and orjson
# write the large ones alike (1e+16). A search that starts with a literal:
# an alternation or a class first is ten times slower on a dashboard.
_SMALL_EXPONENT = re.compile(rb"e-[0-9]")


def _plain(model: Any) -> Any:
    """An SDK model as JSON-like values (what json.loads gives for its text)."""
    import orjson

    try:
        return orjson.loads(orjson.dumps(model, default=_to_json))
    except orjson.JSONEncodeError:
        from grafana_foundation_sdk.cog.encoder import JSONEncoder

        return json.loads(json.dumps(model, cls=JSONEncoder))


def _json(value: Any) -> str:
    """``value`` (an SDK model, or the JSON-like values ``build`` returns) as
    ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, and a
    final newline.

    orjson writes it (in C: the json module's indented encoder is pure
    Python, and was a third of the whole render's time), its floats put in
    Python's notation, so the text is json.dumps's byte for byte. What
    orjson refuses (an integer over 64 bits, a lone surrogate, a non-string
    key) goes to the json module as before.
    """
    import orjson

    try:
        out = orjson.dumps(value, default=_to_json, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        return json.dumps(_plain(value), indent=2, ensure_ascii=False) + "\n"
    written = out.decode()
    if b"0.0000" in out or _SMALL_EXPONENT.search(out):
        written = _ORJSON_FLOAT.sub(lambda m: f"{m[1]}{float(m[2])!r}{m[3]}", written)
    return written + "\n"


# What the SDK's JSONEncoder does with one of its models (in C: a dashboard
# holds ~370 of them); anything else fails, and goes to the json module.
_to_json = operator.methodcaller("to_json")
