"""Business metrics alert the right way round, once each, and can be rendered.

Each business metric of ``monitoring.business`` becomes a warning and a
critical alert; the critical threshold is further from better than the
warning one, or the page comes before the ticket (``better: higher``:
critical below warning, as the seed's satisfaction 4.5 / 4.0; ``lower``:
critical above warning). Equal thresholds fire both at once. A name is the
``business_metric`` label of its alerts, so two metrics of one name could
not be told apart. A canary comparison (``canary: true``) sets the new
version's value against the stable one's: a count of requests or users
scales with the canary's share of traffic (10 % of it serves a tenth of the
users), so only values that do not (a score, a ratio) can be compared. A
``query`` is PromQL used as written, inside parentheses: its brackets must
balance (outside string literals), or the rendered rule would not parse, or
parse as something else.

Fails::

    spec:
      monitoring:
        business:
          - {name: usage, metric: model_business_active_users, unit: users/day, better: higher, warning: 500, critical: 1000}

Passes::

    spec:
      monitoring:
        business:
          - {name: usage, metric: model_business_active_users, unit: users/day, better: higher, warning: 1000, critical: 500}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelrail.findings import Severity
from modelrail.policy import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from modelrail.policy import Context, Environment, Spec

ID = "MR-OPS-015"
NAME = "business-thresholds"
SEVERITY = Severity.ERROR
REMEDIATION = (
    "Put critical past warning on the worse side (better: higher -> critical "
    "< warning; lower -> critical > warning), give each business metric its "
    "own name, compare only scores or ratios with the stable version "
    "(canary), and balance the brackets of a query."
)

COUNTS = ("requests/day", "users/day", "sessions/day", "count")
_PAIRS = {")": "(", "]": "[", "}": "{"}


def check(spec: Spec, env: Environment, ctx: Context) -> Iterator[Hit]:
    seen: set[str] = set()
    for index, item in enumerate(spec.monitoring.get("business", [])):
        at = f"/spec/monitoring/business/{index}"
        name = item["name"]
        if name in seen:
            yield Hit(f"{at}/name", f"business metric {name} is declared twice")
        seen.add(name)
        yield from _order(item, at)
        if item.get("canary", False) and item["unit"] in COUNTS:
            yield Hit(
                f"{at}/canary",
                f"{name} counts {item['unit']}, which scale with the canary's "
                "share of traffic: the canary and the stable version cannot be "
                "compared on it",
            )
        if "query" in item and not balanced(item["query"]):
            yield Hit(
                f"{at}/query",
                f"the query of {name} does not balance its brackets",
            )


def _order(item: Mapping[str, Any], at: str) -> Iterator[Hit]:
    warning, critical = item["warning"], item["critical"]
    name = item["name"]
    if item["better"] == "higher" and not critical < warning:
        yield Hit(
            f"{at}/critical",
            f"{name} is better higher, so its critical threshold {critical} "
            f"must be below its warning threshold {warning}",
        )
    elif item["better"] == "lower" and not critical > warning:
        yield Hit(
            f"{at}/critical",
            f"{name} is better lower, so its critical threshold {critical} "
            f"must be above its warning threshold {warning}",
        )


def balanced(query: str) -> bool:
    """Whether the brackets of a PromQL expression pair up, outside its
    string literals ('...', "...", `...`; backslash escapes in the first
    two)."""
    stack: list[str] = []
    quote = ""
    escaped = False
    for char in query:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote != "`":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return False
    return not stack and not quote
