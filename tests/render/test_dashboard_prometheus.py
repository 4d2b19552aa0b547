"""The rendered Grafana dashboards' queries, against a real Prometheus.

Every ``dashboard.yaml`` the fixture repository renders (a ConfigMap whose one
key holds the dashboard's JSON) is read back panel by panel: each panel's
targets (expression, instant or range), unit and thresholds (the panel's
steps, and a series' own where an override sets them). Each target is run as
an instant query at the end of the data, with Grafana's variables replaced as
Grafana's Prometheus data source replaces them (``$__range`` is the time
range in seconds, ``86400s`` for the dashboards' 24 hours; ``$__rate_interval``
is four scrape intervals, written as Go writes a duration: ``4m0s``), against
Debian's ``prometheus`` serving data backfilled with ``promtool``.

The data is made from each model's own spec and environment (namespace,
metric names, SLO, floors, thresholds, resources, versions, runtime): a day
and an hour of it, one sample a minute (the scrape interval), so the 24-hour
and one-day windows hold only data; longer windows (``[3d]``, ``[30d]``) see
all of it. Three scenarios, each a Prometheus of its own holding every model
of every environment:

- healthy: one pod template serving the spec's version at 100 requests/s;
  server errors (5xx) at a fifth of the SLO's ``errorRate``, client errors
  (4xx) at twice it; 70 % of the answers at half the lowest latency target,
  30 % at half the p95 target; quality halfway from the floor to 1; drift at
  half its warning; each business gauge past its warning, on the good side,
  by half the warning-critical distance; CPU and memory at half their
  requests;
- degraded: the same template, but 5xx at twenty times ``errorRate`` (past
  the fastest burn-rate window's factor, 14.4 over an hour for 30 days), 90 %
  of the answers at twice the highest latency target, quality as far under
  its floor as the healthy one is over it, drift and business gauges past
  critical by half the warning-critical distance, and 0.2 requests a minute
  (288 a day: the users left, so request counts are past their critical 500
  a day too); CPU at its limit (throttled) and the working set at its memory
  limit (where the kernel kills): a value at a step is that step's colour;
- canary: a stable template (the spec's ``rollback.previousVersion``, 80 % of
  the requests, 5xx at a fifth of ``errorRate``) beside the canary (the
  spec's ``model.version``, 20 %, five times ``errorRate``); otherwise healthy.

A business metric's ``metric`` is a gauge with the model's labels; a
``query`` gets no series of its own: the bundled ones count the request
counter over a day (``increase(model_requests_total{...}[1d])``), and a query
that read anything else would show here as an empty panel.

Pods of a Rollout are ``<model>-<hash>-<5 characters>`` (container
``model-server``, with the ``rollouts_pod_template_hash`` the scrape copies);
KServe predictor pods ``<model>-predictor-<revision>-deployment-<hash>-<5>``
(container ``kserve-container``, no hash label): the convention of
``docs/metrics.md``, written out here rather than taken from the renderer.

Checked: in every scenario every target of every panel returns a series (no
empty panel); in the degraded one every panel with a red threshold shows red
(and in the healthy one none does); in the canary one the Rollout row's "by
pod template" panels return a series for each template, the canary's error
ratio above the stable's, and the canary step the traffic reads is the step
whose weight is nearest the canary's share. A query broken on purpose (the
model's name in it changed) makes the same check report that panel empty, so
the check can fail.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail import units
from modelrail.metrics import Convention
from testing.prometheus import (
    Counter,
    Histogram,
    backfill,
    openmetrics,
    running_prometheus,
    vector,
)
from testing.repo import bundled
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

DASHBOARDS = sorted((bundled() / "rendered").glob("*/*/dashboard.yaml"))

START = 1_700_000_000  # 2023-11-14T22:13:20Z: a fixed timeline, never the clock
STEP = 60  # seconds between samples: the scrape interval Grafana is told
STEPS = (86_400 + 3_600) // STEP  # a day and an hour
END = START + STEPS * STEP  # every query is an instant query here
# Grafana's Prometheus data source (pkg/promlib): $__range is the time range in
# whole seconds and "s"; $__rate_interval max(4 scrapes, interval + scrape),
# written with Go's time.Duration.String()
GRAFANA = {"$__range": "86400s", "$__rate_interval": "4m0s"}
RED = "red"
# the contract, written out here rather than taken from the renderer
HASH_LABEL = "rollouts_pod_template_hash"
CONTAINER = {"container": "model-server", "kserve": "kserve-container"}
CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"
SUFFIX = "x7k2p"  # a pod's own 5 characters (one pod a template)
CLIENT_ERRORS = Decimal(2)  # 4xx, in SLO errorRates: the client's, not counted
NEW, PREVIOUS = "model.version", "rollback.previousVersion"


@dataclass(frozen=True, slots=True)
class Template:
    """One pod template of a model, and what its pods serve."""

    hash: str
    version: str  # NEW or PREVIOUS: which of the spec's versions
    share: Decimal  # of the model's requests
    errors: Decimal  # 5xx ratio, in SLO errorRates
    slow: bool = False  # 90 % of the answers at twice the highest target


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    requests: Decimal  # the model's requests a step, all templates together
    templates: tuple[Template, ...]
    good: bool  # gauges and resources on the good side, or past critical


HEALTHY = Scenario(
    "healthy", Decimal(6000), (Template("6d8f7c9b54", NEW, Decimal(1), Decimal("0.2")),),
    good=True,
)  # fmt: skip
DEGRADED = Scenario(
    "degraded", Decimal("0.2"),
    (Template("5f4c8b7d69", NEW, Decimal(1), Decimal(20), slow=True),), good=False,
)  # fmt: skip
STABLE = Template("7b9c5d6f48", PREVIOUS, Decimal("0.8"), Decimal("0.2"))
CANARY_TEMPLATE = Template("84d6b9c7f5", NEW, Decimal("0.2"), Decimal(5))
CANARY = Scenario("canary", Decimal(6000), (STABLE, CANARY_TEMPLATE), good=True)
SCENARIOS = (HEALTHY, DEGRADED, CANARY)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _board(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}"


def _inputs(board: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec and environment a dashboard was rendered from."""
    env, model = board.split("/")
    folder = bundled() / "environments" / env
    return _load(folder / f"{model}.yaml"), _load(folder / "environment.yaml")


# --- the dashboards, read back ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    value: float | None  # None: the base colour, under every other step
    color: str


@dataclass(frozen=True, slots=True)
class Target:
    expr: str
    legend: str
    instant: bool


@dataclass(frozen=True, slots=True)
class Panel:
    board: str  # <environment>/<model>
    row: str
    title: str
    unit: str
    targets: tuple[Target, ...]
    steps: tuple[Step, ...]
    by_series: Mapping[str, tuple[Step, ...]] = field(default_factory=dict)

    def thresholds(self, target: Target) -> tuple[Step, ...]:
        """The steps a target's series is coloured by: its own (an override
        by name, the name being its legend) or the panel's."""
        return self.by_series.get(target.legend, self.steps)


def _steps(config: Mapping[str, Any]) -> tuple[Step, ...]:
    return tuple(Step(s["value"], s["color"]) for s in config["steps"])


def _panel(board: str, row: str, item: Mapping[str, Any]) -> Panel:
    defaults = item["fieldConfig"]["defaults"]
    by_series = {
        override["matcher"]["options"]: _steps(prop["value"])
        for override in item["fieldConfig"].get("overrides", [])
        if override["matcher"]["id"] == "byName"
        for prop in override["properties"]
        if prop["id"] == "thresholds"
    }
    targets = tuple(
        Target(t["expr"], t.get("legendFormat", ""), bool(t.get("instant")))
        for t in item.get("targets", [])
    )
    return Panel(
        board, row, item["title"], defaults.get("unit", ""), targets,
        _steps(defaults["thresholds"]), by_series,
    )  # fmt: skip


def panels_of(path: Path) -> list[Panel]:
    """The panels of one rendered dashboard (rows skipped, their panels kept)."""
    board = _board(path)
    config = _load(path)
    assert config["kind"] == "ConfigMap", board
    assert list(config["data"]) == [board.replace("/", "-") + ".json"], board
    dashboard = json.loads(next(iter(config["data"].values())))
    out: list[Panel] = []
    row = ""
    for item in dashboard["panels"]:
        if item["type"] == "row":
            row = item["title"]
            out.extend(_panel(board, row, inner) for inner in item.get("panels", []))
        else:
            out.append(_panel(board, row, item))
    return out


PANELS = [panel for path in DASHBOARDS for panel in panels_of(path)]


def grafana(expr: str) -> str:
    """``expr`` with Grafana's variables replaced as Grafana does."""
    for variable, value in GRAFANA.items():
        expr = expr.replace(variable, value)
    return expr


def critical(steps: tuple[Step, ...]) -> tuple[str, float] | None:
    """Where the steps turn red: ``("under", v)`` where the base is red
    (higher is better: red under the first step), ``("over", v)`` at the
    first red step (lower is better), ``None`` where nothing is red."""
    if steps[0].color == RED:
        value = steps[1].value
        assert value is not None
        return "under", value
    red = [s.value for s in steps[1:] if s.color == RED and s.value is not None]
    return ("over", red[0]) if red else None


def is_red(value: float, limit: tuple[str, float]) -> bool:
    """Whether Grafana colours ``value`` red (a value at a step takes the
    step's colour)."""
    side, at = limit
    return value < at if side == "under" else value >= at


# --- the data -----------------------------------------------------------------


def _ramp(per_step: Decimal) -> list[float]:
    """A counter's samples: ``per_step`` more at each step."""
    return [float(per_step * i) for i in range(STEPS + 1)]


def _flat(value: Decimal) -> list[float]:
    return [float(value)] * (STEPS + 1)


def _good_or_bad(warning: Decimal, critical_: Decimal, good: bool) -> Decimal:
    """Past ``warning`` on the good side, or past ``critical_`` on the bad
    side, by half the distance between them (either way round)."""
    distance = warning - critical_
    return warning + distance / 2 if good else critical_ - distance / 2


def _template_series(
    spec: Mapping[str, Any],
    env: Mapping[str, Any],
    scenario: Scenario,
    template: Template,
) -> Iterator[Counter | Histogram]:
    names = Convention.of(env)
    inner = spec["spec"]
    name = spec["metadata"]["name"]
    runtime = inner["serving"]["runtime"]
    slo = inner["slo"]
    version = (
        inner["model"]["version"]
        if template.version == NEW
        else inner["rollback"]["previousVersion"]
    )
    if runtime == "container":
        pod = f"{name}-{template.hash}-{SUFFIX}"
        scrape = {"namespace": env["spec"]["namespace"], "pod": pod,
                  HASH_LABEL: template.hash}  # fmt: skip
    else:
        revision = "00002" if template.version == NEW else "00001"
        pod = f"{name}-predictor-{revision}-deployment-{template.hash}-{SUFFIX}"
        scrape = {"namespace": env["spec"]["namespace"], "pod": pod}
    labels = {**scrape, "model": name, "version": version}

    # requests, by status code
    n = scenario.requests * template.share
    allowed = Decimal(str(slo["errorRate"])) / 100
    errors = n * allowed * template.errors
    client = n * allowed * CLIENT_ERRORS
    per_code = {"200": n - errors - client, "404": client,
                "500": errors * 2 / 3, "503": errors / 3}  # fmt: skip
    assert per_code["200"] > 0, f"{name}: errorRate {slo['errorRate']} too high"
    for code, increment in per_code.items():
        yield Counter(names.requests, {**labels, "code": code}, _ramp(increment))

    # latency: the buckets hold every target and every value observed
    targets = [Decimal(str(ms)) / 1000 for ms in slo["latency"].values()]
    p95 = Decimal(str(slo["latency"]["p95"])) / 1000
    fast = {min(targets) / 2: Decimal("0.7"), p95 / 2: Decimal("0.3")}
    slow = {min(targets) / 2: Decimal("0.1"), max(targets) * 2: Decimal("0.9")}
    bounds = sorted({*targets, *fast, *slow})
    observed = slow if template.slow else fast
    buckets = [
        sum((n * share for value, share in observed.items() if value <= bound),
            Decimal(0))
        for bound in bounds
    ]  # fmt: skip
    total = sum((value * n * share for value, share in observed.items()), Decimal(0))
    yield Histogram(
        names.latency,
        labels,
        [float(b) for b in bounds],
        [[float(b * i) for b in buckets] for i in range(STEPS + 1)],
        _ramp(n),
        _ramp(total),
    )

    # what cAdvisor sees of the model's container
    resources = inner["serving"].get("resources", {})
    side = "requests" if scenario.good else "limits"
    share = Decimal("0.5") if scenario.good else Decimal(1)
    container = {**scrape, "container": CONTAINER[runtime]}
    container.pop(HASH_LABEL, None)
    cpu = resources.get(side, {}).get("cpu", "1")
    memory = resources.get(side, {}).get("memory", "1Gi")
    cores = units.millicores(cpu) / 1000 * share
    yield Counter(CPU, container, _ramp(cores * STEP))
    yield Counter(MEMORY, container, _flat(units.bytes_of(memory) * share))

    # the gauges: quality, drift, business
    monitoring = inner.get("monitoring", {})
    good = scenario.good
    if accuracy := monitoring.get("accuracy"):
        floor = Decimal(str(accuracy["floor"]))
        margin = (1 - floor) / 2  # halfway to 1, or as far under the floor
        value = floor + margin if good else floor - margin
        yield Counter(names.quality, {**labels, "metric": accuracy["metric"]},
                      _flat(value))  # fmt: skip
    if drift := monitoring.get("drift"):
        warning = Decimal(str(drift["warning"]))
        value = (
            warning / 2  # (no drift at all is the good side: half the warning)
            if good
            else _good_or_bad(warning, Decimal(str(drift["critical"])), good)
        )
        yield Counter(names.drift, labels, _flat(value))
    for item in monitoring.get("business", []):
        if "metric" in item:
            value = _good_or_bad(
                Decimal(str(item["warning"])), Decimal(str(item["critical"])), good
            )
            yield Counter(item["metric"], labels, _flat(value))


def _series(scenario: Scenario) -> Iterator[Counter | Histogram]:
    for path in DASHBOARDS:
        spec, env = _inputs(_board(path))
        for template in scenario.templates:
            yield from _template_series(spec, env, scenario, template)


@dataclass(frozen=True, slots=True)
class Lab:
    url: str
    at: int = END


@pytest.fixture(scope="module")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Lab]]:
    require_tool("promtool")
    require_tool("prometheus")  # both, before the data is built
    with ExitStack() as stack:
        out = {}
        for scenario in SCENARIOS:
            folder = tmp_path_factory.mktemp(f"prometheus-{scenario.name}")
            text = openmetrics(_series(scenario), START, STEP)
            backfill(text, folder / "data", folder)
            (folder / "backfill.om").unlink()
            url = stack.enter_context(running_prometheus(folder / "data", folder))
            out[scenario.name] = Lab(url)
        yield out


Samples = list[tuple[dict[str, str], float]]
Answers = dict[tuple[int, int], Samples]  # (panel, target) -> its series


def answers_of(lab: Lab, panels: list[Panel]) -> Answers:
    return {
        (p, t): vector(lab.url, grafana(target.expr), lab.at)
        for p, panel in enumerate(panels)
        for t, target in enumerate(panel.targets)
    }


@pytest.fixture(scope="module")
def answers(labs: dict[str, Lab]) -> dict[str, Answers]:
    """Every target of every panel, answered in every scenario (once)."""
    return {name: answers_of(lab, PANELS) for name, lab in labs.items()}


def empty(panels: list[Panel], answered: Answers) -> list[str]:
    """Every target that returned no series, one line each."""
    return [
        f"{panel.board} {panel.row} / {panel.title!r}: {target.expr}"
        for p, panel in enumerate(panels)
        for t, target in enumerate(panel.targets)
        if not answered[p, t]
    ]


# --- the tests ----------------------------------------------------------------


def test_every_dashboard_is_checked() -> None:
    # four environments, four models each; every panel queries something
    assert len(DASHBOARDS) == 16
    assert all(panel.targets for panel in PANELS)
    titles = {panel.title for panel in PANELS}
    assert {"Availability", "Canary step (from traffic)", "Memory"} <= titles


def test_grafana_variables_are_replaced_as_grafana_does() -> None:
    expr = "increase(m[$__range]) / rate(m[$__rate_interval])"
    assert grafana(expr) == "increase(m[86400s]) / rate(m[4m0s])"
    assert all("$" not in grafana(t.expr) for p in PANELS for t in p.targets)


def test_critical_reads_the_direction_from_the_base_colour() -> None:
    higher = (Step(None, RED), Step(500, "yellow"), Step(1000, "green"))
    lower = (Step(None, "green"), Step(0.1, "yellow"), Step(0.2, RED))
    assert critical(higher) == ("under", 500)
    assert critical(lower) == ("over", 0.2)
    assert critical((Step(None, "green"), Step(2, "yellow"))) is None
    assert is_red(499, ("under", 500))
    assert not is_red(500, ("under", 500))
    assert is_red(0.2, ("over", 0.2))  # at the step: the step's colour
    assert not is_red(0.19, ("over", 0.2))


@pytest.mark.tool
@pytest.mark.parametrize("scenario", [s.name for s in SCENARIOS])
def test_no_panel_is_empty(answers: dict[str, Answers], scenario: str) -> None:
    missing = empty(PANELS, answers[scenario])
    assert missing == [], f"{len(missing)} empty in {scenario}:\n" + "\n".join(missing)


def _colours(answered: Answers, wanted: Callable[[bool], bool]) -> list[str]:
    """Every series of a panel with a red threshold whose colour is not the
    wanted one (``wanted(red)`` false)."""
    out = []
    for p, panel in enumerate(PANELS):
        for t, target in enumerate(panel.targets):
            limit = critical(panel.thresholds(target))
            if limit is None:
                continue
            for labels, value in answered[p, t]:
                if not wanted(is_red(value, limit)):
                    out.append(
                        f"{panel.board} {panel.title!r} {target.legend}: {value} "
                        f"against red {limit[0]} {limit[1]} ({labels})"
                    )
    return out


@pytest.mark.tool
def test_the_degraded_service_is_red_wherever_a_panel_has_red(
    answers: dict[str, Answers],
) -> None:
    wrong = _colours(answers[DEGRADED.name], lambda red: red)
    assert wrong == [], "\n".join(wrong)
    # the check can fail: on the healthy data it reports every such target
    # (availability, latencies, errors, resources, quality, drift, business,
    # error budget, each burn-rate window: over 20 a dashboard)
    checked = [
        (p, t)
        for p, panel in enumerate(PANELS)
        for t, target in enumerate(panel.targets)
        if critical(panel.thresholds(target))
    ]
    assert len(checked) > 20 * len(DASHBOARDS)
    healthy = answers[HEALTHY.name]
    assert len(_colours(healthy, lambda red: red)) == len(checked)
    assert all(len(healthy[key]) == 1 for key in checked)


@pytest.mark.tool
def test_the_healthy_service_is_never_red(answers: dict[str, Answers]) -> None:
    # the converse: the thresholds above are not red whatever the value
    wrong = _colours(answers[HEALTHY.name], lambda red: not red)
    assert wrong == [], "\n".join(wrong)


def _nearest_step(spec: Mapping[str, Any], share: Decimal) -> int:
    """The number (from 1) of the canary step whose weight is nearest
    ``share`` percent of the traffic."""
    weights = [
        Decimal(str(s["weight"]))
        for s in spec["spec"]["rollout"]["steps"]
        if "weight" in s
    ]
    return 1 + min(range(len(weights)), key=lambda i: abs(weights[i] - share))


@pytest.mark.tool
@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=_board)
def test_the_rollout_row_separates_canary_from_stable(
    answers: dict[str, Answers], dashboard: Path
) -> None:
    board = _board(dashboard)
    spec, _ = _inputs(board)
    runtime = spec["spec"]["serving"]["runtime"]
    split = HASH_LABEL if runtime == "container" else "version"
    canary = (
        CANARY_TEMPLATE.hash
        if runtime == "container"
        else spec["spec"]["model"]["version"]
    )
    answered = answers[CANARY.name]
    rollout = [
        (p, panel)
        for p, panel in enumerate(PANELS)
        if panel.board == board and panel.row == "Rollout"
    ]
    by_template = [
        (p, panel) for p, panel in rollout if "by pod template" in panel.title
    ]
    assert len(by_template) == 3, board
    for p, panel in by_template:
        series = answered[p, 0]
        values = {labels.get(split) for labels, _ in series}
        assert len(series) >= 2, (panel.title, series)
        assert len(values) == len(series), (panel.title, series)
        assert None not in values, (panel.title, series)
    errors = next(
        p for p, panel in by_template if panel.title.startswith("Server error")
    )
    ratio = {labels[split]: value for labels, value in answered[errors, 0]}
    stable = [value for key, value in ratio.items() if key != canary]
    assert ratio[canary] > max(stable), ratio
    steps = [
        (p, panel) for p, panel in rollout if panel.title.startswith("Canary step")
    ]
    if spec["spec"]["rollout"].get("steps"):
        [(p, _)] = steps
        [(_, step)] = answered[p, 0]
        share = CANARY_TEMPLATE.share * 100
        assert step == _nearest_step(spec, share) >= 1, board
    else:
        assert steps == [], board  # a rolling update has no steps to be at


@pytest.mark.tool
@pytest.mark.parametrize("board", ["prod/churn-predictor", "prod/product-recommender"])
def test_a_broken_query_is_reported_empty(labs: dict[str, Lab], board: str) -> None:
    # the check above can fail: each panel of a dashboard (KServe, and a
    # Rollout with business gauges), its model's name changed in its queries
    # (label value, pod name, business query), is reported empty, every target
    name = board.split("/")[1]
    panels = [panel for panel in PANELS if panel.board == board]
    for index, panel in enumerate(panels):
        broken = replace(panel, targets=tuple(
            replace(t, expr=t.expr.replace(name, f"{name}-nope"))
            for t in panel.targets
        ))  # fmt: skip
        assert broken.targets != panel.targets, panel.title
        reported = empty([broken], answers_of(labs[HEALTHY.name], [broken]))
        assert len(reported) == len(panel.targets), (index, panel.title, reported)
