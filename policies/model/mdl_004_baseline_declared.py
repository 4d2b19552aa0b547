"""The model declares the baseline it is compared with.

A new version must be measured against what it replaces: the checklist's
gate (accuracy at least 95 % of the baseline's, MR-MDL-003) and the alert
floor (MR-MDL-007) both need the baseline's metrics. Without them a
regression cannot be seen before customers see it. A later version names the
version it replaces (``baseline.version``); a first release names the system
it replaces (``baseline.system``: a heuristic, a rules engine, the manual
process), measured on the same hold-out set: no waiver is needed.

Fails::

    spec:
      model:
        baseline: null

Passes::

    spec:
      model:
        baseline:
          version: "3.1.4"
          metrics: {accuracy: 0.948, auc: 0.971}

Passes::

    spec:
      model:
        baseline:
          version: null
          system: rules-engine v7
          metrics: {accuracy: 0.92, auc: 0.95}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-MDL-004"
NAME = "baseline-declared"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Add model.baseline with the version this one replaces (for a first "
    "release: system, the system it replaces) and its metrics on the same "
    "hold-out set."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    if "baseline" not in spec.model:
        model = spec.model
        yield Hit(
            "/spec/model/baseline",
            f"model {model['name']!r} {model['version']} declares no baseline "
            "to compare with (a first release compares with the system it "
            "replaces: baseline.system)",
        )
