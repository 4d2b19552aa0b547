"""``modelrail check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelrail.cli.options import env_option, format_option, output_option, root_option


@click.command("check")
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@env_option
@format_option
@output_option
@root_option
def check_cmd(
    paths: tuple[str, ...],
    envs: tuple[str, ...],
    fmt: str,
    output: Path | None,
    root: Path | None,
) -> None:
    """Validate specs, environments and waivers against the schemas.

    PATHS are files or environment folders under environments/ (default: all).
    Exit codes: 0 clean, 1 findings, 2 bad input, 3 internal error.
    """
    from modelrail import __version__
    from modelrail.check import run
    from modelrail.repo import Repository, find_root
    from modelrail.reporters import REPORTERS, RunInfo
    from modelrail.writer import write_atomic

    repo = Repository(root.resolve()) if root else find_root(Path.cwd())
    if root and not repo.environments_dir.is_dir():
        from modelrail.errors import RepositoryError

        raise RepositoryError(f"{root}: no 'environments/' folder")
    report = run(repo, paths, envs)
    color = output is None and fmt == "text" and sys.stdout.isatty()
    text = REPORTERS[fmt](report, RunInfo(__version__, color=color))
    if output is not None:
        write_atomic(output, text)
        if fmt != "text":
            from modelrail.reporters.text import summary

            click.echo(summary(report), err=True)
    else:
        click.echo(text, nl=False, color=color)
    sys.exit(report.exit_code)
