"""``modelrail.promotion``: when a change goes back, when it is a declared
rollback, and what that spares it (issue 17)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from modelrail.policy import Context, Spec
from modelrail.promotion import (
    declared_rollback,
    going_back,
    restored,
    skips_plan,
)
from testing.history import StaticHistory

TODAY = datetime.date(2026, 11, 21)
REVERT = {"from": "3.3.0", "reason": "INC-2291"}


def spec(
    version: str,
    *,
    previous: str | None = None,
    revert: dict[str, Any] | None = None,
    step: int | None = None,
    first: int = 10,
) -> Spec:
    rollback: dict[str, Any] = {}
    if previous is not None:
        rollback["previousVersion"] = previous
    if revert is not None:
        rollback["revert"] = revert
    rollout: dict[str, Any] = {
        "strategy": "canary",
        "steps": [{"weight": first, "pause": "2h"}, {"weight": 100}],
    }
    if step is not None:
        rollout["currentStep"] = step
    return Spec(
        {
            "metadata": {"name": "m", "environment": "prod"},
            "spec": {
                "model": {"version": version},
                "serving": {"image": f"r/m:{version}"},
                "rollout": rollout,
                "rollback": rollback,
            },
        }
    )


def ctx(base: Spec | None) -> Context:
    specs = {} if base is None else {("prod", "m"): base.data}
    return Context(TODAY, history=StaticHistory("main", specs))


@pytest.mark.parametrize(
    ("before", "previous", "version", "declared", "expected"),
    [
        ("3.3.0", None, "3.2.0", False, True),  # lower: declared or not
        ("3.3.0", None, "3.3.0-rc.1", False, True),  # a pre-release is lower
        ("3.2.0", None, "3.3.0", True, False),  # up, whatever it declares
        ("3.2.0+b.7", "3.2.0+b.6", "3.2.0+b.6", True, True),  # the one named
        ("3.2.0+b.7", "3.2.0+b.6", "3.2.0+b.6", False, False),  # undeclared
        ("3.2.0+b.7", "3.1.4", "3.2.0+b.6", True, False),  # not the one named
        ("3.2.0", "3.3.0", "3.3.0", True, False),  # named, but higher
    ],
)
def test_going_back(
    before: str, previous: str | None, version: str, declared: bool, expected: bool
) -> None:
    revert = {"from": before, "reason": "x"} if declared else None
    assert going_back(
        spec(version, revert=revert), spec(before, previous=previous)
    ) is (expected)


def test_a_declared_rollback_names_the_version_the_base_ran() -> None:
    base = spec("3.3.0")
    assert declared_rollback(spec("3.2.0", revert=REVERT), ctx(base))
    wrong = {"from": "3.4.0", "reason": "x"}
    assert not declared_rollback(spec("3.2.0", revert=wrong), ctx(base))
    assert not declared_rollback(spec("3.2.0"), ctx(base))  # undeclared
    assert not declared_rollback(spec("3.2.0", revert=REVERT), ctx(None))  # new


def test_without_history_nothing_is_a_rollback() -> None:
    assert not declared_rollback(spec("3.2.0", revert=REVERT), Context(TODAY))
    assert not restored(spec("3.2.0", revert=REVERT), Context(TODAY))
    assert not skips_plan(spec("3.2.0", revert=REVERT), Context(TODAY))


def test_restored_holds_for_the_later_change_of_the_same_revision() -> None:
    # the change after the rollback: same version, same revert, traffic moves
    base = spec("3.2.0", revert=REVERT, step=0)
    assert restored(spec("3.2.0", revert=REVERT), ctx(base))
    # a revert the base did not declare restores nothing
    assert not restored(spec("3.2.0", revert=REVERT), ctx(spec("3.2.0", step=0)))
    # nor does the same revert on other bytes
    other = spec("3.2.0", revert=REVERT)
    other.body["serving"]["image"] = "r/m:rebuilt"
    assert not restored(other, ctx(base))


def test_the_plan_is_spared_only_when_the_rollback_keeps_it() -> None:
    base = spec("3.3.0", first=25)
    assert skips_plan(spec("3.2.0", revert=REVERT, first=25), ctx(base))
    assert not skips_plan(spec("3.2.0", revert=REVERT, first=50), ctx(base))
    # where a KServe canary stands is not the plan
    assert skips_plan(
        spec("3.2.0", revert=REVERT, first=25), ctx(spec("3.3.0", step=0, first=25))
    )
    # a later change under the same revert is judged: the plan is the next
    # promotion's
    later = spec("3.2.0", revert=REVERT, first=25)
    assert not skips_plan(later, ctx(spec("3.2.0", revert=REVERT, first=25)))
