"""Production models alert on their usage, and on satisfaction where users judge them.

A model can meet every SLO and still fail its purpose: nobody uses it, or
its users like its answers less than the last version's. The checklist asks
for business-impact monitoring at full launch and for user satisfaction to be
tracked; the monitoring dashboard of the playbook (section 3.A) gives daily
usage and user satisfaction thresholds. A production model declares them in
``monitoring.business``, where they become alerts of its PrometheusRule:
``usage`` for every model, ``satisfaction`` for recommendation and chatbot
models (the types with users who judge the answers). Both are better
higher: an alert on a usage that grows, or on a satisfaction that rises,
would watch nothing of value. Production's rule: the profiles switch it off
elsewhere.

Fails::

    spec:
      type: chatbot
      monitoring:
        business:
          - {name: usage, metric: model_business_active_users, unit: users/day, better: higher, warning: 1000, critical: 500}

Passes::

    spec:
      type: chatbot
      monitoring:
        business:
          - {name: usage, metric: model_business_active_users, unit: users/day, better: higher, warning: 1000, critical: 500}
          - {name: satisfaction, metric: model_business_satisfaction_score, unit: score, better: higher, warning: 4.5, critical: 4.0}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-014"
NAME = "business-metrics-declared"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Add to monitoring.business {name: usage, ..., better: higher, warning: "
    "1000, critical: 500} (requests or users a day), and for recommendation "
    "and chatbot models {name: satisfaction, ..., unit: score, better: higher, "
    "warning: 4.5, critical: 4.0}: the seed's defaults."
)

# the names asked for, per type, with the seed's defaults (for the message)
DEFAULTS = {
    "usage": "requests or users a day, warning under 1000, critical under 500",
    "satisfaction": "a score out of 5, warning under 4.5, critical under 4.0",
}
WANTED = {
    "predictive": ("usage",),
    "recommendation": ("usage", "satisfaction"),
    "chatbot": ("usage", "satisfaction"),
}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    declared = spec.monitoring.get("business", [])
    by_name = {item["name"]: index for index, item in enumerate(declared)}
    where = "/spec/monitoring/business" if declared else "/spec/monitoring"
    for name in WANTED.get(spec.type, ("usage",)):
        if name not in by_name:
            yield Hit(
                where,
                f"no {name} business metric: a {spec.type} model in production "
                f"declares one ({DEFAULTS[name]})",
            )
            continue
        index = by_name[name]
        if declared[index]["better"] != "higher":
            yield Hit(
                f"/spec/monitoring/business/{index}/better",
                f"{name} is better higher: its alerts must fire when it falls",
            )
