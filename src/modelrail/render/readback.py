"""Reading a rendered file back, fast: what ``load_text`` reads, or None.

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


def _scalar(event: yaml.ScalarEvent) -> Any:
    if event.anchor is not None or event.tag is not None:
        raise _Refused
    if not event.implicit[0]:  # quoted or a block scalar: a string
        return event.value
    value = _plain(event.value)
    if value is _NOT_PLAIN:
        raise _Refused
    return value


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
    # the open collections, and for each the key read (a mapping whose next
    # scalar is a key: None) and whether it is a mapping
    stack: list[Any] = [root]
    keys: list[Any] = [None]
    in_map: list[bool] = [True]
    scalar_event = yaml.ScalarEvent
    while stack:
        event = get()
        kind = type(event)
        top = stack[-1]
        if (
            kind is scalar_event
            or kind is yaml.MappingStartEvent
            or (kind is yaml.SequenceStartEvent)
        ):
            if kind is scalar_event:
                value: Any = _scalar(event)
            else:
                if event.anchor is not None or event.tag is not None:
                    raise _Refused
                if len(stack) >= MAX_DEPTH:
                    raise _Refused
                value = {} if kind is yaml.MappingStartEvent else []
            if in_map[-1]:
                key = keys[-1]
                if key is None:  # a key
                    if kind is not scalar_event or type(value) is not str:
                        raise _Refused  # a collection or non-string key
                    if value == "<<" and event.implicit[0]:
                        raise _Refused  # a merge key: the loader refuses it
                    if value in top:
                        raise _Refused  # a duplicate: the loader's error
                    keys[-1] = value
                    continue
                top[key] = value
                keys[-1] = None
            else:
                top.append(value)
            if kind is not scalar_event:
                stack.append(value)
                keys.append(None)
                in_map.append(kind is yaml.MappingStartEvent)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            keys.pop()
            in_map.pop()
        else:  # an alias, or anything else
            raise _Refused
    if type(get()) is not yaml.DocumentEndEvent:
        return None
    if type(get()) is not yaml.StreamEndEvent:
        return None  # a second document
    return root
