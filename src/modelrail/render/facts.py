"""What a model's manifests say, worked out from its spec and its environment.

Templates give the shape of each resource; this module gives the values that
need logic: names, labels, the canary steps, probes, resources, autoscaling
metrics, network peers. Everything here is plain data (dicts, lists, strings,
numbers) that templates pass through the ``yaml`` filters.

Specs reach this module schema-valid, so required fields are indexed directly.
A value the schema admits but Kubernetes would refuse is a :class:`SpecError`
with its location (exit 2), never a manifest the API server rejects later.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from modelrail import units
from modelrail.errors import ModelrailError
from modelrail.findings import pointer, pointer_token
from modelrail.render import tracing

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.repository.loader import Document

CONTAINER = "model-server"
MANAGED_BY = "modelrail"
_LABEL_VALUE_BAD = re.compile(r"[^A-Za-z0-9._-]")
# Custom per-pod metrics the autoscaler reads through the custom metrics API
# (a Prometheus adapter rule derives them from the model server's request
# counter and in-flight gauge).
REQUESTS_PER_SECOND = "modelrail_requests_per_second"
IN_FLIGHT = "modelrail_requests_in_flight"
# Labels and annotations modelrail sets itself: a spec may not set them.
RESERVED_PREFIXES = ("app.kubernetes.io/", "modelrail.io/")


# The AnalysisTemplate argument a canary step fills with the new pods' hash.
CANARY_HASH = "canary-hash"
# Argo Rollouts' rollbackWindow when the spec sets none (rollback.window), and
# the old ReplicaSets a Rollout keeps at least (revisionHistoryLimit).
ROLLBACK_WINDOW = 3
HISTORY_LIMIT = 3


class SpecError(ModelrailError):
    """A schema-valid spec that cannot be rendered as it stands (exit 2)."""


def label_value(text: str) -> str:
    """``text`` as a valid label value: ``1.0.0+build.5`` -> ``1.0.0_build.5``."""
    value = _LABEL_VALUE_BAD.sub("_", text)[:63]
    return value.strip("._-")


def go_duration(duration: str) -> str:
    """A spec duration as Go's ``time.ParseDuration`` reads it (no ``d``/``w``)."""
    total = units.seconds(duration)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(
        f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n
    )
    return text or "0s"


# Characters kustomize (and so Argo CD) refuses or silently changes in a
# value: C0 controls but tab, LF and CR; DEL; C1 controls (NEL becomes a
# space); the line and paragraph separators; the non-characters U+FFFE/FFFF.
_UNPORTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]"
)


def check_portable(doc: Document) -> None:
    """Refuse a spec value that the tools downstream cannot carry intact."""
    # First every value at once (a line break is portable): the usual clean
    # spec is told without building a pointer for each value.
    values: list[str] = []
    nodes: list[Any] = [doc.data]
    while nodes:
        node = nodes.pop()
        if isinstance(node, str):
            values.append(node)
        elif isinstance(node, dict):
            nodes.extend(node.values())
        elif isinstance(node, list):
            nodes.extend(node)
    if _UNPORTABLE.search("\n".join(values)) is None:
        return
    stack: list[tuple[str, Any]] = [("", doc.data)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(
                (f"{pointer}/{pointer_token(k)}", v) for k, v in reversed(node.items())
            )
        elif isinstance(node, list):
            stack.extend(
                (f"{pointer}/{i}", v) for i, v in reversed(list(enumerate(node)))
            )
        elif isinstance(node, str) and (bad := _UNPORTABLE.search(node)):
            raise SpecError(
                f"the value holds the control character U+{ord(bad.group()):04X}, "
                "which kustomize and Argo CD refuse or change",
                doc.locate(pointer),
            )


def model_facts(doc: Document, env: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The values the templates of one model need.

    ``doc`` is the spec, ``env`` the environment file's data, ``source`` the
    spec's path relative to the repository (named in an annotation).
    """
    check_portable(doc)
    data = doc.data
    spec = data["spec"]
    name: str = data["metadata"]["name"]
    env_name: str = env["metadata"]["name"]
    serving = spec["serving"]
    selector = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{env_name}-{name}",
    }
    labels = {
        **selector,
        "app.kubernetes.io/version": label_value(spec["model"]["version"]),
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": data["metadata"]["team"],
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "modelrail.io/model": name,
        "modelrail.io/model-version": label_value(spec["model"]["version"]),
        "modelrail.io/team": data["metadata"]["team"],
        "modelrail.io/environment": env_name,
        "modelrail.io/type": spec["type"],
    }
    labels.update(_user_labels(doc))
    if len(selector["app.kubernetes.io/instance"]) > 63:
        raise SpecError(
            f"the Argo CD application {env_name}-{name} has a name of "
            f"{len(env_name) + 1 + len(name)} characters; its label "
            "app.kubernetes.io/instance may hold 63: shorten the model's name",
            doc.locate("/metadata/name"),
        )
    _check_analysis(doc, env)
    if serving["runtime"] == "container" and "currentStep" in spec["rollout"]:
        raise SpecError(
            "rollout.currentStep is for serving.runtime kserve: Argo Rollouts "
            "walks the canary steps itself; remove it",
            doc.locate("/spec/rollout/currentStep", key=True),
        )
    _check_tracing(doc, env)
    config = _config_data(spec, env_name)
    return {
        "name": name,
        "namespace": env["spec"]["namespace"],
        "environment": env_name,
        "spec": data,
        "env": env,
        "labels": labels,
        "selector": selector,
        "annotations": {"modelrail.io/source": source},
        "names": {
            "stable": name,
            "canary": f"{name}-canary",
            "config": f"{name}-model",
            "account": name,
            "tls": f"{name}-tls",
            "metrics": f"{name}-metrics",
            "dashboard": f"{name}-dashboard",
        },
        "metrics_selector": {"modelrail.io/metrics": name},
        "metrics_path": serving["endpoints"].get("metrics", "/metrics"),
        "config": config,
        "container": _container(doc, env),
        "pod_security": _pod_security(doc),
        "volumes": _volumes(spec.get("security", {})),
        "spread": int(serving["autoscaling"]["minReplicas"]) > 1,
        "port_name": "grpc" if serving.get("protocol") == "grpc" else "http",
        "autoscaling": _autoscaling(doc),
        "disruption": _disruption(serving),
        "network": _network(spec.get("security", {}), env),
        "router": _router(env["spec"]["trafficRouter"], name),
        "host": _host(env["spec"]["trafficRouter"], name),
        "tls": bool(spec.get("security", {}).get("tls", {}).get("enabled", False)),
        "progress_deadline_abort": bool(
            spec.get("rollback", {}).get("automatic", False)
        ),
        "rollback_window": rollback_window(data),
        # a rollback can only be fast to a ReplicaSet that still exists: keep
        # at least as many old ones as the window reaches back
        "history_limit": max(HISTORY_LIMIT, rollback_window(data)),
    }


def rollback_window(spec: Mapping[str, Any]) -> int:
    """The Rollout's ``rollbackWindow.revisions``: ``rollback.window.revisions``
    of the spec (its data), else :data:`ROLLBACK_WINDOW`. Going back to one of
    that many recent stable revisions, Argo Rollouts skips the canary steps
    and their analysis (docs/rollback.md)."""
    window = spec["spec"].get("rollback", {}).get("window", {})
    return int(window.get("revisions", ROLLBACK_WINDOW))


def _check_analysis(doc: Document, env: Mapping[str, Any]) -> None:
    """A canary step that asks for analysis needs something to measure and a
    Prometheus to ask: without either the analysis could never conclude.
    (A KServe model's steps are pull requests, gated by evidence instead.)"""
    spec = doc.data["spec"]
    if spec["serving"]["runtime"] != "container":
        return
    first = analysis_step(spec)
    if first is None:
        return
    where = doc.locate(f"/spec/rollout/steps/{first}/analysis")
    if "metrics" not in spec["serving"]["endpoints"]:
        raise SpecError(
            f"canary step {first + 1} asks for an analysis, and the model exposes "
            "no metrics to measure it by: set serving.endpoints.metrics (see "
            "docs/metrics.md), or remove analysis: true",
            where,
        )
    if "monitoring" not in env["spec"]:
        raise SpecError(
            f"canary step {first + 1} asks for an analysis, and environment "
            f"{env['metadata']['name']} names no Prometheus to query: set "
            "spec.monitoring.prometheus in its environment.yaml",
            where,
        )


def _check_tracing(doc: Document, env: Mapping[str, Any]) -> None:
    """Traces need a collector to go to: the environment file names it
    (spec.tracing), and without one an enabled spec would trace nothing."""
    if tracing.enabled(doc.data) and tracing.collector(env) is None:
        raise SpecError(
            "monitoring.tracing is enabled, and environment "
            f"{env['metadata']['name']} names no OpenTelemetry collector to send "
            "traces to: set spec.tracing.endpoint in its environment.yaml, or "
            "set enabled: false",
            doc.locate("/spec/monitoring/tracing/enabled"),
        )


def analysis_step(spec: Mapping[str, Any]) -> int | None:
    """The index of the first canary step that asks for analysis, if any."""
    steps = canary_steps(spec, None, raw=True)
    return next((i for i, step in enumerate(steps) if step.get("analysis")), None)


def canary_steps(
    spec: Mapping[str, Any], analysis: str | None, *, raw: bool = False
) -> list[Any]:
    """The Rollout's steps. Analysis steps only when ``analysis`` names an
    AnalysisTemplate that is rendered alongside (never a dangling reference).
    ``raw``: the spec's own steps that apply (none for a rolling update)."""
    steps: list[Any] = []
    if spec["rollout"]["strategy"] != "canary":
        return steps  # rolling: one update, no pauses
    if raw:
        return list(spec["rollout"].get("steps", ()))
    for step in spec["rollout"].get("steps", ()):
        steps.append({"setWeight": step["weight"]})
        pause = step.get("pause")
        if pause == "manual":
            steps.append({"pause": {}})
        elif pause:
            steps.append({"pause": {"duration": go_duration(pause)}})
        if step.get("analysis") and analysis is not None:
            steps.append(
                {
                    "analysis": {
                        "templates": [{"templateName": analysis}],
                        # the new pods' hash: the template measures them only
                        "args": [
                            {
                                "name": CANARY_HASH,
                                "valueFrom": {"podTemplateHashValue": "Latest"},
                            }
                        ],
                    }
                }
            )
    return steps


def _user_labels(doc: Document) -> dict[str, str]:
    labels: dict[str, str] = dict(doc.data["metadata"].get("labels", {}))
    for key in labels:
        if key.startswith(RESERVED_PREFIXES):
            raise SpecError(
                f"label {key!r} is set by modelrail itself; "
                "remove it from metadata.labels",
                doc.locate(
                    pointer("metadata", "labels", key),
                    key=True,
                ),
            )
    return labels


def _config_data(spec: Mapping[str, Any], env_name: str) -> dict[str, str]:
    model = spec["model"]
    data = {"MODEL_ARTIFACT": model["artifact"]}
    if "digest" in model:  # optional outside production (MR-MDL-001)
        data["MODEL_DIGEST"] = model["digest"]
    data.update(
        MODEL_FORMAT=model["format"],
        MODEL_NAME=model["name"],
        MODEL_VERSION=model["version"],
        MODELRAIL_ENVIRONMENT=env_name,
    )
    return data


def _container(doc: Document, env: Mapping[str, Any]) -> dict[str, Any]:
    spec = doc.data["spec"]
    serving = spec["serving"]
    security = spec.get("security", {})
    env_name: str = env["metadata"]["name"]
    rendered = [
        *({"name": k, "value": v} for k, v in _config_data(spec, env_name).items()),
        *tracing.env_vars(doc.data, env),
    ]
    _check_env_names(doc, {item["name"] for item in rendered})
    return {
        "image": serving["image"],
        "args": list(serving.get("args", ())),
        "port": serving["port"],
        # the model values go into each pod template: every ReplicaSet keeps
        # the model it was made for (a shared ConfigMap, updated in place,
        # would hand the new model to old pods that restart mid-canary)
        "env": [*rendered, *(_env_var(item) for item in serving.get("env", ()))],
        "resources": _resources(serving["resources"]),
        "security": _container_security(security),
        "probes": _probes(doc),
        "grpc": serving.get("protocol") == "grpc",
        "mounts": [{"name": "tmp", "mountPath": "/tmp"}]
        if security.get("readOnlyRootFilesystem", True)
        else [],
        "name": CONTAINER,
        "model": doc.data["metadata"]["name"],
    }


def _check_env_names(doc: Document, rendered: set[str]) -> None:
    """A serving.env variable may not shadow one modelrail sets: Kubernetes
    would keep the last of the two, and the spec field it comes from (the
    model's version, monitoring.tracing) would silently have no effect."""
    for index, item in enumerate(doc.data["spec"]["serving"].get("env", ())):
        if item["name"] in rendered:
            raise SpecError(
                f"serving.env sets {item['name']}, which modelrail sets itself "
                "from the spec (the model's values, monitoring.tracing): remove it",
                doc.locate(f"/spec/serving/env/{index}/name"),
            )


def _env_var(item: Mapping[str, Any]) -> dict[str, Any]:
    if "secretKeyRef" in item:
        ref = item["secretKeyRef"]
        return {
            "name": item["name"],
            "valueFrom": {"secretKeyRef": {"name": ref["name"], "key": ref["key"]}},
        }
    if "configMapKeyRef" in item:
        ref = item["configMapKeyRef"]
        return {
            "name": item["name"],
            "valueFrom": {"configMapKeyRef": {"name": ref["name"], "key": ref["key"]}},
        }
    return {"name": item["name"], "value": item.get("value", "")}


def _resources(resources: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in ("requests", "limits"):
        if resources.get(part):
            out[part] = {k: _quantity(v) for k, v in sorted(resources[part].items())}
    gpu = resources.get("gpu")
    if gpu:
        # extended resources: the limit is what the scheduler counts, and a
        # request, when given, must equal it
        for part in ("requests", "limits"):
            out.setdefault(part, {})[gpu["resource"]] = gpu["count"]
    return out


def _quantity(value: Any) -> str:
    """Quantities are strings in manifests (``"2"``, ``"500m"``, ``"1Gi"``)."""
    if isinstance(value, float):
        return format(units.millicores(value) / 1000, "f").rstrip("0").rstrip(".")
    return str(value)


def _container_security(security: Mapping[str, Any]) -> dict[str, Any]:
    capabilities: dict[str, Any] = {
        "drop": list(security.get("capabilities", {}).get("drop", ["ALL"]))
    }
    if security.get("capabilities", {}).get("add"):
        capabilities["add"] = list(security["capabilities"]["add"])
    return {
        "allowPrivilegeEscalation": bool(
            security.get("allowPrivilegeEscalation", False)
        ),
        "privileged": False,
        "readOnlyRootFilesystem": bool(security.get("readOnlyRootFilesystem", True)),
        "runAsNonRoot": bool(security.get("runAsNonRoot", True)),
        "capabilities": capabilities,
    }


def _pod_security(doc: Document) -> dict[str, Any]:
    security = doc.data["spec"].get("security", {})
    if security.get("seccompProfile") == "Localhost":
        raise SpecError(
            "seccompProfile Localhost needs a profile file on the node, which a "
            "spec cannot name: use RuntimeDefault",
            doc.locate("/spec/security/seccompProfile"),
        )
    out: dict[str, Any] = {"runAsNonRoot": bool(security.get("runAsNonRoot", True))}
    if "runAsUser" in security:
        out["runAsUser"] = security["runAsUser"]
        out["runAsGroup"] = security["runAsUser"]
        out["fsGroup"] = security["runAsUser"]
    out["seccompProfile"] = {"type": security.get("seccompProfile", "RuntimeDefault")}
    return out


def _volumes(security: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not security.get("readOnlyRootFilesystem", True):
        return []
    # a read-only root still needs somewhere to write temporary files
    return [{"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}]


_PROBE_KEYS = (
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "failureThreshold",
    "successThreshold",
)


def _probes(doc: Document) -> dict[str, Any]:
    serving = doc.data["spec"]["serving"]
    health = serving["endpoints"].get("health")
    declared = serving.get("probes", {})
    grpc = serving.get("protocol") == "grpc"
    out: dict[str, Any] = {}
    for kind in ("liveness", "readiness", "startup"):
        probe = declared.get(kind)
        if probe is None and (kind == "startup" or (health is None and not grpc)):
            continue
        probe = probe or {}
        if kind != "readiness" and probe.get("successThreshold", 1) != 1:
            raise SpecError(
                f"a {kind} probe's successThreshold must be 1 (Kubernetes refuses "
                "any other value)",
                doc.locate(f"/spec/serving/probes/{kind}/successThreshold"),
            )
        path = probe.get("path", health)
        if grpc:
            handler: dict[str, Any] = {"grpc": {"port": serving["port"]}}
        elif path is None:
            raise SpecError(
                f"the {kind} probe has no path: set serving.endpoints.health "
                f"or serving.probes.{kind}.path",
                doc.locate(f"/spec/serving/probes/{kind}", key=True),
            )
        else:
            handler = {"httpGet": {"path": path, "port": "http"}}
        out[kind] = {**handler, **{k: probe[k] for k in _PROBE_KEYS if k in probe}}
    return out


def _autoscaling(doc: Document) -> dict[str, Any]:
    autoscaling = doc.data["spec"]["serving"]["autoscaling"]
    metrics: list[dict[str, Any]] = []
    if "targetCPUUtilization" in autoscaling:
        metrics.append(_resource_metric("cpu", autoscaling["targetCPUUtilization"]))
    if "targetRequestsPerSecond" in autoscaling:
        metrics.append(
            _pods_metric(REQUESTS_PER_SECOND, autoscaling["targetRequestsPerSecond"])
        )
    if "targetConcurrency" in autoscaling:
        metrics.append(_pods_metric(IN_FLIGHT, autoscaling["targetConcurrency"]))
    if not metrics:  # Kubernetes' own default target
        metrics.append(_resource_metric("cpu", 80))
    out: dict[str, Any] = {
        "min": autoscaling["minReplicas"],
        "max": autoscaling["maxReplicas"],
        "metrics": metrics,
    }
    if "scaleDownStabilization" in autoscaling:
        out["scale_down_window"] = units.seconds(autoscaling["scaleDownStabilization"])
        if out["scale_down_window"] > 3600:
            raise SpecError(
                "scaleDownStabilization is longer than the 1h Kubernetes allows "
                "(stabilizationWindowSeconds <= 3600)",
                doc.locate("/spec/serving/autoscaling/scaleDownStabilization"),
            )
    return out


def _resource_metric(resource: str, utilization: int) -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {
            "name": resource,
            "target": {"type": "Utilization", "averageUtilization": utilization},
        },
    }


def _pods_metric(name: str, value: int) -> dict[str, Any]:
    return {
        "type": "Pods",
        "pods": {
            "metric": {"name": name},
            "target": {"type": "AverageValue", "averageValue": str(value)},
        },
    }


def _disruption(serving: Mapping[str, Any]) -> dict[str, Any]:
    budget = serving.get("disruptionBudget")
    if budget:
        return dict(budget)
    return {"maxUnavailable": 1}  # drains take one replica at a time


def _network(
    security: Mapping[str, Any], env: Mapping[str, Any]
) -> dict[str, Any] | None:
    policy = security.get("networkPolicy", {})
    if not policy.get("enabled", False):
        return None
    monitoring = env["spec"].get("monitoring", {}).get("namespace")
    peers = []
    for item in policy.get("ingress", ()):
        peer: dict[str, Any] = {
            "namespaceSelector": {
                "matchLabels": {"kubernetes.io/metadata.name": item["namespace"]}
            }
        }
        if item.get("podLabels"):
            peer["podSelector"] = {"matchLabels": dict(item["podLabels"])}
        peers.append(peer)
    scrapers = []
    if monitoring:  # Prometheus scrapes the metrics endpoint from its namespace
        scrapers.append(
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": monitoring}
                }
            }
        )
    # ports: those the peers may reach (None: the model server's own)
    return {"peers": peers, "scrapers": scrapers, "ports": None}


def _router(router: Mapping[str, Any], name: str) -> dict[str, Any]:
    kind = router["type"]
    out: dict[str, Any] = {"type": kind}
    if kind in ("nginx", "alb"):
        out["ingress_class"] = router.get("ingressClass", kind)
        out["cluster_issuer"] = router.get("clusterIssuer")
    if kind in ("istio", "gateway-api"):
        namespace, _, gateway = router["gateway"].rpartition("/")
        out["gateway"] = {"name": gateway, "namespace": namespace or None}
        out["gateway_ref"] = router["gateway"]
    out["route"] = name
    return out


def _host(router: Mapping[str, Any], name: str) -> str | None:
    domain = router.get("domain")
    return f"{name}.{domain}" if domain else None
