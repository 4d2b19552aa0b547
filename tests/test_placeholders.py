"""What counts as a placeholder of modelrail new, and what does not."""

from __future__ import annotations

import pytest

from modelrail.placeholders import ZERO_DIGEST, find, is_placeholder


@pytest.mark.parametrize(
    "value",
    [
        "TODO: what the model does",
        "TODO",
        "todo-team",
        "todo-team-pager",
        "https://runbooks.invalid/TODO/x",
        "s3://todo.invalid/x/0.1.0/model",
        "https://user@host.invalid:8443/x",
        ZERO_DIGEST,
        f"registry.example.com/ml/x@{ZERO_DIGEST}",
    ],
)
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    [
        "todo-ranker",  # a model may be named so
        "Todo list ordering",
        "todo-teamwork",
        "a TODO in the middle",
        "https://grafana.example.com/d/x?note=x.invalid",
        "https://invalid.example.com/x",
        "sha256:" + "0" * 63 + "1",
        3,
        None,
    ],
)
def test_no_placeholders(value: object) -> None:
    assert not is_placeholder(value)


def test_find_names_each_one_by_its_pointer() -> None:
    data = {"a/b": ["ok", "TODO: x"], "c": {"d~e": ZERO_DIGEST}}
    assert list(find(data)) == [("/a~1b/1", "TODO: x"), ("/c/d~0e", ZERO_DIGEST)]
