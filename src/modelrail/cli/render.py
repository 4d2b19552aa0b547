"""``modelrail render``: write rendered/ (or check that it is up to date)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from modelrail.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    render_failure,
)
from modelrail.cli.options import env_option, root_option


@click.command("render")
@root_option
@env_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The output folder (default: rendered/ of the repository).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 and list the files that differ if the output "
    "folder is not what the specs render to.",
)
@click.option(
    "--crd-schemas",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of CRD JSON schemas, laid out {group}/{kind}_{version}.json "
    "(default: schemas/crds/ of the repository).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to render models in (default: the CPUs available).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Render every model again, trusting no render.sum (CI runs this on a "
    "schedule). By default a model's folder whose render.sum shows it was made "
    "from today's inputs, and still holds those files, is not rendered again.",
)
@click.pass_context
def render_cmd(
    ctx: click.Context,
    root: Path | None,
    envs: tuple[str, ...],
    out: Path | None,
    check_only: bool,
    crd_schemas: Path | None,
    jobs: int | None,
    full: bool,
) -> None:
    """Render the specs into the Kubernetes manifests Argo CD syncs.

    Each model becomes rendered/<env>/<model>/ (one file per resource, a
    kustomization.yaml, and render.sum: the digests of what the folder was
    made from and of each of its files); each environment gets
    rendered/<env>/_argocd/ (its AppProject and ApplicationSet) and, with
    spec.alerting, rendered/<env>/_alerting/ (an AlertmanagerConfig per team),
    and each cluster rendered/_bootstrap/<cluster>/ (its root Application).
    Every manifest is validated against the Kubernetes schemas of the
    environment's kubernetesVersion and the CRD schemas before anything is
    written; the folder is replaced whole, or not at all.

    Only the models whose inputs changed are rendered again; the others are
    checked against their render.sum (--full renders everything).

    Exit codes: 0 written (or up to date), 1 stale (--check), 2 bad input or an
    invalid manifest, 3 a template that fails.
    """
    from modelrail.render import pipeline
    from modelrail.repository.layout import repository

    repo = repository(root)
    target = out if out is not None else repo.rendered_dir
    crd_dir = crd_schemas if crd_schemas is not None else repo.crds_dir
    shown = _shown(target, repo.root)
    try:
        synced = pipeline.sync(
            repo,
            envs,
            out=target,
            write=not check_only,
            full=full,
            jobs=jobs,
            crd_dir=crd_dir,
        )
    except pipeline.FAILURES as exc:
        ctx.exit(render_failure(exc))
    found = synced.differences
    if check_only:
        for item in found:
            click.echo(f"{item.state}: {shown}/{item.path}")
        if found:
            click.echo(
                f"{shown}/ is stale: {len(found)} file(s) differ from what the specs "
                "render to; run 'modelrail render' and commit the result",
                err=True,
            )
            ctx.exit(EXIT_FINDINGS)
        click.echo(f"{shown}/ is up to date ({synced.files} files)")
        ctx.exit(EXIT_OK)
    click.echo(
        f"rendered {synced.apps} apps ({synced.resources} resources) in "
        f"{len(synced.environments)} environments into {shown}/: "
        f"{synced.files} files, {len(found)} changed"
    )


def _shown(path: Path, root: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(absolute).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute
