"""The throughput objective declares the peak load the deployment must sustain.

The checklist asks for load tests at peak usage and a minimum throughput
("Throughput 1000 req/sec minimum"); without a declared peak in requests per
second there is nothing to size the autoscaler against or to load test. A
chatbot must also declare its concurrency at peak, since the checklist
counts chatbot load in concurrent conversations ("Concurrent conversations
1000+"), which requests per second do not show.

Fails::

    spec:
      slo:
        throughput: null

Passes::

    spec:
      slo:
        throughput: {rps: 1000}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-SLO-004"
NAME = "throughput-declared"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Declare slo.throughput.rps (and slo.throughput.concurrency for a chatbot) "
    "from the load test at peak."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    wanted = ("rps", "concurrency") if spec.type == "chatbot" else ("rps",)
    throughput = spec.slo.get("throughput")
    if throughput is None:
        yield Hit(
            "/spec/slo/throughput",
            f"no throughput objective ({' and '.join(wanted)} at peak)",
        )
        return
    for key in wanted:
        if key not in throughput:
            yield Hit(f"/spec/slo/throughput/{key}", f"throughput declares no {key}")
