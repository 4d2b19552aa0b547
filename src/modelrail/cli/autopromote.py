"""``modelrail promote --auto``: every promotion that is due, each committed on
a branch of its own (``promote/<env>/<model>``), then back to the branch it
started from. Which ones are due: :mod:`modelrail.promote.auto`; each one
goes the way ``modelrail promote MODEL --to ENV --branch ... --commit`` goes
(the check, the render, the gate), through the function ``promote`` gives.

One line per model on stdout (``<env>/<model>: promoted ...``, ``... skipped:
why``); the check's and the render's progress on stderr.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import click

from modelrail.cli.common import EXIT_FINDINGS, EXIT_OK
from modelrail.cli.edits import environment_doc, refuse_dirty, spec_end
from modelrail.errors import ModelrailError, UsageError

if TYPE_CHECKING:
    import datetime
    from pathlib import Path

    from modelrail.git.history import GitHistory, History
    from modelrail.promote.auto import Candidate
    from modelrail.promote.edit import Promotion
    from modelrail.repository.layout import Repository
    from modelrail.repository.loader import Document


class Apply(Protocol):
    """What ``promote`` does once the edit is made: write it, check, render,
    gate, commit; the exit code (0: committed)."""

    def __call__(
        self,
        promotion: Promotion,
        env_doc: Document,
        target_file: str,
        history: History,
        body_file: Path | None,
    ) -> int: ...


def run(
    repo: Repository,
    only: str | None,
    now: datetime.datetime,
    apply: Apply,
    *,
    dry_run: bool,
    body_dir: Path | None,
) -> int:
    """Promote what is due; the exit code (1 when a due promotion was not
    committed: its check, render or gate failed)."""
    from modelrail.git import worktree as gitwork
    from modelrail.git.history import GitHistory
    from modelrail.promote import auto

    names = repo.environment_names()
    if only is not None and only not in names:
        raise UsageError(
            f"unknown environment {only!r} (--to); known: {', '.join(names)}"
        )
    if not gitwork.inside(repo.root) or not gitwork.has_commits(repo.root):
        raise UsageError(
            f"{repo.root} is not a git repository with commits: --auto measures "
            "soak times from git history"
        )
    wanted = set(names) if only is None else {only, _source_of(repo, only)}
    documents = {
        name: environment_doc(repo, name).data for name in names if name in wanted
    }
    targets, left = auto.targets(documents, only)
    for line in left:
        click.echo(line)
    if not targets:
        if only is None:
            click.echo("no environment opts in to automatic promotion: nothing to do")
        return EXIT_OK
    home = gitwork.current_branch(repo.root)
    if home is None and not dry_run:
        raise UsageError(
            "HEAD is detached: check out the branch to promote from (main)"
        )
    code = EXIT_OK
    with GitHistory(repo.root, "HEAD") as history:  # refuses a shallow clone
        for target in targets:
            for verdict in auto.judge(repo, target, history, now):
                where = f"{verdict.environment}/{verdict.model}"
                if not verdict.due:
                    click.echo(f"{where}: skipped: {verdict.skip}")
                elif dry_run:
                    click.echo(
                        f"{where}: would promote {verdict.before} -> "
                        f"{verdict.version} from {verdict.source} on branch "
                        f"{verdict.branch}"
                    )
                else:
                    assert home is not None
                    code = max(
                        code, _promote(repo, verdict, history, home, apply, body_dir)
                    )
    if dry_run:
        click.echo("dry run: nothing written", err=True)
    return code


def _source_of(repo: Repository, name: str) -> str | None:
    source = environment_doc(repo, name).data["spec"].get("promotion", {}).get("from")
    return source if isinstance(source, str) else None


def _promote(
    repo: Repository,
    verdict: Candidate,
    history: GitHistory,
    home: str,
    apply: Apply,
    body_dir: Path | None,
) -> int:
    """Promote one model on its own branch, committed, then back home.
    Whatever fails is this model's (exit 1, said), never the others': what
    the run wrote is undone and its branch deleted, so the next run tries
    again. Uncommitted work is never touched: a model whose files are dirty
    is left alone."""
    from modelrail.git import worktree as gitwork
    from modelrail.promote.update import promote

    where = f"{verdict.environment}/{verdict.model}"
    target = spec_end(repo, verdict.environment, verdict.model, must_exist=True)
    written = [
        target.file,
        f"rendered/{verdict.environment}",
        "rendered/_bootstrap",
        "rendered/README.md",
    ]
    try:
        refuse_dirty(repo, verdict.environment, target.file, commit=True)
    except UsageError as exc:
        click.echo(f"{where}: not promoted: {exc}")
        return EXIT_FINDINGS
    body_file = (
        body_dir / verdict.environment / f"{verdict.model}.md"
        if body_dir is not None
        else None
    )
    code, said = EXIT_FINDINGS, False
    try:
        env_doc = environment_doc(repo, verdict.environment)
        source = spec_end(repo, verdict.source, verdict.model, must_exist=True)
        promotion = promote(verdict.model, source, target, env_doc.data, repo.root)
        gitwork.switch_new(repo.root, verdict.branch)
        click.echo(f"switched to a new branch {verdict.branch!r}", err=True)
        code = apply(promotion, env_doc, target.file, history, body_file)
    except ModelrailError as exc:
        click.echo(f"{where}: not promoted: {exc}")
        code, said = EXIT_FINDINGS, True
    finally:
        committed = code == EXIT_OK
        if not committed:  # checked clean above: only this run's writes
            gitwork.discard(repo.root, written)
            if body_file is not None:
                body_file.unlink(missing_ok=True)
        if gitwork.current_branch(repo.root) != home:
            gitwork.switch(repo.root, home)
        if not committed and gitwork.branch_exists(repo.root, verdict.branch) == (
            f"refs/heads/{verdict.branch}"
        ):
            gitwork.delete_branch(repo.root, verdict.branch)
    if committed:
        click.echo(
            f"{where}: promoted {verdict.before} -> {verdict.version} from "
            f"{verdict.source} on branch {verdict.branch}"
        )
        return EXIT_OK
    if not said:
        click.echo(
            f"{where}: not promoted (exit {code}): the check, the render or the gate "
            "did not pass; stderr says why, and the next run tries again"
        )
    return EXIT_FINDINGS
