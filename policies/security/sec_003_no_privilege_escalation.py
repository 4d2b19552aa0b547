"""Serving containers forbid privilege escalation, explicitly.

``allowPrivilegeEscalation`` decides whether a process can gain more
privileges than its parent (setuid binaries, file capabilities). Kubernetes
defaults it to true, so leaving it out is the same as allowing it: only an
explicit ``false`` sets ``no_new_privs`` on the container. The "restricted"
Pod Security Standard requires it.

Fails::

    spec:
      security:
        allowPrivilegeEscalation: true

Passes::

    spec:
      security:
        allowPrivilegeEscalation: false
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-003"
NAME = "no-privilege-escalation"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.allowPrivilegeEscalation: false."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    value = spec.security.get("allowPrivilegeEscalation")
    if value is None:
        yield Hit(
            "/spec/security/allowPrivilegeEscalation",
            "security.allowPrivilegeEscalation is not set, and Kubernetes "
            "defaults it to true",
        )
    elif value is not False:
        yield Hit(
            "/spec/security/allowPrivilegeEscalation",
            "security.allowPrivilegeEscalation is true: setuid binaries can "
            "gain privileges",
        )
