"""``modelrail policies`` and ``modelrail explain``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelrail.cli.options import root_option

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.catalog import Catalog

POLICY_FORMATS = ("table", "markdown", "json")  # kept in step with describe.FORMATS


def _catalog(root: Path | None) -> Catalog:
    from modelrail import catalog
    from modelrail.repo import repository

    return catalog.load(repository(root))


@click.command("policies")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(POLICY_FORMATS),
    default="table",
    show_default=True,
    help="table, markdown (docs/policies.md) or json.",
)
@root_option
def policies_cmd(fmt: str, root: Path | None) -> None:
    """List the policies of the repository, with their severity per tier."""
    from modelrail import describe

    catalog = _catalog(root)
    render = {
        "table": describe.table,
        "markdown": describe.markdown,
        "json": describe.as_json,
    }
    click.echo(render[fmt](catalog), nl=False)


@click.command("explain")
@click.argument("policy_id", metavar="POLICY")
@root_option
def explain_cmd(policy_id: str, root: Path | None) -> None:
    """Show what POLICY checks, why, how to fix it, and examples.

    POLICY is an ID such as MR-SEC-004 or a name such as pinned-serving-image.
    """
    from modelrail import describe

    catalog = _catalog(root)
    try:
        policy = catalog.registry.get(policy_id)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="POLICY") from None
    click.echo(describe.explain(catalog, policy), nl=False)
