"""The pod template of a rendered workload, as a rollback must find it again
(issue 17, docs/rollback.md).

Argo Rollouts goes back to a recent stable ReplicaSet at once only when the
Rollout's ``spec.template`` is the one that ReplicaSet was made from: it
names ReplicaSets by a hash of the template (FNV-32a over a dump of the Go
struct the template decodes into, which only Go can reproduce). Two
templates equal as data decode to the same struct, so comparing them as data,
here as canonical JSON bytes, decides what the hash would. For a KServe
InferenceService the same holds for the predictor, which becomes the Knative
revision's template, less ``canaryTrafficPercent`` (the route's traffic, not
the revision).

``modelrail rollback --dry-run`` compares the template rendered now with the
one committed in ``rendered/`` where the version last ran: equal, the fast
path applies; different (a template, an environment or modelrail itself
changed since), the rollback walks the canary like a new version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def pod_template(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What the hash of ``manifest``'s pods is made from: a Rollout's
    ``spec.template``, an InferenceService's predictor without
    ``canaryTrafficPercent``; None for any other kind."""
    spec = manifest.get("spec")
    if not isinstance(spec, Mapping):
        return None
    kind = manifest.get("kind")
    if kind == "Rollout" and isinstance(spec.get("template"), Mapping):
        template: Mapping[str, Any] = spec["template"]
        return template
    if kind == "InferenceService" and isinstance(spec.get("predictor"), Mapping):
        predictor = spec["predictor"]
        return {k: v for k, v in predictor.items() if k != "canaryTrafficPercent"}
    return None


def canonical(value: Any) -> bytes:
    """``value`` as one byte string: JSON, keys sorted, no spaces, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def same_pods(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether two manifests of one workload make the same pods (the same
    pod-template hash): their templates are equal, byte for byte."""
    old, new = pod_template(before), pod_template(after)
    return old is not None and new is not None and canonical(old) == canonical(new)
