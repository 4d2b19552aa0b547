"""``monitoring.business`` as alerts: the real promtool, exact thresholds,
and the trust boundary between a metric name (a value) and a query (code).

For every business metric of every bundled spec that has some, synthetic
series are fed to ``promtool test rules``: past the critical threshold both
the warning and the critical alert fire (after the metric's ``window``, not
before), between the two only the warning, at the warning threshold itself
and on the good side nothing. A ``canary: true`` metric also gets a canary
(the spec's version) doing worse than a stable version by more than the
distance between the thresholds (the canary alert), and by less (silent).
As in test_promtool_units, the rules are tested without their annotations
(templates promtool compares verbatim).
"""

from __future__ import annotations

import copy
import subprocess
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.render.alerts import BUSINESS, BUSINESS_CANARY_ALERT, business_alerts
from modelrail.repository.loader import load_file, load_text
from modelrail.repository.schema import SchemaSet
from modelrail.units import seconds
from testing.render import make_repo, read_tree, render_repo
from testing.repo import FIXTURE, ROOT, bundled
from testing.tools import require_tool

if TYPE_CHECKING:
    from pathlib import Path

RULES = sorted((bundled() / "rendered").glob("*/*/prometheusrule.yaml"))
WARNING = "ModelBusinessMetricWarning"
CRITICAL = "ModelBusinessMetricCritical"


def _spec_of(rule: Path) -> dict[str, Any]:
    env, model = rule.parent.parent.name, rule.parent.name
    return load_file(FIXTURE / "environments" / env / f"{model}.yaml").data


def _cases() -> list[tuple[Path, int]]:
    return [
        (rule, index)
        for rule in RULES
        for index, _ in enumerate(
            _spec_of(rule)["spec"]["monitoring"].get("business", [])
        )
    ]


CASES = _cases()


def _rules(rule: Path, folder: Path) -> Path:
    spec = yaml.safe_load(rule.read_text(encoding="utf-8"))["spec"]
    for group in spec["groups"]:
        for item in group["rules"]:
            item.pop("annotations", None)
    out = folder / "rules.yaml"
    out.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return out


def _labels(rule: Path, alert: str, name: str) -> dict[str, str]:
    """The labels an alert of business metric ``name`` carries."""
    data = yaml.safe_load(rule.read_text(encoding="utf-8"))
    for group in data["spec"]["groups"]:
        for item in group["rules"]:
            if item.get("alert") == alert and item["labels"][BUSINESS] == name:
                return dict(item["labels"])
    raise AssertionError(f"{rule}: no {alert} for {name}")


def _gauge(
    metric: str, namespace: str, model: str, version: str, value: Decimal, n: int
) -> dict[str, str]:
    return {
        "series": f'{metric}{{namespace="{namespace}", model="{model}", '
        f'version="{version}"}}',
        "values": f"{value}x{n}",
    }


def _promtool(
    folder: Path, tests: list[Any], every: str
) -> subprocess.CompletedProcess[str]:
    rules = folder / "rules.yaml"
    path = folder / "business.test.yaml"
    path.write_text(
        yaml.safe_dump(
            {"rule_files": [rules.name], "evaluation_interval": every,
             "tests": tests},
            sort_keys=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    result = subprocess.run(
        [require_tool("promtool"), "test", "rules", path.name],
        cwd=folder, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    return result


def _sides(
    item: dict[str, Any],
) -> tuple[Decimal, tuple[Decimal, Decimal], Decimal, Decimal]:
    """Values just past critical, just past warning and just short of
    critical, at warning, and healthy: a threshold moved by a tenth of the
    way between the two changes what fires."""
    warning, critical = Decimal(str(item["warning"])), Decimal(str(item["critical"]))
    step = abs(warning - critical) / 10
    worse = -1 if item["better"] == "higher" else 1
    return (
        critical + worse * step,
        (warning + worse * step, critical - worse * step),
        warning,
        warning - worse * step * 5,
    )


@pytest.mark.tool
@pytest.mark.slow
@pytest.mark.parametrize(
    ("rule", "index"),
    CASES,
    ids=[f"{r.parent.parent.name}/{r.parent.name}/{i}" for r, i in CASES],
)
def test_business_alerts_fire_at_the_specs_thresholds(
    rule: Path, index: int, tmp_path: Path
) -> None:
    _rules(rule, tmp_path)
    result = _promtool(tmp_path, *_tests(rule, index))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.mark.tool
@pytest.mark.parametrize("mutation", [(" < 4.5", " < 4.4"), (" < 4.5", " <= 4.5"),
                                      (" - 0.5)", " - 0.25)")])  # fmt: skip
def test_a_broken_business_threshold_fails_the_unit_tests(
    mutation: tuple[str, str], tmp_path: Path
) -> None:
    # the test above can fail: one threshold of the satisfaction alerts moved
    rule, index = next((r, i) for r, i in CASES if i == 1)
    path = _rules(rule, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert mutation[0] in text, mutation
    path.write_text(text.replace(*mutation), encoding="utf-8")
    result = _promtool(tmp_path, *_tests(rule, index))
    assert result.returncode != 0, result.stdout


def _tests(rule: Path, index: int) -> tuple[list[Any], str]:
    """promtool tests of business metric ``index`` of a rendered rule, and
    their evaluation interval."""
    spec = _spec_of(rule)
    item = spec["spec"]["monitoring"]["business"][index]
    name = item["name"]
    namespace = yaml.safe_load(rule.read_text(encoding="utf-8"))["metadata"][
        "namespace"
    ]
    model, version = spec["metadata"]["name"], str(spec["spec"]["model"]["version"])
    window = seconds(item.get("window", "1h")) // 60
    past, between, at, healthy = _sides(item)
    if "metric" in item:
        extra = {"namespace": namespace}  # min/max by (namespace, model)
        start, every = 0, "1m"

        def series(value: Decimal, minutes: int) -> list[dict[str, str]]:
            return [_gauge(item["metric"], namespace, model, version, value, minutes)]

    else:
        # the bundled queries: requests a day from the request counter
        assert "model_requests_total" in item["query"], item["query"]
        assert "[1d]" in item["query"], item["query"]
        extra = {}  # sum(): no labels but the rule's
        start, every = 24 * 60, "5m"

        def series(value: Decimal, minutes: int) -> list[dict[str, str]]:
            per_minute = value / 1440
            return [{
                "series": f'model_requests_total{{namespace="{namespace}", '
                f'model="{model}", version="{version}", code="200"}}',
                "values": f"0+{per_minute}x{minutes}",
            }]  # fmt: skip

    def expected(alert: str) -> list[dict[str, Any]]:
        return [{"exp_labels": {**_labels(rule, alert, name), **extra}}]

    total = start + window + 30
    before, after = f"{start + window - 10}m", f"{start + window + 10}m"
    tests = [
        {"name": f"{name} past critical: both, after the window",
         "interval": "1m", "input_series": series(past, total),
         "alert_rule_test": [
             *([{"eval_time": before, "alertname": CRITICAL, "exp_alerts": []}]
              if "metric" in item else []),  # increase() is low before a day
             {"eval_time": after, "alertname": CRITICAL,
              "exp_alerts": expected(CRITICAL)},
             {"eval_time": after, "alertname": WARNING,
              "exp_alerts": expected(WARNING)},
         ]},
    ]  # fmt: skip
    tests.extend(
        {"name": f"{name} at {value}, between the thresholds: the warning only",
         "interval": "1m", "input_series": series(value, total),
         "alert_rule_test": [
             {"eval_time": after, "alertname": WARNING,
              "exp_alerts": expected(WARNING)},
             {"eval_time": after, "alertname": CRITICAL, "exp_alerts": []},
         ]}
        for value in between
    )  # fmt: skip
    for label, value in (("at the warning threshold", at), ("healthy", healthy)):
        if "query" in item and label.startswith("at"):
            continue  # increase() extrapolates: no exact value to sit on
        tests.append({
            "name": f"{name} {label}: silent", "interval": "1m",
            "input_series": series(value, total),
            "alert_rule_test": [
                {"eval_time": after, "alertname": alert, "exp_alerts": []}
                for alert in (WARNING, CRITICAL, BUSINESS_CANARY_ALERT)
            ],
        })  # fmt: skip
    if item.get("canary", False):
        gap = abs(Decimal(str(item["warning"])) - Decimal(str(item["critical"])))
        worse = -1 if item["better"] == "higher" else 1
        stable = healthy - worse * gap  # far on the good side
        for label, canary, fires in (
            ("worse by a bit more than the gap: the canary alert", stable + worse * gap * Decimal('1.1'), True),
            ("worse by a bit less than the gap: silent", stable + worse * gap * Decimal('0.9'), False),
        ):  # fmt: skip
            tests.append({
                "name": f"{name} canary {label}", "interval": "1m",
                "input_series": [
                    _gauge(item["metric"], namespace, model, version, canary, total),
                    _gauge(item["metric"], namespace, model, "0.0.1", stable, total),
                ],
                "alert_rule_test": [{
                    "eval_time": after, "alertname": BUSINESS_CANARY_ALERT,
                    "exp_alerts": expected(BUSINESS_CANARY_ALERT) if fires else [],
                }],
            })  # fmt: skip
        tests.append({
            "name": f"{name} one version serving: no comparison", "interval": "1m",
            "input_series": series(past, total),
            "alert_rule_test": [{"eval_time": after,
                                 "alertname": BUSINESS_CANARY_ALERT,
                                 "exp_alerts": []}],
        })  # fmt: skip
    return tests, every


def test_every_bundled_business_metric_is_tested() -> None:
    # the staging and prod specs of the four models: usage everywhere,
    # satisfaction (a canary comparison) for the recommender and the chatbot
    assert len(CASES) == 12
    assert sum(1 for r, i in CASES if _spec_of(r)["spec"]["monitoring"]["business"]
               [i].get("canary")) == 4  # fmt: skip


def _spec(**business: Any) -> dict[str, Any]:
    base = load_file(FIXTURE / "environments" / "prod" / "support-assistant.yaml")
    data = copy.deepcopy(base.data)
    item = {"name": "satisfaction", "unit": "score", "better": "higher",
            "warning": 4.5, "critical": 4.0, **business}  # fmt: skip
    data["spec"]["monitoring"]["business"] = [item]
    return data


def _schema_problems(data: dict[str, Any]) -> list[str]:
    doc = load_text(yaml.safe_dump(data, sort_keys=False), "spec.yaml")
    return [
        str(p) for p in SchemaSet(ROOT / "schemas").validate("ModelDeployment", doc)
    ]


@pytest.mark.parametrize(
    "metric",
    [
        'up{job="x"} or vector(1)',
        "model_business_score\nrecord: x",
        "model business score",
        'model_business_score"}',
        "1model",
        "",
    ],
)
def test_a_metric_is_a_name_not_promql(metric: str) -> None:
    assert _schema_problems(_spec(metric=metric)), metric


@pytest.mark.parametrize(
    ("business", "why"),
    [
        ({"metric": "m", "query": "m"}, "both"),
        ({}, "neither"),
        ({"query": "sum(m)\n- alert: Injected"}, "two lines"),
        ({"query": "m", "canary": True}, "a canary comparison needs a metric"),
        ({"metric": "m", "better": "up"}, "better is higher or lower"),
        ({"metric": "m", "unit": "bananas"}, "a unit of the list"),
    ],
)
def test_the_schema_refuses(business: dict[str, Any], why: str) -> None:
    assert _schema_problems(_spec(**business)), why


def test_warning_and_critical_are_exact() -> None:
    data = _spec(metric="m", warning=0.1 + 0.2, critical=0.0001)
    exprs = [a["expr"] for a in business_alerts(data, 'model="x"')]
    assert exprs == [
        'min by (namespace, model) (m{model="x"}) < 0.30000000000000004',
        'min by (namespace, model) (m{model="x"}) < 0.0001',
    ]
    lower = _spec(metric="m", better="lower", warning=0.05, critical=0.1)
    assert [a["expr"] for a in business_alerts(lower, 'model="x"')] == [
        'max by (namespace, model) (m{model="x"}) > 0.05',
        'max by (namespace, model) (m{model="x"}) > 0.1',
    ]


# a query is code: it goes into the rule as written, whatever YAML or
# template characters it holds, and the rendered file reads back exactly
HOSTILE_QUERY = (
    "sum(rate(model_requests_total{namespace=\"models-prod\", note='it\\'s: #1 "
    '{{ 7*7 }} --- "q" ) ]\', code!~"5.."}[5m])) * 86400'
)


def test_a_query_lands_in_the_rule_exactly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / "environments" / "prod" / "fraud-detector.yaml"
    data = load_file(path).data
    data["spec"]["monitoring"]["business"][0]["query"] = HOSTILE_QUERY
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, width=10**6), encoding="utf-8"
    )
    result = render_repo(repo, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    raw = read_tree(tmp_path / "out")["prod/fraud-detector/prometheusrule.yaml"]
    docs = list(yaml.safe_load_all(raw))
    assert len(docs) == 1
    exprs = [r["expr"] for g in docs[0]["spec"]["groups"] for r in g["rules"]
             if r.get("labels", {}).get(BUSINESS) == "usage"]  # fmt: skip
    assert exprs == [f"({HOSTILE_QUERY}) < 1000", f"({HOSTILE_QUERY}) < 500"]
    promtool = require_tool("promtool")
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(docs[0]["spec"]), encoding="utf-8")
    checked = subprocess.run(
        [promtool, "check", "rules", str(rules)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
