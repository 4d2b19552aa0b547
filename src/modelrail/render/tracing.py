"""``spec.monitoring.tracing`` as OpenTelemetry's SDK environment variables.

Every OpenTelemetry SDK reads the same variables (the specification's
"Environment Variable Specification"), so the model server needs no
modelrail-specific configuration: the spec says whether and how much to
sample, the environment file says where the collector is
(``spec.tracing`` of ``environment.yaml``), and the variables go into the
serving container of both runtimes (the Rollout's pod template and the
KServe predictor). A change of the sampling rate is a change of the pod
template: it shows in ``modelrail diff`` and rolls out like any other.

- ``OTEL_SERVICE_NAME``: the model's name; ``OTEL_RESOURCE_ATTRIBUTES``: the
  model version, the environment, the Kubernetes namespace and the team
  (as ``service.namespace``, which the semantic conventions describe as the
  team that owns a group of services). The SDK reads the latter as W3C
  Baggage, so each value is percent-encoded: no value can end an attribute
  and start another.
- Enabled: ``OTEL_TRACES_SAMPLER=parentbased_traceidratio`` with the spec's
  ``sampleRate`` (default 1, as the SDKs') as ``OTEL_TRACES_SAMPLER_ARG``,
  and the collector's ``OTEL_EXPORTER_OTLP_ENDPOINT`` and
  ``OTEL_EXPORTER_OTLP_PROTOCOL`` (always written: SDKs differ in their
  default, and the port the collector listens on depends on it).
- Disabled, or no ``tracing`` at all (MR-OPS-012 reads it so too):
  ``OTEL_TRACES_SAMPLER=always_off``. Not ``OTEL_SDK_DISABLED``, which turns
  off every signal (metrics and logs too) where the spec speaks of traces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from modelrail.render.alerts import number

if TYPE_CHECKING:
    from collections.abc import Mapping

SAMPLER = "parentbased_traceidratio"
SAMPLER_OFF = "always_off"
DEFAULT_RATE = 1  # OTEL_TRACES_SAMPLER_ARG's default for the ratio samplers
DEFAULT_PROTOCOL = "http/protobuf"  # the specification's recommended default


def settings(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The spec's ``monitoring.tracing`` ({} when it has none)."""
    tracing: Mapping[str, Any] = spec["spec"].get("monitoring", {}).get("tracing", {})
    return tracing


def enabled(spec: Mapping[str, Any]) -> bool:
    return bool(settings(spec).get("enabled", False))


def collector(env: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The environment's ``spec.tracing`` (where traces go), if it has one."""
    found: Mapping[str, Any] | None = env["spec"].get("tracing")
    return found


def resource_attributes(attributes: Mapping[str, str]) -> str:
    """``OTEL_RESOURCE_ATTRIBUTES``: ``key=value`` pairs joined by commas, each
    value percent-encoded (the SDKs percent-decode it, as W3C Baggage)."""
    return ",".join(
        f"{key}={quote(value, safe='')}" for key, value in attributes.items()
    )


def env_vars(spec: Mapping[str, Any], env: Mapping[str, Any]) -> list[dict[str, str]]:
    """The serving container's OpenTelemetry variables, sorted by name.

    ``spec`` and ``env`` are the spec's and the environment file's data; an
    enabled spec's environment has a collector (``facts.model_facts`` made
    sure of it)."""
    meta = spec["metadata"]
    attributes = {
        "service.namespace": meta["team"],
        "service.version": spec["spec"]["model"]["version"],
        "deployment.environment.name": env["metadata"]["name"],
        "k8s.namespace.name": env["spec"]["namespace"],
    }
    out = {
        "OTEL_RESOURCE_ATTRIBUTES": resource_attributes(attributes),
        "OTEL_SERVICE_NAME": meta["name"],
        "OTEL_TRACES_SAMPLER": SAMPLER_OFF,
    }
    where = collector(env)
    if enabled(spec) and where is not None:
        out["OTEL_TRACES_SAMPLER"] = SAMPLER
        out["OTEL_TRACES_SAMPLER_ARG"] = number(
            settings(spec).get("sampleRate", DEFAULT_RATE)
        )
        out["OTEL_EXPORTER_OTLP_ENDPOINT"] = where["endpoint"]
        out["OTEL_EXPORTER_OTLP_PROTOCOL"] = where.get("protocol", DEFAULT_PROTOCOL)
    return [{"name": name, "value": value} for name, value in sorted(out.items())]
