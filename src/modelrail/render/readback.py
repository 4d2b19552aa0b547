"""Reading a rendered file back, fast: what ``load_text`` reads, or None.

Two ways: :func:`plain_data` reads the text from libyaml's events, and
:func:`shaped` reads it by its template's shape (below), the filters' values
put in its holes.

Every rendered file is read back (``renderer._parse_back``) with the loader
the specs go through, ``repository.loader.load_text``: one document, a
mapping, no duplicate key, only YAML's core types. That loader composes
libyaml's node graph (a node and two marks per value, each tag resolved in
Python) and keeps it for ``locate``; a render reads ~14 files a model, never
locates anything in them, and spent a third of its time there.

:func:`plain_data` builds the same values straight from libyaml's events, for
the documents a template is meant to make: no anchor, alias or tag, keys that
are strings, no duplicate, not deeper than :data:`MAX_DEPTH`. Anything else
(and any parser error) returns None, and the caller reads the text with
``load_text``, whose answer and error messages stay the only ones: this
function only ever says "these are the values ``load_text`` would return".
Plain scalars are resolved by PyYAML's own resolver and constructors, as the
loader does (memoised: the same words recur in every file). Events are
iterative (libyaml's composer recurses in C, hence the loader's depth
pre-pass over any long text: a dashboard's JSON is one scalar, but its
brackets made every dashboard file pay for a second parse).
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from typing import Any

import yaml

from modelrail.repository.loader import Loader

MAX_DEPTH = 48  # under the loader's 64: deeper documents go to load_text
_MAX_NUMBER_CHARS = 64  # the loader's: a longer number is its error
_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_TEXT_TAGS = frozenset({_CORE + "timestamp", _CORE + "value", _CORE + "merge"})
_NULL_TEXTS = frozenset({"", "~", "null", "Null", "NULL"})
_LINE_BREAKS = ("\u2028", "\u2029", "\x85")  # the loader refuses them
_CONSTRUCT = {
    _CORE + "int": yaml.constructor.SafeConstructor.construct_yaml_int,
    _CORE + "float": yaml.constructor.SafeConstructor.construct_yaml_float,
    _CORE + "bool": yaml.constructor.SafeConstructor.construct_yaml_bool,
    _CORE + "null": yaml.constructor.SafeConstructor.construct_yaml_null,
}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class _Refused(Exception):
    """Not for this reader: ``load_text`` reads it (and says what is wrong)."""


_NOT_PLAIN = object()


@functools.lru_cache(maxsize=65536)
def _plain(value: str) -> Any:
    """A plain scalar's value as the loader builds it, or _NOT_PLAIN where the
    loader would refuse it or say more than the value."""
    resolve = _RESOLVER.resolve
    tag = resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if tag == _STR or tag in _TEXT_TAGS:
        return value
    construct = _CONSTRUCT.get(tag)
    if construct is None or len(value) > _MAX_NUMBER_CHARS:
        return _NOT_PLAIN
    if tag == _CORE + "null" and value not in _NULL_TEXTS:
        return _NOT_PLAIN
    try:
        built = construct(_CONSTRUCTOR, yaml.ScalarNode(tag, value))
    except Exception:  # noqa: BLE001 - the loader reports it
        return _NOT_PLAIN
    if isinstance(built, float) and not math.isfinite(built):
        return _NOT_PLAIN
    return built


def plain_data(text: str) -> dict[str, Any] | None:
    """The mapping ``load_text(text, ...).data`` is, or None where this fast
    reader leaves the text to ``load_text`` (an error, or anything unusual)."""
    if any(char in text for char in _LINE_BREAKS):
        return None
    parser = None
    try:
        parser = Loader(text)
        return _read(parser)
    except (_Refused, yaml.YAMLError):
        return None
    finally:
        if parser is not None:
            parser.dispose()


def _read(parser: Any) -> dict[str, Any] | None:
    get = parser.get_event
    if type(get()) is not yaml.StreamStartEvent:
        return None
    if type(get()) is not yaml.DocumentStartEvent:
        return None  # an empty stream
    first = get()
    if type(first) is not yaml.MappingStartEvent:
        return None  # not a mapping at the top
    if first.anchor is not None or first.tag is not None:
        return None
    root: dict[str, Any] = {}
    # the open collections; for a mapping, the key read whose value comes
    # next (None: the next scalar is a key); for a list, _LIST
    stack: list[Any] = [root]
    keys: list[Any] = [None]
    scalar, mapping, sequence = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    plain = _plain
    top: Any = root
    key: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            if event.implicit[0]:
                value: Any = plain(event.value)
                if value is _NOT_PLAIN:
                    raise _Refused
            else:  # quoted, or a block scalar: a string
                value = event.value
            if key is _LIST:
                top.append(value)
            elif key is None:  # a key
                if type(value) is not str or value in top:
                    raise _Refused  # not a string, or a duplicate
                if value == "<<" and event.implicit[0]:
                    raise _Refused  # a merge key: the loader refuses it
                key = value
            else:
                top[key] = value
                key = None
        elif kind is mapping or kind is sequence:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            if len(stack) >= MAX_DEPTH:
                raise _Refused
            value = {} if kind is mapping else []
            if key is _LIST:
                top.append(value)
            elif key is None:
                raise _Refused  # a collection as a key
            else:
                top[key] = value
                key = None
            keys[-1] = key
            stack.append(value)
            keys.append(None if kind is mapping else _LIST)
            top = value
            key = keys[-1]
        elif kind in ends:
            stack.pop()
            keys.pop()
            if not stack:
                break
            top = stack[-1]
            key = keys[-1]
        else:  # an alias, or anything else
            raise _Refused
    if type(get()) is not yaml.DocumentEndEvent:
        return None
    if type(get()) is not yaml.StreamEndEvent:
        return None  # a second document
    return root


_LIST = object()  # in keys: the open collection is a list


# ---------------------------------------------------------------- by shape
#
# A template's output is its own text and the filters' outputs (yamlout: a
# flow node on one line, a block node, a literal block), each of which reads
# back as the value the filter was given (yamlout's property tests). The same
# template over the next model is the same text with other values in the
# same places. shaped() reads a text by its shape: each output replaced by a
# stand-in of the same form (a plain scalar for a flow node, one entry
# "<hole>: ~" for a block mapping, one item "- <hole>" for a block list, a
# one-line literal block for a literal), read once per shape and checked to
# be that form in that place (a plain scalar, a key at the column the block
# is indented to, in a block collection...); the values are then put in the
# holes. The first time a shape is met, the result is compared with the text
# read as it is, and a shape whose result differs is never used.

# a stand-in is _HOLE, its number, _HOLE_END (private-use characters; the
# template's own text holds neither: templating cuts it at them)
_HOLE, _HOLE_END = "\ue000", "\ue001"
_SHAPES: dict[Any, Any] = {}
_MAX_SHAPES = 1024
_MAX_FLOW = 1000  # a longer flow node could be an implicit key too long to read
_UNSHAPED = object()
# a value nested deeper is written as it is; a hole deeper than _MAX_HOLE_DEPTH
# is not read by shape: together under MAX_DEPTH, itself under the loader's
_MAX_VALUE_DEPTH = 16
_MAX_HOLE_DEPTH = MAX_DEPTH - _MAX_VALUE_DEPTH


class _Hole:
    """Where a filter's output is: a value, a block mapping's entries, a
    block list's items."""

    __slots__ = ("index", "kind")

    def __init__(self, index: int, kind: str) -> None:
        self.index = index
        self.kind = kind


class _Clash(Exception):
    """The values do not fit the shape (a duplicate key, too deep...)."""


def _normal(value: Any, depth: int = 0) -> Any:
    """``value`` as the loader reads the filter's text of it, or _NOT_PLAIN
    for a value this does not read (another type, more than _MAX_VALUE_DEPTH
    levels)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or kind is float or value is None:
        return value
    if depth >= _MAX_VALUE_DEPTH:
        return _NOT_PLAIN
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                return _NOT_PLAIN
            item = _normal(item, depth + 1)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = item
        return out
    if kind is list or kind is tuple:
        items = []
        for item in value:
            item = _normal(item, depth + 1)
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            items.append(item)
        return items
    if kind is Decimal:
        from modelrail.render.yamlout import number

        return float(number(value))
    return _NOT_PLAIN


def shaped(parts: list[str], slots: list[Any], text: str) -> dict[str, Any] | None:
    """What ``plain_data(text)`` is, ``text`` being ``parts`` (the template's
    own text) around ``slots`` (the filters' outputs, yamlout.Slot), read by
    its shape where that shape reads as it should; else ``plain_data(text)``."""
    pieces = [parts[0]]
    holes: list[tuple[str, int]] = []
    values: list[Any] = []
    for slot, after in zip(slots, parts[1:], strict=True):
        stand_in, hole, value = _stand_in(slot, len(values))
        pieces.append(stand_in)
        pieces.append(after)
        if hole is not None:
            holes.append(hole)
            values.append(value)
    key = ("".join(pieces), tuple(holes))
    skeleton = _SHAPES.get(key)
    if skeleton is None:
        skeleton = _learn(key[0], holes, values, text)
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        _SHAPES[key] = skeleton
    if skeleton is not _UNSHAPED:
        try:
            data: dict[str, Any] = _fill(skeleton, values)
            return data
        except _Clash:
            pass
    return plain_data(text)


def _stand_in(slot: Any, index: int) -> tuple[str, tuple[str, int] | None, Any]:
    """The text standing in the shape for ``slot``, its hole (kind, indent)
    and value; or the slot's own text and no hole."""
    text = str(slot)
    hole = f"{_HOLE}{index}{_HOLE_END}"
    if slot.kind == "literal":
        if text.startswith("|"):
            head, _, rest = text.partition("\n")
            pad = " " * (len(rest) - len(rest.lstrip(" ")))
            # the hole's number: 1 where the block keeps its final newline
            clip = 1 if head == "|" else 0
            return f"{head}\n{pad}{hole}", ("literal", clip), str(slot.value)
        value: Any = str(slot.value)  # double-quoted: a flow scalar
    else:
        value = _normal(slot.value)
        if value is _NOT_PLAIN:
            return text, None, None
    if slot.kind == "block" and value and type(value) is dict:
        return f"{hole}: ~", ("map", slot.indent), value
    if slot.kind == "block" and value and type(value) is list:
        return f"- {hole}", ("seq", slot.indent), value
    if "\n" in text or len(text) > _MAX_FLOW:
        return text, None, None
    return hole, ("value", 0), value  # a flow node on one line


def _learn(
    shape: str, holes: list[tuple[str, int]], values: list[Any], text: str
) -> Any:
    """The skeleton of ``shape``, checked against ``text`` read as it is."""
    if shape.count(_HOLE) != len(holes) or shape.count(_HOLE_END) != len(holes):
        return _UNSHAPED  # an output written as it is holds the characters
    parser = None
    try:
        parser = Loader(shape)
        skeleton = _read_shape(parser, holes)
    except (_Refused, yaml.YAMLError):
        return _UNSHAPED
    finally:
        if parser is not None:
            parser.dispose()
    if skeleton is None:
        return _UNSHAPED
    try:
        filled = _fill(skeleton, values)
    except _Clash:
        return _UNSHAPED
    read = plain_data(text)
    if read is None or repr(read) != repr(filled) or read != filled:
        return _UNSHAPED
    return skeleton


def _read_shape(parser: Any, holes: list[tuple[str, int]]) -> dict[str, Any] | None:
    """``_read`` of a shape: its holes put in as _Hole where each is the form
    it stands for, in a place where the output it stands in for reads as
    that form (else _Refused)."""
    get = parser.get_event
    if type(get()) is not yaml.StreamStartEvent:
        return None
    if type(get()) is not yaml.DocumentStartEvent:
        return None
    first = get()
    if type(first) is not yaml.MappingStartEvent or first.flow_style:
        return None
    if first.anchor is not None or first.tag is not None:
        return None
    root: dict[str, Any] = {}
    stack: list[Any] = [root]
    keys: list[Any] = [None]
    block: list[bool] = [True]  # each open collection: block style (not flow)
    seen: set[int] = set()
    null_next = False  # a block mapping's hole: its value must be a plain "~"
    top: Any = root
    key: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise _Refused
            text = event.value
            if null_next:
                if not (event.implicit[0] and text == "~"):
                    raise _Refused
                null_next = False
                key = None
                continue
            value: Any
            if _HOLE in text:
                value = _hole(event, holes, seen, key, top, block[-1])
                if len(stack) > _MAX_HOLE_DEPTH:
                    raise _Refused
                if value.kind == "map":
                    top[value] = None
                    null_next = True
                    continue
            elif event.implicit[0]:
                value = _plain(text)
                if value is _NOT_PLAIN:
                    raise _Refused
            else:
                value = text
            if key is _LIST:
                top.append(value)
            elif key is None:
                if type(value) is _Hole:
                    if value.kind != "value":
                        raise _Refused
                elif (
                    type(value) is not str
                    or value in top
                    or (value == "<<" and event.implicit[0])
                ):
                    raise _Refused  # not a string, a duplicate, a merge key
                key = value
            else:
                if type(value) is _Hole and value.kind not in ("value", "literal"):
                    raise _Refused
                top[key] = value
                key = None
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or null_next:
                raise _Refused
            if len(stack) >= MAX_DEPTH:
                raise _Refused
            value = {} if kind is yaml.MappingStartEvent else []
            if key is _LIST:
                top.append(value)
            elif key is None:
                raise _Refused
            else:
                top[key] = value
                key = None
            keys[-1] = key
            stack.append(value)
            keys.append(None if kind is yaml.MappingStartEvent else _LIST)
            block.append(not event.flow_style)
            top = value
            key = keys[-1]
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            if null_next or (key is not None and key is not _LIST):
                raise _Refused
            stack.pop()
            keys.pop()
            block.pop()
            if not stack:
                break
            top = stack[-1]
            key = keys[-1]
        else:
            raise _Refused
    if type(get()) is not yaml.DocumentEndEvent:
        return None
    if type(get()) is not yaml.StreamEndEvent:
        return None
    if len(seen) != len(holes):
        return None
    return root


def _hole(
    event: Any,
    holes: list[tuple[str, int]],
    seen: set[int],
    key: Any,
    top: Any,
    in_block: bool,
) -> _Hole:
    """The hole a scalar holding the hole character is, checked to be in
    the place and form its output needs."""
    text: str = event.value
    literal = event.style == "|"
    name = text.removesuffix("\n") if literal else text
    number = name[len(_HOLE) : -len(_HOLE_END)]
    if not (name.startswith(_HOLE) and name.endswith(_HOLE_END)):
        raise _Refused
    if not number.isdigit():
        raise _Refused
    index = int(number)
    if number != str(index) or index >= len(holes) or index in seen:
        raise _Refused
    seen.add(index)
    kind, indent = holes[index]
    column = event.start_mark.column
    if kind == "literal":
        # a literal block, not a key, that keeps its final newline where the
        # output's does ("|"), none where it does not ("|-")
        if not literal or key is None or text != name + "\n" * indent:
            raise _Refused
        return _Hole(index, kind)
    if not event.implicit[0] or event.style not in (None, ""):
        raise _Refused  # a quoted or block scalar, not the plain stand-in
    if kind == "map" and not (in_block and key is None and column == indent):
        raise _Refused
    if kind == "seq" and not (in_block and key is _LIST and column == indent + 2):
        raise _Refused
    return _Hole(index, kind)


def _fill(node: Any, values: list[Any]) -> Any:
    """The skeleton with the values in its holes (copied: the skeleton stays
    as it is for the next text of its shape)."""
    kind = type(node)
    if kind is dict:
        out: dict[Any, Any] = {}
        for key, item in node.items():
            if type(key) is _Hole:
                value = values[key.index]
                if key.kind == "map":
                    for name, entry in value.items():
                        if name in out:
                            raise _Clash
                        out[name] = entry
                    continue
                if type(value) is not str:
                    raise _Clash  # a key the loader refuses
                key = value
            if key in out:
                raise _Clash  # a duplicate: the loader's error
            out[key] = _fill(item, values)
        return out
    if kind is list:
        items: list[Any] = []
        for item in node:
            if type(item) is _Hole and item.kind == "seq":
                items.extend(values[item.index])
            else:
                items.append(_fill(item, values))
        return items
    if kind is _Hole:
        return values[node.index]
    return node
