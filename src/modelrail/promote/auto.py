"""Which promotions ``modelrail promote --auto`` may make (issue 19, item 4).

An environment opts in with ``spec.promotion.auto: true`` (off unless set).
For each model its promotion source runs, the promotion is *due* when all
hold, judged on the files (the working tree, which in CI is the commit) and
the first-parent git history of HEAD:

- the target runs the model already (a model new to an environment enters
  it by hand, with ``modelrail promote``);
- the target's spec declares no rollback (``spec.rollback.revert``): a
  rollback *holds* the model there until a person removes the revert (or
  promotes by hand, which removes it);
- the source runs a higher version than the target (SemVer order,
  :mod:`modelrail.versions`);
- that version has run in the source for the target's ``spec.promotion.soak``,
  measured as MR-PROM-003 measures it (:func:`modelrail.promotion.ready_at`,
  from the commit that brought it into the source's spec);
- no branch ``promote/<env>/<model>`` (a promotion under way) or
  ``rollback/<env>/<model>`` (a rollback under way) exists, here or on a
  remote this clone knows.

The gate, the check and the render come after, one model at a time, through
the same path as ``modelrail promote``. Values in, values out: nothing here
writes or prints.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelrail.git import worktree as gitwork
from modelrail.promotion import ready_at
from modelrail.repository.layout import YAML_SUFFIXES
from modelrail.repository.loader import LoadError, load_file
from modelrail.units import human
from modelrail.versions import key, lower

if TYPE_CHECKING:
    from collections.abc import Mapping

    from modelrail.git.history import History
    from modelrail.repository.layout import Repository

# a DNS label: what a model or environment name must be before it reaches a
# branch name (the schema's dnsLabel; a file name is not checked by it)
NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
BRANCH = "promote/{environment}/{model}"
ROLLBACK_BRANCH = "rollback/{environment}/{model}"  # cli.rollback.BRANCH
HOLD = "spec.rollback.revert"


@dataclass(frozen=True, slots=True)
class Target:
    """An environment that opted in, and where its versions come from."""

    name: str
    source: str
    soak: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One model of a source, judged for its target: ``skip`` says why not
    ("" when the promotion is due)."""

    environment: str
    model: str
    source: str
    before: str | None  # what the target runs
    version: str | None  # what the source runs
    skip: str = ""

    @property
    def branch(self) -> str:
        return BRANCH.format(environment=self.environment, model=self.model)

    @property
    def due(self) -> bool:
        return not self.skip


def targets(
    environments: Mapping[str, Mapping[str, Any]], only: str | None = None
) -> tuple[list[Target], list[str]]:
    """The environments that opted in (all, or ``only``), from their
    environment.yaml data; and why each other one considered is left out."""
    found: list[Target] = []
    left: list[str] = []
    for name in sorted(environments):
        if only is not None and name != only:
            continue
        spec = environments[name].get("spec", {})
        promotion = spec.get("promotion") or {}
        if promotion.get("auto") is not True:
            if only is not None:
                left.append(
                    f"{name}: does not opt in to automatic promotion "
                    "(spec.promotion.auto: true in its environment.yaml)"
                )
            continue
        source = promotion.get("from")
        if not NAME.fullmatch(name) or not isinstance(source, str):
            left.append(f"{name}: not a name modelrail puts in a branch name")
            continue
        if source not in environments:
            left.append(f"{name}: its promotion source {source!r} is no environment")
            continue
        soak = promotion.get("soak")
        found.append(Target(name, source, soak if isinstance(soak, str) else None))
    return found, left


def judge(
    repo: Repository, target: Target, history: History, now: datetime.datetime
) -> list[Candidate]:
    """A verdict for each model the target's source runs, sorted by name."""
    verdicts = []
    for source_file in repo.files(target.source):
        if source_file.kind != "ModelDeployment":
            continue
        verdicts.append(_one(repo, target, source_file.path.stem, history, now))
    return verdicts


def _one(
    repo: Repository,
    target: Target,
    model: str,
    history: History,
    now: datetime.datetime,
) -> Candidate:
    def skip(
        why: str, before: str | None = None, version: str | None = None
    ) -> Candidate:
        return Candidate(target.name, model, target.source, before, version, why)

    if not NAME.fullmatch(model):
        return skip("its file name is not a model name (a DNS label): left alone")
    source_spec = _spec(repo, target.source, model)
    version = _version(source_spec)
    if version is None:
        return skip(f"its spec in {target.source} does not load: run 'modelrail check'")
    target_spec = _spec(repo, target.name, model)
    if target_spec is None:
        return skip(
            f"not in {target.name} yet: a new model enters by hand "
            f"(modelrail promote {model} --to {target.name})",
            None,
            version,
        )
    before = _version(target_spec)
    if before is None:
        return skip(f"its spec in {target.name} does not load: run 'modelrail check'")
    revert = _section(_section(target_spec, "spec"), "rollback").get("revert")
    if revert is not None:
        return skip(held(target.name, model, revert), before, version)
    if before == version:
        return skip(f"{target.name} runs {version} already", before, version)
    if key(version) is None or key(before) is None or not lower(before, version):
        return skip(
            f"{target.source} runs {version}, not a version above {target.name}'s "
            f"{before}",
            before,
            version,
        )
    entry = history.entered(target.source, model, version)
    if entry is None:
        return skip(
            f"{version} is not committed in {target.source} yet: its soak has not "
            "begun",
            before,
            version,
        )
    if target.soak is not None:
        ready = ready_at(entry.time, target.soak)
        if now < ready:
            ran = max(0, int((now - entry.time).total_seconds()))
            return skip(
                f"{version} soaking in {target.source} since {_stamp(entry.time)} "
                f"(commit {entry.short}, {human(ran)}); {target.name} needs "
                f"{target.soak}: due at {_stamp(ready)}",
                before,
                version,
            )
    for pattern, what in ((BRANCH, "promotion"), (ROLLBACK_BRANCH, "rollback")):
        ref = gitwork.branch_exists(
            repo.root, pattern.format(environment=target.name, model=model)
        )
        if ref is not None:
            return skip(f"a {what} of it is under way ({ref})", before, version)
    return Candidate(target.name, model, target.source, before, version)


def held(environment: str, model: str, revert: Any) -> str:
    """Why a rollback holds the model, and how to lift the hold."""
    revert = revert if isinstance(revert, dict) else {}
    since = f"the rollback from {revert.get('from', '?')}"
    if isinstance(revert.get("at"), str):
        since += f" at {revert['at']}"
    return (
        f"held since {since}: remove {HOLD} from "
        f"environments/{environment}/{model}.yaml to lift it (or promote by hand)"
    )


def _spec(repo: Repository, environment: str, model: str) -> dict[str, Any] | None:
    """The data of the model's spec in ``environment`` (None: none, or it does
    not load). Schema-valid or not: the promotion's check judges that."""
    folder = repo.environments_dir / environment
    for suffix in YAML_SUFFIXES:
        path = folder / f"{model}{suffix}"
        if path.is_file():
            try:
                data = load_file(path, repo.source(path).display).data
            except LoadError:
                return {}
            return data if isinstance(data, dict) else {}
    return None


def _version(data: Mapping[str, Any] | None) -> str | None:
    version = _section(_section(data, "spec"), "model").get("version")
    return version if isinstance(version, str) else None


def _section(data: Any, name: str) -> Mapping[str, Any]:
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
