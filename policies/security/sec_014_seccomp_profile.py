"""Serving containers run under a seccomp profile, not Unconfined.

Seccomp filters the system calls a container may make; the runtime's
default profile blocks the few dozen that container escapes rely on
(``unshare``, ``keyctl``, ``ptrace``...) and that no model server makes.
Kubernetes runs pods ``Unconfined`` unless told otherwise, so the profile
must be set: ``RuntimeDefault``, or ``Localhost`` for a tighter one of your
own. The "restricted" Pod Security Standard requires it.

Fails::

    spec:
      security:
        seccompProfile: Unconfined

Passes::

    spec:
      security:
        seccompProfile: RuntimeDefault
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-014"
NAME = "seccomp-profile"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.seccompProfile: RuntimeDefault."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    profile = spec.security.get("seccompProfile")
    if profile is None:
        yield Hit(
            "/spec/security/seccompProfile",
            "security.seccompProfile is not set: Kubernetes runs the container "
            "Unconfined",
        )
    elif profile == "Unconfined":
        yield Hit(
            "/spec/security/seccompProfile",
            "security.seccompProfile is 'Unconfined': every system call is allowed",
        )
