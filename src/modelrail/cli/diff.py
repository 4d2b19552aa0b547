"""``modelrail diff``: what a change does to rendered/ and to the policy results."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelrail.cli.common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    render_failure,
)
from modelrail.cli.options import (
    env_option,
    now_option,
    output_option,
    root_option,
    today_option,
)
from modelrail.diffing import FORMATS

if TYPE_CHECKING:
    import datetime
    from pathlib import Path


@click.command("diff")
@click.option(
    "--base",
    metavar="REF",
    required=True,
    help="The git ref to compare the working tree with (a pull request's base).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal; markdown for a pull-request comment.",
)
@root_option
@env_option
@output_option
@today_option
@now_option
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when anything differs (as git diff --exit-code).",
)
@click.pass_context
def diff_cmd(
    ctx: click.Context,
    base: str,
    fmt: str,
    root: Path | None,
    envs: tuple[str, ...],
    output: Path | None,
    today: datetime.date,
    now: datetime.datetime,
    exit_code: bool,
) -> None:
    """Show what the working tree changes since REF: rendered manifests and
    policy results.

    Renders and checks the repository at REF (read from git, with its own
    templates, schemas and policies; nothing in the work tree or index is
    touched) and the working tree, then lists per model what was added,
    removed or promoted, canary plans and Argo CD resources that changed, the
    policy results that are new or resolved, and a unified diff per resource.
    Both sides are judged at the same --today and --now (give them for
    output that does not depend on the clock).

    Exit codes: 0 (differences or not; 1 with --exit-code when anything
    differs), 2 bad input (a ref that is not a commit, no git repository, a
    shallow clone, a working tree that does not render), 3 an internal error
    (a template or policy that crashed on the working tree).
    """
    from modelrail.check.runner import Options
    from modelrail.diffing import render
    from modelrail.diffing.core import diff
    from modelrail.render import parallel, pipeline
    from modelrail.repository.layout import repository
    from modelrail.repository.writer import write_atomic

    repo = repository(root)
    try:
        result = diff(
            repo,
            base,
            envs=envs,
            options=Options(today=today, now=now),
            jobs=parallel.default_jobs(),
        )
    except pipeline.FAILURES as exc:
        ctx.exit(render_failure(exc))
    text = render(result, fmt)
    if output is not None:
        write_atomic(output, text)
        click.echo(
            f"wrote {output}: {len(result.resources)} rendered file(s) and "
            f"{len(result.findings)} policy result(s) differ",
            err=True,
        )
    else:
        click.echo(text, nl=False)
    if result.head.crashes:
        for crash in result.head.crashes:
            click.echo(f"internal error: {crash}", err=True)
        ctx.exit(EXIT_INTERNAL)
    ctx.exit(EXIT_FINDINGS if exit_code and result.differs else EXIT_OK)
