"""The jinja2 environment templates run in: sandboxed, strict, YAML-only output.

- ``ImmutableSandboxedEnvironment``: a template cannot reach Python internals
  or change the values it is given (templates are repository content, changed
  by pull request like the policies).
- ``StrictUndefined``: a misspelt variable is an error, never an empty string.
- ``finalize``: every ``{{ ... }}`` must produce :class:`Yaml`, i.e. pass
  through the ``yaml`` or ``yaml_block`` filter (see ``yamlout``).

A template that fails is reported with its file and line (exit 3: a template
bug, like a policy that crashes).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from modelrail.render.yamlout import (
    UnsafeValue,
    Yaml,
    yaml_block_filter,
    yaml_filter,
)

if TYPE_CHECKING:
    from pathlib import Path

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


def _finalize(value: Any) -> Yaml:
    if isinstance(value, Yaml):
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

    @cached_property
    def environment(self) -> jinja2.Environment:
        import jinja2
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(self.folder), encoding="utf-8"),
            undefined=jinja2.StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        env.filters["yaml"] = yaml_filter
        env.filters["yaml_block"] = yaml_block_filter
        return env

    def exists(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def render(self, name: str, values: dict[str, Any]) -> str:
        """The text of template ``name`` with ``values``; TemplateFailure if it fails."""
        import jinja2

        shown = f"{self.display}/{name}"
        try:
            template = self.environment.get_template(name)
            return template.render(values)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateFailure(shown, exc.lineno or 0, exc.message or "") from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateFailure(shown, 0, "template not found") from exc
        except (jinja2.TemplateError, UnsafeValue, ArithmeticError, LookupError,
                TypeError, ValueError) as exc:  # fmt: skip
            line = _template_line(exc, name)
            message = str(exc) or type(exc).__name__
            if isinstance(exc, jinja2.UndefinedError):
                message = f"undefined value: {message}"
            raise TemplateFailure(shown, line, message) from exc


def _template_line(exc: BaseException, name: str) -> int:
    """The innermost line of ``name`` in the traceback (jinja2 rewrites
    tracebacks so that template frames carry the template's file and line)."""
    line = 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(name) and frame.lineno:
            line = frame.lineno
    return line
