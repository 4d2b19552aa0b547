"""``diff``: the repository at a base git ref against the working tree.

The base is materialised read-only into a temporary folder (``snapshot``),
rendered with its own templates and schemas and checked with its own
policies; the working tree likewise. Both checks get the same read-only
history of the base (``check --base``), so a policy that judges a change
sees none on the base (judged against itself) and the pull request's on the
working tree.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from modelrail.diffing.compare import compare
from modelrail.diffing.side import Partial, Side, base_side, head_side, same_files
from modelrail.errors import ModelrailError
from modelrail.git import snapshot
from modelrail.repository.layout import Repository

if TYPE_CHECKING:
    from modelrail.check.report import Report
    from modelrail.check.runner import Options
    from modelrail.diffing.results import Result
    from modelrail.render.pipeline import Keys
    from modelrail.render.renderer import Share


def diff(
    repo: Repository,
    ref: str,
    *,
    envs: tuple[str, ...] = (),
    options: Options | None = None,
    jobs: int = 1,
) -> Result:
    """What changes from ``ref`` to the working tree of ``repo``.

    A ref that is not a commit, a folder outside git, a shallow clone or a
    base whose objects are missing raise ``RepositoryError``; a working tree
    that does not render raises what ``render`` raises. A base that does not
    render or check is reported in the result.
    """
    from modelrail.check.runner import Options
    from modelrail.git.changes import changed
    from modelrail.git.history import GitHistory

    with GitHistory(repo.root, ref) as history:
        changes = changed(repo.root, history.commit)
        # findings outside what the change touches are the same on both
        # sides: they are judged as check --base judges them (git/changes)
        judged = dataclasses.replace(
            options or Options(),
            history=history,
            changes=None if changes.everything else changes,
        )
        with (
            tempfile.TemporaryDirectory(
                prefix="modelrail-diff-", dir=scratch()
            ) as folder,
            ThreadPoolExecutor(1) as pool,
        ):
            # git writes the base's archive, and it is unpacked, while the
            # working tree's inputs are digested and it is checked here
            unpacking = pool.submit(
                _base, history.commit, history.prefix, repo.root, Path(folder)
            )
            ours = _keys(repo, envs)
            report = _early_check(repo, envs, judged)
            base = unpacking.result()
            if base is not None:
                head = head_side(repo, envs, judged, jobs, report=report)
            else:
                materialised = Repository(Path(folder))
                crds = repo.crds_dir
                same = same_files(materialised.crds_dir, crds)
                plan = _plan(ours, materialised, envs)
                head = head_side(repo, envs, judged, jobs, plan, report=report)
                base = base_side(
                    materialised,
                    envs,
                    judged,
                    jobs,
                    crd_dir=crds if same else None,
                    plan=plan,
                )
                if base.error and plan is not None:
                    # nothing of the base to compare with: all of the head shows
                    head = head_side(repo, envs, judged, jobs, report=report)
                elif plan is not None:
                    head, base = _surround(
                        plan, repo, head, materialised, base, envs, jobs,
                        crds if same else None,
                    )  # fmt: skip
    label = f"{ref} ({history.commit[:12]})"
    return compare(ref, base, head, label)


# Unpacked on tmpfs where there is room: 4,000 files written and deleted on
# every diff cost a disk file system 0.2 s or (ext4 without a journal, for
# the minute after a deletion) up to 1 s; in memory, 0.13 s and nothing after.
_SHM = "/dev/shm"  # a folder of our own is made in it (mkdtemp)
_SHM_ROOM = 512 * 1024 * 1024


def scratch() -> str | None:
    """Where the base is unpacked: ``/dev/shm`` (a tmpfs on Linux) when it
    has room and no variable names another temporary folder (``TMPDIR``,
    ``TEMP``, ``TMP``: what ``tempfile`` reads); else None, that folder."""
    named = any(os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP"))
    if named or not os.path.isdir(_SHM):
        return None
    try:
        room = shutil.disk_usage(_SHM).free
    except OSError:
        return None
    return _SHM if room >= _SHM_ROOM and os.access(_SHM, os.W_OK | os.X_OK) else None


def _base(commit: str, prefix: str, cwd: Path, folder: Path) -> Side | None:
    """Materialise the base into ``folder``; a side that says why when there
    is nothing there to render (None: render it)."""
    try:
        found = snapshot.materialise(cwd, commit, prefix, folder)
    except snapshot.UnsafeBase as exc:
        return Side(error=str(exc))
    if "environments" not in found:
        where = f"{prefix}environments/" if prefix else "environments/"
        return Side(error=f"there is no {where} folder at the base")
    return None


def _early_check(
    repo: Repository, envs: tuple[str, ...], options: Options
) -> Report | None:
    """The working tree's check, made while the base is unpacked: when it
    judges what the change touches only (a few files, in this process: no
    fork beside the unpacking thread). None: ``head_side`` checks it, after
    its render, as it did before (an error of both is the render's)."""
    from modelrail.check.runner import PARALLEL_FILES, run

    changes = options.changes
    if changes is None or changes.environments:
        return None
    try:
        # a spec, its environment and waivers files, in every environment
        if (len(changes.models) + 2) * len(repo.environment_names()) >= PARALLEL_FILES:
            return None
        return run(repo, (), envs, options)
    except Exception:  # noqa: BLE001 - raised again by head_side, in its order
        return None


def _keys(repo: Repository, envs: tuple[str, ...]) -> Keys | None:
    """The working tree's ``pipeline.keys`` (None when its files cannot be
    read: the diff then renders both sides whole)."""
    from modelrail.render import pipeline

    try:
        return pipeline.keys(repo, envs)
    except ModelrailError:
        return None


def _plan(ours: Keys | None, base: Repository, envs: tuple[str, ...]) -> Partial | None:
    """What differs between the two sides' inputs, model by model (None:
    render both sides whole, as when the base's own files cannot be read)."""
    from modelrail.render import pipeline

    if ours is None:
        return None
    try:
        known = base.environment_names()
        theirs = pipeline.keys(base, tuple(e for e in envs if e in known))
    except ModelrailError:
        return None
    apps = frozenset(
        key
        for key in {*ours.apps, *theirs.apps}
        if ours.apps.get(key) != theirs.apps.get(key)
    )
    environments = frozenset(
        env
        for env in {*ours.environments, *theirs.environments}
        if ours.environments.get(env) != theirs.environments.get(env)
    )
    return Partial(apps, environments)


def _surround(
    plan: Partial,
    repo: Repository,
    head: Side,
    base_repo: Repository,
    base: Side,
    envs: tuple[str, ...],
    jobs: int,
    crd_dir: Path | None,
) -> tuple[Side, Side]:
    """Both sides with the environments' folders where they may differ: an
    environment whose own inputs differ, or where a model that changed gives
    it something else (kinds, team, contacts; a model added or removed)."""
    from modelrail.diffing.side import surround
    from modelrail.render import pipeline

    wanted = sorted(
        {
            *plan.environments,
            *(
                env
                for env, name in plan.apps
                if head.shares.get((env, name)) != base.shares.get((env, name))
            ),
        }
    )
    if not wanted:
        return head, base
    scope = tuple(wanted)
    unchanged = {key for key in pipeline.keys(repo, scope).apps if key not in plan.apps}
    shares: dict[tuple[str, str], Share] = {
        key: share
        for key, share in pipeline.trusted_shares(repo, scope).items()
        if key in unchanged
    }
    missing = unchanged - shares.keys()
    if missing:  # no render.sum to trust: rendered here, for their shares only
        shares.update(pipeline.build_some(repo, scope, missing, jobs=jobs)[2])
    known = set(base_repo.environment_names())
    return (
        surround(head, repo, scope, shares),
        surround(
            base,
            base_repo,
            tuple(e for e in scope if e in known),
            shares,
            crd_dir=crd_dir,
        ),
    )
