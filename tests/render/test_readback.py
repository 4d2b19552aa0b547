"""The fast reader of rendered files (render/readback.py): where it answers,
it answers what the loader does (``load_text(...).data``, types included);
everything unusual or wrong is left to the loader (None)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelrail.render.readback import plain_data
from modelrail.render.yamlout import block
from modelrail.repository.loader import LoadError, load_text
from testing.repo import bundled


def loaded(text: str) -> Any:
    try:
        return load_text(text, "x.yaml").data
    except LoadError:
        return LoadError


def same(text: str) -> None:
    fast = plain_data(text)
    if fast is None:
        return
    slow = loaded(text)
    assert fast == slow
    assert repr(fast) == repr(slow)  # 1 and 1.0 and True are == in Python


def test_every_bundled_rendered_file_reads_the_same() -> None:
    files = sorted((bundled() / "rendered").rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert plain_data(text) is not None, path
        same(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# nothing\n",
        "- a\n",
        "a\n",
        "a: 1\n---\nb: 2\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: !custom 1\n",
        "a: 1\na: 2\n",
        "a:\n  b: 1\n  b: 2\n",
        "<<: {a: 1}\n",
        "? [a]\n: 1\n",
        "1: one\n",
        "true: yes\n",
        "null: x\n",
        "a: .nan\n",
        "a: .inf\n",
        "a: " + "1" * 70 + "\n",
        "a: 1\u2028b: 2\n",
        "a: \x07\n",
        "a: [1, 2\n",
        "a: " + "[" * 60 + "]" * 60 + "\n",
    ],
)
def test_what_it_leaves_to_the_loader(text: str) -> None:
    assert plain_data(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n",
        "a: 1.5\nb: 0x1f\nc: 017\nd: 1_000\ne: 1:30\n",
        "a: yes\nb: No\nc: ~\nd: null\ne:\n",
        "a: 2026-12-31\nb: =\nc: '<<'\nd: x <<\n",
        "'<<': 1\n\"1\": 2\n",
        "a: |\n  text\n  more\nb: >-\n  folded\n  text\n",
        "a: {b: [1, 2, {c: d}], e: 'f'}\n",
        "a:\n- b: 1\n  c: [x]\n- - 1\n  - 2\n",
        "a: 'single ''quoted'''\nb: \"double \\\"quoted\\\" \\u00e9\"\n",
        "---\na: 1\n...\n",
        "a:\tb\n",
        "a: " + "[" * 40 + "]" * 40 + "\n",
    ],
)
def test_what_it_reads_is_what_the_loader_reads(text: str) -> None:
    assert plain_data(text) is not None
    same(text)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
    | st.sampled_from(["yes", "No", "on", "~", "<<", "=", "0x1f", "1:30", "1e3"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=6), values, min_size=1, max_size=4))
def test_yaml_filter_output_reads_the_same(data: dict[str, Any]) -> None:
    try:
        text = block(data, 0) + "\n"
    except TypeError:
        return  # no YAML form (yamlout's own tests)
    same(text)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=6), values, min_size=1, max_size=4))
def test_pyyaml_output_reads_the_same(data: dict[str, Any]) -> None:
    for flow in (False, True):
        same(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))
