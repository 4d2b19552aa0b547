"""The only place YAML is parsed: bytes in, a ``Document`` (data + positions) out.

libyaml composes the node graph (the C loader when PyYAML has it: it is several
times faster than the pure-Python one, which is the fallback); this module then builds plain JSON-like values
from the nodes itself, which is where the safety rules live:

- a top level that is a mapping, exactly one document, UTF-8 text, a size limit;
- duplicate keys rejected at any depth (PyYAML silently keeps the last one);
- only the tags of YAML's core schema (no ``!!python/...``, no custom tags,
  no ``!!binary``/``!!set``/``!!omap``/merge keys);
- an alias budget, so a "billion laughs" document is refused before it expands;
- a nesting limit (libyaml's composer recurses in C and would crash the
  interpreter on tens of thousands of levels). It is modelrail's own: the
  parsers apply limits of their own too (libyaml 0.2.6, bundled with PyYAML
  6.0.4, stops at 1,000 levels with an error in its own words, earlier ones
  have none), so whenever a parser fails, the nesting is measured again with
  PyYAML's pure-Python parser, which has no limit, and a document nested past
  modelrail's limit before the failure gets modelrail's error and location
  whatever the parser or its version. A parser's message is never read to
  decide what happened. The other limit a parser could apply, the size, is
  modelrail's before any parser sees the text;
- values that JSON cannot hold (non-string keys, NaN, infinities) refused;
- timestamps stay strings (``expires: 2026-12-31`` is the text, not a date).

Positions are not indexed up front: the ``Document`` keeps libyaml's node tree
and ``locate`` walks it only when a finding needs a line, which costs nothing
for the clean files that are the vast majority.
"""

from __future__ import annotations

import gc
import math
import os
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from modelrail.errors import ModelrailError
from modelrail.findings import Location, pointer_tokens
from modelrail.repository.messages import describe, short

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

MAX_BYTES = 1024 * 1024
MAX_ALIASES = 64
MAX_DEPTH = 64
# libyaml's composer recurses in C (~300 bytes of stack a level: it crashed at
# ~25,000 levels on an 8 MiB stack, so ~3,000 on 1 MiB). Every level needs one
# of '[', '{', '-', ':' or '?', so a text with fewer of them than this cannot
# get near that and skips the event pre-pass; any other text is scanned first.
_DEPTH_PREPASS_INDICATORS = 1000
_YAML_ONLY_LINE_BREAKS = ("\u2028", "\u2029", "\x85")

_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_MAP = _CORE + "map"
_SEQ = _CORE + "seq"

# libyaml's C loader when PyYAML was built with it (several times faster),
# else the pure-Python one: same nodes, same rules, same positions.
Loader: type[yaml.CSafeLoader | yaml.SafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)


class _RememberedTags(yaml.resolver.BaseResolver):
    """Resolves a plain scalar's tag once per text, not once per occurrence.

    The composer asks the resolver for every scalar, and PyYAML's resolver
    tries its regular expressions each time: a third of the load of a spec.
    Specs repeat their short scalars (keys, ``true``, ``kserve``...), and a
    tag depends on nothing but the text and its style while no path resolver
    is registered (none is, on the safe loaders), so the answer is kept.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not _SCALAR or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        if not implicit[0]:  # quoted, or with an explicit '!': no implicit tag
            return _STR
        # plain: the tag is the first implicit resolver's whose expression
        # matches, else str (implicit[1] is only read by path resolvers)
        tag = _TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(value) <= _REMEMBERED_CHARS:
                if len(_TAGS) >= _REMEMBERED_TAGS:
                    _TAGS.clear()
                _TAGS[value] = tag
        return tag


_SCALAR = yaml.ScalarNode
_TAGS: dict[str, str] = {}
_REMEMBERED_TAGS = 50_000
_REMEMBERED_CHARS = 64


def _composer(base: type[yaml.CSafeLoader | yaml.SafeLoader]) -> type[Any]:
    """``base`` with the tags remembered (``Loader`` stays the class tests
    swap for the pure-Python one)."""
    if base not in _COMPOSERS:
        _COMPOSERS[base] = type(
            f"Remembering{base.__name__}", (_RememberedTags, base), {}
        )
    return _COMPOSERS[base]


_COMPOSERS: dict[type[Any], type[Any]] = {}


class LoadError(ModelrailError):
    """A file that cannot be read as one safe YAML mapping (exit code 2)."""

    location: Location

    def __init__(self, message: str, location: Location, remediation: str) -> None:
        super().__init__(message, location)
        self.remediation = remediation


@dataclass(frozen=True, slots=True)
class Document:
    """A loaded YAML file: its data and the node tree that knows the positions."""

    path: str
    data: dict[str, Any]
    node: yaml.Node = field(repr=False, compare=False)

    def locate(self, pointer: str, *, key: bool = False) -> Location:
        """The position of ``pointer``, or of its nearest ancestor that exists.

        With ``key=True`` and a pointer that ends in a mapping key, the position
        is the key's own (where a typo is) rather than its value's; for a pointer
        that does not exist, it is the key of the nearest ancestor that does
        (``rollback:`` for a missing ``/spec/rollback/runbook``).
        """
        node, key_node, _ = self._walk(pointer)
        target = key_node if key and key_node is not None else node
        mark = target.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1, pointer)

    def source_of(self, pointer: str) -> yaml.Node | None:
        """The node at ``pointer`` exactly, or None when it does not exist."""
        node, _, exact = self._walk(pointer)
        return node if exact else None

    def _walk(self, pointer: str) -> tuple[yaml.Node, yaml.Node | None, bool]:
        """The deepest node on the way to ``pointer``, its key node (None for a
        list item or the root), and whether it is the node ``pointer`` names."""
        node: yaml.Node = self.node
        key_node: yaml.Node | None = None
        for token in pointer_tokens(pointer):
            child, child_key = _child(node, token)
            if child is None:
                return node, key_node, False
            node, key_node = child, child_key
        return node, key_node, True


def _child(node: yaml.Node, token: str) -> tuple[yaml.Node | None, yaml.Node | None]:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == token:
                return value_node, key_node
    elif isinstance(node, yaml.SequenceNode) and token.isdigit():
        index = int(token)
        if index < len(node.value):
            return node.value[index], None
    return None, None


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while many documents are loaded.

    Documents keep their node trees (for ``locate``), so a run over thousands
    of files holds millions of objects, and every automatic collection scans
    them all again: on 4,000 specs that was 11 of 15 seconds. The trees are
    acyclic (recursive aliases are refused), so reference counting frees them
    anyway; automatic collection resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------- reading


def load_file(path: Path, display: str | None = None, **limits: int) -> Document:
    """Read and load ``path``; ``display`` is the name used in messages."""
    name = display if display is not None else str(path)
    max_bytes = limits.get("max_bytes", MAX_BYTES)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block open()
            raise _error(
                name, 1, 1, "not a regular file", "replace it with a plain YAML file"
            )
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise _error(
                    name,
                    1,
                    1,
                    f"file is {_human(size)}, over the {_human(max_bytes)} limit",
                    "split the file or remove what does not belong in a spec",
                )
            # as many bytes as fstat says, and one more to see a file that
            # grew since; only then on to the limit (asking for a whole
            # MiB for every small file costs an allocation the size of it)
            raw = handle.read(size + 1)
            if len(raw) > size:
                raw += handle.read(max_bytes + 1 - len(raw))
    except OSError as exc:
        raise LoadError(
            f"cannot read file: {exc.strerror or exc}",
            Location(name, 1, 1),
            "check that the file exists and is readable",
        ) from exc
    return load_bytes(raw, name, **limits)


def load_bytes(raw: bytes, name: str, **limits: int) -> Document:
    """Load one document from raw bytes (UTF-8, an optional BOM)."""
    max_bytes = limits.get("max_bytes", MAX_BYTES)
    if len(raw) > max_bytes:
        raise _error(
            name,
            1,
            1,
            f"file is over the {_human(max_bytes)} limit",
            "split the file or remove what does not belong in a spec",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _error(name, 1, 1, "file is UTF-16", "save the file as UTF-8")
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM is allowed, not counted
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise _error(
            name,
            line,
            column,
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 "
            "(the file looks like Latin-1 or another legacy encoding)",
            "save the file as UTF-8",
        ) from None
    return load_text(text, name, **limits)


def load_text(text: str, name: str, **limits: int) -> Document:
    """Load one document from text: a mapping, safe tags, no duplicates."""
    max_aliases = limits.get("max_aliases", MAX_ALIASES)
    max_depth = limits.get("max_depth", MAX_DEPTH)
    _check_line_breaks(text, name)
    if sum(map(text.count, "[{-:?")) >= _DEPTH_PREPASS_INDICATORS:
        _check_depth(text, name, max_depth)
    loader = None
    try:
        loader = _composer(Loader)(
            text
        )  # the pure-Python reader checks characters here
        if not loader.check_node():
            raise _error(name, 1, 1, "file is empty", _MAPPING_HINT)
        root = loader.get_node()
        assert root is not None  # check_node said there is one
        after = loader.peek_event()
        if after is not None and not isinstance(after, yaml.StreamEndEvent):
            mark = after.start_mark  # the '---' that starts the second document
            assert mark is not None
            raise _error(
                name,
                mark.line + 1,
                mark.column + 1,
                "a second YAML document starts here; a spec file holds exactly one",
                "remove the '---' separator and the second document, "
                "or move it to a file of its own",
            )
    except yaml.YAMLError as exc:
        raise _parse_failure(exc, text, name, max_depth) from None
    except RecursionError:
        # The pure-Python composer recurses in Python: the iterative scan
        # finds where the nesting goes too deep.
        raise _too_deep(text, name, max_depth) or _error(
            name, 1, 1, "document is nested too deeply", "flatten the structure"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        mark = root.start_mark
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise _error(
            name,
            mark.line + 1,
            mark.column + 1,
            f"top level is {kind}, not a mapping of keys to values",
            _MAPPING_HINT,
        )
    data = _Builder(name, max_aliases, max_depth, anchored="&" in text).build(root)
    assert isinstance(data, dict)
    return Document(name, data, root)


_MAPPING_HINT = "start the file with 'apiVersion: modelrail.io/v1' and 'kind: ...'"


def _check_line_breaks(text: str, name: str) -> None:
    """Refuse U+2028, U+2029 and NEL: YAML 1.1 parsers count them as line
    breaks and editors do not, so every line number after one would be off."""
    for char in _YAML_ONLY_LINE_BREAKS:
        index = text.find(char)
        if index >= 0:
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            raise _error(
                name,
                line,
                column,
                f"character U+{ord(char):04X} is a line break to YAML but not to editors",
                "replace it with a space, or write it as an escape in a quoted string",
            )


def _check_depth(text: str, name: str, max_depth: int) -> None:
    """Refuse deep nesting before libyaml's recursive composer sees it."""
    parser = None
    try:
        parser = Loader(text)
        where = _first_too_deep(parser, max_depth)
    except yaml.YAMLError as exc:
        raise _parse_failure(exc, text, name, max_depth) from None
    finally:
        if parser is not None:
            parser.dispose()
    if where is not None:
        raise _nesting_error(name, where, max_depth)


def _first_too_deep(
    parser: yaml.CSafeLoader | yaml.SafeLoader, max_depth: int
) -> tuple[int, int] | None:
    """Where (line, column) the events first open a collection past ``max_depth``."""
    depth = 0
    while (event := parser.get_event()) is not None:
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                mark = event.start_mark
                assert mark is not None
                return mark.line + 1, mark.column + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _parse_failure(
    exc: yaml.YAMLError, text: str, name: str, max_depth: int
) -> LoadError:
    """The error for a parser's failure: modelrail's nesting limit when the
    document goes past it before the failure, else the parser's problem."""
    deep = _too_deep(text, name, max_depth)
    if deep is not None:
        return deep
    if isinstance(exc, yaml.MarkedYAMLError):
        return _yaml_error(exc, name, text)
    return _reader_error(exc, text, name)  # ReaderError and friends: no mark


def _too_deep(text: str, name: str, max_depth: int) -> LoadError | None:
    """modelrail's nesting error, measured by PyYAML's pure-Python parser.

    That parser is iterative (its composer, not used here, is what recurses)
    and applies no nesting limit of its own, so it reaches modelrail's limit
    wherever another parser gave up. None when the text stays within the limit
    or is invalid before it goes past it (then the failure is the parser's).
    """
    if sum(map(text.count, "[{-:?")) <= max_depth:
        return None  # every level needs one of these indicators
    parser = None
    try:
        parser = yaml.SafeLoader(text)
        where = _first_too_deep(parser, max_depth)
    except yaml.YAMLError:
        return None
    finally:
        if parser is not None:
            parser.dispose()
    return None if where is None else _nesting_error(name, where, max_depth)


def _nesting_error(name: str, where: tuple[int, int], max_depth: int) -> LoadError:
    line, column = where
    return _error(
        name,
        line,
        column,
        f"nesting deeper than {max_depth} levels",
        "flatten the structure",
    )


# ---------------------------------------------------------------- building


class _Builder:
    """Turns a node graph into JSON-like values, enforcing the safety rules.

    An alias is the same node object met twice, and only an anchor ('&')
    makes one: a text without '&' has none, so its build skips the
    bookkeeping of nodes already met (``anchored`` False), the common case.
    """

    def __init__(
        self, name: str, max_aliases: int, max_depth: int, *, anchored: bool = True
    ) -> None:
        self.name = name
        self.max_aliases = max_aliases
        self.max_depth = max_depth
        self.anchored = anchored
        self.aliases = 0
        self.seen: set[int] = set()
        self.open: set[int] = set()  # collections being built: their ancestors
        self.scalars = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str, remediation: str) -> LoadError:
        mark = node.start_mark
        return _error(self.name, mark.line + 1, mark.column + 1, message, remediation)

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if not self.anchored:
            if type(node) is yaml.ScalarNode:
                return node.value if node.tag == _STR else self.scalar(node)
            if depth >= self.max_depth:  # depth 0 is the root: level 1
                raise self._too_deep(node)
            if type(node) is yaml.MappingNode and node.tag == _MAP:
                return self.mapping(node, depth)
            if type(node) is yaml.SequenceNode and node.tag == _SEQ:
                return [self.build(item, depth + 1) for item in node.value]
            if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
                raise self._bad_tag(node)
            raise self.fail(node, "unsupported YAML node", "simplify the document")
        # Every reuse counts: a collection alias can grow exponentially
        # ("billion laughs"), and a 500 KB scalar repeated 100,000 times is
        # as bad once it is printed.
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise self.fail(
                    node,
                    f"more than {self.max_aliases} alias references to anchored "
                    "values such as this one (an alias bomb?)",
                    "write the values out instead of repeating '*alias' references",
                )
        if isinstance(node, yaml.ScalarNode):
            self.seen.add(id(node))
            return self.scalar(node)
        if id(node) in self.open:
            raise self.fail(
                node,
                "an alias refers to a collection that contains it",
                "remove the recursive '*alias' reference",
            )
        if depth >= self.max_depth:  # depth 0 is the root: level 1
            raise self._too_deep(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                raise self._bad_tag(node)
            self.seen.add(id(node))
            self.open.add(id(node))
            try:
                return self.mapping(node, depth)
            finally:
                self.open.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise self._bad_tag(node)
            self.seen.add(id(node))
            self.open.add(id(node))
            try:
                return [self.build(item, depth + 1) for item in node.value]
            finally:
                self.open.discard(id(node))
        raise self.fail(node, "unsupported YAML node", "simplify the document")

    def _too_deep(self, node: yaml.Node) -> LoadError:
        mark = node.start_mark
        return _nesting_error(
            self.name, (mark.line + 1, mark.column + 1), self.max_depth
        )

    def mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _STR and key_node.__class__ is yaml.ScalarNode:
                key = key_node.value  # the common case: a plain string key
            else:
                key = self.key(key_node)
            if key in out:
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first defined on line "
                    f"{self.first_line(node, key)}); YAML would silently keep "
                    "only the last",
                    "remove one of the two, or merge them",
                )
            if (
                not self.anchored
                and type(value_node) is yaml.ScalarNode
                and value_node.tag == _STR
            ):
                out[key] = value_node.value  # build()'s first case, inline
            else:
                out[key] = self.build(value_node, depth + 1)
        return out

    def key(self, key_node: yaml.Node) -> str:
        """The string a key node holds (any key but a plain string's way)."""
        if key_node.tag == _CORE + "merge":
            raise self.fail(
                key_node,
                "merge keys ('<<') are not supported",
                "write the keys out: specs are read by people and by diffs",
            )
        if not isinstance(key_node, yaml.ScalarNode):
            raise self.fail(
                key_node,
                "a key must be a plain string, not a list or mapping",
                "use a string key",
            )
        key = self.scalar(key_node)
        if not isinstance(key, str):
            raise self.fail(
                key_node,
                f"key {short(key_node.value)} is read as {describe(key)}, not a string",
                f'quote the key: "{key_node.value}"',
            )
        return key

    def first_line(self, node: yaml.MappingNode, key: str) -> int:
        """The line of the first key of ``node`` that is ``key`` (looked for
        only when a duplicate is found: every key before it is valid)."""
        for key_node, _ in node.value:
            if self.key(key_node) == key:
                return int(key_node.start_mark.line) + 1
        raise AssertionError(key)  # the duplicate's first is among them

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag in _TEXT_TAGS:
            # Dates stay as written (JSON has no date type); a lone '=' or a
            # '<<' used as a value are text too.
            return node.value
        if tag in _SCALAR_TAGS:
            key = (tag, node.value)
            if key in _VALUES:  # read (and judged) before: the same value
                return _VALUES[key]
            if tag in _NUMBER_TAGS and len(node.value) > _MAX_NUMBER_CHARS:
                # Huge hex or sexagesimal (1:1:1...) integers take quadratic
                # time to convert and cannot even be printed.
                raise self.fail(
                    node,
                    f"a number of {len(node.value)} characters is too long",
                    "quote it if it is text, or shorten it",
                )
            if tag == _CORE + "null" and node.value not in _NULL_TEXTS:
                # PyYAML would read any text under an explicit !!null as null.
                raise self.fail(
                    node,
                    f"{short(node.value)} is not a valid null",
                    "remove the !!null tag, or leave the value empty",
                )
            try:
                value = _SCALAR_TAGS[tag](self.scalars, node)
            except Exception:  # noqa: BLE001 - PyYAML raises ValueError, KeyError, IndexError...
                raise self.fail(
                    node,
                    f"{short(node.value)} is not a valid {tag[len(_CORE) :]}",
                    "fix the value or quote it to make it a string",
                ) from None
            if isinstance(value, float) and not math.isfinite(value):
                raise self.fail(
                    node,
                    f"{node.value!r} is not a finite number",
                    "use a finite number (JSON and Kubernetes have no NaN or infinity)",
                )
            if len(_VALUES) >= _REMEMBERED_TAGS:
                _VALUES.clear()
            _VALUES[key] = value
            return value
        raise self._bad_tag(node)

    def _bad_tag(self, node: yaml.Node) -> LoadError:
        tag = node.tag
        shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
        return self.fail(
            node,
            f"tag {shown} is not allowed; only YAML's core types "
            "(strings, numbers, booleans, null, lists, mappings) are",
            "remove the tag",
        )


# the numbers, booleans and nulls read so far, by tag and text: they are
# immutable, and specs repeat them (``true``, ``8080``, ``0.1``)
_VALUES: dict[tuple[str, str], Any] = {}
_TEXT_TAGS = frozenset({_CORE + "timestamp", _CORE + "value", _CORE + "merge"})
_NUMBER_TAGS = frozenset({_CORE + "int", _CORE + "float"})
_MAX_NUMBER_CHARS = 64
_NULL_TEXTS = frozenset({"", "~", "null", "Null", "NULL"})
_SCALAR_TAGS = {
    _CORE + "int": yaml.constructor.SafeConstructor.construct_yaml_int,
    _CORE + "float": yaml.constructor.SafeConstructor.construct_yaml_float,
    _CORE + "bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    _CORE + "null": yaml.constructor.SafeConstructor.construct_yaml_null,
}


# ---------------------------------------------------------------- messages


def _error(name: str, line: int, column: int, message: str, fix: str) -> LoadError:
    return LoadError(message, Location(name, line, column), fix)


def _yaml_error(exc: yaml.MarkedYAMLError, name: str, text: str) -> LoadError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "invalid YAML"
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        return _error(
            name,
            line,
            column,
            "invalid YAML: a tab character is used for indentation",
            "indent with spaces; YAML does not allow tabs there",
        )
    if exc.context and exc.context_mark and mark is not exc.context_mark:
        ctx = exc.context_mark
        problem = f"{problem} ({exc.context} at line {ctx.line + 1})"
    return _error(
        name,
        line,
        column,
        f"invalid YAML: {problem}",
        "fix the YAML syntax (indentation, a missing ':' or an unclosed quote)",
    )


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def _reader_error(exc: yaml.YAMLError, text: str, name: str) -> LoadError:
    position = getattr(exc, "position", None)
    reason = getattr(exc, "reason", None) or str(exc)
    line = column = 1
    if isinstance(position, int):
        # libyaml counts bytes of the UTF-8 encoding, PyYAML's reader characters.
        if issubclass(Loader, getattr(yaml, "CSafeLoader", ())):
            prefix = text.encode("utf-8")[:position].decode("utf-8", "replace")
        else:
            prefix = text[:position]
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return _error(
        name,
        line,
        column,
        f"unreadable YAML: {reason}",
        "remove control characters and save the file as UTF-8 text",
    )


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"
