"""The serialising filters: the only way a value reaches a rendered manifest.

Templates are text, and text is where injection lives: a spec value holding a
newline, ``---`` or ``key: value`` pasted into YAML by plain interpolation can
add a key, a document or a whole resource. So templates never interpolate a
value directly. ``{{ x | yaml }}`` emits ``x`` as one YAML node (a scalar, or a
flow mapping or sequence), ``{{ x | yaml_block(n) }}`` as a block node whose
continuation lines are indented by ``n`` spaces, and ``{{ text | yaml_literal(n) }}``
long text as a literal block (``|``) where it can carry it exactly, double-quoted
where it cannot. All three return :class:`Yaml`, and
the environment's ``finalize`` hook rejects anything else, so a template that
forgets the filter fails to render instead of rendering unsafely.

Scalars are written conservatively so that every YAML reader (PyYAML and
libyaml in YAML 1.1, Go's yaml in kubectl and Argo CD) reads back the same
value: a string is plain only when it starts with a letter or ``/``, holds nothing but
letters, digits and ``. _ / -``, and is not a word some YAML version reads as a
boolean or null; anything else is double-quoted with escapes for every control
and line-breaking character. Floats are written in positional notation (no
``1e-05``, which YAML 1.1 reads as a string), or when that is longer than 32
characters as ``1.0e+62`` (the ``.`` and the sign make it a float to YAML 1.1). A key longer than a parser
takes as an implicit key (1024 characters in libyaml, PyYAML and go-yaml) is
written as an explicit ``? key`` entry.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any


class Yaml(str):
    """Text made by a serialising filter: one complete, safe YAML node."""

    __slots__ = ()


class Slot(Yaml):
    """What a filter returns: its text, and what made it (the filter's kind,
    "flow", "block" or "literal", its value and indentation), for the
    renderer's parse-back by shape (``render/readback.py``)."""

    kind: str
    value: Any
    indent: int


def _slot(text: str, kind: str, value: Any, indent: int) -> Slot:
    out = Slot(text)
    out.kind = kind
    out.value = value
    out.indent = indent
    return out


class UnsafeValue(TypeError):
    """A value with no faithful YAML form (NaN, infinity, a lone surrogate, an
    unknown type)."""


# The longest number modelrail's loader reads back (the parse-back of every
# rendered file goes through it), and the longest float written positionally.
_MAX_NUMBER = 64
_MAX_POSITIONAL = 32
# The longest implicit ("simple") key YAML parsers accept, in characters from
# the key's first character to its ':' (libyaml, PyYAML and go-yaml: 1024).
_MAX_IMPLICIT_KEY = 1000
_SINGLE = re.compile("[\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
# _SINGLE's characters on lines: what a literal block carries exactly
_LINES = re.compile(
    "[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*"
)
# the same, of ASCII: a line feed and the printable characters
_ASCII_LINES = bytes([0x0A, *range(0x20, 0x7F)])
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
        or code in (0xFFFE, 0xFFFF)
    )


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that every reader decodes alike."""
    out = ['"']
    for char in text:
        if 0xD800 <= ord(char) <= 0xDFFF:
            # a lone surrogate is not text: libyaml and go-yaml refuse even
            # its escape, so no reader but pure-Python PyYAML gets it back
            raise UnsafeValue(
                f"a lone surrogate U+{ord(char):04X} has no YAML form (not text)"
            )
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _needs_escape(char):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


@functools.lru_cache(maxsize=65536)
def string(text: str) -> str:
    # cached: the same names, labels and keys recur in every resource
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    if '"' in text and _SINGLE.fullmatch(text):
        # PromQL and the like read better without \" everywhere: single
        # quotes escape nothing but themselves, so only printable text on one
        # line goes there (no control character, no line break to fold)
        return "'" + text.replace("'", "''") + "'"
    return quoted(text)


def number(value: float | Decimal) -> str:
    if isinstance(value, bool):  # bool is an int: never let True become 1
        return "true" if value else "false"
    if isinstance(value, int):
        return _checked_length(str(value))
    finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
    if not finite:
        raise UnsafeValue(f"{value!r} has no YAML form a Kubernetes reader accepts")
    exact = Decimal(repr(value)) if isinstance(value, float) else value
    text = format(exact, "f")
    text = text if "." in text else f"{text}.0"
    if len(text) <= _MAX_POSITIONAL:
        return text
    # 1e+62 or 5e-324 in positional notation is too long for modelrail's
    # loader: scientific notation, with the '.' YAML 1.1 needs to see a float
    mantissa, _, exponent = format(exact, "e").partition("e")
    mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
    return _checked_length(f"{mantissa}e{exponent}")


def literal(text: str, indent: int) -> str:
    """``text`` as a literal block scalar (``|``), each line as written and
    indented by ``indent``: long text (a dashboard's JSON) that reads and
    diffs line by line. Text a literal block cannot carry exactly (a control
    character, a tab, a space at the end or start of the first line, more
    than one newline at the end, none at all) is double-quoted instead."""
    body = text.removesuffix("\n")
    if (
        body
        and not body.endswith(("\n", " "))
        and not body.startswith((" ", "\n"))
        and _carried(body)
    ):
        pad = " " * indent
        head = "|" if text.endswith("\n") else "|-"
        if "\n\n" not in body:  # no empty line (that takes no indentation)
            return head + "\n" + pad + body.replace("\n", "\n" + pad)
        lines = body.split("\n")
        return "\n".join([head, *(pad + line if line else "" for line in lines)])
    return quoted(text)


def _carried(body: str) -> bool:
    """Whether a literal block carries ``body``'s lines exactly: only
    ``_LINES``'s characters, and no line that ends with a space. ASCII text
    (a dashboard's 50 KB of JSON) is checked as bytes, three times faster."""
    if body.isascii():
        data = body.encode("ascii")
        return not data.translate(None, _ASCII_LINES) and b" \n" not in data
    return " \n" not in body and _LINES.fullmatch(body) is not None


def _checked_length(text: str) -> str:
    if len(text) > _MAX_NUMBER:
        raise UnsafeValue(
            f"a number of {len(text)} characters: modelrail's loader reads at most "
            f"{_MAX_NUMBER} (and Kubernetes no number that long)"
        )
    return text


def scalar(value: Any) -> str:
    if type(value) is str:  # the common case first
        return string(value)
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
    if type(value) is str:
        return string(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{_flow_key(k)}: {flow(v)}" for k, v in value.items())
        return "{" + items + "}"
    if _is_list(value):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def block(value: Any, indent: int) -> str:
    """``value`` as a block node. The first line carries no indentation (the
    template places it); every further line is indented by ``indent`` spaces."""
    lines: list[str] = []
    _block_lines(value, "", " " * indent, lines)
    return "\n".join(lines)


def _block_lines(value: Any, first: str, rest: str, out: list[str]) -> None:
    """Append ``value``'s lines to ``out``: the first prefixed by ``first``,
    the others by ``rest`` (each nesting level indents by two more). Exact
    types are tested first: the abstract (Mapping, Sequence) checks are slow."""
    kind = type(value)
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        if not value:
            out.append(first + "{}")
            return
        inner = rest + "  "
        prefix = first
        for key, item in value.items():
            text = string(key) if type(key) is str else _key(key)
            if len(text) > _MAX_IMPLICIT_KEY:  # "? key" on a line, ":" the next
                out.append(f"{prefix}? {text}")
                head = f"{rest}:"
            else:
                head = f"{prefix}{text}:"
            if type(item) is str:
                out.append(f"{head} {string(item)}")
            elif _is_block(item):
                out.append(head)
                _block_lines(item, inner, inner, out)
            else:
                out.append(f"{head} {flow(item)}")
            prefix = rest
        return
    if value and (kind is list or _is_list(value)):
        inner = rest + "  "
        prefix = first
        for item in value:
            if type(item) is str:
                out.append(f"{prefix}- {string(item)}")
            elif _is_block(item):
                _block_lines(item, prefix + "- ", inner, out)
            else:
                out.append(f"{prefix}- {flow(item)}")
            prefix = rest
        return
    out.append(first + flow(value))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_block(value: Any) -> bool:
    if type(value) in _SCALARS:  # exact types first: the abstract checks are slow
        return False
    return bool(value) and (isinstance(value, Mapping) or _is_list(value))


def _is_list(value: Any) -> bool:
    if type(value) is list:
        return True
    # bytes are a Sequence too: never write them as a list of numbers
    return isinstance(value, Sequence) and not isinstance(
        value, (str, bytes, bytearray)
    )


def _key(key: Any) -> str:
    if type(key) is str:
        return string(key)
    if not isinstance(key, str):
        raise UnsafeValue(f"mapping keys must be strings, not {type(key).__name__}")
    return string(key)


def _flow_key(key: Any) -> str:
    text = _key(key)
    return f"? {text}" if len(text) > _MAX_IMPLICIT_KEY else text


# The filters templates use. Each returns Yaml, the only type finalize lets out.
def yaml_filter(value: Any) -> Yaml:
    return _slot(flow(value), "flow", value, 0)


def yaml_literal_filter(value: Any, indent: int) -> Yaml:
    if not isinstance(value, str):
        raise UnsafeValue("yaml_literal writes text only")
    if not isinstance(indent, int) or isinstance(indent, bool) or indent < 1:
        raise UnsafeValue("yaml_literal needs the indentation as a positive number")
    return _slot(literal(value, indent), "literal", value, indent)


def yaml_block_filter(value: Any, indent: int) -> Yaml:
    if not isinstance(indent, int) or isinstance(indent, bool) or indent < 0:
        raise UnsafeValue("yaml_block needs the indentation as a whole number")
    return _slot(block(value, indent), "block", value, indent)
