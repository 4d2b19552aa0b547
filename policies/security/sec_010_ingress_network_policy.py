"""A NetworkPolicy admits only the callers the spec lists.

Kubernetes lets every pod in the cluster reach every other pod unless a
NetworkPolicy says otherwise, so one compromised workload anywhere can call
the model, flood it or probe it. With ``networkPolicy.enabled`` the rendered
policy denies all ingress but the ``ingress`` rules (the ingress controller,
the calling service). An enabled policy with no rule denies every caller,
the ingress controller included: the model is deployed and unreachable.

Fails::

    spec:
      security:
        networkPolicy: {enabled: false}

Passes::

    spec:
      security:
        networkPolicy:
          enabled: true
          ingress:
            - namespace: ingress-nginx
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-010"
NAME = "ingress-network-policy"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Set security.networkPolicy.enabled: true and list the calling namespaces "
    "under its ingress."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    policy = spec.security.get("networkPolicy")
    if policy is None or policy["enabled"] is not True:
        state = "not declared" if policy is None else "disabled"
        yield Hit(
            "/spec/security/networkPolicy/enabled",
            f"the network policy is {state}: every pod in the cluster can call "
            "the model",
        )
    elif not policy.get("ingress"):
        yield Hit(
            "/spec/security/networkPolicy/ingress",
            "the network policy has no ingress rule: it denies every caller, "
            "the ingress controller included",
        )
