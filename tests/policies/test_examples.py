"""Every policy fires on its failing examples, exactly where the carets say,
and stays quiet on its passing ones; the docstring snippets tell the truth."""

from __future__ import annotations

import pytest

from testing import examples

POLICIES = list(examples.registry())
CASES = [
    pytest.param(policy, kind, path, id=f"{policy.id}/{kind}/{path.name}")
    for policy in POLICIES
    for kind in ("fail", "pass")
    for path in examples.files(policy.id, kind)
]


@pytest.mark.parametrize(("policy", "kind", "path"), CASES)
def test_example(policy, kind, path) -> None:
    text = path.read_text(encoding="utf-8")
    want = examples.expected(text)
    got = examples.run(policy, text, path.name)
    if kind == "pass":
        assert not want, "a passing example has no carets"
        assert got == [], [f"{h.line}:{h.column} {h.message}" for h in got]
    else:
        assert want, "a failing example marks where its findings are with carets"
        assert [(h.line, h.column) for h in got] == want, [
            f"{h.line}:{h.column} {h.message}" for h in got
        ]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_every_policy_fails_and_passes(policy) -> None:
    assert examples.files(policy.id, "fail"), f"tests/examples/{policy.id}/fail/"
    assert examples.files(policy.id, "pass"), f"tests/examples/{policy.id}/pass/"


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.id)
def test_docstring_snippets(policy) -> None:
    for snippet in policy.fails:
        assert examples.run(policy, snippet, f"{policy.id} Fails::"), snippet
    for snippet in policy.passes:
        assert examples.run(policy, snippet, f"{policy.id} Passes::") == [], snippet
