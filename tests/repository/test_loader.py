"""The loader: safe YAML in, one mapping with positions out, or a located LoadError."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from modelrail.findings import Location
from modelrail.repository import loader as loader_module
from modelrail.repository.loader import (
    MAX_ALIASES,
    MAX_BYTES,
    Document,
    LoadError,
    load_bytes,
    load_file,
    load_text,
)
from testing.repo import FIXTURE

if TYPE_CHECKING:
    from collections.abc import Callable

NAME = "x.yaml"
BUNDLED = sorted(FIXTURE.glob("environments/*/*.yaml"))


def load_error(text: str, **limits: int) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_text(text, NAME, **limits)
    return info.value


def where(error: LoadError) -> tuple[int, int]:
    assert error.location.file == NAME
    return error.location.line, error.location.column


def nested_lists(levels: int) -> str:
    """A top-level key holding ``levels`` lists, each inside the one before."""
    return "a: " + "[" * levels + "]" * levels + "\n"


# ---------------------------------------------------------------- valid files


@pytest.mark.parametrize(
    "path", BUNDLED, ids=lambda p: p.relative_to(FIXTURE).as_posix()
)
def test_bundled_file_loads_as_safe_load_reads_it(path: Path) -> None:
    doc = load_file(path, "shown.yaml")
    assert doc.path == "shown.yaml"
    assert doc.data == yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n",
        "a: {b: [1, 2.5, x, null, true]}\nc: 'quoted'\n",
        "list:\n  - name: one\n    value: 1\n  - name: two\n",
        "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
        "empty:\nnull_value: ~\nempty_list: []\nempty_map: {}\n",
        "unicode: caf\u00e9 \u2713\n'key with spaces': v\n",
        "x: &x {p: 1}\ny: *x\n",
        "a: 1\n...\n",
        "---\na: 1\n",
    ],
)
def test_plain_document_equals_safe_load(text: str) -> None:
    doc = load_text(text, NAME)
    assert isinstance(doc, Document)
    assert doc.data == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("expires: 2026-12-31\n", {"expires": "2026-12-31"}),
        ("at: 2026-12-31T10:00:00Z\n", {"at": "2026-12-31T10:00:00Z"}),
        ("at: 2026-12-31 10:00:00\n", {"at": "2026-12-31 10:00:00"}),
        ("d: !!timestamp 2026-01-02\n", {"d": "2026-01-02"}),
    ],
)
def test_dates_stay_strings(text: str, expected: dict[str, Any]) -> None:
    assert load_text(text, NAME).data == expected


def test_utf8_bom_is_accepted() -> None:
    text = "apiVersion: modelrail.io/v1\nname: caf\u00e9\n"
    doc = load_bytes(b"\xef\xbb\xbf" + text.encode(), NAME)
    assert doc.data == {"apiVersion": "modelrail.io/v1", "name": "caf\u00e9"}
    assert doc.locate("/name") == load_text(text, NAME).locate("/name")


def test_utf8_bom_does_not_shift_error_positions() -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(b"\xef\xbb\xbfa: 1\na: 2\n", NAME)
    assert where(info.value) == (2, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: no\n", False),
        ("a: yes\n", True),
        ("a: On\n", True),
        ("a: 010\n", 8),
        ("a: 0x1F\n", 31),
        ("a: 1_000\n", 1000),
        ("a: 1:30\n", 90),
        ("a: 1.10\n", 1.1),
        ("a: 3.10\n", 3.1),
        ("a: NO\n", False),
        ("a: y\n", "y"),
        ("a: 1e3\n", "1e3"),
    ],
)
def test_yaml_1_1_meaning_is_kept(text: str, expected: object) -> None:
    # The loader reads YAML 1.1 like every PyYAML user; the schema then says
    # "the unquoted NO is read by YAML as the boolean false" (test_schema.py).
    value = load_text(text, NAME).data["a"]
    assert value == expected
    assert type(value) is type(expected)


def test_yaml_1_1_values_of_the_issue() -> None:
    doc = load_text("a: no\nb: 010\nc: 1:30\nd: 1.10\n", NAME)
    assert doc.data == {"a": False, "b": 8, "c": 90, "d": 1.1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!str 10\n", "10"),
        ("a: !!str yes\n", "yes"),
        ("a: !!int '10'\n", 10),
        ("a: !!float '1.5'\n", 1.5),
        ("a: !!bool 'true'\n", True),
        ("a: !!null ''\n", None),
        ("a: !!map {b: 1}\n", {"b": 1}),
        ("a: !!seq [1]\n", [1]),
        ("a: !<tag:yaml.org,2002:str> 10\n", "10"),
    ],
)
def test_explicit_core_tags_are_allowed(text: str, expected: object) -> None:
    assert load_text(text, NAME).data == {"a": expected}


# ---------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("text", "line", "column", "key", "first"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1, "a", 1),
        ("a: 1\n'a': 2\n", 2, 1, "a", 1),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", 4, 3, "b", 2),
        ("a: {x: 1, y: 2, x: 3}\n", 1, 17, "x", 1),
        ("items:\n  - name: x\n  - name: y\n    v: 2\n    name: z\n", 5, 5, "name", 3),
        ("a:\n  - - {k: 1,\n       k: 2}\n", 3, 8, "k", 2),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 0\na: 1\n", 11, 1,
         "a", 1),
    ],
)  # fmt: skip
def test_duplicate_key(text: str, line: int, column: int, key: str, first: int) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == (
        f"duplicate key {key!r} (first defined on line {first}); "
        "YAML would silently keep only the last"
    )
    assert error.remediation == "remove one of the two, or merge them"


# ---------------------------------------------------------------- tags


@pytest.mark.parametrize(
    ("text", "line", "column", "shown"),
    [
        ("a: !!python/object:os.system {}\n", 1, 4, "!!python/object:os.system"),
        ("a: !!python/object/apply:os.system [ls]\n", 1, 4,
         "!!python/object/apply:os.system"),
        ("a: !!python/name:os.system ''\n", 1, 4, "!!python/name:os.system"),
        ("a: 1\nb:\n  c: !custom x\n", 3, 6, "!custom"),
        ("a: !!binary aGVsbG8=\n", 1, 4, "!!binary"),
        ("a: !!set {x, y}\n", 1, 4, "!!set"),
        ("a: !!omap [{x: 1}]\n", 1, 4, "!!omap"),
        ("a: !!pairs [{x: 1}]\n", 1, 4, "!!pairs"),
        ("a:\n  - !custom [1]\n", 2, 5, "!custom"),
        ("!custom {a: 1}\n", 1, 1, "!custom"),
    ],
)  # fmt: skip
def test_unsafe_or_unknown_tag(text: str, line: int, column: int, shown: str) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message.startswith(f"tag {shown} is not allowed; only YAML's core")
    assert error.remediation == "remove the tag"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: !!int hello\n", 1, 4, "'hello' is not a valid int"),
        ("a: !!int 0x\n", 1, 4, "'0x' is not a valid int"),
        ("a: !!float abc\n", 1, 4, "'abc' is not a valid float"),
        ("a: !!float 1e999\n", 1, 4, "'1e999' is not a finite number"),
    ],
)
def test_core_tag_on_a_value_it_cannot_hold(
    text: str, line: int, column: int, message: str
) -> None:
    error = load_error(text)
    assert (where(error), error.message) == ((line, column), message)
    assert error.remediation


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: !!int\n", 1, 4),
        ("a: !!int ''\n", 1, 4),
        ("a: !!int +\n", 1, 4),
        ("a: !!float ''\n", 1, 4),
        ("a: !!bool maybe\n", 1, 4),
        ("!!int : x\n", 1, 1),
    ],
)
def test_core_tag_on_a_value_it_cannot_hold_never_crashes(
    text: str, line: int, column: int
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)


# ---------------------------------------------------------------- aliases


def billion_laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)
    ]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly() -> None:
    start = time.perf_counter()
    error = load_error(billion_laughs())
    assert time.perf_counter() - start < 1.0
    assert where(error) == (1, 31)  # a value of the &l0 list, reused too often
    assert error.message == (
        f"more than {MAX_ALIASES} alias references to anchored values such as "
        "this one (an alias bomb?)"
    )
    assert error.remediation == (
        "write the values out instead of repeating '*alias' references"
    )


def test_a_few_ordinary_aliases_are_fine() -> None:
    doc = load_text(
        "defaults: &d {cpu: '1', memory: 1Gi}\nrequests: *d\nlimits: *d\n", NAME
    )
    assert doc.data["requests"] == doc.data["limits"] == {"cpu": "1", "memory": "1Gi"}


def test_alias_budget_counts_every_reused_node() -> None:
    # Reusing a one-item list reuses two nodes: the list and its item.
    def reuses(n: int) -> str:
        return "s: &s [1]\n" + "".join(f"k{i}: *s\n" for i in range(n))

    half = MAX_ALIASES // 2
    assert len(load_text(reuses(half), NAME).data) == half + 1
    assert where(load_error(reuses(half + 1))) == (1, 4)  # the anchored list
    assert where(load_error(reuses(2), max_aliases=2)) == (1, 4)


def test_scalar_aliases_count_towards_the_budget() -> None:
    # A large anchored value repeated many times is a memory bomb once printed.
    def reuses(n: int) -> str:
        return "s: &s hello\n" + "".join(f"k{i}: *s\n" for i in range(n))

    assert set(load_text(reuses(MAX_ALIASES), NAME).data.values()) == {"hello"}
    assert where(load_error(reuses(MAX_ALIASES + 1))) == (1, 4)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: &a [*a]\n", 1, 4),
        ("a: &a {b: *a}\n", 1, 4),
        ("x: 1\na: &a\n  - b: [1, *a]\n", 2, 4),
    ],
)
def test_recursive_alias(text: str, line: int, column: int) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == "an alias refers to a collection that contains it"
    assert error.remediation == "remove the recursive '*alias' reference"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n", 3, 3),
        ("c: {<<: {x: 1}}\n", 1, 5),
    ],
)
def test_merge_key_is_refused(text: str, line: int, column: int) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == "merge keys ('<<') are not supported"


def test_quoted_merge_key_is_an_ordinary_string() -> None:
    assert load_text("'<<': x\n", NAME).data == {"<<": "x"}


# ---------------------------------------------------------------- size


class _SpyHandle:
    """A file handle that records how much was read."""

    def __init__(self, real: Any, reads: list[int]) -> None:
        self._real = real
        self._reads = reads

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def fileno(self) -> int:
        return int(self._real.fileno())

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._real.read(size)
        self._reads.append(len(data))
        return data


def test_file_over_the_limit_is_refused_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * MAX_BYTES + b"\n")
    reads: list[int] = []
    real_open = Path.open

    def spy_open(self: Path, *args: Any, **kwargs: Any) -> _SpyHandle:
        return _SpyHandle(real_open(self, *args, **kwargs), reads)

    monkeypatch.setattr(Path, "open", spy_open)
    with pytest.raises(LoadError) as info:
        load_file(big, "environments/dev/big.yaml")
    error = info.value
    assert reads == []
    assert error.location.file == "environments/dev/big.yaml"
    assert (error.location.line, error.location.column) == (1, 1)
    assert error.message == "file is 1.0 MiB, over the 1.0 MiB limit"
    assert (
        error.remediation == "split the file or remove what does not belong in a spec"
    )


def test_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"a: 1\n")
    assert load_file(path, max_bytes=5).data == {"a": 1}
    with pytest.raises(LoadError) as info:
        load_file(path, max_bytes=4)
    assert info.value.message == "file is 5 bytes, over the 4 bytes limit"


def test_missing_file() -> None:
    with pytest.raises(LoadError) as info:
        load_file(Path("/nonexistent/spec.yaml"), "spec.yaml")
    assert info.value.message == "cannot read file: No such file or directory"
    assert info.value.location.file == "spec.yaml"


@pytest.mark.parametrize(
    ("size", "limit", "ok"),
    [(20, 20, True), (21, 20, False), (MAX_BYTES, MAX_BYTES, True)],
)
def test_load_bytes_max_bytes(size: int, limit: int, ok: bool) -> None:
    raw = b"a: " + b"x" * (size - 4) + b"\n"
    assert len(raw) == size
    if ok:
        assert load_bytes(raw, NAME, max_bytes=limit).data == {"a": "x" * (size - 4)}
        return
    with pytest.raises(LoadError) as info:
        load_bytes(raw, NAME, max_bytes=limit)
    assert where(info.value) == (1, 1)
    assert info.value.message == f"file is over the {limit} bytes limit"


def test_load_bytes_default_limit() -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(b"#" * (MAX_BYTES + 1), NAME)
    assert info.value.message == "file is over the 1.0 MiB limit"


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"a: 1\nb: 2\nc: caf\xe9\n", 3, 7),
        ("a: 1\nb: 2\nc: \u00e9t\u00e9 ".encode() + b"\xe9\n", 3, 8),
        (b"\xe9: 1\n", 1, 1),
        (b"a: 1\n\nkey: \xff\xfe\n", 3, 6),
    ],
)
def test_latin1_byte_is_located(raw: bytes, line: int, column: int) -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(raw, NAME)
    error = info.value
    assert where(error) == (line, column)
    assert error.message.startswith("byte 0x")
    assert error.message.endswith(
        "is not valid UTF-8 (the file looks like Latin-1 or another legacy encoding)"
    )
    assert error.remediation == "save the file as UTF-8"


def test_latin1_message_names_the_byte() -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(b"a: 1\nb: 2\nc: caf\xe9\n", NAME)
    assert str(info.value) == (
        "x.yaml:3:7: byte 0xe9 is not valid UTF-8 "
        "(the file looks like Latin-1 or another legacy encoding)"
    )


def test_latin1_byte_after_a_bom_is_located() -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(b"\xef\xbb\xbfa: caf\xe9\n", NAME)
    assert where(info.value) == (1, 7)


@pytest.mark.parametrize(
    "raw",
    [
        "a: 1\n".encode("utf-16"),
        b"\xff\xfe" + "a: 1\n".encode("utf-16-le"),
        b"\xfe\xff" + "a: 1\n".encode("utf-16-be"),
    ],
    ids=["native", "le", "be"],
)
def test_utf16_is_refused(raw: bytes) -> None:
    with pytest.raises(LoadError) as info:
        load_bytes(raw, NAME)
    assert where(info.value) == (1, 1)
    assert info.value.message == "file is UTF-16"
    assert info.value.remediation == "save the file as UTF-8"


# ---------------------------------------------------------------- shape


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n---\nb: 2\n",
        "---\na: 1\n---\nb: 2\n",
        "a: 1\n--- {b: 2}\n",
        "a: 1\n---\n# a comment\n\nb: 2\n",
        "a: 1\n---\n",
    ],
)
def test_second_document_is_refused(text: str) -> None:
    error = load_error(text)
    assert error.location.line >= 2
    assert error.message == (
        "a second YAML document starts here; a spec file holds exactly one"
    )
    assert error.remediation == (
        "remove the '---' separator and the second document, "
        "or move it to a file of its own"
    )


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: 1\n---\nb: 2\n", 2, 1),
        ("---\na: 1\n---\nb: 2\n", 3, 1),
        ("a: 1\n---\n# a comment\n\nb: 2\n", 2, 1),
        ("a: 1\n---\n", 2, 1),
    ],
)
def test_second_document_points_at_its_separator(
    text: str, line: int, column: int
) -> None:
    assert where(load_error(text)) == (line, column)


def test_document_after_an_end_marker_is_invalid_yaml() -> None:
    error = load_error("a: 1\n...\nb: 2\n")
    assert where(error) == (3, 1)
    assert error.message == "invalid YAML: did not find expected <document start>"


@pytest.mark.parametrize("text", ["", "\n\n", "   \n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    error = load_error(text)
    assert where(error) == (1, 1)
    assert error.message == "file is empty"
    assert error.remediation.startswith("start the file with 'apiVersion:")


@pytest.mark.parametrize(
    ("text", "line", "column", "kind"),
    [
        ("- a\n- b\n", 1, 1, "a list"),
        ("# comment\n\n- a\n", 3, 1, "a list"),
        ("[a, b]\n", 1, 1, "a list"),
        ("hello\n", 1, 1, "a single value"),
        ("42\n", 1, 1, "a single value"),
        ("~\n", 1, 1, "a single value"),
        ("---\n", 2, 1, "a single value"),
        ("# c\n'quoted'\n", 2, 1, "a single value"),
    ],
)
def test_top_level_must_be_a_mapping(
    text: str, line: int, column: int, kind: str
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == f"top level is {kind}, not a mapping of keys to values"


# ---------------------------------------------------------------- nesting


def test_pathological_nesting_is_an_error_not_a_crash() -> None:
    error = load_error("[" * 100_000)
    assert where(error) == (1, 65)
    assert error.message == "nesting deeper than 64 levels"
    assert error.remediation == "flatten the structure"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "a: " + "{a: " * 50_000,
        "a:\n" + "".join(" " * i + "-\n" for i in range(5_000)),
        "a:\n  " + "- " * 4_000 + "x\n",  # just under the pre-pass size
        "[" * 8_000,
    ],
    ids=["closed", "flow-maps", "block-seqs", "small-block", "small-open"],
)
def test_deep_nesting_is_a_load_error(text: str) -> None:
    error = load_error(text)
    assert error.location.line >= 1
    assert error.location.column >= 1


@pytest.mark.parametrize(
    ("levels", "location"),
    [(1, None), (60, None), (63, None), (64, (1, 67)), (65, (1, 67)), (200, (1, 67))],
)
@pytest.mark.parametrize(
    "padding", ["", "# " + "x" * 9_000 + "\n"], ids=["small", "large"]
)
def test_nesting_limit(
    levels: int, location: tuple[int, int] | None, padding: str
) -> None:
    # 64 levels with the top-level mapping as the first; a file over 8 KiB is
    # checked by the event pre-pass, a smaller one by the builder: same limit.
    text = padding + nested_lists(levels)
    if location is None:
        data: Any = load_text(text, NAME).data["a"]
        for _ in range(levels - 1):
            data = data[0]
        assert data == []
        return
    error = load_error(text)
    line, column = location
    assert where(error) == (line + padding.count("\n"), column)
    assert error.message == "nesting deeper than 64 levels"
    assert error.remediation == "flatten the structure"


# The nesting limit is modelrail's, in modelrail's words, whatever the parser:
# libyaml 0.2.6 (PyYAML 6.0.4) gives up at 1,000 levels with its own error,
# older libyaml never, the pure-Python parser never. Pinned under both loaders.
DEEP = [
    ("[" * 100_000, (1, 65)),
    ("a: " + "[" * 1_001 + "]" * 1_001, (1, 67)),
    ("a: " + "[" * 999 + "]" * 999, (1, 67)),
    ("a: " + "{a: " * 2_000, (1, 4 + 4 * 63)),
    ("a:\n" + "".join(" " * i + "-\n" for i in range(1_500)), (65, 64)),
    ("".join("  " * i + f"k{i}:\n" for i in range(1_200)) + "  " * 1_200 + "v\n",
     (65, 129)),
    ("a: [" + "{b: [" * 600 + "1" + "]}" * 600 + "]\n", (1, 4 + 5 * 31 + 1)),
]  # fmt: skip


class _StricterParser(yaml.SafeLoader):
    """A parser with a nesting limit of its own (100 levels), worded its own
    way, as a future libyaml might have: modelrail's limit must still win."""

    def parse_node(self, block: bool = False, indentless_sequence: bool = False) -> Any:
        if len(self.marks) >= 100:
            raise yaml.parser.ParserError(
                None, None, "zu tief verschachtelt", self.peek_token().start_mark
            )
        return super().parse_node(block, indentless_sequence)


@pytest.mark.parametrize(
    "parser",
    [loader_module.Loader, yaml.SafeLoader, _StricterParser],
    ids=["default", "pure-python", "stricter"],
)
@pytest.mark.parametrize(("text", "location"), DEEP)
def test_nesting_limit_is_modelrails_under_every_parser(
    parser: type, text: str, location: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader_module, "Loader", parser)
    error = load_error(text)
    assert where(error) == location
    assert error.message == "nesting deeper than 64 levels"
    assert error.remediation == "flatten the structure"


def test_the_default_loader_is_libyaml() -> None:
    # The pins above test libyaml only when PyYAML was built with it.
    assert loader_module.Loader is yaml.CSafeLoader


def test_a_parser_error_before_the_limit_stays_the_parsers() -> None:
    # Invalid YAML at line 2, deep nesting only after it: the syntax error.
    error = load_error("a: 1\n b: 2\nc: " + "[" * 2_000 + "\n")
    assert error.message.startswith("invalid YAML: ")
    assert where(error)[0] == 2


def test_nesting_limit_of_block_mappings() -> None:
    def chain(levels: int) -> str:
        return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels

    assert load_text(chain(60) + "v\n", NAME).data["k0"]["k1"]["k2"]
    error = load_error(chain(70) + "v\n")
    assert where(error) == (65, 129)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("text", "line", "column", "key", "read_as"),
    [
        ("10: x\n", 1, 1, "10", "the integer 10"),
        ("a: 1\ntrue: y\n", 2, 1, "true", "the boolean true"),
        ("null: z\n", 1, 1, "null", "null"),
        ("~: z\n", 1, 1, "~", "null"),
        ("a:\n  1.5: z\n", 2, 3, "1.5", "the number 1.5"),
        ("a:\n  - no: z\n", 2, 5, "no", "the boolean false"),
        ("{1: x}\n", 1, 2, "1", "the integer 1"),
    ],
)
def test_non_string_key(
    text: str, line: int, column: int, key: str, read_as: str
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == f"key {key!r} is read as {read_as}, not a string"
    assert error.remediation == f'quote the key: "{key}"'


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("? [a]\n: x\n", 1, 3), ("[a]: x\n", 1, 1), ("a:\n  {b: 1}: x\n", 2, 3)],
)
def test_collection_key(text: str, line: int, column: int) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == "a key must be a plain string, not a list or mapping"


@pytest.mark.parametrize(
    ("text", "line", "column", "value"),
    [
        ("a: .nan\n", 1, 4, ".nan"),
        ("a: .NaN\n", 1, 4, ".NaN"),
        ("a: 1\nb: .inf\n", 2, 4, ".inf"),
        ("a: [1, -.Inf]\n", 1, 8, "-.Inf"),
        ("a:\n  b: +.inf\n", 2, 6, "+.inf"),
    ],
)
def test_nan_and_infinity_are_refused(
    text: str, line: int, column: int, value: str
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message == f"{value!r} is not a finite number"
    assert "no NaN or infinity" in error.remediation


# ---------------------------------------------------------------- syntax


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: [1, 2\nb: 3\n", 2, 2, "invalid YAML: did not find expected ',' or ']'"),
        ("a: {x: 1\n", 2, 1, "invalid YAML: did not find expected ',' or '}'"),
        ("a:\n  b: 1\n c: 2\n", 3, 2, "invalid YAML: did not find expected key"),
        ('a: "abc\nb: 2\n', 3, 1, "invalid YAML: found unexpected end of stream"),
        ("a: b: c\n", 1, 5, "invalid YAML: mapping values are not allowed in this"),
        ("a:\n\tb: 1\n", 2, 1, "invalid YAML: a tab character is used for indentation"),
        ("a:\n  b:\n\t  c: 1\n", 3, 1,
         "invalid YAML: a tab character is used for indentation"),
        ("a: b\x07c\n", 1, 5, "unreadable YAML: control characters are not allowed"),
        ("a: 1\nb: 2\nc: x\x07\n", 3, 5,
         "unreadable YAML: control characters are not allowed"),
        ("\u00e9: 1\nb: \u00e9\x00\n", 2, 5,
         "unreadable YAML: control characters are not allowed"),
    ],
)  # fmt: skip
def test_syntax_error_is_located(
    text: str, line: int, column: int, message: str
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    assert error.message.startswith(message)
    assert error.remediation


def test_tab_remediation() -> None:
    assert load_error("a:\n\tb: 1\n").remediation == (
        "indent with spaces; YAML does not allow tabs there"
    )


def test_tab_between_tokens_is_fine() -> None:
    assert load_text("a:\n  b:\t1\nc: [1,\t2]\n", NAME).data == {
        "a": {"b": 1},
        "c": [1, 2],
    }


def test_flow_context_in_message() -> None:
    error = load_error("a: [1, 2\nb: 3\n")
    assert error.message.endswith("(while parsing a flow sequence at line 1)")


# ---------------------------------------------------------------- locate

LOCATE_SOURCE = """\
a:
  b: 1
  c:
    - x
    - {d: 2, e: 3}
  "s/l": 4
  "t~i": 5
  "~1": 6
  empty:
list:
  - one
  - two
"""


@pytest.mark.parametrize(
    ("pointer", "key", "line", "column"),
    [
        ("", False, 1, 1),
        ("/a", False, 2, 3),
        ("/a", True, 1, 1),
        ("/a/b", False, 2, 6),
        ("/a/b", True, 2, 3),
        ("/a/c", False, 4, 5),
        ("/a/c/0", False, 4, 7),
        ("/a/c/1", False, 5, 7),
        ("/a/c/1/e", False, 5, 17),
        ("/a/c/1/e", True, 5, 14),
        ("/a/empty", False, 9, 9),
        ("/a/empty", True, 9, 3),
        ("/list/1", False, 12, 5),
        ("/list/1", True, 12, 5),  # a list item has no key: its own position
        # escaped tokens: ~1 is '/', ~0 is '~', and ~01 is '~1' (not '/')
        ("/a/s~1l", False, 6, 10),
        ("/a/s~1l", True, 6, 3),
        ("/a/t~0i", True, 7, 3),
        ("/a/~01", False, 8, 9),
        ("/a/~01", True, 8, 3),
        # missing: the nearest ancestor that exists
        ("/a/missing", False, 2, 3),
        ("/a/missing", True, 1, 1),  # with key=True: that ancestor's key
        ("/a/missing/deeper", False, 2, 3),
        ("/nope", False, 1, 1),
        ("/a/c/5", False, 4, 5),
        ("/a/c/5", True, 3, 3),
        ("/a/c/1/zz", False, 5, 7),
        ("/list/x", False, 11, 3),
        ("/list/-1", False, 11, 3),
        ("/a/b/deeper", False, 2, 6),
        ("/a/s/l", False, 2, 3),  # unescaped '/' is two tokens: not found
    ],
)
def test_locate(pointer: str, key: bool, line: int, column: int) -> None:
    doc = load_text(LOCATE_SOURCE, NAME)
    assert doc.locate(pointer, key=key) == Location(NAME, line, column, pointer)


def test_locate_keys_with_special_characters_round_trip() -> None:
    doc = load_text(LOCATE_SOURCE, NAME)
    assert set(doc.data["a"]) >= {"s/l", "t~i", "~1"}
    assert doc.source_of("/a/s~1l") is not None
    assert doc.source_of("/a/t~0i") is not None
    assert doc.source_of("/a/~01") is not None
    assert doc.source_of("/a/missing") is None
    assert doc.source_of("/a/c/9") is None


def test_locate_in_the_bundled_spec() -> None:
    spec = FIXTURE / "environments/prod/fraud-detector.yaml"
    doc = load_file(spec, "spec.yaml")
    lines = spec.read_text(encoding="utf-8").splitlines()
    location = doc.locate("/spec/serving/autoscaling/minReplicas", key=True)
    assert lines[location.line - 1][location.column - 1 :].startswith("minReplicas: 3")
    location = doc.locate("/spec/serving/env/2/secretKeyRef/key")
    assert lines[location.line - 1][location.column - 1 :].startswith("token}")


# ---------------------------------------------------------------- fallback


def outcome(text: str) -> object:
    """The data, or where and how loading fails: what must not depend on libyaml."""
    try:
        return load_text(text, NAME).data
    except LoadError as exc:
        return (exc.location.line, exc.location.column, exc.message[:14])


@pytest.fixture
def pure_python_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML without libyaml: the loader falls back to the Python parser."""
    monkeypatch.setattr(loader_module, "Loader", yaml.SafeLoader)


@pytest.mark.parametrize(
    "text",
    [
        LOCATE_SOURCE,
        "a: no\nb: 010\nc: 1:30\nd: 1.10\nexpires: 2026-12-31\n",
        "a:\n  b: 1\n  c: 2\n  b: 3\n",
        "a: 1\nb:\n  c: !custom x\n",
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: &a [*a]\n",
        billion_laughs(),
        "a: 1\ntrue: y\n",
        "a: [1, -.Inf]\n",
        "a: [1, 2\nb: 3\n",
        "a:\n  b: 1\n c: 2\n",
        "a:\n\tb: 1\n",
        "",
        "- a\n",
        nested_lists(63),
        nested_lists(64),
        "[" * 100_000,
    ],
)
def test_pure_python_fallback_loads_alike(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_libyaml = outcome(text)
    monkeypatch.setattr(loader_module, "Loader", yaml.SafeLoader)
    assert outcome(text) == with_libyaml


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [("a: b\x07c\n", 1, 5), ("\u00e9: 1\nb: \u00e9\x00\n", 2, 5)],
)
@pytest.mark.usefixtures("pure_python_loader")
def test_pure_python_fallback_locates_control_characters(
    text: str, line: int, column: int
) -> None:
    error = load_error(text)
    assert where(error) == (line, column)
    # PyYAML's reader says "special characters", libyaml "control characters"
    assert error.message.startswith("unreadable YAML: ")
    assert error.message.endswith(" characters are not allowed")


# ---------------------------------------------------------------- properties

FRAGMENTS = [
    ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "?", "? ", "#", "|", ">",
    "&a", "&a ", "*a", "*b", "&b ", "!!", "!!str ", "!", "!x ", "<<", "---",
    "...", "%YAML 1.1", "\n", "\n", " ", "  ", "\t", "'", '"', "\\", "\r",
    "0", "1", "10", "1.5", "010", "1:30", ".nan", ".inf", "~", "a", "b",
    "key", "name", "no", "yes", "on", "null", "true", "\u00e9", "\ufeff",
    "\x07", "\x85", "\u2028",
]  # fmt: skip
yamlish = st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join)


def check_loads_or_fails_cleanly(load: Callable[[], Document]) -> None:
    """Either a mapping that JSON can hold, or a LoadError that says where."""
    try:
        doc = load()
    except LoadError as exc:
        error = exc
    else:
        assert isinstance(doc.data, dict)
        json.dumps(doc.data, allow_nan=False)
        return
    assert error.location.line >= 1
    assert error.location.column >= 1
    assert error.message
    assert error.remediation


@settings(max_examples=300, deadline=None)
@given(st.text() | yamlish)
def test_load_text_never_raises_anything_but_load_error(text: str) -> None:
    check_loads_or_fails_cleanly(lambda: load_text(text, NAME))


@settings(max_examples=300, deadline=None)
@given(st.binary() | yamlish.map(str.encode))
def test_load_bytes_never_raises_anything_but_load_error(raw: bytes) -> None:
    check_loads_or_fails_cleanly(lambda: load_bytes(raw, NAME))


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=10), children, max_size=4
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    _containers,
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_dumped_data_loads_as_safe_load_reads_it(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data)
    doc = load_text(text, NAME)
    assert doc.data == yaml.safe_load(text)
    assert json.dumps(doc.data, sort_keys=True) == json.dumps(data, sort_keys=True)


@pytest.mark.parametrize("text", ["a: !!null x\n", "a: !!null 0\n"])
def test_explicit_null_tag_on_text_is_refused(text: str) -> None:
    error = load_error(text)
    assert where(error) == (1, 4)
    assert error.message.endswith("is not a valid null")


@pytest.mark.parametrize("text", ["a: !!null\n", "a: !!null ~\n", "a: !!null null\n"])
def test_explicit_null_tag_on_null_loads(text: str) -> None:
    assert load_text(text, NAME).data == {"a": None}
