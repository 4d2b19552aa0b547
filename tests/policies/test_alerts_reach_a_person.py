"""MR-OPS-016 on environments the fixture repository does not have: a team
without a pager, without Slack or email, without a rollback relay, and an
environment that routes nothing. (The examples patch specs only.)"""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from modelrail.policy import Context, Environment, Spec
from modelrail.repository.loader import load_file
from testing import examples
from testing.repo import FIXTURE

POLICY = examples.registry().get("MR-OPS-016")
TODAY = datetime.date(2026, 11, 21)


def _data(env: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(
        load_file(FIXTURE / "environments" / env / f"{name}.yaml").data
    )
    return data


def _hits(env: dict[str, Any], spec: dict[str, Any], pager: bool = True) -> list[str]:
    assert POLICY.options_type is not None
    ctx = Context(TODAY, options=POLICY.options_type(pager=pager))
    return [
        f"{h.pointer} {h.message}"
        for h in POLICY.check(Spec(spec), Environment(env), ctx)
    ]


def test_the_bundled_prod_routes_every_alert() -> None:
    assert _hits(_data("prod", "environment"), _data("prod", "fraud-detector")) == []


@pytest.mark.parametrize(
    ("removed", "pointer", "fragment"),
    [
        ("pager", "/spec/monitoring/alerts/page", "no one's phone rings"),
        ("slack+email", "/metadata/team", "warnings of fraud-detector reach no one"),
        ("rollback", "/spec/rollback/automatic", "reaches people only"),
        ("alerting", "/metadata/team", "has no spec.alerting"),
    ],
)
def test_what_is_missing_is_said(removed: str, pointer: str, fragment: str) -> None:
    env = _data("prod", "environment")
    alerting = env["spec"]["alerting"]
    team = alerting["teams"]["risk-ml"]
    if removed == "pager":
        del team["pager"]
    elif removed == "slack+email":
        del team["slack"], team["email"]
    elif removed == "rollback":
        del alerting["rollback"]
    else:
        del env["spec"]["alerting"]
    (hit,) = _hits(env, _data("prod", "fraud-detector"))
    assert hit.startswith(f"{pointer} ")
    assert fragment in hit


def test_a_page_may_reach_slack_where_the_profile_says() -> None:
    env = _data("prod", "environment")
    del env["spec"]["alerting"]["teams"]["risk-ml"]["pager"]
    assert _hits(env, _data("prod", "fraud-detector"), pager=False) == []


def test_a_spec_that_does_not_page_needs_no_pager() -> None:
    env = _data("prod", "environment")
    del env["spec"]["alerting"]["teams"]["risk-ml"]["pager"]
    spec = _data("prod", "fraud-detector")
    spec["spec"]["monitoring"]["alerts"]["page"] = False
    assert _hits(env, spec) == []
