"""Round-trip YAML: edit a spec and keep its comments, key order and quoting.

The loader (PyYAML) is the only parser of what is *checked*; this module is
for the one job that *edits* a spec a person wrote (``modelrail promote``).
ruamel.yaml's round-trip mode keeps comments, key order, flow style and
quotes. The layout matches the bundled specs (mappings indented by 2,
sequences by 4 with the dash at 2, no line folding), so loading and dumping
an unchanged spec gives the same bytes: tests/promote/test_roundtrip.py checks that on
every bundled file.

ruamel is imported inside the functions: ``modelrail --help`` stays fast.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from modelrail.errors import UsageError
from modelrail.findings import Location

if TYPE_CHECKING:
    from ruamel.yaml import YAML

WIDTH = 1 << 16  # never fold a long line (digests, URLs)


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str, name: str) -> Any:
    """The document of ``text`` as ruamel's commented mappings and sequences;
    a YAML error is bad input, located in ``name``."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            Location(name, mark.line + 1, mark.column + 1)
            if mark is not None
            else Location(name)
        )
        problem = exc.problem or exc.context or "invalid YAML"
        raise UsageError(f"{problem} (run 'modelrail check')", where) from exc
    except YAMLError as exc:
        raise UsageError(f"{exc} (run 'modelrail check')", Location(name)) from exc


def dump(data: Any) -> str:
    """The text of a document loaded by :func:`load` (edited or not)."""
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def plain(value: Any) -> Any:
    """``value`` as plain dicts, lists and scalars (ruamel's str, int and float
    subclasses become the builtin types), for comparing and for reports."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as data, and of the same kinds (``True`` is not ``1``, ``1`` is
    not ``1.0``, ``"1"`` is not ``1``)."""
    return bool(_typed(plain(a)) == _typed(plain(b)))


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def eol_comment(container: Any, key: Any) -> str | None:
    """The end-of-line comment after the value of ``key`` in a commented
    mapping (or of item ``key`` in a commented sequence), without the ``#``;
    None when the line has none."""
    ca = getattr(container, "ca", None)
    entry = ca.items.get(key) if ca is not None else None
    if not entry:
        return None
    for token in entry:
        text = getattr(token, "value", None)
        if isinstance(text, str) and text.lstrip(" ").startswith("#"):
            first = text.lstrip(" ").split("\n", 1)[0]
            return first[1:].strip() or None
    return None
