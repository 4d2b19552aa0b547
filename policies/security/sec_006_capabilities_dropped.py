"""Serving containers drop all Linux capabilities and add none back.

Container runtimes grant a default set of capabilities (``CHOWN``,
``SETUID``, ``NET_RAW``...) that a model server never uses and an attacker
gladly does; ``drop: [ALL]`` removes them. The only one a web server
classically needs, ``NET_BIND_SERVICE``, is for ports below 1024, and the
schema already keeps ``serving.port`` at 1024 or above, so nothing needs
adding back. Each added capability is reported on its own.

Fails::

    spec:
      security:
        capabilities: {drop: [NET_RAW], add: [SYS_ADMIN]}

Passes::

    spec:
      security:
        capabilities: {drop: [ALL]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SEC-006"
NAME = "capabilities-dropped"
SEVERITY = Severity.ERROR
REMEDIATION = "Set security.capabilities to {drop: [ALL]}, with no add list."


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    capabilities = spec.security.get("capabilities", {})
    drop = capabilities.get("drop")
    if drop is None:
        yield Hit(
            "/spec/security/capabilities/drop",
            "no capabilities are dropped: the runtime's default set is granted",
        )
    elif "ALL" not in drop:
        yield Hit(
            "/spec/security/capabilities/drop",
            f"capabilities.drop {list(drop)!r} does not drop ALL",
        )
    for index, name in enumerate(capabilities.get("add", ())):
        yield Hit(
            f"/spec/security/capabilities/add/{index}",
            f"capability {name!r} is added back",
        )
