"""``modelrail promote MODEL --to ENV``: a version moves one environment on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelrail.cli.common import EXIT_OK
from modelrail.cli.edits import (
    environment_doc,
    refuse_dirty,
    render_environment,
    show_report,
    spec_end,
)
from modelrail.cli.options import (
    branch_option,
    commit_option,
    now_option,
    root_option,
)
from modelrail.errors import UsageError

if TYPE_CHECKING:
    import datetime

    from modelrail.git.history import History
    from modelrail.promote.edit import End, Promotion
    from modelrail.repository.layout import Repository
    from modelrail.repository.loader import Document

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


@click.command("promote")
@click.argument("model", required=False)
@click.option(
    "--to",
    "--env",
    "target",
    metavar="ENV",
    default=None,
    help="The environment to promote into (required; with --auto, only this one).",
)
@click.option(
    "--auto",
    is_flag=True,
    help="Promote every model that is due into each environment that sets "
    "spec.promotion.auto: true (a newer version in the source that met the "
    "soak, no rollback holding it, no promotion branch yet, the gate passing), "
    "each committed on a branch promote/<env>/<model> (docs/auto-promotion.md).",
)
@click.option(
    "--from",
    "source",
    metavar="ENV",
    default=None,
    help="The environment to promote from (default: the target's spec.promotion.from).",
)
@branch_option
@commit_option
@click.option(
    "--body",
    "body_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the pull-request body (Markdown) to this file; with "
    "--auto, a folder: one <env>/<model>.md per promotion committed.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --auto: say what is due and why the rest is not; write nothing.",
)
@click.option(
    "--gate/--no-gate",
    default=None,
    help="Also run 'modelrail gate' on the promoted spec (SLO record of the "
    "source, the version in the model registry) and put its evidence in the "
    "body; a gate that fails means no commit. URLs from the environment files "
    "(or --prometheus/--registry), tokens from the environment (docs/gate.md). "
    "On by default with --auto, off otherwise.",
)
@click.option(
    "--prometheus",
    metavar="URL",
    default=None,
    help="With --gate: the source's Prometheus (default: its environment.yaml).",
)
@click.option(
    "--registry",
    metavar="URL",
    default=None,
    help="With --gate: the MLflow registry (default: the target's environment.yaml).",
)
@now_option
@root_option
@click.pass_context
def promote_cmd(
    ctx: click.Context,
    model: str | None,
    target: str | None,
    auto: bool,
    source: str | None,
    branch: str | None,
    commit: bool,
    body_file: Path | None,
    dry_run: bool,
    gate: bool | None,
    prometheus: str | None,
    registry: str | None,
    now: datetime.datetime,
    root: Path | None,
) -> None:
    """Promote MODEL into environment ENV from the environment before it.

    Copies spec.model (version, artifact, digest, metrics, baseline,
    evaluation...) and spec.serving.image from the source spec into the
    target's, keeping the target's own values and every comment; sets
    rollback.previousVersion to what the target ran. A model new to the
    target gets a spec made from the source's. Then runs check on all
    environments (judged against HEAD in a git repository) and renders the
    target into rendered/. Prints a pull-request body (Markdown) on stdout;
    progress goes to stderr.

    Exit codes: 0 promoted and clean (or nothing to promote), 1 the check
    found errors or the gate failed (the edit stays written, nothing is
    committed), 2 bad input or an evidence source that cannot be read, 3
    internal error.

    With --auto (no MODEL): every promotion that is due into the
    environments that set spec.promotion.auto: true (or only --to ENV), each
    committed on its own branch promote/<env>/<model>; one line per model on
    stdout (promoted, or skipped and why). A rollback holds a model until a
    person removes spec.rollback.revert. Exit 0 (also when nothing is due), 1
    a due promotion failed its check, render or gate (nothing of it is
    left), 2 bad input.
    """
    from modelrail.git import worktree as gitwork
    from modelrail.promote.update import promote
    from modelrail.repository.layout import repository

    if auto:
        ctx.exit(_auto(ctx, model, target, source, branch, commit, body_file,
                       dry_run, gate, prometheus, registry, now, root))  # fmt: skip
    if model is None or target is None or dry_run:
        raise UsageError(
            "name the MODEL and the environment --to promote into "
            "(or use --auto; --dry-run goes with --auto)"
        )
    if body_file is not None and body_file.is_dir():
        raise UsageError(f"--body {body_file}: a file (a folder goes with --auto)")
    gate = bool(gate)
    if not _NAME.fullmatch(model):
        raise UsageError(
            f"{model!r} is not a model name (a DNS label, like fraud-detector)"
        )
    repo = repository(root)
    env_doc = environment_doc(repo, target)
    source = _source(repo, env_doc, target, source)
    source_side = spec_end(repo, source, model, must_exist=True)
    target_side = spec_end(repo, target, model, must_exist=False)
    in_git = gitwork.inside(repo.root)
    if (prometheus is not None or registry is not None) and not gate:
        raise UsageError("--prometheus and --registry go with --gate")
    if (branch is not None or commit) and not in_git:
        raise UsageError(
            f"--branch and --commit need a git repository; {repo.root} is not in one"
        )
    if branch is not None:
        gitwork.check_branch(repo.root, branch)
    history = None
    if in_git and gitwork.has_commits(repo.root):
        from modelrail.git.history import GitHistory

        history = GitHistory(repo.root, "HEAD")  # refuses a shallow clone
    promotion = promote(model, source_side, target_side, env_doc.data, repo.root)
    pending = False
    if promotion.noop and history is not None:
        # the promotion is written but not committed (and maybe fixed by hand
        # since): that edit is the promotion, judged and committed as it is
        found = _pending(repo, model, source_side, target_side, env_doc, history)
        if found is not None:
            promotion, pending = found, True
            click.echo(
                f"{target_side.file} already holds the promotion of {model} "
                f"{promotion.version}, not committed yet: using it as it is",
                err=True,
            )
    if promotion.noop:
        if history is not None:
            history.close()
        click.echo(
            f"{model} {promotion.version} already runs in {target} as in {source} "
            f"(same model and image): nothing to promote",
            err=True,
        )
        ctx.exit(EXIT_OK)
    if branch is not None or commit:
        try:
            refuse_dirty(repo, target, target_side.file, commit=commit, pending=pending)
        except UsageError:
            if history is not None:
                history.close()
            raise
    try:
        if branch is not None:
            gitwork.switch_new(repo.root, branch)
            click.echo(f"switched to a new branch {branch!r}", err=True)
        gating = Gating(prometheus, registry) if gate else None
        code = _apply(
            ctx, repo, promotion, env_doc, target_side.file, history, now, commit,
            body_file, gating,
        )  # fmt: skip
    finally:
        if history is not None:
            history.close()
    ctx.exit(code)


def _auto(
    ctx: click.Context,
    model: str | None,
    target: str | None,
    source: str | None,
    branch: str | None,
    commit: bool,
    body_dir: Path | None,
    dry_run: bool,
    gate: bool | None,
    prometheus: str | None,
    registry: str | None,
    now: datetime.datetime,
    root: Path | None,
) -> int:
    """``--auto``: what :mod:`modelrail.cli.autopromote` does, each promotion
    through :func:`_apply` (the gate on unless --no-gate)."""
    from modelrail.cli import autopromote
    from modelrail.repository.layout import repository

    if model is not None or source is not None or branch is not None or commit:
        raise UsageError(
            "--auto finds the models and makes one branch per model, committed: "
            "no MODEL, --from, --branch or --commit"
        )
    gating = None if gate is False else Gating(prometheus, registry)
    if gating is None and (prometheus is not None or registry is not None):
        raise UsageError("--prometheus and --registry go with --gate")
    if body_dir is not None and body_dir.exists() and not body_dir.is_dir():
        raise UsageError(f"--body {body_dir}: with --auto, a folder")
    repo = repository(root)

    def apply(
        promotion: Promotion,
        env_doc: Document,
        target_file: str,
        history: History,
        body_file: Path | None,
    ) -> int:
        return _apply(
            ctx, repo, promotion, env_doc, target_file, history, now, True,
            body_file, gating, show_body=False,
        )  # fmt: skip

    return autopromote.run(repo, target, now, apply, dry_run=dry_run, body_dir=body_dir)


def _apply(
    ctx: click.Context,
    repo: Repository,
    promotion: Promotion,
    env_doc: Document,
    target_file: str,
    history: History | None,
    now: datetime.datetime,
    commit: bool,
    body_file: Path | None,
    gating: Gating | None = None,
    *,
    show_body: bool = True,
) -> int:
    from modelrail.check.runner import Options, run
    from modelrail.git import worktree as gitwork
    from modelrail.promote.body import body, commit_message
    from modelrail.repository.loader import load_text
    from modelrail.repository.writer import write_atomic

    write_atomic(repo.root / target_file, promotion.text)
    what = (
        f"new spec, {promotion.version}"
        if promotion.created
        else f"{promotion.before} -> {promotion.version}"
    )
    click.echo(
        f"wrote {target_file} ({what}; {len(promotion.changes)} field(s) changed)",
        err=True,
    )
    for note in promotion.notes:
        click.echo(f"note: {note}", err=True)
    # the promoted model in every environment (the rules across environments
    # judge the promotion), with the environment files and waivers of them:
    # the report, and the pull-request body, stay on this model
    specs = tuple(
        str(source.path)
        for env in repo.environment_names()
        for source in repo.files(env)
        if source.kind == "ModelDeployment" and source.path.stem == promotion.name
    )
    options = Options(today=now.date(), history=history, now=now)
    report = run(repo, specs, (), options)
    show_report(ctx, report)
    code = report.exit_code
    rendered, render_code = render_environment(repo, promotion.target)
    if code == EXIT_OK:
        code = render_code
    spec = load_text(promotion.text, target_file).data
    evidence = ""
    if gating is not None:
        evidence, gate_code = _gate(repo, promotion.name, promotion.target, gating, now)
        code = max(code, gate_code)
    if commit:
        if code == EXIT_OK and not isinstance(rendered, str):
            from modelrail.render.renderer import ALERTING

            # the model's app whole, and the environment's alert routing (the
            # spec's contacts): an earlier run may have rendered them already
            app = f"rendered/{promotion.target}/{promotion.name}"
            routing = f"rendered/{promotion.target}/{ALERTING}"
            paths = sorted(
                {target_file, *(f"rendered/{p}" for p in rendered.paths)}
                | {p for p in (app, routing) if (repo.root / p).is_dir()}
            )
            message = commit_message(promotion, spec)
            made = gitwork.commit(repo.root, paths, message)
            click.echo(
                f"committed {made[:12]} ({len(paths)} file(s)): "
                f"{message.splitlines()[0]}",
                err=True,
            )
        else:
            why = (
                "the check found errors"
                if report.exit_code
                else "render failed"
                if render_code
                else "the gate did not pass"
            )
            click.echo(
                f"not committed: {why} (the edit stays written); fix it, run "
                "'modelrail check' and 'modelrail render', and commit",
                err=True,
            )
    text = body(
        promotion,
        spec,
        env_doc.data,
        report,
        rendered,
        target_file=target_file,
        gate=evidence,
    )
    if body_file is not None:
        write_atomic(body_file, text)
    if show_body:
        click.echo(text, nl=False)
    return code


@dataclass(frozen=True, slots=True)
class Gating:
    """``--gate``: where the evidence is (None: the environment files say)."""

    prometheus: str | None
    registry: str | None


def _gate(
    repo: Repository, model: str, target: str, gating: Gating, now: datetime.datetime
) -> tuple[str, int]:
    """The gate's Markdown and exit code for the promoted spec (written)."""
    import os

    from modelrail import __version__
    from modelrail.gate import auth, inputs
    from modelrail.gate.report import as_markdown
    from modelrail.gate.run import run
    from modelrail.gate.transport import Settings

    resolved = inputs.resolve(
        repo,
        model,
        target,
        at=now.replace(microsecond=0),
        prometheus=gating.prometheus,
        registry=gating.registry,
    )
    result = run(
        resolved,
        Settings(),
        prometheus_auth=auth.prometheus(os.environ),
        registry_auth=auth.mlflow(os.environ),
    )
    for message in result.errors:
        click.echo(f"error: gate: {message}", err=True)
    click.echo(f"gate: {result.outcome} (exit {result.exit_code})", err=True)
    return as_markdown(result, __version__), result.exit_code


def _source(repo: Repository, env_doc: Document, target: str, given: str | None) -> str:
    """The environment to promote from: ``--from``, else the target's
    ``spec.promotion.from``."""
    declared = env_doc.data["spec"].get("promotion", {}).get("from")
    known = repo.environment_names()
    if given is None:
        if declared is None:
            raise UsageError(
                f"{env_doc.path}: environment {target!r} has no "
                "spec.promotion.from (versions enter the chain there); name the "
                "environment to promote from with --from ENV"
            )
        source = str(declared)
        if source not in known:
            raise UsageError(
                f"{env_doc.path}: spec.promotion.from names {source!r}, which is "
                f"not an environment (known: {', '.join(known)})"
            )
    else:
        source = given
        if source not in known:
            raise UsageError(
                f"unknown environment {source!r} (--from); known: {', '.join(known)}"
            )
    if source == target:
        raise UsageError(
            f"--from and --to both name {target!r}: promote from another environment"
        )
    if given is not None and declared != given:
        usual = (
            f"takes versions from {declared!r} (spec.promotion.from)"
            if declared is not None
            else "has no promotion source (spec.promotion.from)"
        )
        click.echo(
            f"warning: {target} {usual}, not {given!r}: the promotion policies "
            "will judge whether an environment is skipped",
            err=True,
        )
    return source


def _pending(
    repo: Repository,
    model: str,
    source: End,
    target: End,
    env_doc: Document,
    history: History,
) -> Promotion | None:
    """The promotion the working tree holds but HEAD does not: what promote
    made of HEAD's target spec, with the text as it is now. None when the
    target spec is what HEAD has (nothing pending)."""
    import dataclasses

    from modelrail.git.history import GitHistory
    from modelrail.promote.edit import End
    from modelrail.promote.update import promote

    assert isinstance(history, GitHistory)
    raw = history.read(history.prefix + target.file, "HEAD")
    head = raw.decode("utf-8", "replace") if raw is not None else None
    if head == target.text:
        return None
    try:
        base = promote(
            model,
            source,
            End(target.environment, target.file, head),
            env_doc.data,
            repo.root,
        )
    except UsageError:  # HEAD's spec is broken, the working tree's is not
        return None
    if base.noop:
        return None
    assert target.text is not None
    return dataclasses.replace(base, text=target.text)
