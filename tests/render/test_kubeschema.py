"""kubeschema: rendered manifests against the real Kubernetes and CRD schemas (strict)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import time
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from modelrail.errors import ModelrailError
from modelrail.render.kubeschema import (
    Problem,
    SchemaError,
    SchemaStore,
    cache_clear,
    cache_info,
    is_core,
    kind_key,
    portable_pattern,
    strict_schema,
)
from testing.repo import ROOT

if TYPE_CHECKING:
    from pathlib import Path

CRDS = ROOT / "schemas" / "crds"


def manifest(text: str) -> dict[str, Any]:
    """A manifest as the renderer has it: YAML parsed to plain dicts."""
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def store() -> SchemaStore:
    return SchemaStore("1.30", CRDS)


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: fraud-detector
  namespace: models
  labels: {app.kubernetes.io/name: fraud-detector}
  annotations: {modelrail.io/source: environments/prod/fraud-detector.yaml}
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: fraud-detector}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  template:
    metadata:
      labels: {app.kubernetes.io/name: fraud-detector}
    spec:
      serviceAccountName: fraud-detector
      containers:
        - name: server
          image: registry.example.com/fraud-detector@sha256:0123abcd
          imagePullPolicy: IfNotPresent
          ports: [{name: http, containerPort: 8080}]
          env: [{name: MODEL_URI, value: "s3://models/fraud/7"}]
          resources:
            requests: {cpu: 500m, memory: 1Gi}
            limits: {memory: 2Gi}
          readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
"""

CORE_VALID = {
    "Deployment": DEPLOYMENT,
    "Service": """
apiVersion: v1
kind: Service
metadata: {name: fraud-detector, namespace: models}
spec:
  type: ClusterIP
  selector: {app.kubernetes.io/name: fraud-detector}
  ports: [{name: http, port: 80, targetPort: http, protocol: TCP}]
""",
    "ConfigMap": """
apiVersion: v1
kind: ConfigMap
metadata: {name: fraud-detector-config, namespace: models}
data: {THRESHOLD: "0.93", LOG_LEVEL: info}
""",
    "ServiceAccount": """
apiVersion: v1
kind: ServiceAccount
metadata:
  name: fraud-detector
  namespace: models
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::123456789012:role/fraud"}
automountServiceAccountToken: false
""",
    "HorizontalPodAutoscaler": """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: fraud-detector, namespace: models}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: fraud-detector}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 300}
""",
    "PodDisruptionBudget": """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: fraud-detector, namespace: models}
spec:
  minAvailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: fraud-detector}}
""",
    "NetworkPolicy": """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: fraud-detector, namespace: models}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: fraud-detector}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
      ports: [{protocol: TCP, port: 8080}]
""",
    "Ingress": """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: fraud-detector, namespace: models}
spec:
  ingressClassName: nginx
  tls: [{hosts: [fraud.example.com], secretName: fraud-tls}]
  rules:
    - host: fraud.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {service: {name: fraud-detector, port: {name: http}}}
""",
    "RoleBinding": """
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: fraud-detector, namespace: models}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: model-reader}
subjects: [{kind: ServiceAccount, name: fraud-detector, namespace: models}]
""",
}

ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: fraud-detector
  namespace: models
  labels: {app.kubernetes.io/name: fraud-detector}
spec:
  replicas: 3
  revisionHistoryLimit: 3
  selector:
    matchLabels: {app.kubernetes.io/name: fraud-detector}
  template:
    metadata:
      labels: {app.kubernetes.io/name: fraud-detector}
    spec:
      containers:
        - name: server
          image: registry.example.com/fraud-detector@sha256:0123abcd
          ports: [{name: http, containerPort: 8080}]
  strategy:
    canary:
      canaryService: fraud-detector-canary
      stableService: fraud-detector
      trafficRouting:
        nginx: {stableIngress: fraud-detector}
      steps:
        - setWeight: 10
        - pause: {duration: 2h}
        - setWeight: 50
        - pause: {}
"""

CUSTOM_VALID = {
    "AppProject": """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: models, namespace: argocd}
spec:
  description: Machine-learning models
  sourceRepos: [https://git.example.com/platform/gitops.git]
  destinations: [{server: https://kubernetes.default.svc, namespace: models}]
  clusterResourceWhitelist: []
  namespaceResourceWhitelist: [{group: argoproj.io, kind: Rollout}]
""",
    "ApplicationSet": """
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: models, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: [missingkey=error]
  generators:
    - git:
        repoURL: https://git.example.com/platform/gitops.git
        revision: main
        directories: [{path: "rendered/prod/*"}]
  template:
    metadata:
      name: "{{.path.basename}}"
      labels: {modelrail.io/environment: prod}
    spec:
      project: models
      source:
        repoURL: https://git.example.com/platform/gitops.git
        targetRevision: main
        path: "{{.path.path}}"
      destination: {server: https://kubernetes.default.svc, namespace: models}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=false]
""",
    "Application": """
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: fraud-detector
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: models
  source:
    repoURL: https://git.example.com/platform/gitops.git
    targetRevision: main
    path: rendered/prod/fraud-detector
  destination: {server: https://kubernetes.default.svc, namespace: models}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
""",
    "Rollout": ROLLOUT,
}

PROMETHEUS_RULE = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: fraud-detector, namespace: models}
spec:
  groups:
    - name: fraud-detector.slo
      interval: 30s
      partial_response_strategy: warn
      rules:
        - alert: FraudDetectorErrorBudgetBurn
          expr: sum(rate(http_requests_total{code=~"5.."}[5m])) > 0
          for: 5m
          labels: {severity: page}
          annotations: {summary: Error budget burning}
"""


# --- valid manifests pass --------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(CORE_VALID))
def test_valid_core_kinds_pass(store: SchemaStore, kind: str) -> None:
    assert store.problems(manifest(CORE_VALID[kind])) == []


@pytest.mark.parametrize("kind", sorted(CUSTOM_VALID))
def test_valid_custom_resources_pass(store: SchemaStore, kind: str) -> None:
    assert store.problems(manifest(CUSTOM_VALID[kind])) == []


def test_prometheus_rule_case_insensitive_pattern_works(store: SchemaStore) -> None:
    """The README's regex caveat: ``^(?i)(abort|warn)?$`` compiles and is enforced."""
    rule = manifest(PROMETHEUS_RULE)
    assert store.problems(rule) == []
    rule["spec"]["groups"][0]["partial_response_strategy"] = "WARN"
    assert store.problems(rule) == []
    rule["spec"]["groups"][0]["partial_response_strategy"] = "sometimes"
    [problem] = store.problems(rule)
    assert problem.pointer == "/spec/groups/0/partial_response_strategy"
    assert "sometimes" in problem.message


# --- invalid manifests fail, at the right place ----------------------------------


def test_core_typo_is_rejected_at_its_pointer(store: SchemaStore) -> None:
    deployment = manifest(DEPLOYMENT)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["imagePullPolicyy"] = container.pop("imagePullPolicy")
    [problem] = store.problems(deployment)
    assert problem.pointer == "/spec/template/spec/containers/0/imagePullPolicyy"
    assert problem.message.startswith(
        "unknown field 'imagePullPolicyy' (did you mean 'imagePullPolicy'?); allowed:"
    )


def test_core_wrong_type_is_rejected(store: SchemaStore) -> None:
    deployment = manifest(DEPLOYMENT)
    deployment["spec"]["replicas"] = "three"
    assert store.problems(deployment) == [
        Problem(
            "/spec/replicas", "wrong type: expected integer, got the string 'three'"
        )
    ]


def test_int_or_string_names_both_types(store: SchemaStore) -> None:
    deployment = manifest(DEPLOYMENT)
    deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = True
    assert store.problems(deployment) == [
        Problem(
            "/spec/strategy/rollingUpdate/maxSurge",
            "wrong type: expected string or integer, got the boolean true",
        )
    ]


def test_rollout_step_typo_is_rejected(store: SchemaStore) -> None:
    rollout = manifest(ROLLOUT.replace("- setWeight: 10", "- stepz: 10"))
    [problem] = store.problems(rollout)
    assert problem.pointer == "/spec/strategy/canary/steps/0/stepz"
    assert "unknown field 'stepz'" in problem.message
    assert "setWeight" in problem.message  # what is allowed there


def test_rollout_top_level_typo_is_rejected(store: SchemaStore) -> None:
    """The root is closed too: ``spec`` misspelt is not silently dropped."""
    rollout = manifest(ROLLOUT)
    rollout["spex"] = rollout.pop("spec")
    pointers = [problem.pointer for problem in store.problems(rollout)]
    assert "/spex" in pointers
    assert "" in pointers  # and "spec" is now missing


def test_custom_resource_metadata_is_checked_as_object_meta(store: SchemaStore) -> None:
    rollout = manifest(ROLLOUT)
    rollout["metadata"] = {"name": "x", "lables": {}}
    [problem] = store.problems(rollout)
    assert problem.pointer == "/metadata/lables"
    assert "did you mean 'labels'?" in problem.message
    rollout["metadata"] = {"name": "x", "labels": {"a": 1}}
    assert [p.pointer for p in store.problems(rollout)] == ["/metadata/labels/a"]


def test_problems_are_sorted_and_one_line(store: SchemaStore) -> None:
    deployment = manifest(DEPLOYMENT)
    deployment["spec"]["replicas"] = "three"
    deployment["metadata"]["lables"] = {}
    deployment["zzz"] = 1
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0][
        "containerPort"
    ] = "http" * 200
    problems = store.problems(deployment)
    assert [p.pointer for p in problems] == [
        "/metadata/lables",
        "/spec/replicas",
        "/spec/template/spec/containers/0/ports/0/containerPort",
        "/zzz",
    ]
    assert problems == sorted(problems, key=lambda p: (p.pointer, p.message))
    assert all("\n" not in p.message and len(p.message) <= 200 for p in problems)
    assert store.problems(deployment) == problems  # deterministic


def test_pointer_tokens_are_escaped(store: SchemaStore) -> None:
    config = manifest(CORE_VALID["ConfigMap"])
    config["data"] = {"a/b~c": 3}
    [problem] = store.problems(config)
    assert problem.pointer == "/data/a~1b~0c"


def test_custom_resource_without_schema_is_a_problem(tmp_path: Path) -> None:
    store = SchemaStore("1.30", tmp_path)  # a CRD folder without Istio's schemas
    service = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "x"},
        "spec": {"hosts": ["x"]},
    }
    [problem] = store.problems(service)
    assert problem.pointer == ""
    assert "networking.istio.io/virtualservice_v1.json" in problem.message
    assert "add the CRD schema" in problem.message


def test_unknown_core_kind_is_a_problem(store: SchemaStore) -> None:
    [problem] = store.problems({"apiVersion": "apps/v1", "kind": "Deploymnet"})
    assert problem.pointer == ""
    assert "'Deploymnet'" in problem.message
    assert "apps/v1" in problem.message


@pytest.mark.parametrize(
    ("document", "pointers"),
    [
        ({"kind": "ConfigMap"}, ["/apiVersion"]),
        ({"apiVersion": "v1", "kind": 3}, ["/kind"]),
        ({"apiVersion": "a/b/c", "kind": "X"}, ["/apiVersion"]),
        ({"apiVersion": "/v1", "kind": "X"}, ["/apiVersion"]),
        ({"apiVersion": "v1", "kind": ""}, ["/kind"]),
    ],
)
def test_identity_problems(
    store: SchemaStore, document: dict[str, Any], pointers: list[str]
) -> None:
    assert [p.pointer for p in store.problems(document)] == pointers


def test_values_that_are_not_json_are_problems(store: SchemaStore) -> None:
    config = manifest(
        """
apiVersion: v1
kind: ConfigMap
metadata: {name: release}
data:
  RELEASED: 2024-01-31
"""
    )
    [problem] = store.problems(config)  # YAML read an unquoted date as a date
    assert problem.pointer == "/data/RELEASED"
    assert "quote it" in problem.message


# --- versions and setup errors ----------------------------------------------------


def test_version_picks_the_strict_folder() -> None:
    store = SchemaStore("1.30", CRDS)
    assert store.schema_dir.name == "v1.30.0-local-strict"
    assert store.schema_version == (1, 30)


def test_schema_folder_is_kubernetes_validates() -> None:
    from importlib.resources import files

    expected = files("kubernetes_validate") / "kubernetes-json-schema"
    folder = SchemaStore("1.30", CRDS).schema_dir.parent
    assert folder.samefile(str(expected))


@pytest.mark.parametrize("version", ["1.12", "1.99", "one.thirty", "1"])
def test_unsupported_version_is_schema_error(version: str) -> None:
    with pytest.raises(SchemaError, match=r"supported.*\b1\.\d+ to 1\.\d+") as caught:
        SchemaStore(version, CRDS)
    assert isinstance(caught.value, ModelrailError)


def test_missing_crd_dir_is_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="does not exist"):
        SchemaStore("1.30", tmp_path / "nowhere")


def test_crd_file_that_is_not_json_is_schema_error(tmp_path: Path) -> None:
    broken = tmp_path / "argoproj.io" / "rollout_v1alpha1.json"
    broken.parent.mkdir()
    broken.write_text('{"type": "object",', encoding="utf-8")
    store = SchemaStore("1.30", tmp_path)
    with pytest.raises(SchemaError, match=re.escape(str(broken.resolve()))):
        store.problems(manifest(ROLLOUT))


def test_remote_refs_are_never_fetched(tmp_path: Path) -> None:
    schema = tmp_path / "example.com" / "widget_v1.json"
    schema.parent.mkdir()
    schema.write_text(
        json.dumps({"type": "object", "$ref": "https://example.com/widget.json"}),
        encoding="utf-8",
    )
    store = SchemaStore("1.30", tmp_path)
    widget = {"apiVersion": "example.com/v1", "kind": "Widget"}
    with pytest.raises(SchemaError, match=re.escape("widget_v1.json does not compile")):
        store.problems(widget)


# --- the strict transformation ----------------------------------------------------


def test_strict_schema_closes_objects_with_properties() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "steps": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"a": {}}},
                    },
                    "labels": {
                        "type": "object",
                        "additionalProperties": {"type": "object", "properties": {}},
                    },
                },
            },
            "name": {"type": "string"},
        },
    }
    original = copy.deepcopy(schema)
    strict = strict_schema(schema)
    spec = strict["properties"]["spec"]
    assert strict["additionalProperties"] is False
    assert spec["additionalProperties"] is False
    assert spec["properties"]["steps"]["items"]["additionalProperties"] is False
    assert spec["properties"]["labels"]["additionalProperties"] == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }
    assert "additionalProperties" not in strict["properties"]["name"]
    assert schema == original  # the input is left alone


def test_strict_schema_keeps_an_explicit_additional_properties() -> None:
    schema = {"properties": {"a": {}}, "additionalProperties": {"type": "string"}}
    assert strict_schema(schema) == schema


@pytest.mark.parametrize("keyword", ["allOf", "anyOf", "oneOf"])
def test_strict_schema_leaves_branches_open(keyword: str) -> None:
    branches = [{"properties": {"a": {}}}, {"properties": {"b": {"properties": {}}}}]
    schema = {"properties": {"a": {}, "b": {}}, keyword: branches}
    strict = strict_schema(schema)
    assert strict["additionalProperties"] is False
    assert strict[keyword] == branches


def test_strict_schema_leaves_not_open() -> None:
    schema = {
        "properties": {"a": {}},
        "not": {"properties": {"b": {}}, "required": ["b"]},
    }
    assert strict_schema(schema)["not"] == schema["not"]


def test_strict_schema_respects_preserve_unknown_fields() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {"known": {"type": "object", "properties": {"x": {}}}},
    }
    strict = strict_schema(schema)
    assert "additionalProperties" not in strict
    # Kubernetes prunes below such a node again, so its own properties are closed.
    assert strict["properties"]["known"]["additionalProperties"] is False


def test_portable_pattern_rewrites_leading_flags_only() -> None:
    assert portable_pattern("^(?i)(abort|warn)?$") == "(?i:^(abort|warn)?$)"
    assert portable_pattern("(?i)abc") == "(?i:abc)"
    for unchanged in ["^[a-z]+$", "^a(?i)b$", "^(?m)x$", ""]:
        assert portable_pattern(unchanged) == unchanged


@pytest.mark.parametrize(
    ("text", "matches"),
    [("warn", True), ("WARN", True), ("Abort", True), ("", True), ("warnx", False)],
)
def test_portable_pattern_keeps_the_meaning(text: str, matches: bool) -> None:
    assert bool(re.search(portable_pattern("^(?i)(abort|warn)?$"), text)) is matches


@pytest.mark.parametrize(
    ("text", "matches"),
    [("monday", True), ("MONday", True), ("Sunday:friday", True), ("xday", False)],
)
def test_portable_pattern_scopes_group_flags_to_their_group(
    text: str, matches: bool
) -> None:
    # AlertmanagerConfig's daysOfWeek: RE2 scopes (?i) to the rest of its group
    raw = "^((?i)sun|mon|tues|wednes|thurs|fri|satur)day(?:((:(sun|mon|fri)day)$)|$)"
    pattern = portable_pattern(raw)
    assert pattern.startswith("^((?i:sun|mon|tues|wednes|thurs|fri|satur))day")
    assert bool(re.search(pattern, text)) is matches
    assert portable_pattern(r"\((?i)a)") == r"\((?i)a)"  # an escaped paren
    assert portable_pattern("^([(](?i)a)$") == "^([(](?i)a)$"  # not at the start


def test_portable_pattern_keeps_top_level_alternation() -> None:
    pattern = portable_pattern("^(?i)a|b")  # RE2: (^a)|b, both case-insensitive
    assert re.search(pattern, "xB")
    assert not re.search(pattern, "xa")


# --- identity helpers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_version", "core"),
    [
        ("v1", True),
        ("apps/v1", True),
        ("policy/v1", True),
        ("autoscaling/v2", True),
        ("networking.k8s.io/v1", True),
        ("rbac.authorization.k8s.io/v1", True),
        ("argoproj.io/v1alpha1", False),
        ("monitoring.coreos.com/v1", False),
        ("cluster.x-k8s.io/v1beta1", False),
    ],
)
def test_is_core(api_version: str, core: bool) -> None:
    assert is_core(api_version) is core


def test_kind_key() -> None:
    assert kind_key(manifest(ROLLOUT)) == ("argoproj.io", "v1alpha1", "Rollout")
    assert kind_key({"apiVersion": "v1", "kind": "Service"}) == ("", "v1", "Service")
    assert kind_key({}) == ("", "", "")


# --- caching and speed ------------------------------------------------------------


def test_validators_are_shared_between_stores() -> None:
    cache_clear()
    first = SchemaStore("1.30", CRDS)
    assert first.problems(manifest(DEPLOYMENT)) == []
    assert first.problems(manifest(ROLLOUT)) == []
    after_first = cache_info()
    # Deployment, Rollout and ObjectMeta (for the Rollout's metadata); one
    # _definitions.json for both core kinds and ObjectMeta.
    assert (after_first.compiles, after_first.validators) == (3, 3)
    assert after_first.definitions == 1

    second = SchemaStore("1.30", CRDS.parent / "crds")
    assert second.problems(manifest(DEPLOYMENT)) == []
    assert second.problems(manifest(ROLLOUT)) == []
    after_second = cache_info()
    assert after_second.compiles == after_first.compiles  # nothing compiled again
    assert after_second.hits == after_first.hits + 3


def test_same_crd_file_is_shared_across_versions() -> None:
    cache_clear()
    SchemaStore("1.30", CRDS).problems(manifest(ROLLOUT))
    SchemaStore("1.31", CRDS).problems(manifest(ROLLOUT))
    info = cache_info()
    # The Rollout once, ObjectMeta once per Kubernetes version.
    assert (info.compiles, info.definitions) == (3, 2)


def test_ten_thousand_validations_are_quick(store: SchemaStore) -> None:
    config = manifest(CORE_VALID["ConfigMap"])
    assert store.problems(config) == []  # compiled outside the timing
    start = time.perf_counter()
    for _ in range(10_000):
        store.problems(config)
    assert time.perf_counter() - start < 5


def test_crd_directory_copy_is_a_separate_cache_entry(tmp_path: Path) -> None:
    """Keys are resolved paths: another folder with the same files compiles again."""
    shutil.copytree(CRDS / "argoproj.io", tmp_path / "argoproj.io")
    cache_clear()
    SchemaStore("1.30", CRDS).problems(manifest(ROLLOUT))
    SchemaStore("1.30", tmp_path).problems(manifest(ROLLOUT))
    assert cache_info().compiles == 3  # two Rollout files, one ObjectMeta
