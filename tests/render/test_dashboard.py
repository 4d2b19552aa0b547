"""The Grafana dashboard of a model (render/dashboard.py): its numbers are the
spec's, its queries run on the data source variable, and it is the same JSON
every time, in the ConfigMap the Grafana sidecar reads.

Specs are the fixture repository's (``FIXTURE``), some edited in memory; the
rendered files are those ``bundled()`` renders with the real command.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from modelrail import burnrate
from modelrail.render import dashboard
from modelrail.render.dashboard import Limit
from modelrail.repository.loader import load_file, load_text
from modelrail.repository.schema import SchemaSet
from testing.render import read_tree, render_repo
from testing.repo import FIXTURE, ROOT, bundled

if TYPE_CHECKING:
    from pathlib import Path

SPECS = sorted(
    (path.parent.name, path.stem)
    for path in (FIXTURE / "environments").glob("*/*-*.yaml")
    if path.stem != "waivers"
)
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
BURN = "Burn rate per alert window"


def spec_of(env: str, model: str) -> dict[str, Any]:
    data: dict[str, Any] = load_file(
        FIXTURE / "environments" / env / f"{model}.yaml"
    ).data
    return data


def env_of(env: str) -> dict[str, Any]:
    data: dict[str, Any] = load_file(
        FIXTURE / "environments" / env / "environment.yaml"
    ).data
    return data


def valid(data: dict[str, Any]) -> dict[str, Any]:
    """``data``, checked to be a ModelDeployment the schema admits."""
    schema = SchemaSet(ROOT / "schemas").get("ModelDeployment")
    assert schema.fast.is_valid(data)
    return data


def build(env: str, model: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    environment = env_of(env)
    return dashboard.build(
        spec if spec is not None else spec_of(env, model),
        environment,
        environment["spec"]["namespace"],
        f"environments/{env}/{model}.yaml",
    )


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def panel(board: dict[str, Any], title: str) -> dict[str, Any]:
    [found] = [p for p in board["panels"] if p["title"] == title]
    assert isinstance(found, dict)
    return found


def row_of(board: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """The panels under the row ``title``."""
    out: list[dict[str, Any]] = []
    current = None
    for item in board["panels"]:
        if item["type"] == "row":
            current = item["title"]
        elif current == title:
            out.append(item)
    return out


def steps(item: dict[str, Any]) -> list[tuple[float | None, str]]:
    """The panel's own threshold steps, as (value, colour)."""
    found = item["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [(s["value"], s["color"]) for s in found]


def series_steps(item: dict[str, Any]) -> dict[str, list[tuple[float | None, str]]]:
    """The threshold steps each series overrides, by its legend."""
    out = {}
    for override in item["fieldConfig"]["overrides"]:
        assert override["matcher"]["id"] == "byName"
        for prop in override["properties"]:
            if prop["id"] == "thresholds":
                values = prop["value"]["steps"]
                out[override["matcher"]["options"]] = [
                    (s["value"], s["color"]) for s in values
                ]
    return out


def file_of(env: str, model: str) -> dict[str, Any]:
    """The rendered ConfigMap, read alike by libyaml, PyYAML and modelrail."""
    text = (bundled() / "rendered" / env / model / "dashboard.yaml").read_text(
        encoding="utf-8"
    )
    found = [
        *(
            yaml.load(text, Loader=loader)
            for loader in (yaml.CSafeLoader, yaml.SafeLoader)
        ),
        load_text(text, "dashboard.yaml").data,
    ]
    assert found[0] == found[1] == found[2]
    data: dict[str, Any] = found[0]
    return data


def json_of(env: str, model: str) -> str:
    config = file_of(env, model)
    [text] = config["data"].values()
    assert isinstance(text, str)
    return text


# ---------------------------------------------------------------- thresholds


@pytest.mark.parametrize(("env", "model"), SPECS)
def test_every_threshold_step_is_its_spec_value(env: str, model: str) -> None:
    spec = spec_of(env, model)
    environment = env_of(env)
    board = build(env, model)
    planned = dashboard.rows(spec, environment, environment["spec"]["namespace"])
    flat = [p for row in planned for p in row.panels]
    built = panels(board)
    assert [p.title for p in flat] == [p["title"] for p in built]
    limits = 0
    for plan, item in zip(flat, built, strict=True):
        shared = [lim for lim in plan.limits if lim.series is None]
        assert steps(item) == [
            (None, plan.base),
            *((float(lim.expected(spec)), lim.color) for lim in shared),
        ], plan.title
        per_series = series_steps(item)
        assert set(per_series) == {lim.series for lim in plan.limits if lim.series}
        for legend, found in per_series.items():
            own = [lim for lim in plan.limits if lim.series == legend]
            assert found == [
                (None, plan.base),
                *((float(lim.expected(spec)), lim.color) for lim in own),
            ], (plan.title, legend)
        for lim in plan.limits:
            # the step is the spec's value exactly, not a float's neighbour
            assert lim.value == lim.expected(spec), (plan.title, lim)
            limits += 1
    assert limits >= 10


def test_the_fraud_detectors_thresholds_by_hand() -> None:
    """dev/fraud-detector: the numbers of its spec, computed here."""
    board = build("dev", "fraud-detector")
    assert steps(panel(board, "Availability")) == [(None, "red"), (99.9, "green")]
    assert steps(panel(board, "Latency p95")) == [(None, "green"), (0.08, "red")]
    assert steps(panel(board, "Server errors (5xx)")) == [(None, "green"), (0.1, "red")]
    latency = panel(board, "Latency percentiles (24 h)")
    assert steps(latency) == [(None, "green")]
    assert series_steps(latency) == {
        "p50": [(None, "green"), (0.025, "red")],
        "p95": [(None, "green"), (0.08, "red")],
        "p99": [(None, "green"), (0.15, "red")],
    }
    assert steps(panel(board, "CPU")) == [(None, "green"), (1, "yellow"), (2, "red")]
    assert steps(panel(board, "Memory")) == [
        (None, "green"),
        (1024**3, "yellow"),
        (2 * 1024**3, "red"),
    ]
    drift = [(None, "green"), (0.1, "yellow"), (0.2, "red")]
    assert steps(panel(board, "Data drift (psi)")) == drift
    assert steps(panel(board, "Data drift over time")) == drift
    assert steps(panel(board, "Online accuracy")) == [(None, "red"), (0.92, "green")]
    assert steps(panel(board, "Model latency p99")) == [(None, "green"), (0.15, "red")]
    assert steps(panel(board, "Traffic share by pod template")) == [
        (None, "green"),
        (25, "yellow"),
        (50, "yellow"),
        (100, "yellow"),
    ]
    assert steps(panel(board, "Error budget left (30d)")) == [
        (None, "red"),
        (0, "green"),
    ]
    # 2 % of a 30-day budget in 1 h, 5 % in 6 h, 10 % in 1 d and in 3 d
    assert series_steps(panel(board, BURN)) == {
        "over 1h": [(None, "green"), (14.4, "red")],
        "over 6h": [(None, "green"), (6, "red")],
        "over 1d": [(None, "green"), (3, "red")],
        "over 3d": [(None, "green"), (1, "red")],
    }


def test_the_burn_rate_factors_follow_the_slo_window() -> None:
    spec = copy.deepcopy(spec_of("dev", "fraud-detector"))
    spec["spec"]["slo"]["window"] = "28d"
    valid(spec)
    environment = env_of("dev")
    board = build("dev", "fraud-detector", spec)
    found = series_steps(panel(board, BURN))
    # 0.02 * 28 * 24, 0.05 * 28 * 4, 0.1 * 28, 0.1 * 28 / 3
    assert found["over 1h"] == [(None, "green"), (13.44, "red")]
    assert found["over 6h"] == [(None, "green"), (5.6, "red")]
    assert found["over 1d"] == [(None, "green"), (2.8, "red")]
    assert found["over 3d"][1][0] == pytest.approx(28 / 30)
    [slo] = [r for r in dashboard.rows(spec, environment, "n") if r.title == "SLO"]
    burn = [lim for p in slo.panels for lim in p.limits if lim.reads == "burn"]
    assert [lim.series for lim in burn] == [f"over {w.long}" for w in burnrate.WINDOWS]
    for lim, window in zip(burn, burnrate.WINDOWS, strict=True):
        assert lim.expected(spec) == window.rate("28d") == lim.value
        assert found[f"over {window.long}"][1][0] == float(window.rate("28d"))
    assert panel(board, "Error budget left (28d)")


def test_business_thresholds_and_colours() -> None:
    # higher is better: red under critical, yellow under warning, then green
    board = build("prod", "product-recommender")
    assert steps(panel(board, "usage")) == [
        (None, "red"),
        (500, "yellow"),
        (1000, "green"),
    ]
    assert steps(panel(board, "satisfaction over time")) == [
        (None, "red"),
        (4.0, "yellow"),
        (4.5, "green"),
    ]
    assert panel(board, "usage")["fieldConfig"]["defaults"]["unit"] == (
        "suffix: users/day"
    )
    assert panel(board, "Performance against satisfaction")
    # lower is better: green, yellow over warning, red over critical
    spec = copy.deepcopy(spec_of("prod", "product-recommender"))
    spec["spec"]["monitoring"]["business"].append(
        {
            "name": "cost",
            "metric": "model_business_cost_per_request",
            "unit": "currency",
            "better": "lower",
            "warning": 0.05,
            "critical": 0.125,
        }
    )
    board = build("prod", "product-recommender", valid(spec))
    for title in ("cost", "cost over time"):
        item = panel(board, title)
        assert steps(item) == [(None, "green"), (0.05, "yellow"), (0.125, "red")]
        assert item["fieldConfig"]["defaults"]["unit"] == "currencyEUR"
        [target] = item["targets"]
        assert target["expr"] == (
            "max by (namespace, model) (model_business_cost_per_request"
            '{namespace="models-prod", model="product-recommender"})'
        )


def test_limit_expected_reads_the_spec() -> None:
    spec = spec_of("dev", "fraud-detector")
    assert Limit("/spec/slo/latency/p95", "red", Decimal(0), Decimal("0.001")).expected(
        spec
    ) == Decimal("0.080")
    assert Limit("/spec/rollout/steps/1/weight", "yellow", Decimal(0)).expected(
        spec
    ) == Decimal(50)
    assert Limit("", "green", Decimal(0)).expected(spec) == 0
    assert Limit(
        "/spec/slo/window", "red", Decimal(0), series="over 6h", reads="burn"
    ).expected(spec) == Decimal(6)


def test_resource_limits_are_expected_in_cores_and_bytes() -> None:
    """CPU and memory steps are spec quantities ("500m", "1Gi") converted: what
    ``Limit.expected`` says they are (it raised InvalidOperation on "1Gi")."""
    spec = copy.deepcopy(spec_of("dev", "fraud-detector"))
    spec["spec"]["serving"]["resources"] = {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": 1.5, "memory": "1G"},
    }
    environment = env_of("dev")
    [health] = [
        r
        for r in dashboard.rows(valid(spec), environment, "n")
        if r.title == "System health"
    ]
    found = {
        p.title: [(lim.expected(spec), lim.value) for lim in p.limits]
        for p in health.panels
        if p.title in ("CPU", "Memory")
    }
    assert found == {
        "CPU": [(Decimal("0.5"), Decimal("0.5")), (Decimal("1.5"), Decimal("1.5"))],
        "Memory": [(512 * 2**20, 512 * 2**20), (10**9, 10**9)],
    }
    board = build("dev", "fraud-detector", spec)
    assert steps(panel(board, "CPU")) == [
        (None, "green"),
        (0.5, "yellow"),
        (1.5, "red"),
    ]
    assert steps(panel(board, "Memory"))[1:] == [(512 * 2**20, "yellow"), (1e9, "red")]


# ---------------------------------------------------------------- shape


@pytest.mark.parametrize(("env", "model"), SPECS)
def test_every_panel_has_a_unit_and_runs_on_the_data_source_variable(
    env: str, model: str
) -> None:
    board = build(env, model)
    [variable] = board["templating"]["list"]
    assert (variable["type"], variable["name"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for item in panels(board):
        assert item["fieldConfig"]["defaults"]["unit"], item["title"]
        assert item["datasource"] == DATASOURCE, item["title"]
        assert item["targets"], item["title"]
        refs = [t["refId"] for t in item["targets"]]
        assert len(refs) == len(set(refs))
        for target in item["targets"]:
            assert target["datasource"] == DATASOURCE, item["title"]
            assert target["expr"]
    assert [p["title"] for p in board["panels"] if p["type"] == "row"] == [
        "System health",
        "AI performance",
        "Business impact",
        "Rollout",
        "SLO",
    ]


def test_the_uid_is_the_environment_and_the_model() -> None:
    board = build("dev", "fraud-detector")
    assert (
        board["uid"] == "dev-fraud-detector" == dashboard.uid("dev", "fraud-detector")
    )
    assert board["title"] == "fraud-detector (dev)"
    assert build("dev", "fraud-detector")["uid"] == board["uid"]
    fits = "e" * 10 + "-" + "m" * 29  # exactly 40 characters
    assert dashboard.uid("e" * 10, "m" * 29) == fits


def test_a_long_name_gives_a_short_distinct_uid() -> None:
    env, shared = "production-eu-west-1", "recommendation-ranking-model-"
    first = dashboard.uid(env, shared + "alpha")
    second = dashboard.uid(env, shared + "beta")
    longest = dashboard.uid("e" * 45, "m" * 45)
    for uid in (first, second, longest):
        assert len(uid) <= 40
        assert re.fullmatch(r"[a-zA-Z0-9_-]+", uid)
    assert first != second
    assert first.startswith("production-eu-west-1-recom")
    assert first == dashboard.uid(env, shared + "alpha")  # stable
    assert dashboard.uid("e" * 10, "m" * 30) != dashboard.uid("e" * 11, "m" * 29)


def test_the_kserve_model_splits_its_rollout_by_version_only() -> None:
    kserve = build("dev", "churn-predictor")  # runtime: kserve
    rollout = row_of(kserve, "Rollout")
    assert rollout
    for item in rollout:
        for target in item["targets"]:
            if item["title"].startswith("Canary step"):
                continue
            assert re.search(r"by \(namespace, model, version(, le)?\)", target["expr"])
            assert dashboard.HASH not in target["expr"]
            assert target["legendFormat"] == "{{version}}"
    cpu = panel(kserve, "CPU")["targets"][0]["expr"]
    assert 'pod=~"churn-predictor-predictor-.+"' in cpu
    assert 'container="kserve-container"' in cpu
    container = build("dev", "fraud-detector")
    for item in row_of(container, "Rollout")[:3]:
        [target] = item["targets"]
        by = rf"by \(namespace, model, {dashboard.HASH}, version(, le)?\)"
        assert re.search(by, target["expr"]), target["expr"]
        assert target["legendFormat"] == "{{version}} ({{" + dashboard.HASH + "}})"
    cpu = panel(container, "CPU")["targets"][0]["expr"]
    assert 'pod=~"fraud-detector-[a-z0-9]{1,10}-[a-z0-9]{5}"' in cpu
    assert 'container="model-server"' in cpu


def test_the_canary_step_panel() -> None:
    rolling = build("dev", "product-recommender")  # strategy: rolling
    titles = [p["title"] for p in rolling["panels"]]
    assert "Canary step (from traffic)" not in titles
    assert steps(panel(rolling, "Traffic share by pod template")) == [(None, "green")]
    board = build("dev", "fraud-detector")  # steps 25, 50, 100
    step = panel(board, "Canary step (from traffic)")
    [target] = step["targets"]
    # the midpoints between consecutive weights
    assert re.findall(r">= bool ([0-9.]+)", target["expr"]) == ["12.5", "37.5", "75"]
    assert target["expr"].count('version="3.3.0"') == 3
    [mapping] = step["fieldConfig"]["defaults"]["mappings"]
    texts = {k: v["text"] for k, v in mapping["options"].items()}
    assert texts == {
        "0": "no traffic to 3.3.0",
        "1": "step 1 of 3: 25 %",
        "2": "step 2 of 3: 50 %",
        "3": "step 3 of 3: 100 %",
    }


def test_requests_per_day_stand_in_for_missing_business_metrics() -> None:
    without = build("dev", "fraud-detector")  # no monitoring.business
    [only] = row_of(without, "Business impact")
    assert only["title"] == "Requests per day"
    assert "[1d]" in only["targets"][0]["expr"]
    with_business = build("prod", "fraud-detector")
    assert "Requests per day" not in [
        p["title"] for p in row_of(with_business, "Business impact")
    ]


def test_the_links() -> None:
    board = build("dev", "fraud-detector")
    links = {link["title"]: link for link in board["links"]}
    assert list(links) == ["Runbook", "Alerts", "Spec in git"]
    assert links["Runbook"]["url"] == "https://runbooks.example.com/ml/fraud-detector"
    alerts = links["Alerts"]["url"]
    assert alerts == (
        "/alerting/list?search=label%3Anamespace%3Dmodels-dev"
        "%20label%3Amodel%3Dfraud-detector"
    )
    assert parse_qs(urlsplit(alerts).query) == {
        "search": ["label:namespace=models-dev label:model=fraud-detector"]
    }
    assert links["Spec in git"]["url"] == (
        "https://github.com/example-org/modelrail/blob/main/"
        "environments/dev/fraud-detector.yaml"
    )
    assert [link["keepTime"] for link in links.values()] == [False, True, False]
    assert all(link["targetBlank"] for link in links.values())
    # no monitoring.runbook: the rollback runbook
    spec = copy.deepcopy(spec_of("dev", "fraud-detector"))
    del spec["spec"]["monitoring"]["runbook"]
    board = build("dev", "fraud-detector", valid(spec))
    assert board["links"][0] == {
        **links["Runbook"],
        "url": "https://runbooks.example.com/ml/fraud-detector/rollback",
    }


def test_a_keyword_metric_name_is_selected_by_its_name_label() -> None:
    """PromQL lexes bool, on, ignoring, group_left/right, atan2, inf and nan
    (any case) as keywords or numbers: ``bool{...}`` does not parse (Prometheus
    2.42's promtool: "unexpected <bool> in aggregation"), yet the schemas admit
    them as metric names. The dashboard selects them by ``__name__``."""
    import promql_parser

    spec = copy.deepcopy(spec_of("prod", "product-recommender"))
    spec["spec"]["monitoring"]["business"][0]["metric"] = "bool"
    spec["spec"]["monitoring"]["business"][1]["metric"] = "NaN"
    environment = copy.deepcopy(env_of("prod"))
    environment["spec"]["monitoring"]["metrics"] = {
        "requests": "on",
        "drift": "Inf",
        "quality": "group_left",
    }
    board = dashboard.build(
        valid(spec), environment, "models-prod", "environments/prod/x.yaml"
    )
    exprs = [t["expr"] for item in panels(board) for t in item["targets"]]
    for expr in exprs:
        promql_parser.parse(
            expr.replace("$__rate_interval", "5m").replace("$__range", "1d")
        )
    usage = panel(board, "usage")["targets"][0]["expr"]
    assert usage == (
        'min by (namespace, model) ({__name__="bool", namespace="models-prod", '
        'model="product-recommender"})'
    )
    assert '{__name__="NaN", ' in panel(board, "satisfaction")["targets"][0]["expr"]
    assert (
        '{__name__="on", ' in panel(board, "Predictions per hour")["targets"][0]["expr"]
    )
    # other names stay the selector's name
    clean = panel(build("prod", "product-recommender"), "usage")["targets"][0]
    assert "(model_business_active_users{" in clean["expr"]
    spec["spec"]["monitoring"]["business"][0]["metric"] = "boolean"
    board = dashboard.build(spec, env_of("prod"), "models-prod", "x.yaml")
    assert "(boolean{" in panel(board, "usage")["targets"][0]["expr"]


# ---------------------------------------------------------------- determinism


def test_building_twice_gives_the_same_text() -> None:
    for env, model in SPECS:
        first = dashboard.text(build(env, model))
        assert dashboard.text(build(env, model)) == first
        assert first.endswith("}\n")


def test_the_file_holds_the_built_text(tmp_path: Path) -> None:
    """The ConfigMap's JSON is ``text(build(...))`` byte for byte, and a second
    render (another process) writes every dashboard file identically."""
    for env, model in SPECS:
        assert json_of(env, model) == dashboard.text(build(env, model)), (env, model)
    result = render_repo(bundled(), tmp_path / "again")
    assert result.returncode == 0, result.stderr
    again = read_tree(tmp_path / "again")
    first = read_tree(bundled() / "rendered")
    names = sorted(n for n in first if n.endswith("/dashboard.yaml"))
    assert len(names) == len(SPECS)
    for name in names:
        assert again[name] == first[name], name


def test_the_json_round_trips_through_the_sdk_model() -> None:
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models import prometheus
    from grafana_foundation_sdk.models.dashboard import Dashboard

    register_default_plugins()  # panel and query types: no UnknownDataquery
    for env, model in SPECS:
        data = json.loads(json_of(env, model))
        model_ = Dashboard.from_json(data)
        targets = [
            t for p in model_.panels or [] for t in getattr(p, "targets", None) or []
        ]
        assert targets
        assert all(isinstance(t, prometheus.Dataquery) for t in targets)
        back = json.loads(json.dumps(model_.to_json(), cls=JSONEncoder))
        assert back == data, (env, model)


@pytest.mark.parametrize(("env", "model"), SPECS)
def test_the_config_map(env: str, model: str) -> None:
    config = file_of(env, model)
    spec = spec_of(env, model)
    assert (config["apiVersion"], config["kind"]) == ("v1", "ConfigMap")
    meta = config["metadata"]
    assert meta["name"] == f"{model}-dashboard"
    assert meta["namespace"] == env_of(env)["spec"]["namespace"]
    assert meta["labels"]["grafana_dashboard"] == "1"
    assert meta["annotations"]["grafana_folder"] == spec["metadata"]["team"]
    assert meta["annotations"]["argocd.argoproj.io/sync-options"] == (
        "ServerSideApply=true"
    )
    assert list(config["data"]) == [f"{env}-{model}.json"]
    assert json.loads(config["data"][f"{env}-{model}.json"])["uid"] == f"{env}-{model}"
    text = (bundled() / "rendered" / env / model / "dashboard.yaml").read_text(
        encoding="utf-8"
    )
    # the JSON is a literal block: one JSON line a YAML line
    assert f"  {env}-{model}.json: |\n    {{\n" in text


@pytest.mark.parametrize(("env", "model"), SPECS)
def test_panels_tile_the_grid(env: str, model: str) -> None:
    """No panel reaches past Grafana's 24 columns, and none overlaps another."""
    taken: set[tuple[int, int]] = set()
    for item in build(env, model)["panels"]:
        grid = item["gridPos"]
        assert grid["x"] >= 0, item["title"]
        assert grid["x"] + grid["w"] <= 24, item["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, item["title"]
        taken |= cells
