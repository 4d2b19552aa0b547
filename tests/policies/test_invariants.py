"""Invariants of all policies together, on specs Hypothesis derives from the
bundled ones: no policy raises on a schema-valid spec, every hit points into
the document, and evaluation is deterministic."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import HealthCheck, assume, given, settings

from modelrail.policy import Context, Environment
from modelrail.policy.engine import Active, evaluate
from modelrail.repository.loader import Document, load_file
from modelrail.repository.schema import SchemaSet
from testing import examples
from testing.repo import FIXTURE, ROOT
from testing.strategies import SPECS, mutated


@cache
def _schemas() -> SchemaSet:
    return SchemaSet(ROOT / "schemas")


@cache
def _active(env_name: str) -> tuple[Environment, list[Active]]:
    env = Environment(
        load_file(FIXTURE / "environments" / env_name / "environment.yaml").data
    )
    ctx = Context(examples.TODAY, {env_name: env})
    active = [
        Active(p, p.severity, Context(ctx.today, ctx.environments, p.default_options()))
        for p in examples.registry()
    ]
    return env, active


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
