"""The rendered AnalysisTemplates judged on a real Prometheus.

Every bundled ``rendered/<env>/<model>/analysistemplate.yaml`` is run as
Argo Rollouts runs it: ``{{args.canary-hash}}`` substituted the way its
``ResolveArgs`` does, each query sent to Prometheus' HTTP API as an instant
query, the vector's values handed as ``result`` to the metric's success and
failure conditions (``testing.argo_conditions.phase``).

The data is synthetic, generated per model from its own spec (its error-rate
and p95 targets, its environment's metric names and namespace) and backfilled
with ``promtool tsdb create-blocks-from openmetrics`` on a fixed timeline. One
canary hash per scenario, so one Prometheus holds them all:

- a healthy canary (a tenth of the allowed error ratio, fast): both metrics
  succeed, though it answers ten times the allowed ratio with 404s (the
  client's errors: counted as the service's, they would fail it);
- a degraded canary (five times the allowed error ratio): success-rate fails;
- a slow canary (80 % of its requests at twice the p95 target): latency fails;
- an idle canary (its series exist, flat over the window) and a canary with no
  series at all: both metrics are inconclusive, never failed;
- a canary that never answered a 5xx (no such series exists): success-rate
  succeeds (the ``or vector(0)``), not inconclusive.

Each scenario also has stable pods (another hash, nine times the canary's
traffic) that behave the opposite way, judged with their own hash too: a query
that did not select the canary by its hash would mix them in. A query broken
on purpose (hash or error selector dropped, the error selector inverted, the
``vector(0)`` fallback or the model selector removed) makes the same check
report mismatches, so the check can fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.metrics import Convention
from testing.argo_conditions import Phase, phase
from testing.prometheus import (
    Counter,
    Histogram,
    PrometheusError,
    backfill,
    openmetrics,
    query,
    running_prometheus,
)
from testing.repo import FIXTURE, bundled
from testing.tools import require_tool

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((bundled() / "rendered").glob("*/*/analysistemplate.yaml"))

START = 1_700_000_000  # 2023-11-14T22:13:20Z: a fixed timeline, never the clock
STEP = 30  # seconds between samples, as the ServiceMonitor scrapes
PER_STEP = 30_000  # a canary pod's requests a step (1000/s)
PODS = ("x7k2p", "q4m9d")  # pod name suffixes: two pods a hash, summed
CLIENT_ERRORS = 10  # 404s, in allowed error ratios: the client's, not counted
# the contract, written out here rather than taken from the renderer: the
# argument the Rollout's steps pass, and the label the ServiceMonitor copies
CANARY_HASH = "canary-hash"
HASH_LABEL = "rollouts_pod_template_hash"
STANDARD_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

S, F, I = Phase.SUCCESSFUL, Phase.FAILED, Phase.INCONCLUSIVE


@dataclass(frozen=True, slots=True)
class Pods:
    """What the pods of one hash served."""

    errors: Decimal | None  # 5xx ratio, in allowed ratios; None: no 5xx series
    slow: bool = False  # 80 % of the requests at twice the p95 target
    idle: bool = False  # served, then nothing over the last window
    share: int = 1  # requests, in canary pods' units


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    canary_hash: str
    canary: Pods | None  # None: the canary has no series at all
    expected: tuple[Phase, Phase]  # success-rate, latency-p95
    stable_hash: str
    stable: Pods
    stable_expected: tuple[Phase, Phase]


HEALTHY = Pods(errors=Decimal("0.1"))
BAD = Pods(errors=Decimal(5), slow=True, share=9)
GOOD = Pods(errors=Decimal("0.1"), share=9)
SCENARIOS = (
    Scenario("healthy", "6d8f7c9b54", HEALTHY, (S, S), "7b9c5d6f48", BAD, (F, F)),
    Scenario("degraded", "5f4c8b7d69", Pods(errors=Decimal(5)), (F, S),
             "84d6b9c7f5", GOOD, (S, S)),
    Scenario("slow", "9c7b6d5f84", Pods(errors=Decimal("0.1"), slow=True), (S, F),
             "b5f8d7c694", GOOD, (S, S)),
    Scenario("idle", "7f5d9b8c46", Pods(errors=Decimal("0.1"), idle=True), (I, I),
             "c6d4f9b857", GOOD, (S, S)),
    Scenario("absent", "8b6c4f7d95", None, (I, I), "d9c5b8f476", GOOD, (S, S)),
    Scenario("never-failed", "4d9f6c5b87", Pods(errors=None), (S, S),
             "f7b4c6d598", BAD, (F, F)),
)  # fmt: skip
METRICS = ("success-rate", "latency-p95")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _name(template: Path) -> str:
    return f"{template.parent.parent.name}/{template.parent.name}"


def _inputs(template: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec and environment a template was rendered from."""
    folder = FIXTURE / "environments" / template.parent.parent.name
    spec = _load(folder / f"{template.parent.name}.yaml")
    return spec, _load(folder / "environment.yaml")


def _query(metric: Mapping[str, Any]) -> str:
    text: str = metric["provider"]["prometheus"]["query"]
    return text


def _seconds(duration: str) -> int:
    scale = {"s": 1, "m": 60, "h": 3600}
    return sum(
        int(n) * scale[unit] for n, unit in re.findall(r"(\d+)([smh])", duration)
    )


def _window() -> int:
    """The longest rate() range of the templates' queries, in seconds."""
    ranges = [
        _seconds(found)
        for template in TEMPLATES
        for metric in _load(template)["spec"]["metrics"]
        for found in re.findall(r"\[(\w+)\]", _query(metric))
    ]
    assert ranges, "no rate() range in the templates"
    return max(ranges)


def resolve_args(template: str, args: Mapping[str, str]) -> str:
    """``template`` with its ``{{...}}`` tags replaced as Argo Rollouts'
    ``ResolveArgs`` does (fasttemplate, ``{{``/``}}``): each tag is trimmed and
    looked up as ``args.<name>``; an unknown tag is an error."""
    out, pos = [], 0
    while (begin := template.find("{{", pos)) >= 0:
        end = template.find("}}", begin + 2)
        if end < 0:
            raise ValueError(f"cannot find end tag '}}}}' in {template!r}")
        tag = template[begin + 2 : end]
        key = tag.strip()
        if not key.startswith("args.") or key.removeprefix("args.") not in args:
            raise ValueError(f"failed to resolve {{{{{tag}}}}}")
        out += [template[pos:begin], args[key.removeprefix("args.")]]
        pos = end + 2
    out.append(template[pos:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Timeline:
    steps: int  # samples are at START + i * STEP, i = 0..steps

    @property
    def end(self) -> int:
        return START + self.steps * STEP

    def busy(self, pods: Pods, step: int) -> bool:
        """Whether ``pods`` served during ``step`` (between samples step-1, step):
        idle pods stop before the last half, which holds the whole window."""
        return not pods.idle or step < self.steps // 2


def _pods_series(
    template: Path, timeline: Timeline, pod_hash: str, pods: Pods, canary: bool
) -> list[Counter | Histogram]:
    spec, env = _inputs(template)
    names = Convention.of(env)
    slo = spec["spec"]["slo"]
    name = spec["metadata"]["name"]
    allowed = Decimal(str(slo["errorRate"])) / 100
    n = Decimal(PER_STEP * pods.share)
    errors = n * allowed * (pods.errors or 0)
    client = n * allowed * CLIENT_ERRORS
    per_code = {"200": n - errors - client, "404": client}
    if pods.errors is not None:
        per_code |= {"500": errors * 2 / 3, "503": errors / 3}
    assert per_code["200"] > 0, f"{name}: errorRate {slo['errorRate']} too high"
    target = Decimal(str(slo["latency"]["p95"])) / 1000
    observed = (
        {target / 2: n / 5, target * 2: n * 4 / 5}
        if pods.slow
        else {target / 4: n * 7 / 10, target / 2: n * 3 / 10}
    )
    bounds = sorted(
        {*STANDARD_BUCKETS, *(float(Decimal(str(ms)) / 1000)
                              for ms in slo["latency"].values())}
    )  # fmt: skip
    version = (
        spec["spec"]["model"]["version"]
        if canary
        else spec["spec"]["rollback"].get("previousVersion", "0")
    )
    steps = range(timeline.steps + 1)
    out: list[Counter | Histogram] = []
    for pod in PODS:
        labels = {
            "namespace": env["spec"]["namespace"],
            "pod": f"{name}-{pod_hash}-{pod}",
            HASH_LABEL: pod_hash,
            "model": name,
            "version": version,
        }
        for code, increment in per_code.items():
            total, values = Decimal(0), []
            for step in steps:
                if step and timeline.busy(pods, step):
                    total += increment
                values.append(float(total))
            out.append(Counter(names.requests, {**labels, "code": code}, values))
        out.append(
            Histogram.of_observations(
                names.latency,
                labels,
                bounds,
                [
                    {float(v): float(k) for v, k in observed.items()}
                    if step and timeline.busy(pods, step)
                    else {}
                    for step in steps
                ],
            )
        )
    return out


def _all_series(timeline: Timeline) -> Iterator[Counter | Histogram]:
    for template in TEMPLATES:
        for scenario in SCENARIOS:
            if scenario.canary is not None:
                yield from _pods_series(
                    template, timeline, scenario.canary_hash, scenario.canary, True
                )
            yield from _pods_series(
                template, timeline, scenario.stable_hash, scenario.stable, False
            )


@dataclass(frozen=True, slots=True)
class Lab:
    url: str
    at: int  # the end of the data: every query is an instant query here


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_tool("promtool")
    require_tool("prometheus")  # both, before the data is built
    folder = tmp_path_factory.mktemp("prometheus")
    timeline = Timeline(steps=2 * _window() // STEP)
    backfill(openmetrics(_all_series(timeline), START, STEP), folder / "data", folder)
    with running_prometheus(folder / "data", folder) as url:
        yield Lab(url, timeline.end)


def _mismatches(
    lab: Lab,
    template: Path,
    mutate: Callable[[str, dict[str, Any]], str] | None = None,
) -> list[str]:
    """Every judgement of ``template``'s metrics that is not the expected one."""
    data = _load(template)
    metrics = data["spec"]["metrics"]
    assert [m["name"] for m in metrics] == list(METRICS), _name(template)
    assert data["spec"]["args"] == [{"name": CANARY_HASH}], _name(template)
    out = []
    for scenario in SCENARIOS:
        for role, pod_hash, expected in (
            ("canary", scenario.canary_hash, scenario.expected),
            ("stable", scenario.stable_hash, scenario.stable_expected),
        ):
            for metric, want in zip(metrics, expected, strict=True):
                text = _query(metric)
                if mutate is not None:
                    text = mutate(text, data)
                promql = resolve_args(text, {CANARY_HASH: pod_hash})
                result = query(lab.url, promql, lab.at)
                got = phase(
                    result, metric["successCondition"], metric["failureCondition"]
                )
                if got != want:
                    out.append(
                        f"{_name(template)} {scenario.name} ({role} {pod_hash}) "
                        f"{metric['name']}: {got}, expected {want}; result {result}"
                    )
    return out


def test_every_analysis_template_is_checked() -> None:
    # dev's product-recommender and support-assistant roll out without analysis
    assert len(TEMPLATES) == 10


@pytest.mark.tool
@pytest.mark.parametrize("template", TEMPLATES, ids=_name)
def test_the_canary_is_judged_as_the_spec_says(lab: Lab, template: Path) -> None:
    mismatches = _mismatches(lab, template)
    assert mismatches == [], "\n".join(mismatches)


def _replace(old: str, new: str) -> Callable[[str, dict[str, Any]], str]:
    def mutate(text: str, data: dict[str, Any]) -> str:
        return text.replace(old.replace("<model>", data["metadata"]["name"]), new)

    return mutate


BROKEN = {
    "hash selector removed": (
        _replace(f', {HASH_LABEL}="{{{{args.{CANARY_HASH}}}}}"', ""),
        None,
    ),
    "error selector dropped": (_replace(', code=~"5.."', ""), None),
    "error selector inverted": (_replace('code=~"5.."', 'code!~"5.."'), None),
    "no vector(0) fallback": (_replace(" or vector(0)", ""), None),
    # only where other models share the namespace, with other latencies
    "model selector removed": (
        _replace('model="<model>", ', ""),
        "prod/product-recommender",
    ),
}


@pytest.mark.tool
@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_broken_query_is_reported(lab: Lab, broken: str) -> None:
    # the test above can fail: the same check on queries broken on purpose
    mutate, only = BROKEN[broken]
    templates = [t for t in TEMPLATES if only in (None, _name(t))]
    assert templates
    for template in templates:
        data = _load(template)
        queries = [_query(metric) for metric in data["spec"]["metrics"]]
        assert any(mutate(q, data) != q for q in queries), f"{broken}: no change"
        assert _mismatches(lab, template, mutate), f"{_name(template)}: {broken}"


@pytest.mark.tool
def test_prometheus_errors_are_raised_with_its_text(lab: Lab) -> None:
    with pytest.raises(PrometheusError, match="parse error"):
        query(lab.url, "sum(rate(model_requests_total[5m])", lab.at)


def test_args_are_substituted_as_argo_does() -> None:
    args = {CANARY_HASH: "6d8f7c9b54"}
    assert resolve_args('a{h="{{ args.canary-hash }}"}', args) == 'a{h="6d8f7c9b54"}'
    assert resolve_args("x{a='1'}", args) == "x{a='1'}"
    with pytest.raises(ValueError, match="failed to resolve"):
        resolve_args("{{args.other}}", args)
    with pytest.raises(ValueError, match="end tag"):
        resolve_args("{{args.canary-hash", args)
