"""``modelrail check``."""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

import click

from modelrail.cli.options import (
    env_option,
    format_option,
    now_option,
    output_option,
    root_option,
    today_option,
)

if TYPE_CHECKING:
    import datetime
    from pathlib import Path


def _docs_base() -> str:
    """Where the repository's files are browsable, for links to the policy
    docs (SARIF ``helpUri``): in GitHub Actions, the commit being checked;
    ``MODELRAIL_DOCS_URL`` overrides; elsewhere, no links."""
    if os.environ.get("MODELRAIL_DOCS_URL"):
        return os.environ["MODELRAIL_DOCS_URL"]
    parts = [
        os.environ.get(name, "")
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
    ]
    if not all(parts) or not re.fullmatch(r"[0-9a-f]{40}", parts[2]):
        return ""
    return f"{parts[0].rstrip('/')}/{parts[1]}/blob/{parts[2]}/"


@click.command("check")
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@env_option
@format_option
@output_option
@root_option
@today_option
@now_option
@click.option(
    "--base",
    metavar="REF",
    help="The git ref the change is judged against (a pull request's base): "
    "only what changed since is checked (the touched models in every "
    "environment, the environments whose files changed; everything when "
    "policies or schemas changed), and policies about changes (canary steps, "
    "promotions) read the specs there. Needs the full git history.",
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
    now: datetime.datetime,
    base: str | None,
    no_waivers: bool,
) -> None:
    """Check specs, environments and waivers: schemas, then the policies.

    PATHS are files or environment folders under environments/ (default: all).
    Exit codes: 0 clean, 1 findings, 2 bad input, 3 internal error (a policy
    crashed: its name and the spec are printed).
    """
    from modelrail import __version__
    from modelrail.check.runner import Options, run
    from modelrail.reporters import REPORTERS, RunInfo
    from modelrail.repository.layout import repository
    from modelrail.repository.writer import write_atomic

    repo = repository(root)
    history = None
    changes = None
    if base is not None:
        from modelrail.git.changes import changed
        from modelrail.git.history import GitHistory

        history = GitHistory(repo.root, base)
        if not paths:
            changes = changed(repo.root, history.commit)
            click.echo(f"changes since {base}: {changes.describe()}", err=True)
    else:
        # the promotion rules judge what the working tree changes against HEAD
        from modelrail.git.history import at_head

        found = at_head(repo.root)
        if isinstance(found, str):
            click.echo(f"promotion rules skipped: {found}", err=True)
        else:
            history = found
    try:
        options = Options(
            today=today,
            waivers=not no_waivers,
            history=history,
            changes=changes,
            now=now,
        )
        report = run(repo, paths, envs, options)
    finally:
        if history is not None:
            history.close()
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = REPORTERS[fmt](report, RunInfo(__version__, color, _docs_base()))
    if output is not None:
        write_atomic(output, text)
        if fmt != "text":
            from modelrail.reporters.text import summary

            click.echo(summary(report), err=True)
    else:
        click.echo(text, nl=False, color=color)
    if report.crashes:
        from modelrail.cli.common import debug

        for crash in report.crashes:
            if debug(ctx):
                click.echo(crash.traceback, err=True, nl=False)
            click.echo(f"internal error: {crash}", err=True)
        click.echo(
            "A policy has a bug: the findings above are incomplete. Run again "
            "with --debug for the traceback and report it to the policy's owners.",
            err=True,
        )
    sys.exit(report.exit_code)
