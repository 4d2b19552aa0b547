"""One side of a diff: a repository rendered in memory and checked.

The render is ``modelrail render``'s (the same inputs, templates, Kubernetes
and CRD schemas, nothing written); the check is ``modelrail check``'s over the
same environments. The working tree must render (its errors are the
command's, as in ``render``); the base may be broken, and is then reported as
such (:func:`base_side`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelrail.errors import ModelrailError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from modelrail.check.report import Report
    from modelrail.check.runner import Options
    from modelrail.findings import Finding
    from modelrail.render.pipeline import Some
    from modelrail.render.renderer import Share
    from modelrail.repository.layout import Repository


@dataclass(frozen=True)
class Side:
    """The rendered files (path under rendered/ -> text), the specs
    ((environment, model) -> data), the findings, and what went wrong."""

    files: Mapping[str, str] = field(default_factory=dict)
    specs: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    error: str = ""  # why it does not render
    check_error: str = ""  # why it cannot be checked
    crashes: tuple[str, ...] = ()
    # with a Partial: what each model rendered gives its environment
    shares: Mapping[tuple[str, str], Share] = field(default_factory=dict)


@dataclass(frozen=True)
class Partial:
    """What to render on each side when only part of the repository changed:
    the models whose inputs differ (on the side that has them), and the
    environments whose own inputs differ."""

    apps: frozenset[tuple[str, str]]
    environments: frozenset[str]


def head_side(
    repo: Repository,
    envs: tuple[str, ...],
    options: Options,
    jobs: int,
    plan: Partial | None = None,
    *,
    report: Report | None = None,
) -> Side:
    """The working tree: a render error is raised, as ``render`` raises it.
    ``report``: its check with ``options``, when already made."""
    from modelrail.check.runner import run

    files, specs, shares = render_files(repo, envs, jobs, plan=plan)
    if report is None:
        report = run(repo, (), envs, options)
    return Side(
        files,
        specs,
        report.findings,
        crashes=tuple(str(c) for c in report.crashes),
        shares=shares,
    )


def base_side(
    repo: Repository,
    envs: tuple[str, ...],
    options: Options,
    jobs: int,
    *,
    crd_dir: Path | None = None,
    plan: Partial | None = None,
) -> Side:
    """The base, materialised at ``repo.root``: whatever fails is reported in
    the side (with the temporary folder left out of messages), never raised.
    ``envs`` the base does not have are left out; none left: an empty side.
    ``crd_dir``: a folder of CRD schemas identical to the base's (validators
    already compiled for the working tree are reused)."""
    from modelrail.check.runner import run
    from modelrail.render.templating import TemplateFailure

    def shown(exc: Exception) -> str:
        return _relative(str(exc), str(repo.root))

    try:
        known = repo.environment_names()
    except ModelrailError as exc:
        return Side(error=shown(exc))
    wanted = tuple(env for env in envs if env in known)
    if envs and not wanted:
        return Side()
    files: Mapping[str, str] = {}
    specs: Mapping[tuple[str, str], Mapping[str, Any]] = {}
    shares: Mapping[tuple[str, str], Share] = {}
    error = check_error = ""
    # The base was written for the engine of its day: whatever it makes this
    # one do is the base's problem to report, never the end of the diff.
    try:
        files, specs, shares = render_files(
            repo, wanted, jobs, crd_dir=crd_dir, plan=plan
        )
    except (ModelrailError, TemplateFailure) as exc:
        error = shown(exc) + _first_findings(exc)
    except Exception as exc:  # noqa: BLE001 - see above
        error = f"the renderer failed on it: {type(exc).__name__}: {shown(exc)}"
    try:
        report = run(repo, (), wanted, options)
    except Exception as exc:  # noqa: BLE001 - see above
        check_error = shown(exc)
        if not isinstance(exc, ModelrailError):
            check_error = f"{type(exc).__name__}: {check_error}"
        findings: tuple[Finding, ...] = ()
        crashes: tuple[str, ...] = ()
    else:
        findings = report.findings
        crashes = tuple(_relative(str(c), str(repo.root)) for c in report.crashes)
    return Side(files, specs, findings, error, check_error, crashes, shares)


def render_files(
    repo: Repository,
    envs: tuple[str, ...],
    jobs: int,
    *,
    crd_dir: Path | None = None,
    plan: Partial | None = None,
) -> Some:
    """What ``modelrail render`` would write (path under rendered/ -> text),
    the specs it rendered, and (with a ``plan``) what each model gives its
    environment; ``crd_dir`` defaults to schemas/crds/. With a ``plan``, only
    its models (the environments' folders: ``surround``)."""
    from modelrail.render import pipeline

    if plan is not None:
        files, some, made = pipeline.build_some(
            repo, envs, set(plan.apps), jobs=jobs, crd_dir=crd_dir
        )
        return manifests(files), some, made
    output, specs = pipeline.build_with_specs(repo, envs, jobs=jobs, crd_dir=crd_dir)
    return manifests(output.files), dict(specs), {}


def manifests(files: Mapping[str, str]) -> dict[str, str]:
    """``files`` without the folders' ``render.sum``: bookkeeping, not
    something Argo CD applies."""
    from modelrail.render.records import RECORD

    return {p: t for p, t in files.items() if not p.endswith(f"/{RECORD}")}


def surround(
    side: Side,
    repo: Repository,
    envs: tuple[str, ...],
    shares: Mapping[tuple[str, str], Share],
    *,
    crd_dir: Path | None = None,
) -> Side:
    """``side`` with the folders of ``envs`` (and the bootstrap) rendered
    from ``shares`` and its own models' shares; a failure is the side's
    error, as in ``base_side``."""
    from modelrail.render import pipeline

    try:
        files = pipeline.surround_files(
            repo, envs, {**shares, **side.shares}, crd_dir=crd_dir
        )
    except pipeline.FAILURES as exc:
        return dataclasses.replace(
            side,
            error=_relative(str(exc), str(repo.root)) + _first_findings(exc),
        )
    return dataclasses.replace(side, files={**side.files, **manifests(files)})


def _first_findings(exc: Exception, limit: int = 3) -> str:
    """The first findings of a ``BadInput``, for a one-paragraph reason."""
    found = getattr(exc, "findings", ())
    if not found:
        return ""
    shown = "; ".join(str(f) for f in found[:limit])
    more = f" (and {len(found) - limit} more)" if len(found) > limit else ""
    return f": {shown}{more}"


def _relative(message: str, folder: str) -> str:
    """``message`` without the temporary folder the base was materialised in."""
    return message.replace(folder + "/", "").replace(folder, ".")


def same_files(one: Path, other: Path) -> bool:
    """Whether two folders hold the same files with the same bytes."""

    def listing(folder: Path) -> dict[str, Path]:
        if not folder.is_dir():
            return {}
        return {
            p.relative_to(folder).as_posix(): p
            for p in folder.rglob("*")
            if p.is_file()
        }

    try:
        ours, theirs = listing(one), listing(other)
        return (
            bool(ours)
            and ours.keys() == theirs.keys()
            and all(
                ours[name].read_bytes() == theirs[name].read_bytes() for name in ours
            )
        )
    except OSError:
        return False
