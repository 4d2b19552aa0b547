"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# kept in step with reporters.REPORTERS by a test
FORMATS = ("github", "json", "junit", "markdown", "sarif", "text")


def root_option(func: F) -> F:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The repository root (default: found from the current folder).",
    )(func)


def env_option(func: F) -> F:
    return click.option(
        "--env",
        "-e",
        "envs",
        multiple=True,
        metavar="ENV",
        help="Only this environment (repeatable).",
    )(func)


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="Output format.",
    )(func)


def output_option(func: F) -> F:
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the report to this file (atomically) instead of stdout.",
    )(func)
