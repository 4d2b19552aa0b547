"""``modelrail verify``: a gate's in-toto Statement against this checkout."""

from __future__ import annotations

from pathlib import Path

import click

from modelrail.cli.options import root_option


@click.command("verify")
@click.argument("attestation", metavar="ATTESTATION", type=click.Path(path_type=Path))
@click.option(
    "--env",
    "-e",
    "environment",
    metavar="ENV",
    help="The environment the Statement must be about (default: the one it names).",
)
@root_option
@click.pass_context
def verify_cmd(
    ctx: click.Context, attestation: Path, environment: str | None, root: Path | None
) -> None:
    """Check ATTESTATION's subjects against this checkout.

    ATTESTATION is an in-toto Statement written by `modelrail gate --format
    intoto`. Its model artifact must be the spec's (spec.model.artifact and
    spec.model.digest in environments/ENV/MODEL.yaml) and its rendered app
    the sha256 of rendered/ENV/MODEL/ as the checkout has them. The
    signature is not checked: `gh attestation verify` does that. See
    docs/attestation.md.

    Exit codes: 0 every subject matches, 1 a subject does not (each named,
    with both digests), 2 a file that is not such a Statement.
    """
    from modelrail.repository.layout import repository
    from modelrail.repository.schema import SchemaSet
    from modelrail.verify import parse, subjects

    repo = repository(root)
    schemas = SchemaSet(repo.schemas_dir)
    statement = parse.load(
        attestation, str(attestation), parse.schema(repo.schemas_dir)
    )
    outcome = subjects.compare(repo, statement, schemas, environment=environment)
    for mismatch in outcome.mismatches:
        click.echo(f"{mismatch}", err=True)
    for line in outcome.matched:
        click.echo(f"match: {line}")
    if outcome.mismatches:
        click.echo(
            f"{attestation}: {len(outcome.mismatches)} subject(s) do not match "
            "this checkout",
            err=True,
        )
        ctx.exit(1)
    click.echo(f"{attestation}: every subject matches this checkout")
