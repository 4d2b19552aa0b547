"""``serving.runtime: kserve``: the predictor of a KServe InferenceService.

KServe (in its Serverless mode, on Knative) runs the model server, scales it
and splits traffic between the last ready revision and the new one by
``canaryTrafficPercent``. Nothing walks the canary steps for it: in GitOps
each step is a pull request that moves ``rollout.currentStep`` on by one
(MR-ROLL-011), and the rendered ``canaryTrafficPercent`` is that step's
weight. Without ``currentStep`` the version is fully rolled out (no
``canaryTrafficPercent``: all traffic on the latest revision); ``0`` sends all
of it back to the previous revision.

The same model container as for the Rollout (image, model values as
environment, resources, security contexts), with the artifact handed to
KServe's storage initializer as ``storageUri``. Liveness and readiness probes
go to the serving port, which Knative names itself; a startup probe is not
rendered: Knative's queue-proxy holds traffic until the server is ready, and
Knative admits no startup probe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelrail.render.facts import SpecError, go_duration

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.repository.loader import Document

# spec.model.format -> the modelFormat name KServe's serving runtimes declare
MODEL_FORMATS = {
    "onnx": "onnx",
    "torchscript": "pytorch",
    "savedmodel": "tensorflow",
    "tensorrt": "tensorrt",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "sklearn": "sklearn",
    "pmml": "pmml",
    "mlflow": "mlflow",
    "huggingface": "huggingface",
    "triton": "triton",
}
# what KServe's storage initializer can fetch
STORAGE_SCHEMES = ("s3://", "gs://", "https://", "pvc://", "hf://", "oci://")
# KServe scales on one metric: (spec key, scaleMetric), in order of preference
SCALE_METRICS = (
    ("targetConcurrency", "concurrency"),
    ("targetRequestsPerSecond", "rps"),
    ("targetCPUUtilization", "cpu"),
)
KNATIVE_NAMESPACE = "knative-serving"  # the activator proxies cold requests
DEPLOYMENT_MODE = "Serverless"  # canaryTrafficPercent needs Knative revisions
QUEUE_PROXY_PORTS = (8012, 8013)  # Knative's queue-proxy: HTTP/1 and h2c


def canary_percent(doc: Document, *, strict: bool = True) -> int | None:
    """The InferenceService's ``canaryTrafficPercent``: the current step's weight.
    A step past the plan is a :class:`SpecError` (``strict``) or None: ``check``
    reports it as MR-ROLL-011."""
    rollout = doc.data["spec"]["rollout"]
    if "currentStep" not in rollout:
        return None
    step = rollout["currentStep"]
    steps = rollout.get("steps", []) if rollout["strategy"] == "canary" else []
    if step == 0:
        return 0
    if step > len(steps):
        if not strict:
            return None
        raise SpecError(
            f"rollout.currentStep is {step}, and the canary plan has "
            f"{len(steps)} step{'s' * (len(steps) != 1)}: use 0 to "
            f"{len(steps)}, or remove it once the version is fully rolled out",
            doc.locate("/spec/rollout/currentStep"),
        )
    weight: int = steps[step - 1]["weight"]
    return weight


def predictor(
    doc: Document, values: Mapping[str, Any], *, strict: bool = True
) -> dict[str, Any]:
    """The ``spec.predictor`` of the model's InferenceService."""
    spec = doc.data["spec"]
    model = spec["model"]
    if model["format"] not in MODEL_FORMATS:
        raise SpecError(
            f"model.format {model['format']!r} has no KServe serving runtime: "
            "use serving.runtime: container for a custom server",
            doc.locate("/spec/model/format"),
        )
    if not model["artifact"].startswith(STORAGE_SCHEMES):
        raise SpecError(
            f"KServe's storage initializer cannot fetch {model['artifact']!r}: "
            f"give the artifact as {', '.join(STORAGE_SCHEMES)} (for a registry "
            "entry, the storage location it points to)",
            doc.locate("/spec/model/artifact"),
        )
    container = values["container"]
    body: dict[str, Any] = {
        "modelFormat": {"name": MODEL_FORMATS[model["format"]]},
        "storageUri": model["artifact"],
        "image": container["image"],
    }
    if container["grpc"]:
        body["protocolVersion"] = "grpc-v2"
    if container["args"]:
        body["args"] = container["args"]
    body.update(
        env=container["env"],
        resources=container["resources"],
        securityContext=container["security"],
    )
    for kind in ("liveness", "readiness"):
        if kind in container["probes"]:
            body[f"{kind}Probe"] = _knative_probe(container["probes"][kind])
    if container["mounts"]:
        body["volumeMounts"] = container["mounts"]
    out: dict[str, Any] = {
        "serviceAccountName": values["names"]["account"],
        "automountServiceAccountToken": False,
        # the pods carry the model's selector labels, so the PodDisruptionBudget,
        # the NetworkPolicy and the metrics Service find them as they find a
        # Rollout's
        "labels": dict(values["labels"]),
    }
    annotations = _annotations(doc)
    if annotations:
        out["annotations"] = annotations
    out.update(_scaling(doc))
    percent = canary_percent(doc, strict=strict)
    if percent is not None:
        out["canaryTrafficPercent"] = percent
    out["securityContext"] = values["pod_security"]
    if values["volumes"]:
        out["volumes"] = values["volumes"]
    out["model"] = body
    return out


def _knative_probe(probe: Mapping[str, Any]) -> dict[str, Any]:
    """A probe as Knative admits it: on the serving port. An HTTP probe leaves
    the port out (Knative fills it in); a gRPC one names the port number."""
    out = dict(probe)
    if "httpGet" in out:
        out["httpGet"] = {k: v for k, v in out["httpGet"].items() if k != "port"}
    return out


def _scaling(doc: Document) -> dict[str, Any]:
    autoscaling = doc.data["spec"]["serving"]["autoscaling"]
    out: dict[str, Any] = {
        "minReplicas": autoscaling["minReplicas"],
        "maxReplicas": autoscaling["maxReplicas"],
    }
    given = [(key, metric) for key, metric in SCALE_METRICS if key in autoscaling]
    if len(given) > 1:
        raise SpecError(
            "KServe scales on one metric, and the spec sets "
            f"{' and '.join(key for key, _ in given)}: keep one",
            doc.locate(f"/spec/serving/autoscaling/{given[1][0]}"),
        )
    if given:
        key, metric = given[0]
        out["scaleMetric"] = metric
        out["scaleTarget"] = autoscaling[key]
    return out


def _annotations(doc: Document) -> dict[str, str]:
    autoscaling = doc.data["spec"]["serving"]["autoscaling"]
    out = {}
    if "scaleDownStabilization" in autoscaling:
        # at most 1h, as for the HorizontalPodAutoscaler (model_facts checks)
        delay = go_duration(autoscaling["scaleDownStabilization"])
        out["autoscaling.knative.dev/scale-down-delay"] = delay
    return out


def network_peers() -> list[dict[str, Any]]:
    """Who besides the spec's own peers must reach a KServe pod: the Knative
    activator, which holds and proxies requests while the model scales up."""
    return [
        {
            "namespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": KNATIVE_NAMESPACE}
            }
        }
    ]


def values(
    doc: Document, facts: Mapping[str, Any], *, strict: bool = True
) -> dict[str, Any]:
    """What a KServe model's templates need besides ``facts``: the predictor,
    Knative's port name, and the NetworkPolicy opened to Knative."""
    grpc = facts["container"]["grpc"]
    port_name = "h2c" if grpc else "http1"  # the names Knative accepts
    pred = predictor(doc, facts, strict=strict)
    pred["model"]["ports"] = [
        {
            "name": port_name,
            "containerPort": facts["container"]["port"],
            "protocol": "TCP",
        }
    ]
    out: dict[str, Any] = {
        "predictor": pred,
        "port_name": port_name,
        "deployment_mode": DEPLOYMENT_MODE,
    }
    network = facts["network"]
    if network is not None:
        # requests reach the pod through its queue-proxy (Knative's sidecar),
        # from the Knative activator or the ingress gateway the spec admits
        out["network"] = {
            **network,
            "peers": [*network["peers"], *network_peers()],
            "ports": list(QUEUE_PROXY_PORTS),
        }
    return out
