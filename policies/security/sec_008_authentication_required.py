"""Callers of the model authenticate.

The checklist asks for access control (RBAC, authentication) before a model
serves production. A predict endpoint that answers anyone inside the network
leaks the model (it can be queried until it is copied), its training data
(membership inference) and, for a chatbot, whatever the model can reach.
``auth.required: true`` with a real method (``oidc``, ``jwt``, ``mtls`` or
``api-key``) rejects unauthenticated requests at the edge.

Fails::

    spec:
      security:
        auth: {required: false, method: none}

Passes::

    spec:
      security:
        auth: {required: true, method: oidc}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-008"
NAME = "authentication-required"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.auth to {required: true, method: <oidc|jwt|mtls|api-key>}."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    auth = spec.security.get("auth")
    if auth is None:
        yield Hit(
            "/spec/security/auth",
            "security.auth is not declared: requests are not authenticated",
        )
        return
    if auth["required"] is not True:
        yield Hit(
            "/spec/security/auth/required",
            "security.auth.required is false: unauthenticated requests are served",
        )
    if auth.get("method") == "none":
        yield Hit(
            "/spec/security/auth/method",
            "security.auth.method is 'none': callers are not identified",
        )
