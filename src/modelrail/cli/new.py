"""``modelrail new MODEL --type TYPE --env ENV``: a spec to start a model from."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from modelrail.cli.options import root_option
from modelrail.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
TYPES = ("predictive", "recommendation", "chatbot")  # = scaffold.TYPES


@click.command("new")
@click.argument("model")
@click.option(
    "--type", "spec_type", required=True, type=click.Choice(TYPES),
    help="The kind of model: its template (render/scaffold/<type>.yaml).",
)  # fmt: skip
@click.option("--env", "environment", required=True, metavar="ENV",
              help="The environment the model enters first (usually dev).")  # fmt: skip
@click.option("--team", default="todo-team", show_default=True,
              help="The owning team (metadata.team); the default is a placeholder.")  # fmt: skip
@root_option
def new_cmd(
    model: str, spec_type: str, environment: str, team: str, root: Path | None
) -> None:
    """Write environments/ENV/MODEL.yaml from the template of its type.

    Every value the policies require is set to the checklist's default for the
    environment (its router, registries, collector and limits), with a comment
    where a person should decide. Values only a person knows are placeholders
    (TODO text, .invalid addresses, zero digests), listed here: `modelrail
    check` reports each one (MR-OPS-013) until it is filled, and nothing else.
    Exit codes: 0 written, 2 bad input (the spec exists, an unknown
    environment or a name that is not a DNS label).
    """
    from modelrail.cli.edits import environment_doc
    from modelrail.promote import scaffold
    from modelrail.repository.layout import repository
    from modelrail.repository.writer import write_atomic

    for what, value in (("model", model), ("team", team)):
        if not _NAME.fullmatch(value):
            raise UsageError(
                f"{value!r} is not a {what} name (a DNS label, like fraud-detector)"
            )
    if model in ("environment", "waivers"):
        raise UsageError(
            f"{model!r} names an environment's own file; choose another model name"
        )
    repo = repository(root)
    env_doc = environment_doc(repo, environment, "--env")
    path = repo.environments_dir / environment / f"{model}.yaml"
    display = path.relative_to(repo.root).as_posix()
    if path.exists() or path.with_suffix(".yml").exists():
        raise UsageError(
            f"{display} exists: model {model!r} is already in {environment} "
            f"(promote a version with 'modelrail promote {model} --to ENV')"
        )
    made = scaffold.make(repo.root, spec_type, model, environment, env_doc.data, team)
    write_atomic(path, made.text)
    left = made.placeholders()
    click.echo(f"wrote {display} ({spec_type}, from render/scaffold/{spec_type}.yaml)")
    for note in made.notes:
        click.echo(f"note: {note}")
    click.echo(f"{len(left)} placeholder(s) to fill (modelrail check reports each):")
    for pointer, value in left:
        click.echo(f"  {pointer}: {value}")
