"""Serving containers mount their root filesystem read-only.

A writable root filesystem lets an attacker who gets code execution drop
tools, patch the model server or swap the model file in place, and the
change survives until the pod is replaced. Model servers need no writes
outside the volumes Kubernetes provides (``emptyDir`` for caches and
``/tmp``), so ``readOnlyRootFilesystem: true`` costs nothing and turns
tampering into an error.

Fails::

    spec:
      security:
        readOnlyRootFilesystem: false

Passes::

    spec:
      security:
        readOnlyRootFilesystem: true
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-002"
NAME = "read-only-root-filesystem"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.readOnlyRootFilesystem: true."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    value = spec.security.get("readOnlyRootFilesystem")
    if value is None:
        yield Hit(
            "/spec/security/readOnlyRootFilesystem",
            "security.readOnlyRootFilesystem is not set: the root filesystem "
            "is writable",
        )
    elif value is not True:
        yield Hit(
            "/spec/security/readOnlyRootFilesystem",
            "security.readOnlyRootFilesystem is false: the root filesystem is writable",
        )
