"""What every command shares: exit codes, the error boundary, --debug, and
how a failed render is told.

Exit codes: 0 clean, 1 findings, 2 bad input or usage, 3 internal error (a
bug: report it).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from modelrail.errors import ModelrailError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class Group(click.Group):
    """Maps errors to exit codes: no traceback unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModelrailError as exc:
            if debug(ctx):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError as exc:
            if not from_echo(exc):  # a pipe to a subprocess (git) broke
                click.echo(f"internal error: BrokenPipeError: {exc}", err=True)
                ctx.exit(EXIT_INTERNAL)
            # the reader went away (`modelrail check | head`): no more output,
            # and none at exit either (Python's documented way)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)  # 128 + SIGPIPE, as a shell reports it
        except Exception as exc:  # noqa: BLE001 - the boundary: every bug ends here
            if debug(ctx):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in modelrail; run again with --debug and report it.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


def from_echo(exc: BaseException) -> bool:
    """Whether the broken pipe is the output's: it broke in click.echo (every
    command writes its output with it), not in a pipe to a subprocess."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "echo" and "click" in code.co_filename:
            return True
        tb = tb.tb_next
    return False


def debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("MODELRAIL_DEBUG") == "1"


def render_failure(exc: Exception, *, doing: str = "") -> int:
    """Tell why a render failed, on stderr, and the exit code it asks for:
    2 for the input's fault (each finding of a ``BadInput`` with its fix), 3
    for a template that fails (a bug). ``doing`` prefixes the message
    ("not rendered: "). Any other exception is re-raised."""
    from modelrail.render.pipeline import BadInput, TemplateFailure, failed

    if not failed(exc):
        raise exc
    if isinstance(exc, TemplateFailure):
        click.echo(f"template error: {doing}{exc}", err=True)
        return EXIT_INTERNAL
    if isinstance(exc, BadInput):
        for finding in exc.findings:
            click.echo(str(finding), err=True)
            if finding.remediation:
                click.echo(f"  fix: {finding.remediation}", err=True)
    click.echo(f"error: {doing}{exc}", err=True)
    return EXIT_USAGE
