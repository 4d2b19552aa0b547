"""The serialising filters: whatever a value holds, ``flow(v)`` and
``block(v, n)`` placed under a key read back as exactly ``v``, one document,
no extra key, with libyaml, pure-Python PyYAML and modelrail's own loader."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelrail.render.yamlout import (
    UnsafeValue,
    Yaml,
    block,
    flow,
    quoted,
    scalar,
    string,
    yaml_block_filter,
    yaml_filter,
)
from modelrail.repository.loader import load_text

LOADERS = [yaml.CSafeLoader, yaml.SafeLoader]
# Words some YAML version reads as a boolean or null (YAML 1.1: PyYAML;
# go-yaml v2 also y/n), in every spelling.
RESERVED = ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
# Characters that break lines, end documents, or are not printable somewhere.
SPECIAL_CHARS = [
    "\n", "\r", "\t", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\xa0",
    "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\U0001f600", "\U0010fffd",
    '"', "'", "\\", "#", ":", "-", "?", "&", "*", "!", "%", "@", "`", "|", ">",
    "{", "}", "[", "]", ",", " ", "~", "=", "<",
]  # fmt: skip
TRICKY = [
    "", " ", "-", "- x", "---", "...", "--- x", "~", "=", "<<", "? x", ": x",
    "a: b", "a:b", "a #b", "#x", "&anchor", "*alias", "!!python/object:os.system",
    "!tag x", "%YAML 1.1", "@x", "`x`", "|", ">", "{a: 1}", "[1]", "'q'", '"q"',
    "1.10", "1.0", "10", "-1", "+1", "0x1F", "0o17", "0b11", "012", "1_000",
    "1e3", "1e-5", ".5", "5.", "12:30:00", "190:20:30", "2001-12-14",
    "2001-12-14t21:59:43.10-05:00", ".inf", "-.Inf", ".NaN", "NaN", "Infinity",
    "{{ 7*7 }}", "{% raw %}", "${HOME}", "$(VAR)", "a\nb", "trailing ",
    " leading", "a  b", "/healthz", "/a/b-c_d.e", "s3://bucket/key", "\u2028",
]  # fmt: skip
LONG_KEYS = [c * n for c in ("k", "\xe9", "\x01", "\U0001f600") for n in (1000, 1025)]

_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]), st.sampled_from(SPECIAL_CHARS)
    ),
    max_size=40,
)
strings = st.one_of(_text, st.sampled_from(TRICKY + RESERVED), _text.map(str.upper))
keys = st.one_of(strings, st.sampled_from(LONG_KEYS))
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**63 - 1), max_value=10**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    strings,
)
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=25,
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (True is not 1, 1.0 is
    not 1, 0.0 is not -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def read_back(text: str) -> list[Any]:
    """The data of ``text`` by each reader; asserts it is exactly one document."""
    out = []
    for loader in LOADERS:
        documents = list(yaml.load_all(text, Loader=loader))
        assert len(documents) == 1, (loader.__name__, text)
        out.append(documents[0])
    out.append(load_text(text, "rendered.yaml").data)
    return out


def assert_round_trip(text: str, expected: Any) -> None:
    for data in read_back(text):
        assert same(data, expected), (text, data, expected)


def flow_document(value: Any) -> str:
    return f"before: 1\nouter:\n  value: {flow(value)}\n  after: 2\nlast: 3\n"


def block_document(value: Any, parent: int, indent: int) -> str:
    """``value`` as a block under a key at column ``parent``, continuation
    lines indented by ``indent`` (> parent), the way templates place it."""
    pad = " " * parent
    return (
        f"{pad}before: 1\n{pad}value:\n{' ' * indent}{block(value, indent)}\n"
        f"{pad}after: 2\n"
    )


def expected_document(value: Any) -> dict[str, Any]:
    return {"before": 1, "outer": {"value": value, "after": 2}, "last": 3}


# ---------------------------------------------------------------- properties


@settings(max_examples=400, deadline=None)
@given(values)
def test_flow_reads_back_as_the_value(value: Any) -> None:
    text = flow(value)
    assert "\n" not in text
    assert "\r" not in text
    assert not any(c in text for c in "\x85\u2028\u2029\ufeff")
    assert_round_trip(flow_document(value), expected_document(value))


@settings(max_examples=400, deadline=None)
@given(values, st.integers(min_value=0, max_value=6), st.integers(1, 6))
def test_block_reads_back_as_the_value(value: Any, parent: int, extra: int) -> None:
    text = block_document(value, parent, parent + extra)
    assert_round_trip(text, {"before": 1, "value": value, "after": 2})


@settings(max_examples=200, deadline=None)
@given(values)
def test_the_filters_return_yaml_and_agree_with_flow_and_block(value: Any) -> None:
    assert type(yaml_filter(value)) is Yaml
    assert yaml_filter(value) == flow(value)
    assert type(yaml_block_filter(value, 4)) is Yaml
    assert yaml_block_filter(value, 4) == block(value, 4)


@settings(max_examples=200, deadline=None)
@given(strings)
def test_a_string_never_reads_as_another_type(text: str) -> None:
    # as a value, as a key, in a list: always the same str
    assert_round_trip(f"a: {scalar(text)}\n", {"a": text})
    assert_round_trip(f"{string(text)}: 1\n", {text: 1})
    assert_round_trip(f"a: [{scalar(text)}]\n", {"a": [text]})


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_are_exact_and_read_as_floats(value: float) -> None:
    text = flow(value)
    # positional when short; else 1.0e+62, with the '.' and the sign YAML 1.1
    # needs to read a float (1e-05 and 1e+62 are strings there)
    assert len(text) <= 32 or re.fullmatch(r"-?[0-9]\.[0-9]+e[-+][0-9]+", text)
    assert "." in text
    assert_round_trip(f"a: {text}\n", {"a": value})


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize(
    "word",
    sorted(
        {
            "".join(chars)
            for word in RESERVED
            for chars in itertools.product(*({c.lower(), c.upper()} for c in word))
        }
    ),
)
def test_reserved_words_are_quoted(word: str) -> None:
    assert string(word) == f'"{word}"'
    assert_round_trip(f"a: {flow(word)}\n{flow(word)}: 1\n", {"a": word, word: 1})


def test_reserved_words_would_change_type_unquoted() -> None:
    # why they are quoted: PyYAML (YAML 1.1) reads these as booleans and null
    loaded = yaml.safe_load("[yes, No, ON, off, True, null, Null, NULL]")
    assert loaded == [True, False, True, False, True, None, None, None]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1.10", '"1.10"'),
        ("3.10", '"3.10"'),
        ("1.0.0+build.5", '"1.0.0+build.5"'),
        ("0x1F", '"0x1F"'),
        ("1e3", '"1e3"'),
        ("012", '"012"'),
        ("", '""'),
        ("~", '"~"'),
        ("-", '"-"'),
        ("---", '"---"'),
        ("a: b", '"a: b"'),
        ("a #b", '"a #b"'),
        ("&a", '"&a"'),
        ("*a", '"*a"'),
        ("!!python/object:os.system", '"!!python/object:os.system"'),
        ("%YAML", '"%YAML"'),
        ("{{ 7*7 }}", '"{{ 7*7 }}"'),
        ("fraud-detector", "fraud-detector"),
        ("/healthz", "/healthz"),
        ("app.kubernetes.io/name", "app.kubernetes.io/name"),
        ("RuntimeDefault", "RuntimeDefault"),
        ("Y2", "Y2"),
    ],
)
def test_strings(value: str, text: str) -> None:
    assert flow(value) == text
    assert_round_trip(f"a: {text}\n", {"a": value})


@pytest.mark.parametrize(
    ("char", "escape"),
    [
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x00", "\\0"),
        ("\x1b", "\\e"),
        ("\x7f", "\\u007f"),
        ("\x85", "\\u0085"),  # NEL: a line break to YAML 1.1
        ("\u2028", "\\u2028"),  # line separator
        ("\u2029", "\\u2029"),  # paragraph separator
        ("\ufeff", "\\ufeff"),  # byte order mark
        ("\uffff", "\\uffff"),
        ('"', '\\"'),
        ("\\", "\\\\"),
    ],
)
def test_line_breaking_and_control_characters_are_escaped(
    char: str, escape: str
) -> None:
    assert quoted(f"a{char}b") == f'"a{escape}b"'
    assert_round_trip(f"a: {flow(f'a{char}b')}\n", {"a": f"a{char}b"})


def test_printable_unicode_is_written_as_is() -> None:
    text = "caf\xe9 \u65e5\u672c \U0001f600"
    assert quoted(text) == f'"{text}"'
    assert_round_trip(f"a: {flow(text)}\n", {"a": text})


def test_a_lone_surrogate_has_no_yaml_form() -> None:
    # libyaml (and go-yaml) refuse even the escape \ud800: no faithful form
    with pytest.raises(UnsafeValue, match="surrogate"):
        flow("a\ud800b")
    with pytest.raises(UnsafeValue, match="surrogate"):
        block({"k\udfff": 1}, 2)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-7, "-7"),
        (2**80, str(2**80)),
        (2.0, "2.0"),
        (-0.0, "-0.0"),
        (0.1, "0.1"),
        (1e-05, "0.00001"),
        (1.5e16, "15000000000000000.0"),
        (1e30, "1.0e+30"),  # positional would be 33 characters
        (-5e-324, "-5.0e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (10**63, "1" + "0" * 63),
        ([], "[]"),
        ({}, "{}"),
        ([1, "a", None], "[1, a, null]"),
        ({"a": [True, {"b": "c d"}]}, '{a: [true, {b: "c d"}]}'),
        ((1, 2), "[1, 2]"),
    ],
)
def test_flow_examples(value: Any, text: str) -> None:
    assert flow(value) == text


def test_block_indents_continuation_lines_only() -> None:
    value = {"a": [1, {"b": 2, "c": []}], "d": {}, "e": {"f": "g"}}
    assert block(value, 4) == (
        "a:\n      - 1\n      - b: 2\n        c: []\n    d: {}\n    e:\n      f: g"
    )
    assert block([[1, 2], [[3]]], 2) == "- - 1\n    - 2\n  - - - 3"
    assert block("x", 8) == "x"
    assert block([], 8) == "[]"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(value: float) -> None:
    for unsafe in (value, [1, value], {"a": {"b": value}}):
        with pytest.raises(UnsafeValue):
            flow(unsafe)
        with pytest.raises(UnsafeValue):
            block(unsafe, 2)
        with pytest.raises(UnsafeValue):
            yaml_filter(unsafe)


@pytest.mark.parametrize(
    "value",
    [
        {1: "a"},
        {None: "a"},
        {("a",): 1},
        b"bytes",
        bytearray(b"x"),
        {1, 2},
        object(),
        __import__("datetime").date(2026, 1, 1),
    ],
    ids=lambda v: type(v).__name__,
)
def test_values_with_no_json_form_are_refused(value: Any) -> None:
    with pytest.raises(UnsafeValue):
        flow(value)
    with pytest.raises(UnsafeValue):
        block({"k": value}, 2)


@pytest.mark.parametrize("value", [10**64, -(10**63)])
def test_integers_longer_than_the_loader_reads_are_refused(value: int) -> None:
    # modelrail's loader (the parse-back of every rendered file) reads numbers
    # of at most 64 characters; Kubernetes none anywhere near that long
    with pytest.raises(UnsafeValue, match="65 characters"):
        flow(value)


@pytest.mark.parametrize("indent", [-1, True, 2.0, "2", None])
def test_yaml_block_needs_a_whole_indentation(indent: Any) -> None:
    with pytest.raises(UnsafeValue, match="indentation"):
        yaml_block_filter({"a": 1}, indent)


@pytest.mark.parametrize("key", LONG_KEYS, ids=lambda k: f"{len(k)}x{ord(k[0]):x}")
def test_keys_longer_than_an_implicit_key_are_explicit(key: str) -> None:
    # libyaml, PyYAML and go-yaml only take a key of at most 1024 characters
    # before its ':'; longer keys are written as '? key'
    value = {key: [1, {key: "v"}], "short": {key: None}}
    assert_round_trip(flow_document(value), expected_document(value))
    for parent, indent in ((0, 2), (2, 4), (0, 8)):
        text = block_document(value, parent, indent)
        assert_round_trip(text, {"before": 1, "value": value, "after": 2})


def test_a_key_at_the_implicit_limit_stays_implicit() -> None:
    key = "k" * 1000
    assert flow({key: 1}) == "{" + key + ": 1}"
    assert block({key: 1}, 2) == key + ": 1"
    assert flow({key + "k": 1}).startswith("{? ")
