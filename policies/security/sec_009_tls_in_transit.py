"""The model is served over TLS.

The checklist asks for data encrypted in transit. Inputs to a model are often
the most sensitive data a company holds (payments, customer messages), and
inside a cluster they cross nodes, service meshes and load balancers that
can be observed. ``tls.enabled: true`` serves the predict endpoint over TLS;
the schema already keeps ``minVersion`` at 1.2 or 1.3.

Fails::

    spec:
      security:
        tls: {enabled: false}

Passes::

    spec:
      security:
        tls: {enabled: true, minVersion: "1.2"}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-009"
NAME = "tls-in-transit"
SEVERITY = Severity.ERROR
REMEDIATION = 'Set security.tls to {enabled: true, minVersion: "1.3"}.'


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    tls = spec.security.get("tls")
    if tls is None:
        yield Hit(
            "/spec/security/tls/enabled",
            "security.tls is not declared: traffic is not encrypted in transit",
        )
    elif tls["enabled"] is not True:
        yield Hit(
            "/spec/security/tls/enabled",
            "security.tls.enabled is false: traffic is not encrypted in transit",
        )
