"""Golden files: one environment and one spec in, the exact rendered bytes out.

Each folder of ``tests/render/cases/`` holds an ``environment.yaml``, one spec
``<model>.yaml`` (derived from a bundled one, schema-valid) and what rendering
them must give:

- ``expected/``: the files of ``rendered/`` (the model's folder, the
  environment's ``_argocd/`` and ``_bootstrap/<cluster>/``; ``README.md`` is left
  out, it is the same everywhere and checked on its own), compared byte for byte;
- or ``expected-error.txt``: ``exit <code>`` on the first line, then exactly
  what the command printed on stderr, for a case that must not render.

The test builds a repository in a temporary folder (the bundled schemas,
policies and render templates, and the case's files as
``environments/<env>/``), runs ``modelrail render`` in a subprocess and
compares. A case without either expectation fails: it never passes silently.

After a deliberate change to the templates or the renderer, regenerate the
expectations, then read the diff as an Argo CD / Argo Rollouts user would::

    MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py

Besides the bytes, each case asserts the few facts it exists for (a manual
pause is ``pause: {}``, the GPU is in requests and limits, ...), so
regenerating the files cannot quietly bless a regression of those.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.render.kubeschema import SchemaStore
from modelrail.render.renderer import MARKER_TEXT
from testing.render import ROOT, read_tree, render_repo
from testing.repo import copy_repo

if TYPE_CHECKING:
    from collections.abc import Callable

CASES = Path(__file__).parent / "cases"
UPDATE = os.environ.get("MODELRAIL_UPDATE_GOLDEN") == "1"
EXPECTED = "expected"
EXPECTED_ERROR = "expected-error.txt"
HOW_TO_UPDATE = "MODELRAIL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py"


def _cases() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _inputs(case: Path) -> tuple[Path, Path]:
    """The case's environment file and its one spec."""
    env_file = case / "environment.yaml"
    specs = [p for p in sorted(case.glob("*.yaml")) if p != env_file]
    assert env_file.is_file(), f"{case.name}: no environment.yaml"
    assert len(specs) == 1, f"{case.name}: one spec expected, found {specs}"
    return env_file, specs[0]


def _build(case: Path, target: Path) -> tuple[Path, str]:
    """A repository holding only this case's environment; (root, env name)."""
    env_file, spec = _inputs(case)
    env_name = yaml.safe_load(env_file.read_text(encoding="utf-8"))["metadata"]["name"]
    copy_repo(target, templates=True)
    shutil.rmtree(target / "environments")  # the case's environment alone
    folder = target / "environments" / env_name
    folder.mkdir(parents=True)
    shutil.copy2(env_file, folder / "environment.yaml")
    shutil.copy2(spec, folder / spec.name)
    return target, env_name


def _write_expectation(
    case: Path, code: int, stderr: str, tree: dict[str, bytes]
) -> None:
    shutil.rmtree(case / EXPECTED, ignore_errors=True)
    (case / EXPECTED_ERROR).unlink(missing_ok=True)
    if code != 0:
        (case / EXPECTED_ERROR).write_text(f"exit {code}\n{stderr}", encoding="utf-8")
        return
    for rel, body in tree.items():
        path = case / EXPECTED / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def _load(tree: dict[str, bytes], rel: str) -> Any:
    return yaml.safe_load(tree[rel].decode("utf-8"))


def _otel(env: list[dict[str, Any]]) -> dict[str, str]:
    """The serving container's OpenTelemetry variables (spec.monitoring.tracing)."""
    return {e["name"]: e["value"] for e in env if e["name"].startswith("OTEL_")}


# What each case exists to show, asserted on the rendered files (or the error).
def _predictive_none(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/fraud-detector"
    rollout = _load(tree, f"{folder}/rollout.yaml")
    canary = rollout["spec"]["strategy"]["canary"]
    assert "trafficRouting" not in canary  # replica-count canary
    assert canary["steps"][:2] == [{"setWeight": 25}, {"pause": {}}]
    assert {"pause": {"duration": "10m"}} in canary["steps"]
    # every analysis step runs the model's own template on the new pods
    analysis = [step["analysis"] for step in canary["steps"] if "analysis" in step]
    assert len(analysis) == 2
    for step in analysis:
        assert step == {
            "templates": [{"templateName": "fraud-detector"}],
            "args": [
                {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}
            ],
        }
    template = _load(tree, f"{folder}/analysistemplate.yaml")["spec"]
    assert template["args"] == [{"name": "canary-hash"}]
    assert [m["name"] for m in template["metrics"]] == ["success-rate", "latency-p95"]
    for metric in template["metrics"]:
        assert "{{args.canary-hash}}" in metric["provider"]["prometheus"]["query"]
        # no traffic is neither success nor failure: inconclusive
        for condition in ("successCondition", "failureCondition"):
            assert metric[condition].startswith("len(result) > 0 && ")
    assert not any(rel.startswith(f"{folder}/ingress") for rel in tree)
    assert "replicas" not in rollout["spec"]  # the HPA owns the count
    # no rollback.window: back to one of the last 3 stable revisions at once
    assert rollout["spec"]["rollbackWindow"] == {"revisions": 3}
    assert rollout["spec"]["revisionHistoryLimit"] == 3


def _recommendation_nginx(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/product-recommender"
    pdb = _load(tree, f"{folder}/pdb.yaml")["spec"]
    assert pdb["minAvailable"] == "50%"
    assert "maxUnavailable" not in pdb
    hpa = _load(tree, f"{folder}/hpa.yaml")["spec"]
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70},
            },
        }
    ]
    ingress = _load(tree, f"{folder}/ingress.yaml")["spec"]
    host = "product-recommender.models.prod.example.com"
    assert ingress["tls"] == [
        {"hosts": [host], "secretName": "product-recommender-tls"}
    ]
    assert ingress["ingressClassName"] == "nginx"
    canary = _load(tree, f"{folder}/rollout.yaml")["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"] == {
        "nginx": {"stableIngress": "product-recommender"}
    }
    # prod samples 5 % of the traces its callers do not decide for it
    container = _load(tree, f"{folder}/rollout.yaml")["spec"]["template"]["spec"][
        "containers"
    ][0]
    otel = _otel(container["env"])
    assert (otel["OTEL_TRACES_SAMPLER"], otel["OTEL_TRACES_SAMPLER_ARG"]) == (
        "parentbased_traceidratio",
        "0.05",
    )
    assert otel["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://otel-collector.observability.svc:4318"
    )
    # alert routing: a team in full (its model's escalation contact joins
    # its email), a team with email only (warnings go there), in prod's
    # namespace, synced by the environment's own Application
    growth = _load(tree, f"{env}/_alerting/growth-ml.yaml")
    assert growth["metadata"]["namespace"] == "models-prod"
    routes = {r["matchers"][0]["value"]: r for r in growth["spec"]["route"]["routes"]}
    assert routes["rollback"]["continue"] is True
    assert [r["receiver"] for r in routes["page"]["routes"]] == [
        "pager",
        "slack",
        "email",
    ]
    assert routes["ticket"]["receiver"] == "slack"
    (email,) = [r for r in growth["spec"]["receivers"] if r["name"] == "email"]
    assert email["emailConfigs"][0]["to"] == (
        "growth-ml-oncall@example.com, growth-ml-leads@example.com"
    )
    search = _load(tree, f"{env}/_alerting/search-ml.yaml")["spec"]
    assert [r["name"] for r in search["receivers"]] == ["email", "rollback"]
    application = _load(tree, f"{env}/_argocd/alerting.yaml")
    assert application["metadata"]["name"] == "prod--alerting"
    assert application["spec"]["source"]["path"] == "rendered/prod/_alerting"


def _chatbot_alb(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/support-assistant"
    rollout = _load(tree, f"{folder}/rollout.yaml")
    container = rollout["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container["resources"]["requests"]["nvidia.com/gpu"] == 1
    canary = rollout["spec"]["strategy"]["canary"]
    assert canary["trafficRouting"] == {
        "alb": {"ingress": "support-assistant", "servicePort": 8080}
    }
    ingress = _load(tree, f"{folder}/ingress.yaml")["spec"]
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "support-assistant", "port": {"name": "use-annotation"}}
    assert ingress["ingressClassName"] == "alb"


def _kserve(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/churn-predictor"
    files = {rel.rpartition("/")[2] for rel in tree if rel.startswith(f"{folder}/")}
    # an InferenceService instead of the Rollout, its Services, HPA and route
    assert "inferenceservice.yaml" in files
    assert not files & {
        "rollout.yaml",
        "service.yaml",
        "service-canary.yaml",
        "hpa.yaml",
        "analysistemplate.yaml",
        "virtualservice.yaml",
        "ingress.yaml",
    }
    service = _load(tree, f"{folder}/inferenceservice.yaml")
    annotations = service["metadata"]["annotations"]
    assert annotations["serving.kserve.io/deploymentMode"] == "Serverless"
    predictor = service["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 25  # currentStep 2: the 25 % step
    assert (predictor["minReplicas"], predictor["maxReplicas"]) == (2, 8)
    assert (predictor["scaleMetric"], predictor["scaleTarget"]) == ("rps", 250)
    model = predictor["model"]
    assert model["modelFormat"] == {"name": "xgboost"}
    assert (
        model["storageUri"] == "s3://ml-models-example/churn-predictor/1.5.0/model.bst"
    )
    assert model["ports"] == [
        {"name": "http1", "containerPort": 8080, "protocol": "TCP"}
    ]
    assert "port" not in model["readinessProbe"]["httpGet"]  # Knative's port
    otel = _otel(model["env"])  # tracing on the predictor's container too
    assert otel["OTEL_TRACES_SAMPLER_ARG"] == "0.2"
    assert otel["OTEL_SERVICE_NAME"] == "churn-predictor"
    assert "startupProbe" not in model
    policy = _load(tree, f"{folder}/networkpolicy.yaml")["spec"]["ingress"][0]
    assert [p["port"] for p in policy["ports"]] == [8012, 8013]  # queue-proxy
    namespaces = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for peer in policy["from"]
    ]
    assert "knative-serving" in namespaces
    project = _load(tree, f"{env}/_argocd/appproject.yaml")["spec"]
    assert {"group": "serving.kserve.io", "kind": "InferenceService"} in project[
        "namespaceResourceWhitelist"
    ]


def _istio(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/fraud-detector"
    route = _load(tree, f"{folder}/virtualservice.yaml")
    assert route["spec"]["gateways"] == ["istio-system/models-gateway"]
    assert route["spec"]["hosts"] == ["fraud-detector.models.test.example.com"]
    (primary,) = route["spec"]["http"]
    assert primary["name"] == "primary"
    weights = [(r["destination"]["host"], r["weight"]) for r in primary["route"]]
    assert weights == [("fraud-detector", 100), ("fraud-detector-canary", 0)]
    routing = _load(tree, f"{folder}/rollout.yaml")["spec"]["strategy"]["canary"]
    assert routing["trafficRouting"]["istio"]["virtualService"] == {
        "name": route["metadata"]["name"],
        "routes": ["primary"],
    }
    assert "ingress.yaml" not in {rel.rsplit("/", 1)[-1] for rel in tree}
    # rollback.window 5: the Rollout keeps the 5 old ReplicaSets it reaches
    spec = _load(tree, f"{folder}/rollout.yaml")["spec"]
    assert spec["rollbackWindow"] == {"revisions": 5}
    assert spec["revisionHistoryLimit"] == 5
    # this environment's collector speaks OTLP over gRPC
    container = _load(tree, f"{folder}/rollout.yaml")["spec"]["template"]["spec"][
        "containers"
    ][0]
    otel = _otel(container["env"])
    assert otel["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
    assert otel["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(":4317")


def _gateway_api(tree: dict[str, bytes], env: str) -> None:
    folder = f"{env}/product-recommender"
    route = _load(tree, f"{folder}/httproute.yaml")["spec"]
    assert route["parentRefs"] == [{"name": "models-gateway"}]
    assert route["hostnames"] == ["product-recommender.models.test.example.com"]
    (rule,) = route["rules"]
    weights = [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]]
    assert weights == [("product-recommender", 100), ("product-recommender-canary", 0)]
    routing = _load(tree, f"{folder}/rollout.yaml")["spec"]["strategy"]["canary"]
    plugin = routing["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"]
    assert plugin["httpRoute"] == "product-recommender"


TREE_FACTS: dict[str, Callable[[dict[str, bytes], str], None]] = {
    "predictive-none-manual-pause": _predictive_none,
    "recommendation-nginx-tls": _recommendation_nginx,
    "chatbot-gpu-alb": _chatbot_alb,
    "kserve-canary-step": _kserve,
    "istio-canary": _istio,
    "gateway-api-canary": _gateway_api,
}


def _no_prometheus(code: int, stderr: str) -> None:
    assert code == 2, stderr
    assert "fraud-detector.yaml:62:47:" in stderr  # the first analysis: true
    assert "spec.monitoring.prometheus" in stderr


ERROR_FACTS: dict[str, Callable[[int, str], None]] = {
    "analysis-without-prometheus": _no_prometheus,
}


def test_every_case_is_known() -> None:
    """A new case folder needs its facts too (and no case is forgotten)."""
    assert set(_cases()) == set(TREE_FACTS) | set(ERROR_FACTS)


@pytest.mark.parametrize("name", _cases())
def test_golden(name: str, tmp_path: Path) -> None:
    case = CASES / name
    root, env = _build(case, tmp_path / "repo")
    out = tmp_path / "out"
    result = render_repo(root, out)
    tree = read_tree(out)
    readme = tree.pop("README.md", None)
    if UPDATE:
        _write_expectation(case, result.returncode, result.stderr, tree)

    if name in ERROR_FACTS:
        ERROR_FACTS[name](result.returncode, result.stderr)
        assert tree == {}, "a render that fails must write nothing"
    else:
        assert result.returncode == 0, result.stderr
        assert readme == MARKER_TEXT.encode("utf-8")
        TREE_FACTS[name](tree, env)

    error_file = case / EXPECTED_ERROR
    if error_file.is_file():
        assert not (case / EXPECTED).exists(), f"{name}: two expectations"
        code, _, stderr = error_file.read_text(encoding="utf-8").partition("\n")
        assert (f"exit {result.returncode}", result.stderr) == (code, stderr)
        return
    if not (case / EXPECTED).is_dir():
        pytest.fail(
            f"{name}: no {EXPECTED}/ nor {EXPECTED_ERROR}; generate them with "
            f"{HOW_TO_UPDATE} and review them"
        )
    expected = read_tree(case / EXPECTED)
    assert result.returncode == 0, result.stderr
    assert sorted(tree) == sorted(expected), "the rendered files differ in name"
    for rel, body in expected.items():
        assert tree[rel] == body, (
            f"{rel} differs from {case.name}/{EXPECTED}/{rel}\n"
            f"--- rendered ---\n{tree[rel].decode('utf-8', 'replace')}\n"
            f"(if the change is intended: {HOW_TO_UPDATE})"
        )


# The routers' custom resources, as the golden cases render them.
ROUTED = {
    "istio-canary": ("test/fraud-detector/virtualservice.yaml", "http"),
    "gateway-api-canary": ("test/product-recommender/httproute.yaml", "rules"),
}


@pytest.mark.parametrize("name", sorted(ROUTED))
def test_a_typo_in_a_routed_resource_is_caught(name: str) -> None:
    """The routers' CRD schemas are strict too: a key the CRD does not know,
    at the top of the spec or inside a route, is a problem."""
    rel, routes = ROUTED[name]
    manifest = yaml.safe_load((CASES / name / EXPECTED / rel).read_bytes())
    store = SchemaStore("1.30", ROOT / "schemas" / "crds")
    assert store.problems(manifest) == []
    top = {**manifest, "spec": {**manifest["spec"], "stepz": 1}}
    assert [(p.pointer, "stepz" in p.message) for p in store.problems(top)] == [
        ("/spec/stepz", True)
    ]
    inner = yaml.safe_load((CASES / name / EXPECTED / rel).read_bytes())
    inner["spec"][routes][0]["stepz"] = 1
    assert [p.pointer for p in store.problems(inner)] == [f"/spec/{routes}/0/stepz"]


@pytest.mark.parametrize(
    ("name", "group", "schema"),
    [
        ("istio-canary", "networking.istio.io", "virtualservice_v1.json"),
        ("gateway-api-canary", "gateway.networking.k8s.io", "httproute_v1.json"),
    ],
)
def test_a_router_without_its_crd_schema_is_refused(
    name: str, group: str, schema: str, tmp_path: Path
) -> None:
    root, _ = _build(CASES / name, tmp_path / "repo")
    shutil.rmtree(root / "schemas" / "crds" / group)  # a folder without it
    out = tmp_path / "out"
    result = render_repo(root, out)
    assert result.returncode == 2, result.stderr
    assert f"add the CRD schema as {group}/{schema}" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_tree(out) == {}, "a render that fails must write nothing"
