"""``modelrail policies`` and ``modelrail explain``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelrail.cli.options import root_option
from modelrail.policy import TIERS as _TIERS
from modelrail.policy.docs import FORMATS

if TYPE_CHECKING:
    from pathlib import Path

    from modelrail.policy.catalog import Catalog


def _catalog(root: Path | None) -> Catalog:
    from modelrail.policy import catalog
    from modelrail.repository.layout import repository

    return catalog.load(repository(root))


@click.command("policies")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table, markdown (docs/policies.md) or json.",
)
@click.option(
    "--profile",
    metavar="NAME",
    help="What one profile (or tier) ends up with: each policy's severity and "
    "options, and the profile each comes from (table or json).",
)
@root_option
def policies_cmd(fmt: str, profile: str | None, root: Path | None) -> None:
    """List the policies of the repository, with their severity per tier."""
    from modelrail.policy import docs as describe

    catalog = _catalog(root)
    if profile is not None:
        if not catalog.profiles.exists(profile):
            known = ", ".join(sorted({*catalog.profiles.names, *_TIERS}))
            raise click.BadParameter(
                f"no profile {profile!r} (profiles and tiers: {known})",
                param_hint="--profile",
            )
        if fmt == "markdown":
            raise click.UsageError("--profile shows a table or json")
        view = describe.profile_json if fmt == "json" else describe.profile_table
        click.echo(view(catalog, profile), nl=False)
        return
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
    from modelrail.policy import docs as describe

    catalog = _catalog(root)
    try:
        policy = catalog.registry.get(policy_id)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="POLICY") from None
    click.echo(describe.explain(catalog, policy), nl=False)
