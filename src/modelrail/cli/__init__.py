"""The ``modelrail`` command group (its error boundary is ``cli.common``).

Only ``cli/`` reads argv, prints and picks exit codes (``cli.common``).
Subcommand modules import their heavy dependencies inside the command, so
``modelrail --help`` stays fast.
"""

from __future__ import annotations

import sys

import click

from modelrail import __version__
from modelrail.cli.common import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    from modelrail.cli.rollback import rollback_cmd
    from modelrail.cli.verify import verify_cmd

    for command in (
        check_cmd,
        render_cmd,
        new_cmd,
        diff_cmd,
        promote_cmd,
        rollback_cmd,
        gate_cmd,
        verify_cmd,
        policies_cmd,
        explain_cmd,
    ):
        main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
