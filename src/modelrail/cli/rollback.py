"""``modelrail rollback MODEL --env ENV``: back to exactly what ran before.

And ``modelrail rollback --from-alerts URL``: the same for every model a
firing Alertmanager alert asks to roll back, each on a branch of its own.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from modelrail.cli.common import EXIT_FINDINGS, EXIT_OK
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
from modelrail.errors import ModelrailError, UsageError

if TYPE_CHECKING:
    import datetime

    from modelrail.gate.alertmanager import Request
    from modelrail.git.history import GitHistory
    from modelrail.promote.edit import End
    from modelrail.promote.rollback import Rollback
    from modelrail.repository.layout import Repository

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
BRANCH = "rollback/{environment}/{model}"  # --from-alerts: one per model


def _rendered_paths(environment: str) -> list[str]:
    """What the render of ``environment`` may write (refuse_dirty's list)."""
    return [f"rendered/{environment}", "rendered/_bootstrap", "rendered/README.md"]


@click.command("rollback")
@click.argument("model", required=False)
@click.option("--env", "-e", "environment", metavar="ENV", help="The environment.")
@click.option(
    "--to",
    "version",
    metavar="VERSION",
    default=None,
    help="The version to return to (default: the one the environment ran "
    "before, from its git history). It must have run there.",
)
@click.option(
    "--reason",
    metavar="TEXT",
    default=None,
    help="Why (the incident): goes into spec.rollback.revert and the body.",
)
@branch_option
@commit_option
@click.option(
    "--body",
    "body_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the pull-request body (Markdown) to this file; with "
    "--from-alerts, a folder: one <env>/<model>.md per rollback.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write nothing: print the edit, the rendered diff and the time budget.",
)
@click.option(
    "--from-alerts",
    "alertmanager",
    metavar="URL",
    default=None,
    help="Roll back every model a firing Alertmanager alert labelled "
    'modelrail_action="rollback" names, each committed on a branch '
    "rollback/<env>/<model> (token: MODELRAIL_ALERTMANAGER_TOKEN).",
)
@now_option
@root_option
@click.pass_context
def rollback_cmd(
    ctx: click.Context,
    model: str | None,
    environment: str | None,
    version: str | None,
    reason: str | None,
    branch: str | None,
    commit: bool,
    body_path: Path | None,
    dry_run: bool,
    alertmanager: str | None,
    now: datetime.datetime,
    root: Path | None,
) -> None:
    """Roll MODEL in ENV back to the version it ran before, exactly as it ran.

    Takes spec.model (version, artifact, digest, metrics...), the serving
    image and rollback.previousVersion from the spec as it was when that
    version last ran in ENV (first-parent git history), keeps everything else
    and every comment, and declares the rollback (rollback.revert: from,
    reason, at). Then checks and renders like promote. A KServe canary goes
    back in three changes, one per run: all traffic to the previous revision
    (canaryTrafficPercent 0), the version (the traffic still held), the
    traffic to it. Prints a pull-request body on stdout; progress goes to
    stderr.

    Exit codes: 0 rolled back and clean (or nothing to do), 1 the check found
    errors (nothing committed), 2 bad input (a version that never ran there,
    no git history, an Alertmanager that cannot be read), 3 internal error.
    """
    from modelrail.repository.layout import repository

    repo = repository(root)
    if alertmanager is not None:
        if model is not None or environment is not None or version is not None:
            raise UsageError(
                "--from-alerts takes the models from the alerts: no MODEL, --env or --to"
            )
        if branch is not None or dry_run:
            raise UsageError(
                "--from-alerts makes one branch per model: no --branch or --dry-run"
            )
        if body_path is not None and body_path.exists() and not body_path.is_dir():
            raise UsageError(f"--body {body_path}: with --from-alerts, a folder")
        ctx.exit(_from_alerts(repo, alertmanager, body_path, now))
    if model is None or environment is None:
        raise UsageError("name the MODEL and its --env (or use --from-alerts URL)")
    if not _NAME.fullmatch(model):
        raise UsageError(
            f"{model!r} is not a model name (a DNS label, like fraud-detector)"
        )
    plan = Plan(model, environment, version, reason, None)
    history = _history(repo)
    try:
        if dry_run:
            ctx.exit(_dry_run(repo, plan, history, now))
        if branch is not None:
            from modelrail.git import worktree as gitwork

            gitwork.check_branch(repo.root, branch)
        done = _one(repo, plan, history, now, branch=branch, commit=commit)
    finally:
        history.close()
    if body_path is not None and done.body:
        from modelrail.repository.writer import write_atomic

        write_atomic(body_path, done.body)
    click.echo(done.body, nl=False)
    ctx.exit(done.code)


@dataclass(frozen=True, slots=True)
class Plan:
    model: str
    environment: str
    version: str | None  # --to
    reason: str | None
    alert: Any  # the alert that asked for it (a mapping from Alertmanager)


@dataclass(frozen=True, slots=True)
class Done:
    code: int
    body: str = ""
    committed: bool = False


def _history(repo: Repository) -> GitHistory:
    from modelrail.git import worktree as gitwork
    from modelrail.git.history import GitHistory

    if not gitwork.inside(repo.root) or not gitwork.has_commits(repo.root):
        raise UsageError(
            f"{repo.root} is not a git repository with commits: rollback reads "
            "what ran from the environment's git history"
        )
    return GitHistory(repo.root, "HEAD")  # refuses a shallow clone


def _prepare(
    repo: Repository, plan: Plan, history: GitHistory, now: datetime.datetime
) -> tuple[End, Rollback]:
    from modelrail.promote.rollback import finishing, rollback, target

    env_doc = environment_doc(repo, plan.environment, "--env")
    end = spec_end(repo, plan.environment, plan.model, must_exist=True)
    assert end.text is not None
    from modelrail.promote import roundtrip

    current = str(
        roundtrip.plain(roundtrip.load(end.text, end.file))["spec"]["model"]["version"]
    )
    runs = history.runs(plan.environment, plan.model)
    data = roundtrip.plain(roundtrip.load(end.text, end.file))
    if finishing(data["spec"]) and runs:
        # a KServe rollback's last step: the restored version stays
        run = (
            runs[0]
            if runs[0].version == current
            else target(runs, "", current, plan.environment, plan.model)
        )
        return end, rollback(plan.model, end, run, reason=plan.reason or "", at=now)
    if plan.version is not None and not any(r.version == plan.version for r in runs):
        _refuse_promotion(repo, env_doc.data, plan)
    run = target(runs, current, plan.version, plan.environment, plan.model)
    reason = plan.reason or (
        f"back to {run.version}, which ran in {plan.environment} before {current}"
    )
    return end, rollback(plan.model, end, run, reason=reason, at=now)


def _refuse_promotion(repo: Repository, env: Any, plan: Plan) -> None:
    """``--to`` a version that never ran here but runs in the promotion
    source: that is a promotion, and promote says so."""
    source = env["spec"].get("promotion", {}).get("from")
    if not isinstance(source, str):
        return
    path = repo.environments_dir / source / f"{plan.model}.yaml"
    try:
        from modelrail.repository.loader import load_file

        data = load_file(path, str(path)).data
        running = data["spec"]["model"]["version"]
    except Exception:  # noqa: BLE001 - no readable source spec: not a promotion
        return
    if running == plan.version:
        raise UsageError(
            f"{plan.model} {plan.version} never ran in {plan.environment}; it runs "
            f"in {source}: going there is a promotion, not a rollback: "
            f"modelrail promote {plan.model} --to {plan.environment}"
        )


def _one(
    repo: Repository,
    plan: Plan,
    history: GitHistory,
    now: datetime.datetime,
    *,
    branch: str | None,
    commit: bool,
) -> Done:
    from modelrail.check.runner import Options, run
    from modelrail.git import worktree as gitwork
    from modelrail.promote.body import rollback_body, rollback_message
    from modelrail.repository.loader import load_text
    from modelrail.repository.writer import write_atomic

    end, result = _prepare(repo, plan, history, now)
    if branch is not None or commit:
        refuse_dirty(
            repo, plan.environment, end.file, commit=commit, command="rollback"
        )
    if branch is not None:
        gitwork.switch_new(repo.root, branch)
        click.echo(f"switched to a new branch {branch!r}", err=True)
    write_atomic(repo.root / end.file, result.text)
    what = (
        "traffic back to the previous revision"
        if result.phase == 1
        else (f"{result.before} -> {result.version}, as at {result.run.last.short}")
    )
    click.echo(
        f"wrote {end.file} ({what}; {len(result.changes)} field(s) changed)", err=True
    )
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    specs = tuple(
        str(source.path)
        for env in repo.environment_names()
        for source in repo.files(env)
        if source.kind == "ModelDeployment" and source.path.stem == plan.model
    )
    report = run(repo, specs, (), Options(today=now.date(), history=history, now=now))
    show_report(click.get_current_context(), report)
    code = report.exit_code
    rendered, render_code = render_environment(repo, plan.environment)
    if code == EXIT_OK:
        code = render_code
    committed = False
    if commit:
        if code == EXIT_OK and not isinstance(rendered, str):
            app = f"rendered/{plan.environment}/{plan.model}"
            paths = sorted(
                {end.file, *(f"rendered/{p}" for p in rendered.paths)}
                | ({app} if (repo.root / app).is_dir() else set())
            )
            message = rollback_message(result)
            made = gitwork.commit(repo.root, paths, message)
            committed = True
            click.echo(
                f"committed {made[:12]} ({len(paths)} file(s)): {message.splitlines()[0]}",
                err=True,
            )
        else:
            why = "the check found errors" if report.exit_code else "render failed"
            click.echo(
                f"not committed: {why} (the edit stays written); fix it, run "
                "'modelrail check' and 'modelrail render', and commit",
                err=True,
            )
    spec = load_text(result.text, end.file).data
    text = rollback_body(
        result, spec, report, rendered, target_file=end.file,
        budget=_budget(spec, result), alert=plan.alert,
    )  # fmt: skip
    return Done(code, text, committed)


def _budget(spec: Any, result: Rollback) -> str:
    """What the rollback skips and how long it should take (Markdown)."""
    from modelrail.render.budget import markdown

    return markdown(spec, phase=result.phase)


def _dry_run(
    repo: Repository, plan: Plan, history: GitHistory, now: datetime.datetime
) -> int:
    """Print the edit, the rendered diff and the time budget; write nothing."""
    import difflib
    import shutil
    import tempfile

    from modelrail.promote.body import rollback_message
    from modelrail.render import pipeline
    from modelrail.render.budget import text as budget_text
    from modelrail.repository.layout import (
        ENVIRONMENTS,
        RENDER,
        RENDERED,
        SCHEMAS,
        Repository,
    )
    from modelrail.repository.loader import load_text

    end, result = _prepare(repo, plan, history, now)
    with tempfile.TemporaryDirectory(prefix="modelrail-rollback-") as tmp:
        copy = Path(tmp)
        for folder in (ENVIRONMENTS, SCHEMAS, RENDER, RENDERED):
            if (repo.root / folder).is_dir():
                shutil.copytree(repo.root / folder, copy / folder, symlinks=True)
        (copy / end.file).write_text(result.text, encoding="utf-8")
        try:
            rendered = pipeline.rerender(Repository(copy), (plan.environment,))
        except pipeline.FAILURES as exc:
            raise UsageError(f"the rollback would not render: {exc}") from exc
        diff: list[str] = []
        diff += difflib.unified_diff(
            (end.text or "").splitlines(keepends=True),
            result.text.splitlines(keepends=True),
            f"a/{end.file}",
            f"b/{end.file}",
        )
        for path in rendered.paths:
            shown = f"{RENDERED}/{path}"
            old = repo.root / shown
            new = copy / shown
            diff += difflib.unified_diff(
                old.read_text(encoding="utf-8").splitlines(keepends=True)
                if old.is_file()
                else [],
                new.read_text(encoding="utf-8").splitlines(keepends=True)
                if new.is_file()
                else [],
                f"a/{shown}",
                f"b/{shown}",
            )
    click.echo(rollback_message(result), nl=False)
    click.echo()
    click.echo("".join(diff), nl=False)
    click.echo()
    click.echo(
        budget_text(load_text(result.text, end.file).data, phase=result.phase), nl=False
    )
    click.echo("dry run: nothing written", err=True)
    return EXIT_OK


def _from_alerts(
    repo: Repository, url: str, body_dir: Path | None, now: datetime.datetime
) -> int:
    """One rollback per model a firing alert names, each committed on its own
    branch from where HEAD is, then back to that branch. Guards: never a
    rollback of a rollback, never for an alert about a version git no longer
    runs, never without rollback.automatic: true, never a second one while a
    branch for it exists."""
    from modelrail.gate import alertmanager
    from modelrail.gate.transport import Endpoint, Settings, base_url
    from modelrail.git import worktree as gitwork

    endpoint = Endpoint(
        "Alertmanager",
        base_url(url, "--from-alerts"),
        Settings(),
        alertmanager.auth(os.environ),
    )
    with endpoint:
        firing = alertmanager.firing(endpoint)
    for why in firing.ignored:
        click.echo(f"ignored: {why}", err=True)
    if not firing.requests:
        click.echo("no firing alert asks for a rollback: nothing to do", err=True)
        return EXIT_OK
    history = _history(repo)
    home = gitwork.current_branch(repo.root)
    if home is None:
        history.close()
        raise UsageError(
            "HEAD is detached: check out the branch to roll back from (main)"
        )
    code = EXIT_OK
    try:
        for (environment, model), asks in groupby(
            firing.requests, key=lambda r: (r.environment, r.model)
        ):
            request, skips = _choose(repo, list(asks))
            if request is None:
                for skip in skips:
                    click.echo(f"{environment}/{model}: {skip}", err=True)
                continue
            code = max(code, _automatic(repo, request, history, now, home, body_dir))
    finally:
        history.close()
    return code


def _choose(repo: Repository, asks: list[Request]) -> tuple[Request | None, list[str]]:
    """Of one model's alerts, the first the guards let through; else why not
    (one reason per alert, said once)."""
    skips: list[str] = []
    for request in asks:
        skip = _guard(repo, request)
        if not skip:
            return request, []
        if skip not in skips:
            skips.append(skip)
    return None, skips


def _automatic(
    repo: Repository,
    request: Request,
    history: GitHistory,
    now: datetime.datetime,
    home: str,
    body_dir: Path | None,
) -> int:
    """Roll one model back on its own branch, committed, then back home.
    Whatever fails is this model's (exit 1, said), never the others': what
    the run wrote is undone and its branch deleted, so the next run tries
    again. The user's own uncommitted work is never touched: a model whose
    files are dirty is left alone."""
    from modelrail.git import worktree as gitwork

    spec = repo.source(_spec_path(repo, request.environment, request.model)).display
    written = [spec, *_rendered_paths(request.environment)]
    where = f"{request.environment}/{request.model}"
    try:
        refuse_dirty(repo, request.environment, spec, commit=True, command="rollback")
    except UsageError as exc:
        click.echo(f"{where}: not rolled back: {exc}", err=True)
        return EXIT_FINDINGS
    name = BRANCH.format(environment=request.environment, model=request.model)
    labels = request.alert.get("labels", {})
    plan = Plan(
        request.model,
        request.environment,
        None,
        f"alert {labels.get('alertname', 'an alert')} fired for {request.model} "
        f"{request.version} in {request.environment}",
        request.alert,
    )
    done = Done(EXIT_FINDINGS)
    try:
        done = _one(repo, plan, history, now, branch=name, commit=True)
    except ModelrailError as exc:
        click.echo(f"{where}: not rolled back: {exc}", err=True)
    finally:
        if not done.committed:  # checked clean above: only this run's writes
            gitwork.discard(repo.root, written)
        if gitwork.current_branch(repo.root) != home:
            gitwork.switch(repo.root, home)
        if not done.committed and gitwork.branch_exists(repo.root, name) == (
            f"refs/heads/{name}"
        ):
            gitwork.delete_branch(repo.root, name)
    if done.committed:
        if body_dir is not None:
            from modelrail.repository.writer import write_atomic

            write_atomic(
                body_dir / request.environment / f"{request.model}.md", done.body
            )
        click.echo(done.body, nl=False)
    return done.code


def _guard(repo: Repository, request: Request) -> str:
    """Why this alert must not roll its model back ("" when it may)."""
    from modelrail.git import worktree as gitwork
    from modelrail.repository.loader import LoadError, load_file

    if request.environment not in repo.environment_names():
        return "no such environment here: ignored"
    path = _spec_path(repo, request.environment, request.model)
    if not path.is_file():
        return "no such model here: ignored"
    try:
        spec = load_file(path, str(path)).data["spec"]
        running = spec["model"]["version"]
    except (LoadError, KeyError, TypeError):
        return "its spec does not load: run 'modelrail check'"
    rollback = spec.get("rollback") if isinstance(spec.get("rollback"), dict) else {}
    if request.version != running:
        return (
            f"the alert is about {request.version}, git runs {running} (rolled back "
            "or promoted since): ignored"
        )
    if "revert" in rollback:
        return "it runs a declared rollback already: never roll back a rollback"
    if rollback.get("automatic") is not True:
        return "refused: its spec does not set rollback.automatic: true"
    name = BRANCH.format(environment=request.environment, model=request.model)
    found = gitwork.branch_exists(repo.root, name)
    if found is not None:
        return f"a rollback of it is under way ({found}): nothing to do"
    return ""


def _spec_path(repo: Repository, environment: str, model: str) -> Path:
    """The spec of ``model`` in ``environment`` (``.yaml``, else ``.yml``;
    the ``.yaml`` path when there is neither)."""
    from modelrail.repository.layout import YAML_SUFFIXES

    folder = repo.environments_dir / environment
    for suffix in YAML_SUFFIXES:
        if (folder / f"{model}{suffix}").is_file():
            return folder / f"{model}{suffix}"
    return folder / f"{model}{YAML_SUFFIXES[0]}"
