"""Invariants of all policies together, on specs Hypothesis derives from the
bundled ones: no policy raises on a schema-valid spec, every hit points into
the document, and evaluation is deterministic."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from modelrail.engine import Active, evaluate
from modelrail.loader import Document, load_file
from modelrail.policy import Context, Environment
from modelrail.schema import SchemaSet
from testing import examples
from testing.repo import ROOT

SPECS = sorted((ROOT / "environments").glob("*/*-*.yaml"))
STRINGS = [
    "",
    "0s",
    "15m",
    "24h",
    "manual",
    "ALL",
    "none",
    "latest",
    "1Gi",
    "500m",
    "1.2",
]


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value`` (most stay schema-valid)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=0, max_value=2000)
    if isinstance(value, float):
        return st.floats(min_value=0, max_value=100, allow_nan=False)
    if isinstance(value, str):
        return st.sampled_from([*STRINGS, value + "0", value.upper()])
    if isinstance(value, list):
        return st.sampled_from([[], value[:1], value[::-1]])
    return st.just({})


@cache
def _schemas() -> SchemaSet:
    return SchemaSet(ROOT / "schemas")


@cache
def _active(env_name: str) -> tuple[Environment, list[Active]]:
    env = Environment(
        load_file(ROOT / "environments" / env_name / "environment.yaml").data
    )
    ctx = Context(examples.TODAY, {env_name: env})
    active = [
        Active(p, p.severity, Context(ctx.today, ctx.environments, p.default_options()))
        for p in examples.registry()
    ]
    return env, active


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    path = draw(st.sampled_from(SPECS))
    data = copy.deepcopy(load_file(path).data)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        where = draw(st.sampled_from(_paths(data["spec"], ("spec",))[1:]))
        parent: Any = data
        for key in where[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(_like(parent[where[-1]]))
    return path.parent.name, data


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(mutated())
def test_no_policy_raises_on_a_valid_spec(case: tuple[str, dict[str, Any]]) -> None:
    env_name, data = case
    # policies only ever see schema-valid specs
    assume(_schemas().get("ModelDeployment").fast.is_valid(data))
    node = load_file(SPECS[0]).node
    doc = Document("spec.yaml", data, node)
    env, active = _active(env_name)
    findings, crashes = evaluate(doc, env, active)
    assert crashes == [], [f"{c}\n{c.traceback}" for c in crashes]
    again, _ = evaluate(doc, env, active)
    assert again == findings
    for finding in findings:
        assert finding.location.pointer.startswith("/")
        assert finding.message
        assert finding.message == finding.message.strip()
