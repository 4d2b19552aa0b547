"""Production specs link the evidence of the checklist's human processes.

Some checklist items are carried out by people, not tools: a security audit,
the annual penetration test, a load test, integration tests, a
disaster-recovery test and the training of the team that runs the model.
modelrail cannot judge them, but it can insist that each is on record:
``compliance.evidence`` maps each to a link (the ``required`` option lists
the keys). Outside production the profiles switch this policy off.

Fails::

    spec:
      compliance:
        evidence:
          penetrationTest: null

Passes::

    spec:
      compliance:
        evidence:
          securityAudit: https://security.example.com/audits/fraud-detector/2026q4
          penetrationTest: https://security.example.com/pentests/fraud-detector/2026
          loadTest: https://perf.example.com/load-tests/fraud-detector/3.2.0
          integrationTests: https://ci.example.com/fraud-detector/3.2.0/integration
          disasterRecoveryTest: https://wiki.example.com/risk-ml/dr-test-2026
          teamTraining: https://wiki.example.com/risk-ml/runbook-training-2026
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit, pointer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-CMP-004"
NAME = "production-evidence"
SEVERITY = Severity.ERROR
REMEDIATION = "Add a link to each missing piece of evidence under compliance.evidence."


@dataclass(frozen=True)
class Options:
    required: tuple[str, ...] = (
        "securityAudit",
        "penetrationTest",
        "loadTest",
        "integrationTests",
        "disasterRecoveryTest",
        "teamTraining",
    )


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    evidence = spec.compliance.get("evidence", {})
    for key in ctx.options_as(Options).required:
        if key not in evidence:
            yield Hit(
                pointer("spec", "compliance", "evidence", key),
                f"compliance.evidence has no {key!r} link",
            )
