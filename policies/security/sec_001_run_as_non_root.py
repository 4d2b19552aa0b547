"""Serving containers run as a non-root user.

A process that runs as root inside a container is root on the node the moment
it escapes (a kernel or runtime bug is enough), and it can rewrite anything in
its own image. ``runAsNonRoot: true`` makes the kubelet refuse to start the
container when its image would run as UID 0, whatever the Dockerfile says.
It is the first item of the Kubernetes "restricted" Pod Security Standard.

Fails::

    spec:
      security:
        runAsNonRoot: false

Passes::

    spec:
      security:
        runAsNonRoot: true
        runAsUser: 10001
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-001"
NAME = "run-as-non-root"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.runAsNonRoot: true (and a runAsUser above 0)."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    value = spec.security.get("runAsNonRoot")
    if value is None:
        yield Hit(
            "/spec/security/runAsNonRoot",
            "security.runAsNonRoot is not set: the image decides, and may run as root",
        )
    elif value is not True:
        yield Hit(
            "/spec/security/runAsNonRoot",
            "security.runAsNonRoot is false: the container may run as root",
        )
