"""Reading a rendered file by its shape (render/readback.shaped): whatever the
template and the values, it answers what the file read as it is answers
(``plain_data``, the loader's values), or leaves the file to the loader.

Templates put the filters' outputs in every kind of place, good and bad
(quoted, in a comment, after other text, at the wrong indentation, as keys,
spliced among other keys); each is rendered with several values in a row,
so that later ones are read from the shape the first ones taught."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelrail.render import readback
from modelrail.render.readback import plain_data, shaped
from modelrail.render.templating import Templates
from modelrail.repository.loader import LoadError, load_text
from testing.repo import bundled

if TYPE_CHECKING:
    from pathlib import Path

TEMPLATES = {
    "value.j2": "a: {{ x | yaml }}\nb: 1\n",
    "quoted.j2": 'a: "{{ x | yaml }}"\n',
    "single.j2": "a: '{{ x | yaml }}'\n",
    "after-text.j2": "a: pre-{{ x | yaml }}\n",
    "before-text.j2": "a: {{ x | yaml }}1\nb: {{ y | yaml }} tail\n",
    "adjacent.j2": "a: {{ x | yaml }}{{ y | yaml }}\n",
    "two.j2": "a: {{ x | yaml }} {{ y | yaml }}\n",
    "keys.j2": "{{ x | yaml }}: 1\n{{ y | yaml }}: 2\nb: 3\n",
    "explicit-key.j2": "? {{ x | yaml }}\n: 1\n",
    "comment.j2": "# {{ x | yaml }}\na: {{ y | yaml }} # {{ x | yaml }}\n",
    "flow.j2": "a: [{{ x | yaml }}, {{ y | yaml }}]\nb: {k: {{ x | yaml }}}\n",
    "continued.j2": "a: {{ x | yaml }}\n  more\nb: 1\n",
    "anchor.j2": "a: &n {{ x | yaml }}\nb: *n\n",
    "tag.j2": "a: !!str {{ x | yaml }}\n",
    "in-literal.j2": "a: |\n  {{ x | yaml }}\nb: 1\n",
    "block.j2": "a:\n  {{ m | yaml_block(2) }}\nb: 1\n",
    "splice.j2": "a:\n  s: 1\n  {{ m | yaml_block(2) }}\n  t: 2\n",
    "two-splices.j2": "a:\n  {{ m | yaml_block(2) }}\n  {{ n | yaml_block(2) }}\n",
    "root-splice.j2": "s: 1\n{{ m | yaml_block(0) }}\n",
    "too-deep.j2": "a:\n    {{ m | yaml_block(2) }}\n",
    "too-shallow.j2": "a:\n  b:\n   {{ m | yaml_block(4) }}\n",
    "same-line.j2": "a: {{ m | yaml_block(2) }}\n",
    "list.j2": "l:\n  - x\n  {{ m | yaml_block(2) }}\n",
    "compact.j2": "l:\n  - {{ m | yaml_block(4) }}\n  - {{ n | yaml_block(4) }}\n",
    "zero-indent.j2": "a:\n{{ m | yaml_block(0) }}\nb: 1\n",
    "flow-splice.j2": "a: { {{ m | yaml_block(2) }} }\n",
    "trailing.j2": "a:\n  {{ m | yaml_block(2) }} x\n",
    "block-key.j2": "{{ m | yaml_block(0) }}: 1\n",
    "literal.j2": "t: {{ text | yaml_literal(2) }}\nnext: 1\n",
    "literal-line.j2": "t:\n  {{ text | yaml_literal(2) }}\n",
    "literal-shallow.j2": "a:\n  t: {{ text | yaml_literal(2) }}\n  u: 1\n",
    "literal-end.j2": "t: {{ text | yaml_literal(2) }}",
    "literal-tail.j2": "t: {{ text | yaml_literal(2) }} # x\n",
    "literal-key.j2": "{{ text | yaml_literal(2) }}: 1\n",
    "set.j2": "{% set v = x | yaml %}a: {{ v }}\nb: {{ v }}\n",
    "include.j2": "{% include 'value.j2' %}c: {{ y | yaml }}\n",
    "const.j2": "a: {{ 'const' | yaml }}\nb: {{ x | yaml }}\n",
    "not-a-mapping.j2": "- {{ x | yaml }}\n",
    "documents.j2": "a: {{ x | yaml }}\n---\nb: 1\n",
}

tricky = st.sampled_from(
    ["yes", "no", "~", "null", "1.0", "0x1f", "a: b", "#x", "- x", "<<", "=",
     "s", "t", "b", "x" * 1001, "k" * 1030, "\ue000", "\ue0001\ue001", "a\nb"]
)  # fmt: skip
scalars = (
    st.from_regex(r"[a-z][a-z0-9 ]{0,3}", fullmatch=True)
    | st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | tricky
)
keys = st.text(max_size=3) | tricky
collections = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3)
    ),
    max_leaves=8,
)
texts = st.text(max_size=20) | st.sampled_from(
    ["line\n", "a\nb", "a\nb\n", "a\n\nb\n", " lead\n", '{\n  "k": 1\n}']
)
values = st.fixed_dictionaries(
    {"x": collections, "y": collections, "m": collections, "n": collections,
     "text": texts}
)  # fmt: skip


@pytest.fixture
def templates(tmp_path: Path) -> Templates:
    for name, source in TEMPLATES.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    return Templates(tmp_path, "templates")


def loaded(text: str) -> Any:
    try:
        return load_text(text, "x.yaml").data
    except LoadError:
        return None


def check(templates: Templates, name: str, values: dict[str, Any]) -> None:
    try:
        text, parts, slots = templates.render_parts(name, values)
    except Exception:  # noqa: BLE001 - no YAML form: yamlout's tests
        return
    assert text == templates.render(name, values)
    if parts is None:
        return
    fast = shaped(parts, slots, text)
    slow = plain_data(text)
    if slow is None:
        assert fast is None, (name, text)
        return
    assert fast == slow, (name, text, fast, slow)
    assert repr(fast) == repr(slow), (name, text)
    assert slow == loaded(text)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(runs=st.lists(values, min_size=2, max_size=4))
def test_a_shape_reads_what_the_text_reads(
    templates: Templates, name: str, runs: list[dict[str, Any]]
) -> None:
    readback._SHAPES.clear()  # the first run teaches the shape, the next use it
    for run in runs:
        check(templates, name, run)


SCALARS = ["ab", "a b", 'a"b', "s", 1, 1.5, True, None, "yes", "#x", "a: b", "x" * 1001]
COLLECTIONS = [{"k": "v"}, {"s": 2}, {"k": [1, "a b"]}, [1, "a b"], [{"k": 1}], {}, []]
TEXTS = ["line\n", "a\nb", "a\n\nb\n", " lead", '{\n  "k": 1\n}\n', "x"]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_pair_of_values_in_a_row(templates: Templates, name: str) -> None:
    """The shape taught by the first value, used for the second."""
    runs = [
        {"x": x, "y": x, "m": x, "n": x, "text": text}
        for x, text in zip(SCALARS + COLLECTIONS, TEXTS * 4, strict=False)
    ]
    for first in runs:
        for second in runs:
            readback._SHAPES.clear()
            check(templates, name, first)
            check(templates, name, second)


def test_shapes_learnt_then_used(templates: Templates) -> None:
    readback._SHAPES.clear()
    for m in ({"a": 1, "b": [1, 2]}, {"a": 2, "b": [3, 4]}, {"a": "x", "b": []}):
        check(templates, "splice.j2", {"m": m})
    learnt = [v for v in readback._SHAPES.values() if v is not readback._UNSHAPED]
    assert learnt  # the same shape twice: read by shape the second time


def test_every_bundled_rendered_file_reads_the_same_by_shape() -> None:
    """The bundled repository rendered twice (the second time by shape)."""
    from modelrail.render import inputs
    from modelrail.render.renderer import plan_model, templates_of
    from modelrail.repository.layout import Repository

    repo = Repository(bundled())
    loaded_inputs = inputs.load(repo, ())
    templates = templates_of(repo.root)
    for _ in range(2):
        for env_name, models in loaded_inputs.models.items():
            env = loaded_inputs.environments[env_name].data
            for model in models:
                for item in plan_model(model, env, templates):
                    text, parts, slots = templates.render_parts(
                        item.template, dict(item.values)
                    )
                    assert parts is not None
                    data = shaped(parts, slots, text)
                    assert data is not None
                    assert repr(data) == repr(load_text(text, "x.yaml").data)
