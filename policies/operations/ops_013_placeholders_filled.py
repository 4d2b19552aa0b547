"""No placeholder of modelrail new is left in a spec.

``modelrail new`` (and a promotion into an environment new to the model)
writes a complete spec whose values only a person can know are placeholders:
text starting with ``TODO``, an address on a ``.invalid`` host, a digest of
zeros. They are schema-valid on purpose, so that every other policy judges
the rest of the spec; this one keeps them from reaching a cluster.

Fails::

    spec:
      monitoring:
        runbook: https://runbooks.invalid/TODO/fraud-detector

Passes::

    spec:
      monitoring:
        runbook: https://runbooks.example.com/ml/fraud-detector
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.placeholders import find
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-013"
NAME = "placeholders-filled"
SEVERITY = Severity.ERROR
WAIVABLE = False
REMEDIATION = (
    "Replace the placeholder with the real value (see the comment next to it)."
)


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    for pointer, value in find(spec.data):
        yield Hit(pointer, f"{value!r} is a placeholder of modelrail new: fill it in")
