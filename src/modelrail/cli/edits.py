"""What the commands that edit a spec share (``promote``, ``rollback``): the
environment file and the spec they read, the check of the result they show,
the render they run, and the refusal to sweep uncommitted work into a commit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelrail.cli.common import EXIT_OK, render_failure
from modelrail.errors import UsageError

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.promote.edit import End
    from modelrail.render.pipeline import Rendered
    from modelrail.repository.layout import Repository
    from modelrail.repository.loader import Document


def environment_doc(repo: Repository, name: str, option: str = "--to") -> Document:
    """The target's environment.yaml, loaded and schema-valid."""
    from modelrail.repository.files import load_and_validate
    from modelrail.repository.schema import SchemaSet

    known = repo.environment_names()
    if name not in known:
        raise UsageError(
            f"unknown environment {name!r} ({option}); known: {', '.join(known)}"
        )
    source = repo.environment_file(name)
    if not source.path.is_file():
        raise UsageError(
            f"{source.display}: no such file; environment {name!r} needs one "
            "(see schemas/environment.v1.json)"
        )
    doc, problems = load_and_validate(source, SchemaSet(repo.schemas_dir))
    if doc is None:
        raise UsageError(f"{problems[0]} (fix it first; run 'modelrail check')")
    return doc


def spec_end(repo: Repository, env: str, model: str, *, must_exist: bool) -> End:
    """The spec of ``model`` in ``env``: its text, which must be a valid spec
    (None when it does not exist and need not)."""
    from modelrail.promote.edit import End
    from modelrail.repository.files import load_and_validate
    from modelrail.repository.layout import YAML_SUFFIXES
    from modelrail.repository.schema import SchemaSet

    folder = repo.environments_dir / env
    found = [
        folder / f"{model}{s}"
        for s in YAML_SUFFIXES
        if (folder / f"{model}{s}").is_file()
    ]
    path = found[0] if found else folder / f"{model}{YAML_SUFFIXES[0]}"
    display = path.relative_to(repo.root).as_posix()
    if not path.is_file():
        if must_exist:
            known = sorted(
                f.path.stem for f in repo.files(env) if f.kind == "ModelDeployment"
            )
            raise UsageError(
                f"model {model!r} is not in {env}: no {display} (models there: "
                f"{', '.join(known) or 'none'})"
            )
        return End(env, display, None)
    doc, problems = load_and_validate(repo.source(path), SchemaSet(repo.schemas_dir))
    if doc is None:
        raise UsageError(f"{problems[0]} (fix {display} first; run 'modelrail check')")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"cannot read {display}: {exc}") from exc
    return End(env, display, text)


def show_report(ctx: click.Context, report: Report) -> None:
    from modelrail.cli.common import debug
    from modelrail.reporters.text import summary

    for finding in report.findings:
        if not finding.waived:
            click.echo(str(finding), err=True)
    for crash in report.crashes:
        if debug(ctx):
            click.echo(crash.traceback, err=True, nl=False)
        click.echo(f"internal error: {crash}", err=True)
    click.echo(summary(report), err=True)


def render_environment(repo: Repository, target: str) -> tuple[Rendered | str, int]:
    """What the render of ``target`` changed (or why it did not run) and the
    exit code it asks for."""
    from modelrail.render import pipeline

    try:
        rendered = pipeline.rerender(repo, (target,))
    except pipeline.FAILURES as exc:
        return str(exc), render_failure(exc, doing="not rendered: ")
    click.echo(
        f"rendered rendered/{target}/: {len(rendered.added)} added, "
        f"{len(rendered.changed)} changed, {len(rendered.removed)} removed",
        err=True,
    )
    return rendered, EXIT_OK


def refuse_dirty(
    repo: Repository,
    target: str,
    spec: str,
    *,
    commit: bool,
    pending: bool = False,
    command: str = "promote",
) -> None:
    """The spec promote edits, and with --commit the rendered files it
    commits, must have no uncommitted change: it would be swept in. A pending
    promotion (written earlier, not committed) is the change itself: its
    spec, its model's rendered app and the environment's alert routing
    (its contacts) may differ from HEAD."""
    from modelrail.git import worktree as gitwork

    paths = [spec]
    if commit:  # what the render of the target may rewrite
        paths += [f"rendered/{target}", "rendered/_bootstrap", "rendered/README.md"]
    if pending:  # pathspecs, relative to the root as git reads them from there
        from modelrail.render.renderer import ALERTING

        app = f"rendered/{target}/{Path(spec).stem}"
        # the team's routing too: the spec's email contacts join its team's
        routing = f"rendered/{target}/{ALERTING}"
        paths += [
            f":(exclude,literal){spec}",
            f":(exclude,literal){app}",
            f":(exclude,literal){routing}",
        ]
    found = gitwork.dirty(repo.root, paths)
    if found:
        shown = "; ".join(line.strip() for line in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise UsageError(
            f"uncommitted changes in what {command} edits ({shown}{more}): commit "
            "or stash them first, or run without --branch/--commit"
        )
