"""The dashboard's JSON text (render/dashboard.py): written by orjson, it is
what ``json.dumps(board, indent=2, ensure_ascii=False)`` writes, byte for byte,
floats in Python's notation included; and the renderer's direct path
(``rendered``, one serialisation of the SDK's model) is ``text(build(...))``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from modelrail.render import dashboard
from modelrail.repository.loader import load_file
from testing.repo import FIXTURE

SPECS = sorted(
    (path.parent.name, path.stem)
    for path in (FIXTURE / "environments").glob("*/*-*.yaml")
    if path.stem != "waivers"
)

finite = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def old_text(board: Any) -> str:
    return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_the_text_is_json_dumps_byte_for_byte(board: dict[str, Any]) -> None:
    assert dashboard.text(board) == old_text(board)


def test_floats_in_python_notation() -> None:
    values = [1e-05, -2.5e-07, 0.0001, 5e-324, 1e16, 1.5e300, 0.1, -0.0, 1e-7]
    board = {"a": values, "b": {"c": 1e-05}, "s": "0.00001", "t": "x: 1e-5"}
    assert dashboard.text(board) == old_text(board)
    assert '"c": 1e-05\n' in dashboard.text(board)


def test_what_orjson_refuses_goes_to_the_json_module() -> None:
    for board in ({"big": 2**70}, {"s": "a\ud800b"}, {"k": {1: "one"}}):
        assert dashboard.text(board) == old_text(board)


def test_rendered_is_text_of_build() -> None:
    for env_name, model in SPECS:
        env = load_file(FIXTURE / "environments" / env_name / "environment.yaml").data
        spec = load_file(FIXTURE / "environments" / env_name / f"{model}.yaml").data
        args = (spec, env, env["spec"]["namespace"], f"environments/{env_name}/x.yaml")
        board = dashboard.build(*args)
        assert dashboard.rendered(*args) == dashboard.text(board), (env_name, model)
        assert board["uid"] == dashboard.uid(env_name, spec["metadata"]["name"])
