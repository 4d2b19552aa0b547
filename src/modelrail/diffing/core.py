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
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from modelrail.diffing.compare import compare
from modelrail.diffing.side import Side, base_side, head_side, same_files
from modelrail.git import snapshot
from modelrail.repository.layout import Repository

if TYPE_CHECKING:
    from modelrail.check.runner import Options
    from modelrail.diffing.results import Result


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
    from modelrail.git.history import GitHistory

    with GitHistory(repo.root, ref) as history:
        judged = dataclasses.replace(options or Options(), history=history)
        head = head_side(repo, envs, judged, jobs)
        with tempfile.TemporaryDirectory(prefix="modelrail-diff-") as folder:
            base = _base(history.commit, history.prefix, repo.root, Path(folder))
            if base is None:
                materialised = Repository(Path(folder))
                crds = repo.crds_dir
                same = same_files(materialised.crds_dir, crds)
                base = base_side(
                    materialised, envs, judged, jobs, crd_dir=crds if same else None
                )
    label = f"{ref} ({history.commit[:12]})"
    return compare(ref, base, head, label)


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
