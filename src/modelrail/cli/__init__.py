"""The ``modelrail`` command group and its error boundary.

Only ``cli/`` reads argv, prints and picks exit codes. Exit codes: 0 clean,
1 findings, 2 bad input or usage, 3 internal error (a bug: report it).
Subcommand modules import their heavy dependencies inside the command, so
``modelrail --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from modelrail import __version__
from modelrail.errors import ModelrailError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class _Group(click.Group):
    """Maps errors to exit codes: no traceback unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModelrailError as exc:
            if _debug(ctx):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError as exc:
            if not _from_echo(exc):  # a pipe to a subprocess (git) broke
                click.echo(f"internal error: BrokenPipeError: {exc}", err=True)
                ctx.exit(EXIT_INTERNAL)
            # the reader went away (`modelrail check | head`): no more output,
            # and none at exit either (Python's documented way)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(141)  # 128 + SIGPIPE, as a shell reports it
        except Exception as exc:  # noqa: BLE001 - the boundary: every bug ends here
            if _debug(ctx):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in modelrail; run again with --debug and report it.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


def _from_echo(exc: BaseException) -> bool:
    """Whether the broken pipe is the output's: it broke in click.echo (every
    command writes its output with it), not in a pipe to a subprocess."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "echo" and "click" in code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("MODELRAIL_DEBUG") == "1"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="modelrail")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
def main(debug: bool) -> None:
    """Take machine-learning models to production the safe way.

    Specs live in environments/<env>/<model>.yaml; modelrail checks them
    against the schemas and the production checklist.
    """


def _register() -> None:
    from modelrail.cli.check import check_cmd
    from modelrail.cli.diff import diff_cmd
    from modelrail.cli.gate import gate_cmd
    from modelrail.cli.new import new_cmd
    from modelrail.cli.policies import explain_cmd, policies_cmd
    from modelrail.cli.promote import promote_cmd
    from modelrail.cli.render import render_cmd

    for command in (
        check_cmd,
        render_cmd,
        new_cmd,
        diff_cmd,
        promote_cmd,
        gate_cmd,
        policies_cmd,
        explain_cmd,
    ):
        main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
