"""The serialising filters: the only way a value reaches a rendered manifest.

Templates are text, and text is where injection lives: a spec value holding a
newline, ``---`` or ``key: value`` pasted into YAML by plain interpolation can
add a key, a document or a whole resource. So templates never interpolate a
value directly. ``{{ x | yaml }}`` emits ``x`` as one YAML node (a scalar, or a
flow mapping or sequence), and ``{{ x | yaml_block(n) }}`` as a block node whose
continuation lines are indented by ``n`` spaces. Both return :class:`Yaml`, and
the environment's ``finalize`` hook rejects anything else, so a template that
forgets the filter fails to render instead of rendering unsafely.

Scalars are written conservatively so that every YAML reader (PyYAML and
libyaml in YAML 1.1, Go's yaml in kubectl and Argo CD) reads back the same
value: a string is plain only when it starts with a letter or ``/``, holds nothing but
letters, digits and ``. _ / -``, and is not a word some YAML version reads as a
boolean or null; anything else is double-quoted with escapes for every control
and line-breaking character. Floats are written in positional notation (no
``1e-05``, which YAML 1.1 reads as a string).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


class Yaml(str):
    """Text made by a serialising filter: one complete, safe YAML node."""

    __slots__ = ()


class UnsafeValue(TypeError):
    """A value with no faithful YAML form (NaN, infinity, an unknown type)."""


_PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9._/-]*")
# Words YAML 1.1 (PyYAML, go-yaml v2) or 1.2 read as booleans or null.
_RESERVED = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
)  # compared lower-cased: True, NULL, Off... are all special somewhere
_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
}


def _needs_escape(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F  # DEL and C1 controls (U+0085 is a YAML 1.1 break)
        or code in (0x2028, 0x2029, 0xFEFF)  # line/paragraph separators, BOM
        or 0xD800 <= code <= 0xDFFF  # lone surrogates (never valid text)
        or code in (0xFFFE, 0xFFFF)
    )


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that every reader decodes alike."""
    out = ['"']
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _needs_escape(char):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def string(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return quoted(text)


def number(value: float | Decimal) -> str:
    if isinstance(value, bool):  # bool is an int: never let True become 1
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise UnsafeValue(f"{value!r} has no YAML form a Kubernetes reader accepts")
    text = format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    return text if "." in text else f"{text}.0"


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return number(value)
    if isinstance(value, str):
        return string(value)
    raise UnsafeValue(f"cannot write a {type(value).__name__} as a YAML scalar")


def flow(value: Any) -> str:
    """``value`` as one YAML node on one line (flow style for collections)."""
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(k)}: {flow(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(value: Any, indent: int) -> str:
    """``value`` as a block node. The first line carries no indentation (the
    template places it); every further line is indented by ``indent`` spaces."""
    lines = _block_lines(value)
    pad = " " * indent
    return "\n".join([lines[0], *(pad + line for line in lines[1:])])


def _block_lines(value: Any) -> list[str]:
    if isinstance(value, Mapping) and value:
        lines: list[str] = []
        for key, item in value.items():
            head = f"{_key(key)}:"
            if _is_block(item):
                lines.append(head)
                lines.extend("  " + line for line in _block_lines(item))
            else:
                lines.append(f"{head} {flow(item)}")
        return lines
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        lines = []
        for item in value:
            inner = _block_lines(item) if _is_block(item) else [flow(item)]
            lines.append("- " + inner[0])
            lines.extend("  " + line for line in inner[1:])
        return lines
    return [flow(value)]


def _is_block(value: Any) -> bool:
    return bool(value) and (
        isinstance(value, Mapping)
        or (isinstance(value, Sequence) and not isinstance(value, str))
    )


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise UnsafeValue(f"mapping keys must be strings, not {type(key).__name__}")
    return string(key)


# The filters templates use. Each returns Yaml, the only type finalize lets out.
def yaml_filter(value: Any) -> Yaml:
    return Yaml(flow(value))


def yaml_block_filter(value: Any, indent: int) -> Yaml:
    if not isinstance(indent, int) or isinstance(indent, bool) or indent < 0:
        raise UnsafeValue("yaml_block needs the indentation as a whole number")
    return Yaml(block(value, indent))
