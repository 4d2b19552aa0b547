"""The throughput objective stays within the environment's throughput limit.

An environment's ``limits.maxThroughput`` is the most requests per second
its cluster and shared ingress were sized for; a model promising more cannot
keep its objective there, however far it scales. Environments without the
limit accept any throughput.

Fails::

    spec:
      slo:
        throughput: {rps: 25000}

Passes::

    spec:
      slo:
        throughput: {rps: 20000}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-005"
NAME = "throughput-within-limits"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Lower slo.throughput.rps to the environment's limits.maxThroughput, "
    "or have the environment's limit raised."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    limit = env.limits.get("maxThroughput")
    rps = spec.slo.get("throughput", {}).get("rps")
    if limit is not None and rps is not None and rps > limit:
        yield Hit(
            "/spec/slo/throughput/rps",
            f"throughput objective {rps} rps exceeds the {limit} rps limit "
            f"of environment {env.name!r}",
        )
