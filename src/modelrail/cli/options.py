"""Options shared by several commands."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from modelrail.reporters import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


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


def _date(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime.date:
    if not value:  # unset, or MODELRAIL_TODAY=""
        return datetime.datetime.now(datetime.UTC).date()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD", ctx=ctx, param=param
        ) from None


def _moment(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime.datetime:
    if not value:  # unset, or MODELRAIL_NOW=""
        return datetime.datetime.now(datetime.UTC)
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} is not a moment with a time zone; write "
            "YYYY-MM-DDTHH:MM:SSZ (or with an offset such as +01:00)",
            ctx=ctx,
            param=param,
        )
    return moment.astimezone(datetime.UTC)


def today_option(func: F) -> F:
    return click.option(
        "--today",
        metavar="YYYY-MM-DD",
        envvar="MODELRAIL_TODAY",
        callback=_date,
        help="The date waivers are judged against (default: today, UTC).",
    )(func)


def now_option(func: F) -> F:
    return click.option(
        "--now",
        metavar="TIMESTAMP",
        envvar="MODELRAIL_NOW",
        callback=_moment,
        help="The moment soak times are measured to, ISO 8601 with a zone "
        "(default: the clock).",
    )(func)


def branch_option(func: F) -> F:
    return click.option(
        "--branch",
        metavar="NAME",
        default=None,
        help="Create this git branch and switch to it before editing.",
    )(func)


def commit_option(func: F) -> F:
    return click.option(
        "--commit",
        is_flag=True,
        help="Commit the spec and the rendered files it changes (only when the "
        "check finds no error). Never pushes.",
    )(func)
