"""The serving container has a liveness and a readiness probe.

Liveness restarts a replica that hangs (a deadlocked worker still holds its
port); readiness keeps traffic away from a replica that is still loading the
model or is overloaded. Without them Kubernetes only notices a process that
exits. A startup probe is optional: it only holds the other two back while a
large model loads.

Fails::

    spec:
      serving:
        probes: {readiness: null}

Passes::

    spec:
      serving:
        probes:
          liveness: {periodSeconds: 10, failureThreshold: 3}
          readiness: {path: /readyz, periodSeconds: 5, failureThreshold: 2}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-008"
NAME = "probes"
SEVERITY = Severity.ERROR
REMEDIATION = "Declare serving.probes.liveness and serving.probes.readiness."

_WHY = {
    "liveness": "a hung replica is never restarted",
    "readiness": "replicas get traffic before the model is loaded",
}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    probes = spec.serving.get("probes", {})
    for kind, why in _WHY.items():
        if kind not in probes:
            yield Hit(f"/spec/serving/probes/{kind}", f"no {kind} probe: {why}")
