"""The jinja2 environment templates run in: sandboxed, strict, YAML-only output.

- ``ImmutableSandboxedEnvironment``: a template cannot reach Python internals
  or change the values it is given (templates are repository content, changed
  by pull request like the policies).
- ``StrictUndefined``: a misspelt variable is an error, never an empty string.
- ``finalize``: every ``{{ ... }}`` must produce :class:`Yaml`, i.e. pass
  through the ``yaml``, ``yaml_block`` or ``yaml_literal`` filter (see
  ``yamlout``).
- the loader stays in the templates folder: no ``..``, no absolute name, no
  symbolic link that leads out of it.

A template that fails is reported with its file and line, an included
template's own (exit 3: a template bug, like a policy that crashes).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelrail.render.yamlout import (
    Slot,
    UnsafeValue,
    Yaml,
    yaml_block_filter,
    yaml_filter,
    yaml_literal_filter,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    import jinja2


class RawValueError(UnsafeValue):
    """A template printed a value without a serialising filter."""


class TemplateFailure(Exception):
    """A template that would not render: a bug in the template (exit 3)."""

    def __init__(self, template: str, line: int, message: str) -> None:
        where = f"{template}:{line}" if line else template
        super().__init__(f"{where}: {message}")
        self.template = template
        self.line = line
        self.message = message


# While Templates.render_parts renders: the filters' outputs, in the order
# printed (each printed as a marker, _MARK + its number + _END, in their place)
_recording: list[Slot] | None = None
_MARK, _END = "\ue000", "\ue001"  # private-use characters


def _finalize(value: Any) -> Yaml:
    if isinstance(value, Yaml):
        if _recording is not None and isinstance(value, Slot):
            _recording.append(value)
            return Yaml(f"{_MARK}{len(_recording) - 1}{_END}")
        return value
    raise RawValueError(
        f"a template printed {type(value).__name__} {str(value)[:60]!r} without "
        "a serialising filter: write {{ value | yaml }} (or | yaml_block(indent))"
    )


@dataclass(frozen=True)
class Templates:
    """The templates of one folder (``render/templates/`` of the repository)."""

    folder: Path
    display: str  # the folder as shown in messages, relative to the repository
    # the names asked for (exists, render) since it was last cleared: what a
    # rendered folder was made from (``render/records``)
    consulted: set[str] = field(default_factory=set, compare=False, repr=False)

    @cached_property
    def environment(self) -> jinja2.Environment:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        class Environment(ImmutableSandboxedEnvironment):
            def compile(self, *args: Any, **kwargs: Any) -> Any:
                # jinja2 finalizes constant output when it compiles (an
                # include is compiled in the middle of a render): that text
                # is the template's own, never a marker
                global _recording
                recording, _recording = _recording, None
                try:
                    return super().compile(*args, **kwargs)
                finally:
                    _recording = recording

        env = Environment(
            loader=_confined_loader(self.folder),
            undefined=jinja2.StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )

        def defined(value: Any) -> Any:
            # an undefined value (a misspelt name, a missing key, an attribute
            # the sandbox hides) fails naming itself, not as "a StrictUndefined"
            if isinstance(value, jinja2.Undefined):
                value._fail_with_undefined_error()
            return value

        env.filters["yaml"] = lambda value: yaml_filter(defined(value))
        env.filters["yaml_block"] = lambda value, indent: yaml_block_filter(
            defined(value), indent
        )
        env.filters["yaml_literal"] = lambda value, indent: yaml_literal_filter(
            defined(value), indent
        )
        return env

    def exists(self, name: str) -> bool:
        self.consulted.add(name)
        return (self.folder / name).is_file()

    def render(self, name: str, values: dict[str, Any]) -> str:
        """The text of template ``name`` with ``values``; TemplateFailure if it fails."""
        import jinja2

        self.consulted.add(name)
        try:
            template = self.environment.get_template(name)
            return template.render(values)
        except jinja2.TemplateSyntaxError as exc:
            # exc.name: the template the error is in (an included one too)
            shown = f"{self.display}/{exc.name or name}"
            raise TemplateFailure(shown, exc.lineno or 0, exc.message or "") from exc
        except jinja2.TemplateNotFound as exc:
            inner, line = self._where(exc, name)
            message = "template not found"
            if exc.name != name:
                message = f"included template {exc.name!r} not found in the folder"
            raise TemplateFailure(f"{self.display}/{inner}", line, message) from exc
        except (jinja2.TemplateError, UnsafeValue, ArithmeticError, LookupError,
                TypeError, ValueError, RecursionError) as exc:  # fmt: skip
            inner, line = self._where(exc, name)
            message = str(exc) or type(exc).__name__
            if isinstance(exc, jinja2.UndefinedError):
                message = f"undefined value: {message}"
            raise TemplateFailure(f"{self.display}/{inner}", line, message) from exc

    def render_parts(
        self, name: str, values: dict[str, Any]
    ) -> tuple[str, list[str] | None, list[Slot]]:
        """:meth:`render`, and the text's parts: the template's own text
        between the filters' outputs (one more than the outputs), and the
        outputs (None and [] where the text cannot be cut so: the template's
        own text holds the markers' characters)."""
        global _recording
        slots: list[Slot] = []
        _recording = slots
        try:
            marked = self.render(name, values)
        finally:
            _recording = None
        parts = _cut(marked, len(slots))
        if parts is None:
            return self.render(name, values), None, []
        text = parts[0] + "".join(
            str(slot) + after for slot, after in zip(slots, parts[1:], strict=True)
        )
        return text, parts, slots

    def _where(self, exc: BaseException, name: str) -> tuple[str, int]:
        """The template and line of the innermost template frame in the
        traceback (jinja2 rewrites tracebacks so that template frames carry the
        template's file and line): an included template's own line, not the
        line of the include."""
        root = os.path.normpath(self.folder)
        where = (name, 0)
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.lineno and frame.filename.startswith(root + os.sep):
                inner = Path(frame.filename).relative_to(root).as_posix()
                where = (inner, frame.lineno)
        return where


def _cut(marked: str, count: int) -> list[str] | None:
    """The template's own text around the ``count`` markers of ``marked``."""
    pieces = marked.split(_MARK)
    if len(pieces) != count + 1 or _END in pieces[0]:
        return None
    parts = [pieces[0]]
    for number, piece in enumerate(pieces[1:]):
        index, end, after = piece.partition(_END)
        if not end or index != str(number) or _END in after:
            return None
        parts.append(after)
    return parts


def _confined_loader(folder: Path) -> jinja2.BaseLoader:
    """A FileSystemLoader that stays in ``folder``. jinja2 refuses ``..`` in a
    template name but follows symbolic links: a link in the folder would let a
    template include any file the process can read (and write it into
    rendered/)."""
    import jinja2

    root = folder.resolve()

    class Confined(jinja2.FileSystemLoader):
        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            if not Path(filename).resolve().is_relative_to(root):
                raise jinja2.TemplateNotFound(template)
            return source, filename, uptodate

    return Confined(str(folder), encoding="utf-8")
