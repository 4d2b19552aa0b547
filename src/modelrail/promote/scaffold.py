"""A spec for a model new to an environment, made from its type's template.

``render/scaffold/<type>.yaml`` (one per type of model: predictive,
recommendation, chatbot) holds a complete ModelDeployment whose values are the
checklist's defaults, with comments where a person must decide, and
placeholders (:mod:`modelrail.placeholders`) for what only a person knows. A
scaffold is that template with what the environment decides set for it:

- the names: ``metadata.name``, ``metadata.environment``, ``metadata.team``
  and the model's name, everywhere the template says ``MODEL``, ``ENV`` or
  ``TEAM`` inside a value (never as text pasted into YAML: the document is
  edited as data, so no value can become syntax);
- the serving image in the environment's first allowed registry (its digest a
  placeholder);
- the traffic router's namespace as the network policy's first caller;
- tracing only where the environment names a collector;
- every quantity above the environment's ``spec.limits`` lowered to them.

``modelrail new`` writes a scaffold; a promotion into an environment new to
the model starts from one too (:mod:`modelrail.promote.create`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail import placeholders
from modelrail.errors import UsageError
from modelrail.promote import roundtrip
from modelrail.promote.edit import Edit
from modelrail.repository.layout import RENDER
from modelrail.units import bytes_of, millicores

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from decimal import Decimal
    from pathlib import Path

TYPES = ("predictive", "recommendation", "chatbot")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_])(?:MODEL|ENV|TEAM)(?![A-Za-z0-9_])")


@dataclass(frozen=True, slots=True)
class Scaffold:
    document: Any  # ruamel's round-trip document (comments kept)
    notes: tuple[str, ...]  # what was adjusted for the environment

    @property
    def text(self) -> str:
        return roundtrip.dump(self.document)

    def placeholders(self) -> list[tuple[str, str]]:
        """(JSON pointer, value) of every placeholder left to fill."""
        return list(placeholders.find(roundtrip.plain(self.document)))


def template_file(root: Path, spec_type: str) -> Path:
    return root / RENDER / "scaffold" / f"{spec_type}.yaml"


def make(
    root: Path,
    spec_type: str,
    name: str,
    environment: str,
    env: Mapping[str, Any],
    team: str,
) -> Scaffold:
    """The scaffold of model ``name`` of ``spec_type`` in ``environment``,
    whose environment.yaml holds ``env``."""
    if spec_type not in TYPES:
        raise UsageError(f"no type {spec_type!r} (types: {', '.join(TYPES)})")
    path = template_file(root, spec_type)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read the {spec_type} template {path}: {exc.strerror or exc}"
        ) from exc
    doc = roundtrip.load(text, str(path))
    values = {"MODEL": name, "ENV": environment, "TEAM": team}
    _substitute(doc, values)
    spec = env.get("spec", {})
    notes: list[str] = []
    serving = doc["spec"]["serving"]
    registries = spec.get("registries") or ["registry.invalid/"]
    registry = str(registries[0]).rstrip("/")
    serving["image"] = f"{registry}/{name}@{placeholders.ZERO_DIGEST}"
    _callers(doc["spec"], spec, notes)
    _rolling(doc["spec"], spec, notes)
    if "tracing" not in spec:
        doc["spec"]["monitoring"]["tracing"] = roundtrip.load("{enabled: false}", "")
        notes.append(
            f"tracing is off: environment {environment!r} names no OpenTelemetry "
            "collector (spec.tracing of its environment.yaml)"
        )
    edit = Edit()
    limits = spec.get("limits", {})
    if isinstance(limits, dict):
        within(doc["spec"], limits, environment, edit)
    notes.extend(edit.notes)
    return Scaffold(doc, tuple(notes))


def _substitute(node: Any, values: Mapping[str, str]) -> None:
    """Each token (a whole word: MAX_MODEL_LEN is no token) inside a string
    value replaced by its value, in place."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        if isinstance(value, dict | list):
            _substitute(value, values)
        elif isinstance(value, str) and _TOKEN.search(value):
            new = _TOKEN.sub(lambda m: values[m.group(0)], str(value))
            node[key] = type(value)(new) if type(value) is not str else new


def _rolling(spec: Any, env: Mapping[str, Any], notes: list[str]) -> None:
    """Without a traffic router a canary splits by replica count, which a 10 %
    step cannot do under 10 replicas: such an environment updates rolling."""
    if env.get("trafficRouter", {}).get("type", "none") != "none":
        return
    spec["rollout"] = roundtrip.load("{strategy: rolling}", "")
    notes.append(
        "rollout.strategy is rolling: the environment routes no traffic by weight "
        "(trafficRouter none), and a canary by replica count needs 10 replicas "
        "for a 10 % step"
    )


def _callers(spec: Any, env: Mapping[str, Any], notes: list[str]) -> None:
    """The traffic router's namespace as the network policy's first ingress
    peer; without one, the environment's own namespace (the model's callers
    are to be added by a person, as the template's comment says)."""
    router = env.get("trafficRouter", {})
    kind = router.get("type")
    namespace: str | None = None
    if kind == "nginx":
        namespace = "ingress-nginx"
    elif kind in ("istio", "gateway-api"):
        namespace = str(router.get("gateway", "")).rpartition("/")[0] or None
    if namespace is None:
        namespace = str(env.get("namespace", "default"))
        notes.append(
            f"the {kind or 'none'} traffic router has no namespace of its own: the "
            f"network policy admits {namespace!r}; add the namespaces of the "
            "model's callers to security.networkPolicy.ingress"
        )
    spec["security"]["networkPolicy"]["ingress"][0]["namespace"] = namespace


_RESOURCES: tuple[tuple[str, str, Callable[[Any], Decimal]], ...] = (
    ("cpu", "maxCpu", millicores),
    ("memory", "maxMemory", bytes_of),
)


def within(spec: Any, limits: Mapping[str, Any], env: str, edit: Edit) -> None:
    """Lower what exceeds the environment's limits to the limit."""
    serving = _mapping(spec, "serving")
    scaling = _mapping(serving, "autoscaling")
    resources = _mapping(serving, "resources")
    caps: list[tuple[Any, str, str, str, Callable[[Any], Any]]] = [
        (scaling, key, "maxReplicas", f"spec.serving.autoscaling.{key}", int)
        for key in ("minReplicas", "maxReplicas")
    ]
    for name, cap, amount in _RESOURCES:
        caps.extend(
            (
                _mapping(resources, kind),
                name,
                cap,
                f"spec.serving.resources.{kind}.{name}",
                amount,
            )
            for kind in ("requests", "limits")
        )
    caps.append(
        (
            _mapping(resources, "gpu"),
            "count",
            "maxGpu",
            "spec.serving.resources.gpu.count",
            int,
        )
    )
    caps.append(
        (
            _mapping(_mapping(spec, "slo"), "throughput"),
            "rps",
            "maxThroughput",
            "spec.slo.throughput.rps",
            float,
        )
    )
    for parent, key, cap, path, amount in caps:
        if cap not in limits or key not in parent:
            continue
        try:
            over = amount(parent[key]) > amount(limits[cap])
        except (TypeError, ValueError, ArithmeticError):
            continue  # not a quantity: the schema check reports it
        if over:
            was = roundtrip.plain(parent[key])
            edit.put(parent, key, limits[cap], path)
            edit.notes.append(
                f"{path} lowered from {was!r} to {limits[cap]!r}, the "
                f"limits.{cap} of environment {env!r}"
            )


def _mapping(parent: Any, key: str) -> Any:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}
