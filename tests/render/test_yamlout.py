"""The serialising filters: whatever a value holds, ``flow(v)``,
``block(v, n)`` and ``literal(text, n)`` placed under a key read back as
exactly ``v``, one document, no extra key, with libyaml, pure-Python PyYAML
and modelrail's own loader."""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelrail.render import yamlout
from modelrail.render.yamlout import (
    UnsafeValue,
    Yaml,
    block,
    flow,
    literal,
    quoted,
    scalar,
    string,
    yaml_block_filter,
    yaml_filter,
    yaml_literal_filter,
)
from modelrail.repository.loader import load_text

LOADERS: list[Any] = [yaml.CSafeLoader, yaml.SafeLoader]
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
    assert isinstance(yaml_filter(value), Yaml)  # a Slot: the text and its value
    assert yaml_filter(value) == flow(value)
    assert isinstance(yaml_block_filter(value, 4), Yaml)
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


# ---------------------------------------------------------------- literal blocks


def literal_document(text: str, indent: int) -> str:
    """``text`` as a literal block under a key at column 2 (the way
    dashboard.yaml.j2 places its JSON), keys before and after it."""
    return f"before: 1\nouter:\n  value: {literal(text, indent)}\n  after: 2\nlast: 3\n"


_lines = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]), st.sampled_from(SPECIAL_CHARS)
    ),
    max_size=60,
)
texts = st.one_of(
    _lines,
    st.lists(st.sampled_from([*TRICKY, "  {", '    "a": 1,', "}", ""]), max_size=8).map(
        "\n".join
    ),
    st.lists(_lines, max_size=5).map("\n".join),
)


@settings(max_examples=400, deadline=None)
@given(texts, st.integers(min_value=1, max_value=8))
def test_literal_reads_back_as_the_text(text: str, indent: int) -> None:
    out = literal(text, indent)
    assert out.startswith(("|\n", "|-\n", '"')), out
    assert_round_trip(f"k: {literal(text, 2)}\n", {"k": text})
    # the line break after the block is the text's last (the template's line
    # ends there): without it, "k: |\n  0" reads as "0"
    assert yaml.safe_load("k: " + literal(text, 2) + "\n") == {"k": text}
    assert_round_trip(literal_document(text, indent + 2), expected_document(text))


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        texts,
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=80),
        st.lists(st.sampled_from(["  ", " ", "\n", "\t", "a", "\x7f", "{"])).map(
            "".join
        ),
    )
)
def test_the_ascii_shortcut_carries_what_the_character_class_carries(
    text: str,
) -> None:
    # the bytes check (ASCII text: a dashboard's JSON) answers as the
    # regular expression does, for every text
    plain = " \n" not in text and yamlout._LINES.fullmatch(text) is not None
    assert yamlout._carried(text) is plain


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1), st.text())
def test_a_lone_surrogate_in_a_literal_is_refused(before: str, after: str) -> None:
    with pytest.raises(UnsafeValue, match="surrogate"):
        literal(f"{before}\n\ud800{after}\n", 2)


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("a\nb\n", "|\n  a\n  b"),
        ("a\nb", "|-\n  a\n  b"),
        ("one line\n", "|\n  one line"),
        ("one line", "|-\n  one line"),
        ('{\n  "a": "x\\"y"\n}\n', '|\n  {\n    "a": "x\\"y"\n  }'),
        ("a\n\nb\n", "|\n  a\n\n  b"),  # an empty line carries no indentation
        ("a\n  b\n", "|\n  a\n    b"),  # later lines may start with spaces
        ("# not a comment\n---\n...\n", "|\n  # not a comment\n  ---\n  ..."),
        ("caf\xe9 \u65e5\xa0\n", "|\n  caf\xe9 \u65e5\xa0"),
        ("{{ 7*7 }}: x\n- y\n", "|\n  {{ 7*7 }}: x\n  - y"),
    ],
)
def test_literal_blocks(text: str, block: str) -> None:
    assert literal(text, 2) == block
    assert_round_trip(f"k: {block}\n", {"k": text})
    assert_round_trip(literal_document(text, 4), expected_document(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "a\x00b\n",  # a control character
        "a\x1bb\n",
        "a\x7fb\n",
        "a\x85b\n",  # NEL: a line break to YAML 1.1
        "a\u2028b\n",
        "a\ufeffb\n",
        "a\tb\n",  # a tab
        "a\rb\n",  # CR
        "a\r\nb\r\n",
        "a \nb\n",  # trailing spaces (a literal block keeps them, editors do not)
        "a\nb \n",
        "a\nb  ",
        " a\nb\n",  # a space at the start of the first line
        "\na\n",  # an empty first line
        "\n\na\n",
        "a\n\n",  # more than one newline at the end
        "a\nb\n\n\n",
        "\U0001f600\n",  # outside the characters a literal block takes here
    ],
    ids=repr,
)
def test_literal_falls_back_to_double_quotes(text: str) -> None:
    out = literal(text, 2)
    assert out == quoted(text)
    assert "\n" not in out
    assert_round_trip(f"k: {out}\n", {"k": text})
    assert_round_trip(literal_document(text, 4), expected_document(text))


def test_a_lone_surrogate_has_no_literal_form() -> None:
    with pytest.raises(UnsafeValue, match="surrogate"):
        literal("a\ud800b\n", 2)
    with pytest.raises(UnsafeValue, match="surrogate"):
        yaml_literal_filter("x\n\udfff\n", 4)


def test_the_literal_filter() -> None:
    out = yaml_literal_filter("a\nb\n", 4)
    assert isinstance(out, Yaml)
    assert out == literal("a\nb\n", 4) == "|\n    a\n    b"


@pytest.mark.parametrize("indent", [0, -1, True, 2.0, "2", None])
def test_yaml_literal_needs_a_positive_indentation(indent: Any) -> None:
    with pytest.raises(UnsafeValue, match="indentation"):
        yaml_literal_filter("a\n", indent)


@pytest.mark.parametrize("value", [None, 1, ["a"], {"a": "b"}, b"a\n"])
def test_yaml_literal_writes_text_only(value: Any) -> None:
    with pytest.raises(UnsafeValue, match="text only"):
        yaml_literal_filter(value, 2)
