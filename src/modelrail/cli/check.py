"""``modelrail check``."""

from __future__ import annotations

import datetime
import re
import sys
from typing import TYPE_CHECKING

import click

from modelrail.cli.options import env_option, format_option, output_option, root_option

if TYPE_CHECKING:
    from pathlib import Path


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


@click.command("check")
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@env_option
@format_option
@output_option
@root_option
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    envvar="MODELRAIL_TODAY",
    callback=_date,
    help="The date waivers are judged against (default: today, UTC).",
)
@click.option(
    "--base",
    metavar="REF",
    help="The git ref the change is judged against (a pull request's base): "
    "policies about changes (canary steps, promotions) read the specs there.",
)
@click.option(
    "--no-waivers",
    is_flag=True,
    help="Apply no waiver: every finding at full severity (for audits).",
)
@click.pass_context
def check_cmd(
    ctx: click.Context,
    paths: tuple[str, ...],
    envs: tuple[str, ...],
    fmt: str,
    output: Path | None,
    root: Path | None,
    today: datetime.date,
    base: str | None,
    no_waivers: bool,
) -> None:
    """Check specs, environments and waivers: schemas, then the policies.

    PATHS are files or environment folders under environments/ (default: all).
    Exit codes: 0 clean, 1 findings, 2 bad input, 3 internal error (a policy
    crashed: its name and the spec are printed).
    """
    from modelrail import __version__
    from modelrail.check import Options, run
    from modelrail.repo import repository
    from modelrail.reporters import REPORTERS, RunInfo
    from modelrail.writer import write_atomic

    repo = repository(root)
    history = None
    if base is not None:
        from modelrail.history import GitHistory

        history = GitHistory(repo.root, base)
    try:
        options = Options(today=today, waivers=not no_waivers, history=history)
        report = run(repo, paths, envs, options)
    finally:
        if history is not None:
            history.close()
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = REPORTERS[fmt](report, RunInfo(__version__, color=color))
    if output is not None:
        write_atomic(output, text)
        if fmt != "text":
            from modelrail.reporters.text import summary

            click.echo(summary(report), err=True)
    else:
        click.echo(text, nl=False, color=color)
    if report.crashes:
        from modelrail.cli import _debug

        for crash in report.crashes:
            if _debug(ctx):
                click.echo(crash.traceback, err=True, nl=False)
            click.echo(f"internal error: {crash}", err=True)
        click.echo(
            "A policy has a bug: the findings above are incomplete. Run again "
            "with --debug for the traceback and report it to the policy's owners.",
            err=True,
        )
    sys.exit(report.exit_code)
